"""Pure helpers of benchmarks/vs_gepa.py (argument parsing, venv stamp, table math, verdicts) and the
gepa side's adapter against a stub `gepa` module. No gepa venv, no real model, no network."""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from paretoprompt.evaluate import Evaluator
from paretoprompt.lm.client import LM
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.tasks.registry import get_task_spec
from paretoprompt.tasks.splits import SplitSizes

_BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, _BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


vs_gepa = _load("vs_gepa")


def cell(
    seed: float,
    best: float,
    *,
    wall: float = 10.0,
    proposals: int = 4,
    accepted: int = 1,
    malformed: int = 2,
    run_seed: int = 0,
):
    return {
        "seed": run_seed,
        "test": {"n": 20, "seed": seed, "best": best},
        "wall_seconds": wall,
        "proposals": proposals,
        "accepted": accepted,
        "malformed": malformed,
        "rollouts": 30,
        "lm_calls": {"task": 10, "reflection": 2},
    }


def test_defaults_match_the_issue() -> None:
    args = vs_gepa.parse_args([])
    assert (args.task_list, args.seeds, args.val, args.test, args.budget, args.minibatch) == (
        ["boolq", "asdiv"],
        3,
        50,
        300,
        200,
        3,
    )
    assert args.cell_dir.parent == vs_gepa.RECORDS and args.run_root.parent == vs_gepa.RUNS


def test_quick_mode_shrinks_everything() -> None:
    args = vs_gepa.parse_args(["--quick"])
    assert (args.task_list, args.seeds, args.val, args.test, args.budget) == (["boolq"], 1, 10, 20, 30)
    assert args.cell_dir.name == "quick"


def test_any_single_module_builtin_task_is_accepted() -> None:
    args = vs_gepa.parse_args(["--tasks", "asdiv,mmlu,word_sorting,boolq,sarcasm"])
    assert args.task_list == ["asdiv", "mmlu", "word_sorting", "boolq", "sarcasm"]
    tasks = vs_gepa.single_module_tasks()  # other test modules may register toy tasks too
    assert {"asdiv", "boolq", "mmlu", "sarcasm", "word_sorting"} <= set(tasks) and "ifbench" not in tasks
    assert tasks == sorted(tasks)


@pytest.mark.parametrize(
    ("tasks", "why"), [("asdiv,ifbench", "ifbench: multi-module program"), ("nope", "nope: unknown task")]
)
def test_multi_module_and_unknown_tasks_are_refused(
    tasks: str, why: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        vs_gepa.parse_args(["--tasks", tasks])
    err = capsys.readouterr().err
    assert why in err and f"single-module built-in tasks ({', '.join(vs_gepa.single_module_tasks())})" in err


def test_systems_pick_the_sides_to_run(capsys: pytest.CaptureFixture[str]) -> None:
    assert vs_gepa.parse_args([]).system_list == ["paretoprompt", "gepa"]
    assert vs_gepa.parse_args(["--systems", "gepa"]).system_list == ["gepa"]
    with pytest.raises(SystemExit):
        vs_gepa.parse_args(["--systems", "gepa,dspy"])
    assert "--systems: unknown dspy; choose from paretoprompt, gepa" in capsys.readouterr().err


def test_venv_stamp_names_the_recipe_and_outdates_the_old_one(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    recipe = vs_gepa.venv_recipe(tmp_path)
    assert recipe.startswith("gepa==0.1.4 xllamacpp==2026.10.11549 -e ")
    assert f"{tmp_path}[reasoning]" in recipe
    assert recipe != "gepa==0.1.4 xllamacpp==2026.10.11549\n"  # the pre-paretoprompt stamp reinstalls
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\ndependencies = ['y']\n")
    assert vs_gepa.venv_recipe(tmp_path) != recipe  # changed dependencies reinstall too


@dataclasses.dataclass
class _EvaluationBatch:  # the fields of gepa.core.adapter.EvaluationBatch the side uses
    outputs: list[Any]
    scores: list[float]
    trajectories: list[Any] | None = None


@pytest.fixture
def gepa_side(monkeypatch: pytest.MonkeyPatch) -> Any:
    """benchmarks/gepa_side.py imported against a stub `gepa` (the real one lives in its own venv)."""
    gepa = types.ModuleType("gepa")
    core = types.ModuleType("gepa.core")
    adapter = types.ModuleType("gepa.core.adapter")
    adapter.EvaluationBatch = _EvaluationBatch  # type: ignore[attr-defined]
    for name, module in (("gepa", gepa), ("gepa.core", core), ("gepa.core.adapter", adapter)):
        monkeypatch.setitem(sys.modules, name, module)
    module = _load("gepa_side")
    yield module
    sys.modules.pop("gepa_side", None)


def test_gepa_adapter_scores_like_our_evaluator(gepa_side: Any) -> None:
    spec = get_task_spec("asdiv")
    task, program = spec.load(0, SplitSizes(0, 0, 8)), spec.program()
    examples = list(task.splits.test)
    gold = {str(ex.inputs["question"]): ex.answer for ex in examples}

    def answer(messages: Any, params: Any) -> str:  # right on even gold answers, unparsable otherwise
        user = messages[-1]["content"]
        value = next(v for q, v in gold.items() if q in user)
        return f"So it is {value}.\nAnswer: {value}" if int(value) % 2 == 0 else "I do not know."

    candidate = {"instruction": "Work it out."}
    ours = Evaluator(task, program, LM(ScriptedBackend(answer))).evaluate(candidate, examples, split="test")
    counter = gepa_side.Counter()
    adapter = gepa_side.TaskAdapter(task, program, LM(ScriptedBackend(answer)), counter, 2)
    theirs = adapter.evaluate(examples, candidate, capture_traces=True)
    assert theirs.scores == [r.score for r in ours.rollouts]
    assert [t["feedback"] for t in theirs.trajectories] == [r.feedback for r in ours.rollouts]
    assert theirs.outputs == [r.prediction.trace[0].raw_output for r in ours.rollouts]
    assert {0.0, 1.0} <= set(theirs.scores)
    first = theirs.trajectories[0]
    assert first["input"] == ours.rollouts[0].prediction.trace[0].messages[-1]["content"]
    assert "Answer: <number>" in first["input"]  # the fixed output contract is part of what gepa sees
    assert counter.calls["task"] == len(examples)
    records = adapter.make_reflective_dataset(candidate, theirs, ["instruction"])["instruction"]
    assert records[0] == {
        "Inputs": first["input"],
        "Generated Outputs": first["output"],
        "Feedback": first["feedback"],
    }


def test_gepa_side_scores_a_best_equal_to_the_seed_once(gepa_side: Any) -> None:
    spec = get_task_spec("boolq")
    task, program = spec.load(0, SplitSizes(0, 0, 6)), spec.program()
    examples = list(task.splits.test)
    counter = gepa_side.Counter()
    adapter = gepa_side.TaskAdapter(task, program, LM(ScriptedBackend(lambda m, p: "true")), counter, 2)
    truth = sum(ex.answer == "true" for ex in examples) / len(examples)
    both = {"seed": truth, "best": truth}
    seed = program.seed_candidate()
    assert gepa_side.score_seed_and_best(adapter, examples, seed, dict(seed)) == both
    assert counter.calls["task"] == len(examples)
    other = {name: text + " Be careful." for name, text in seed.items()}
    assert gepa_side.score_seed_and_best(adapter, examples, seed, other) == both
    assert counter.calls["task"] == 3 * len(examples)
    assert gepa_side.score_seed_and_best(adapter, [], seed, other) == {"seed": None, "best": None}


def test_gepa_adapter_refuses_multi_module_programs(gepa_side: Any) -> None:
    spec = get_task_spec("ifbench")
    with pytest.raises(Exception, match="only single-module"):
        gepa_side.TaskAdapter(types.SimpleNamespace(name="ifbench"), spec.program(), None, None, 1)


def test_fake_task_answer_is_a_stable_label() -> None:
    messages = ({"role": "user", "content": "Is this sarcastic?"},)
    assert vs_gepa.fake_task_answer(messages) in ("yes", "no")
    assert vs_gepa.fake_task_answer(messages) == vs_gepa.fake_task_answer([dict(messages[0])])


def test_summary_means_sds_and_rates() -> None:
    s = vs_gepa.summarize([cell(0.5, 0.6, wall=10), cell(0.5, 0.8, wall=20)])
    assert s["seed"] == (0.5, 0.0)
    assert s["rollouts"] == (30, 0.0)
    assert s["best"][0] == pytest.approx(0.7)
    assert s["best"][1] == pytest.approx(0.1414213, abs=1e-6)
    assert s["gain"][0] == pytest.approx(0.2)
    assert s["wall"][0] == 15
    assert s["calls"] == {"task": 20, "reflection": 4}
    assert s["accept_rate"] == 0.25 and s["malformed_rate"] == 0.5


def test_report_prints_not_run_and_verdicts() -> None:
    cells = {
        ("boolq", "paretoprompt"): [cell(0.5, 0.6, wall=7)],
        ("boolq", "gepa==0.1.4"): [cell(0.5, 0.52, wall=10)],
    }
    text = vs_gepa.report(cells, ["boolq", "sarcasm"], None)
    assert "boolq: gain >= 5 pts: 10.0 pts PASS" in text
    assert "boolq: gain >= gepa's: 10.0 vs 2.0 pts PASS" in text
    assert (
        "boolq: wall time ratio ours/gepa, means over all cells (test scoring included) = 0.70 (target <= 0.70) PASS"
        in text
    )
    assert "| sarcasm | paretoprompt | 0 | not run |" in text
    assert "| boolq | paretoprompt | 1 | 50.0 (1 seed) | 60.0 (1 seed) |" in text
    assert "sarcasm: gain >= gepa's: not run" in text
    assert "engine overhead per rollout: not run" in text


def test_report_pairs_the_cells_of_each_seed() -> None:
    ours = [cell(0.5, 0.6, wall=50, run_seed=1), cell(0.4, 0.5, wall=30, run_seed=0)]
    ours[1]["started_at"] = "2026-12-06 11:24 UTC"
    theirs = [cell(0.4, 0.44, wall=60, run_seed=0), cell(0.5, 0.5, wall=100, run_seed=2)]
    ours.append(cell(0.5, 0.5, run_seed=2))
    del ours[-1]["test"]["best"]  # a cell without a test score has no gain to pair
    text = vs_gepa.report(
        {("boolq", "paretoprompt"): ours, ("boolq", "gepa==0.1.4"): theirs}, ["boolq"], None
    )
    assert (
        "boolq seed 0: gain +10.0 vs +4.0 pts; wall 30 vs 60 s (ratio 0.50); started 2026-12-06 11:24 UTC vs ?"
        in text
    )
    assert "boolq seed 1" not in text and "boolq seed 2" not in text  # one side only: nothing to pair
    assert "boolq: paired gain difference ours - gepa, 1 seed(s): 6.0 (1 seed) pts" in text
    assert "back-to-back" not in text  # only one side has a start time


def test_paired_difference_reports_its_interval_and_seed_counts() -> None:
    ours = [cell(0.5, 0.6, run_seed=0), cell(0.5, 0.5, run_seed=1), cell(0.5, 0.58, run_seed=2)]
    theirs = [cell(0.5, 0.54, run_seed=0), cell(0.5, 0.54, run_seed=1), cell(0.5, 0.58, run_seed=2)]
    text = vs_gepa.report(
        {("boolq", "paretoprompt"): ours, ("boolq", "gepa==0.1.4"): theirs}, ["boolq"], None
    )
    line = next(ln for ln in text.splitlines() if "paired gain difference" in ln)
    assert line.startswith(
        "boolq: paired gain difference ours - gepa, 3 seed(s): 0.7 ± 5.0 pts (95% bootstrap"
    )
    assert line.endswith("; ours ahead on 1, behind on 1, tied on 1)")
    low, high = (float(x) for x in line.split("interval ")[1].split(";")[0].split(" to "))
    assert -4.0 <= low < 0.7 < high <= 6.0  # inside the smallest and largest differences


def test_wall_ratios_come_from_the_pairs_that_ran_back_to_back() -> None:
    ours = [cell(0.5, 0.6, wall=600, run_seed=s) for s in range(3)]
    theirs = [cell(0.5, 0.5, wall=1000, run_seed=s) for s in range(3)]
    for c, optimizing in zip(ours + theirs, (100, 200, 99, 400, 600, 99), strict=True):
        c["optimize_seconds"] = optimizing
    # seed 0: gepa started as ours ended; seed 1: ours started 20 minutes after gepa's 1000 s ended, beyond
    # the 5-minute slack that minute-resolution start times need; seed 2: no start times.
    ours[0]["started_at"], theirs[0]["started_at"] = "2026-12-06 11:24 UTC", "2026-12-06 11:34 UTC"
    theirs[1]["started_at"], ours[1]["started_at"] = "2026-12-06 12:00 UTC", "2026-12-06 12:37 UTC"
    text = vs_gepa.report(
        {("boolq", "paretoprompt"): ours, ("boolq", "gepa==0.1.4"): theirs}, ["boolq"], None
    )
    assert (
        "boolq seed 0: gain +10.0 vs +0.0 pts; wall 600 vs 1000 s (ratio 0.60); optimizing 100 vs 400 s;"
        in text
    )
    assert (
        "boolq: 1 back-to-back pair(s), seed(s) 0: wall time ratio 0.60 PASS; "
        "optimization only (test scoring excluded) 0.25 PASS (target <= 0.70)" in text
    )
    assert (
        "boolq: in those pairs our test scoring alone took 0.50 of gepa's whole-cell time, "
        "which is the whole-cell ratio our side would get with no optimization time at all" in text
    )
    theirs[1]["started_at"] = "2026-12-06 12:18 UTC"  # ended 12:34:40, ours started 12:37: back to back
    del ours[0]["optimize_seconds"]
    text = vs_gepa.report(
        {("boolq", "paretoprompt"): ours, ("boolq", "gepa==0.1.4"): theirs}, ["boolq"], None
    )
    assert "boolq: 2 back-to-back pair(s), seed(s) 0, 1: wall time ratio 0.60 PASS (target <= 0.70)" in text
    assert "test scoring alone" not in text  # seed 0's cell has no optimization time
    assert vs_gepa.back_to_back(ours[1], theirs[1]) and not vs_gepa.back_to_back(ours[2], theirs[2])


def test_report_seeds_keep_only_the_cells_of_those_seeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cell_dir = tmp_path / "v50-t300-b200-m3"
    cell_dir.mkdir()
    for system, best in (("paretoprompt", 0.6), ("gepa==0.1.4", 0.55)):
        for seed in range(4):
            saved = {"task": "boolq", **cell(0.5, best + seed / 100, run_seed=seed), "system": system}
            (cell_dir / f"boolq-{system}-s{seed}.json").write_text(json.dumps(saved))
    vs_gepa.main(["--report-only", "--out", str(tmp_path), "--tasks", "boolq", "--report-seeds", "0,2"])
    text = capsys.readouterr().out
    assert "| boolq | paretoprompt | 2 | 50.0 ± 0.0 | 61.0 ± 1.4 |" in text
    assert "boolq seed 0: gain +10.0 vs +5.0 pts" in text and "boolq seed 2: gain +12.0 vs +7.0 pts" in text
    assert "boolq seed 1" not in text and "boolq seed 3" not in text
    assert vs_gepa.parse_args([]).report_seed_list == []
    with pytest.raises(SystemExit) as stop:
        vs_gepa.parse_args(["--report-seeds", "0,x"])
    assert stop.value.code == 2
    assert "--report-seeds: expected comma-separated integers, got '0,x'" in capsys.readouterr().err


def test_report_overhead_ratio() -> None:
    overhead = {
        "paretoprompt": {"per_rollout_ms": 2.0, "rollouts": 100},
        "gepa==0.1.4": {"per_rollout_ms": 1.0, "rollouts": 100},
    }
    assert "ratio 2.00 (target <= 1.00) MISS" in vs_gepa.report({}, ["boolq"], overhead)
    overhead[vs_gepa.CONCURRENT] = {"per_rollout_ms": 0.5, "rollouts": 100}
    assert "ratio 2.00 (target <= 1.00) MISS; ours at concurrency 4: 0.50 ms" in vs_gepa.report(
        {}, ["boolq"], overhead
    )


def test_overhead_is_the_median_of_the_repeated_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    ours = iter([0.30, 0.17, 0.19, 0.16, 0.18, 0.20, 0.21, 0.22, 0.23, 0.24])
    theirs = iter([0.27, 0.20, 0.21, 0.23, 0.20])
    monkeypatch.setattr(
        vs_gepa,
        "overhead_ours",
        lambda budget, concurrency=1: {
            "per_rollout_ms": next(ours),
            "rollouts": 998,
            "concurrency": concurrency,
        },
    )
    monkeypatch.setattr(
        vs_gepa, "overhead_gepa", lambda budget, args: {"per_rollout_ms": next(theirs), "rollouts": 1034}
    )
    got = vs_gepa.measure_overhead(argparse.Namespace())
    # the sides take turns: ours at concurrency 1 draws 0.30, 0.19, 0.18, 0.21, 0.23 (median 0.21),
    # ours at concurrency 4 draws 0.17, 0.16, 0.20, 0.22, 0.24 (median 0.20)
    assert got["paretoprompt"]["samples_ms"] == [0.30, 0.19, 0.18, 0.21, 0.23]
    assert got["paretoprompt"]["per_rollout_ms"] == 0.21
    assert got[vs_gepa.CONCURRENT]["per_rollout_ms"] == 0.20
    assert got["gepa==0.1.4"]["per_rollout_ms"] == 0.21
    text = vs_gepa.report({}, ["boolq"], got)
    assert "median of 5 runs, about 998 rollouts each): ours 0.21 ms, gepa 0.21 ms; ratio 1.00" in text
    assert (
        "overhead runs (ms per rollout): ours 0.30, 0.19, 0.18, 0.21, 0.23; gepa 0.27, 0.20, 0.21, 0.23, 0.20"
        in text
    )


def test_gepa_malformed_counts_missing_fences_and_non_instructions() -> None:
    outputs = [
        "```\nRead the passage and answer true or false about the question.\n```",
        "Certainly! Please provide the inputs for the instruction.",
        "```\nCertainly! Please provide the inputs for the instruction.\n```",
        '```json\n{"Inputs": "x", "Feedback": "y"}\n```',
    ]
    assert vs_gepa.gepa_malformed(outputs) == 3


def test_our_cells_each_get_a_fresh_response_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell's calls are cached in its own run dir: repeats within a run are free, earlier runs give nothing."""
    from paretoprompt.lm import factory

    def answer(messages: Any, params: Any) -> str:
        if "<instruction>" in messages[-1]["content"]:
            return "<instruction>Read the passage closely, then answer the question with true or false.</instruction>"
        return "true"

    monkeypatch.setattr(
        factory, "make_backend", lambda spec, api_base=None, slots=4: ScriptedBackend(answer, model=spec)
    )
    monkeypatch.setenv("PARETOPROMPT_CACHE_DIR", str(tmp_path / "shared"))  # a shared cache would give hits
    args = vs_gepa.parse_args(
        ["--tasks", "boolq", "--train", "6", "--val", "4", "--test", "4", "--budget", "16"]
    )
    first = vs_gepa.run_ours("boolq", 0, args, tmp_path / "a")
    assert (tmp_path / "a" / vs_gepa.CELL_CACHE).is_file()
    assert first["lm_calls"]["task"] > 0 and first["rollouts"] <= 16
    second = vs_gepa.run_ours("boolq", 0, args, tmp_path / "b")  # the same calls, in a new cell
    assert second["cache_hits"] == {"task": 0, "reflection": 0}
    assert second["test"] == first["test"] and second["lm_calls"] == first["lm_calls"]
