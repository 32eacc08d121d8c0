"""Flaky providers: a GEPA run under 30% injected faults completes within budget, its accounting
matches the journal, transient faults leave the result unchanged, damaged answers are never
adopted or cached, and a provider failing every call stops the run."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

import pytest

from paretoprompt.lm import LM, GenerationParams, RetryPolicy, SqliteCache
from paretoprompt.lm.faults import CONTENT_KINDS, TRANSIENT_KINDS, FaultInjectingBackend, FaultSpec
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.run import optimize
from paretoprompt.run.journal import JOURNAL, load_events

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import reliability_world as world

NO_WAIT = RetryPolicy(max_attempts=4, sleep=lambda s: None)
PROPOSAL = re.compile(r"^Answer the question about the item\.( Consider [a-z]+ carefully\.)+$")


def run(
    run_dir: Path,
    *,
    retry: RetryPolicy = NO_WAIT,
    task_faults: FaultSpec | None = None,
    reflection_faults: FaultSpec | None = None,
    **kw,
):
    objects = world.objects(retry=retry)
    if task_faults is not None:
        objects["task_lm"] = task_faults.wrap_lm(objects["task_lm"])
    if reflection_faults is not None:
        objects["reflection_lm"] = reflection_faults.wrap_lm(objects["reflection_lm"])
    options = {**world.GEPA_OPTIONS, **kw.pop("options", {})}
    result = optimize(
        optimizer="gepa",
        budget=kw.pop("budget", world.BUDGET),
        seed=world.SEED,
        run_dir=run_dir,
        optimizer_options=options,
        progress=False,
        concurrency=2,
        **objects,
        **kw,
    )
    return result, objects


def decisions(result) -> dict:
    """Everything the optimizer decided and scored: the result minus LM usage and wall time."""
    data = result.to_json()
    for key in ("wall_seconds", "usage_by_role"):
        data.pop(key)
    return data


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    return run(tmp_path_factory.mktemp("clean"))[0]


def test_transient_faults_retried_to_success_give_the_clean_result(clean, tmp_path, capsys):
    spec = FaultSpec(rate=0.3, kinds=frozenset(TRANSIENT_KINDS), seed=3)
    retry = RetryPolicy(max_attempts=8, sleep=lambda s: None)
    flaky, objects = run(tmp_path, retry=retry, task_faults=spec, reflection_faults=spec)
    assert decisions(flaky) == decisions(clean)
    assert flaky.best_id == clean.best_id and len(clean.candidates) >= 4
    usage = flaky.usage_by_role
    injected = objects["task_lm"].backend.faults + objects["reflection_lm"].backend.faults
    assert injected > 50
    assert sum(u["retries"] for u in usage.values()) == injected  # every fault retried...
    assert sum(u["failures"] for u in usage.values()) == 0  # ...to success
    for role in ("task", "reflection"):
        assert usage[role]["calls"] == clean.usage_by_role[role]["calls"]
    with capsys.disabled():
        print(
            f"\nflaky provider (30% transient faults): faults injected {injected}, retried {injected}, "
            f"recovered {injected}, rollouts failed 0; same best candidate {flaky.best_id} as the clean run, "
            f"{len(flaky.candidates)} candidates, {flaky.rollouts_used} rollouts"
        )


def test_all_fault_kinds_at_30_percent(clean, tmp_path, capsys):
    spec = FaultSpec(rate=0.3, kinds=frozenset(TRANSIENT_KINDS + CONTENT_KINDS), seed=7)
    retry = RetryPolicy(max_attempts=3, sleep=lambda s: None)
    result, objects = run(tmp_path, retry=retry, task_faults=spec, reflection_faults=spec)
    backends: list[FaultInjectingBackend] = [objects["task_lm"].backend, objects["reflection_lm"].backend]
    stats = sum((b.stats for b in backends), Counter())
    events = load_events(tmp_path / JOURNAL)
    rollouts = [e for e in events if e["type"] == "rollout"]
    lm_events = [e for e in events if e["type"] == "lm"]

    # Completes within its budget, with every fault kind injected.
    # GEPA stops once the budget left cannot pay for a child (minibatch 3 + validation 12)
    assert result.stop_reason == "optimizer finished (budget_below_child_cost)"
    assert world.BUDGET - 15 < result.rollouts_used <= world.BUDGET
    assert set(stats) == set(TRANSIENT_KINDS + CONTENT_KINDS)

    # Accounting matches the journal, rollout by rollout and call by call.
    assert result.rollouts_by_purpose == dict(Counter(e["purpose"] for e in rollouts))
    journaled = Counter()
    for e in rollouts + lm_events:
        for role, u in e["usage"].items():
            journaled.update({f"{role}.{k}": v for k, v in u.items() if k != "lm_seconds"})
    for role, u in result.usage_by_role.items():
        for k, v in u.items():
            if k != "lm_seconds":
                assert journaled[f"{role}.{k}"] == v, f"{role}.{k}"
    transient = sum(stats[k] for k in TRANSIENT_KINDS)
    retried = sum(u["retries"] for u in result.usage_by_role.values())
    calls_failed = sum(u["failures"] for u in result.usage_by_role.values())
    assert transient == retried + calls_failed  # each transient fault was either retried or final
    failed = [e for e in rollouts if e["rollout"]["failed"]]
    assert len(failed) == result.usage_by_role["task"]["failures"]
    assert all(
        e["rollout"]["feedback"].startswith("model call failed: scripted-task: injected fault:")
        for e in failed
    )
    recovered = sum(
        1 for e in rollouts + lm_events for u in e["usage"].values() if u["retries"] and not u["failures"]
    )

    # Damaged answers never become candidates; every proposal adopted is a clean scripted one.
    assert all(PROPOSAL.match(c.texts["instruction"]) for c in result.candidates[1:])
    reflection_damaged = [e for e in lm_events if e.get("completion", {}).get("injected_fault")]
    assert reflection_damaged, "some reflection answers should have been damaged"
    outcomes = result.notes["proposal_outcomes"]
    assert outcomes.get("malformed", 0) >= len(reflection_damaged)

    with capsys.disabled():
        print(
            f"\nflaky provider (30% faults, all kinds): faults injected {sum(stats.values())} "
            f"({', '.join(f'{k} {stats[k]}' for k in TRANSIENT_KINDS + CONTENT_KINDS)}), retried {retried}, "
            f"recovered {recovered}, calls failed after retries {calls_failed}, rollouts failed {len(failed)} "
            f"of {len(rollouts)}; best val {result.candidate(result.best_id).val_mean:.3f} "
            f"(clean run {clean.candidate(clean.best_id).val_mean:.3f})"
        )


def test_damaged_reflection_answers_are_never_adopted(tmp_path):
    spec = FaultSpec(rate=1.0, kinds=frozenset(CONTENT_KINDS), seed=1)
    result, objects = run(tmp_path, reflection_faults=spec, options={"max_iterations": 12})
    assert [c.origin for c in result.candidates] == ["seed"]
    proposals = [
        e["payload"]
        for e in load_events(tmp_path / JOURNAL)
        if e["type"] == "event" and e["kind"] == "proposal"
    ]
    reasons = Counter(p["reason"] for p in proposals if p["outcome"] == "malformed")
    assert sum(reasons.values()) == objects["reflection_lm"].backend.faults >= 6
    assert set(reasons) <= {"empty", "truncated", "no_fence"} and len(reasons) == 3


def test_injected_damage_never_reaches_the_response_cache(tmp_path):
    cache = SqliteCache(tmp_path / "cache.sqlite")
    backend = ScriptedBackend(lambda m, p: "a clean answer", model="m")
    lm = FaultSpec(rate=1.0, kinds=frozenset(CONTENT_KINDS)).wrap_lm(LM(backend, cache=cache))
    damaged = [lm.complete([{"role": "user", "content": f"q{i}"}]) for i in range(30)]
    assert {c.injected_fault for c in damaged} == set(CONTENT_KINDS)
    assert len(cache) == 0
    flaky = FaultSpec(rate=0.5, kinds=frozenset(TRANSIENT_KINDS + CONTENT_KINDS), seed=2).wrap_lm(
        LM(backend, cache=cache, retry=RetryPolicy(max_attempts=20, sleep=lambda s: None))
    )
    answers = [flaky.complete([{"role": "user", "content": f"r{i}"}]) for i in range(40)]
    clean = [a for a in answers if a.injected_fault is None]
    assert 0 < len(clean) < 40 and len(cache) == len(clean)
    again = [flaky.complete([{"role": "user", "content": f"r{i}"}]) for i in range(40)]
    assert sum(a.cached for a in again) == len(clean)  # the clean ones come back from the cache, clean
    assert all(a.text == "a clean answer" for a in again if a.cached)


def test_fault_injection_option_end_to_end_and_journaled(tmp_path):
    """`fault_injection=` on the API wraps both LMs; a provider failing every call stops the run."""
    result, _ = run(
        tmp_path,
        fault_injection="rate=1.0,kinds=5xx",
        budget={"rollouts": 200, "max_consecutive_failures": 5},
    )
    # 2 workers: the one still in flight when the 5th failure lands may add a 6th before the stop is seen
    assert re.match(
        r"[56] rollouts failed in a row \(last: model call failed: scripted-task: "
        r"injected fault: 503 service unavailable\)",
        result.stop_reason,
    ), result.stop_reason
    assert 5 <= result.rollouts_by_purpose["validation"] <= 6  # stopped mid-batch, not after 12
    assert set(result.rollouts_by_purpose) == {"validation"}
    assert result.test is None  # no test scoring against a dead provider
    start = load_events(tmp_path / JOURNAL)[0]
    assert start["config"]["lm"]["fault_injection"] == "rate=1.0,kinds=5xx"


def test_retry_policy_limits_per_call(tmp_path):
    """Per call: at most max_attempts tries, Retry-After honoured but capped, backoff capped."""
    waits: list[float] = []
    policy = RetryPolicy(max_attempts=4, base_delay_s=1.0, max_delay_s=3.0, jitter=0.5, sleep=waits.append)
    backend = FaultInjectingBackend(
        ScriptedBackend(lambda m, p: "x"), rate=1.0, kinds={"429"}, retry_after_s=99
    )
    lm = LM(backend, retry=policy)
    with pytest.raises(Exception, match="429 rate limited"):
        lm.complete([{"role": "user", "content": "q"}], GenerationParams())
    assert backend.calls == 4 and waits == [3.0, 3.0, 3.0]  # Retry-After 99 s capped at max_delay_s
    assert lm.usage.retries == 3 and lm.usage.failures == 1
    waits.clear()
    backend = FaultInjectingBackend(ScriptedBackend(lambda m, p: "x"), rate=1.0, kinds={"timeout"})
    with pytest.raises(Exception, match="timed out"):
        LM(backend, retry=policy).complete([{"role": "user", "content": "q"}])
    assert len(waits) == 3 and 0.5 <= waits[0] <= 1.5 and 1.0 <= waits[1] <= 3.0 and 2.0 <= waits[2] <= 3.0


def test_cli_inject_faults_flag_reaches_the_run(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from paretoprompt.cli import app
    from paretoprompt.run import api

    monkeypatch.setattr(api, "_load_task", lambda config: (world.make_task(), world.make_program()))
    monkeypatch.setattr(api, "_make_lm", lambda spec, role, slots: world.objects(retry=NO_WAIT)[f"{role}_lm"])
    config = tmp_path / "run.toml"
    config.write_text(
        '[task]\nname = "keywords"\n[optimizer]\nname = "gepa"\nmax_iterations = 3\n'
        "[lm]\nconcurrency = 2\n[budget]\nrollouts = 60\n"
    )
    out = CliRunner().invoke(
        app,
        [
            "optimize",
            str(config),
            "--run-dir",
            str(tmp_path / "r"),
            "--no-progress",
            "--inject-faults",
            "rate=0.3,kinds=timeout,empty,seed=4",
        ],
    )
    assert out.exit_code == 0, out.output
    start = json.loads((tmp_path / "r" / JOURNAL).read_text().splitlines()[0])
    assert start["config"]["lm"]["fault_injection"] == "rate=0.3,kinds=timeout,empty,seed=4"
    assert "fault_injection" in (tmp_path / "r" / "config.toml").read_text()
