"""The outcome of a run: a frozen dataclass, saved as `result.json` in the run directory."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.run.journal import write_atomic

RESULT = "result.json"


@dataclass(frozen=True)
class CandidateRecord:
    """A candidate in the pool: its texts, lineage and per-instance validation scores."""

    id: str
    texts: Mapping[str, str]
    parents: tuple[str, ...]
    origin: str
    val_scores: tuple[float, ...]

    @property
    def val_mean(self) -> float:
        return sum(self.val_scores) / len(self.val_scores) if self.val_scores else 0.0


def pareto_front(
    candidates: tuple[CandidateRecord, ...], val_ids: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    """For each validation instance, the ids of the candidates with the best score on it."""
    front: dict[str, tuple[str, ...]] = {}
    for i, example_id in enumerate(val_ids):
        best = max((c.val_scores[i] for c in candidates), default=None)
        front[example_id] = tuple(c.id for c in candidates if best is not None and c.val_scores[i] == best)
    return front


@dataclass(frozen=True)
class Result:
    task: str
    optimizer: str
    seed: int
    best_id: str
    best_texts: Mapping[str, str]
    seed_id: str
    candidates: tuple[CandidateRecord, ...]
    val_ids: tuple[str, ...]
    rollouts_by_purpose: Mapping[str, int]
    """Every rollout counted, by purpose; "test" is outside the optimization budget."""
    rollout_budget: int | None
    usage_by_role: Mapping[str, Mapping[str, float]]
    stop_reason: str
    wall_seconds: float
    test: Mapping[str, float] | None = None
    """{"n": examples, "seed": mean, "best": mean} when the task has a test split."""
    notes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def front(self) -> dict[str, tuple[str, ...]]:
        return pareto_front(self.candidates, self.val_ids)

    @property
    def rollouts_used(self) -> int:
        """Rollouts charged to the optimization budget (everything but "test")."""
        return sum(n for p, n in self.rollouts_by_purpose.items() if p != "test")

    def candidate(self, cid: str) -> CandidateRecord | None:
        return next((c for c in self.candidates if c.id == cid), None)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["front"] = {k: list(v) for k, v in self.front.items()}
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Result:
        fields = {k: v for k, v in data.items() if k != "front"}
        fields["candidates"] = tuple(
            CandidateRecord(
                id=c["id"],
                texts=c["texts"],
                parents=tuple(c["parents"]),
                origin=c["origin"],
                val_scores=tuple(c["val_scores"]),
            )
            for c in data["candidates"]
        )
        fields["val_ids"] = tuple(data["val_ids"])
        return cls(**fields)

    def save(self, run_dir: Path) -> Path:
        path = run_dir / RESULT
        write_atomic(path, json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n")
        return path

    @classmethod
    def load(cls, run_dir: str | Path) -> Result:
        path = Path(run_dir) / RESULT
        if not path.is_file():
            raise UserError(f"{path}: no result yet (is this a run directory? a crashed run needs `resume`)")
        try:
            return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, KeyError, TypeError) as err:
            raise UserError(f"{path}: not a valid result file ({err})") from None
