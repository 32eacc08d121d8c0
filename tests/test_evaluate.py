"""The evaluator: order, memoization, exact counts, failed rollouts, slots, usage, store hooks."""

from __future__ import annotations

import threading

import pytest

from paretoprompt.errors import TransientLMError, UserError
from paretoprompt.evaluate import Evaluator
from paretoprompt.lm.usage import Usage
from paretoprompt.optimizers.base import StopRequested
from paretoprompt.programs.base import candidate_id
from run_fixtures import ToyProgram, make_task, metric, task_lm

GOOD = {"instruction": "Answer. ++"}  # right on difficulties 0..2, wrong on 3


def test_scores_in_example_order_and_counts_by_purpose():
    task = make_task(train=8)
    lm, backend = task_lm()
    ev = Evaluator(task, ToyProgram(), lm, concurrency=3)
    batch = ev.evaluate(GOOD, task.splits.train, split="train", purpose="minibatch")
    assert batch.candidate_id == candidate_id(GOOD)
    assert [r.example_id for r in batch.rollouts] == [f"tr{i}" for i in range(8)]
    assert batch.scores == [1, 1, 1, 0, 1, 1, 1, 0]
    assert batch.rollouts[3].feedback == "expected 'yes', got 'no'"
    assert ev.counts == {"minibatch": 8} and backend.calls == 8


def test_memoized_rescoring_is_free_and_not_recounted():
    task = make_task()
    lm, backend = task_lm()
    ev = Evaluator(task, ToyProgram(), lm, concurrency=2)
    ev.evaluate(GOOD, task.splits.train[:3], split="train", purpose="minibatch")
    assert ev.count_new(GOOD, task.splits.train[:5], split="train") == 2
    again = ev.evaluate(GOOD, task.splits.train[:5], split="train", purpose="minibatch")
    assert len(again.rollouts) == 5
    assert ev.counts == {"minibatch": 5} and backend.calls == 5
    # the same example on another split, or a duplicated example, is one more / no more rollout
    ev.evaluate(GOOD, [task.splits.train[0]] * 3, split="val", purpose="validation")
    assert ev.counts == {"minibatch": 5, "validation": 1} and backend.calls == 6


def test_model_failure_becomes_failed_rollout():
    def flaky(messages, params):
        if "item 1 " in messages[1]["content"]:
            raise TransientLMError("503 from provider")
        return "yes"

    task = make_task()
    lm, _ = task_lm(script=flaky)
    ev = Evaluator(task, ToyProgram(), lm, concurrency=1)
    batch = ev.evaluate(GOOD, task.splits.train[:3], split="train", purpose="minibatch")
    r = batch.rollouts[1]
    assert r.failed and r.score == 0.0 and r.feedback == "model call failed: 503 from provider"
    assert [x.failed for x in batch.rollouts] == [False, True, False]
    assert ev.counts["minibatch"] == 3
    assert lm.ledger.by_role()["task"].failures == 1


def test_metric_that_raises_becomes_failed_rollout():
    task = make_task()

    def bad_metric(example, prediction):
        if example.id == "tr2":
            raise KeyError("label")
        return metric(example, prediction)

    task = type(task)(task.name, task.splits, bad_metric)
    lm, _ = task_lm()
    batch = Evaluator(task, ToyProgram(), lm).evaluate(GOOD, task.splits.train[:4], split="train")
    assert batch.rollouts[2].failed and batch.rollouts[2].feedback == "metric raised: KeyError: 'label'"
    assert batch.scores == [1, 1, 0, 0]


def test_program_exception_is_failed_but_user_error_propagates():
    class Broken(ToyProgram):
        def run(self, candidate, example, lm, *, slot=None):
            raise RuntimeError("boom")

    class BadKey(ToyProgram):
        def run(self, candidate, example, lm, *, slot=None):
            raise UserError("invalid API key")

    task = make_task()
    lm, _ = task_lm()
    batch = Evaluator(task, Broken(), lm).evaluate(GOOD, task.splits.train[:2], split="train")
    assert batch.rollouts[0].feedback == "program raised: RuntimeError: boom"
    with pytest.raises(UserError, match="invalid API key"):
        Evaluator(task, BadKey(), lm).evaluate(GOOD, task.splits.train[:2], split="train")


def test_workers_use_fixed_slots_and_run_concurrently():
    barrier = threading.Barrier(3, timeout=5)

    def wait_for_peers(messages, params):
        return "yes"

    task = make_task(train=9)
    lm, backend = task_lm(script=wait_for_peers)

    class Gated(ToyProgram):
        def run(self, candidate, example, lm, *, slot=None):
            if example.id in ("tr0", "tr1", "tr2"):
                barrier.wait()  # deadlocks unless three workers run at once
            return super().run(candidate, example, lm, slot=slot)

    Evaluator(task, Gated(), lm, concurrency=3).evaluate(GOOD, task.splits.train, split="train")
    assert {slot for _, _, slot in backend.requests} == {0, 1, 2}
    lm1, backend1 = task_lm()
    Evaluator(task, ToyProgram(), lm1, concurrency=1).evaluate(GOOD, task.splits.train, split="train")
    assert {slot for _, _, slot in backend1.requests} == {0}


def test_batches_share_persistent_worker_threads_that_end_with_the_evaluator():
    task = make_task(train=8)
    lm, _ = task_lm()
    before = set(threading.enumerate())
    ev = Evaluator(task, ToyProgram(), lm, concurrency=3)
    ev.evaluate(GOOD, task.splits.train[:4], split="train")
    workers = set(threading.enumerate()) - before
    ev.evaluate(GOOD, task.splits.train[4:], split="train")
    assert len(workers) == 3 and set(threading.enumerate()) - before == workers
    del ev  # no reference cycle: the workers are told to stop as soon as the evaluator is dropped
    for t in workers:
        t.join(timeout=5)
    assert not any(t.is_alive() for t in workers)


def test_per_rollout_usage_is_journaled_and_merged():
    stored = {}
    log = []

    class Store:
        def get(self, cid, split, example_id):
            return None

        def put(self, cid, split, purpose, rollout, usage):
            stored[rollout.example_id] = (purpose, usage)
            log.append("put")
            return rollout

        def flush(self):
            log.append("flush")

    task = make_task()
    lm, _ = task_lm()
    Evaluator(task, ToyProgram(), lm, store=Store()).evaluate(
        GOOD, task.splits.train[:2], split="train", purpose="minibatch"
    )
    assert log == ["put", "put", "flush"]  # the batch is made durable once, before it is returned
    # prompt "Answer. ++" (2 words) + "item 0 difficulty=0" (3 words) -> 5 prompt tokens, 1 completion token
    assert stored["tr0"] == ("minibatch", {"task": Usage(calls=1, prompt_tokens=5, completion_tokens=1)})
    assert lm.ledger.by_role()["task"] == Usage(calls=2, prompt_tokens=10, completion_tokens=2)


def test_store_serves_known_rollouts_without_model_calls():
    task = make_task()
    lm, _ = task_lm()
    first = Evaluator(task, ToyProgram(), lm).evaluate(GOOD, task.splits.train[:2], split="train")
    usage = {"task": Usage(calls=1, prompt_tokens=7, cost_usd=0.5)}

    class Store:
        def get(self, cid, split, example_id):
            return (first.rollouts[0], usage) if example_id == "tr0" else None

        def put(self, cid, split, purpose, rollout, usage):
            return rollout

        def flush(self):
            pass

    lm2, backend2 = task_lm()
    ev = Evaluator(task, ToyProgram(), lm2, store=Store())
    batch = ev.evaluate(GOOD, task.splits.train[:2], split="train", purpose="minibatch")
    assert batch.rollouts[0] == first.rollouts[0]
    assert backend2.calls == 1 and ev.counts == {"minibatch": 2}
    assert lm2.ledger.by_role()["task"].cost_usd == 0.5
    assert lm2.ledger.by_role()["task"].calls == 2


def test_stop_between_rollouts_keeps_completed_ones():
    task = make_task(train=6)
    lm, backend = task_lm()
    ev = Evaluator(
        task, ToyProgram(), lm, concurrency=1, should_stop=lambda: "stop" if backend.calls >= 2 else None
    )
    with pytest.raises(StopRequested, match="stop"):
        ev.evaluate(GOOD, task.splits.train, split="train", purpose="minibatch")
    assert ev.counts == {"minibatch": 2}
    ev.should_stop = None
    ev.evaluate(GOOD, task.splits.train, split="train", purpose="minibatch")
    assert ev.counts == {"minibatch": 6} and backend.calls == 6


def test_concurrency_must_be_positive():
    lm, _ = task_lm()
    with pytest.raises(UserError, match="concurrency"):
        Evaluator(make_task(), ToyProgram(), lm, concurrency=0)
