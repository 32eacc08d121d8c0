"""Every metric's score and exact feedback text, including failures and user metrics."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

import pytest

from paretoprompt.errors import UserError
from paretoprompt.programs.base import ModuleCall, Prediction
from paretoprompt.tasks.base import Example, Score
from paretoprompt.tasks.metrics import (
    METRICS,
    ChoiceMatch,
    Contains,
    ExactMatch,
    NormalizedExactMatch,
    NumericMatch,
    TokenF1,
    get_metric,
    load_user_metric,
)


def ex(answer: object, **meta: object) -> Example:
    return Example("e1", {"q": "?"}, answer, meta)


def out(value: object) -> Prediction:
    return Prediction(value)


def parse_failed(error: str) -> Prediction:
    call = ModuleCall("instruction", {}, (), raw_output="blah", parse_error=error)
    return Prediction(None, (call,))


def test_exact() -> None:
    m = ExactMatch(labels={"yes": "sarcastic", "no": "not sarcastic"})
    assert m(ex("yes"), out("yes")) == Score(1.0, "Correct.")
    assert m(ex("yes"), out("no")) == Score(0.0, "Wrong: expected 'yes' (sarcastic), got 'no'.")
    assert ExactMatch()(ex(True), out("true")) == Score(1.0, "Correct.")
    assert ExactMatch()(ex(3), out("4")) == Score(0.0, "Wrong: expected '3', got '4'.")


def test_failures_become_feedback() -> None:
    m = ExactMatch()
    err = "Could not find 'yes' or 'no' in the output: 'blah'"
    assert m(ex("yes"), parse_failed(err)) == Score(0.0, f"{err} Expected 'yes'.")
    failed = Prediction(None, error="model call failed: timeout")
    assert m(ex("yes"), failed) == Score(0.0, "The program failed: model call failed: timeout")
    assert m(ex("yes"), out(None)) == Score(0.0, "No answer was produced. Expected 'yes'.")


def test_normalized_exact() -> None:
    m = NormalizedExactMatch()
    assert m(ex("New York"), out(" new  york. ")) == Score(1.0, "Correct.")
    assert m(ex("Paris"), out("paris, France")) == Score(0.0, "Wrong: expected 'Paris', got 'paris, France'.")


def test_choice() -> None:
    choices = {"A": "Metal", "B": "Sulfide", "C": "Fluoride", "D": "Oxide"}
    m = ChoiceMatch()
    assert m(ex("D", choices=choices), out("D")) == Score(1.0, "Correct.")
    assert m(ex("D. Oxide"), out("(d)")) == Score(1.0, "Correct.")
    assert m(ex("D", choices=choices), out("B")) == Score(
        0.0, "Wrong: expected 'D' (Oxide), got 'B' (Sulfide)."
    )
    assert m(ex("D"), out("none of them")) == Score(
        0.0, "Could not find an option letter in 'none of them'. Expected 'D'."
    )


def test_numeric() -> None:
    m = NumericMatch()
    assert m(ex(9), out(9.0)) == Score(1.0, "Correct.")
    assert m(ex("1,200 dollars"), out("$1200")) == Score(1.0, "Correct.")
    assert m(ex(9), out(8)) == Score(0.0, "Wrong: expected 9, got 8.")
    assert m(ex(9), out("nine")) == Score(
        0.0, "Could not parse a number from the output: 'nine'. Expected 9."
    )
    assert m(ex("Mrs. Hilt"), out(3)) == Score(0.0, "The gold answer 'Mrs. Hilt' is not a number.")
    assert NumericMatch(rel_tol=0.1)(ex(100), out(95)) == Score(1.0, "Correct.")
    assert NumericMatch(abs_tol=0.5)(ex(1), out(1.4)).value == 1.0
    assert m(ex(3.333), out(10 / 3)).value == 0.0
    assert NumericMatch(round_to_gold=True)(ex(3.333), out(10 / 3)) == Score(1.0, "Correct.")
    assert NumericMatch(round_to_gold=True)(ex(3.333), out(3.3)) == Score(
        0.0, "Wrong: expected 3.333, got 3.3."
    )


def test_contains() -> None:
    m = Contains()
    assert m(ex("Paris"), out("It is paris.")) == Score(1.0, "Correct.")
    assert m(ex(["Rome", "Roma"]), out("roma")) == Score(1.0, "Correct.")
    assert m(ex("Paris"), out("Lyon")) == Score(0.0, "Wrong: the output does not contain 'Paris': 'Lyon'.")


def test_token_f1() -> None:
    m = TokenF1()
    assert m(ex("the cat sat"), out("The cat sat.")) == Score(1.0, "Correct.")
    score = m(ex("the cat sat"), out("the cat"))
    assert score.value == pytest.approx(0.8)
    assert score.feedback == "Token F1 0.80: expected 'the cat sat', got 'the cat'."
    assert m(ex("a"), out("b")) == Score(0.0, "Token F1 0.00: expected 'a', got 'b'.")


def test_get_metric_names() -> None:
    for name in METRICS:
        assert callable(get_metric(name))
    with pytest.raises(UserError, match="unknown metric 'bleu'; choose from exact, normalized"):
        get_metric("bleu")


@pytest.fixture
def user_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    code = textwrap.dedent(
        """
        from paretoprompt.tasks.base import Score

        def as_score(example, prediction):
            return Score(1.0, "fine") if prediction.output == example.answer else Score(0.0, "nope")

        def as_float(example, prediction):
            return 0.5

        def as_pair(example, prediction):
            return (0.25, "a quarter")

        def raises(example, prediction):
            raise ValueError("boom")

        def out_of_range(example, prediction):
            return 2.0

        def bad_type(example, prediction):
            return "x"
        """
    )
    path = tmp_path / "my_metrics.py"
    path.write_text(code)
    monkeypatch.chdir(tmp_path)
    yield path
    sys.modules.pop("my_metrics", None)


def test_user_metric_return_types(user_module: Path) -> None:
    e, p = ex("a"), out("a")
    assert load_user_metric("my_metrics:as_score")(e, p) == Score(1.0, "fine")
    assert load_user_metric("my_metrics:as_float")(e, p) == Score(0.5, "Score 0.5.")
    assert load_user_metric("my_metrics:as_pair")(e, p) == Score(0.25, "a quarter")
    assert load_user_metric(f"{user_module}:as_pair")(e, p) == Score(0.25, "a quarter")


def test_user_metric_that_raises_scores_zero(user_module: Path) -> None:
    e, p = ex("a"), out("a")
    assert load_user_metric("my_metrics:raises")(e, p) == Score(0.0, "metric raised: ValueError: boom")
    assert load_user_metric("my_metrics:out_of_range")(e, p) == Score(
        0.0, "metric raised: ValueError: score must be in [0, 1], got 2.0"
    )
    assert load_user_metric("my_metrics:bad_type")(e, p).feedback == (
        "metric raised: TypeError: metric returned str; expected Score, float or (float, str)"
    )


def test_user_metric_spec_errors(user_module: Path) -> None:
    with pytest.raises(UserError, match="bad metric 'nocolon:'"):
        load_user_metric("nocolon:")
    with pytest.raises(UserError, match="cannot import metric module 'no_such_mod': ModuleNotFoundError"):
        load_user_metric("no_such_mod:f")
    with pytest.raises(UserError, match="'my_metrics' has no function 'missing'"):
        load_user_metric("my_metrics:missing")
    with pytest.raises(UserError, match=r"metric file not found: nowhere\.py"):
        load_user_metric("nowhere.py:f")
