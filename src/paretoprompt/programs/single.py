"""The common case: one instruction (the optimizable text) + a fixed input template and output contract."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paretoprompt.errors import LMError, UserError
from paretoprompt.lm.base import GenerationParams
from paretoprompt.programs.base import Candidate, Prediction
from paretoprompt.programs.parsers import Parser, parse_text
from paretoprompt.programs.step import Step

if TYPE_CHECKING:
    from paretoprompt.lm.client import LM
    from paretoprompt.tasks.base import Example


class SingleModuleProgram:
    """System message = the candidate's instruction; user message = rendered template + contract.

    The contract (e.g. "Answer with exactly one word: yes or no.") is appended to every call and is
    not optimizable, so a proposal cannot break the parser. Inputs live in the template, not in the
    instruction, so proposals need no placeholders.
    """

    def __init__(
        self,
        instruction: str,
        template: str,
        contract: str = "",
        parser: Parser = parse_text,
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        component: str = "instruction",
    ) -> None:
        params = GenerationParams(temperature=temperature, max_tokens=max_tokens)
        self.step = Step(component, instruction, template, contract, parser, params)

    @property
    def components(self) -> tuple[str, ...]:
        return (self.step.component,)

    @property
    def params(self) -> GenerationParams:
        return self.step.params

    def seed_candidate(self) -> dict[str, str]:
        return {self.step.component: self.step.seed}

    def contract(self, component: str) -> str:
        self._check(component)
        return self.step.user_template()

    def required_placeholders(self, component: str) -> frozenset[str]:
        self._check(component)
        return frozenset()

    def run(self, candidate: Candidate, example: Example, lm: LM, *, slot: int | None = None) -> Prediction:
        instruction = candidate.get(self.step.component, self.step.seed)
        try:
            call = self.step.run(instruction, example.inputs, lm, slot=slot)
        except LMError as err:
            if isinstance(err, UserError):  # bad key, unknown model: no retry or rollout can fix it
                raise
            return Prediction(None, error=f"model call failed: {err}")
        except KeyError as err:
            return Prediction(None, error=f"the input template needs {err}, which the example lacks")
        return Prediction(call.parsed, (call,))

    def _check(self, component: str) -> None:
        if component != self.step.component:
            raise KeyError(f"no component {component!r}; the only component is {self.step.component!r}")
