"""Plan expansion: order, run directories, matched budgets, layered options, budget scaling and
ablation variants (duplicates of the default run collapse), and config validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from compare_fixtures import ToyOptions  # noqa: F401  (registers the "ctoy" optimizer and "ctask" task)
from paretoprompt.compare import variants
from paretoprompt.compare.config import load_compare_config, parse_compare_config
from paretoprompt.compare.plan import expand
from paretoprompt.compare.scaling import scaled_defaults
from paretoprompt.errors import UserError


def plan(**kw):
    return expand(parse_compare_config({"tasks": ["ctask"], "out": "OUT", **kw}))


def test_two_tasks_need_distinct_labels():
    with pytest.raises(UserError, match="compare: tasks: 'ctask' is listed twice"):
        plan(tasks=["ctask", {"name": "ctask", "seeds": 1}])


def test_order_is_task_seed_optimizer_and_configs_are_complete():
    p = plan(
        optimizers=["seed", "ctoy"],
        seeds=2,
        budget=40,
        sizes={"train": 5, "val": 3, "test": 2},
        lm={"task": "local/a", "reflection": "local/b"},
    )
    assert [(r.task, r.label, r.seed) for r in p.runs] == [
        ("ctask", "seed", 0),
        ("ctask", "ctoy", 0),
        ("ctask", "seed", 1),
        ("ctask", "ctoy", 1),
    ]
    assert [r.run_dir for r in p.runs] == [
        Path("OUT/ctask/seed/seed0"),
        Path("OUT/ctask/ctoy/seed0"),
        Path("OUT/ctask/seed/seed1"),
        Path("OUT/ctask/ctoy/seed1"),
    ]
    c = p.runs[1].config
    assert (c.budget.rollouts, c.seed, c.optimizer.name, c.run_dir) == (40, 0, "ctoy", "OUT/ctask/ctoy/seed0")
    assert (c.task.name, c.task.sizes.val, c.lm.task, c.lm.reflection) == ("ctask", 3, "local/a", "local/b")
    assert all(r.config.budget.rollouts == 40 for r in p.runs)


def test_per_task_seeds_and_sizes_override_the_top_level(tmp_path):
    (tmp_path / "c.toml").write_text(
        'optimizers = ["seed"]\nseeds = 3\n[[tasks]]\nname = "ctask"\n'
        '[[tasks]]\nfile = "data/d.jsonl"\ninput_fields = ["q"]\nanswer_field = "a"\nseeds = 1\n'
        "sizes = { train = 4, val = 2, test = 1 }\n"
    )
    p = expand(parse_compare_config(load_compare_config(tmp_path / "c.toml")))
    assert [(r.task, r.seed) for r in p.runs] == [("ctask", 0), ("ctask", 1), ("ctask", 2), ("d", 0)]
    d = p.runs[-1].config.task
    assert d.file == str(tmp_path / "data" / "d.jsonl") and d.sizes.val == 2
    assert p.runs[0].config.task.sizes is None  # the task's own default sizes


def test_gepa_ablation_variants_that_equal_the_default_collapse():
    p = plan(optimizers=["gepa"], seeds=1, ablation=True)
    assert [(r.label, r.factor, dict(r.options)) for r in p.runs] == [
        ("gepa", None, {}),
        ("gepa-current-best", "selection", {"selection": "current_best"}),
        ("gepa-merge-on", "merge", {"merge": True}),
        ("gepa-minibatch8", "minibatch", {"minibatch_size": 8}),
    ]


def test_user_options_sit_under_variants():
    p = plan(optimizers=["gepa"], seeds=1, ablation=True, options={"gepa": {"minibatch_size": 5}})
    labels = {r.label: dict(r.options) for r in p.runs}
    assert labels["gepa"] == {"minibatch_size": 5}
    assert labels["gepa-minibatch3"] == {"minibatch_size": 3} and labels["gepa-minibatch8"] == {
        "minibatch_size": 8
    }
    assert labels["gepa-merge-on"] == {"minibatch_size": 5, "merge": True}


SIZES = {"train": 100, "val": 50, "test": 300}


def test_apo_options_come_from_its_budget_recipe_and_its_selector_variants():
    p = plan(optimizers=["apo"], seeds=1, budget=300, sizes=SIZES, ablation=True)
    note = p.scaling[0]
    assert (note.optimizer, note.val_size) == ("apo", 50) and "budget_scaled" in note.rule
    # P = (300 - 50) / 3 = 83 < 8 V: beam 2, minibatch 83 // 8, samples 83 // 16, rounds 83 / 2 / (5 * 4)
    assert {
        k: note.applied[k]
        for k in (
            "beam_size",
            "max_successors",
            "minibatch_size",
            "samples_per_eval",
            "arms_per_round",
            "bandit_rounds",
        )
    } == {
        "beam_size": 2,
        "max_successors": 3,
        "minibatch_size": 10,
        "samples_per_eval": 5,
        "arms_per_round": 4,
        "bandit_rounds": 2,
    }
    assert [(r.label, r.options.get("selector")) for r in p.runs] == [
        ("apo", None),
        ("apo-successive-rejects", "successive_rejects"),
        ("apo-brute-force", "brute_force"),
    ]
    assert all(dict(r.options, selector=None) == dict(note.applied, selector=None) for r in p.runs)


def test_gpo_options_come_from_its_budget_recipe_and_its_variants():
    p = plan(optimizers=["gpo"], seeds=1, budget=300, sizes=SIZES, ablation=True)
    assert p.scaling[0].applied == {"candidates_per_step": 7, "val_subsample": 5}
    assert [r.label for r in p.runs] == ["gpo", "gpo-linear", "gpo-constant", "gpo-recency", "gpo-editing"]


def test_scaling_rule_values():
    assert scaled_defaults("gepa", budget=300, val_size=50) == {}
    assert scaled_defaults("seed", budget=300, val_size=50) == {}
    big = scaled_defaults("apo", budget=20000, val_size=50)
    assert (big["beam_size"], big["minibatch_size"], big["samples_per_eval"]) == (4, 64, 32)


def test_a_variant_with_a_wrong_option_name_fails_at_plan_time(monkeypatch):
    monkeypatch.setitem(variants.ABLATIONS, "gepa", (variants.Variant("typo", "x", {"selecton": "pareto"}),))
    with pytest.raises(UserError, match=r"ablation variant gepa-typo\.selecton: Extra inputs"):
        plan(optimizers=["gepa"], ablation=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"optimizers": ["seed", "seed"]}, "optimizers: Value error, 'seed' is listed twice"),
        ({"optimizers": ["seed"], "options": {"gepa": {}}}, "options given for 'gepa'"),
        ({"seeds": 0}, "seeds: Input should be greater than or equal to 1"),
        ({"budget": 0}, "budget: Input should be greater than 0"),
        ({"optimizers": ["nope"]}, "unknown optimizer 'nope'"),
        ({"tasks": ["nope"]}, "unknown task 'nope'"),
        ({"tasks": []}, "tasks: List should have at least 1 item"),
        ({"budgett": 3}, "budgett: Extra inputs are not permitted"),
        ({"options": {"gepa": {"minibatch_size": 0}}, "optimizers": ["gepa"]}, "options.gepa.minibatch_size"),
    ],
)
def test_bad_config_is_one_user_error(data, message):
    with pytest.raises(UserError) as err:
        plan(**data)
    assert message.replace("Value error, ", "") in str(err.value) and "\n" not in str(err.value)
