"""The reflection meta-prompt and the parser that rejects unusable proposals (one test per reason)."""

from __future__ import annotations

import pytest

from gepa_fakes import KeywordProgram, examples
from paretoprompt.lm.client import LM
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.optimizers.base import Rollout
from paretoprompt.optimizers.gepa.config import GEPAConfig
from paretoprompt.optimizers.gepa.memory import Rejected
from paretoprompt.optimizers.gepa.propose import propose
from paretoprompt.optimizers.gepa.reflection_parse import TAG, parse_proposal
from paretoprompt.optimizers.gepa.reflection_prompt import (
    answer_labels,
    answer_pattern,
    answer_shape,
    build_reflection_messages,
    records_for,
    template_heads,
    template_lines,
)
from paretoprompt.optimizers.strategies.proposals import extract_one
from paretoprompt.programs.base import Prediction
from paretoprompt.tasks.base import Example, Splits, Task

PARENT = "Classify the headline."
GOOD = "Decide whether the headline is sarcastic by looking for exaggeration and irony."
HEADLINE = "local man wins award for most average lawn in entire county"


def extract(raw, finish):
    return extract_one(raw, finish, tag=TAG)


def parse(raw, *, finish="stop", required=(), fields=(HEADLINE, "yes"), **kw):
    return parse_proposal(
        raw, finish_reason=finish, parent=PARENT, required_placeholders=required, example_fields=fields, **kw
    )


@pytest.mark.parametrize(
    "raw,expected",
    [
        (f"<instruction>{GOOD}</instruction>", GOOD),
        (f"Here it is:\n<instruction>\n{GOOD}\n</instruction>\nHope this helps!", GOOD),
        # the closing tag is a stop sequence, so a normal stop leaves the fence open
        (f"<instruction>\n{GOOD}\n", GOOD),
        # the shape example copied first, the real answer last: the last closed fence wins
        (f"<instruction>Your new instruction.</instruction>\n<instruction>{GOOD}</instruction>", GOOD),
        (f'<INSTRUCTION>"{GOOD}"</INSTRUCTION>', GOOD),
        (f"<instruction>**{GOOD}**</instruction>", GOOD),
        (f"< instruction >\n```\n{GOOD}\n```\n</ instruction>", GOOD),
    ],
)
def test_valid_extraction(raw, expected):
    got = parse(raw)
    assert got.ok and got.text == expected and got.reason is None


def test_closed_fence_survives_length_finish():
    assert parse(f"<instruction>{GOOD}</instruction> and then some", finish="length").text == GOOD


@pytest.mark.parametrize(
    "raw,finish,required,reason,detail",
    [
        ("", "stop", (), "empty", "no text"),
        ("   \n ", "stop", (), "empty", "no text"),
        ("<instruction>  </instruction>", "stop", (), "empty", "nothing inside the fence"),
        ("<instruction>\n", "stop", (), "empty", "nothing inside the fence"),
        (
            f"<instruction>{GOOD} And also",
            "length",
            (),
            "truncated",
            "stopped at max_tokens before the closing tag",
        ),
        (f"{GOOD} And also", "length", (), "truncated", "stopped at max_tokens before the closing tag"),
        (GOOD, "stop", (), "no_fence", "no <instruction> tag"),
        (f"```\n{GOOD}\n```", "stop", (), "no_fence", "no <instruction> tag"),
        (
            f"<instruction>{GOOD}</instruction>",
            "stop",
            ("{headline}", "{date}"),
            "missing_placeholder",
            "dropped {date}, {headline}",
        ),
        (
            "<instruction>  classify   the HEADLINE. </instruction>",
            "stop",
            (),
            "same_as_parent",
            "identical to the current instruction",
        ),
        (
            "<instruction>Certainly! Please provide the inputs for the instruction.</instruction>",
            "stop",
            (),
            "asks_for_input",
            "asks for input: 'Please provide'",
        ),
        (
            "<instruction>Could you share the examples you want me to improve on?</instruction>",
            "stop",
            (),
            "asks_for_input",
            "asks for input: 'Could you share'",
        ),
        (
            '<instruction>{"headline": "local man wins award", "label": "yes"}</instruction>',
            "stop",
            (),
            "echo",
            "the proposal is JSON",
        ),
        (
            "<instruction>Case 1 (score 0):\n  model output: yes\n  feedback: wrong</instruction>",
            "stop",
            (),
            "echo",
            "the proposal copies the case records",
        ),
        (
            f"<instruction>Answer for: {HEADLINE}, which is sarcastic.</instruction>",
            "stop",
            (),
            "echo",
            "copies 59 characters of an example: 'local man wins award for most average la'",
        ),
        ("<instruction>Be more careful.</instruction>", "stop", (), "too_short", "3 words < 5"),
        ("<instruction>Your new instruction.</instruction>", "stop", (), "too_short", "3 words < 5"),
        ("<instruction>" + "word " * 251 + "</instruction>", "stop", (), "too_long", "251 words > 250"),
    ],
)
def test_rejections(raw, finish, required, reason, detail):
    got = parse(raw, finish=finish, required=required)
    assert got.text is None
    assert got.reason == reason
    if detail is not None:
        assert got.detail == detail


# A proposal the 1.5B model wrote in a `make demo` run (2026-12-06): the one-line parent kept as its "Task:"
# line, a second template under it.
STACKED = (
    "Task: Analyze a passage and answer a yes/no question about it with true or false. Look for: the passage "
    'and the question. Answer "true" when the answer to the question aligns with the passage. Answer "false" '
    "when the answer to the question contradicts the passage.\n"
    "Look for: the question and the passage.\n"
    'Answer "true" when: the answer to the question is consistent with the passage.\n'
    'Answer "false" when: the answer to the question is inconsistent with the passage.'
)


def test_a_proposal_holding_the_answer_shape_twice_is_stacked():
    heads = template_heads(("true", "false"))
    assert heads == ("Look for:", 'Answer "true" when', 'Answer "false" when')
    got = parse(f"<instruction>{STACKED}</instruction>", template_heads=heads)
    assert (got.reason, got.detail) == ("stacked", "two instructions in one: 'Look for:' appears 2 times")
    single = STACKED.split("\n", 1)[1]  # the template once is a proper answer
    assert parse(f"<instruction>{single}</instruction>", template_heads=heads).text == single
    assert parse(f"<instruction>{STACKED}</instruction>").ok  # a free-form task has no heads to repeat


# Proposals the 1.5B model wrote in a vs_gepa BoolQ run (2026-12-06, seed 1): the first lines filled in, the
# rule lines copied as shown. The first passed its minibatch and became the run's best.
UNFILLED = (
    "Task: Read a passage and answer a yes/no question about it with true or false.\n"
    "Look for: the passage, the question, and the options in the input.\n"
    'Answer "true" when: a concrete rule.\n'
    'Answer "false" when: a concrete rule.'
)
UNFILLED_INLINE = (
    "Read the given passage and answer a yes/no question about it. Look for the passage, the question, and "
    'the options in the input. Answer "true" when: a concrete rule. Answer "false" when: a concrete rule.'
)
FILLED = (
    "Task: answer the question about the passage with true or false, based on a concrete rule.\n"
    "Look for: the sentence of the passage that the question is about.\n"
    'Answer "true" when: that sentence states what the question asks.\n'
    'Answer "false" when: the passage contradicts it or never says it.'
)


@pytest.mark.parametrize(
    "text,kept",
    [
        (UNFILLED, 'Answer "true" when: a concrete rule.'),
        (UNFILLED_INLINE, 'Answer "true" when: a concrete rule.'),
        (UNFILLED.replace(":", "").replace(".", ""), 'Answer "true" when: a concrete rule.'),
        (
            FILLED.replace(
                "Look for: the sentence",
                "Task: What the input contains and what exactly to decide.\nLook for: the sentence",
            ),
            "Task: what the input contains and what exactly to decide.",
        ),
        (
            "Look for: what to check in the input before answering. " + FILLED,
            "Look for: what to check in the input before answering.",
        ),
    ],
)
def test_a_proposal_keeping_a_line_of_the_answer_shape_as_shown_is_unfilled(text, kept):
    got = parse(f"<instruction>{text}</instruction>", template_lines=template_lines(("true", "false")))
    assert (got.reason, got.detail) == ("unfilled", f"a line of the answer shape kept as shown: {kept!r}")


def test_a_filled_in_answer_shape_passes_even_when_it_says_concrete_rule():
    assert parse(f"<instruction>{FILLED}</instruction>", template_lines=template_lines(("true", "false"))).ok
    assert parse(f"<instruction>{UNFILLED}</instruction>").ok  # a free-form task has no shape to fill


def test_the_answer_shape_is_built_from_the_template_heads_and_lines():
    shape = answer_shape(("yes", "no"))
    assert all(shape.count(head) == 1 for head in template_heads(("yes", "no")))
    assert shape == "\n".join(("<instruction>", *template_lines(("yes", "no")), "</instruction>"))
    assert template_heads(()) == () == template_lines(())


def test_unparseable_json_looking_text_is_an_echo():
    got = parse('<instruction>{"headline": "a", "label": yes, "why": "it is ironic"}</instruction>')
    assert (got.reason, got.detail) == ("echo", "the proposal looks like JSON")


def test_placeholders_kept_pass_and_instruction_may_say_output():
    raw = "<instruction>Read {headline} carefully.\nOutput the label only when sure: yes or no.</instruction>"
    assert parse(raw, required=("{headline}",)).ok


def test_extract_alone():
    assert extract("<instruction>a b</instruction>", "stop").text == "a b"


def make_records():
    program = KeywordProgram({"instruct": PARENT, "other": "Other."})
    exs = examples("t", ["alpha", "beta"])
    rollouts = []
    for e, score in zip(exs, (0.0, 1.0), strict=True):
        pred = program.run(program.seed_candidate(), e)
        rollouts.append(Rollout(e.id, score, "wrong: the answer is no" if score == 0 else "correct", pred))
    return records_for("other", exs, rollouts, max_chars=300)


def test_records_come_from_the_component_trace():
    recs = make_records()
    assert [r.output for r in recs] == ["other output for t0", "other output for t1"]
    assert recs[0].inputs == {"text": "t item 0"}
    assert (recs[0].score, recs[0].feedback) == (0.0, "wrong: the answer is no")


def sarcasm_messages(**extra):
    return build_reflection_messages(
        instruction=PARENT,
        contract="Reply with yes or no.",
        task_description="Detect sarcasm in news headlines.",
        records=make_records(),
        **extra,
    )


def test_meta_prompt_layout_puts_the_request_last():
    msgs = sarcasm_messages(
        tried=[Rejected("Look for irony in the words.", 2.0, 1.0, 3)],
        placeholders=["{headline}"],
        pattern="Answers given: yes x2. Correct answers: no x1, yes x1.",
    )
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert "<instruction>" in msgs[0]["content"]
    user = msgs[1]["content"]
    assert user == (
        "TASK: Detect sarcasm in news headlines.\n\n"
        'CURRENT INSTRUCTION:\n"""\nClassify the headline.\n"""\n\n'
        'FIXED FORMAT (always added after the instruction; do not repeat or change it):\n"""\nReply with yes or no.\n"""\n\n'
        "RESULTS WITH THE CURRENT INSTRUCTION:\n"
        "Case 1 (score 0):\n  text: t item 0\n  model output: other output for t0\n  feedback: wrong: the answer is no\n"
        "Case 2 (score 1):\n  text: t item 1\n  model output: other output for t1\n  feedback: correct\n\n"
        "Answers given: yes x2. Correct answers: no x1, yes x1.\n\n"
        "ALREADY TRIED, DID NOT HELP (write something different):\n"
        '- """\nLook for irony in the words.\n""" scored 1/3, current 2/3\n\n'
        "YOUR JOB: write a better instruction for this task. First find what the wrong cases have in common "
        "(for example the same wrong answer every time, or the same slip in the reasoning). Then write an "
        "instruction with a concrete rule that "
        "avoids that mistake, such as when each answer is the right one, or what to work out and check "
        "before answering. Do not just reword the current "
        "instruction and do not repeat the fixed format. State general rules, not the cases; at most 150 words. "
        "Keep these placeholders exactly as written: {headline}.\n"
        "Answer in exactly this shape:\n<instruction>Your new instruction.</instruction>"
    )


def test_long_fields_are_clipped():
    program = KeywordProgram({"instruct": PARENT})
    e = examples("t", ["alpha"])[0]
    pred = program.run(program.seed_candidate(), e)
    rec = records_for("instruct", [e], [Rollout(e.id, 0.0, "x" * 500, pred)], max_chars=50)[0]
    assert len(rec.feedback) == 50 and rec.feedback.endswith("…")


def _rollout(example_id: str, output: object) -> Rollout:
    return Rollout(example_id, 0.0, "", Prediction(output=output))


def test_answer_pattern_tallies_short_labels():
    exs = [Example("a", {}, "false"), Example("b", {}, "false"), Example("c", {}, "true")]
    rollouts = [_rollout("a", "true"), _rollout("b", "true"), _rollout("c", "true")]
    assert answer_pattern(exs, rollouts) == "Answers given: true x3. Correct answers: false x2, true x1."
    assert (
        answer_pattern(exs[:1], [_rollout("a", None)])
        == "Answers given: (none) x1. Correct answers: false x1."
    )


def test_answer_pattern_is_empty_for_free_form_or_structured_answers():
    long_answer = [Example("a", {}, "a long free-form reference answer")]
    assert answer_pattern(long_answer, [_rollout("a", "short")]) == ""
    structured = [Example("a", {}, {"constraints": ["x"]})]
    assert answer_pattern(structured, [_rollout("a", "ok")]) == ""


def test_answer_pattern_is_empty_when_no_answer_repeats():
    exs = [Example("a", {}, "67"), Example("b", {}, "13"), Example("c", {}, "8")]
    assert answer_pattern(exs, [_rollout("a", "67"), _rollout("b", "12"), _rollout("c", "8")]) == ""
    # a repeated given answer is a visible bias even when every correct answer differs
    biased = [_rollout("a", "12"), _rollout("b", "12"), _rollout("c", "8")]
    assert answer_pattern(exs, biased) == "Answers given: 12 x2, 8 x1. Correct answers: 67 x1, 13 x1, 8 x1."


CONTRACT = "Problem: {passage} {question}\n\nYou may reason briefly first. End with a final line of the form 'Answer: <number>'."


def test_copied_contract_sentences_are_removed_from_the_proposal():
    raw = (
        "<instruction>Add the numbers of each step carefully. You may reason briefly first. "
        "End with a final line of the form 'Answer: <number>'. Check the units.</instruction>"
    )
    got = parse(raw, contract=CONTRACT)
    assert got.text == "Add the numbers of each step carefully. Check the units."


def test_a_proposal_that_is_only_the_contract_is_empty():
    raw = "<instruction>You may reason briefly first. End with a final line of the form 'Answer: <number>'.</instruction>"
    got = parse(raw, contract=CONTRACT)
    assert (got.text, got.reason, got.detail) == (None, "empty", "only a copy of the fixed format")


@pytest.mark.parametrize(
    "raw",
    [
        # ASDiv seed 8's accepted child: the template and format it ended on are stripped, the lead-in stays
        "<instruction>Solve an elementary math word problem. The problem should include a passage with a question, "
        "reasoning, and the final answer on a separate line, formatted as 'Problem: {passage} {question} You may "
        "reason briefly first. End with a final line of the form 'Answer: <number>'.",
        # its sibling, with a stray code fence left on the last line
        "<instruction>Solve an elementary math word problem, with the final answer on a separate line, formatted "
        "as '\n\"\"\"\n\nYou may reason briefly first. End with a final line of the form 'Answer: <number>'.\n",
        "<instruction>Add the numbers of each step carefully and check the result with</instruction>",
        "<instruction>Add the numbers of each step carefully. Then write the answer as follows:</instruction>",
    ],
)
def test_a_proposal_that_ends_on_a_lead_in_is_dangling(raw):
    got = parse(raw, contract=CONTRACT)
    assert (got.text, got.reason) == (None, "dangling")
    assert got.detail.startswith("ends mid-sentence: ")


@pytest.mark.parametrize(
    "text",
    [
        'Answer "false" when: the answer contradicts the information given in the passage',  # no period: fine
        "Add the numbers of each step carefully and write the result as 'Answer'.",
        "Read the passage closely and decide whether it supports the claim (true or false).",
    ],
)
def test_a_complete_proposal_without_a_lead_in_is_not_dangling(text):
    got = parse(f"<instruction>{text}</instruction>", contract=CONTRACT)
    assert (got.text, got.reason) == (text, None)


def _labelled(*answers: object) -> list[Example]:
    return [Example(f"e{i}", {}, a) for i, a in enumerate(answers)]


def test_answer_labels_follow_the_contract_order_then_the_alphabet():
    exs = _labelled("false", "true", "true", "false")
    assert answer_labels(exs, "Answer with exactly one word: true or false.") == ("true", "false")
    assert answer_labels(exs) == ("false", "true")
    # a label is found as a whole word only: "no" is not in "not", so it comes after "yes"
    assert answer_labels(_labelled("no", "yes"), "Reply yes (or not) otherwise.") == ("yes", "no")
    assert answer_labels(
        _labelled("neutral", "positive", "negative"), "Say positive, negative or neutral."
    ) == (
        "positive",
        "negative",
        "neutral",
    )


def test_answer_labels_are_empty_unless_the_task_is_a_classification():
    assert answer_labels(_labelled("yes", "yes")) == ()  # one label: nothing to tell apart
    assert answer_labels(_labelled("C", "A", "B", "D")) == ()  # option letters, not classes
    assert answer_labels(_labelled(*(str(n) for n in range(7)))) == ()  # numbers: too many distinct
    assert answer_labels(_labelled("yes", "a long free-form reference answer")) == ()
    assert answer_labels(_labelled("yes", {"constraints": ["x"]})) == ()
    assert answer_labels([]) == ()


def test_label_tasks_get_a_shape_with_a_rule_line_per_label():
    msgs = sarcasm_messages(labels=("yes", "no"))
    assert msgs[1]["content"].endswith(
        "YOUR JOB: write a better instruction for this task. First find what the wrong cases have in common "
        "(for example the same wrong answer every time). Then write a complete new instruction in your own "
        "words, for an assistant that has never seen this task, with a concrete rule for when each answer "
        "is the right one. Do not repeat the fixed format. State general rules, not the cases; at most 150 "
        "words.\nAnswer in exactly this shape:\n<instruction>\n"
        "Task: what the input contains and what exactly to decide.\n"
        "Look for: what to check in the input before answering.\n"
        'Answer "yes" when: a concrete rule.\n'
        'Answer "no" when: a concrete rule.\n'
        "</instruction>"
    )


SARCASM_FILLED = (
    "Task: decide whether the headline is sarcastic.\n"
    "Look for: exaggeration and mock praise.\n"
    'Answer "yes" when: the headline praises something trivial as if it were grand.\n'
    'Answer "no" when: the headline reports plainly.'
)


@pytest.mark.parametrize(
    "reply,text,reason",
    [
        (SARCASM_FILLED, SARCASM_FILLED, None),
        (SARCASM_FILLED.replace("the headline reports plainly.", "a concrete rule."), None, "unfilled"),
    ],
)
def test_propose_asks_with_the_labels_of_the_training_split_and_checks_the_lines(reply, text, reason):
    backend = ScriptedBackend([f"<instruction>\n{reply}\n"])
    program = KeywordProgram({"instruct": PARENT}, contract="Answer yes or no.")
    train = examples("t", ["no", "yes", "no"])
    task = Task("fake", Splits(train=train, val=[], test=[]), lambda e, p: None, "Detect sarcasm.")
    rollouts = [Rollout(e.id, 0.0, "wrong", program.run(program.seed_candidate(), e)) for e in train[:2]]
    proposal, _ = propose(
        LM(backend, role="reflection"),
        task,
        program,
        GEPAConfig(),
        parent_text=PARENT,
        component="instruct",
        examples=train[:2],
        rollouts=rollouts,
        tried=(),
        seed=1,
    )
    asked = backend.requests[0][0][-1]["content"]
    assert asked.endswith(
        'Answer "yes" when: a concrete rule.\nAnswer "no" when: a concrete rule.\n</instruction>'
    )
    assert (proposal.text, proposal.reason) == (text, reason)
