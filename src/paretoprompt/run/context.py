"""`RunContext`: the run's implementation of `OptimizerContext`.

It checks the budget and stop conditions before every batch, scores through the evaluator
(which journals each rollout), keeps the candidate pool with lineage, and journals optimizer
events. On resume the optimizer re-emits the events it emitted before the crash; the i-th one
is checked against the i-th journaled one (same kind) and not written again.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Sequence
from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.evaluate import Evaluator
from paretoprompt.lm.client import LM
from paretoprompt.optimizers.base import EvalBatch, StopRequested
from paretoprompt.programs.base import Candidate, Program, candidate_id
from paretoprompt.run.budget import StopConditions
from paretoprompt.run.codec import to_jsonable
from paretoprompt.run.journal import Event, Journal
from paretoprompt.run.progress import Progress, ProgressState
from paretoprompt.run.result import CandidateRecord, pareto_front
from paretoprompt.tasks.base import Example, Task

UNLIMITED = 10**12


class RunContext:
    def __init__(
        self,
        *,
        task: Task,
        program: Program,
        evaluator: Evaluator,
        reflection_lm: LM,
        seed: int,
        journal: Journal,
        prior: Sequence[Event],
        stops: StopConditions,
        progress: Progress,
    ) -> None:
        self.task = task
        self.program = program
        self.reflection_lm = reflection_lm
        self.rng = random.Random(seed)
        self.evaluator = evaluator
        self.journal = journal
        self.stops = stops
        self.progress = progress
        self.pool: dict[str, CandidateRecord] = {}
        self.best_id: str | None = None
        self.proposal_outcomes: Counter[str] = Counter()
        self._val_ids = tuple(e.id for e in task.splits.val)
        self._prior_events = [e for e in prior if e["type"] == "event"]
        self._prior_candidates = [e for e in prior if e["type"] == "candidate"]
        self._n_events = 0
        self._last_outcome = ""
        self._lock = threading.Lock()

    # -- budget ------------------------------------------------------------------------------
    @property
    def rollouts_used(self) -> int:
        return self.evaluator.total - self.evaluator.counts["test"]

    def remaining_rollouts(self) -> int:
        limit = self.stops.budget.rollouts
        return UNLIMITED if limit is None else max(limit - self.rollouts_used, 0)

    def evaluate(
        self, candidate: Candidate, examples: Sequence[Example], *, split: str, purpose: str
    ) -> EvalBatch:
        if split == "test" or purpose == "test":
            raise ValueError("optimizers must not score on the test split; the run does that at the end")
        reason = self.stops.reason()
        if reason is not None:
            raise StopRequested(reason)
        new = self.evaluator.count_new(candidate, examples, split=split)
        self.stops.check_rollouts(self.rollouts_used, new)
        batch = self.evaluator.evaluate(candidate, examples, split=split, purpose=purpose)
        if new:
            self.stops.observe_failures([(r.failed, r.feedback) for r in batch.rollouts])
        self._refresh()
        return batch

    # -- journal -----------------------------------------------------------------------------
    def emit(self, kind: str, **payload: Any) -> None:
        with self._lock:
            i = self._n_events
            self._n_events += 1
            if i < len(self._prior_events):
                _check_same(self._prior_events[i]["kind"], kind, f"event {i}")
            else:
                self.journal.append("event", i=i, kind=kind, payload=to_jsonable(payload))
            if kind == "proposal" and "outcome" in payload:
                self._last_outcome = str(payload["outcome"])
                self.proposal_outcomes[self._last_outcome] += 1
        self._refresh()

    def add_candidate(
        self, candidate: Candidate, *, parents: Sequence[str], val: EvalBatch, origin: str
    ) -> str:
        cid = candidate_id(candidate)
        if val.candidate_id != cid or val.split != "val":
            raise ValueError("add_candidate needs this candidate's EvalBatch on the val split")
        if tuple(r.example_id for r in val.rollouts) != self._val_ids:
            raise ValueError("add_candidate needs scores on the whole validation set, in order")
        with self._lock:
            if cid in self.pool:
                return cid
            i = len(self.pool)
            if i < len(self._prior_candidates):
                _check_same(self._prior_candidates[i]["id"], cid, f"candidate {i}")
            record = CandidateRecord(cid, dict(candidate), tuple(parents), origin, tuple(val.scores))
            if i >= len(self._prior_candidates):
                self.journal.append(
                    "candidate",
                    i=i,
                    id=cid,
                    texts=record.texts,
                    parents=list(record.parents),
                    origin=origin,
                    val_scores=list(record.val_scores),
                )
            self.pool[cid] = record
            if self.best_id is None or record.val_mean > self.pool[self.best_id].val_mean:
                self.best_id = cid
                self.stops.no_improvement = 0
            else:
                self.stops.no_improvement += 1
        self._refresh()
        return cid

    # -- progress ----------------------------------------------------------------------------
    def state(self) -> ProgressState:
        candidates = tuple(self.pool.values())
        front = pareto_front(candidates, self._val_ids)
        first = candidates[0] if candidates else None
        return ProgressState(
            rollouts_used=self.rollouts_used,
            rollout_budget=self.stops.budget.rollouts,
            candidates=len(candidates),
            seed_val=first.val_mean if first is not None else None,
            best_val=self.pool[self.best_id].val_mean if self.best_id else None,
            front_size=len({cid for ids in front.values() for cid in ids}),
            last_outcome=self._last_outcome,
            lm_seconds={role: u.lm_seconds for role, u in self.reflection_lm.ledger.by_role().items()},
        )

    def _refresh(self) -> None:
        self.progress.update(self.state)


def _check_same(journaled: str, now: str, what: str) -> None:
    if journaled != now:
        raise UserError(
            f"cannot resume: the run diverged from its journal at {what} (journal: {journaled!r}, now: {now!r}); "
            "were the code, data or models changed?"
        )
