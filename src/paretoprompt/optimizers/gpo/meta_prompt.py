"""GPO's meta-prompt, compact enough for a 1.5B reflection model.

Order: task, fixed output contract, a few task exemplars, the retrieved trajectory (worst score
first), the current prompt with its score, and LAST the request with the edit budget ("change at
most N words") and the answer shape `<prompt>...</prompt>`. Scores are shown on ONE scale,
0-100 (the mean metric value times 100), and the prompt says so: the paper's released code
mixes 0-1 and 0-100, which confuses small models.

Two update methods (paper, "update method"):
- `generation`: write a new prompt, learning from the scored trajectory (OPRO-style);
- `editing`: keep the current prompt and edit a few of its words in the direction the scores point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from paretoprompt.optimizers.base import Rollout
from paretoprompt.optimizers.gpo.parse import CLOSE_TAG, OPEN_TAG
from paretoprompt.optimizers.gpo.trajectory import Entry
from paretoprompt.optimizers.strategies.prompt_parts import (
    component_io,
    keep_placeholders,
    opening_parts,
    quote,
)
from paretoprompt.tasks.base import Example

SCALE = "0-100"
SYSTEM = (
    "You improve the instruction given to a small language model so that it scores higher. "
    f"You answer with one instruction between {OPEN_TAG} and {CLOSE_TAG}, and nothing else."
)
_JOBS = {
    "generation": (
        "YOUR JOB: write a new instruction that scores higher than every instruction above. "
        "Learn from what the higher-scoring instructions do differently."
    ),
    "editing": (
        "YOUR JOB: edit the current instruction so that it scores higher. Keep it and only replace, "
        "add or delete a few words, moving in the direction that raised the scores above."
    ),
}


@dataclass(frozen=True)
class Exemplar:
    """A train example as the optimizer sees it; `output`/`feedback` only when the current prompt was run."""

    inputs: Mapping[str, str]
    expected: str
    output: str | None = None
    feedback: str | None = None


def clip(text: str, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def score_text(score: float) -> str:
    """A [0, 1] mean on the 0-100 scale, at most one decimal."""
    return f"{100 * score:.1f}".removesuffix(".0")


def exemplars_for(
    component: str,
    examples: Sequence[Example],
    rollouts: Sequence[Rollout] | None,
    max_chars: int,
) -> list[Exemplar]:
    """Inputs and gold answers; with rollouts, the component's own inputs/output (first trace call) and the feedback."""
    out = []
    for i, example in enumerate(examples):
        inputs: Mapping[str, object] = example.inputs
        output = feedback = None
        if rollouts is not None:
            inputs, output = component_io(component, example, rollouts[i])
            output = clip(output, max_chars) or "(empty)"
            feedback = clip(rollouts[i].feedback, max_chars) or "(none)"
        out.append(
            Exemplar(
                inputs={k: clip(str(v), max_chars) for k, v in inputs.items()},
                expected=clip(str(example.answer), max_chars),
                output=output,
                feedback=feedback,
            )
        )
    return out


def build_messages(
    *,
    method: str,
    current: str,
    current_score: float,
    trajectory: Sequence[Entry],
    component: str,
    max_edit_words: int,
    contract: str = "",
    task_description: str = "",
    exemplars: Sequence[Exemplar] = (),
    placeholders: Sequence[str] = (),
) -> list[dict[str, str]]:
    if method not in _JOBS:
        raise ValueError(f"unknown update method {method!r}")
    parts = opening_parts(task_description, "instruction", None, contract)
    if exemplars:
        lines = ["EXAMPLES OF THE TASK:"]
        for n, ex in enumerate(exemplars, 1):
            lines.append(f"Example {n}:")
            lines.extend(f"  {key}: {value}" for key, value in ex.inputs.items())
            lines.append(f"  expected answer: {ex.expected}")
            if ex.output is not None:
                lines.append(f"  output with the current instruction: {ex.output}")
                lines.append(f"  feedback: {ex.feedback}")
        parts.append("\n".join(lines))
    if trajectory:
        lines = [f"EARLIER INSTRUCTIONS AND THEIR SCORES ({SCALE}, higher is better), worst first:"]
        for entry in trajectory:
            lines.append(f"Score {score_text(entry.score)}:\n{quote(entry.texts[component])}")
        parts.append("\n".join(lines))
    parts.append(f"CURRENT INSTRUCTION (score {score_text(current_score)} of 100):\n{quote(current)}")
    parts.append(
        _JOBS[method]
        + f" Change at most {max_edit_words} words of the current instruction."
        + keep_placeholders(placeholders)
        + f"\nAnswer in exactly this shape:\n{OPEN_TAG}Your new instruction.{CLOSE_TAG}"
    )
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": "\n\n".join(parts)}]
