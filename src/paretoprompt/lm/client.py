"""`LM`: a backend wrapped with the response cache, retries and per-role accounting.

Everything above the LM layer (programs, optimizers) talks to `LM`, never to a backend.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Protocol

from paretoprompt.errors import TransientLMError
from paretoprompt.lm.base import Backend, Completion, GenerationParams, Messages
from paretoprompt.lm.cache_key import cache_key
from paretoprompt.lm.retry import RetryPolicy
from paretoprompt.lm.usage import Usage, UsageLedger

log = logging.getLogger(__name__)


class ResponseCache(Protocol):
    """Persistent map from `cache_key(...)` to a completion. Must be thread-safe."""

    def get(self, key: str) -> Completion | None: ...

    def put(self, key: str, completion: Completion) -> None: ...


class LM:
    """A model in one role ("task" or "reflection") of an optimization.

    Safe to call from many threads. A cache hit returns the stored completion with
    `cached=True` and `latency_s=0`; failed calls and answers damaged by a fault drill are never
    cached, so a drill cannot poison the shared cache.
    """

    def __init__(
        self,
        backend: Backend,
        *,
        role: str = "task",
        cache: ResponseCache | None = None,
        retry: RetryPolicy | None = None,
        ledger: UsageLedger | None = None,
        defaults: GenerationParams | None = None,
    ) -> None:
        self.backend = backend
        self.role = role
        self.cache = cache
        self.retry = retry or RetryPolicy()
        self.ledger = ledger or UsageLedger()
        self.defaults = defaults or GenerationParams()

    @property
    def model(self) -> str:
        return self.backend.model

    @property
    def usage(self) -> Usage:
        """Usage of this LM's role in its ledger."""
        return self.ledger.by_role().get(self.role, Usage())

    def derive(
        self, *, backend: Backend | None = None, role: str | None = None, ledger: UsageLedger | None = None
    ) -> LM:
        """A copy with some parts replaced (e.g. a per-rollout ledger, a flaky backend); the rest is shared."""
        return LM(
            backend or self.backend,
            role=role or self.role,
            cache=self.cache,
            retry=self.retry,
            ledger=ledger or self.ledger,
            defaults=self.defaults,
        )

    def with_role(self, role: str) -> LM:
        """The same model, cache and ledger, accounted under another role."""
        return self.derive(role=role)

    def complete(
        self,
        messages: Messages,
        params: GenerationParams | None = None,
        *,
        sample_index: int = 0,
        slot: int | None = None,
    ) -> Completion:
        """One completion. Distinct `sample_index` values give distinct cached samples."""
        params = params or self.defaults
        key = cache_key(self.model, messages, params, sample_index) if self.cache is not None else ""
        if self.cache is not None:
            hit = self.cache.get(key)
            if hit is not None:
                hit = dataclasses.replace(hit, cached=True, latency_s=0.0)
                self.ledger.record(self.role, hit)
                return hit
        call_params = params
        if sample_index and params.seed is not None:
            call_params = dataclasses.replace(params, seed=params.seed + sample_index)
        try:
            completion = self.retry.call(
                lambda: self.backend.generate(messages, call_params, slot=slot), on_retry=self._log_retry
            )
        except Exception:
            self.ledger.record_failure(self.role)
            raise
        self.ledger.record(self.role, completion)
        if (
            self.cache is not None
            and completion.finish_reason != "error"
            and completion.injected_fault is None
        ):
            self.cache.put(key, completion)
        return completion

    def complete_n(
        self, messages: Messages, n: int, params: GenerationParams | None = None, *, slot: int | None = None
    ) -> list[Completion]:
        """`n` independent samples (sample indices 0..n-1)."""
        return [self.complete(messages, params, sample_index=i, slot=slot) for i in range(n)]

    def _log_retry(self, attempt: int, err: TransientLMError, wait: float) -> None:
        self.ledger.record_retry(self.role)
        log.warning("%s call failed (%s); retry %d in %.1fs", self.role, err, attempt, wait)
