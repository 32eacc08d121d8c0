"""`paretoprompt compare`: every optimizer on the same task(s) at one matched rollout budget."""

from __future__ import annotations

import logging
import shlex
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from paretoprompt.cli import app
from paretoprompt.errors import UserError


def _command(config: Path | None, flags: dict[str, Any]) -> str:
    """The invocation, rebuilt from the arguments given (written into comparison.md)."""
    parts = ["paretoprompt", "compare"] + ([str(config)] if config is not None else [])
    for flag, value in flags.items():
        if value is True:
            parts.append(flag)
        elif value not in (None, False):
            parts += [flag, str(value)]
    return shlex.join(parts)


@app.command()
def compare(
    config: Annotated[
        Path | None, typer.Argument(help="TOML file with several tasks (instead of --task).")
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(
            "--task", help="A built-in task name; with CONFIG, run only these of its tasks (comma-separated)."
        ),
    ] = None,
    optimizers: Annotated[
        str | None,
        typer.Option("--optimizers", help="Comma-separated optimizers (default: seed,gepa,apo,gpo)."),
    ] = None,
    budget: Annotated[int | None, typer.Option("--budget", help="Rollouts per run (default: 300).")] = None,
    seeds: Annotated[
        int | None, typer.Option("--seeds", help="Runs per optimizer, seeds 0..N-1 (default: 3).")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Compare root (default: runs/compare).")] = None,
    table: Annotated[
        str | None,
        typer.Option(
            "--table", help="Base name of the table files in the compare root (default: comparison)."
        ),
    ] = None,
    task_lm: Annotated[str | None, typer.Option("--task-lm", help="Task model spec.")] = None,
    reflection_lm: Annotated[
        str | None, typer.Option("--reflection-lm", help="Optimizer model spec.")
    ] = None,
    sizes: Annotated[
        str | None, typer.Option("--sizes", help="Split sizes TRAIN/VAL/TEST, e.g. 100/50/300.")
    ] = None,
    ablation: Annotated[bool, typer.Option("--ablation", help="Add the ablation variants.")] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; run nothing, write nothing.")
    ] = False,
    report: Annotated[
        bool,
        typer.Option(
            "--report", help="Write the table from the runs finished so far; start or resume nothing."
        ),
    ] = False,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Live progress on stderr.")
    ] = True,
) -> None:
    """Run every optimizer at one rollout budget, each run resumable; re-run the same command to continue.

    Writes comparison.md, comparison.csv and comparison.json (or --table NAME) in the compare root.
    """
    from paretoprompt.compare.config import load_compare_config, parse_compare_config, parse_list, parse_sizes
    from paretoprompt.compare.plan import expand

    if config is None and task is None:
        raise UserError("give a CONFIG.toml or --task TASK")
    data: dict[str, Any] = load_compare_config(config) if config is not None else {"tasks": [task]}
    where = config.name if config is not None else "compare"
    if optimizers is not None:
        data["optimizers"] = parse_list(optimizers, flag="--optimizers")
    for key, value in (("budget", budget), ("seeds", seeds), ("out", out), ("table", table)):
        if value is not None:
            data[key] = str(value) if key == "out" else value
    if sizes is not None:
        data["sizes"] = parse_sizes(sizes)
    if ablation:
        data["ablation"] = True
    lm = dict(data.get("lm") or {})
    for key, value in (("task", task_lm), ("reflection", reflection_lm)):
        if value is not None:
            lm[key] = value
    if lm:
        data["lm"] = lm
    parsed = parse_compare_config(data, where=where)
    if config is not None and task is not None:
        parsed = parsed.only_tasks(parse_list(task, flag="--task"))
    plan = expand(parsed)
    command = _command(
        config,
        {
            "--task": task,
            "--optimizers": optimizers,
            "--budget": budget,
            "--seeds": seeds,
            "--out": out,
            "--table": table,
            "--task-lm": task_lm,
            "--reflection-lm": reflection_lm,
            "--sizes": sizes,
            "--ablation": ablation,
        },
    )
    if dry_run and report:
        raise UserError("give --dry-run or --report, not both")
    if dry_run:
        _print_plan(plan)
        return
    if report:
        _write_table(plan, command)
        return
    _run(plan, command, progress)


def _print_plan(plan) -> None:
    from paretoprompt.compare.runner import run_status

    console = Console()
    table = Table("#", "task", "run", "seed", "status", "options", title=f"Plan ({len(plan.runs)} runs)")
    for i, run in enumerate(plan.runs, 1):
        options = ", ".join(f"{k}={v}" for k, v in run.options.items()) or "defaults"
        table.add_row(
            str(i), escape(run.task), escape(run.label), str(run.seed), run_status(run), escape(options)
        )
    console.print(table)
    c = plan.config
    console.print(
        f"budget {c.budget} rollouts per run · task LM {escape(c.lm.task)} · "
        f"reflection LM {escape(c.lm.reflection)} · runs in {escape(c.out)}/TASK/RUN/seedK"
    )
    for optimizer in c.optimizers:
        note = next(n for n in plan.scaling if n.optimizer == optimizer)
        console.print(f"[bold]{escape(optimizer)}[/] budget scaling: {escape(note.rule)}")


def _write_table(plan, command: str) -> None:
    """Print the comparison of the runs finished so far and write its files (a grid can take days)."""
    from paretoprompt.compare.output import console_table, write_outputs
    from paretoprompt.compare.table import collect

    rows = collect(plan)
    console = Console()
    console.print(console_table(rows))
    for path in write_outputs(plan.out, plan, rows, command):
        console.print(f"wrote {escape(str(path))}")


def _run(plan, command: str, progress: bool) -> None:
    from paretoprompt.compare.runner import execute

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    err = Console(stderr=True)
    done = execute(plan, progress=progress, echo=lambda line: err.print(escape(line)))
    _write_table(plan, command)
    err.print(
        f"{len(done.started)} started, {len(done.resumed)} resumed, {len(done.skipped)} already finished"
    )
    if done.interrupted is not None:
        err.print(f"interrupted in {escape(str(done.interrupted))}: re-run the same command to continue")
        raise typer.Exit(130)
