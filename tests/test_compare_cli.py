"""`paretoprompt compare`: flags and config files, dry run, re-run skipping, one-line errors."""

from __future__ import annotations

import sys

import pytest
from typer.testing import CliRunner

import compare_fixtures
from paretoprompt.cli import app, main

FLAGS = ["--task", "ctask", "--optimizers", "seed,ctoy", "--budget", "30", "--seeds", "2", "--no-progress"]


@pytest.fixture
def calls(monkeypatch) -> compare_fixtures.Calls:
    return compare_fixtures.install(monkeypatch)


def test_dry_run_shows_the_plan_and_writes_nothing(tmp_path, calls):
    out = tmp_path / "cmp"
    res = CliRunner().invoke(app, ["compare", *FLAGS, "--out", str(out), "--ablation", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert (
        "Plan (4 runs)" in res.output and "new" in res.output and "budget 30 rollouts per run" in res.output
    )
    assert not out.exists() and calls.total == 0


def test_compare_runs_writes_outputs_and_a_rerun_spends_nothing(tmp_path, calls):
    out = tmp_path / "cmp"
    runner = CliRunner()
    res = runner.invoke(app, ["compare", *FLAGS, "--out", str(out), "--sizes", "8/6/4"])
    assert res.exit_code == 0, res.output
    assert "Comparison" in res.output and "ctoy" in res.output
    for name in ("comparison.md", "comparison.csv", "comparison.json"):
        assert (out / name).is_file()
    md = (out / "comparison.md").read_text()
    assert (
        f"paretoprompt compare --task ctask --optimizers seed,ctoy --budget 30 --seeds 2 --out {out} --sizes 8/6/4"
        in md
    )
    live = calls.total
    again = runner.invoke(app, ["compare", *FLAGS, "--out", str(out), "--sizes", "8/6/4"])
    assert again.exit_code == 0 and calls.total == live
    assert "0 started, 0 resumed, 4 already finished" in again.output
    dry = runner.invoke(app, ["compare", *FLAGS, "--out", str(out), "--sizes", "8/6/4", "--dry-run"])
    assert dry.output.count("done") == 4


def test_config_file_with_flag_overrides(tmp_path, calls):
    cfg = tmp_path / "cmp.toml"
    cfg.write_text(
        f'optimizers = ["seed"]\nseeds = 1\nbudget = 20\nout = "{tmp_path / "o"}"\n'
        '[[tasks]]\nname = "ctask"\n[lm]\nconcurrency = 1\n'
    )
    res = CliRunner().invoke(app, ["compare", str(cfg), "--budget", "25", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "20 rollouts" not in (tmp_path / "o/comparison.md").read_text()
    assert "- Budget: 25 rollouts per run" in (tmp_path / "o/comparison.md").read_text()


def _two_task_config(tmp_path) -> str:
    cfg = tmp_path / "two.toml"
    cfg.write_text('optimizers = ["seed"]\nseeds = 1\ntasks = ["ctask", "boolq"]\n')
    return str(cfg)


def test_task_with_a_config_runs_only_that_task_with_the_config_settings(tmp_path, calls):
    res = CliRunner().invoke(app, ["compare", _two_task_config(tmp_path), "--task", "ctask", "--dry-run"])
    assert res.exit_code == 0, res.output
    assert "Plan (1 runs)" in res.output and "ctask" in res.output and "boolq" not in res.output


def test_task_missing_from_the_config_exits_2_naming_the_config_tasks(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(
        sys, "argv", ["paretoprompt", "compare", _two_task_config(tmp_path), "--task", "asdiv"]
    )
    with pytest.raises(SystemExit) as exc:
        main()
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "--task 'asdiv' is not in the config's tasks (ctask, boolq)" in err, err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "give a CONFIG.toml or --task TASK"),
        (["missing.toml"], "missing.toml: no such config file"),
        (["--task", "ctask", "--seeds", "0"], "compare: seeds: Input should be greater than or equal to 1"),
        (["--task", "ctask", "--budget", "0"], "compare: budget: Input should be greater than 0"),
        (["--task", "ctask", "--sizes", "100/50"], "--sizes: expected TRAIN/VAL/TEST"),
        (["--task", "ctask", "--optimizers", "seed,,gepa"], "--optimizers: expected a comma-separated list"),
        (["--task", "ctask", "--optimizers", "seed,seed"], "optimizers: 'seed' is listed twice"),
        (["--task", "ctask", "--optimizers", "seed,nope"], "unknown optimizer 'nope'"),
        (["--task", "nope"], "unknown task 'nope'"),
        (["--task", "ctask", "--budget", "abc"], "Invalid value for '--budget'"),
        (["--task", "ctask", "--table", "a/b"], "compare: table: String should match pattern"),
        (["--task", "ctask", "--report"], "give --dry-run or --report, not both"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(tmp_path, monkeypatch, capsys, args, message):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["paretoprompt", "compare", *args, "--dry-run"])
    with pytest.raises(SystemExit) as exc:
        main()
    err = capsys.readouterr().err
    assert exc.value.code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def test_an_interrupted_run_exits_130_and_the_same_command_continues(tmp_path, calls):
    out = tmp_path / "cmp"
    args = ["compare", *FLAGS, "--out", str(out)]
    (out / "ctask/ctoy/seed0").mkdir(parents=True)
    (out / "ctask/ctoy/seed0/STOP").write_text("")
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 130 and "re-run the same command to continue" in res.output
    assert "| ctask | ctoy | 0/2 |" in (out / "comparison.md").read_text()  # a partial table is written
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 0 and "2 started, 1 resumed, 1 already finished" in res.output
    assert "| ctask | ctoy | 2/2 |" in (out / "comparison.md").read_text()


def test_two_comparisons_share_a_root_and_their_common_runs(tmp_path, calls):
    out = tmp_path / "cmp"
    runner = CliRunner()
    first = runner.invoke(app, ["compare", *FLAGS, "--out", str(out), "--sizes", "8/6/4"])
    assert first.exit_code == 0, first.output
    live = calls.total
    second = runner.invoke(
        app,
        ["compare", *FLAGS, "--seeds", "3", "--out", str(out), "--sizes", "8/6/4", "--table", "three-seeds"],
    )
    assert second.exit_code == 0, second.output
    assert "2 started, 0 resumed, 4 already finished" in second.output  # only seed 2's runs were new
    assert calls.total > live
    assert (out / "three-seeds.md").is_file() and (out / "three-seeds.json").is_file()
    assert "--seeds 2" in (out / "comparison.md").read_text()  # the first table is left as it was


def test_report_writes_the_table_of_finished_runs_and_runs_nothing(tmp_path, calls):
    out = tmp_path / "cmp"
    runner = CliRunner()
    first = runner.invoke(app, ["compare", *FLAGS, "--seeds", "1", "--out", str(out), "--sizes", "8/6/4"])
    assert first.exit_code == 0, first.output
    (out / "comparison.md").unlink()
    live = calls.total
    res = runner.invoke(app, ["compare", *FLAGS, "--out", str(out), "--sizes", "8/6/4", "--report"])
    assert res.exit_code == 0, res.output
    assert calls.total == live and not (out / "ctask/ctoy/seed1").exists()  # seed 1 neither run nor started
    md = (out / "comparison.md").read_text()
    assert "| ctask | ctoy | 1/2 |" in md and "--report" not in md
