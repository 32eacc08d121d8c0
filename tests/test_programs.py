"""Programs and parsers with scripted LMs: rendering, contracts, parse failures, traces, model failures."""

from __future__ import annotations

import pytest

from paretoprompt.errors import PermanentLMError, TransientLMError
from paretoprompt.lm.base import Completion, GenerationParams
from paretoprompt.lm.client import LM
from paretoprompt.lm.retry import RetryPolicy
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.programs.parsers import (
    extract_final,
    make_choice_parser,
    parse_choice,
    parse_number,
    parse_text,
    parse_true_false,
    parse_yes_no,
    with_final_answer,
)
from paretoprompt.programs.pipeline import PipelineProgram
from paretoprompt.programs.single import SingleModuleProgram
from paretoprompt.programs.step import Step, placeholders, render
from paretoprompt.tasks.base import Example

EX = Example("e1", {"headline": "man {braces} wins", "n": 3}, "yes")


def sarcasm_program() -> SingleModuleProgram:
    return SingleModuleProgram(
        "Is it sarcastic?",
        "Headline: {headline}",
        "Answer with exactly one word: yes or no.",
        parse_yes_no,
        max_tokens=8,
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("yes", "yes"),
        ("Yes.", "yes"),
        ("NO", "no"),
        ("No, it is not sarcastic.", "no"),
        ("The headline is sarcastic, so yes", "yes"),
        ("Answer: no", "no"),
    ],
)
def test_parse_yes_no(text: str, value: str) -> None:
    assert parse_yes_no(text).value == value


def test_parse_yes_no_errors() -> None:
    assert parse_yes_no("Sarcastic").error == "Could not find 'yes' or 'no' in the output: 'Sarcastic'"
    assert parse_yes_no("maybe yes, maybe no").error == (
        "The output is ambiguous, it contains both 'yes' or 'no': 'maybe yes, maybe no'"
    )


def test_parse_true_false_accepts_yes_no() -> None:
    assert parse_true_false("False.").value == "false"
    assert parse_true_false("Yes").value == "true"
    assert not parse_true_false("unclear").ok


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("B", "B"),
        ("(C)", "C"),
        ("D. Oxide", "D"),
        ("The answer is A.", "A"),
        ("Answer: (b)", "B"),
        ("c)", "C"),
    ],
)
def test_parse_choice(text: str, value: str) -> None:
    assert parse_choice(text).value == value


def test_parse_choice_errors() -> None:
    assert parse_choice("A dog barks").error == (
        "Could not find an option letter (A, B, C or D) in the output: 'A dog barks'"
    )
    assert make_choice_parser("AB")("C").error is not None


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12),
        ("The answer is 12.", 12),
        ("$1,234.50", 1234.5),
        ("3/4", 0.75),
        ("-7 degrees", -7),
        ("2 + 3 = 5\nso 5 apples", 5),
        ("x2 is 4.0", 4),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text).value == value


def test_parse_number_error_truncates() -> None:
    err = parse_number("no digits here " * 20).error
    assert err is not None and err.startswith("Could not parse a number from the output: 'no digits here")
    assert err.endswith("...'") and len(err) < 170


def test_final_answer_extraction() -> None:
    assert extract_final("thinking 3+4\nAnswer: 7\n") == "7"
    assert extract_final("**Final answer:** 9") == "9"
    assert extract_final("```\nhello\n```") == "hello"
    assert extract_final("plain") is None
    assert with_final_answer(parse_number)("There are 3 boxes of 4.\nAnswer: 12 apples").value == 12
    assert parse_text("  hi \n").value == "hi"
    assert parse_text("   ").error == "The output was empty."


def test_render_and_placeholders() -> None:
    assert placeholders("a {x} {{lit}} {y}") == {"x", "y"}
    assert render("{x} {{ok}} {n}", {"x": "{y}", "n": [1, 2]}) == "{y} {ok} [1, 2]"
    with pytest.raises(KeyError):
        render("{missing}", {})


def test_single_module_messages_contract_and_trace() -> None:
    backend = ScriptedBackend(["Yes."])
    program = sarcasm_program()
    pred = program.run({"instruction": "Be witty."}, EX, LM(backend), slot=2)
    messages, params, slot = backend.requests[0]
    assert messages == [
        {"role": "system", "content": "Be witty."},
        {
            "role": "user",
            "content": "Headline: man {braces} wins\n\nAnswer with exactly one word: yes or no.",
        },
    ]
    assert params == GenerationParams(temperature=0.0, max_tokens=8) and slot == 2
    assert pred.output == "yes" and pred.error is None
    (call,) = pred.trace
    assert call.module == "instruction" and call.inputs == {"headline": "man {braces} wins"}
    assert call.raw_output == "Yes." and call.parsed == "yes" and call.parse_error is None
    assert program.components == ("instruction",)
    assert program.seed_candidate() == {"instruction": "Is it sarcastic?"}
    assert (
        program.contract("instruction") == "Headline: {headline}\n\nAnswer with exactly one word: yes or no."
    )
    assert program.required_placeholders("instruction") == frozenset()


def test_single_module_parse_failure_is_in_trace() -> None:
    pred = sarcasm_program().run({"instruction": "x"}, EX, LM(ScriptedBackend(["It is satire."])))
    assert pred.output is None and pred.error is None
    assert pred.trace[0].parse_error == "Could not find 'yes' or 'no' in the output: 'It is satire.'"


class _Truncating(ScriptedBackend):
    def generate(self, messages, params, *, slot=None):  # type: ignore[no-untyped-def]
        done = super().generate(messages, params, slot=slot)
        return Completion(text=done.text, model=done.model, finish_reason="length")


def test_parse_failure_mentions_truncation() -> None:
    pred = sarcasm_program().run({"instruction": "x"}, EX, LM(_Truncating(["Well, the"])))
    assert pred.trace[0].parse_error is not None
    assert pred.trace[0].parse_error.endswith("(the output was cut off at max_tokens=8)")


def _failing(exc: Exception) -> ScriptedBackend:
    def boom(messages, params):  # type: ignore[no-untyped-def]
        raise exc

    return ScriptedBackend(boom)


def test_model_failure_becomes_prediction_error() -> None:
    lm = LM(_failing(TransientLMError("timeout")), retry=RetryPolicy(max_attempts=1))
    pred = sarcasm_program().run({"instruction": "x"}, EX, lm)
    assert pred.output is None and pred.trace == ()
    assert pred.error is not None and pred.error.startswith("model call failed: ")


def test_permanent_model_error_propagates() -> None:
    """A bad key or unknown model is the user's to fix: the evaluator stops instead of failing every rollout."""
    lm = LM(_failing(PermanentLMError("bad key")), retry=RetryPolicy(max_attempts=1))
    with pytest.raises(PermanentLMError):
        sarcasm_program().run({"instruction": "x"}, EX, lm)


def test_missing_input_is_an_error_not_a_raise() -> None:
    pred = sarcasm_program().run({"instruction": "x"}, Example("e", {}, "yes"), LM(ScriptedBackend([])))
    assert pred.error == "the input template needs 'headline', which the example lacks"


def pipeline() -> PipelineProgram:
    return PipelineProgram(
        [
            Step("draft", "Write a draft.", "Headline: {headline}", "Reply in one sentence."),
            Step(
                "judge",
                "Judge it.",
                "Headline: {headline}\nDraft: {draft}",
                "Answer yes or no.",
                parse_yes_no,
            ),
        ]
    )


def test_pipeline_trace_is_complete_and_later_steps_see_outputs() -> None:
    backend = ScriptedBackend(["  A satirical take. ", "yes"])
    prog = pipeline()
    pred = prog.run({"draft": "D!", "judge": "J!"}, EX, LM(backend), slot=1)
    assert pred.output == "yes" and pred.error is None
    assert [c.module for c in pred.trace] == ["draft", "judge"]
    second = backend.requests[1][0]
    assert second[0] == {"role": "system", "content": "J!"}
    assert (
        second[1]["content"] == "Headline: man {braces} wins\nDraft: A satirical take.\n\nAnswer yes or no."
    )
    assert pred.trace[1].inputs == {"draft": "A satirical take.", "headline": "man {braces} wins"}
    assert pred.trace[0].raw_output == "  A satirical take. " and pred.trace[0].parsed == "A satirical take."
    assert [r[2] for r in backend.requests] == [1, 1]
    assert prog.components == ("draft", "judge")
    assert prog.seed_candidate() == {"draft": "Write a draft.", "judge": "Judge it."}
    assert prog.contract("judge") == "Headline: {headline}\nDraft: {draft}\n\nAnswer yes or no."


def test_pipeline_stops_at_parse_failure_and_model_failure() -> None:
    pred = pipeline().run({}, EX, LM(ScriptedBackend(["", "unused"])))
    assert (
        pred.output is None and len(pred.trace) == 1 and pred.trace[0].parse_error == "The output was empty."
    )
    answers = iter(["draft ok"])

    def second_fails(messages, params):  # type: ignore[no-untyped-def]
        try:
            return next(answers)
        except StopIteration:
            raise TransientLMError("503") from None

    pred = pipeline().run({}, EX, LM(ScriptedBackend(second_fails), retry=RetryPolicy(max_attempts=1)))
    assert len(pred.trace) == 1 and pred.error is not None
    assert pred.error.startswith("model call failed in 'judge': ")


def test_pipeline_rejects_forward_references() -> None:
    with pytest.raises(ValueError, match="later steps"):
        PipelineProgram([Step("a", "", "{b}"), Step("b", "", "{headline}")])
    with pytest.raises(ValueError, match="duplicate"):
        PipelineProgram([Step("a", "", "x"), Step("a", "", "y")])
