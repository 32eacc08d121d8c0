"""`sarcasm`: is a news headline sarcastic? (OpenAI evals' headlines; the ProTeGi-style classification task)."""

from __future__ import annotations

from paretoprompt.programs.parsers import parse_yes_no
from paretoprompt.programs.single import SingleModuleProgram
from paretoprompt.tasks.base import Example, Task
from paretoprompt.tasks.builtin import WheelFile, read_jsonl
from paretoprompt.tasks.metrics import ExactMatch
from paretoprompt.tasks.spec import TaskSpec
from paretoprompt.tasks.splits import SplitSizes, content_id, dedupe, make_splits

SOURCE = WheelFile(
    "evals",
    "3.0.1.post1",
    "evals/registry/data/sarcasm/samples.jsonl",
    "4cb34ff4d2718da62368440ffe8dece7ece39a46b0fe4d172fdd8a76bc420f46",
)
# Shown to optimizer LMs: the task only. Splits are label-balanced.
DESCRIPTION = "Decide whether a news headline is sarcastic (answer yes or no)."


def examples() -> list[Example]:
    """One example per distinct headline; `ideal` "1" means sarcastic. The headline is the last chat turn."""
    out = []
    for row in read_jsonl(SOURCE):
        headline = row["input"][-1]["content"].strip()
        answer = "yes" if str(row["ideal"]).strip() == "1" else "no"
        out.append(Example(content_id("sarcasm", headline), {"headline": headline}, answer))
    return dedupe(out)


def load(seed: int, sizes: SplitSizes) -> Task:
    splits = make_splits(examples(), sizes, seed=seed, label=lambda ex: ex.answer)
    metric = ExactMatch(labels={"yes": "sarcastic", "no": "not sarcastic"})
    return Task("sarcasm", splits, metric, DESCRIPTION)


def program() -> SingleModuleProgram:
    return SingleModuleProgram(
        "Decide whether the news headline is sarcastic.",
        "Headline: {headline}",
        "Answer with exactly one word: yes or no.",
        parse_yes_no,
        max_tokens=8,
    )


SPEC = TaskSpec("sarcasm", str(SOURCE), DESCRIPTION, SplitSizes(100, 50, 300), load, program)
