"""Expand a comparison into run specs: tasks × seeds × optimizers × variants.

Every run gets the same rollout budget and its own directory `OUT/<task>/<label>/seed<k>/`,
where the label is the optimizer name, or `<optimizer>-<variant>` for an ablation variant.
Options are layered: budget-scaled defaults, then the user's `[options.<optimizer>]`, then the
variant's overrides. Everything is validated here, before any model is loaded.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paretoprompt.compare.config import CompareConfig, CompareTask
from paretoprompt.compare.scaling import rule_text, scaled_defaults
from paretoprompt.compare.variants import variants_for
from paretoprompt.optimizers.registry import get_optimizer
from paretoprompt.run.config import RunConfig, SizesConfig, parse_config
from paretoprompt.validation import validate_model


@dataclass(frozen=True)
class PlannedRun:
    task: str
    optimizer: str
    variant: str | None
    factor: str | None
    """The ablated factor of a variant (None for an optimizer's default run)."""
    seed: int
    run_dir: Path
    config: RunConfig
    options: Mapping[str, Any]
    """The optimizer options this run uses (scaled defaults + user options + variant)."""

    @property
    def label(self) -> str:
        return self.optimizer if self.variant is None else f"{self.optimizer}-{self.variant}"


@dataclass(frozen=True)
class ScalingNote:
    """How one optimizer's options were scaled for one task (reported in comparison.md)."""

    task: str
    optimizer: str
    val_size: int
    rule: str
    applied: Mapping[str, Any]


@dataclass(frozen=True)
class Plan:
    config: CompareConfig
    runs: tuple[PlannedRun, ...]
    scaling: tuple[ScalingNote, ...]

    @property
    def out(self) -> Path:
        return Path(self.config.out)


def _val_size(config: CompareConfig, task: CompareTask) -> int:
    sizes = config.sizes_for(task)
    if sizes is not None:
        return sizes.val
    if task.name is not None:
        from paretoprompt.tasks.registry import get_task_spec

        return get_task_spec(task.name).default_sizes.val
    return SizesConfig().val


def _variants(config: CompareConfig, task: CompareTask, optimizer: str, notes: list[ScalingNote]):
    """(variant, factor, options) for the default run and each distinct ablation variant."""
    entry = get_optimizer(optimizer)
    model = entry.options_model
    val_size = _val_size(config, task)
    scaled = scaled_defaults(optimizer, budget=config.budget, val_size=val_size)
    notes.append(ScalingNote(task.label, optimizer, val_size, rule_text(optimizer), scaled))
    base = {**scaled, **config.options.get(optimizer, {})}
    base_validated = validate_model(model, base, table=f"options.{optimizer}")
    out: list[tuple[str | None, str | None, dict[str, Any]]] = [(None, None, base)]
    for v in variants_for(optimizer) if config.ablation else ():
        options = {**base, **v.options}
        if validate_model(model, options, table=f"ablation variant {optimizer}-{v.name}") != base_validated:
            out.append((v.name, v.factor, options))
    return out


def _run_config(
    config: CompareConfig,
    task: CompareTask,
    optimizer: str,
    options: Mapping[str, Any],
    seed: int,
    run_dir: Path,
) -> RunConfig:
    task_data = task.model_dump(exclude={"seeds", "sizes"}, exclude_none=True)
    sizes = config.sizes_for(task)
    if sizes is not None:
        task_data["sizes"] = sizes.model_dump()
    data = {
        "task": task_data,
        "optimizer": {"name": optimizer, **options},
        "lm": config.lm.model_dump(exclude_none=True),
        "budget": {"rollouts": config.budget},
        "seed": seed,
        "run_dir": str(run_dir),
    }
    return parse_config(data, where=f"compare run {run_dir}")


def expand(config: CompareConfig) -> Plan:
    """All runs, ordered task → seed → optimizer → variant, so a partial comparison (run in parts,
    or interrupted) has every optimizer at the first seeds before any at the later ones."""
    runs: list[PlannedRun] = []
    notes: list[ScalingNote] = []
    for task in config.tasks:
        variants = {opt: _variants(config, task, opt, notes) for opt in config.optimizers}
        for seed in config.seeds_for(task):
            for opt in config.optimizers:
                for variant, factor, options in variants[opt]:
                    label = opt if variant is None else f"{opt}-{variant}"
                    run_dir = Path(config.out) / task.label / label / f"seed{seed}"
                    runs.append(
                        PlannedRun(
                            task.label,
                            opt,
                            variant,
                            factor,
                            seed,
                            run_dir,
                            _run_config(config, task, opt, options, seed, run_dir),
                            dict(options),
                        )
                    )
    return Plan(config, tuple(runs), tuple(notes))
