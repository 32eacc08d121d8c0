"""`paretoprompt models ...` (placeholder until the assets work lands)."""

import typer

from paretoprompt.cli import app

models_app = typer.Typer(help="List and fetch embedded models.", no_args_is_help=True)
app.add_typer(models_app, name="models")
