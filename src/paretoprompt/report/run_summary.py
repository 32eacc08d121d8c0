"""One run directory reduced to the figures a comparison needs.

Reads only `result.json` and `journal.jsonl` (never repairs or locks them, so it is safe to
read a run another process is writing). The best-validation-score curve comes from the
journal: `rollout` events in order give the rollouts spent so far, and each `candidate` event
carries its full validation scores, so the best mean after each candidate is known exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from paretoprompt.run.journal import JOURNAL, Event, load_events
from paretoprompt.run.result import Result

THRESHOLD_POINTS = 5.0
""""Rollouts to reach seed + 5 points": points on the 0-100 scale, i.e. +0.05 on scores in [0, 1]."""

_TOKEN = re.compile(r"\w+|[^\w\s]")


def prompt_tokens(texts: Mapping[str, str]) -> int:
    """Length of a prompt in simple tokens: runs of word characters, and each other non-space
    character (punctuation) on its own, summed over components. Model-independent on purpose, so
    lengths compare across task models; it is close to, and usually below, a BPE token count."""
    return sum(len(_TOKEN.findall(text)) for text in texts.values())


def best_val_curve(events: Iterable[Event]) -> list[tuple[int, float]]:
    """(rollouts spent, best validation mean so far) after each candidate, in journal order.

    Rollouts spent = `rollout` events before the candidate, except test-split scoring (which is
    outside the budget). Each rollout is journaled once, even across resumes.
    """
    curve: list[tuple[int, float]] = []
    spent, best = 0, None
    for e in events:
        if e["type"] == "rollout" and e.get("purpose") != "test":
            spent += 1
        elif e["type"] == "candidate":
            scores = e["val_scores"]
            mean = sum(scores) / len(scores) if scores else 0.0
            best = mean if best is None else max(best, mean)
            curve.append((spent, best))
    return curve


def rollouts_to_reach(curve: Iterable[tuple[int, float]], threshold: float) -> int | None:
    """Rollouts spent when the best validation mean first reached `threshold` (None if never)."""
    return next((spent for spent, best in curve if best >= threshold - 1e-9), None)


def optimization_usage(events: Iterable[Event]) -> dict[str, dict[str, float]]:
    """LM usage by role from the journal, excluding test-split scoring (same for every optimizer)."""
    totals: dict[str, dict[str, float]] = {}
    for e in events:
        if (e["type"] == "rollout" and e.get("purpose") != "test") or e["type"] == "lm":
            for role, usage in e.get("usage", {}).items():
                acc = totals.setdefault(role, {})
                for key, value in usage.items():
                    acc[key] = acc.get(key, 0) + value
    return dict(sorted(totals.items()))


def optimization_seconds(events: Iterable[Event]) -> float:
    """Wall time spent optimizing: each session from its start/resume event to its last event
    before test-split scoring (which is the same work for every optimizer)."""
    total, start, last = 0.0, None, None
    for e in events:
        if e["type"] in ("start", "resume"):
            total += 0.0 if start is None or last is None else last - start
            start = last = e["t"]
        elif (
            start is not None
            and not (e["type"] == "rollout" and e.get("purpose") == "test")
            and e["type"] != "end"
        ):
            last = e["t"]
    return total + (0.0 if start is None or last is None else last - start)


@dataclass(frozen=True)
class RunSummary:
    """The comparison figures of one finished run."""

    run_dir: str
    task: str
    optimizer: str
    seed: int
    stop_reason: str
    test_best: float | None
    test_seed: float | None
    val_seed: float | None
    val_best: float | None
    rollouts_used: int
    rollout_budget: int | None
    rollouts_to_threshold: int | None
    usage_by_role: Mapping[str, Mapping[str, float]]
    prompt_tokens: int
    wall_seconds: float
    """Optimization wall time from the journal (test scoring excluded), summed over sessions."""
    curve: tuple[tuple[int, float], ...] = field(default=())

    @property
    def test_delta(self) -> float | None:
        """Best minus seed prompt on the test split, scored in the same run (a paired difference)."""
        if self.test_best is None or self.test_seed is None:
            return None
        return self.test_best - self.test_seed

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "curve": [list(point) for point in self.curve]}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> RunSummary:
        """Inverse of `to_json`, exactly (JSON keeps ints and floats apart), so a table built from a saved
        summary equals one built from the journal."""
        return cls(**{**data, "curve": tuple((spent, best) for spent, best in data["curve"])})


def summarize_run(run_dir: str | Path) -> RunSummary:
    """Summarize a run that has a `result.json` (raises `UserError` otherwise)."""
    run_dir = Path(run_dir)
    result = Result.load(run_dir)
    events = load_events(run_dir / JOURNAL, repair=False)
    curve = best_val_curve(events)
    seed = result.candidate(result.seed_id)
    best = result.candidate(result.best_id)
    val_seed = seed.val_mean if seed is not None else None
    threshold = None if val_seed is None else val_seed + THRESHOLD_POINTS / 100
    test = result.test or {}
    return RunSummary(
        run_dir=str(run_dir),
        task=result.task,
        optimizer=result.optimizer,
        seed=result.seed,
        stop_reason=result.stop_reason,
        test_best=test.get("best"),
        test_seed=test.get("seed"),
        val_seed=val_seed,
        val_best=best.val_mean if best is not None else None,
        rollouts_used=result.rollouts_used,
        rollout_budget=result.rollout_budget,
        rollouts_to_threshold=None if threshold is None else rollouts_to_reach(curve, threshold),
        usage_by_role=optimization_usage(events),
        prompt_tokens=prompt_tokens(result.best_texts),
        wall_seconds=round(optimization_seconds(events), 3),
        curve=tuple(curve),
    )
