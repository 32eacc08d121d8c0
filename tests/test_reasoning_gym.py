"""reasoning-gym word_sorting task: deterministic generation, verifier metric with feedback, program parsing."""

from __future__ import annotations

import builtins

import pytest

from paretoprompt.errors import UserError
from paretoprompt.lm.client import LM
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.programs.base import ModuleCall, Prediction
from paretoprompt.tasks.builtin import reasoning_gym_task as rg_task
from paretoprompt.tasks.splits import SplitSizes

pytest.importorskip("reasoning_gym")

SIZES = SplitSizes(3, 2, 4)


def test_same_seed_gives_same_splits_and_other_seed_differs() -> None:
    first, again, other = rg_task.load(7, SIZES), rg_task.load(7, SIZES), rg_task.load(8, SIZES)
    ids = [[ex.id for ex in first.splits.get(name)] for name in ("train", "val", "test")]
    assert ids == [[ex.id for ex in again.splits.get(name)] for name in ("train", "val", "test")]
    assert [len(part) for part in ids] == [3, 2, 4]
    assert len({i for part in ids for i in part}) == 9
    assert ids[0] != [ex.id for ex in other.splits.train]
    ex = first.splits.train[0]
    assert (ex.id, ex.answer) == ("word_sorting-50c57840e9cc", "weighty, furnished, feelings, expend")
    assert "descending order" in ex.inputs["question"]


def test_metric_uses_the_verifier_and_explains() -> None:
    task = rg_task.load(7, SIZES)
    ex = task.splits.train[0]
    assert task.metric(ex, Prediction("weighty, furnished, feelings, expend")).feedback == "Correct."
    reversed_order = task.metric(ex, Prediction("expend, feelings, furnished, weighty"))
    assert reversed_order.value == pytest.approx(0.2)
    assert reversed_order.feedback == (
        "Expected 'weighty, furnished, feelings, expend' (descending ASCII order); "
        "got 'expend, feelings, furnished, weighty'. The reasoning-gym verifier scored it 0.20."
    )
    assert task.metric(ex, Prediction("weighty, zzz, zzz, zzz")).value == pytest.approx(0.25)
    unparsed = ModuleCall("instruction", {}, (), "", None, "The output was empty.")
    empty = task.metric(ex, Prediction(None, (unparsed,)))
    assert (empty.value, empty.feedback) == (
        0.0,
        "The output was empty. Expected 'weighty, furnished, feelings, expend'.",
    )


def test_program_takes_the_final_answer_line() -> None:
    task = rg_task.load(7, SIZES)
    ex = task.splits.train[0]
    backend = ScriptedBackend(["w > f > e.\nAnswer: weighty, furnished, feelings, expend"])
    pred = rg_task.program().run(rg_task.program().seed_candidate(), ex, LM(backend))
    assert pred.output == "weighty, furnished, feelings, expend"
    assert backend.requests[0][0][-1]["content"].startswith(ex.inputs["question"])
    assert task.metric(ex, pred).value == 1.0


def test_missing_package_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_gym(name: str, *args: object, **kwargs: object) -> object:
        if name == "reasoning_gym":
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_gym)
    with pytest.raises(UserError, match=r"pip install 'paretoprompt\[reasoning\]'"):
        rg_task.load(0, SIZES)
