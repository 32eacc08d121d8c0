"""Resume by replay: serve journaled rollouts and reflection completions instead of recomputing.

A resumed run re-executes the optimizer from the start with the same seed. Everything it
observed before the crash comes back from the journal with its original accounting, so it
makes the same decisions, and work resumes live at the first thing the journal lacks.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from paretoprompt.errors import TransientLMError
from paretoprompt.evaluate import UsageByRole
from paretoprompt.lm.base import Completion, GenerationParams, Messages
from paretoprompt.lm.cache_key import cache_key
from paretoprompt.lm.client import LM
from paretoprompt.lm.usage import UsageLedger
from paretoprompt.optimizers.base import Rollout
from paretoprompt.run.codec import (
    completion_from_json,
    completion_to_json,
    rollout_from_json,
    rollout_to_json,
    usage_from_json,
    usage_to_json,
)
from paretoprompt.run.journal import GROUP_COMMIT_SECONDS, Event, Journal


class JournalRolloutStore:
    """`RolloutStore` over the journal: `rollout` events written live, served on replay."""

    def __init__(self, journal: Journal, prior: Iterable[Event]) -> None:
        self.journal = journal
        self._prior = {
            (e["cid"], e["split"], e["rollout"]["example_id"]): e for e in prior if e["type"] == "rollout"
        }

    def get(self, cid: str, split: str, example_id: str) -> tuple[Rollout, UsageByRole] | None:
        event = self._prior.get((cid, split, example_id))
        if event is None:
            return None
        return rollout_from_json(event["rollout"]), usage_from_json(event["usage"])

    def put(self, cid: str, split: str, purpose: str, rollout: Rollout, usage: UsageByRole) -> Rollout:
        data = rollout_to_json(rollout)
        self.journal.append(
            "rollout",
            sync=False,
            cid=cid,
            split=split,
            purpose=purpose,
            rollout=data,
            usage=usage_to_json(usage),
        )
        self.journal.sync(unless_within=GROUP_COMMIT_SECONDS)
        return rollout_from_json(data)

    def flush(self) -> None:
        self.journal.sync()


class _LMRecorder:
    """Shared state of a journaled LM and its `with_role` views: occurrence counters and prior calls."""

    def __init__(self, journal: Journal, prior: Iterable[Event]) -> None:
        self.journal = journal
        self.prior = {(e["key"], e["n"]): e for e in prior if e["type"] == "lm"}
        self.seen: Counter[str] = Counter()
        self.lock = threading.Lock()

    def next_occurrence(self, key: str) -> int:
        with self.lock:
            n = self.seen[key]
            self.seen[key] += 1
            return n


class JournaledLM(LM):
    """An LM whose every completion is journaled and, on replay, served from the journal.

    Keyed by (cache key, occurrence number), so identical requests made twice get their two
    original answers. Each call's usage (tokens, cost, seconds, cache hit, retries) is measured on
    its own ledger and journaled, so a replay re-adds exactly what the original call cost.
    A call that failed after its retries is journaled too and fails the same way on replay.
    """

    def __init__(self, inner: LM, recorder: _LMRecorder) -> None:
        super().__init__(
            inner.backend,
            role=inner.role,
            cache=inner.cache,
            retry=inner.retry,
            ledger=inner.ledger,
            defaults=inner.defaults,
        )
        self._recorder = recorder

    @classmethod
    def wrap(cls, inner: LM, journal: Journal, prior: Iterable[Event]) -> JournaledLM:
        return cls(inner, _LMRecorder(journal, prior))

    def with_role(self, role: str) -> LM:
        return JournaledLM(LM.derive(self, role=role), self._recorder)

    def complete(
        self,
        messages: Messages,
        params: GenerationParams | None = None,
        *,
        sample_index: int = 0,
        slot: int | None = None,
    ) -> Completion:
        params = params or self.defaults
        key = cache_key(self.model, messages, params, sample_index)
        n = self._recorder.next_occurrence(key)
        event = self._recorder.prior.get((key, n))
        if event is not None:
            return self._serve(event)
        ledger = UsageLedger()
        live = LM.derive(self, ledger=ledger)
        try:
            completion = live.complete(messages, params, sample_index=sample_index, slot=slot)
        except TransientLMError as err:
            self._record(key, n, ledger, error=str(err))
            raise
        self._record(key, n, ledger, completion=completion_to_json(completion))
        return completion

    def _record(self, key: str, n: int, ledger: UsageLedger, **outcome: Any) -> None:
        usage = ledger.by_role()
        for role, u in usage.items():
            self.ledger.add(role, u)
        self._recorder.journal.append(
            "lm", role=self.role, key=key, n=n, usage=usage_to_json(usage), **outcome
        )

    def _serve(self, event: Event) -> Completion:
        for role, u in usage_from_json(event["usage"]).items():
            self.ledger.add(role, u)
        if "error" in event:
            raise TransientLMError(event["error"])
        return completion_from_json(event["completion"])
