"""APO's three meta-prompts (gradient, edit, paraphrase), written for small (1-2B) reflection models.

ProTeGi's released prompts assume a zero-shot classifier; these describe the task from its own
description, the component's fixed contract and the failing cases instead, and never assume
yes/no answers. As in GEPA's meta-prompt: compact `name: value` records clipped to a few hundred
characters, the current prompt and the fixed format labelled apart, the request last with a
one-line example of the answer shape, and answers fenced in XML-like tags (`<reason>`,
`<prompt>`) that never occur in task data and whose closing tag can be a stop sequence. The
pieces shared with GEPA and GPO are in `strategies/prompt_parts.py`.
"""

from __future__ import annotations

from collections.abc import Sequence

from paretoprompt.optimizers.strategies.prompt_parts import (
    CaseRecord,
    keep_placeholders,
    opening_parts,
    render_cases,
)

REASON_TAG = "reason"
PROMPT_TAG = "prompt"
Messages = list[dict[str, str]]
REASON_SHAPE = "The prompt does not say ..."
EDIT_SHAPE = "Your new prompt."
PARAPHRASE_SHAPE = "The reworded prompt."
SHAPES = (REASON_SHAPE, EDIT_SHAPE, PARAPHRASE_SHAPE)
"""The answer shapes shown in the meta-prompts: an answer that copies one is rejected."""
CASES_HEADER = "CASES THE MODEL GOT WRONG WITH THE CURRENT PROMPT:"


def _situation(task: str, prompt: str, contract: str, cases: Sequence[CaseRecord]) -> list[str]:
    return [*opening_parts(task, "prompt", prompt, contract), render_cases(CASES_HEADER, cases)]


def _shape(tag: str, example: str, count: int) -> str:
    if count == 1:
        return f"Answer in exactly this shape:\n<{tag}>{example}</{tag}>"
    return f"Answer with {count} items, each in this shape:\n<{tag}>{example}</{tag}>"


def gradient_messages(
    *, task: str, prompt: str, contract: str, cases: Sequence[CaseRecord], count: int = 1
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
    user = "\n\n".join([*_situation(task, prompt, contract, cases), ask])
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def edit_messages(
    *,
    task: str,
    prompt: str,
    contract: str,
    cases: Sequence[CaseRecord],
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
        + keep_placeholders(placeholders)
        + "\n"
        + _shape(PROMPT_TAG, EDIT_SHAPE, count)
    )
    parts = [*_situation(task, prompt, contract, cases), f"PROBLEM: {reason.strip()}", ask]
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}]


def paraphrase_messages(*, task: str, prompt: str, placeholders: Sequence[str] = ()) -> Messages:
    """Ask for a variation with the same meaning: ProTeGi's Monte-Carlo successor."""
    system = (
        "You reword prompts for a small language model without changing what they ask for. "
        f"You answer only with the new wording between <{PROMPT_TAG}> and </{PROMPT_TAG}>."
    )
    parts = opening_parts(task, "prompt", prompt, "")
    parts.append(
        "YOUR JOB: write a variation of the current prompt that keeps its meaning, using different words."
        + keep_placeholders(placeholders)
        + "\n"
        + _shape(PROMPT_TAG, PARAPHRASE_SHAPE, 1)
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": "\n\n".join(parts)}]
