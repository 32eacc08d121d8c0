"""The comparison config, from a TOML file or CLI flags, validated at the boundary.

```toml
optimizers = ["seed", "gepa", "apo", "gpo"]
budget = 300                   # rollouts, the same for every optimizer
seeds = 3                      # run seeds 0, 1, 2 (data splits stay fixed: task.seed)
out = "runs/compare"
table = "comparison"           # OUT/comparison.md, .csv, .json
ablation = false
sizes = { train = 100, val = 50, test = 300 }
tasks = ["sarcasm", "boolq"]   # or tables, to set seeds/sizes per task:
# [[tasks]]
# name = "ifbench"
# seeds = 1
[lm]
task = "local/qwen2.5-coder-0.5b-instruct"
reflection = "local/qwen2.5-coder-1.5b-instruct"
[options.gepa]                 # optional: applied on top of the budget-scaled defaults
merge = true
```
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from paretoprompt.errors import UserError
from paretoprompt.run.config import LMConfig, SizesConfig, TaskConfig
from paretoprompt.validation import read_toml, validate_model

DEFAULT_OPTIMIZERS = ("seed", "gepa", "apo", "gpo")


class CompareTask(TaskConfig):
    """A task as in a run config, plus how many seeds to run it with (overrides the top level)."""

    seeds: int | None = Field(None, ge=1)

    @property
    def label(self) -> str:
        """The task's folder name under the compare root."""
        return (self.name or Path(self.file or "task").stem).replace("/", "-")


class CompareConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tasks: list[CompareTask] = Field(min_length=1)
    optimizers: list[str] = Field(default_factory=lambda: list(DEFAULT_OPTIMIZERS), min_length=1)
    budget: int = Field(300, gt=0)
    seeds: int = Field(3, ge=1)
    sizes: SizesConfig | None = None
    ablation: bool = False
    out: str = "runs/compare"
    table: str = Field("comparison", pattern=r"^[\w.-]+$")
    """Base name of the table files in `out`. Two comparisons that share `out` share their common runs
    (same task, optimizer, options and seed: run once, skipped by the other); give them different names."""
    lm: LMConfig = Field(default_factory=LMConfig)
    options: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Per-optimizer options applied on top of the budget-scaled defaults (and under ablation variants)."""

    @field_validator("tasks", mode="before")
    @classmethod
    def _names(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [{"name": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("tasks")
    @classmethod
    def _distinct_tasks(cls, tasks: list[CompareTask]) -> list[CompareTask]:
        _no_duplicates([t.label for t in tasks])
        return tasks

    @field_validator("optimizers")
    @classmethod
    def _distinct_optimizers(cls, optimizers: list[str]) -> list[str]:
        _no_duplicates(optimizers)
        return optimizers

    @model_validator(mode="after")
    def _options_for_listed(self) -> CompareConfig:
        unknown = sorted(set(self.options) - set(self.optimizers))
        if unknown:
            raise ValueError(f"options given for {unknown[0]!r}, which is not in optimizers")
        return self

    def only_tasks(self, labels: list[str]) -> CompareConfig:
        """This comparison narrowed to some of its tasks, for running a multi-task file one task at a time."""
        known = [t.label for t in self.tasks]
        missing = next((label for label in labels if label not in known), None)
        if missing is not None:
            raise UserError(f"--task {missing!r} is not in the config's tasks ({', '.join(known)})")
        return self.model_copy(update={"tasks": [t for t in self.tasks if t.label in labels]})

    def seeds_for(self, task: CompareTask) -> list[int]:
        return list(range(task.seeds or self.seeds))

    def sizes_for(self, task: CompareTask) -> SizesConfig | None:
        return task.sizes or self.sizes


def _no_duplicates(names: list[str]) -> None:
    dup = next((n for i, n in enumerate(names) if n in names[:i]), None)
    if dup is not None:
        raise ValueError(f"{dup!r} is listed twice")


def parse_compare_config(data: dict[str, Any], *, where: str = "compare") -> CompareConfig:
    return validate_model(CompareConfig, data, source=where)


def load_compare_config(path: str | Path) -> dict[str, Any]:
    """The raw TOML of a compare file (CLI flags are merged in before validation); file task
    paths are made relative to the file's folder, as in run configs."""
    path = Path(path)
    data = read_toml(path)
    for task in data.get("tasks", []) if isinstance(data.get("tasks"), list) else []:
        if (
            isinstance(task, dict)
            and isinstance(task.get("file"), str)
            and not Path(task["file"]).is_absolute()
        ):
            task["file"] = str((path.parent / task["file"]).resolve())
    return data


def parse_sizes(text: str) -> dict[str, int]:
    """`100/50/300` -> train/val/test sizes."""
    parts = text.split("/")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise UserError(
            f"--sizes: expected TRAIN/VAL/TEST as three whole numbers, e.g. 100/50/300, got {text!r}"
        )
    train, val, test = (int(p) for p in parts)
    return {"train": train, "val": val, "test": test}


def parse_list(text: str, *, flag: str) -> list[str]:
    items = [p.strip() for p in text.split(",")]
    if not all(items):
        raise UserError(f"{flag}: expected a comma-separated list without empty items, got {text!r}")
    return items
