"""Optimizers by name: each entry is an options model (pydantic, extra keys forbidden) and a factory.

Adding an optimizer = its module + one `_lazy(...)` line below. Modules are imported on first
use, so a run of one optimizer never imports the others.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from paretoprompt.errors import UserError
from paretoprompt.optimizers.base import Optimizer
from paretoprompt.validation import validate_model


@dataclass(frozen=True)
class OptimizerEntry:
    name: str
    options_model: type[BaseModel]
    factory: Callable[[Any], Optimizer]
    """Called with a validated instance of `options_model`."""

    def make(self, options: Mapping[str, Any] | None = None, *, where: str = "optimizer") -> Optimizer:
        """Validate `options` and build the optimizer; a bad key is a one-line `UserError` naming it."""
        return self.factory(validate_model(self.options_model, options or {}, table=where))


def _lazy(module: str, cls: str, options: str) -> Callable[[], OptimizerEntry]:
    def load() -> OptimizerEntry:
        mod = importlib.import_module(module)
        return OptimizerEntry(getattr(mod, cls).name, getattr(mod, options), getattr(mod, cls))

    return load


_REGISTRY: dict[str, Callable[[], OptimizerEntry]] = {
    "apo": _lazy("paretoprompt.optimizers.apo", "APO", "APOConfig"),
    "gepa": _lazy("paretoprompt.optimizers.gepa", "GEPA", "GEPAConfig"),
    "gpo": _lazy("paretoprompt.optimizers.gpo", "GPO", "GPOConfig"),
    "random-paraphrase": _lazy(
        "paretoprompt.optimizers.paraphrase", "RandomParaphrase", "RandomParaphraseOptions"
    ),
    "seed": _lazy("paretoprompt.optimizers.seed", "SeedBaseline", "SeedOptions"),
}


def available() -> list[str]:
    return sorted(_REGISTRY)


def get_optimizer(name: str) -> OptimizerEntry:
    try:
        load = _REGISTRY[name]
    except KeyError:
        raise UserError(f"unknown optimizer {name!r}; available: {', '.join(available())}") from None
    return load()


def make_optimizer(name: str, options: Mapping[str, Any] | None = None) -> Optimizer:
    return get_optimizer(name).make(options, where="optimizer")


def register(name: str, options_model: type[BaseModel], factory: Callable[[Any], Optimizer]) -> None:
    """Make a user-defined optimizer available by name (e.g. from a plugin or a test)."""
    entry = OptimizerEntry(name, options_model, factory)
    _REGISTRY[name] = lambda: entry
