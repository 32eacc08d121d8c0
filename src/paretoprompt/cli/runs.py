"""`paretoprompt optimize CONFIG.toml`, `resume RUN_DIR`, `show RUN_DIR`."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from paretoprompt.cli import app
from paretoprompt.run.result import Result


def _logging() -> None:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


@app.command()
def optimize(
    config: Annotated[Path, typer.Argument(help="TOML config ([task], [optimizer], [lm], [budget]).")],
    run_dir: Annotated[
        Path | None, typer.Option("--run-dir", help="Where the journal and result go.")
    ] = None,
    budget: Annotated[
        int | None, typer.Option("--budget", help="Rollout budget (overrides budget.rollouts).")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Run seed (overrides seed).")] = None,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Live progress on stderr.")
    ] = True,
    inject_faults: Annotated[
        str | None,
        typer.Option(
            "--inject-faults",
            help="Fault drill, e.g. rate=0.3,kinds=timeout,429,5xx,reset,empty,truncated,garbage.",
        ),
    ] = None,
) -> None:
    """Run an optimization; it can be resumed after any crash with `paretoprompt resume RUN_DIR`."""
    from paretoprompt.run.api import start
    from paretoprompt.run.config import load_config, parse_config

    cfg = load_config(config)
    data = cfg.to_json()
    if run_dir is not None:
        data["run_dir"] = str(run_dir)
    if budget is not None:
        data["budget"] = {**data.get("budget", {}), "rollouts": budget}
    if seed is not None:
        data["seed"] = seed
    if inject_faults is not None:
        data["lm"] = {**data.get("lm", {}), "fault_injection": inject_faults}
    _logging()
    result = start(parse_config(data, where=config.name), progress=progress)
    print_result(result)


@app.command()
def resume(
    run_dir: Annotated[Path, typer.Argument(help="A run directory (holds journal.jsonl).")],
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Live progress on stderr.")
    ] = True,
) -> None:
    """Continue a run killed at any moment (even kill -9): journaled work is replayed, not redone."""
    from paretoprompt.run.api import resume as resume_run

    _logging()
    print_result(resume_run(run_dir, progress=progress))


@app.command()
def show(run_dir: Annotated[Path, typer.Argument(help="A run directory with a result.json.")]) -> None:
    """Print a finished run's best prompt, scores, Pareto front, budget and LM usage."""
    print_result(Result.load(run_dir))


def _f(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


def proposal_line(outcomes: dict[str, int]) -> str:
    """'proposals 24: accepted 2 (8%) · rejected 18 · malformed 4 (17%) · skipped 6' (skips are not proposals)."""
    proposed = sum(n for kind, n in outcomes.items() if kind != "skipped")
    parts = []
    for kind, n in sorted(outcomes.items(), key=lambda kv: (kv[0] == "skipped", -kv[1])):
        share = f" ({100 * n / proposed:.0f}%)" if kind in ("accepted", "malformed") and proposed else ""
        parts.append(f"{kind} {n}{share}")
    return f"proposals {proposed}: " + " · ".join(parts)


def print_result(r: Result, console: Console | None = None) -> None:
    console = console or Console()
    seed = r.candidate(r.seed_id)
    best = r.candidate(r.best_id)
    console.print(
        f"[bold]{escape(r.task)}[/] · {escape(r.optimizer)} · seed {r.seed} · "
        f"{r.wall_seconds:.0f}s · stopped: {escape(r.stop_reason)}"
    )

    scores = Table("", "seed", "best", title="Scores")
    scores.add_row("val mean", _f(seed.val_mean if seed else None), _f(best.val_mean if best else None))
    if r.test is not None:
        scores.add_row(f"test mean (n={r.test['n']:.0f})", _f(r.test["seed"]), _f(r.test["best"]))
    console.print(scores)
    outcomes = r.notes.get("proposal_outcomes")
    if isinstance(outcomes, dict) and outcomes:
        console.print(proposal_line(outcomes))

    prompt = Table("component", "text", title=f"Best prompt ({r.best_id})", show_lines=True)
    for name, text in r.best_texts.items():
        prompt.add_row(escape(name), escape(text))
    console.print(prompt)

    wins = {c.id: 0 for c in r.candidates}
    for ids in r.front.values():
        for cid in ids:
            wins[cid] += 1
    pool = Table(
        "id", "origin", "parents", "val mean", "front wins", title=f"Candidates ({len(r.candidates)})"
    )
    for c in r.candidates:
        mark = " *" if c.id == r.best_id else ""
        pool.add_row(
            c.id + mark, escape(c.origin), ", ".join(c.parents) or "-", _f(c.val_mean), str(wins[c.id])
        )
    console.print(pool)

    budget = Table(
        "purpose", "rollouts", title=f"Budget ({r.rollouts_used} of {r.rollout_budget or 'unlimited'})"
    )
    for purpose, n in r.rollouts_by_purpose.items():
        budget.add_row(escape(purpose), str(n))
    console.print(budget)

    usage = Table(
        "role", "calls", "cache hits", "failures", "tokens in/out", "USD", "LM seconds", title="LM usage"
    )
    for role, u in r.usage_by_role.items():
        usage.add_row(
            escape(role),
            f"{u['calls']:.0f}",
            f"{u['cache_hits']:.0f}",
            f"{u['failures']:.0f}",
            f"{u['prompt_tokens']:.0f}/{u['completion_tokens']:.0f}",
            f"{u['cost_usd']:.4f}",
            f"{u['lm_seconds']:.1f}",
        )
    console.print(usage)
