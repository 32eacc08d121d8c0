"""One LM step: instruction (optimizable) as the system message, rendered template + fixed contract as user.

Shared by the single-module and pipeline programs so both trace calls the same way.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from paretoprompt.lm.base import GenerationParams
from paretoprompt.programs.base import ModuleCall
from paretoprompt.programs.parsers import Parser, parse_text

if TYPE_CHECKING:
    from paretoprompt.lm.client import LM

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}\n]+)\}")


def placeholders(template: str) -> frozenset[str]:
    """Names used as `{name}` in a template (`{{` and `}}` are literal braces)."""
    return frozenset(m.group(1) for m in _PLACEHOLDER.finditer(template) if m.group(1))


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill `{name}` placeholders. Unlike str.format, values are never re-parsed and there is no
    attribute or index access, so any text (including braces) in the data is inserted verbatim.
    Non-string values are written as JSON. Raises KeyError for a missing name."""

    def fill(m: re.Match[str]) -> str:
        if m.group(1) is None:
            return m.group(0)[0]
        value = values[m.group(1)]
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    return _PLACEHOLDER.sub(fill, template)


@dataclass(frozen=True)
class Step:
    """A module: component name, seed text, input template, output contract, parser and sampling.

    `output` names the parsed result so later steps can use it as `{output}`; it defaults to
    the component name.
    """

    component: str
    seed: str
    template: str
    contract: str = ""
    parser: Parser = parse_text
    params: GenerationParams = field(
        default_factory=lambda: GenerationParams(temperature=0.0, max_tokens=256)
    )
    output: str = ""

    @property
    def output_name(self) -> str:
        return self.output or self.component

    def user_template(self) -> str:
        """The user message before filling: what the optimizer sees as fixed context."""
        return f"{self.template}\n\n{self.contract}" if self.contract else self.template

    def messages(self, instruction: str, values: Mapping[str, Any]) -> tuple[dict[str, str], ...]:
        user = render(self.user_template(), values)
        if not instruction.strip():
            return ({"role": "user", "content": user},)
        return ({"role": "system", "content": instruction}, {"role": "user", "content": user})

    def run(self, instruction: str, values: Mapping[str, Any], lm: LM, *, slot: int | None) -> ModuleCall:
        """One call. Raises KeyError (missing placeholder value) or LMError; parse errors are returned."""
        used = {name: values[name] for name in sorted(placeholders(self.template))}
        messages = self.messages(instruction, values)
        completion = lm.complete(messages, self.params, slot=slot)
        parsed = self.parser(completion.text)
        error = parsed.error
        if error is not None and completion.finish_reason == "length":
            error += f" (the output was cut off at max_tokens={self.params.max_tokens})"
        return ModuleCall(
            module=self.component,
            inputs=used,
            messages=messages,
            raw_output=completion.text,
            parsed=parsed.value if error is None else None,
            parse_error=error,
        )
