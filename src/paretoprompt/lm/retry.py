"""Retries with capped exponential backoff and jitter, honouring Retry-After."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from paretoprompt.errors import TransientLMError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try one LM call before giving up.

    Only `TransientLMError` is retried; anything else propagates at once so a bad key or an
    unknown model fails fast with its own message.
    """

    max_attempts: int = 5
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    jitter: float = 0.5
    """Each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter]."""

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (1-based)."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        backoff = min(self.base_delay_s * 2 ** (attempt - 1), self.max_delay_s)
        return backoff * rng.uniform(1 - self.jitter, 1 + self.jitter)

    def call(
        self,
        fn: Callable[[], T],
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        on_retry: Callable[[int, TransientLMError, float], None] | None = None,
    ) -> T:
        """Run `fn`, retrying transient failures; re-raise the last one when attempts run out."""
        rng = rng or random.Random()
        for attempt in range(1, self.max_attempts + 1):
            try:
                return fn()
            except TransientLMError as err:
                if attempt == self.max_attempts:
                    raise
                wait = self.delay(attempt, err.retry_after, rng)
                if on_retry is not None:
                    on_retry(attempt, err, wait)
                sleep(wait)
        raise AssertionError("unreachable")


NO_RETRY = RetryPolicy(max_attempts=1)
