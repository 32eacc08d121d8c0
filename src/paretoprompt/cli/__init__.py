"""The `paretoprompt` command: a thin shell over the Python API.

Each sub-module registers its commands on `app`. `UserError` becomes one line on stderr
and exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import typer

from paretoprompt import __version__
from paretoprompt.errors import UserError

app = typer.Typer(
    name="paretoprompt",
    help="Optimize the prompts of LLM programs (GEPA, APO, GPO) with any model, offline by default.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.command()
def version() -> None:
    """Print the paretoprompt version."""
    typer.echo(__version__)


# Command groups register themselves on import (keep this list sorted).
from paretoprompt.cli import data, models, runs  # noqa: E402,F401
from paretoprompt.cli import eval as _eval  # noqa: E402,F401


def main() -> None:
    try:
        app()
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
