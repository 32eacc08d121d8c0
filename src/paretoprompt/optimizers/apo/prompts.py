"""APO's three meta-prompts (gradient, edit, paraphrase), written for small (1-2B) reflection models.

ProTeGi's released prompts assume a zero-shot classifier; these describe the task from its own
description, the component's fixed contract and the failing cases instead, and never assume
yes/no answers. As in GEPA's meta-prompt: compact `name: value` records clipped to a few hundred
characters, the current prompt and the fixed format labelled apart, the request last with a
one-line example of the answer shape, and answers fenced in XML-like tags (`<reason>`,
`<prompt>`) that never occur in task data and whose closing tag can be a stop sequence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from paretoprompt.optimizers.base import Rollout
from paretoprompt.tasks.base import Example

REASON_TAG = "reason"
PROMPT_TAG = "prompt"
Messages = list[dict[str, str]]
REASON_SHAPE = "The prompt does not say ..."
EDIT_SHAPE = "Your new prompt."
PARAPHRASE_SHAPE = "The reworded prompt."
SHAPES = (REASON_SHAPE, EDIT_SHAPE, PARAPHRASE_SHAPE)
"""The answer shapes shown in the meta-prompts: an answer that copies one is rejected."""


@dataclass(frozen=True)
class Case:
    """One failing example as the component saw it: its inputs, its output and the metric's verdict."""

    inputs: Mapping[str, str]
    output: str
    score: float
    feedback: str


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def case_for(component: str, example: Example, rollout: Rollout, max_chars: int) -> Case:
    """Taken from the component's first trace call (the example itself when the run failed earlier)."""
    call = next((c for c in rollout.prediction.trace if c.module == component), None)
    if call is not None:
        inputs, output = call.inputs, call.raw_output
    else:
        pred = rollout.prediction
        inputs, output = example.inputs, f"(error: {pred.error})" if pred.error else str(pred.output)
    return Case(
        inputs={k: clip(str(v), max_chars) for k, v in inputs.items()},
        output=clip(output, max_chars) or "(empty)",
        score=rollout.score,
        feedback=clip(rollout.feedback, max_chars) or "(none)",
    )


def case_fields(cases: Sequence[Case]) -> tuple[str, ...]:
    """Texts a proposal must not copy verbatim (echo check)."""
    return tuple(v for c in cases for v in (*c.inputs.values(), c.output))


def _quote(text: str) -> str:
    return f'"""\n{text.strip()}\n"""'


def _context(task: str, prompt: str, contract: str) -> list[str]:
    parts = [f"TASK: {task.strip()}"] if task.strip() else []
    parts.append(f"CURRENT PROMPT:\n{_quote(prompt)}")
    if contract.strip():
        parts.append(
            "FIXED FORMAT (always added after the prompt; do not repeat or change it):\n" + _quote(contract)
        )
    return parts


def _cases(cases: Sequence[Case]) -> str:
    lines = ["CASES THE MODEL GOT WRONG WITH THE CURRENT PROMPT:"]
    for n, case in enumerate(cases, 1):
        lines.append(f"Case {n} (score {case.score:g}):")
        lines.extend(f"  {key}: {value}" for key, value in case.inputs.items())
        lines.append(f"  model output: {case.output}")
        lines.append(f"  feedback: {case.feedback}")
    return "\n".join(lines)


def _shape(tag: str, example: str, count: int) -> str:
    if count == 1:
        return f"Answer in exactly this shape:\n<{tag}>{example}</{tag}>"
    return f"Answer with {count} items, each in this shape:\n<{tag}>{example}</{tag}>"


def _keep(placeholders: Sequence[str]) -> str:
    return (
        " Keep these placeholders exactly as written: " + ", ".join(sorted(placeholders)) + "."
        if placeholders
        else ""
    )


def gradient_messages(
    *, task: str, prompt: str, contract: str, cases: Sequence[Case], count: int = 1
) -> Messages:
    """Ask why the prompt fails on `cases`: ProTeGi's textual "gradient"."""
    system = (
        "You find out why a prompt given to a small language model leads to wrong answers. "
        f"You answer only with reasons, each between <{REASON_TAG}> and </{REASON_TAG}>."
    )
    what = "one reason" if count == 1 else f"{count} different reasons"
    ask = (
        f"YOUR JOB: give {what} why the current prompt made the model get these cases wrong. "
        "Name a general problem of the prompt in one or two sentences; do not restate the cases.\n"
        + _shape(REASON_TAG, REASON_SHAPE, count)
    )
    user = "\n\n".join([*_context(task, prompt, contract), _cases(cases), ask])
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def edit_messages(
    *,
    task: str,
    prompt: str,
    contract: str,
    cases: Sequence[Case],
    reason: str,
    placeholders: Sequence[str] = (),
    count: int = 1,
) -> Messages:
    """Ask for prompts that fix the problem named by `reason`: the gradient step."""
    system = (
        "You improve the prompt given to a small language model. "
        f"You answer only with new prompts, each between <{PROMPT_TAG}> and </{PROMPT_TAG}>."
    )
    what = "a better prompt" if count == 1 else f"{count} different better prompts"
    ask = (
        f"YOUR JOB: write {what} that fixes this problem. Keep what already works, state general "
        "rules instead of copying the cases, and use at most 150 words."
        + _keep(placeholders)
        + "\n"
        + _shape(PROMPT_TAG, EDIT_SHAPE, count)
    )
    parts = [*_context(task, prompt, contract), _cases(cases), f"PROBLEM: {reason.strip()}", ask]
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}]


def paraphrase_messages(*, task: str, prompt: str, placeholders: Sequence[str] = ()) -> Messages:
    """Ask for a variation with the same meaning: ProTeGi's Monte-Carlo successor."""
    system = (
        "You reword prompts for a small language model without changing what they ask for. "
        f"You answer only with the new wording between <{PROMPT_TAG}> and </{PROMPT_TAG}>."
    )
    parts = [f"TASK: {task.strip()}"] if task.strip() else []
    parts.append(f"CURRENT PROMPT:\n{_quote(prompt)}")
    parts.append(
        "YOUR JOB: write a variation of the current prompt that keeps its meaning, using different words."
        + _keep(placeholders)
        + "\n"
        + _shape(PROMPT_TAG, PARAPHRASE_SHAPE, 1)
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}]
