"""The reflection meta-prompt, written for small (1-2B) reflection models.

With gepa 0.1.4's meta-prompt, Qwen2.5-Coder-1.5B often answered with a request for input or an
echo of the example JSON. This prompt is built against that:
- compact plain-text records (`name: value` lines, clipped), never JSON that invites an echo;
- the current instruction and the fixed output contract are labelled so the model does not
  restate the contract;
- the request comes LAST, right before the model writes, with a one-line example of the shape;
- the answer goes between `<instruction>` and `</instruction>` lines. XML-like tags, unlike ```
  fences, are not confused with code blocks by a code model, never occur in task data, and let
  the run pass `</instruction>` as a stop sequence, so the model stops right after the
  instruction instead of spending CPU time on commentary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from paretoprompt.optimizers.base import Rollout
from paretoprompt.optimizers.gepa.memory import Rejected
from paretoprompt.optimizers.gepa.reflection_parse import CLOSE_TAG, OPEN_TAG
from paretoprompt.tasks.base import Example

SYSTEM = (
    "You rewrite the instruction given to a small language model so that it makes fewer mistakes. "
    f"You answer with one new instruction between {OPEN_TAG} and {CLOSE_TAG}, and nothing else."
)


@dataclass(frozen=True)
class ExampleRecord:
    """What one minibatch example showed about a component: its inputs, its output, and the verdict."""

    inputs: Mapping[str, str]
    output: str
    score: float
    feedback: str


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def records_for(
    component: str, examples: Sequence[Example], rollouts: Sequence[Rollout], max_chars: int
) -> list[ExampleRecord]:
    """One record per rollout, taken from the first trace call of `component` (the example itself if none)."""
    records = []
    for example, rollout in zip(examples, rollouts, strict=True):
        call = next((c for c in rollout.prediction.trace if c.module == component), None)
        if call is not None:
            inputs = call.inputs
            output = call.raw_output
        else:
            inputs = example.inputs
            pred = rollout.prediction
            output = f"(error: {pred.error})" if pred.error else str(pred.output)
        records.append(
            ExampleRecord(
                inputs={k: clip(str(v), max_chars) for k, v in inputs.items()},
                output=clip(output, max_chars) or "(empty)",
                score=rollout.score,
                feedback=clip(rollout.feedback, max_chars) or "(none)",
            )
        )
    return records


def _quote(text: str) -> str:
    return f'"""\n{text.strip()}\n"""'


def build_reflection_messages(
    *,
    instruction: str,
    contract: str,
    task_description: str,
    records: Sequence[ExampleRecord],
    tried: Sequence[Rejected] = (),
    placeholders: Sequence[str] = (),
) -> list[dict[str, str]]:
    parts = []
    if task_description.strip():
        parts.append(f"TASK: {task_description.strip()}")
    parts.append(f"CURRENT INSTRUCTION:\n{_quote(instruction)}")
    if contract.strip():
        parts.append(
            "FIXED FORMAT (always added after the instruction; do not repeat or change it):\n"
            + _quote(contract)
        )
    lines = ["RESULTS WITH THE CURRENT INSTRUCTION:"]
    for n, rec in enumerate(records, 1):
        lines.append(f"Case {n} (score {rec.score:g}):")
        lines.extend(f"  {key}: {value}" for key, value in rec.inputs.items())
        lines.append(f"  model output: {rec.output}")
        lines.append(f"  feedback: {rec.feedback}")
    parts.append("\n".join(lines))
    if tried:
        lines = ["ALREADY TRIED, DID NOT HELP (write something different):"]
        for rej in tried:
            lines.append(
                f"- {_quote(rej.text)} scored {rej.child_sum:g}/{rej.size}, current {rej.parent_sum:g}/{rej.size}"
            )
        parts.append("\n".join(lines))
    keep = ""
    if placeholders:
        keep = " Keep these placeholders exactly as written: " + ", ".join(sorted(placeholders)) + "."
    parts.append(
        "YOUR JOB: write a better instruction for this task. Use the feedback to fix the mistakes, "
        "state general rules instead of copying the cases, and use at most 150 words."
        + keep
        + f"\nAnswer in exactly this shape:\n{OPEN_TAG}Your new instruction.{CLOSE_TAG}"
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]
