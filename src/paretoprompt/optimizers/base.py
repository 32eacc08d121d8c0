"""The contract between a run and an optimizer.

Optimizers are pure decision-makers: they never call the task LM directly. They score
candidates through `OptimizerContext.evaluate`, which counts rollouts and stops at the budget,
call `reflection_lm` for proposals, and report what they did through `emit`. Because every
rollout and LM response is journaled and replayed on resume, an optimizer is written as a
plain loop with no resume logic of its own: given the same RNG seed and responses it makes
the same decisions.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from paretoprompt.lm.client import LM
from paretoprompt.programs.base import Candidate, Prediction, Program
from paretoprompt.tasks.base import Example, Task

Purpose = str
"""Why rollouts were spent: "minibatch", "validation", "merge", "test", ... (accounted separately)."""


@dataclass(frozen=True)
class Rollout:
    """One program run on one example, scored by the metric."""

    example_id: str
    score: float
    feedback: str
    prediction: Prediction
    failed: bool = False
    """True when the program or metric could not finish (model call failed, metric raised)."""


@dataclass(frozen=True)
class EvalBatch:
    """A candidate's rollouts on a list of examples, in the order the examples were given."""

    candidate_id: str
    split: str
    rollouts: tuple[Rollout, ...]

    @property
    def scores(self) -> list[float]:
        return [r.score for r in self.rollouts]

    @property
    def total(self) -> float:
        return sum(self.scores)

    @property
    def mean(self) -> float:
        return self.total / len(self.rollouts) if self.rollouts else 0.0


class BudgetExhausted(Exception):
    """Raised by `evaluate` when the rollout budget cannot cover the requested batch.

    Optimizers may let it propagate: the run catches it and finishes gracefully.
    """


class StopRequested(Exception):
    """A stop condition other than rollouts fired (dollars, wall time, stop file, Ctrl-C, patience)."""


class OptimizerContext(Protocol):
    """What a run hands to an optimizer."""

    task: Task
    program: Program
    reflection_lm: LM
    rng: random.Random

    def evaluate(
        self, candidate: Candidate, examples: Sequence[Example], *, split: str, purpose: Purpose
    ) -> EvalBatch:
        """Score `candidate` on `examples`. Re-scoring a (candidate, split, example) is free.

        Raises `BudgetExhausted` if the new rollouts would exceed the budget, `StopRequested`
        if another stop condition fired.
        """
        ...

    @property
    def rollouts_used(self) -> int:
        """Rollouts spent so far (memoized re-scoring is free and not counted)."""
        ...

    def remaining_rollouts(self) -> int:
        """Rollouts left in the budget (a large number when unlimited)."""
        ...

    def emit(self, kind: str, **payload: Any) -> None:
        """Record an optimizer decision (proposal, acceptance, rejection...) in the journal."""
        ...

    def add_candidate(
        self, candidate: Candidate, *, parents: Sequence[str], val: EvalBatch, origin: str
    ) -> str:
        """Register a candidate scored on the full validation set; returns its id."""
        ...


@dataclass(frozen=True)
class OptimizerOutcome:
    """What an optimizer returns; the run adds budget, usage and test scores to build the result."""

    best_candidate_id: str
    notes: Mapping[str, Any] = field(default_factory=dict)


class Optimizer(Protocol):
    name: str

    def optimize(self, ctx: OptimizerContext) -> OptimizerOutcome: ...
