"""Scripted models and a registered toy task for `paretoprompt compare` tests (no real LLM)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from paretoprompt.lm.client import LM
from paretoprompt.lm.retry import NO_RETRY
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.optimizers.registry import register
from paretoprompt.run import api
from paretoprompt.tasks.registry import register as register_task
from paretoprompt.tasks.spec import TaskSpec
from paretoprompt.tasks.splits import SplitSizes
from run_fixtures import ToyOptimizer, ToyProgram, make_task, task_responder


class ToyOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    iterations: int = 3


class CompareToy(ToyOptimizer):
    name = "ctoy"


register("ctoy", ToyOptions, lambda o: CompareToy(o.iterations))
register_task(
    TaskSpec("ctask", "tests", "toy task", SplitSizes(8, 6, 4), lambda seed, sizes: make_task(), ToyProgram),
    replace=True,
)


def gepa_reflection(messages, params) -> str:
    """A well-formed GEPA proposal that adds one "+" (the toy task LM's competence) per reflection."""
    pluses = messages[-1]["content"].count("+")
    return f"<instruction>Answer the item with yes or no, after thinking. {'+' * (pluses + 1)}</instruction>"


def toy_reflection(messages, params) -> str:
    prompt = messages[-1]["content"]
    current = prompt.split("CURRENT:", 1)[1].split("\n", 1)[0].strip()
    return current + "+"


def reflection(messages, params) -> str:
    return (
        toy_reflection(messages, params)
        if "CURRENT:" in messages[-1]["content"]
        else gepa_reflection(messages, params)
    )


class Calls:
    """Counts live (not journal-replayed) model calls across every LM the runs build."""

    def __init__(self) -> None:
        self.backends: list[ScriptedBackend] = []

    @property
    def total(self) -> int:
        return sum(b.calls for b in self.backends)

    def make_lm(self, spec: str, role: str, slots: int) -> LM:
        backend = ScriptedBackend(task_responder if role == "task" else reflection, model=f"{spec}-{role}")
        self.backends.append(backend)
        return LM(backend, role=role, retry=NO_RETRY)


def install(monkeypatch) -> Calls:
    """Make every run build scripted LMs (whatever the spec) and count their live calls."""
    counter = Calls()
    monkeypatch.setattr(api, "_make_lm", counter.make_lm)
    return counter
