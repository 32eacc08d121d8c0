"""APO through the real run layer: a run crashed after any event resumes to the identical result."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

import resume_harness
from paretoprompt.run.journal import JOURNAL, load_events
from resume_harness import Crash, comparable, crash_at, crashed_copy, reference_fixture

OPTIONS = {
    "rounds": 3,
    "beam_size": 2,
    "minibatch_size": 4,
    "error_groups": 2,
    "errors_per_group": 2,
    "paraphrases_per_prompt": 1,
    "max_successors": 3,
    "selector": "ucb",
    "bandit_rounds": 2,
    "arms_per_round": 2,
    "samples_per_eval": 3,
    "min_words": 1,
}


def apo_responder(messages, params) -> str:
    """Edits and paraphrases add "+" (helps) or "-"/"x" depending on a hash of the request."""
    user = messages[-1]["content"]
    current = re.search(r'CURRENT PROMPT:\n"""\n(.*?)\n"""', user, re.S).group(1)
    bit = hashlib.sha256(f"{user}|{params.seed}".encode()).digest()[0] % 3
    if "<reason>" in user:
        return "<reason>The prompt needs more plus signs.</reason>"
    if "PROBLEM:" in user:
        return f"<prompt>{current}{'-' if bit == 0 else '+'}</prompt>"
    return f"<prompt>{current} {'x' if bit == 0 else '+'}</prompt>"


class Harness(resume_harness.Harness):
    optimizer, options, seed = "apo", OPTIONS, 5
    responder = apo_responder


reference = reference_fixture(Harness, "apo_ref")


def test_reference_apo_run_is_sane(reference):
    result, lines, h = reference
    events = [json.loads(x) for x in lines]
    kinds = [e["kind"] for e in events if e["type"] == "event"]
    assert kinds.count("round") == 3 and kinds.count("selection") == 3
    assert len(result.candidates) >= 2, "the toy run should find a better prompt"
    assert result.notes["stopped_by"] == "rounds"
    optimizer_rollouts = sum(v for k, v in result.rollouts_by_purpose.items() if k != "test")
    assert optimizer_rollouts == sum(result.notes["rollouts_by_purpose"].values()) <= 200
    assert (
        h.reflection_calls == result.usage_by_role["reflection"]["calls"] == result.notes["reflection_calls"]
    )


def test_resume_after_a_crash_at_many_events(reference, tmp_path):
    result, lines, h_ref = reference
    ref_rollouts = sum(1 for x in lines if json.loads(x)["type"] == "rollout")
    for k in range(1, len(lines), 7):
        run_dir, kept = crashed_copy(lines, k, tmp_path)
        h = Harness()
        resumed = h.resume(run_dir)
        assert comparable(resumed) == comparable(result), f"crash after event {k}"
        rollouts = [e for e in load_events(run_dir / JOURNAL) if e["type"] == "rollout"]
        assert len(rollouts) == ref_rollouts
        assert h.task_calls == ref_rollouts - sum(e["type"] == "rollout" for e in kept)
        assert h.reflection_calls == h_ref.reflection_calls - sum(e["type"] == "lm" for e in kept)


@pytest.mark.parametrize("seq", [5, 30, 80])
def test_resume_after_an_exception_mid_run(reference, tmp_path, seq):
    result, _, _ = reference
    h = Harness()
    with pytest.raises(Crash):
        h.optimize(tmp_path, on_append=crash_at(seq))
    assert comparable(h.resume(tmp_path)) == comparable(result)
