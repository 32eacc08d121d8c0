"""Budgets and stop conditions.

Rollouts are exact: a batch that would exceed the limit is refused whole (`BudgetExhausted`),
never run in part, so a minibatch comparison is always made on complete batches. Test-split
scoring at the end is accounted separately and never consumes this budget.

The other conditions (dollars, wall time, patience, a `STOP` file, Ctrl-C, a provider failing
every call) raise `StopRequested` before the next batch, or between rollouts of a running batch.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from paretoprompt.optimizers.base import BudgetExhausted

STOP_FILE = "STOP"


@dataclass(frozen=True)
class Budget:
    rollouts: int | None = None
    max_usd: float | None = None
    max_seconds: float | None = None
    patience: int | None = None
    """Stop after this many candidates in a row that do not improve the best validation mean."""
    max_consecutive_failures: int = 20
    """Stop when this many rollouts in a row failed: the provider is down, don't burn the budget."""


class StopConditions:
    """Tracks everything except rollouts (which the context checks against `Budget.rollouts`)."""

    def __init__(
        self, budget: Budget, run_dir: Path, *, cost: Callable[[], float], prior_seconds: float = 0.0
    ) -> None:
        self.budget = budget
        self._cost = cost
        self.stop_file = run_dir / STOP_FILE
        self._started = time.monotonic() - prior_seconds
        self._interrupted = threading.Event()
        self.no_improvement = 0
        self.consecutive_failures = 0
        self.last_failure = ""
        self._batch_failures = 0
        self._batch_ok = False
        self._lock = threading.Lock()
        self.refused_batch = ""
        """Why the rollout budget last refused a batch; reported if the optimizer then finishes."""

    def elapsed(self) -> float:
        return time.monotonic() - self._started

    def interrupt(self) -> None:
        self._interrupted.set()

    def check_rollouts(self, used: int, new: int) -> None:
        limit = self.budget.rollouts
        if limit is not None and used + new > limit:
            self.refused_batch = f"rollout budget: {used} of {limit} used, the next batch needs {new}"
            raise BudgetExhausted(self.refused_batch)

    def reason(self) -> str | None:
        """Why the run must stop now, or None. Cheap: polled before every rollout."""
        b = self.budget
        if self._interrupted.is_set():
            return "interrupted (Ctrl-C)"
        if self.stop_file.exists():
            return f"stop file {self.stop_file}"
        if b.max_usd is not None and (spent := self._cost()) >= b.max_usd:
            return f"dollar cap: ${spent:.4f} of ${b.max_usd:.4f}"
        if b.max_seconds is not None and self.elapsed() >= b.max_seconds:
            return f"wall time: {self.elapsed():.0f}s of {b.max_seconds:.0f}s"
        if b.patience is not None and self.no_improvement >= b.patience:
            return f"patience: {self.no_improvement} candidates without improvement"
        if self.provider_failing():
            streak = self.consecutive_failures + (0 if self._batch_ok else self._batch_failures)
            return f"{streak} rollouts failed in a row (last: {self.last_failure})"
        return None

    def provider_failing(self) -> bool:
        """True once `max_consecutive_failures` rollouts failed in a row, counting the running batch
        while none of its rollouts succeeded (so a dead provider stops the run mid-batch)."""
        streak = self.consecutive_failures + (0 if self._batch_ok else self._batch_failures)
        return streak >= self.budget.max_consecutive_failures

    def observe_rollout(self, failed: bool, feedback: str) -> None:
        """A rollout of the running batch finished (in any order, from any worker thread)."""
        with self._lock:
            if failed:
                self._batch_failures += 1
                self.last_failure = feedback
            else:
                self._batch_ok = True

    def observe_failures(self, failed: list[tuple[bool, str]]) -> None:
        """Update the consecutive-failure streak with a finished batch's rollouts, in example order."""
        with self._lock:
            self._batch_failures, self._batch_ok = 0, False
        for is_failed, feedback in failed:
            if is_failed:
                self.consecutive_failures += 1
                self.last_failure = feedback
            else:
                self.consecutive_failures = 0


class SigintGraceful:
    """First Ctrl-C requests a graceful stop; a second one raises KeyboardInterrupt as usual."""

    def __init__(self, stops: StopConditions) -> None:
        self.stops = stops
        self._previous: signal.Handlers | None = None
        self._installed = False

    def __enter__(self) -> SigintGraceful:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.stops._interrupted.is_set():
            raise KeyboardInterrupt
        self.stops.interrupt()
