"""Run a comparison plan: each run in its own resumable run directory.

A run that finished is skipped (its result is only read), one that was interrupted or crashed
is resumed from its journal, a new one is started. Re-running the same command therefore
continues where it stopped and spends no rollout twice. A Ctrl-C (or a STOP file) stops the
current run gracefully, and the comparison with it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from paretoprompt.compare.plan import Plan, PlannedRun
from paretoprompt.errors import UserError
from paretoprompt.run.api import PYTHON_OBJECTS, resume, start
from paretoprompt.run.config import parse_config
from paretoprompt.run.journal import JOURNAL, load_events
from paretoprompt.run.result import RESULT

Status = Literal["new", "resume", "done"]
RESUMABLE_STOPS = ("interrupted", "stop file")
"""Stop reasons that leave a run unfinished: the next `compare` resumes it."""
_VERB = {"new": "starting", "resume": "resuming", "done": "finished, skipped"}


def run_status(run: PlannedRun) -> Status:
    """Whether `run` is to be started, resumed or skipped; a directory holding a run with another
    config is an error (a comparison must not silently mix budgets or options)."""
    events = load_events(run.run_dir / JOURNAL, repair=False)
    if not events:
        return "new"
    if events[0]["type"] == "start":
        _check_same_config(run, events[0]["config"])
    last = events[-1]
    if (
        last["type"] == "end"
        and (run.run_dir / RESULT).is_file()
        and not str(last.get("stop_reason", "")).startswith(RESUMABLE_STOPS)
    ):
        return "done"
    return "resume"


def _check_same_config(run: PlannedRun, journaled: Mapping[str, Any]) -> None:
    saved = dict(journaled)
    if saved.pop(PYTHON_OBJECTS, None):
        raise UserError(f"{run.run_dir} holds a run started with Python objects; compare cannot resume it")
    saved.pop("run_dir", None)
    old = parse_config(saved, where=str(run.run_dir / JOURNAL)).to_json()
    new = {k: v for k, v in run.config.to_json().items() if k != "run_dir"}
    old.pop("run_dir", None)
    diff = _first_difference(old, new)
    if diff is not None:
        key, was, now = diff
        raise UserError(
            f"{run.run_dir} holds a run with a different config ({key}: {was!r} there, {now!r} now); "
            "use another --out or remove that directory"
        )


def _first_difference(old: Any, new: Any, path: str = "") -> tuple[str, Any, Any] | None:
    if isinstance(old, Mapping) and isinstance(new, Mapping):
        for key in sorted(set(old) | set(new), key=str):
            diff = _first_difference(old.get(key), new.get(key), f"{path}.{key}" if path else str(key))
            if diff is not None:
                return diff
        return None
    return None if old == new else (path, old, new)


@dataclass
class Execution:
    """What one `compare` invocation did."""

    started: list[Path] = field(default_factory=list)
    resumed: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    interrupted: Path | None = None
    """The run whose interruption stopped the comparison (re-run the command to continue)."""


def execute(plan: Plan, *, progress: bool = True, echo: Callable[[str], None] = lambda _: None) -> Execution:
    """Start, resume or skip every run of `plan`, in order; stop at the first interrupted run."""
    done = Execution()
    n = len(plan.runs)
    for i, run in enumerate(plan.runs, 1):
        status = run_status(run)
        echo(f"[{i}/{n}] {run.task} · {run.label} · seed {run.seed}: {_VERB[status]} ({run.run_dir})")
        if status == "done":
            done.skipped.append(run.run_dir)
            continue
        if status == "new":
            result = start(run.config, progress=progress)
            done.started.append(run.run_dir)
        else:
            result = resume(run.run_dir, progress=progress)
            done.resumed.append(run.run_dir)
        if result.stop_reason.startswith(RESUMABLE_STOPS):
            done.interrupted = run.run_dir
            break
    return done
