"""The run config (TOML), validated at the boundary: a mistake is one line naming the key.

```toml
seed = 0
run_dir = "runs/sarcasm-gepa"
[task]
name = "sarcasm"              # or: file = "data.jsonl", input_fields = [...], answer_field = "..."
sizes = { train = 100, val = 50, test = 300 }
[optimizer]
name = "gepa"                 # other keys are the optimizer's options
minibatch_size = 3
[lm]
task = "local/qwen2.5-coder-0.5b-instruct"
reflection = "local/qwen2.5-coder-1.5b-instruct"
[budget]
rollouts = 300
```
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from paretoprompt.errors import UserError
from paretoprompt.lm.faults import parse_fault_spec
from paretoprompt.validation import read_toml, validate_model

DEFAULT_TASK_LM = "local/qwen2.5-coder-0.5b-instruct"
DEFAULT_REFLECTION_LM = "local/qwen2.5-coder-1.5b-instruct"

_STRICT = ConfigDict(extra="forbid")


class SizesConfig(BaseModel):
    model_config = _STRICT
    train: int = Field(100, ge=0)
    val: int = Field(50, ge=1)
    test: int = Field(300, ge=0)


class TaskConfig(BaseModel):
    model_config = _STRICT
    name: str | None = None
    file: str | None = None
    sizes: SizesConfig | None = None
    seed: int = 0
    input_fields: list[str] | None = None
    answer_field: str | None = None
    id_field: str | None = None
    metric: str = "exact"
    instruction: str | None = None
    contract: str | None = None
    balanced: bool = False

    @model_validator(mode="after")
    def _one_source(self) -> TaskConfig:
        if (self.name is None) == (self.file is None):
            raise ValueError("give exactly one of name (a built-in task) or file (a JSONL/CSV file)")
        if self.file is not None and (not self.input_fields or not self.answer_field):
            raise ValueError("a file task needs input_fields and answer_field")
        return self


class OptimizerConfig(BaseModel):
    """`name` plus the optimizer's own options (validated by its registry entry)."""

    model_config = ConfigDict(extra="allow")
    name: str = "gepa"

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class LMConfig(BaseModel):
    model_config = _STRICT
    task: str = DEFAULT_TASK_LM
    reflection: str = DEFAULT_REFLECTION_LM
    concurrency: int = Field(4, ge=1, le=256)
    fault_injection: str | None = None
    """A fault drill, e.g. "rate=0.3,kinds=timeout,429,seed=1" (see `lm/faults.py`); off when None."""

    @field_validator("fault_injection")
    @classmethod
    def _fault_spec(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_fault_spec(value)
            except UserError as err:
                raise ValueError(str(err).removeprefix("--inject-faults: ")) from None
        return value


class BudgetConfig(BaseModel):
    model_config = _STRICT
    rollouts: int | None = Field(None, gt=0)
    max_usd: float | None = Field(None, gt=0)
    max_seconds: float | None = Field(None, gt=0)
    patience: int | None = Field(None, ge=1)
    max_consecutive_failures: int = Field(20, ge=1)


class RunConfig(BaseModel):
    model_config = _STRICT
    task: TaskConfig
    optimizer: OptimizerConfig = Field(default_factory=OptimizerConfig)
    lm: LMConfig = Field(default_factory=LMConfig)
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    seed: int = 0
    run_dir: str | None = None

    @model_validator(mode="after")
    def _bounded(self) -> RunConfig:
        b = self.budget
        if self.optimizer.name != "seed" and all(
            v is None for v in (b.rollouts, b.max_usd, b.max_seconds, b.patience)
        ):
            raise ValueError("budget: set at least one of rollouts, max_usd, max_seconds, patience")
        return self

    def to_json(self) -> dict[str, Any]:
        data = self.model_dump(exclude_none=True)
        data["optimizer"] = {"name": self.optimizer.name, **self.optimizer.options}
        return data


def parse_config(data: Mapping[str, Any], *, where: str = "config") -> RunConfig:
    return validate_model(RunConfig, data, source=where)


def load_config(path: str | Path) -> RunConfig:
    """Read and validate a TOML config; relative file paths are taken from the config's folder."""
    path = Path(path)
    data = read_toml(path)
    config = parse_config(data, where=path.name)
    if config.task.file is not None and not Path(config.task.file).is_absolute():
        config.task.file = str((path.parent / config.task.file).resolve())
    return config


def to_toml(data: Mapping[str, Any]) -> str:
    """A small TOML writer for config-shaped data (scalars, lists, nested tables)."""
    lines: list[str] = []
    tables: list[tuple[str, Mapping[str, Any]]] = []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        elif value is not None:
            lines.append(f"{key} = {_value(value)}")
    for name, table in tables:
        inline = {k: v for k, v in table.items() if not isinstance(v, Mapping)}
        nested = {k: v for k, v in table.items() if isinstance(v, Mapping)}
        lines += ["", f"[{name}]"] + [f"{k} = {_value(v)}" for k, v in inline.items() if v is not None]
        lines += [f"{k} = {_value(v)}" for k, v in nested.items()]
    return "\n".join(lines).lstrip("\n") + "\n"


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int | float):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    if isinstance(v, Mapping):
        return "{ " + ", ".join(f"{k} = {_value(x)}" for k, x in v.items() if x is not None) + " }"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")
