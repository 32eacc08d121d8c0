"""RetryPolicy with an injected flaky backend: backoff, cap, jitter, Retry-After, give-up, fail-fast."""

from __future__ import annotations

import random

import pytest

from paretoprompt.errors import PermanentLMError, TransientLMError
from paretoprompt.lm import LM, RetryPolicy
from paretoprompt.lm.testing import ScriptedBackend

MSGS = [{"role": "user", "content": "q"}]


class Flaky:
    """Fails with the given errors in order, then answers."""

    def __init__(self, errors: list[Exception]) -> None:
        self.errors = list(errors)
        self.attempts = 0

    def __call__(self) -> str:
        self.attempts += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def test_exponential_growth_without_jitter() -> None:
    policy = RetryPolicy(max_attempts=6, base_delay_s=1.0, max_delay_s=100.0, jitter=0.0)
    waits: list[float] = []
    fn = Flaky([TransientLMError("t")] * 5)
    assert policy.call(fn, sleep=waits.append) == "ok"
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0] and fn.attempts == 6


def test_cap_bounds_every_delay_even_with_jitter() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=5.0, jitter=0.5)
    rng = random.Random(0)
    delays = [policy.delay(attempt, None, rng) for attempt in range(1, 30)]
    assert max(delays) <= 5.0
    assert delays[10:] == [5.0] * len(delays[10:])  # 1024 * [0.5, 1.5] is always above the cap


def test_jitter_bounds_and_seeded_reproducibility() -> None:
    policy = RetryPolicy(base_delay_s=2.0, max_delay_s=1000.0, jitter=0.25)
    for attempt in range(1, 6):
        nominal = 2.0 * 2 ** (attempt - 1)
        rng = random.Random(attempt)
        samples = [policy.delay(attempt, None, rng) for _ in range(200)]
        assert all(0.75 * nominal <= d <= 1.25 * nominal for d in samples)
        assert max(samples) - min(samples) > 0.3 * nominal  # it does vary
    a = [policy.delay(3, None, random.Random(42)) for _ in range(3)]
    assert len(set(a)) == 1


def test_retry_after_is_honoured_and_capped() -> None:
    policy = RetryPolicy(base_delay_s=1.0, max_delay_s=10.0, jitter=0.5)
    waits: list[float] = []
    fn = Flaky([TransientLMError("429", retry_after=3.5), TransientLMError("429", retry_after=60)])
    assert policy.call(fn, sleep=waits.append, rng=random.Random(1)) == "ok"
    assert waits == [3.5, 10.0]


def test_gives_up_after_max_attempts_and_reraises_last() -> None:
    errors = [TransientLMError(f"fail {i}") for i in range(5)]
    fn = Flaky(errors)
    retries: list[tuple[int, str, float]] = []
    with pytest.raises(TransientLMError, match="fail 2"):
        RetryPolicy(max_attempts=3, jitter=0.0).call(
            fn, sleep=lambda s: None, on_retry=lambda n, e, w: retries.append((n, str(e), w))
        )
    assert fn.attempts == 3
    assert retries == [(1, "fail 0", 1.0), (2, "fail 1", 2.0)]


def test_permanent_errors_are_not_retried() -> None:
    fn = Flaky([PermanentLMError("bad key")])
    waits: list[float] = []
    with pytest.raises(PermanentLMError):
        RetryPolicy().call(fn, sleep=waits.append)
    assert fn.attempts == 1 and waits == []


def test_policy_sleep_field_is_used_and_validated() -> None:
    waits: list[float] = []
    policy = RetryPolicy(jitter=0.0, sleep=waits.append)
    assert policy.call(Flaky([TransientLMError("t")])) == "ok"
    assert waits == [1.0]
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(jitter=1.5)


def test_lm_retries_a_flaky_backend_and_records_the_outcome() -> None:
    state = {"n": 0}

    def script(messages, params):  # type: ignore[no-untyped-def]
        state["n"] += 1
        if state["n"] in (1, 2):
            raise TransientLMError("503", retry_after=0.25)
        if state["n"] == 4:
            raise PermanentLMError("model not found")
        return "fine"

    waits: list[float] = []
    backend = ScriptedBackend(script)
    lm = LM(backend, retry=RetryPolicy(max_attempts=3, sleep=waits.append))
    assert lm.complete(MSGS).text == "fine"
    assert waits == [0.25, 0.25]
    with pytest.raises(PermanentLMError):
        lm.complete([{"role": "user", "content": "other"}])
    u = lm.usage
    assert (u.calls, u.failures, u.retries, backend.calls) == (2, 1, 2, 4)
