"""Running a comparison: every run in its own resumable directory; a second invocation skips the
finished runs (zero new rollouts or model calls), unfinished runs resume, outputs are written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import compare_fixtures
from paretoprompt.compare.config import parse_compare_config
from paretoprompt.compare.output import records, table_files, write_outputs
from paretoprompt.compare.plan import expand
from paretoprompt.compare.runner import SUMMARY, execute, run_status
from paretoprompt.compare.table import collect
from paretoprompt.errors import UserError
from paretoprompt.run.journal import JOURNAL, LOCK, load_events
from paretoprompt.run.result import Result


@pytest.fixture
def calls(monkeypatch) -> compare_fixtures.Calls:
    return compare_fixtures.install(monkeypatch)


def make_plan(out: Path, **kw):
    data = {
        "tasks": ["ctask"],
        "optimizers": ["seed", "ctoy", "gepa"],
        "seeds": 2,
        "budget": 40,
        "out": str(out),
        "lm": {"concurrency": 2},
        **kw,
    }
    return expand(parse_compare_config(data))


def journals(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob(JOURNAL))}


def test_runs_each_spec_once_then_skips_everything(tmp_path, calls):
    plan = make_plan(tmp_path)
    first = execute(plan, progress=False)
    assert len(first.started) == 6 and not first.resumed and not first.skipped and first.interrupted is None
    for run in plan.runs:
        result = Result.load(run.run_dir)
        assert (result.optimizer, result.seed, result.rollout_budget) == (run.optimizer, run.seed, 40)
        assert result.rollouts_used <= 40 and run_status(run) == "done"
    assert Result.load(tmp_path / "ctask/gepa/seed1").rollouts_used > 6  # GEPA did propose
    live, before = calls.total, journals(tmp_path)

    again = execute(plan, progress=False)
    assert len(again.skipped) == 6 and not again.started and not again.resumed
    assert calls.total == live  # no model call, hence no rollout
    assert journals(tmp_path) == before

    rows = collect(plan)
    assert [(r.label, len(r.runs)) for r in rows] == [("seed", 2), ("ctoy", 2), ("gepa", 2)]
    seed_row = rows[0]
    assert seed_row.delta == (0.0, 0.0) and seed_row.rollouts_used == 6 and seed_row.to_threshold == (None, 0)
    for row in rows:
        assert row.usage("task", "calls") == row.rollouts_used  # one task call per rollout; test excluded

    paths = write_outputs(tmp_path, plan, rows, "paretoprompt compare --task ctask")
    assert [p.name for p in paths] == table_files()
    md = (tmp_path / "comparison.md").read_text()
    assert (
        "`paretoprompt compare --task ctask`" in md
        and "| ctask | gepa | 2/2 |" in md
        and "## Budget scaling" in md
    )
    csv_lines = (tmp_path / "comparison.csv").read_text().splitlines()
    assert csv_lines[0].startswith("task,optimizer,variant,factor,label,options,runs,seeds,test_mean")
    assert len(csv_lines) == 4
    data = json.loads((tmp_path / "comparison.json").read_text())
    assert [r["label"] for r in data["rows"]] == ["seed", "ctoy", "gepa"] and len(data["runs"]) == 6
    assert data["runs"][0]["curve"] == [[6, data["runs"][0]["val_seed"]]]


def test_crashed_and_interrupted_runs_resume_to_the_uninterrupted_result(tmp_path, calls):
    plan = make_plan(tmp_path / "a", optimizers=["ctoy"], seeds=1)
    execute(plan, progress=False)
    reference = Result.load(plan.runs[0].run_dir).to_json()

    crashed = make_plan(tmp_path / "b", optimizers=["ctoy"], seeds=1)
    run_dir = crashed.runs[0].run_dir
    execute(crashed, progress=False)
    lines = (run_dir / JOURNAL).read_bytes().splitlines(keepends=True)
    (run_dir / JOURNAL).write_bytes(b"".join(lines[: len(lines) // 2]) + lines[len(lines) // 2][:7])  # torn
    (run_dir / "result.json").unlink()
    assert run_status(crashed.runs[0]) == "resume"
    done = execute(crashed, progress=False)
    assert done.resumed == [run_dir]
    resumed = Result.load(run_dir).to_json()
    for data in (reference, resumed):
        data.pop("wall_seconds")
    assert resumed == reference
    assert (
        sum(e["type"] == "rollout" and e["purpose"] != "test" for e in load_events(run_dir / JOURNAL))
        == reference["rollouts_by_purpose"]["minibatch"] + reference["rollouts_by_purpose"]["validation"]
    )


def test_a_stop_file_stops_the_comparison_and_the_next_invocation_resumes(tmp_path, calls):
    plan = make_plan(tmp_path, optimizers=["seed", "ctoy"], seeds=1)
    stopped = plan.runs[1].run_dir
    stopped.mkdir(parents=True)
    (stopped / "STOP").write_text("")
    first = execute(plan, progress=False)
    assert first.started == [plan.runs[0].run_dir, stopped] and first.interrupted == stopped
    assert run_status(plan.runs[1]) == "resume"
    second = execute(plan, progress=False)
    assert (
        second.skipped == [plan.runs[0].run_dir]
        and second.resumed == [stopped]
        and second.interrupted is None
    )
    assert Result.load(stopped).stop_reason == "optimizer finished"


def test_a_directory_holding_another_config_is_refused(tmp_path, calls):
    execute(make_plan(tmp_path, optimizers=["seed"], seeds=1), progress=False)
    other = make_plan(tmp_path, optimizers=["seed"], seeds=1, budget=50)
    with pytest.raises(
        UserError, match=r"seed0 holds a run with a different config \(budget.rollouts: 40 there, 50 now\)"
    ):
        execute(other, progress=False)


def outputs(out: Path, plan) -> dict[str, bytes]:
    write_outputs(out, plan, collect(plan), "paretoprompt compare --task ctask")
    return {name: (out / name).read_bytes() for name in table_files()}


def test_finished_runs_leave_summaries_that_stand_in_for_their_journals(tmp_path, calls):
    plan = make_plan(tmp_path / "a")
    execute(plan, progress=False)
    assert all((run.run_dir / SUMMARY).is_file() for run in plan.runs)
    first, live = outputs(plan.out, plan), calls.total

    # a done run with a journal but no summary (an older comparison) gets one on the next invocation
    summary = (plan.runs[0].run_dir / SUMMARY).read_bytes()
    (plan.runs[0].run_dir / SUMMARY).unlink()
    assert execute(plan, progress=False).skipped == [run.run_dir for run in plan.runs]
    assert (plan.runs[0].run_dir / SUMMARY).read_bytes() == summary

    for run in plan.runs:  # what git keeps: the journals and locks are not committed
        (run.run_dir / JOURNAL).unlink()
        (run.run_dir / LOCK).unlink(missing_ok=True)
    again = execute(plan, progress=False)
    assert again.skipped == [run.run_dir for run in plan.runs] and not again.started and not again.resumed
    assert calls.total == live and not list(plan.out.rglob(JOURNAL))
    assert outputs(plan.out, plan) == first

    # another machine, another checkout path: the summaries alone give the same rows
    moved = make_plan(tmp_path / "b")
    for run, there in zip(plan.runs, moved.runs, strict=True):
        there.run_dir.mkdir(parents=True)
        shutil.copy(run.run_dir / SUMMARY, there.run_dir)
    assert len(execute(moved, progress=False).skipped) == 6 and calls.total == live
    rows = collect(moved)
    assert records(rows) == records(collect(plan))
    assert {s.run_dir for r in rows for s in r.runs} == {str(run.run_dir) for run in moved.runs}


def test_a_summary_holding_another_config_is_refused(tmp_path, calls):
    plan = make_plan(tmp_path, optimizers=["seed"], seeds=1)
    execute(plan, progress=False)
    (plan.runs[0].run_dir / JOURNAL).unlink()
    assert run_status(plan.runs[0]) == "done"
    other = make_plan(tmp_path, optimizers=["seed"], seeds=1, budget=50)
    with pytest.raises(UserError) as err:
        execute(other, progress=False)
    assert "\n" not in str(err.value)
    assert str(err.value).startswith(
        f"{plan.runs[0].run_dir} holds a run with a different config (budget.rollouts: 40 there, 50 now)"
    )
