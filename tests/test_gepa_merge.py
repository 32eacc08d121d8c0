"""System-aware merge: ancestry, component choice, pair bookkeeping, stratified check, end to end."""

from __future__ import annotations

import random

from gepa_fakes import FakeContext, KeywordProgram, examples
from paretoprompt.optimizers.gepa import GEPA, GEPAConfig
from paretoprompt.optimizers.gepa.merge import (
    changed_components,
    find_merge,
    merge_texts,
    stratified_subsample,
)
from paretoprompt.optimizers.gepa.pool import CandidatePool
from paretoprompt.programs.base import candidate_id

ANC = {"x": "x0", "y": "y0", "z": "z0"}


def test_changed_components_by_text():
    assert changed_components({"x": "x1", "y": "y0", "z": "z2"}, ANC) == ["x", "z"]
    assert changed_components(ANC, ANC) == []


def test_merge_takes_each_component_from_the_side_that_changed_it():
    a = {"x": "x1", "y": "y0", "z": "z0"}
    b = {"x": "x0", "y": "y0", "z": "z2"}
    assert merge_texts(a, b, ANC) == {"x": "x1", "y": "y0", "z": "z2"}
    assert merge_texts(b, a, ANC) == {"x": "x1", "y": "y0", "z": "z2"}


def test_merge_refuses_overlap_or_an_unchanged_side():
    a = {"x": "x1", "y": "y0", "z": "z0"}
    assert merge_texts(a, {"x": "x9", "y": "y2", "z": "z0"}, ANC) is None
    assert merge_texts(a, ANC, ANC) is None


def lineage_pool() -> CandidatePool:
    """s -> a1 (changes x) -> a2 (changes x, y); s -> b1 (changes z); c merges a2 and b1."""
    pool = CandidatePool()
    pool.add("s", ANC, [], [0.0, 0.0, 0.0, 0.0])
    pool.add("a1", {"x": "x1", "y": "y0", "z": "z0"}, ["s"], [1.0, 0.0, 0.0, 0.0])
    pool.add("b1", {"x": "x0", "y": "y0", "z": "z1"}, ["s"], [0.0, 1.0, 0.0, 0.0])
    pool.add("a2", {"x": "x2", "y": "y2", "z": "z0"}, ["a1"], [1.0, 0.0, 1.0, 0.0])
    pool.add("c", {"x": "x2", "y": "y2", "z": "z3"}, ["a2", "b1"], [1.0, 1.0, 1.0, 0.0])
    return pool


def test_ancestors_follow_every_parent_newest_first():
    pool = lineage_pool()
    assert pool.ancestors("c") == ["a2", "b1", "a1", "s"]
    assert pool.ancestors("a2") == ["a1", "s"]
    assert pool.ancestors("s") == []


def test_find_merge_uses_the_shared_ancestor_and_marks_the_pair():
    pool = lineage_pool()
    tried: set[tuple[str, str]] = set()
    plan = find_merge(pool, ["a2", "b1"], tried, random.Random(0))
    assert plan is not None
    assert (plan.a, plan.b, plan.ancestor) == ("a2", "b1", "s")
    # a2 changed x and y relative to s, b1 changed z
    assert plan.candidate == {"x": "x2", "y": "y2", "z": "z1"}
    assert tried == {("a2", "b1")}
    assert find_merge(pool, ["a2", "b1"], tried, random.Random(0)) is None


def test_find_merge_skips_ancestors_better_than_a_descendant():
    pool = lineage_pool()
    pool.val["s"] = (1.0, 1.0, 1.0, 1.0)
    assert find_merge(pool, ["a2", "b1"], set(), random.Random(0)) is None


def test_find_merge_skips_a_merge_already_in_the_pool():
    pool = lineage_pool()
    merged = {"x": "x2", "y": "y2", "z": "z1"}
    pool.add(candidate_id(merged), merged, ["a2", "b1"], [0.0] * 4)
    assert find_merge(pool, ["a2", "b1"], set(), random.Random(0)) is None


def test_linear_lineage_has_no_merge():
    pool = lineage_pool()
    # a1 is a2's ancestor: their only common ancestor is s, and both changed x
    assert find_merge(pool, ["a1", "a2"], set(), random.Random(0)) is None


def test_stratified_subsample_draws_from_each_stratum_in_turn():
    a = [1, 1, 1, 0, 0, 0.5, 0.5]
    b = [0, 0, 0, 1, 1, 0.5, 0.5]
    picked = stratified_subsample(a, b, 3, random.Random(0))
    assert len(picked) == 3
    assert (
        sum(i < 3 for i in picked) == 1
        and sum(3 <= i < 5 for i in picked) == 1
        and sum(i >= 5 for i in picked) == 1
    )
    assert stratified_subsample(a, b, 20, random.Random(0)) == list(range(7))


def merge_ctx(seed: int) -> FakeContext:
    return FakeContext(
        train=examples("t", ["alpha", "beta", "alpha", "beta"]),
        val=examples("v", ["alpha", "beta", "gamma", "alpha", "beta"]),
        program=KeywordProgram({"a": "Think of gamma.", "b": "Start here."}),
        reflection=[
            "<instruction>Mention alpha in every answer.</instruction>",
            "<instruction>Mention beta in every answer.</instruction>",
        ],
        seed=seed,
    )


def test_merge_end_to_end_with_exact_rollouts():
    ctx = merge_ctx(seed=0)
    cfg = GEPAConfig(merge=True, minibatch_size=4, merge_subsample=3, max_iterations=2)
    out = GEPA(cfg).optimize(ctx)
    seed = {"a": "Think of gamma.", "b": "Start here."}
    a = {"a": "Mention alpha in every answer.", "b": "Start here."}
    b = {"a": "Think of gamma.", "b": "Mention beta in every answer."}
    merged = {"a": "Mention alpha in every answer.", "b": "Mention beta in every answer."}
    ids = {name: candidate_id(c) for name, c in (("seed", seed), ("a", a), ("b", b), ("m", merged))}

    # both iterations reflect on the seed: round-robin gives component a, then b
    assert [(it["parent"], it["component"]) for it in ctx.kinds("iteration")] == [
        (ids["seed"], "a"),
        (ids["seed"], "b"),
    ]
    first, second = ctx.kinds("merge")
    assert first == {"outcome": "no_pair"}  # seed and its child share no ancestor
    assert (second["outcome"], second["a"], second["b"], second["ancestor"]) == (
        "accepted",
        ids["a"],
        ids["b"],
        ids["seed"],
    )
    assert second["child"] == ids["m"]
    assert (second["merged_sum"], second["best_parent_sum"]) == (3.0, 2.0)
    assert ctx.added[ids["m"]] == (merged, [ids["a"], ids["b"]], "merge")
    assert out.best_candidate_id == ids["m"]
    assert (out.notes["merges_tried"], out.notes["merges_accepted"]) == (1, 1)
    # seed val 5 (seed mb sum 0) | it1: mb 4 + child 1 (its first answer scores), val 5
    # | it2: seed mb cached, child 2 (the first scores 0, the second 1), val 5
    # | merge: 3 on the subsample, then only the 2 other val examples
    assert dict(ctx.rollouts) == {"validation": 5 + 5 + 5 + 2, "minibatch": 4 + 1 + 2, "merge": 3}


def test_merge_respects_max_merges_and_default_off():
    ctx = merge_ctx(seed=0)
    GEPA(GEPAConfig(minibatch_size=4, max_iterations=2)).optimize(ctx)
    assert ctx.kinds("merge") == []
    ctx = merge_ctx(seed=0)
    GEPA(GEPAConfig(merge=True, max_merges=0, minibatch_size=4, max_iterations=2)).optimize(ctx)
    assert ctx.kinds("merge") == []


def test_merge_on_a_one_component_program_warns_that_it_cannot_fire(caplog):
    one = FakeContext(
        train=examples("t", ["alpha"]),
        val=examples("v", ["alpha"]),
        program=KeywordProgram({"instruction": "Start here."}),
        reflection=["<instruction>Mention alpha in every answer.</instruction>"],
    )
    with caplog.at_level("WARNING"):
        GEPA(GEPAConfig(merge=True, max_iterations=1)).optimize(one)
    assert [r.getMessage() for r in caplog.records] == [
        "merge is on, but the program has one component (instruction): no merge can happen"
    ]
    caplog.clear()
    with caplog.at_level("WARNING"):
        GEPA(GEPAConfig(merge=True, max_iterations=1)).optimize(merge_ctx(seed=0))
    assert caplog.records == []
