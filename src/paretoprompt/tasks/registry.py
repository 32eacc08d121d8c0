"""Built-in tasks by name. Adding a task = one module in `tasks/builtin/` + one line below."""

from __future__ import annotations

from paretoprompt.errors import UserError
from paretoprompt.tasks.builtin import asdiv, boolq, ifbench, mmlu, reasoning_gym_task, sarcasm
from paretoprompt.tasks.spec import TaskSpec

__all__ = ["BUILTIN", "TaskSpec", "get_task_spec", "register"]

BUILTIN: dict[str, TaskSpec] = {}


def register(spec: TaskSpec, *, replace: bool = False) -> TaskSpec:
    """Make `spec` available by name (a second registration of a name is a bug unless `replace`)."""
    if spec.name in BUILTIN and not replace:
        raise ValueError(f"task {spec.name!r} is already registered")
    BUILTIN[spec.name] = spec
    return spec


def get_task_spec(name: str) -> TaskSpec:
    try:
        return BUILTIN[name]
    except KeyError:
        raise UserError(f"unknown task {name!r}; built-in tasks: {', '.join(sorted(BUILTIN))}") from None


# Registration lines (keep sorted).
register(asdiv.SPEC)
register(boolq.SPEC)
register(ifbench.SPEC)
register(mmlu.SPEC)
register(reasoning_gym_task.SPEC)
register(sarcasm.SPEC)
