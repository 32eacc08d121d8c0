"""The bad-input corpus (tests/fixtures/bad_inputs/manifest.toml) through the real CLI, plus a user
metric that raises on one example: a failed rollout with the exception text, not a dead run."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from paretoprompt.run import optimize
from paretoprompt.run.journal import JOURNAL, load_events
from paretoprompt.tasks.base import Example, Score, Task
from run_fixtures import ToyProgram, make_task, reflection_lm, task_lm

CORPUS = Path(__file__).parent / "fixtures" / "bad_inputs"
CASES = tomllib.loads((CORPUS / "manifest.toml").read_text(encoding="utf-8"))["case"]


def _run(case: dict, cwd: Path) -> tuple[dict, subprocess.CompletedProcess[str]]:
    env = {**os.environ, "PARETOPROMPT_NO_CACHE": "1", "COLUMNS": "200", "NO_COLOR": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "paretoprompt", *case["args"]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return case, proc


def _verdict(case: dict, proc: subprocess.CompletedProcess[str]) -> str | None:
    lines = proc.stderr.splitlines()
    if proc.returncode != 2:
        return f"exit code {proc.returncode}"
    if "Traceback" in proc.stderr:
        return "traceback on stderr"
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr"
    if case["expect"] not in lines[0]:
        return f"message lacks {case['expect']!r}"
    return None


def test_bad_input_corpus(tmp_path, capsys):
    assert len(CASES) >= 30 and len({c["id"] for c in CASES}) == len(CASES)
    assert {c["area"] for c in CASES} == {"config", "budget", "dataset", "metric", "model", "run_dir"}
    work = tmp_path / "corpus"
    shutil.copytree(CORPUS, work)
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda c: _run(c, work), CASES))
    failures = {}
    for case, proc in results:
        why = _verdict(case, proc)
        if why is not None:
            failures[case["id"]] = f"{why}: {proc.stderr.strip()[-600:]}"
    with capsys.disabled():
        print(
            f"\nbad-input corpus: {len(CASES) - len(failures)} of {len(CASES)} cases pass "
            "(exit code 2, one line on stderr, no traceback)"
        )
    assert not failures, "\n".join(f"{k}: {v}" for k, v in failures.items())


def test_a_user_metric_raising_on_one_example_fails_that_rollout_only(tmp_path):
    toy = make_task()

    def metric(example: Example, prediction) -> Score:
        if example.id == "va2":
            raise ZeroDivisionError("division by zero in my metric")
        return toy.metric(example, prediction)

    task = Task("toy", toy.splits, metric)
    tlm, _ = task_lm()
    rlm, _ = reflection_lm()
    result = optimize(
        task=task,
        program=ToyProgram(),
        optimizer="seed",
        task_lm=tlm,
        reflection_lm=rlm,
        budget=50,
        run_dir=tmp_path,
        progress=False,
        concurrency=2,
    )
    assert result.stop_reason == "optimizer finished"
    rollouts = {
        e["rollout"]["example_id"]: e["rollout"]
        for e in load_events(tmp_path / JOURNAL)
        if e["type"] == "rollout" and e["split"] == "val"
    }
    assert len(rollouts) == len(toy.splits.val)
    bad = rollouts["va2"]
    assert bad["failed"] and bad["score"] == 0.0
    assert bad["feedback"] == "metric raised: ZeroDivisionError: division by zero in my metric"
    assert not any(r["failed"] for eid, r in rollouts.items() if eid != "va2")
