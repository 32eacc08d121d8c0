"""The reflection meta-prompt, written for small (1-2B) reflection models.

With gepa 0.1.4's meta-prompt, Qwen2.5-Coder-1.5B often answered with a request for input or an
echo of the example JSON. This prompt is built against that (shared pieces in
`strategies/prompt_parts.py`):
- compact plain-text records (`name: value` lines, clipped), never JSON that invites an echo;
- the current instruction and the fixed output contract are labelled so the model does not
  restate the contract;
- the request comes LAST, right before the model writes, with a one-line example of the shape;
- the answer goes between `<instruction>` and `</instruction>` lines. XML-like tags, unlike ```
  fences, are not confused with code blocks by a code model, never occur in task data, and let
  the run pass `</instruction>` as a stop sequence, so the model stops right after the
  instruction instead of spending CPU time on commentary;
- on a classification task the shape itself has one line per answer label ("Answer "true" when: ...").
  Asked in words for when each answer is right, the 1.5B model ignored the request; given the lines
  to fill in, it writes a complete instruction with a rule per label, which changes more answers.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from paretoprompt.optimizers.base import Rollout
from paretoprompt.optimizers.gepa.memory import Rejected
from paretoprompt.optimizers.gepa.reflection_parse import CLOSE_TAG, OPEN_TAG
from paretoprompt.optimizers.strategies.prompt_parts import (
    CaseRecord,
    case_record,
    keep_placeholders,
    opening_parts,
    quote,
    render_cases,
)
from paretoprompt.tasks.base import Example

SYSTEM = (
    "You rewrite the instruction given to a small language model so that it makes fewer mistakes. "
    f"You answer with one new instruction between {OPEN_TAG} and {CLOSE_TAG}, and nothing else."
)


def records_for(
    component: str, examples: Sequence[Example], rollouts: Sequence[Rollout], max_chars: int
) -> list[CaseRecord]:
    """One record per rollout, taken from the first trace call of `component` (the example itself if none)."""
    return [case_record(component, e, r, max_chars) for e, r in zip(examples, rollouts, strict=True)]


def answer_pattern(examples: Sequence[Example], rollouts: Sequence[Rollout], max_chars: int = 20) -> str:
    """'Answers given: true x3. Correct answers: false x2, true x1.' when every answer is a short label.

    A 1.5B reflection model rarely notices by itself that the task model gives the same wrong label
    every time; this one line makes such a bias visible. Empty for free-form answers, and when no
    answer repeats on either side.
    """
    if not all(isinstance(e.answer, str | int | float) for e in examples):
        return ""
    given = ["(none)" if r.prediction.output is None else str(r.prediction.output) for r in rollouts]
    gold = [str(e.answer) for e in examples]
    if any(len(v) > max_chars for v in given + gold):
        return ""
    if len(gold) > 1 and len(set(gold)) == len(gold) and len(set(given)) == len(given):
        return ""  # all different (numbers, say): no label bias to see, only noise

    def tally(values: list[str]) -> str:
        return ", ".join(f"{v} x{n}" for v, n in Counter(values).most_common())

    return f"Answers given: {tally(given)}. Correct answers: {tally(gold)}."


def answer_labels(examples: Sequence[Example], contract: str = "", max_labels: int = 6) -> tuple[str, ...]:
    """The answer labels of a classification task (2 to `max_labels` distinct short words), else ().

    Single characters are left out: they are option positions (MMLU's A-D), for which a rule per
    label means nothing. Ordered as the output contract names them ("true or false"), the rest
    alphabetically, so that the reflection model sees them in the order the task model is told them.
    """
    if not all(isinstance(e.answer, str) and 1 < len(e.answer) <= 20 for e in examples):
        return ()
    answers = {e.answer for e in examples}
    if not 2 <= len(answers) <= max_labels:
        return ()

    def position(label: str) -> tuple[int, str]:
        found = re.search(rf"(?<!\w){re.escape(label)}(?!\w)", contract, flags=re.IGNORECASE)
        return (found.start() if found else len(contract), label)

    return tuple(sorted(answers, key=position))


def template_heads(labels: Sequence[str]) -> tuple[str, ...]:
    """The heads of the label-shaped answer that a proposal must not hold twice (none without labels).
    "Task:" is left out: a task statement may well say "the task:" in passing."""
    return ("Look for:", *(f'Answer "{label}" when' for label in labels)) if labels else ()


def template_lines(labels: Sequence[str]) -> tuple[str, ...]:
    """The lines of the label-shaped answer as shown, each a head and the words to replace (none without
    labels). A proposal that keeps one of them as shown is refused as `unfilled`."""
    if not labels:
        return ()
    look_for, *per_label = template_heads(labels)
    return (
        "Task: what the input contains and what exactly to decide.",
        f"{look_for} what to check in the input before answering.",
        *(f"{head}: a concrete rule." for head in per_label),
    )


def answer_shape(labels: Sequence[str]) -> str:
    """The shape the reflection model is shown: one line, or a template with a rule line per label."""
    if not labels:
        return f"{OPEN_TAG}Your new instruction.{CLOSE_TAG}"
    return "\n".join((OPEN_TAG, *template_lines(labels), CLOSE_TAG))


def build_reflection_messages(
    *,
    instruction: str,
    contract: str,
    task_description: str,
    records: Sequence[CaseRecord],
    tried: Sequence[Rejected] = (),
    placeholders: Sequence[str] = (),
    pattern: str = "",
    labels: Sequence[str] = (),
) -> list[dict[str, str]]:
    parts = opening_parts(task_description, "instruction", instruction, contract)
    parts.append(render_cases("RESULTS WITH THE CURRENT INSTRUCTION:", records))
    if pattern:
        parts.append(pattern)
    if tried:
        lines = ["ALREADY TRIED, DID NOT HELP (write something different):"]
        for rej in tried:
            lines.append(
                f"- {quote(rej.text)} scored {rej.child_sum:g}/{rej.size}, current {rej.parent_sum:g}/{rej.size}"
            )
        parts.append("\n".join(lines))
    job = (
        "YOUR JOB: write a better instruction for this task. First find what the wrong cases have in common "
    )
    if labels:
        job += (
            "(for example the same wrong answer every time). Then write a complete new instruction in your own "
            "words, for an assistant that has never seen this task, with a concrete rule for when each answer "
            "is the right one. Do not repeat the fixed format."
        )
    else:
        job += (
            "(for example the same wrong answer every time, or the same slip in the reasoning). Then write an "
            "instruction with a concrete rule that avoids that mistake, such as when each answer is the right "
            "one, or what to work out and check before answering. Do not just reword the current instruction "
            "and do not repeat the fixed format."
        )
    parts.append(
        job
        + " State general rules, not the cases; at most 150 words."
        + keep_placeholders(placeholders)
        + f"\nAnswer in exactly this shape:\n{answer_shape(labels)}"
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]
