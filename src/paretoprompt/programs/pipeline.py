"""A multi-module program: LM steps in sequence, each seeing the example and earlier steps' outputs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from paretoprompt.errors import LMError, UserError
from paretoprompt.programs.base import Candidate, ModuleCall, Prediction
from paretoprompt.programs.step import Step, placeholders

if TYPE_CHECKING:
    from paretoprompt.lm.client import LM
    from paretoprompt.tasks.base import Example


class PipelineProgram:
    """Steps run in order; step k's template may use example inputs and `{output}` of steps before k.

    The last step's parsed output is the prediction. A step whose output cannot be parsed ends
    the run with `output=None`; the parse error is in that step's ModuleCall, where metrics find it.
    """

    def __init__(self, steps: Sequence[Step]) -> None:
        if not steps:
            raise ValueError("a pipeline needs at least one step")
        names = [s.component for s in steps]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate component names in pipeline: {names}")
        seen: set[str] = set()
        for step in steps:
            later = placeholders(step.template) & {s.output_name for s in steps if s.output_name not in seen}
            if later:
                raise ValueError(
                    f"step {step.component!r} uses outputs of itself or later steps: {sorted(later)}"
                )
            seen.add(step.output_name)
        self.steps = tuple(steps)

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(s.component for s in self.steps)

    def seed_candidate(self) -> dict[str, str]:
        return {s.component: s.seed for s in self.steps}

    def step(self, component: str) -> Step:
        for s in self.steps:
            if s.component == component:
                return s
        raise KeyError(f"no component {component!r}; components are {list(self.components)}")

    def contract(self, component: str) -> str:
        return self.step(component).user_template()

    def required_placeholders(self, component: str) -> frozenset[str]:
        self.step(component)
        return frozenset()

    def run(self, candidate: Candidate, example: Example, lm: LM, *, slot: int | None = None) -> Prediction:
        values: dict[str, Any] = dict(example.inputs)
        trace: list[ModuleCall] = []
        for step in self.steps:
            instruction = candidate.get(step.component, step.seed)
            try:
                call = step.run(instruction, values, lm, slot=slot)
            except LMError as err:
                if isinstance(err, UserError):  # bad key, unknown model: no retry or rollout can fix it
                    raise
                return Prediction(None, tuple(trace), error=f"model call failed in {step.component!r}: {err}")
            except KeyError as err:
                return Prediction(None, tuple(trace), error=f"template of {step.component!r} needs {err}")
            trace.append(call)
            if call.parse_error is not None:
                return Prediction(None, tuple(trace))
            values[step.output_name] = call.parsed
        return Prediction(trace[-1].parsed, tuple(trace))
