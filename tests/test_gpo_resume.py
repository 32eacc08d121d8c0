"""GPO through the real run layer: a run crashed after any journal event resumes to exactly the
uninterrupted result, with no rollout or reflection call repeated."""

from __future__ import annotations

import hashlib
import json
import re

import resume_harness
from paretoprompt.run.journal import JOURNAL, load_events
from resume_harness import comparable, crashed_copy, reference_fixture
from resume_harness import kinds as _kinds

OPTIONS = {
    "embedder": "tfidf",
    "candidates_per_step": 3,
    "max_steps": 3,
    "val_subsample": 3,
    "exemplars": 2,
    "exemplar_feedback": True,
    "min_words": 1,
}
BUDGET = 200
_CURRENT = re.compile(r'CURRENT INSTRUCTION \(score [^)]*\):\n"""\n(.*?)\n"""', re.DOTALL)


def gpo_reflection(messages, params) -> str:
    """Appends signs to the current instruction (or answers unfenced), by a hash of the request and its seed."""
    prompt = messages[-1]["content"]
    current = _CURRENT.search(prompt).group(1)
    tail = ["+", "-", "+ +", "- +", "+ -", None][
        hashlib.sha256(f"{prompt}|{params.seed}".encode()).digest()[0] % 6
    ]
    return f"<prompt>{current} {tail}</prompt>" if tail else "no fence"


class Harness(resume_harness.Harness):
    optimizer, options, seed, budget = "gpo", OPTIONS, 5, BUDGET
    responder = gpo_reflection


reference = reference_fixture(Harness, "gpo-ref")


def test_reference_gpo_run(reference):
    result, lines, h = reference
    events = [json.loads(x) for x in lines]
    assert result.optimizer == "gpo"
    assert len(result.candidates) >= 2 and result.candidates[0].origin == "seed"
    assert {c.origin for c in result.candidates[1:]} == {"gpo"}
    outcomes = result.notes["proposal_outcomes"]
    assert all(outcomes.get(k, 0) > 0 for k in ("accepted", "rejected", "malformed", "duplicate"))
    assert h.reflection_calls == len(_kinds(events, "lm")) == 9  # 3 steps x 3 candidates
    assert sum(result.rollouts_by_purpose.values()) == len(_kinds(events, "rollout")) == h.task_calls
    used = sum(n for p, n in result.rollouts_by_purpose.items() if p != "test")
    assert used <= BUDGET and result.rollouts_by_purpose["exemplars"] == 6
    assert result.notes["embedder"].startswith("tfidf") and result.notes["edit_budgets"] == [50, 30, 10]


def test_gpo_resumes_after_a_crash_at_every_event(reference, tmp_path):
    result, lines, _ = reference
    ref_rollouts = len(_kinds([json.loads(x) for x in lines], "rollout"))
    for k in range(1, len(lines)):
        run_dir, kept = crashed_copy(lines, k, tmp_path)
        h = Harness()
        resumed = h.resume(run_dir)
        assert comparable(resumed) == comparable(result), f"crash after event {k}"
        events = load_events(run_dir / JOURNAL)
        assert len(_kinds(events, "rollout")) == ref_rollouts, f"rollouts lost or repeated after crash at {k}"
        assert h.task_calls == ref_rollouts - len(_kinds(kept, "rollout"))
        assert h.reflection_calls == 9 - len(_kinds(kept, "lm"))
