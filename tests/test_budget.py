"""Budgets and stop conditions: exact rollout refusal, dollars, wall time, patience, STOP file,
Ctrl-C, a provider failing every call, and test scoring outside the budget."""

from __future__ import annotations

import logging
import os
import signal
from dataclasses import replace
from types import SimpleNamespace

import pytest

from paretoprompt.errors import TransientLMError
from paretoprompt.lm.base import Completion
from paretoprompt.lm.client import LM
from paretoprompt.lm.retry import NO_RETRY
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.optimizers.base import OptimizerOutcome
from paretoprompt.optimizers.registry import register
from paretoprompt.optimizers.seed import SeedOptions
from paretoprompt.run import Budget, optimize
from paretoprompt.run import budget as budget_module
from paretoprompt.run.budget import STOP_FILE
from run_fixtures import ToyProgram, make_task, reflection_lm, task_lm


class Batches:
    """Scores a new candidate on 4 training examples per step; `hook(step, ctx)` runs before each step."""

    name = "batches"

    def __init__(self, steps=10, hook=None, add=False):
        self.steps, self.hook, self.add = steps, hook, add

    def optimize(self, ctx):
        seed = ctx.program.seed_candidate()
        for step in range(self.steps):
            if self.hook:
                self.hook(step, ctx)
            cand = {"instruction": f"Answer. v{step}"}
            if self.add:
                val = ctx.evaluate(cand, ctx.task.splits.val, split="val", purpose="validation")
                ctx.add_candidate(cand, parents=(), val=val, origin="test")
            else:
                ctx.evaluate(cand, ctx.task.splits.train[:4], split="train", purpose="minibatch")
        return OptimizerOutcome(
            ctx.add_candidate(
                seed,
                parents=(),
                val=ctx.evaluate(seed, ctx.task.splits.val, split="val", purpose="validation"),
                origin="seed",
            )
        )


def run(tmp_path, opt, budget, *, tlm=None, test=0):
    register(opt.name, SeedOptions, lambda _o: opt)
    tlm = tlm or task_lm()[0]
    return optimize(
        task=make_task(train=8, val=3, test=test),
        program=ToyProgram(),
        optimizer=opt.name,
        task_lm=tlm,
        reflection_lm=reflection_lm()[0],
        budget=budget,
        run_dir=tmp_path,
        progress=False,
        concurrency=1,
    )


def test_a_batch_over_the_limit_is_refused_whole(tmp_path):
    r = run(tmp_path, Batches(steps=10), 10)
    assert r.rollouts_by_purpose == {"minibatch": 8}  # 4 + 4; the third batch of 4 would make 12 > 10
    assert r.stop_reason == "budget exhausted: rollout budget: 8 of 10 used, the next batch needs 4"
    assert r.candidates == () and r.best_id == r.seed_id  # nothing scored on val: the seed stands


def test_memoized_rollouts_do_not_need_budget(tmp_path):
    remaining = []

    class Repeat(Batches):
        name = "repeat"

        def optimize(self, ctx):
            seed = ctx.program.seed_candidate()
            train = ctx.task.splits.train
            for _ in range(5):
                ctx.evaluate(seed, train[:4], split="train", purpose="minibatch")
                remaining.append(ctx.remaining_rollouts())
            ctx.evaluate(seed, train[3:5], split="train", purpose="minibatch")  # one new rollout
            remaining.append(ctx.remaining_rollouts())
            ctx.evaluate(seed, train[5:6], split="train", purpose="minibatch")
            raise AssertionError("unreachable: the budget is spent")

    r = run(tmp_path, Repeat(), 5)
    assert remaining == [1, 1, 1, 1, 1, 0]
    assert r.rollouts_by_purpose == {"minibatch": 5} and r.stop_reason.startswith("budget exhausted")


def test_test_split_scoring_is_outside_the_budget(tmp_path):
    r = run(tmp_path, Batches(steps=0), 3, test=4)
    assert r.rollouts_by_purpose == {"test": 4, "validation": 3}  # best is the seed: scored once
    assert r.rollouts_used == 3 and r.rollout_budget == 3
    assert r.test == {"n": 4, "seed": 0.25, "best": 0.25}  # only difficulty-0 examples pass the seed


def test_stop_file_stops_gracefully_and_is_consumed(tmp_path):
    def hook(step, ctx):
        if step == 2:
            (tmp_path / STOP_FILE).touch()

    r = run(tmp_path, Batches(steps=10, hook=hook), 100)
    assert r.stop_reason.startswith("stop file") and r.rollouts_by_purpose == {"minibatch": 8}
    assert (tmp_path / "result.json").exists() and not (tmp_path / STOP_FILE).exists()


def test_first_ctrl_c_stops_gracefully(tmp_path):
    def hook(step, ctx):
        if step == 3:
            os.kill(os.getpid(), signal.SIGINT)

    before = signal.getsignal(signal.SIGINT)  # SIG_IGN under nohup or a CI runner, else Python's default
    r = run(tmp_path, Batches(steps=10, hook=hook), 100, test=4)
    assert r.stop_reason == "interrupted (Ctrl-C)" and r.rollouts_by_purpose == {"minibatch": 12}
    assert r.test is None  # an interrupted run skips test scoring; the result is still written
    assert signal.getsignal(signal.SIGINT) is before  # the run restores whatever handler it found


def test_patience_counts_candidates_that_do_not_improve(tmp_path):
    r = run(tmp_path, Batches(steps=10, add=True), Budget(patience=2, rollouts=1000))
    # every candidate scores like the seed: the first sets the best, two more fail to improve
    assert len(r.candidates) == 3 and r.stop_reason == "patience: 2 candidates without improvement"


def test_dollar_cap(tmp_path):
    class Paid(ScriptedBackend):
        def generate(self, messages, params, *, slot=None):
            return replace(super().generate(messages, params, slot=slot), cost_usd=0.01)

    tlm = LM(Paid(lambda m, p: "yes"), retry=NO_RETRY)
    r = run(tmp_path, Batches(steps=10), Budget(max_usd=0.095, rollouts=1000), tlm=tlm)
    assert r.rollouts_by_purpose == {"minibatch": 10}  # checked before each rollout
    assert r.stop_reason == "dollar cap: $0.1000 of $0.0950"
    assert r.usage_by_role["task"]["cost_usd"] == pytest.approx(0.1)


def test_wall_time(tmp_path, monkeypatch):
    # A fake clock that only the steps advance, so a loaded machine cannot move the stop.
    now = [1000.0]
    monkeypatch.setattr(budget_module, "time", SimpleNamespace(monotonic=lambda: now[0]))

    def tick(step, ctx):
        now[0] += 0.06

    r = run(tmp_path, Batches(steps=10, hook=tick), Budget(max_seconds=0.1))
    assert r.stop_reason.startswith("wall time") and r.rollouts_by_purpose == {"minibatch": 4}


def test_a_provider_failing_every_call_stops_the_run(tmp_path):
    def down(messages, params):
        raise TransientLMError("connection reset")

    tlm = LM(ScriptedBackend(down), retry=NO_RETRY)
    r = run(tmp_path, Batches(steps=10), Budget(rollouts=1000, max_consecutive_failures=6), tlm=tlm)
    assert r.rollouts_by_purpose == {"minibatch": 6}  # stopped mid-batch, at the 6th failure
    assert r.stop_reason == "6 rollouts failed in a row (last: model call failed: connection reset)"


def test_small_budget_warns(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="paretoprompt.run"):
        run(tmp_path, Batches(steps=0), 5)
    assert "rollout budget 5 cannot cover one validation pass (3) plus a few proposals" in caplog.text


def test_completion_is_not_charged_twice_when_cached():
    c = Completion("x", "m", cost_usd=1.0)
    assert replace(c, cached=True).cost_usd == 1.0  # the ledger, not the completion, zeroes cached cost


def test_test_scoring_is_announced(tmp_path, caplog):
    """Scoring seed and best on test is a long quiet stretch on a real model: the progress says so."""
    caplog.set_level(logging.INFO, logger="paretoprompt.run")
    optimize(
        task=make_task(train=8, val=3, test=2),
        program=ToyProgram(),
        optimizer="seed",
        task_lm=task_lm()[0],
        reflection_lm=reflection_lm()[0],
        budget=30,
        run_dir=tmp_path,
        progress=True,
        concurrency=1,
    )
    assert "scoring seed and best on the test split (2 examples each, outside the budget)" in caplog.text
