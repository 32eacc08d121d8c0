"""What gets optimized: a program with named text components, run on one example at a time."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from paretoprompt.lm.client import LM
    from paretoprompt.tasks.base import Example

Candidate = Mapping[str, str]
"""Component name -> text. The unit optimizers propose and the evaluator scores."""


def candidate_id(candidate: Candidate) -> str:
    """A short content hash: equal texts give equal ids, across runs and processes."""
    blob = json.dumps(dict(candidate), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class ModuleCall:
    """One LM step of a program run: what it saw, what it said, and what was parsed out."""

    module: str
    inputs: Mapping[str, Any]
    messages: tuple[Mapping[str, str], ...]
    raw_output: str
    parsed: Any = None
    parse_error: str | None = None


@dataclass(frozen=True)
class Prediction:
    """A program's final output plus the trace of every module call that produced it.

    `error` is set when the run could not finish (e.g. the model call failed); parse
    failures are not errors, they live in the trace and reach the metric's feedback.
    """

    output: Any
    trace: tuple[ModuleCall, ...] = field(default_factory=tuple)
    error: str | None = None


class Program(Protocol):
    """A (possibly multi-module) LM program.

    The answer-format contract is *not* a component: programs append it to every call and
    optimizers only see it as fixed context (`contract`), so a proposal cannot break parsing.
    """

    @property
    def components(self) -> tuple[str, ...]:
        """Names of the optimizable texts, in pipeline order."""
        ...

    def seed_candidate(self) -> dict[str, str]:
        """The starting texts."""
        ...

    def contract(self, component: str) -> str:
        """Fixed context for the optimizer: the input template and output format of a component."""
        ...

    def required_placeholders(self, component: str) -> frozenset[str]:
        """Placeholders (e.g. "{question}") a proposal for `component` must keep; usually empty."""
        ...

    def run(self, candidate: Candidate, example: Example, lm: LM, *, slot: int | None = None) -> Prediction:
        """Run on one example. Must not raise for model or parse failures: report them in the Prediction."""
        ...
