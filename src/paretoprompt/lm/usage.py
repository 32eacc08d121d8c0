"""Thread-safe per-role accounting of LM calls, tokens, dollars and seconds."""

from __future__ import annotations

import threading
from dataclasses import dataclass, replace

from paretoprompt.lm.base import Completion


@dataclass
class Usage:
    """Running totals for one role (or for all roles together)."""

    calls: int = 0
    cache_hits: int = 0
    failures: int = 0
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    lm_seconds: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            calls=self.calls + other.calls,
            cache_hits=self.cache_hits + other.cache_hits,
            failures=self.failures + other.failures,
            retries=self.retries + other.retries,
            prompt_tokens=self.prompt_tokens + other.prompt_tokens,
            completion_tokens=self.completion_tokens + other.completion_tokens,
            cost_usd=self.cost_usd + other.cost_usd,
            lm_seconds=self.lm_seconds + other.lm_seconds,
        )

    @property
    def cache_hit_rate(self) -> float:
        return self.cache_hits / self.calls if self.calls else 0.0


class UsageLedger:
    """Totals per role. One ledger is shared by all LMs of a run.

    A cached answer counts as a call and a cache hit, with its tokens but zero cost and zero
    LM seconds: it was not paid for again.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_role: dict[str, Usage] = {}

    def record(self, role: str, completion: Completion) -> None:
        with self._lock:
            u = self._by_role.setdefault(role, Usage())
            u.calls += 1
            u.prompt_tokens += completion.prompt_tokens
            u.completion_tokens += completion.completion_tokens
            if completion.cached:
                u.cache_hits += 1
            else:
                u.cost_usd += completion.cost_usd
                u.lm_seconds += completion.latency_s

    def record_failure(self, role: str) -> None:
        with self._lock:
            u = self._by_role.setdefault(role, Usage())
            u.calls += 1
            u.failures += 1

    def record_retry(self, role: str) -> None:
        """A transient failure that was retried; the call itself is counted once, when it ends."""
        with self._lock:
            self._by_role.setdefault(role, Usage()).retries += 1

    def add(self, role: str, usage: Usage) -> None:
        """Merge totals measured elsewhere (a rollout's own ledger, or one replayed from a journal)."""
        with self._lock:
            self._by_role[role] = self._by_role.get(role, Usage()) + usage

    def by_role(self) -> dict[str, Usage]:
        """A snapshot copy, safe to read while calls continue."""
        with self._lock:
            return {role: replace(u) for role, u in self._by_role.items()}

    def total(self) -> Usage:
        total = Usage()
        for u in self.by_role().values():
            total = total + u
        return total
