"""Default run directories: runs started in the same second get distinct directories."""

from __future__ import annotations

import time

from paretoprompt.run import optimize
from run_fixtures import ToyProgram, make_task, reflection_lm, task_lm


def test_two_runs_in_the_same_second_get_distinct_default_dirs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(time, "strftime", lambda fmt, *a: "20261202-120000")
    for _ in range(3):
        optimize(
            task=make_task(train=4, val=2, test=0),
            program=ToyProgram(),
            optimizer="seed",
            task_lm=task_lm()[0],
            reflection_lm=reflection_lm()[0],
            budget=30,
            progress=False,
            concurrency=1,
        )
    dirs = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert dirs == ["toy-seed-20261202-120000", "toy-seed-20261202-120000-2", "toy-seed-20261202-120000-3"]
    assert all((tmp_path / "runs" / d / "result.json").exists() for d in dirs)
