"""What gets judged: examples, splits and a metric that returns a score *and* feedback."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from paretoprompt.programs.base import Prediction


@dataclass(frozen=True)
class Example:
    """One input/answer pair with an id that is stable across runs (used in caches and journals)."""

    id: str
    inputs: Mapping[str, Any]
    answer: Any
    meta: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Score:
    """A metric's verdict. `feedback` is GEPA's μf: it says *why* (gold answer, parse error, failed constraint)."""

    value: float
    feedback: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.value <= 1.0:
            raise ValueError(f"score must be in [0, 1], got {self.value}")


class Metric(Protocol):
    """Judges one prediction. Must not raise on bad predictions: return Score(0, why) instead."""

    def __call__(self, example: Example, prediction: Prediction) -> Score: ...


@dataclass(frozen=True)
class Splits:
    train: Sequence[Example]
    val: Sequence[Example]
    test: Sequence[Example]

    def get(self, name: str) -> Sequence[Example]:
        if name not in ("train", "val", "test"):
            raise ValueError(f"unknown split {name!r}; expected train, val or test")
        return getattr(self, name)


@dataclass(frozen=True)
class Task:
    """Data splits, a metric, and a description the optimizer LM may read."""

    name: str
    splits: Splits
    metric: Metric
    description: str = ""
