"""The GEPA loop end to end on a scripted context: events, exact rollout counts, memory, budget, merge."""

from __future__ import annotations

import re

from gepa_fakes import FakeContext, KeywordProgram, examples
from paretoprompt.optimizers.gepa import GEPA, GEPAConfig
from paretoprompt.programs.base import candidate_id

SEED = {"instruct": "Mark items, consider delta."}
ASK = "<instruction>Certainly! Please provide the inputs for the instruction.</instruction>"
NO_BETA = "<instruction>Mark items, consider delta and gamma.</instruction>"
GOOD = "<instruction>Mention beta and alpha for each item, consider delta.</instruction>"


def three_iteration_ctx(script, **kw) -> FakeContext:
    return FakeContext(
        train=examples("t", ["beta"] * 9),
        val=examples("v", ["alpha", "delta", "beta", "alpha"]),
        program=KeywordProgram(SEED),
        reflection=script,
        **kw,
    )


def test_known_run_events_and_exact_rollouts():
    ctx = three_iteration_ctx([ASK, NO_BETA, GOOD])
    out = GEPA(GEPAConfig(proposal_retries=0, selection="current_best", max_iterations=3)).optimize(ctx)
    seed_id = candidate_id(SEED)
    child = {"instruct": "Mention beta and alpha for each item, consider delta."}
    child_id = candidate_id(child)

    # seed val 4 | it1: parent mb 3, malformed (free) | it2: parent 3 (sum 0) + child 3, rejected: the
    # child must miss all three to lose | it3: parent 3 + child 1 (its first hit already beats 0),
    # accepted, + child val 4
    assert dict(ctx.rollouts) == {"validation": 4 + 4, "minibatch": 3 + 6 + 4}
    assert out.best_candidate_id == child_id
    assert out.notes["stopped_by"] == "max_iterations"
    assert {k: out.notes[k] for k in ("iterations", "accepted", "rejected", "malformed", "skipped")} == {
        "iterations": 3,
        "accepted": 1,
        "rejected": 1,
        "malformed": 1,
        "skipped": 0,
    }
    assert out.notes["front"] == {child_id: 4}
    assert ctx.added == {seed_id: (SEED, [], "seed"), child_id: (child, [seed_id], "reflection")}

    assert ctx.kinds("iteration") == [{"n": n, "parent": seed_id, "component": "instruct"} for n in (1, 2, 3)]
    proposals = ctx.kinds("proposal")
    assert [p["outcome"] for p in proposals] == ["malformed", "rejected", "accepted"]
    assert proposals[0]["reason"] == "asks_for_input"
    assert proposals[0]["raw"] == ASK
    rejected = proposals[1]
    assert (rejected["parent_sum"], rejected["child_sum"], rejected["child_scored"]) == (0.0, 0.0, 3)
    assert rejected["texts"] == {"instruct": "Mark items, consider delta and gamma."}
    accepted = proposals[2]
    assert (accepted["parent_sum"], accepted["child_sum"], accepted["child_scored"]) == (0.0, 1.0, 1)
    assert accepted["val_mean"] == 1.0


def test_rejected_proposal_is_shown_in_the_next_meta_prompt():
    ctx = three_iteration_ctx([ASK, NO_BETA, GOOD])
    GEPA(GEPAConfig(proposal_retries=0, selection="current_best", max_iterations=3)).optimize(ctx)
    prompts = ctx.prompts()
    assert len(prompts) == 3
    assert "ALREADY TRIED" not in prompts[0] and "ALREADY TRIED" not in prompts[1]
    assert '- """\nMark items, consider delta and gamma.\n""" scored 0/3, current 0/3' in prompts[2]
    # the request is the last thing the model reads
    assert prompts[2].endswith("<instruction>Your new instruction.</instruction>")
    assert "FIXED FORMAT" in prompts[2] and "Answer yes or no." in prompts[2]
    assert "feedback: wrong: mention beta" in prompts[2]


def test_repeat_of_a_rejected_proposal_costs_no_rollouts():
    ctx = three_iteration_ctx([NO_BETA, NO_BETA, GOOD])
    GEPA(GEPAConfig(proposal_retries=0, selection="current_best", max_iterations=3)).optimize(ctx)
    proposals = ctx.kinds("proposal")
    assert [p["outcome"] for p in proposals] == ["rejected", "duplicate", "accepted"]
    assert proposals[1]["reason"] == "rejected_before"
    # seed val 4 | it1: parent 3 + child 3 | it2: parent 3 only | it3: parent 3 + child 1 + child val 4
    assert dict(ctx.rollouts) == {"validation": 4 + 4, "minibatch": 6 + 3 + 4}


def test_malformed_or_duplicate_proposal_is_retried_on_the_same_minibatch():
    ctx = three_iteration_ctx([ASK, NO_BETA, NO_BETA, GOOD])
    GEPA(GEPAConfig(proposal_retries=1, selection="current_best", max_iterations=2)).optimize(ctx)
    assert [p["outcome"] for p in ctx.kinds("proposal")] == ["malformed", "rejected", "duplicate", "accepted"]
    assert len(ctx.kinds("iteration")) == 2
    # seed val 4 | it1: parent 3, malformed, retry: child 3 rejected
    # | it2: parent 3, duplicate, retry: child 1 + child val 4 accepted
    assert dict(ctx.rollouts) == {"validation": 4 + 4, "minibatch": 6 + 4}

    temperatures = [params.temperature for _, params, _ in ctx.backend.requests]
    assert temperatures == [0.7, 1.0, 0.7, 1.0]  # each iteration's retry samples 0.3 hotter
    # it2 copied the text its meta-prompt listed as already tried; its retry is asked without the list
    prompts = ctx.prompts()
    assert "ALREADY TRIED" in prompts[2] and "ALREADY TRIED" not in prompts[3]


def test_reflection_params_stop_at_closing_tag():
    ctx = three_iteration_ctx([GOOD])
    GEPA(GEPAConfig(max_iterations=1, reflection_max_tokens=123, reflection_temperature=0.0)).optimize(ctx)
    ((_, params, _),) = ctx.backend.requests
    assert (params.max_tokens, params.temperature, params.stop, params.seed) == (
        123,
        0.0,
        ("</instruction>",),
        None,
    )


def test_equal_sum_accepted_only_when_non_strict():
    strict = three_iteration_ctx([NO_BETA])
    GEPA(GEPAConfig(max_iterations=1)).optimize(strict)
    assert strict.kinds("proposal")[0]["outcome"] == "rejected"
    loose = three_iteration_ctx([NO_BETA])
    out = GEPA(GEPAConfig(max_iterations=1, acceptance="improves_or_equal")).optimize(loose)
    assert loose.kinds("proposal")[0]["outcome"] == "accepted"
    # the seed scores 0 on the minibatch, so under ">=" any child passes before a single rollout
    assert dict(loose.rollouts) == {"validation": 8, "minibatch": 3}
    # the child ties the seed on validation: the newer candidate is best
    assert out.best_candidate_id == candidate_id({"instruct": "Mark items, consider delta and gamma."})


def test_budget_stop_returns_best_so_far():
    ctx = three_iteration_ctx([ASK, NO_BETA, GOOD], budget=20)
    out = GEPA(GEPAConfig(proposal_retries=0, selection="current_best")).optimize(ctx)
    # 4 + 3 + 6 + 4 = 17 used when it3's child passes its minibatch; its 4 validation rollouts do not fit
    assert ctx.used == 17
    assert out.notes["stopped_by"] == "BudgetExhausted"
    assert out.best_candidate_id == candidate_id(SEED)
    assert [p["outcome"] for p in ctx.kinds("proposal")] == ["malformed", "rejected"]


def test_perfect_minibatch_is_skipped_without_reflection():
    ctx = FakeContext(
        train=examples("t", ["delta"] * 6),
        val=examples("v", ["delta", "alpha"]),
        program=KeywordProgram(SEED),
        reflection=[],
    )
    out = GEPA(GEPAConfig(max_idle_iterations=4)).optimize(ctx)
    assert ctx.backend.calls == 0
    assert out.notes["stopped_by"] == "idle_iterations"
    # two fresh minibatches cover the 6 train examples; the next 4 are cached, free and idle
    assert [p["reason"] for p in ctx.kinds("proposal")] == ["perfect"] * 6
    assert dict(ctx.rollouts) == {"validation": 2, "minibatch": 6}


def specialist_reflection(messages, params):
    """Proposes an instruction naming only the last keyword a feedback line asks for, so lineages specialize."""
    wanted = re.findall(r"feedback: wrong: mention (\w+)", messages[-1]["content"])
    return f"<instruction>Always mention {wanted[-1]} in each answer.</instruction>" if wanted else "no"


def pareto_ctx(seed: int) -> FakeContext:
    keys = ["alpha", "beta", "gamma", "kappa", "omega", "sigma"]
    return FakeContext(
        train=examples("t", keys * 2),
        val=examples("v", keys),
        program=KeywordProgram(SEED),
        reflection=specialist_reflection,
        seed=seed,
        budget=120,
    )


def test_pareto_run_is_deterministic_and_accounts_every_rollout():
    runs = []
    for _ in range(2):
        ctx = pareto_ctx(seed=5)
        out = GEPA(GEPAConfig(max_iterations=60)).optimize(ctx)
        runs.append((ctx.events, out, dict(ctx.rollouts)))
        # it stops once the 120-rollout budget cannot pay for a child (minibatch 3 + validation 6)
        assert out.notes["stopped_by"] == "budget_below_child_cost"
        assert 120 - 9 < ctx.used <= 120
        for cid, (_, parents, origin) in ctx.added.items():
            assert origin in ("seed", "reflection")
            assert all(p in ctx.added for p in parents), cid
        assert out.notes["accepted"] == len(ctx.added) - 1 >= 2
        assert ctx.rollouts["validation"] == 6 * len(ctx.added)
        assert len(out.notes["front"]) >= 2
        iterations = ctx.kinds("iteration")
        assert len({it["parent"] for it in iterations}) >= 3, "Pareto sampling visits several parents"
    assert runs[0] == runs[1]
    other = pareto_ctx(seed=6)
    GEPA(GEPAConfig(max_iterations=60)).optimize(other)
    assert other.events != runs[0][0]


def test_all_components_mode_reflects_on_each():
    program = KeywordProgram({"a": "Start here now please.", "b": "Then finish the work."})
    ctx = FakeContext(
        train=examples("t", ["alpha", "beta", "alpha"]),
        val=examples("v", ["alpha", "beta"]),
        program=program,
        reflection=[
            "<instruction>Start here and mention alpha.</instruction>",
            "<instruction>Then finish and mention beta.</instruction>",
        ],
    )
    out = GEPA(GEPAConfig(component_selection="all", max_iterations=1)).optimize(ctx)
    (it,) = ctx.kinds("iteration")
    assert it["component"] == "a+b"
    (prop,) = ctx.kinds("proposal")
    assert prop["outcome"] == "accepted"
    assert prop["texts"] == {"a": "Start here and mention alpha.", "b": "Then finish and mention beta."}
    assert out.notes["front"] == {prop["child"]: 2}


def test_reflection_that_never_yields_an_instruction_stops_after_idle_iterations():
    ctx = FakeContext(
        train=examples("t", ["beta"] * 3),
        val=examples("v", ["alpha", "beta"]),
        program=KeywordProgram(SEED),
        reflection=lambda messages, params: "Certainly! Please provide the inputs.",
    )
    out = GEPA(GEPAConfig(proposal_retries=0, max_idle_iterations=5, minibatch_size=3)).optimize(ctx)
    assert out.notes["stopped_by"] == "idle_iterations"
    # iteration 1 scores the parent's minibatch (3 rollouts); iterations 2-6 are free and idle
    assert out.notes["iterations"] == 6 and out.notes["malformed"] == 6
    assert dict(ctx.rollouts) == {"validation": 2, "minibatch": 3}


def test_retry_after_a_malformed_proposal_still_lists_what_was_tried():
    ctx = three_iteration_ctx([NO_BETA, ASK, GOOD])
    GEPA(GEPAConfig(proposal_retries=1, selection="current_best", max_iterations=2)).optimize(ctx)
    assert [p["outcome"] for p in ctx.kinds("proposal")] == ["rejected", "malformed", "accepted"]
    prompts = ctx.prompts()
    assert "ALREADY TRIED" in prompts[1] and "ALREADY TRIED" in prompts[2]


def test_child_that_cannot_catch_up_stops_after_one_rollout_and_is_listed_as_such():
    # the seed mentions delta: 2/3 on any order of this minibatch; the child mentions neither key
    ctx = FakeContext(
        train=examples("t", ["delta", "beta", "delta"]),
        val=examples("v", ["alpha", "delta"]),
        program=KeywordProgram(SEED),
        reflection=["<instruction>List every item and consider gamma.</instruction>", NO_BETA],
    )
    GEPA(GEPAConfig(proposal_retries=0, max_iterations=2)).optimize(ctx)
    first, second = ctx.kinds("proposal")
    # after its first miss the child can reach at most 2, which does not beat the parent's 2
    assert (first["outcome"], first["parent_sum"], first["child_sum"], first["child_scored"]) == (
        "rejected",
        2.0,
        0.0,
        1,
    )
    # it2 draws the same three examples in a new order (t0, t2, t1): the parent's rollouts are cached;
    # NO_BETA scores 1 wherever the parent does, so only its last (beta) answer settles the tie
    assert (second["outcome"], second["child_sum"], second["child_scored"]) == ("rejected", 2.0, 3)
    assert dict(ctx.rollouts) == {"validation": 2, "minibatch": 3 + 1 + 3}
    # the reflection model is told how the child did on the cases it was scored on, against the
    # parent on those same cases (here t2, a delta example the parent got right)
    assert '- """\nList every item and consider gamma.\n""" scored 0/1, current 1/1' in ctx.prompts()[1]
