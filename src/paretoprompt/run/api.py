"""The Python API: `optimize(...)` starts a run, `resume(run_dir)` continues one.

The CLI is a thin shell over these. Names (task, LM specs, optimizer) are resolved lazily so
this module imports no backend, dataset or optimizer until a run needs it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.lm.client import LM
from paretoprompt.programs.base import Program
from paretoprompt.redact import redact_data
from paretoprompt.run.budget import Budget
from paretoprompt.run.config import (
    DEFAULT_REFLECTION_LM,
    DEFAULT_TASK_LM,
    RunConfig,
    parse_config,
    to_toml,
)
from paretoprompt.run.journal import JOURNAL, Event, RunLock, load_events, write_atomic
from paretoprompt.run.progress import Progress
from paretoprompt.run.result import Result
from paretoprompt.run.runner import RunSpec, run_session
from paretoprompt.tasks.base import Task

PYTHON_OBJECTS = "python_objects"
"""Start-event key listing the parts given as Python objects, which `resume` must be handed again."""


def optimize(
    task: str | Task,
    program: Program | None = None,
    optimizer: str = "gepa",
    task_lm: str | LM = DEFAULT_TASK_LM,
    reflection_lm: str | LM = DEFAULT_REFLECTION_LM,
    budget: int | Budget | Mapping[str, Any] | None = None,
    seed: int = 0,
    run_dir: str | Path | None = None,
    optimizer_options: Mapping[str, Any] | None = None,
    progress: bool = True,
    concurrency: int = 4,
    fault_injection: str | None = None,
) -> Result:
    """Optimize `program`'s prompts on `task`; every event is journaled in `run_dir`.

    `task` is a built-in task name or a `Task` (then `program` is required); LMs are spec
    strings (`local/NAME`, `provider/model`) or `LM` objects; `budget` is a rollout count, a
    `Budget`, or a mapping of its fields. `fault_injection` (e.g. "rate=0.3,kinds=all") makes
    both LMs flaky on purpose, a drill of the retry and failure policies (docs/reliability.md).
    """
    objects: dict[str, Any] = {}
    task_name = task
    if isinstance(task, Task):
        if program is None:
            raise UserError("program= is required when task is a Task object")
        objects["task"], task_name = task, task.name
    if program is not None:
        objects["program"] = program
    lm_specs = {}
    for role, lm in (("task_lm", task_lm), ("reflection_lm", reflection_lm)):
        if isinstance(lm, LM):
            objects[role] = lm
        lm_specs[role] = lm.model if isinstance(lm, LM) else lm
    data = {
        "task": {"name": task_name},
        "optimizer": {"name": optimizer, **dict(optimizer_options or {})},
        "lm": {
            "task": lm_specs["task_lm"],
            "reflection": lm_specs["reflection_lm"],
            "concurrency": concurrency,
            "fault_injection": fault_injection,
        },
        "budget": _budget_fields(budget),
        "seed": seed,
        "run_dir": None if run_dir is None else str(run_dir),
    }
    return start(parse_config(data, where="optimize()"), objects=objects, progress=progress)


def start(
    config: RunConfig,
    *,
    objects: Mapping[str, Any] | None = None,
    progress: bool = True,
    on_append: Callable[[Event], None] | None = None,
) -> Result:
    """Start a new run from a validated config; `objects` replace the parts named in it."""
    from paretoprompt.optimizers.registry import make_optimizer

    objects = dict(objects or {})
    make_optimizer(config.optimizer.name, config.optimizer.options)  # a bad option leaves no run dir behind
    run_dir = Path(config.run_dir) if config.run_dir else None
    try:
        if run_dir is None:
            run_dir = _new_default_run_dir(config)
        else:
            run_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(f"cannot create run directory {run_dir}: {err.strerror or err}") from None
    lock = RunLock(run_dir)
    try:
        if load_events(run_dir / JOURNAL):
            raise UserError(
                f"{run_dir} already holds a run; continue it with `paretoprompt resume {run_dir}`"
            )
        data = redact_data(
            {**config.to_json(), "run_dir": str(run_dir)}
        )  # keys come from the env, never from here
        write_atomic(run_dir / "config.toml", to_toml(data))
        spec = _build(config, objects, {**data, PYTHON_OBJECTS: sorted(objects)})
        return run_session(spec, run_dir, [], progress=Progress(enabled=progress), on_append=on_append)
    finally:
        lock.release()


def resume(
    run_dir: str | Path,
    *,
    task: Task | None = None,
    program: Program | None = None,
    task_lm: LM | None = None,
    reflection_lm: LM | None = None,
    progress: bool = True,
    on_append: Callable[[Event], None] | None = None,
) -> Result:
    """Continue a run (killed at any moment, or stopped) by replaying its journal.

    Pass the Python objects again if the run was started with any (`Task`, `Program`, `LM`).
    """
    run_dir = Path(run_dir)
    if not (run_dir / JOURNAL).is_file():
        raise UserError(f"{run_dir}: not a run directory (no {JOURNAL})")
    lock = RunLock(run_dir)
    try:
        prior = load_events(run_dir / JOURNAL)
        if not prior or prior[0]["type"] != "start":
            raise UserError(f"{run_dir / JOURNAL}: no start event; the run never began, start it again")
        saved = dict(prior[0]["config"])
        given = {"task": task, "program": program, "task_lm": task_lm, "reflection_lm": reflection_lm}
        objects = {k: v for k, v in given.items() if v is not None}
        missing = sorted(set(saved.pop(PYTHON_OBJECTS, [])) - set(objects))
        if missing:
            raise UserError(
                f"{run_dir} was started with Python objects; pass {', '.join(m + '=' for m in missing)} to resume()"
            )
        config = parse_config(saved, where=str(run_dir / JOURNAL))
        spec = _build(config, objects, prior[0]["config"])
        return run_session(spec, run_dir, prior, progress=Progress(enabled=progress), on_append=on_append)
    finally:
        lock.release()


def _build(config: RunConfig, objects: Mapping[str, Any], journaled: Mapping[str, Any]) -> RunSpec:
    from paretoprompt.lm.local import DEFAULT_SLOTS
    from paretoprompt.optimizers.registry import make_optimizer

    optimizer = make_optimizer(config.optimizer.name, config.optimizer.options)  # cheap checks first
    task, program = objects.get("task"), objects.get("program")
    if task is None or program is None:
        loaded_task, loaded_program = _load_task(config)
        task = task or loaded_task
        program = program or loaded_program
    # An embedded task model gets one decoding slot per rollout in flight. Reflection calls come one at a
    # time, so more slots would only hold memory, unless it is the task model itself (then one server).
    slots = config.lm.concurrency
    reflection_slots = slots if config.lm.reflection == config.lm.task else DEFAULT_SLOTS
    task_lm = objects.get("task_lm") or _make_lm(config.lm.task, "task", slots)
    reflection_lm = objects.get("reflection_lm") or _make_lm(
        config.lm.reflection, "reflection", reflection_slots
    )
    if config.lm.fault_injection is not None:
        from paretoprompt.lm.faults import parse_fault_spec

        faults = parse_fault_spec(config.lm.fault_injection)
        task_lm, reflection_lm = faults.wrap_lm(task_lm), faults.wrap_lm(reflection_lm)
    return RunSpec(
        task=task,
        program=program,
        optimizer=optimizer,
        task_lm=task_lm,
        reflection_lm=reflection_lm,
        budget=Budget(**config.budget.model_dump()),
        seed=config.seed,
        concurrency=config.lm.concurrency,
        config=journaled,
    )


def _load_task(config: RunConfig) -> tuple[Task, Program]:
    t = config.task
    sizes = None
    if t.sizes is not None:
        from paretoprompt.tasks.splits import SplitSizes

        sizes = SplitSizes(t.sizes.train, t.sizes.val, t.sizes.test)
    if t.file is not None:
        from paretoprompt.tasks.files import load_file_task

        return load_file_task(
            t.file,
            input_fields=t.input_fields or [],
            answer_field=t.answer_field or "",
            id_field=t.id_field,
            metric=t.metric,
            sizes=sizes,
            seed=t.seed,
            instruction=t.instruction,
            contract=t.contract,
            balanced=t.balanced,
        )
    from paretoprompt.tasks.registry import get_task_spec

    spec = get_task_spec(t.name or "")
    return spec.load(t.seed, sizes), spec.program()


def _make_lm(spec: str, role: str, slots: int) -> LM:
    from paretoprompt.lm.factory import make_lm

    return make_lm(spec, role=role, slots=slots)


def _budget_fields(budget: int | Budget | Mapping[str, Any] | None) -> dict[str, Any]:
    if budget is None:
        return {}
    if isinstance(budget, bool):
        raise UserError("budget must be a rollout count, a Budget or a mapping")
    if isinstance(budget, int):
        return {"rollouts": budget}
    if isinstance(budget, Budget):
        return {k: v for k, v in vars(budget).items() if v is not None}
    return dict(budget)


def _new_default_run_dir(config: RunConfig) -> Path:
    """Create runs/TASK-OPTIMIZER-TIMESTAMP; a numeric suffix keeps runs started in the same second apart."""
    name = (config.task.name or Path(config.task.file or "task").stem).replace("/", "-")
    base = f"runs/{name}-{config.optimizer.name}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, attempt = Path(base), 1
    while True:
        try:
            path.mkdir(parents=True)
            return path
        except FileExistsError:
            attempt += 1
            path = Path(f"{base}-{attempt}")
