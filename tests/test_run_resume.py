"""Resume by replay: a run crashed after any event resumes to exactly the uninterrupted result,
with no completed rollout lost or repeated and no journaled LM call made again."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel, ConfigDict

import resume_harness
from paretoprompt.errors import UserError
from paretoprompt.optimizers.registry import register
from paretoprompt.run import resume
from paretoprompt.run.journal import JOURNAL, RunLock, load_events
from resume_harness import Crash, comparable, crash_at, crashed_copy, reference_fixture
from resume_harness import kinds as _kinds
from run_fixtures import ToyOptimizer, reflection_responder


class ToyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    iterations: int = 6


register("toy", ToyOptions, lambda o: ToyOptimizer(o.iterations))


class Harness(resume_harness.Harness):
    optimizer, options, seed = "toy", {"iterations": 6}, 3
    responder = reflection_responder


reference = reference_fixture(Harness, "ref")


def test_reference_fixture_is_sane(reference):
    result, lines, h = reference
    events = [json.loads(x) for x in lines]
    rollouts = _kinds(events, "rollout")
    assert len(candidates := result.candidates) >= 2, "the toy run should accept something"
    assert result.rollouts_by_purpose["test"] == 8  # seed + best on 4 test examples
    assert sum(result.rollouts_by_purpose.values()) == len(rollouts) == h.task_calls
    assert len({(e["cid"], e["split"], e["rollout"]["example_id"]) for e in rollouts}) == len(rollouts)
    assert len(_kinds(events, "lm")) == h.reflection_calls == 6
    assert result.usage_by_role["task"]["calls"] == h.task_calls
    assert result.usage_by_role["reflection"]["calls"] == 6
    assert candidates[0].origin == "seed" and all(c.parents for c in candidates[1:])
    assert result.notes["proposal_outcomes"] == {
        "accepted": len(candidates) - 1,
        "rejected": 6 - (len(candidates) - 1),
    }
    assert (lines[-1] and json.loads(lines[-1])["type"]) == "end"


def test_resume_after_a_crash_at_every_event(reference, tmp_path):
    result, lines, _ = reference
    ref_rollouts = len(_kinds([json.loads(x) for x in lines], "rollout"))
    for k in range(1, len(lines)):
        run_dir, kept = crashed_copy(lines, k, tmp_path)
        h = Harness()
        resumed = h.resume(run_dir)
        assert comparable(resumed) == comparable(result), f"crash after event {k}"
        events = load_events(run_dir / JOURNAL)
        rollouts = _kinds(events, "rollout")
        assert len(rollouts) == ref_rollouts, f"rollouts lost or repeated after crash at {k}"
        assert h.task_calls == ref_rollouts - len(_kinds(kept, "rollout"))
        assert h.reflection_calls == 6 - len(_kinds(kept, "lm"))
        assert [e["seq"] for e in events] == list(range(len(events)))


@pytest.mark.parametrize("seq", [3, 11, 24, 40])
def test_resume_after_an_exception_mid_run(reference, tmp_path, seq):
    result, _, _ = reference
    h = Harness()
    with pytest.raises(Crash):
        h.optimize(tmp_path, on_append=crash_at(seq))
    assert not (tmp_path / "result.json").exists()
    resumed = h.resume(tmp_path)
    assert comparable(resumed) == comparable(result)
    assert h.task_calls == sum(result.rollouts_by_purpose.values())
    assert h.reflection_calls == 6


def test_resume_twice_is_idempotent(reference, tmp_path):
    result, _, _ = reference
    h = Harness()
    h.optimize(tmp_path)
    calls = h.task_calls
    again = h.resume(tmp_path)
    assert comparable(again) == comparable(result)
    assert h.task_calls == calls  # everything served from the journal


def test_resume_refuses_a_locked_run_dir(tmp_path):
    Harness().optimize(tmp_path)
    lock = RunLock(tmp_path)
    try:
        with pytest.raises(UserError, match="in use by process"):
            Harness().resume(tmp_path)
    finally:
        lock.release()


def test_resume_needs_the_python_objects_again(tmp_path):
    Harness().optimize(tmp_path)
    with pytest.raises(UserError, match="pass program=, reflection_lm=, task=, task_lm="):
        resume(tmp_path, progress=False)


def test_starting_over_an_existing_run_is_refused(tmp_path):
    h = Harness()
    h.optimize(tmp_path)
    with pytest.raises(UserError, match="already holds a run"):
        h.optimize(tmp_path)


def test_resume_of_a_non_run_dir(tmp_path):
    with pytest.raises(UserError, match="not a run directory"):
        resume(tmp_path)
