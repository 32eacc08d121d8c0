"""The evaluator: the only place where rollouts (program run + metric) happen.

It memoizes by (candidate id, split, example id) so re-scoring is free and not re-counted,
counts new rollouts exactly by purpose, runs a batch on `concurrency` workers (worker i always
passes `slot=i`, so a candidate's calls reuse the backend's prompt-prefix cache), and never
raises for a failed model call or a failing metric: those become failed rollouts.

An optional `RolloutStore` sees every rollout as it completes (the run journals it) and may
serve rollouts it already holds (a resumed run replays them without any model call).
"""

from __future__ import annotations

import functools
import queue
import threading
import weakref
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Protocol

from paretoprompt.errors import UserError
from paretoprompt.lm.client import LM
from paretoprompt.lm.usage import Usage, UsageLedger
from paretoprompt.optimizers.base import EvalBatch, Rollout, StopRequested
from paretoprompt.programs.base import Candidate, Prediction, Program, candidate_id
from paretoprompt.tasks.base import Example, Task
from paretoprompt.tasks.metrics import METRIC_RAISED

UsageByRole = Mapping[str, Usage]
Jobs = queue.SimpleQueue[Callable[[], None] | None]


class RolloutStore(Protocol):
    """Durable home of rollouts. Must be thread-safe: `put` is called from worker threads."""

    def get(self, cid: str, split: str, example_id: str) -> tuple[Rollout, UsageByRole] | None:
        """A rollout completed earlier (e.g. before a crash) with the LM usage it cost, or None."""
        ...

    def put(self, cid: str, split: str, purpose: str, rollout: Rollout, usage: UsageByRole) -> Rollout:
        """Persist a fresh rollout; return it exactly as `get` would serve it later, so a live
        run and its resume hand the optimizer identical objects."""
        ...

    def flush(self) -> None:
        """Make every `put` so far durable; called before a batch's rollouts reach the optimizer."""
        ...


class Evaluator:
    """Scores candidates on examples. Thread-safe for one caller at a time per batch."""

    def __init__(
        self,
        task: Task,
        program: Program,
        lm: LM,
        *,
        concurrency: int = 4,
        store: RolloutStore | None = None,
        should_stop: Callable[[], str | None] | None = None,
        on_rollout: Callable[[Rollout], None] | None = None,
    ) -> None:
        if concurrency < 1:
            raise UserError(f"concurrency must be >= 1, got {concurrency}")
        self.task = task
        self.program = program
        self.lm = lm
        self.concurrency = concurrency
        self.store = store
        self.should_stop = should_stop
        self.on_rollout = on_rollout
        """Called from the worker thread with each newly counted rollout (executed or replayed)."""
        """Polled before each rollout; a non-None reason stops the batch with `StopRequested`."""
        self.counts: Counter[str] = Counter()
        """New rollouts by purpose (executed or replayed; memo hits are free and not counted)."""
        self._memo: dict[tuple[str, str, str], Rollout] = {}
        self._lock = threading.Lock()
        self._jobs: Jobs | None = None

    def count_new(self, candidate: Candidate, examples: Sequence[Example], *, split: str) -> int:
        """How many rollouts `evaluate` would count for this batch (distinct, not yet memoized)."""
        cid = candidate_id(candidate)
        return len({e.id for e in examples if (cid, split, e.id) not in self._memo})

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def evaluate(
        self, candidate: Candidate, examples: Sequence[Example], *, split: str, purpose: str = "eval"
    ) -> EvalBatch:
        """Rollouts of `candidate` on `examples`, in example order."""
        cid = candidate_id(candidate)
        todo: dict[str, Example] = {}
        for ex in examples:
            if (cid, split, ex.id) not in self._memo:
                todo.setdefault(ex.id, ex)
        if todo:
            self._run_batch(candidate, cid, list(todo.values()), split, purpose)
        return EvalBatch(cid, split, tuple(self._memo[(cid, split, ex.id)] for ex in examples))

    def _run_batch(
        self, candidate: Candidate, cid: str, todo: list[Example], split: str, purpose: str
    ) -> None:
        pending = iter(todo)
        errors: list[BaseException] = []
        stop: list[str] = []

        def worker(slot: int) -> None:
            while not errors and not stop:
                reason = self.should_stop() if self.should_stop is not None else None
                if reason is not None:
                    stop.append(reason)
                    return
                with self._lock:
                    ex = next(pending, None)
                if ex is None:
                    return
                try:
                    self._one(candidate, cid, ex, split, purpose, slot)
                except BaseException as err:  # a UserError (bad key...) or a bug: stop the batch
                    errors.append(err)

        done: queue.SimpleQueue[None] = queue.SimpleQueue()

        def job(slot: int) -> None:
            try:
                worker(slot)
            finally:
                done.put(None)

        n_workers = min(self.concurrency, len(todo))
        try:
            if n_workers == 1:
                worker(0)
            else:
                jobs = self._pool()
                for i in range(n_workers):
                    jobs.put(functools.partial(job, i))
                try:
                    for _ in range(n_workers):
                        done.get()
                except BaseException:  # a second Ctrl-C: workers stop after their current rollout
                    stop.append("interrupted")
                    raise
        finally:
            if self.store is not None:
                self.store.flush()
        if errors:
            raise errors[0]
        if stop:
            raise StopRequested(stop[0])

    def _pool(self) -> Jobs:
        """The job queue of `concurrency` persistent daemon threads, started on first use.

        Persistent, so a batch pays no thread start-up; daemon, so a second Ctrl-C exits at once
        instead of waiting for in-flight LM calls. The threads end when the evaluator is collected.
        """
        if self._jobs is None:
            self._jobs = queue.SimpleQueue()
            for _ in range(self.concurrency):
                threading.Thread(target=_serve, args=(self._jobs,), daemon=True).start()
            weakref.finalize(self, _stop_all, self._jobs, self.concurrency)
        return self._jobs

    def _one(self, candidate: Candidate, cid: str, ex: Example, split: str, purpose: str, slot: int) -> None:
        served = self.store.get(cid, split, ex.id) if self.store is not None else None
        if served is not None:
            rollout, usage = served
            for role, u in usage.items():
                self.lm.ledger.add(role, u)
        else:
            ledger = UsageLedger()
            lm = self.lm.derive(ledger=ledger)
            rollout = score_rollout(self.task, self.program, candidate, ex, lm, slot=slot)
            usage = ledger.by_role()
            for role, u in usage.items():
                self.lm.ledger.add(role, u)
            if self.store is not None:
                rollout = self.store.put(cid, split, purpose, rollout, usage)
        with self._lock:
            self._memo[(cid, split, ex.id)] = rollout
            self.counts[purpose] += 1
        if self.on_rollout is not None:
            self.on_rollout(rollout)


def score_rollout(
    task: Task, program: Program, candidate: Candidate, ex: Example, lm: LM, *, slot: int | None = None
) -> Rollout:
    """Run the program on one example and score it; a failing model call or metric becomes a failed rollout.

    Module-level so that other drivers (the gepa side of `benchmarks/vs_gepa.py`) score exactly as runs do.
    """
    try:
        prediction = program.run(candidate, ex, lm, slot=slot)
    except UserError:
        raise
    except Exception as err:
        prediction = Prediction(output=None, error=f"program raised: {type(err).__name__}: {err}")
    if prediction.error is not None:
        return Rollout(ex.id, 0.0, prediction.error, prediction, failed=True)
    try:
        score = task.metric(ex, prediction)
    except Exception as err:
        return Rollout(ex.id, 0.0, f"{METRIC_RAISED} {type(err).__name__}: {err}", prediction, failed=True)
    failed = score.feedback.startswith(METRIC_RAISED)  # a wrapped user metric that raised
    return Rollout(ex.id, float(score.value), score.feedback, prediction, failed=failed)


def _serve(jobs: Jobs) -> None:
    """A pool thread: runs jobs until it receives `None`. Holds no reference to its evaluator."""
    while (job := jobs.get()) is not None:
        job()
        del job  # an idle thread must not keep the last batch (and so its evaluator) alive


def _stop_all(jobs: Jobs, n: int) -> None:
    for _ in range(n):
        jobs.put(None)
