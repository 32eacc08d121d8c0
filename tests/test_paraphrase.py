"""The random-paraphrase baseline: resamples around the seed, scores on val, respects the budget exactly."""

from __future__ import annotations

from gepa_fakes import FakeContext, KeywordProgram, examples
from paretoprompt.optimizers.paraphrase import RandomParaphrase, RandomParaphraseOptions
from paretoprompt.optimizers.registry import make_optimizer
from paretoprompt.programs.base import candidate_id

SEED = {"instruct": "Mark items carefully now."}
A = "Carefully mark every item, note alpha."
B = "Mark each item with beta and gamma."


def ctx_for(script, **kw) -> FakeContext:
    return FakeContext(
        train=examples("t", ["beta"]),
        val=examples("v", ["alpha", "beta", "beta", "gamma"]),
        program=KeywordProgram(SEED),
        reflection=script,
        **kw,
    )


def test_budget_is_respected_and_the_best_on_val_is_kept():
    script = [f"<prompt>{A}</prompt>", "no fence here", f"<prompt>{A}</prompt>", f"<prompt>{B}</prompt>"]
    ctx = ctx_for(script, budget=14)
    out = RandomParaphrase().optimize(ctx)
    # seed 4 + A 4 + B 4 = 12; 2 left < 4 val examples: stop before asking for more
    assert ctx.used == 12 and dict(ctx.rollouts) == {"validation": 12}
    assert ctx.backend.calls == 4
    assert out.notes == {"proposals": 4, "stopped_by": "budget"}
    assert out.best_candidate_id == candidate_id({"instruct": B})  # 0.75 vs A 0.25, seed 0
    assert [p["outcome"] for p in ctx.kinds("proposal")] == ["accepted", "malformed", "duplicate", "accepted"]
    assert all(v[1] == [candidate_id(SEED)] for k, v in ctx.added.items() if v[2] == "paraphrase")
    assert all(
        "CURRENT PROMPT" in p and SEED["instruct"] in p for p in ctx.prompts()
    )  # always around the seed


def test_samples_cap_and_zero_cost_stop():
    ctx = ctx_for([f"<prompt>{A}</prompt>", f"<prompt>{B}</prompt>"])
    out = RandomParaphrase(RandomParaphraseOptions(samples=2)).optimize(ctx)
    assert out.notes["stopped_by"] == "samples" and len(ctx.added) == 3
    bad = ctx_for(lambda m, p: "I cannot help.")
    out = RandomParaphrase(RandomParaphraseOptions(max_zero_cost_proposals=5)).optimize(bad)
    assert out.notes == {"proposals": 5, "stopped_by": "zero_cost_proposals"} and bad.used == 4


def test_components_round_robin_and_registry():
    seed = {"a": "Read each item closely.", "b": "Then mark it clearly."}
    ctx = FakeContext(
        train=examples("t", ["x"]),
        val=examples("v", ["beta"]),
        program=KeywordProgram(seed),
        reflection=lambda m, p: "<prompt>Write beta for each item.</prompt>",
    )
    make_optimizer("random-paraphrase", {"samples": 2}).optimize(ctx)
    changed = [
        next(k for k in seed if v[0][k] != seed[k]) for v in ctx.added.values() if v[2] == "paraphrase"
    ]
    assert changed == ["a", "b"]
