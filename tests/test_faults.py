"""FaultInjectingBackend: every fault kind, determinism, stats, and the --inject-faults spec parser."""

from __future__ import annotations

import threading

import pytest

from paretoprompt.errors import TransientLMError, UserError
from paretoprompt.lm import LM, GenerationParams, RetryPolicy
from paretoprompt.lm.faults import FAULT_KINDS, FaultInjectingBackend, FaultSpec, parse_fault_spec
from paretoprompt.lm.testing import ScriptedBackend

PARAMS = GenerationParams()


def msgs(i: int) -> list[dict[str, str]]:
    return [{"role": "user", "content": f"question {i}"}]


def scripted() -> ScriptedBackend:
    return ScriptedBackend(lambda m, p: "the full correct answer", model="m")


def outcome(backend: FaultInjectingBackend, i: int) -> str:
    try:
        c = backend.generate(msgs(i), PARAMS)
    except TransientLMError as err:
        return f"raise:{err}:{err.retry_after}"
    return f"{c.finish_reason}:{c.text!r}"


def test_each_kind_has_its_own_effect() -> None:
    seen = {}
    for kind in FAULT_KINDS:
        backend = FaultInjectingBackend(scripted(), rate=1.0, kinds={kind}, seed=1, retry_after_s=0.5)
        seen[kind] = outcome(backend, 0)
        assert backend.stats == {kind: 1} and backend.faults == 1
    assert seen["timeout"] == "raise:m: injected fault: request timed out:None"
    assert seen["429"] == "raise:m: injected fault: 429 rate limited (Retry-After 0.5s):0.5"
    assert seen["5xx"] == "raise:m: injected fault: 503 service unavailable:None"
    assert seen["reset"] == "raise:m: injected fault: connection reset by peer:None"
    assert seen["empty"] == "stop:''"
    assert seen["truncated"] == "length:'the full co'"
    assert seen["garbage"].startswith("stop:") and "correct" not in seen["garbage"]


def test_transient_faults_skip_the_inner_backend() -> None:
    inner = scripted()
    with pytest.raises(TransientLMError):
        FaultInjectingBackend(inner, rate=1.0, kinds={"timeout"}).generate(msgs(0), PARAMS)
    assert inner.calls == 0


def test_rate_zero_is_transparent_and_rate_is_respected() -> None:
    clean = FaultInjectingBackend(scripted(), rate=0.0, seed=3)
    assert all(outcome(clean, i) == "stop:'the full correct answer'" for i in range(50))
    assert clean.faults == 0
    flaky = FaultInjectingBackend(scripted(), rate=0.3, seed=3)
    for i in range(1000):
        outcome(flaky, i)
    assert 250 <= flaky.faults <= 350
    assert set(flaky.stats) == set(FAULT_KINDS)


def test_deterministic_given_seed_regardless_of_thread_order() -> None:
    def run(threads: int) -> list[str]:
        backend = FaultInjectingBackend(scripted(), rate=0.5, seed=42)
        results: dict[int, str] = {}

        def work(ids: range) -> None:
            for i in ids:
                results[i] = outcome(backend, i)

        chunks = [range(k, 200, threads) for k in range(threads)]
        ts = [threading.Thread(target=work, args=(c,)) for c in chunks]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return [results[i] for i in range(200)]

    assert run(1) == run(8)
    other = FaultInjectingBackend(scripted(), rate=0.5, seed=43)
    assert [outcome(other, i) for i in range(200)] != run(1)


def test_a_retried_request_gets_a_fresh_draw_and_lm_recovers() -> None:
    backend = FaultInjectingBackend(scripted(), rate=0.3, kinds={"timeout", "429", "5xx", "reset"}, seed=7)
    lm = LM(backend, retry=RetryPolicy(max_attempts=10, sleep=lambda s: None))
    answers = [lm.complete(msgs(i)).text for i in range(100)]
    assert answers == ["the full correct answer"] * 100
    assert lm.usage.retries == backend.faults > 0 and lm.usage.failures == 0


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("rate=0.3,kinds=timeout,429", FaultSpec(0.3, frozenset({"timeout", "429"}))),
        ("rate=1", FaultSpec(1.0, frozenset(FAULT_KINDS))),
        ("kinds=all, rate=0.05, seed=9", FaultSpec(0.05, frozenset(FAULT_KINDS), 9)),
        (
            "rate=0.2,kinds=empty,truncated,garbage,seed=1",
            FaultSpec(0.2, frozenset({"empty", "truncated", "garbage"}), 1),
        ),
    ],
)
def test_parse_fault_spec(spec: str, expected: FaultSpec) -> None:
    assert parse_fault_spec(spec) == expected


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "rate= is required"),
        ("kinds=timeout", "rate= is required"),
        ("rate=lots", "could not convert"),
        ("rate=1.5", r"rate must be in \[0, 1\]"),
        ("rate=0.1,kinds=timeout,meteor", "unknown kinds"),
        ("rate=0.1,kinds=", "unknown kinds"),
        ("rate=0.1,color=red", "unknown or repeated key 'color'"),
        ("rate=0.1,rate=0.2", "unknown or repeated key 'rate'"),
        ("timeout,rate=0.1", "is not key=value"),
        ("rate=0.1,seed=1,2", "is not key=value"),
        ("rate=0.1,seed=x", "invalid literal"),
    ],
)
def test_bad_fault_specs(spec: str, message: str) -> None:
    with pytest.raises(UserError, match=message) as info:
        parse_fault_spec(spec)
    assert "\n" not in str(info.value) and str(info.value).startswith("--inject-faults: ")


def test_spec_wraps_a_backend_and_constructor_validates() -> None:
    wrapped = parse_fault_spec("rate=0.5,kinds=5xx,seed=2").wrap(scripted())
    assert (wrapped.rate, wrapped.kinds, wrapped.seed, wrapped.model) == (0.5, ("5xx",), 2, "m")
    with pytest.raises(UserError):
        FaultInjectingBackend(scripted(), rate=-0.1)
    with pytest.raises(UserError):
        FaultInjectingBackend(scripted(), rate=0.1, kinds={"bogus"})
