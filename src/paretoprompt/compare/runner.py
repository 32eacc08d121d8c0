"""Run a comparison plan: each run in its own resumable run directory.

A run that finished is skipped (its result is only read), one that was interrupted or crashed
is resumed from its journal, a new one is started. Re-running the same command therefore
continues where it stopped and spends no rollout twice. A Ctrl-C (or a STOP file) stops the
current run gracefully, and the comparison with it.

A finished run leaves `summary.json`: its config and the figures the comparison table needs, a
few kB. The journals (about 1 MB per run) may then be dropped: a comparison continues on another
machine from committed summaries alone, skipping those runs and building the same table.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from paretoprompt.compare.plan import Plan, PlannedRun
from paretoprompt.errors import UserError
from paretoprompt.redact import redact_data
from paretoprompt.report.run_summary import RunSummary, summarize_run
from paretoprompt.run.api import PYTHON_OBJECTS, resume, start
from paretoprompt.run.config import RunConfig, parse_config
from paretoprompt.run.journal import JOURNAL, load_events, write_atomic
from paretoprompt.run.result import RESULT

Status = Literal["new", "resume", "done"]
RESUMABLE_STOPS = ("interrupted", "stop file")
"""Stop reasons that leave a run unfinished: the next `compare` resumes it."""
SUMMARY = "summary.json"
SUMMARY_VERSION = 1
_VERB = {"new": "starting", "resume": "resuming", "done": "finished, skipped"}


def run_status(run: PlannedRun) -> Status:
    """Whether `run` is to be started, resumed or skipped; a directory holding a run with another
    config is an error (a comparison must not silently mix budgets or options). Without a journal,
    a `summary.json` stands for the finished run."""
    events = load_events(run.run_dir / JOURNAL, repair=False)
    if not events:
        saved = _read_summary(run.run_dir)
        if saved is None:
            return "new"
        _check_same_config(run, saved[0], run.run_dir / SUMMARY)
        return "done"
    if events[0]["type"] == "start":
        _check_same_config(run, events[0]["config"], run.run_dir / JOURNAL)
    last = events[-1]
    if (
        last["type"] == "end"
        and (run.run_dir / RESULT).is_file()
        and not str(last.get("stop_reason", "")).startswith(RESUMABLE_STOPS)
    ):
        return "done"
    return "resume"


def run_summary(run: PlannedRun) -> RunSummary:
    """The figures of a finished run: from `summary.json` when there is one (the journal may be
    gone), else from the journal. `run_dir` is where the run is now (it may have moved)."""
    saved = _read_summary(run.run_dir)
    return summarize_run(run.run_dir) if saved is None else replace(saved[1], run_dir=str(run.run_dir))


def write_summary(run: PlannedRun) -> None:
    """Save a finished run's config (redacted: the file is meant to be committed) and figures."""
    data = {
        "v": SUMMARY_VERSION,
        "config": redact_data(_config_json(run.config)),
        "summary": summarize_run(run.run_dir).to_json(),
    }
    write_atomic(run.run_dir / SUMMARY, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _read_summary(run_dir: Path) -> tuple[Mapping[str, Any], RunSummary] | None:
    """(config, figures) from `summary.json`, or None if there is none."""
    path = run_dir / SUMMARY
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["v"] > SUMMARY_VERSION:
            raise UserError(f"{path}: written by a newer paretoprompt (summary schema v{data['v']})")
        return data["config"], RunSummary.from_json(data["summary"])
    except (ValueError, KeyError, TypeError) as err:
        raise UserError(f"{path}: not a valid summary file ({err})") from None


def _config_json(config: RunConfig) -> dict[str, Any]:
    """The config as compared and saved: `to_json` without `run_dir` (a moved run is the same run)."""
    data = config.to_json()
    data.pop("run_dir", None)
    return data


def _check_same_config(run: PlannedRun, saved: Mapping[str, Any], where: Path) -> None:
    """Refuse a run dir whose saved config (`where`: its journal or summary) differs from the planned one."""
    saved = dict(saved)
    if saved.pop(PYTHON_OBJECTS, None):
        raise UserError(f"{run.run_dir} holds a run started with Python objects; compare cannot resume it")
    diff = _first_difference(_config_json(parse_config(saved, where=str(where))), _config_json(run.config))
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
        else:
            if status == "new":
                result = start(run.config, progress=progress)
                done.started.append(run.run_dir)
            else:
                result = resume(run.run_dir, progress=progress)
                done.resumed.append(run.run_dir)
            if result.stop_reason.startswith(RESUMABLE_STOPS):
                done.interrupted = run.run_dir
                break
        if not (run.run_dir / SUMMARY).is_file():
            write_summary(run)
    return done
