"""`paretoprompt data list|show`: the built-in tasks and a look at their examples."""

from __future__ import annotations

import json

import typer

from paretoprompt.cli import app
from paretoprompt.errors import UserError
from paretoprompt.tasks.registry import BUILTIN, get_task_spec

data_app = typer.Typer(help="List built-in tasks and show their examples.", no_args_is_help=True)
app.add_typer(data_app, name="data")


@data_app.command("list")
def list_tasks() -> None:
    """Name, data source and default train/val/test sizes of every built-in task."""
    rows = [(name, spec.source, str(spec.default_sizes)) for name, spec in sorted(BUILTIN.items())]
    widths = [max(len(r[i]) for r in [("task", "source", "sizes"), *rows]) for i in range(3)]
    for row in [("task", "source", "sizes"), *rows]:
        typer.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@data_app.command("show")
def show(
    name: str = typer.Argument(..., help="Built-in task name (see `data list`)."),
    n: int = typer.Option(3, "-n", "--n", min=1, help="How many examples."),
    split: str = typer.Option("val", help="train, val or test."),
    seed: int = typer.Option(0, help="Split seed."),
) -> None:
    """Print a few examples of a split, with the program's seed instruction and prompt template."""
    if split not in ("train", "val", "test"):
        raise UserError(f"unknown split {split!r}; expected train, val or test")
    spec = get_task_spec(name)
    task, program = spec.load(seed), spec.program()
    examples = task.splits.get(split)
    typer.echo(f"{name}: {spec.description}")
    typer.echo(
        f"splits (seed {seed}): train {len(task.splits.train)}, val {len(task.splits.val)}, "
        f"test {len(task.splits.test)}"
    )
    for component, text in program.seed_candidate().items():
        typer.echo(
            f"\n[{component}] seed: {text}\n[{component}] user message:\n{program.contract(component)}"
        )
    for ex in examples[:n]:
        typer.echo(f"\n--- {ex.id}")
        for key, value in ex.inputs.items():
            typer.echo(f"{key}: {value if isinstance(value, str) else json.dumps(value)}")
        typer.echo(f"answer: {json.dumps(ex.answer, ensure_ascii=False)}")
