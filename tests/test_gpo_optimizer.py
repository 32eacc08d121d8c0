"""The GPO loop with scripted reflections: adoption, edit budget, screening, budget, zero-cost stop."""

from __future__ import annotations

import pytest

from gepa_fakes import FakeContext, KeywordProgram, examples
from paretoprompt.errors import UserError
from paretoprompt.optimizers.gpo import GPO, GPOConfig
from paretoprompt.optimizers.gpo.embeddings import TFIDF_NAME
from paretoprompt.optimizers.registry import make_optimizer
from paretoprompt.programs.base import candidate_id

SEED = "Mark the items carefully please."
VAL = ["alpha", "beta", "gamma", "delta"]


def fenced(text: str) -> str:
    return f"<prompt>{text}</prompt>"


def make_ctx(reflection, *, seed=None, budget=50, **kw) -> FakeContext:
    return FakeContext(
        train=examples("tr", ["alpha", "beta", "gamma"]),
        val=examples("va", VAL),
        program=KeywordProgram(seed or {"instruction": SEED}),
        reflection=reflection,
        budget=budget,
        **kw,
    )


def run(ctx: FakeContext, **options):
    options.setdefault("embedder", "tfidf")
    return GPO(GPOConfig(**options)).optimize(ctx)


def cid(text: str) -> str:
    return candidate_id({"instruction": text})


def test_two_steps_best_new_candidate_adopted_even_if_worse():
    r1, r2, r6 = (
        "Mark the items carefully please alpha.",
        "Mark the items alpha beta carefully please.",
        "Mark the items alpha carefully please.",
    )
    script = [
        fenced(r1),
        fenced(r2),
        "I think you should mention alpha.",  # step 0: budget 50
        fenced(r2),
        fenced("Completely different words here that go on and on and on forever now."),
        fenced(r6),  # step 1: budget 10; r6 scores 25 < 50 but is the best new one
    ]
    ctx = make_ctx(script)
    out = run(ctx, candidates_per_step=3, max_steps=2, retrieval="recency", exemplars=1)
    assert out.best_candidate_id == cid(r2)
    n = out.notes
    assert (n["steps"], n["stopped_by"], n["accepted"], n["rejected"], n["malformed"], n["duplicate"]) == (
        2,
        "max_steps",
        2,
        1,
        3,
        0,
    )
    assert n["edit_budgets"] == [50, 10] and n["embedder"] == "none (retrieval=recency)"
    assert n["trajectory_length"] == 4 and n["scoring_set"] == "val"
    assert dict(ctx.rollouts) == {"validation": 16}
    assert [(p[1], p[2]) for p in ctx.added.values()] == [
        ([], "seed"),
        ([cid(SEED)], "gpo"),
        ([cid(SEED)], "gpo"),
        ([cid(r2)], "gpo"),
    ]
    proposals = [(p["outcome"], p.get("reason"), p.get("child")) for p in ctx.kinds("proposal")]
    assert proposals == [
        ("malformed", "no_fence", None),
        ("rejected", None, cid(r1)),
        ("accepted", None, cid(r2)),
        ("malformed", "same_as_current", None),
        ("malformed", "edit_budget", None),
        ("accepted", None, cid(r6)),
    ]
    over = ctx.kinds("proposal")[4]
    assert (over["distance"], over["edit_budget"], over["detail"]) == (13, 10, "changed 13 words > 10")
    assert [s["retrieved"] for s in ctx.kinds("step")] == [[], [cid(SEED), cid(r1)]]
    step0, step1 = ctx.prompts()[0], ctx.prompts()[3]
    assert "EARLIER INSTRUCTIONS" not in step0 and "Change at most 50 words" in step0
    assert "expected answer:" in step0 and "TASK: Mark items." in step0 and "Answer yes or no." in step0
    assert f'Score 0:\n"""\n{SEED}\n"""\nScore 25:\n"""\n{r1}' in step1
    assert (
        f'CURRENT INSTRUCTION (score 50 of 100):\n"""\n{r2}' in step1 and "Change at most 10 words" in step1
    )
    params = [p for _, p, _ in ctx.backend.requests]
    assert {(p.temperature, p.stop) for p in params} == {(0.7, ("</prompt>",))}
    assert [p.seed - params[0].seed for p in params[:3]] == [0, 1, 2]  # distinct sample indices


def test_screening_on_a_val_subsample_registers_only_winners():
    script = [fenced(f"{SEED} {w}") for w in ("alpha", "beta gamma", "delta")]
    ctx = make_ctx(script)
    out = run(ctx, candidates_per_step=3, max_steps=1, val_subsample=2, retrieval="importance")
    screen = ctx.kinds("gpo_setup")[0]["scoring_set"]
    assert len(screen) == 2 and set(screen) <= {f"va{i}" for i in range(4)}
    assert dict(ctx.rollouts) == {"validation": 4 + 2, "screen": 6}
    assert len(ctx.added) == 2 and out.notes["scoring_set"] == "fixed val subsample of 2"
    accepted = ctx.kinds("proposal")[[p["outcome"] for p in ctx.kinds("proposal")].index("accepted")]
    assert accepted["child"] in ctx.added and accepted["val_mean"] is not None
    assert out.best_candidate_id == accepted["child"]  # every proposal names a key: beats the seed's 0


def test_budget_is_respected_and_the_horizon_comes_from_it():
    script = [fenced(f"{SEED} {w}") for w in ("alpha", "beta", "gamma")]
    ctx = make_ctx(script, budget=10)
    out = run(ctx, candidates_per_step=3, retrieval="recency")
    assert out.notes["horizon"] == 1 and out.notes["stopped_by"] == "BudgetExhausted"
    assert ctx.used == 8 <= 10
    assert out.best_candidate_id == cid(f"{SEED} alpha")


def test_zero_cost_proposals_stop_the_run():
    ctx = make_ctx(lambda messages, params: "No idea, sorry.")
    out = run(ctx, candidates_per_step=3, max_steps=50, max_zero_cost_proposals=5, retrieval="recency")
    assert out.notes["stopped_by"] == "zero_cost_proposals" and out.notes["steps"] == 2
    assert ctx.kinds("stop") == [{"reason": "zero_cost_proposals", "proposals": 6}]
    assert ctx.used == 4 and out.best_candidate_id == cid(SEED)


def test_duplicates_are_free_and_count_as_zero_cost():
    ctx = make_ctx([fenced(f"{SEED} alpha")] * 3)
    out = run(ctx, candidates_per_step=3, max_steps=1, retrieval="recency")
    assert (out.notes["accepted"], out.notes["duplicate"]) == (1, 2) and ctx.used == 8


def test_multi_module_round_robin():
    seed = {"a": "First part of the prompt.", "b": "Second part of the prompt."}
    ctx = make_ctx(
        [fenced("First part of the prompt alpha."), fenced("Second part of the prompt beta.")], seed=seed
    )
    out = run(ctx, candidates_per_step=1, max_steps=2, retrieval="recency")
    assert [s["component"] for s in ctx.kinds("step")] == ["a", "b"]
    assert 'CURRENT INSTRUCTION (score 0 of 100):\n"""\nFirst part' in ctx.prompts()[0]
    assert 'Second part of the prompt.\n"""' in ctx.prompts()[1]
    best = {"a": "First part of the prompt alpha.", "b": "Second part of the prompt beta."}
    assert out.best_candidate_id == candidate_id(best) and ctx.added[candidate_id(best)][0] == best


def test_relevance_names_the_embedder_and_exemplar_feedback_costs_rollouts():
    ctx = make_ctx([fenced(f"{SEED} alpha"), fenced(f"{SEED} alpha beta")])
    out = run(
        ctx, candidates_per_step=1, max_steps=2, exemplars=2, exemplar_feedback=True, update_method="editing"
    )
    assert out.notes["embedder"] == TFIDF_NAME and ctx.kinds("gpo_setup")[0]["embedder"] == TFIDF_NAME
    assert ctx.rollouts["exemplars"] == 4
    assert "output with the current instruction:" in ctx.prompts()[0]
    assert "edit the current instruction" in ctx.prompts()[0]
    assert ctx.kinds("step")[1]["retrieved"] == [cid(SEED)]


def test_unlimited_budget_needs_max_steps_and_warmup_must_fit():
    with pytest.raises(UserError, match=r"gpo\.max_steps"):
        run(make_ctx([], budget=None))
    with pytest.raises(UserError, match=r"gpo\.warmup_steps: 2 is not below the 1 steps"):
        run(make_ctx([], budget=10), warmup_steps=2)


def test_registered_under_gpo():
    optimizer = make_optimizer("gpo", {"retrieval": "recency", "candidates_per_step": 2})
    assert isinstance(optimizer, GPO) and optimizer.config.candidates_per_step == 2
    with pytest.raises(UserError, match=r"optimizer\.schedule"):
        make_optimizer("gpo", {"schedule": "exp"})
