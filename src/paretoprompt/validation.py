"""User config read and checked against a pydantic model, failing with the one-line `UserError` the CLI shows."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from paretoprompt.errors import UserError

M = TypeVar("M", bound=BaseModel)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path}: no such config file") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: invalid TOML: {err}") from None


def validate_model(model: type[M], data: Mapping[str, Any], *, source: str = "", table: str = "") -> M:
    """`model` built from `data`; the first problem becomes `[source: ][table.]key: message`.

    `source` names where the data came from (a file, a command); `table` is the dotted path of
    `data` inside it, so that the message names the offending key in full (`gepa.minibatch_size`).
    """
    try:
        return model.model_validate(dict(data))
    except ValidationError as err:
        first = err.errors()[0]
        key = ".".join(str(p) for p in (table, *first["loc"]) if p != "")
        where = ": ".join(p for p in (source, key) if p)
        msg = first["msg"].removeprefix("Value error, ")
        raise UserError(f"{where}: {msg}" if where else msg) from None
