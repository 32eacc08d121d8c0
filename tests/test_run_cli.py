"""`paretoprompt optimize/resume/show`, config validation, and the Python API surface."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib

import pytest
from typer.testing import CliRunner

import paretoprompt
from paretoprompt.cli import app, main
from paretoprompt.errors import UserError
from paretoprompt.run import api
from paretoprompt.run.config import load_config, parse_config, to_toml
from paretoprompt.run.result import Result
from run_fixtures import ToyProgram, make_task, reflection_lm, task_lm

CONFIG = """
seed = 1
[task]
name = "toy"
[optimizer]
name = "seed"
[lm]
task = "local/toy"
reflection = "local/toy"
concurrency = 2
[budget]
rollouts = 50
"""


@pytest.fixture
def toy_models(monkeypatch):
    """Resolve any task name / LM spec to the scripted toy objects; returns the (spec, role, slots) asked for."""
    built: list[tuple[str, str, int]] = []

    def make_lm(spec, role, slots):  # type: ignore[no-untyped-def]
        built.append((spec, role, slots))
        return (task_lm() if role == "task" else reflection_lm())[0]

    monkeypatch.setattr(api, "_load_task", lambda config: (make_task(), ToyProgram()))
    monkeypatch.setattr(api, "_make_lm", make_lm)
    return built


def _cli(*args):
    return subprocess.run(
        [sys.executable, "-m", "paretoprompt", *args], capture_output=True, text=True, timeout=60
    )


def test_optimize_show_resume(tmp_path, toy_models):
    config = tmp_path / "run.toml"
    config.write_text(CONFIG)
    run_dir = tmp_path / "run"
    runner = CliRunner()
    out = runner.invoke(
        app, ["optimize", str(config), "--run-dir", str(run_dir), "--budget", "20", "--no-progress"]
    )
    assert out.exit_code == 0, out.output
    # lm.concurrency = 2: an embedded model would get one slot per rollout in flight
    assert toy_models == [("local/toy", "task", 2), ("local/toy", "reflection", 2)]
    result = Result.load(run_dir)
    assert result.rollout_budget == 20 and result.seed == 1
    assert result.rollouts_by_purpose == {"test": 4, "validation": 6}
    assert load_config(run_dir / "config.toml").budget.rollouts == 20  # the derived config copy
    shown = runner.invoke(app, ["show", str(run_dir)])
    assert shown.exit_code == 0
    for text in (
        "Best prompt",
        "Answer.",
        "Scores",
        "Candidates (1)",
        "validation",
        "LM usage",
        "optimizer finished",
    ):
        assert text in shown.output
    again = runner.invoke(app, ["resume", str(run_dir), "--no-progress"])
    assert (
        again.exit_code == 0
        and Result.load(run_dir).to_json()["candidates"] == result.to_json()["candidates"]
    )


@pytest.mark.parametrize(("reflection", "reflection_slots"), [("local/toy", 2), ("local/other", 4)])
def test_embedded_models_get_a_slot_per_rollout_in_flight(toy_models, reflection, reflection_slots):
    """The task model gets lm.concurrency slots; the reflection model, called one at a time, keeps the default
    unless it is the task model itself (one server for both)."""
    config = parse_config(
        tomllib.loads(CONFIG.replace('reflection = "local/toy"', f'reflection = "{reflection}"')), where="t"
    )
    api._build(config, {}, {})
    assert toy_models == [("local/toy", "task", 2), (reflection, "reflection", reflection_slots)]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[task]\nname='x'\n[budget]\nrollouts=0\n",
            "bad.toml: budget.rollouts: Input should be greater than 0",
        ),
        (
            "[task]\nname='x'\n[budget]\nrolouts=5\n",
            "bad.toml: budget.rolouts: Extra inputs are not permitted",
        ),
        ("[budget]\nrollouts=5\n", "bad.toml: task: Field required"),
        ("[task]\nname='x'\nfile='y'\n[budget]\nrollouts=5\n", "give exactly one of name"),
        ("[task]\nname='x'\n", "bad.toml: budget: set at least one of rollouts"),
        ("[task]\nname='x'\n[lm]\nconcurrency=0\n[budget]\nrollouts=5\n", "bad.toml: lm.concurrency"),
        ("task = [\n", "bad.toml: invalid TOML"),
        ("[task]\nname='x'\n[optimizer]\nname='nope'\n[budget]\nrollouts=5\n", "unknown optimizer 'nope'"),
        (
            "[task]\nname='x'\n[optimizer]\nname='seed'\nfoo=1\n",
            "optimizer.foo: Extra inputs are not permitted",
        ),
    ],
)
def test_bad_config_is_one_line_exit_2(tmp_path, monkeypatch, capsys, body, message):
    bad = tmp_path / "bad.toml"
    bad.write_text(body)
    code, err = _main(
        monkeypatch, capsys, "optimize", str(bad), "--run-dir", str(tmp_path / "r"), "--no-progress"
    )
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err


def _main(monkeypatch, capsys, *args):
    monkeypatch.setattr(sys, "argv", ["paretoprompt", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    return exc.value.code, capsys.readouterr().err


def test_show_and_resume_of_missing_runs_exit_2(tmp_path):
    for cmd in ("show", "resume"):  # a real process: exit code and a single line on stderr
        proc = _cli(cmd, str(tmp_path))
        assert proc.returncode == 2 and proc.stderr.startswith("error: "), proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


def test_missing_config_file_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no such config file"):
        load_config(tmp_path / "nope.toml")


def test_file_task_paths_are_relative_to_the_config(tmp_path):
    (tmp_path / "cfg").mkdir()
    path = tmp_path / "cfg" / "c.toml"
    path.write_text("[task]\nfile='data.jsonl'\ninput_fields=['q']\nanswer_field='a'\n[budget]\nrollouts=5\n")
    assert load_config(path).task.file == str(tmp_path / "cfg" / "data.jsonl")


def test_config_round_trips_through_toml(tmp_path):
    config = parse_config(
        {
            "task": {"name": "t", "sizes": {"train": 5, "val": 3, "test": 0}},
            "optimizer": {"name": "gepa", "minibatch_size": 4, "merge": True},
            "budget": {"rollouts": 9, "max_usd": 1.5},
            "run_dir": 'we"ird',
        }
    )
    (tmp_path / "c.toml").write_text(to_toml(config.to_json()))
    assert load_config(tmp_path / "c.toml").to_json() == config.to_json()


def test_python_api_is_exported(tmp_path):
    assert paretoprompt.optimize is api.optimize and paretoprompt.resume is api.resume
    result = paretoprompt.optimize(
        task=make_task(),
        program=ToyProgram(),
        optimizer="seed",
        task_lm=task_lm()[0],
        reflection_lm=reflection_lm()[0],
        run_dir=tmp_path,
        progress=False,
    )
    assert result.best_texts == {"instruction": "Answer."} and result.rollouts_used == 6
    saved = json.loads((tmp_path / "result.json").read_text())
    assert saved["front"]["va0"] == [result.seed_id]
    with pytest.raises(UserError, match="program= is required"):
        paretoprompt.optimize(task=make_task(), optimizer="seed", run_dir=tmp_path / "x")


def test_proposal_line_counts_rates_over_proposals_not_skips():
    from paretoprompt.cli.runs import proposal_line

    line = proposal_line({"accepted": 2, "malformed": 4, "rejected": 18, "skipped": 6})
    assert line == "proposals 24: rejected 18 · malformed 4 (17%) · accepted 2 (8%) · skipped 6"
    assert proposal_line({"skipped": 3}) == "proposals 0: skipped 3"
