"""Metrics that return a score *and* feedback saying why (GEPA's μf).

Every metric first checks for a failed run or a parse error and turns it into feedback, so the
optimizer reads "Could not parse a number from the output: '...'" rather than a bare 0.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import re
import string
import sys
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.programs.base import Prediction
from paretoprompt.programs.parsers import parse_choice, parse_number, preview
from paretoprompt.tasks.base import Example, Metric, Score

CORRECT = "Correct."


def show(value: Any) -> str:
    """A value as the model would write it: booleans lower-case, text as is."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def failure(example: Example, prediction: Prediction) -> Score | None:
    """Score 0 with the reason when the program failed or its output could not be parsed."""
    gold = example.answer
    expected = (
        show(gold) if isinstance(gold, int | float) and not isinstance(gold, bool) else repr(show(gold))
    )
    if prediction.error is not None:
        return Score(0.0, f"The program failed: {prediction.error}")
    for call in prediction.trace:
        if call.parse_error is not None:
            return Score(0.0, f"{call.parse_error} Expected {expected}.")
    if prediction.output is None:
        return Score(0.0, f"No answer was produced. Expected {expected}.")
    return None


def _gloss(labels: Mapping[str, str], value: str) -> str:
    return f" ({labels[value]})" if value in labels else ""


@dataclass(frozen=True)
class ExactMatch:
    """Exact string equality after stripping; `labels` explain label values in feedback."""

    labels: Mapping[str, str] = field(default_factory=dict)

    def __call__(self, example: Example, prediction: Prediction) -> Score:
        if (failed := failure(example, prediction)) is not None:
            return failed
        gold, got = show(example.answer).strip(), show(prediction.output).strip()
        if got == gold:
            return Score(1.0, CORRECT)
        return Score(0.0, f"Wrong: expected {gold!r}{_gloss(self.labels, gold)}, got {got!r}.")


_PUNCT = str.maketrans("", "", string.punctuation)


def normalize(text: str) -> str:
    """Lower case, punctuation removed, whitespace collapsed."""
    return " ".join(text.lower().translate(_PUNCT).split())


@dataclass(frozen=True)
class NormalizedExactMatch:
    """Equality ignoring case, punctuation and whitespace."""

    def __call__(self, example: Example, prediction: Prediction) -> Score:
        if (failed := failure(example, prediction)) is not None:
            return failed
        gold, got = show(example.answer), show(prediction.output)
        if normalize(got) == normalize(gold):
            return Score(1.0, CORRECT)
        return Score(0.0, f"Wrong: expected {gold!r}, got {preview(got)}.")


@dataclass(frozen=True)
class ChoiceMatch:
    """Multiple-choice letter. Option texts in `example.meta["choices"]` ({"A": ...}) go in the feedback."""

    def __call__(self, example: Example, prediction: Prediction) -> Score:
        if (failed := failure(example, prediction)) is not None:
            return failed
        gold = parse_choice(show(example.answer)).value or show(example.answer)
        got = parse_choice(show(prediction.output)).value
        if got is None:
            return Score(
                0.0,
                f"Could not find an option letter in {preview(show(prediction.output))}. Expected {gold!r}.",
            )
        if got == gold:
            return Score(1.0, CORRECT)
        choices = example.meta.get("choices", {})
        return Score(
            0.0, f"Wrong: expected {gold!r}{_gloss(choices, gold)}, got {got!r}{_gloss(choices, got)}."
        )


@dataclass(frozen=True)
class NumericMatch:
    """Numbers equal within `rel_tol` (relative) or `abs_tol` (absolute).

    With `round_to_gold`, a prediction also matches when rounded to the decimals the gold answer
    was written with (gold 3.333, predicted 3.3333...), for datasets with rounded answers.
    """

    rel_tol: float = 1e-6
    abs_tol: float = 1e-6
    round_to_gold: bool = False

    def __call__(self, example: Example, prediction: Prediction) -> Score:
        if (failed := failure(example, prediction)) is not None:
            return failed
        gold = _as_number(example.answer)
        if gold is None:
            return Score(0.0, f"The gold answer {show(example.answer)!r} is not a number.")
        got = _as_number(prediction.output)
        if got is None:
            return Score(
                0.0,
                f"Could not parse a number from the output: {preview(show(prediction.output))}. "
                f"Expected {show(gold)}.",
            )
        if math.isclose(got, gold, rel_tol=self.rel_tol, abs_tol=self.abs_tol) or (
            self.round_to_gold and isinstance(gold, float) and round(got, _decimals(gold)) == gold
        ):
            return Score(1.0, CORRECT)
        return Score(0.0, f"Wrong: expected {show(gold)}, got {show(got)}.")


def _decimals(value: float) -> int:
    text = repr(value)
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


def _as_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    return parse_number(str(value)).value


@dataclass(frozen=True)
class Contains:
    """1 when the output contains the gold text (or any of a list of gold texts), ignoring case."""

    def __call__(self, example: Example, prediction: Prediction) -> Score:
        if (failed := failure(example, prediction)) is not None:
            return failed
        golds = example.answer if isinstance(example.answer, list) else [example.answer]
        got = normalize(show(prediction.output))
        if any(normalize(show(g)) in got for g in golds):
            return Score(1.0, CORRECT)
        wanted = " or ".join(repr(show(g)) for g in golds)
        return Score(0.0, f"Wrong: the output does not contain {wanted}: {preview(show(prediction.output))}.")


def token_f1(got: str, gold: str) -> float:
    """SQuAD-style F1 over normalized tokens."""
    a, b = normalize(got).split(), normalize(gold).split()
    common = sum((Counter(a) & Counter(b)).values())
    if not a or not b or common == 0:
        return float(a == b)
    precision, recall = common / len(a), common / len(b)
    return 2 * precision * recall / (precision + recall)


@dataclass(frozen=True)
class TokenF1:
    """Partial credit: token-overlap F1 between output and gold text."""

    def __call__(self, example: Example, prediction: Prediction) -> Score:
        if (failed := failure(example, prediction)) is not None:
            return failed
        gold, got = show(example.answer), show(prediction.output)
        f1 = token_f1(got, gold)
        if f1 == 1.0:
            return Score(1.0, CORRECT)
        return Score(f1, f"Token F1 {f1:.2f}: expected {gold!r}, got {preview(got)}.")


METRICS: dict[str, Callable[[], Metric]] = {
    "exact": ExactMatch,
    "normalized": NormalizedExactMatch,
    "choice": ChoiceMatch,
    "numeric": NumericMatch,
    "contains": Contains,
    "f1": TokenF1,
}
"""Built-in metrics by name (for configs, the CLI and the file task)."""

METRIC_RAISED = "metric raised:"
"""Prefix of the feedback of a metric that raised; the evaluator marks such rollouts failed."""


def get_metric(name: str) -> Metric:
    """A built-in metric by name, or a user function given as `module:function` or `path.py:function`."""
    if ":" in name:
        return load_user_metric(name)
    if name not in METRICS:
        raise UserError(f"unknown metric {name!r}; choose from {', '.join(METRICS)} or give module:function")
    return METRICS[name]()


@dataclass(frozen=True)
class UserMetric:
    """Wraps a user function so it never raises and always returns a valid Score."""

    fn: Callable[[Example, Prediction], Any]
    spec: str

    def __call__(self, example: Example, prediction: Prediction) -> Score:
        try:
            result = self.fn(example, prediction)
            return _to_score(result)
        except Exception as err:
            return Score(0.0, f"{METRIC_RAISED} {type(err).__name__}: {err}")


def _to_score(result: Any) -> Score:
    if isinstance(result, Score):
        return result
    if isinstance(result, tuple) and len(result) == 2 and isinstance(result[1], str):
        return Score(float(result[0]), result[1])
    if isinstance(result, int | float) and not isinstance(result, bool):
        value = float(result)
        return Score(value, CORRECT if value == 1.0 else f"Score {value:g}.")
    if isinstance(result, bool):
        return Score(float(result), CORRECT if result else "Wrong.")
    raise TypeError(f"metric returned {type(result).__name__}; expected Score, float or (float, str)")


def load_user_metric(spec: str) -> UserMetric:
    """Import `module:function` (module on sys.path or the current dir) or `path/to/file.py:function`."""
    target, _, attr = spec.rpartition(":")
    if not target or not attr.isidentifier():
        raise UserError(f"bad metric {spec!r}: expected module:function or path.py:function")
    try:
        module = _import(target)
    except UserError:
        raise
    except Exception as err:
        raise UserError(f"cannot import metric module {target!r}: {type(err).__name__}: {err}") from None
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise UserError(f"metric {spec!r}: {target!r} has no function {attr!r}")
    return UserMetric(fn, spec)


def _import(target: str) -> Any:
    if target.endswith(".py") or "/" in target:
        path = Path(target)
        if not path.is_file():
            raise UserError(f"metric file not found: {target}")
        name = "paretoprompt_user_metric_" + re.sub(r"\W", "_", str(path.resolve()))
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise UserError(f"cannot load metric file {target}")
        module = importlib.util.module_from_spec(module_spec)
        module_spec.loader.exec_module(module)
        return module
    if "" not in sys.path and str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    return importlib.import_module(target)
