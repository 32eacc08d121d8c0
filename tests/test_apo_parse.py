"""Strict parsing of APO's fenced reasons and prompts: every malformed shape is rejected with its code."""

from __future__ import annotations

import pytest

from paretoprompt.optimizers.apo.parse import Checks, parse_items
from paretoprompt.optimizers.apo.prompts import SHAPES

PROMPT = Checks(min_words=3, parent="Answer the question.", placeholders=frozenset({"{question}"}))
OK = "Read {question} and answer in one word."


def one(raw, finish="stop", checks=PROMPT, tag="prompt"):
    (item,) = parse_items(raw, tag, finish_reason=finish, checks=checks)
    return item


def test_closed_and_stop_sequence_fences_are_accepted():
    assert one(f"Sure.\n<prompt>{OK}</prompt>\nDone").text == OK
    assert one(f"<prompt>\n{OK}").text == OK  # the closing tag was the stop sequence
    assert one(f'<prompt>"""{OK}"""</prompt>').text == OK
    assert one(f"<prompt>old {{question}} one</prompt><prompt>{OK}</prompt>").text == OK  # last wins


@pytest.mark.parametrize(
    ("raw", "finish", "reason"),
    [
        ("", "stop", "empty"),
        ("<prompt>   </prompt>", "stop", "empty"),
        (f"<prompt>{OK}", "length", "truncated"),
        (OK, "stop", "no_fence"),
        ("<prompt>Answer in one word, always.</prompt>", "stop", "missing_placeholder"),
        ("<prompt>Please provide the {question} text.</prompt>", "stop", "asks_for_input"),
        ('<prompt>{"question": "{question}", "answer": "x"}</prompt>', "stop", "echo"),
        ("<prompt>{question} go</prompt>", "stop", "too_short"),
    ],
)
def test_malformed_prompts_are_rejected(raw, finish, reason):
    item = one(raw, finish)
    assert item.text is None and item.reason == reason


def test_asking_the_task_model_for_its_output_is_not_asking_for_input():
    instructs = (
        "<prompt>Given {question}, please provide a detailed reasoning process, then the number.</prompt>"
    )
    assert one(instructs).reason is None
    assert one("<prompt>Read {question}. Please give your final answer as a number.</prompt>").reason is None
    asks = "<prompt>Solve {question}. Please provide the passage, question, and the expected answer.</prompt>"
    assert one(asks).reason == "asks_for_input"


def test_a_generation_loop_is_rejected_but_a_repeated_short_phrase_is_not():
    # The 1.5B optimizer model's answer in an ASDiv run (2026-12-06), shortened: the same sentences over and over.
    rule = "You may reason briefly first. End with a final line of the form 'Answer: <number>'."
    looped = f"<prompt>Solve {{question}}. {rule}\n{rule}\nThe passage holds the facts. {rule}</prompt>"
    rejected = one(looped)
    assert (rejected.reason, rejected.detail) == ("repetitive", "3 times: 'you may reason briefly first.'")
    twice = f"<prompt>Solve {{question}}. {rule} {rule}</prompt>"
    assert one(twice).reason is None
    short = "<prompt>Read {question}. Be exact. Be exact. Be exact. Answer with the number.</prompt>"
    assert one(short).reason is None


def test_identical_to_parent_and_example_copies_are_rejected():
    checks = Checks(min_words=3, parent="Answer {question} now.", placeholders=frozenset({"{question}"}))
    assert one("<prompt> answer {question}  NOW.</prompt>", checks=checks).reason == "same_as_parent"
    field = "the quick brown fox jumps over the lazy dog near the river bank at dawn"
    copied = Checks(min_words=3, example_fields=(field,), echo_chars=30)
    assert one(f"<prompt>Say yes when {field}.</prompt>", checks=copied).reason == "echo"
    records = "<prompt>Case 1: x\nmodel output: y\nfeedback: z</prompt>"
    assert one(records, checks=Checks(min_words=1)).reason == "echo"


def test_several_reasons_per_answer():
    raw = "<reason>It never names the labels.</reason>\n<reason>It is too vague.</reason>\n<reason>cut"
    items = parse_items(raw, "reason", finish_reason="length", expected=3, checks=Checks(min_words=3))
    assert [i.text for i in items] == ["It never names the labels.", "It is too vague."]
    assert parse_items(raw, "reason", expected=1, checks=Checks(min_words=3))[0].text == "It is too vague."
    few = parse_items("<reason>Too vague.</reason>", "reason", expected=2, checks=Checks(min_words=3))
    assert [(i.text, i.reason) for i in few] == [(None, "too_short")]
    unclosed = parse_items("<reason>It never says how", "reason", expected=2, checks=Checks(min_words=3))
    assert unclosed[0].reason == "no_fence"


def test_a_copied_answer_shape_is_rejected():
    checks = Checks(min_words=1, shapes=SHAPES)
    assert (
        one("<reason>The prompt does not say ...</reason>", tag="reason", checks=checks).reason
        == "copied_shape"
    )
    assert one("<prompt>your new prompt.</prompt>", checks=checks).reason == "copied_shape"
