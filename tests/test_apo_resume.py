"""APO through the real run layer: a run crashed after any event resumes to the identical result."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from paretoprompt.lm.client import LM
from paretoprompt.lm.retry import NO_RETRY
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.run import optimize, resume, start
from paretoprompt.run.config import parse_config
from paretoprompt.run.journal import JOURNAL, load_events
from run_fixtures import ToyProgram, make_task, task_lm

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


class Harness:
    def __init__(self) -> None:
        self.task_calls = 0
        self.reflection_calls = 0

    def objects(self):
        self.tlm, self.tb = task_lm()
        self.rb = ScriptedBackend(apo_responder, model="toy-reflect")
        self.rlm = LM(self.rb, role="reflection", retry=NO_RETRY)
        return {"task": make_task(), "program": ToyProgram(), "task_lm": self.tlm, "reflection_lm": self.rlm}

    def optimize(self, run_dir, on_append=None):
        o = self.objects()
        try:
            if on_append is None:
                return optimize(
                    optimizer="apo",
                    optimizer_options=OPTIONS,
                    budget=200,
                    seed=5,
                    run_dir=run_dir,
                    progress=False,
                    concurrency=2,
                    **o,
                )
            config = parse_config(
                {
                    "task": {"name": "toy"},
                    "optimizer": {"name": "apo", **OPTIONS},
                    "lm": {"task": "toy-task", "reflection": "toy-reflect", "concurrency": 2},
                    "budget": {"rollouts": 200},
                    "seed": 5,
                    "run_dir": str(run_dir),
                }
            )
            return start(config, objects=o, progress=False, on_append=on_append)
        finally:
            self._count()

    def resume(self, run_dir):
        o = self.objects()
        try:
            return resume(run_dir, progress=False, **o)
        finally:
            self._count()

    def _count(self) -> None:
        self.task_calls += self.tb.calls
        self.reflection_calls += self.rb.calls


def comparable(result) -> dict:
    data = result.to_json()
    data.pop("wall_seconds")
    return data


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("apo_ref")
    h = Harness()
    result = h.optimize(run_dir)
    return result, (run_dir / JOURNAL).read_bytes().splitlines(keepends=True), h


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
        run_dir = tmp_path / f"k{k}"
        run_dir.mkdir()
        torn = lines[k][: len(lines[k]) // 2] if k % 2 else b""
        (run_dir / JOURNAL).write_bytes(b"".join(lines[:k]) + torn)
        kept = [json.loads(x) for x in lines[:k]]
        h = Harness()
        resumed = h.resume(run_dir)
        assert comparable(resumed) == comparable(result), f"crash after event {k}"
        rollouts = [e for e in load_events(run_dir / JOURNAL) if e["type"] == "rollout"]
        assert len(rollouts) == ref_rollouts
        assert h.task_calls == ref_rollouts - sum(e["type"] == "rollout" for e in kept)
        assert h.reflection_calls == h_ref.reflection_calls - sum(e["type"] == "lm" for e in kept)


@pytest.mark.parametrize("crash_at", [5, 30, 80])
def test_resume_after_an_exception_mid_run(reference, tmp_path, crash_at):
    result, _, _ = reference

    class Crash(Exception):
        pass

    def crash(event):
        if event["seq"] == crash_at:
            raise Crash(f"simulated crash after event {crash_at}")

    h = Harness()
    with pytest.raises(Crash):
        h.optimize(tmp_path, on_append=crash)
    assert comparable(h.resume(tmp_path)) == comparable(result)
