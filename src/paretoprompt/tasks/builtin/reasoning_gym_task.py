"""`word_sorting`: sort a handful of words by ASCII order (reasoning-gym's generator and verifier).

Examples are generated, not downloaded: item i of reasoning-gym's `word_sorting` dataset depends only
on (seed, i), so a seed fixes the data. The metric is reasoning-gym's own `score_answer`, which gives
partial credit for words in the right position. ASCII order puts every capitalised word before any
lower-case one, which small models get wrong, so prompts have room to help.

reasoning-gym imports matplotlib, sympy and other heavy packages, hence the optional extra
`paretoprompt[reasoning]`; it is imported only when the task is loaded or scored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.programs.base import Prediction
from paretoprompt.programs.parsers import parse_text, preview, with_final_answer
from paretoprompt.programs.single import SingleModuleProgram
from paretoprompt.tasks.base import Example, Score, Task
from paretoprompt.tasks.metrics import CORRECT, failure
from paretoprompt.tasks.spec import TaskSpec
from paretoprompt.tasks.splits import SplitSizes, content_id, dedupe, make_splits

FAMILY = "word_sorting"
VERSION = "0.1.25"
DESCRIPTION = (
    "Sort 3-10 words in ascending or descending ASCII/Unicode order (upper-case letters sort before "
    "lower-case) and answer with a comma-separated list."
)


def _gym() -> Any:
    try:
        import reasoning_gym
    except ImportError:
        raise UserError(
            f"task {FAMILY!r} needs reasoning-gym=={VERSION}: pip install 'paretoprompt[reasoning]'"
        ) from None
    return reasoning_gym


def examples(seed: int, count: int) -> list[Example]:
    """The first `count` generated items for `seed`; `meta["entry"]` is what the verifier reads."""
    dataset = _gym().create_dataset(FAMILY, size=count, seed=seed)
    out = []
    for item in dataset:
        entry = {"question": item["question"], "answer": item["answer"], "metadata": item["metadata"]}
        out.append(
            Example(
                content_id(FAMILY, item["question"]),
                {"question": item["question"]},
                item["answer"],
                {"entry": entry},
            )
        )
    return dedupe(out)


@dataclass(frozen=True)
class VerifierMetric:
    """reasoning-gym's `score_answer` for the example's dataset; feedback shows expected vs got."""

    def __call__(self, example: Example, prediction: Prediction) -> Score:
        failed = failure(example, prediction)
        if failed is not None:
            return failed
        entry = example.meta["entry"]
        got = str(prediction.output)
        verifier: Callable[[str, dict[str, Any]], float] = _gym().get_score_answer_fn(
            entry["metadata"]["source_dataset"]
        )
        value = float(verifier(got, entry))
        value = min(max(value, 0.0), 1.0)
        if value == 1.0:
            return Score(1.0, CORRECT)
        order = entry["metadata"].get("direction", "")
        return Score(
            value,
            f"Expected {example.answer!r} ({order} ASCII order); got {preview(got)}. "
            f"The reasoning-gym verifier scored it {value:.2f}.",
        )


def load(seed: int, sizes: SplitSizes) -> Task:
    splits = make_splits(examples(seed, sizes.total), sizes, seed=seed)
    return Task(FAMILY, splits, VerifierMetric(), DESCRIPTION)


def program() -> SingleModuleProgram:
    return SingleModuleProgram(
        "Solve the task.",
        "{question}",
        "You may think step by step. End with one line of the form 'Answer: word_1, word_2, ...'.",
        with_final_answer(parse_text),
        max_tokens=256,
    )


SPEC = TaskSpec(
    FAMILY, f"reasoning-gym=={VERSION}:{FAMILY}", DESCRIPTION, SplitSizes(100, 50, 300), load, program
)
