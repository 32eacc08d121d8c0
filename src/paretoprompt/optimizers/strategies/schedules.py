"""Decay schedules for a step-size-like quantity (GPO's edit budget, "change at most N words").

GPO (arXiv 2402.17564) treats the edit distance allowed per step as the learning rate of a
prompt update and decays it over the run; cosine decay is its default, linear and constant are
the ablations, and an optional warm-up first ramps up from the final to the initial value.

Steps are numbered 0 .. total_steps - 1. With `W = warmup_steps`:
- warm-up, `t < W`: linear from `end` (at t = 0) towards `start` (reached at t = W);
- decay, `t >= W`: progress `p = (t - W) / max(1, total_steps - W - 1)`, clipped to [0, 1], so the
  first decay step gives `start` and the last step gives `end`:
  - cosine: `end + (start - end) * (1 + cos(pi * p)) / 2`;
  - linear: `start + (end - start) * p`;
  - constant: `start` at every step (warm-up included: there is nothing to ramp up to).
Steps past the end keep the final value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

ScheduleKind = Literal["cosine", "linear", "constant"]
KINDS: tuple[str, ...] = ("cosine", "linear", "constant")


@dataclass(frozen=True)
class Schedule:
    kind: ScheduleKind
    start: float
    end: float
    total_steps: int
    warmup_steps: int = 0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown schedule {self.kind!r}; expected one of {', '.join(KINDS)}")
        if self.total_steps < 1:
            raise ValueError(f"total_steps must be >= 1, got {self.total_steps}")
        if not 0 <= self.warmup_steps < self.total_steps:
            raise ValueError(f"warmup_steps must be in [0, total_steps), got {self.warmup_steps}")

    def value(self, step: int) -> float:
        if step < 0:
            raise ValueError(f"step must be >= 0, got {step}")
        if self.kind == "constant":
            return float(self.start)
        if step < self.warmup_steps:
            return self.end + (self.start - self.end) * step / self.warmup_steps
        span = max(1, self.total_steps - self.warmup_steps - 1)
        p = min(1.0, (step - self.warmup_steps) / span)
        if self.kind == "cosine":
            return self.end + (self.start - self.end) * (1 + math.cos(math.pi * p)) / 2
        return self.start + (self.end - self.start) * p

    def int_value(self, step: int) -> int:
        """The value rounded half up, for budgets counted in whole units (words)."""
        return math.floor(self.value(step) + 0.5)
