"""Pieces of the meta-prompts that GEPA, APO and GPO share, written for small (1-2B) reflection models.

- compact plain-text case records (`name: value` lines, clipped), never JSON that invites an echo;
- the current text and the fixed output contract labelled apart, so the model does not restate
  the contract;
- quoted texts between triple-quote lines, and the placeholders to keep named in the request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from paretoprompt.optimizers.base import Rollout
from paretoprompt.tasks.base import Example


@dataclass(frozen=True)
class CaseRecord:
    """One example as a component saw it: its inputs, its output and the metric's verdict (all clipped)."""

    inputs: Mapping[str, str]
    output: str
    score: float
    feedback: str


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def component_io(component: str, example: Example, rollout: Rollout) -> tuple[Mapping[str, Any], str]:
    """The inputs and raw output of `component`'s first trace call; when the run failed before
    reaching it, the example's inputs and the final output (or the error)."""
    call = next((c for c in rollout.prediction.trace if c.module == component), None)
    if call is not None:
        return call.inputs, call.raw_output
    pred = rollout.prediction
    return example.inputs, f"(error: {pred.error})" if pred.error else str(pred.output)


def case_record(component: str, example: Example, rollout: Rollout, max_chars: int) -> CaseRecord:
    inputs, output = component_io(component, example, rollout)
    return CaseRecord(
        inputs={k: clip(str(v), max_chars) for k, v in inputs.items()},
        output=clip(output, max_chars) or "(empty)",
        score=rollout.score,
        feedback=clip(rollout.feedback, max_chars) or "(none)",
    )


def record_fields(records: Sequence[CaseRecord]) -> tuple[str, ...]:
    """Texts a proposal must not copy verbatim (the echo check)."""
    return tuple(v for r in records for v in (*r.inputs.values(), r.output))


def quote(text: str) -> str:
    return f'"""\n{text.strip()}\n"""'


def opening_parts(task: str, noun: str, current: str | None, contract: str) -> list[str]:
    """The task description, the current `noun` (prompt or instruction) and its fixed output format."""
    parts = [f"TASK: {task.strip()}"] if task.strip() else []
    if current is not None:
        parts.append(f"CURRENT {noun.upper()}:\n{quote(current)}")
    if contract.strip():
        parts.append(
            f"FIXED FORMAT (always added after the {noun}; do not repeat or change it):\n" + quote(contract)
        )
    return parts


def render_cases(header: str, records: Sequence[CaseRecord]) -> str:
    lines = [header]
    for n, rec in enumerate(records, 1):
        lines.append(f"Case {n} (score {rec.score:g}):")
        lines.extend(f"  {key}: {value}" for key, value in rec.inputs.items())
        lines.append(f"  model output: {rec.output}")
        lines.append(f"  feedback: {rec.feedback}")
    return "\n".join(lines)


def keep_placeholders(placeholders: Sequence[str]) -> str:
    """The sentence asking to keep `placeholders` verbatim (empty when there are none)."""
    if not placeholders:
        return ""
    return " Keep these placeholders exactly as written: " + ", ".join(sorted(placeholders)) + "."
