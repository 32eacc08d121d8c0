"""Aggregate finished runs into comparison rows: one per (task, optimizer[-variant]), over seeds.

Scores are fractions in [0, 1] here and in CSV/JSON; the markdown and console tables show
them in points (× 100). `DEFINITIONS` says what each figure means; comparison.md repeats it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paretoprompt.compare.plan import Plan
from paretoprompt.compare.runner import run_status, run_summary
from paretoprompt.report.run_summary import RunSummary

DEFINITIONS = (
    "test: the best candidate's test-split mean; mean ± sample sd over seeds (sd needs 2 runs).",
    "Δ vs seed: best minus the seed prompt on the test split, both scored in the same run (a paired "
    "difference; with a deterministic task LM it equals the gap to the `seed` row).",
    "rollouts used: rollouts charged to the budget (test scoring is outside it), mean over seeds / budget.",
    "rollouts to seed+5: rollouts spent when the best validation mean first reached the run's own seed "
    "validation mean + 0.05 (5 points), averaged over the runs that reached it (k/n reached).",
    "LM calls / tokens by role: calls and tokens (in + out) per role while optimizing, mean per run; test "
    'scoring excluded. "(N cached)": calls answered by the response cache, which took no LM time.',
)


def mean_sd(values: Sequence[float]) -> tuple[float | None, float | None]:
    """Mean and sample standard deviation (n - 1); sd is None below two values."""
    if not values:
        return None, None
    mean = sum(values) / len(values)
    if len(values) < 2:
        return mean, None
    return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass(frozen=True)
class Row:
    task: str
    label: str
    optimizer: str
    variant: str | None
    factor: str | None
    options: Mapping[str, Any]
    seeds: int
    """Runs planned (seeds); `len(runs)` of them are finished and aggregated."""
    runs: tuple[RunSummary, ...]

    def _values(self, attr: str) -> list[float]:
        return [v for r in self.runs if (v := getattr(r, attr)) is not None]

    @property
    def test(self) -> tuple[float | None, float | None]:
        return mean_sd(self._values("test_best"))

    @property
    def delta(self) -> tuple[float | None, float | None]:
        return mean_sd(self._values("test_delta"))

    @property
    def rollouts_used(self) -> float | None:
        return _mean(self._values("rollouts_used"))

    @property
    def rollout_budget(self) -> int | None:
        return max((r.rollout_budget for r in self.runs if r.rollout_budget is not None), default=None)

    @property
    def to_threshold(self) -> tuple[float | None, int]:
        """Mean rollouts to seed + 5 points over the runs that got there, and how many did."""
        reached = self._values("rollouts_to_threshold")
        return _mean(reached), len(reached)

    def usage(self, role: str, key: str) -> float | None:
        """Mean per run of a usage figure ("calls", "tokens" = in + out, or a raw key) for `role`."""
        if not self.runs:
            return None
        total = 0.0
        for r in self.runs:
            u = r.usage_by_role.get(role, {})
            total += (
                u.get("prompt_tokens", 0) + u.get("completion_tokens", 0)
                if key == "tokens"
                else u.get(key, 0)
            )
        return total / len(self.runs)

    @property
    def roles(self) -> list[str]:
        return sorted({role for r in self.runs for role in r.usage_by_role})

    @property
    def prompt_tokens(self) -> float | None:
        return _mean(self._values("prompt_tokens"))

    @property
    def wall_seconds(self) -> float | None:
        return _mean(self._values("wall_seconds"))


def collect(plan: Plan) -> list[Row]:
    """Rows in plan order, from the finished runs' directories (unfinished runs are left out); a run's
    `summary.json` is read when present, so committed summaries suffice without the journals."""
    groups: dict[tuple[str, str], list] = {}
    for run in plan.runs:
        groups.setdefault((run.task, run.label), []).append(run)
    rows = []
    for (task, label), runs in groups.items():
        first = runs[0]
        summaries = tuple(run_summary(r) for r in runs if run_status(r) == "done")
        rows.append(
            Row(
                task, label, first.optimizer, first.variant, first.factor, first.options, len(runs), summaries
            )
        )
    return rows


def ordered_roles(rows: Sequence[Row]) -> list[str]:
    """Every role seen, "task" first then the rest alphabetically."""
    roles = {role for row in rows for role in row.roles}
    return sorted(roles, key=lambda r: (r != "task", r))
