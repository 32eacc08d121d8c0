"""Retries with capped exponential backoff and jitter, honouring Retry-After."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
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
    """Each delay is scaled by a uniform factor in [1 - jitter, 1 + jitter], then capped."""
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    """How to wait; tests and fault drills inject a no-op or a recorder."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError(f"max_attempts must be >= 1, got {self.max_attempts}")
        if self.base_delay_s < 0 or self.max_delay_s < 0:
            raise ValueError("retry delays must be >= 0")
        if not 0.0 <= self.jitter <= 1.0:
            raise ValueError(f"jitter must be in [0, 1], got {self.jitter}")

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before retry number `attempt` (1-based); never more than `max_delay_s`."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.max_delay_s)
        backoff = self.base_delay_s * 2 ** (attempt - 1)
        return min(backoff * rng.uniform(1 - self.jitter, 1 + self.jitter), self.max_delay_s)

    def call(
        self,
        fn: Callable[[], T],
        *,
        sleep: Callable[[float], None] | None = None,
        rng: random.Random | None = None,
        on_retry: Callable[[int, TransientLMError, float], None] | None = None,
    ) -> T:
        """Run `fn`, retrying transient failures; re-raise the last one when attempts run out."""
        sleep = sleep or self.sleep
        for attempt in range(1, self.max_attempts + 1):
            try:
                return fn()
            except TransientLMError as err:
                if attempt == self.max_attempts:
                    raise
                rng = rng or random.Random()  # seeding from urandom costs; only retries need it
                wait = self.delay(attempt, err.retry_after, rng)
                if on_retry is not None:
                    on_retry(attempt, err, wait)
                sleep(wait)
        raise AssertionError("unreachable")


NO_RETRY = RetryPolicy(max_attempts=1)
