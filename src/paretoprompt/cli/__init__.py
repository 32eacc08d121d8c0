"""The `paretoprompt` command: a thin shell over the Python API.

Each sub-module registers its commands on `app`. `UserError` becomes one line on stderr
and exit code 2; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import sys

import typer
from typer._click import exceptions as click_errors  # typer vendors click; no public alias

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
from paretoprompt.cli import compare, data, models, runs  # noqa: E402,F401
from paretoprompt.cli import eval as _eval  # noqa: E402,F401


def main() -> None:
    try:
        code = app(standalone_mode=False)  # usage errors come back to us: one line, not a panel
    except click_errors.NoArgsIsHelpError as err:
        err.show()
        sys.exit(2)
    except click_errors.ClickException as err:  # a bad option value, a missing argument...
        print(f"error: {' '.join(err.format_message().split())}", file=sys.stderr)
        sys.exit(2)
    except UserError as err:
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        print("interrupted", file=sys.stderr)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
