"""The APO beam loop on a scripted context: successors, de-duplication, cap, beam, rollouts, stops."""

from __future__ import annotations

import re

from gepa_fakes import FakeContext, KeywordProgram, examples
from paretoprompt.optimizers.apo import APO, APOConfig
from paretoprompt.optimizers.registry import make_optimizer
from paretoprompt.programs.base import candidate_id

SEED = {"instruct": "Mark items carefully now."}
E1 = "Mark items and mention beta always."
P_E1 = "Always mention beta when you mark items."
P_SEED = "Mark each item with alpha, beta and gamma notes."
SCRIPT = [
    "<reason>The prompt never names the word beta.</reason>",  # group 1: gradient
    f"<prompt>{E1}</prompt>",  # group 1: edit
    "<reason>It lacks the key words.</reason>",  # group 2: gradient
    f"<prompt>{E1}</prompt>",  # group 2: edit, the same text again
    "Let me think about it.",  # group 3: gradient without fence -> malformed, no edit asked
    f"<prompt>{P_E1}</prompt>",  # paraphrase of E1 (asked once although proposed twice)
    f"<prompt>{P_SEED}</prompt>",  # paraphrase of the parent
]


def one_round_ctx(script=SCRIPT, **kw) -> FakeContext:
    return FakeContext(
        train=examples("t", ["beta"] * 4),
        val=examples("v", ["alpha", "beta", "beta", "gamma"]),
        program=KeywordProgram(SEED),
        reflection=script,
        **kw,
    )


def config(**kw) -> APOConfig:
    base = dict(
        rounds=1,
        beam_size=2,
        minibatch_size=4,
        error_groups=3,
        errors_per_group=2,
        paraphrases_per_prompt=1,
        max_successors=3,
        selector="brute_force",
        eval_budget=100,
    )
    return APOConfig(**{**base, **kw})


def test_one_round_successors_dedupe_beam_and_exact_rollouts():
    ctx = one_round_ctx()
    out = APO(config()).optimize(ctx)
    seed_id = candidate_id(SEED)
    e1, p_e1, p_seed = (candidate_id({"instruct": t}) for t in (E1, P_E1, P_SEED))

    assert ctx.backend.calls == 7
    # seed val 4 | minibatch 4 | selection: the seed is cached on val, 3 successors x 4 | beam val: cached
    assert dict(ctx.rollouts) == {"validation": 4, "minibatch": 4, "selection": 12}
    assert out.notes["rollouts_by_purpose"] == dict(ctx.rollouts)
    assert out.best_candidate_id == p_seed
    assert out.notes["beam"] == [p_seed, e1]  # 1.0, then the first of the 0.5 ties
    assert ctx.added == {
        seed_id: (SEED, [], "seed"),
        p_seed: ({"instruct": P_SEED}, [seed_id], "apo-paraphrase"),
        e1: ({"instruct": E1}, [seed_id], "apo-edit"),
    }
    outcomes = [(p["outcome"], p.get("stage") or p.get("child")) for p in ctx.kinds("proposal")]
    assert outcomes == [
        ("malformed", "gradient"),
        ("duplicate", e1),
        ("accepted", e1),
        ("rejected", p_e1),
        ("accepted", p_seed),
    ]
    (rnd,) = ctx.kinds("round")
    assert rnd == {"n": 1, "component": "instruct", "beam": [seed_id]}
    (sel,) = ctx.kinds("selection")
    assert sel["arms"] == 4 and sel["evaluations"] == 16 and sel["rollouts"] == 12
    assert out.notes["stopped_by"] == "rounds"


def test_meta_prompts_show_task_contract_cases_and_reason():
    ctx = one_round_ctx()
    APO(config()).optimize(ctx)
    prompts = ctx.prompts()
    grad, edit, para = prompts[0], prompts[1], prompts[5]
    assert "TASK: Mark items." in grad and "Answer yes or no." in grad and "Case 2 (score 0):" in grad
    assert grad.rstrip().endswith("<reason>The prompt does not say ...</reason>")
    assert "PROBLEM: The prompt never names the word beta." in edit
    assert edit.count("Case ") == 2  # errors_per_group
    assert E1 in para and "Case" not in para
    params = [p for _, p, _ in ctx.backend.requests]
    assert params[0].stop == ("</reason>",) and params[1].stop == ("</prompt>",)
    assert all(p.seed is not None for p in params)  # temperature > 0: seeds drawn from ctx.rng


def test_successor_cap_keeps_a_random_subset_of_the_right_size():
    ctx = one_round_ctx()
    out = APO(config(max_successors=2)).optimize(ctx)
    capped = [p for p in ctx.kinds("proposal") if p.get("reason") == "successor_cap"]
    assert len(capped) == 1 and capped[0]["outcome"] == "rejected"
    (sel,) = ctx.kinds("selection")
    assert sel["arms"] == 3  # seed + 2 successors
    assert len(out.notes["beam"]) == 2


def echo_reflection(messages, params):
    """Gradients always; edits add " beta" to the current prompt; paraphrases prefix "Restated:"."""
    user = messages[-1]["content"]
    current = re.search(r'CURRENT PROMPT:\n"""\n(.*?)\n"""', user, re.S).group(1)
    if "<reason>" in user:
        return "<reason>It misses the key word.</reason>"
    if "PROBLEM:" in user:
        return f"<prompt>{current} beta</prompt>"
    return f"<prompt>Restated: {current}</prompt>"


def test_multi_module_round_robin_edits_one_component_per_round():
    seed = {"first": "Read each item closely.", "second": "Then mark it clearly."}
    ctx = FakeContext(
        train=examples("t", ["beta", "alpha", "beta"]),
        val=examples("v", ["beta", "beta", "alpha"]),
        program=KeywordProgram(seed),
        reflection=echo_reflection,
    )
    out = APO(config(rounds=2, error_groups=1, paraphrase_parent=False, beam_size=1)).optimize(ctx)
    rounds = ctx.kinds("round")
    assert [r["component"] for r in rounds] == ["first", "second"]
    winner = {"first": "Read each item closely. beta", "second": "Then mark it clearly."}
    assert rounds[1]["beam"] == [candidate_id(winner)]
    # round 2 rewrites only the second component of the round-1 winner
    second = [p for p in ctx.kinds("proposal") if p["component"] == "second" and "child" in p]
    assert {p["text"] for p in second} == {
        "Then mark it clearly. beta",
        "Restated: Then mark it clearly. beta",
    }
    assert all(p["child"] == candidate_id({**winner, "second": p["text"]}) for p in second)
    assert out.best_candidate_id == candidate_id(winner)  # ties keep the parent
    assert out.notes["rollouts_by_purpose"] == dict(ctx.rollouts)


def test_consecutive_zero_cost_rounds_stop_the_loop():
    ctx = one_round_ctx(script=lambda m, p: "I cannot help with that.")
    out = APO(config(rounds=None, max_zero_cost_proposals=10, error_groups=4)).optimize(ctx)
    # round 1 spends the minibatch; rounds 2 and 3 re-use it (cached) and get 4 + 1 malformed answers each
    assert out.notes["rounds"] == 3 and out.notes["stopped_by"] == "zero_cost_proposals"
    assert ctx.backend.calls == 15
    assert len(ctx.kinds("stop")) == 1
    assert out.best_candidate_id == candidate_id(SEED)


def test_budget_stop_returns_the_best_registered_candidate():
    ctx = one_round_ctx(budget=10)  # seed val 4 + minibatch 4: the selection batch of 4 does not fit
    out = APO(config()).optimize(ctx)
    assert out.notes["stopped_by"] == "BudgetExhausted"
    assert ctx.used == 8 and out.best_candidate_id == candidate_id(SEED)


def test_ucb_selection_counts_rollouts_exactly():
    ctx = one_round_ctx()
    cfg = config(selector="ucb", bandit_rounds=3, arms_per_round=2, samples_per_eval=2)
    out = APO(cfg).optimize(ctx)
    (sel,) = ctx.kinds("selection")
    assert sel["evaluations"] == 3 * 2 * 2
    assert out.notes["rollouts_by_purpose"] == dict(ctx.rollouts)
    assert sel["rollouts"] == ctx.rollouts["selection"] <= 12


def test_registry_builds_apo_and_rejects_unknown_keys():
    apo = make_optimizer("apo", {"selector": "successive_rejects", "beam_size": 2})
    assert apo.name == "apo" and apo.config.selector == "successive_rejects"
    try:
        make_optimizer("apo", {"beam": 2})
    except Exception as err:  # UserError naming the key
        assert "optimizer.beam" in str(err)
    else:
        raise AssertionError("unknown key accepted")


def test_budget_scaled_recipe():
    small = APOConfig.budget_scaled(300, 50)
    assert (small.beam_size, small.max_successors, small.minibatch_size) == (2, 3, 10)
    assert (small.samples_per_eval, small.arms_per_round, small.bandit_rounds) == (5, 4, 2)
    assert APOConfig.budget_scaled(300, 50, selector="brute_force").selector == "brute_force"
    big = APOConfig.budget_scaled(20000, 50)
    assert (big.beam_size, big.max_successors, big.minibatch_size, big.samples_per_eval) == (4, 8, 64, 32)
