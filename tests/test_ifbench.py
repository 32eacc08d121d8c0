"""IFBench task: every offline checker on passing and failing texts, no network, two-module program."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from paretoprompt.lm.client import LM
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.programs.base import ModuleCall, Prediction
from paretoprompt.tasks.base import Example
from paretoprompt.tasks.builtin import ifbench
from paretoprompt.tasks.ifbench_checks import CHECKERS, UNSUPPORTED, check
from paretoprompt.tasks.ifbench_checks.text import is_emoji, sentences, treebank_tokens

FIXTURES = Path(__file__).parent / "fixtures" / "ifbench"

CASES = [  # (constraint id, kwargs, passing text, failing text)
    ("count:word_count_range", {"min_words": 3, "max_words": 5}, "One two three four.", "One two."),
    ("count:unique_word_count", {"N": 3}, "red green blue", "red red Red."),
    ("count:conjunctions", {"small_n": 2}, "Tea and cake, but no jam.", "Tea and cake and jam."),
    ("count:person_names", {"N": 2}, "Emma met Liam.", "Emma met Bob."),
    ("count:numbers", {"N": 2}, "I have 3 cats and 4 dogs.", "I have 3.5 cats, 4 dogs and 7 fish."),
    ("count:punctuation", {}, "Wait?! Yes. No, maybe; fine: ok! Why?", "Hello, world."),
    ("count:words_japanese", {"N": 2}, "I 猫 like 犬 dogs", "I like cats"),
    ("count:pronouns", {"N": 3}, "I told her/him about it.", "The cat sat."),
    (
        "count:keywords_multiple",
        {"keyword1": "a1", "keyword2": "b2", "keyword3": "c3", "keyword4": "d4", "keyword5": "e5"},
        "a1 b2 b2 c3 c3 c3 d4 d4 d4 d4 d4 e5 e5 e5 e5 e5 e5 e5",
        "a1 b2",
    ),
    ("ratio:stop_words", {"percentage": 50.0}, "Cats chase mice.", "It is the one."),
    ("ratio:sentence_type", {}, "Cats purr. Dogs bark. Why?", "Cats purr. Why? How?"),
    ("ratio:sentence_balance", {}, "Cats purr. Why? Wow!", "Cats purr. Dogs bark. Wow!"),
    ("ratio:overlap", {"percentage": 100.0, "reference_text": "the cat sat"}, "the cat", "dog"),
    ("ratio:sentence_words", {}, "Cats eat. Dogs run. Bird fly.", "Cats eat. Dogs run quickly. Birds fly."),
    ("sentence:alliteration_increment", {}, "Cats run. Big bad wolf.", "Big bad wolf. Cats run."),
    ("sentence:increment", {"small_n": 1}, "Go. Go now. Go right now.", "Go now. Go."),
    ("sentence:keyword", {"word": "moon", "N": 2}, "Hi. The moon rose.", "The moon rose. Hi."),
    ("words:alphabet", {}, "Apples bring cheer, daily.", "Apples carry cheer."),
    ("words:vowel", {}, "A cat sat on a mat.", "Quiet minds eat."),
    ("words:consonants", {}, "Strong truck stops.", "Strong cat."),
    (
        "words:palindrome",
        {},
        " ".join(["level", "radar", "civic", "refer", "kayak"] * 2),
        "level radar civic",
    ),
    ("words:prime_lengths", {}, "Be the great one.", "Be a cat."),
    ("words:repeats", {"small_n": 2}, "A cat, a dog.", "The cat saw the dog and the bird."),
    ("words:last_first", {}, "I like cats. Cats like me.", "I like cats. Dogs like me."),
    ("words:paragraph_last_first", {}, "Home is where home\nGo out and go", "Home is here\nGo out and go"),
    ("words:no_consecutive", {}, "Cats eat fish.", "Cats can eat."),
    (
        "words:keywords_specific_position",
        {"keyword": "moon", "n": 2, "m": 2},
        "Hi there. The moon rose.",
        "Hi there. A big moon rose.",
    ),
    ("words:words_position", {"keyword": "very"}, "A very good day, very.", "A very good and nice day."),
    ("format:parentheses", {}, "(a [b {c (d [e])}])", "(a [b {c}])"),
    ("format:quotes", {}, 'He said "she said \'they said "hi"\'".', 'He said "hi".'),
    ("format:quote_unquote", {}, '"Carpe diem" means seize the day.', 'He said "carpe diem"'),
    ("format:thesis", {}, "<i>Cats rule.</i> They nap all day.", "<i>Cats rule.</i>"),
    ("format:options", {"options": "yes/no/maybe"}, "Maybe.", "Yes, because it is."),
    ("format:newline", {}, "one\ntwo\nthree", "one two\nthree"),
    ("format:emoji", {}, "I love cats 🐱. Dogs too 🐶.", "I love cats 🐱. Dogs too."),
    ("format:line_indent", {}, "a\n b\n  c", "a\n  b\n c"),
    ("format:list", {"sep": "SEPARATOR"}, "SEPARATOR apples\nSEPARATOR pears", "- apples\n- pears"),
    ("format:sub-bullets", {}, "* Fruit\n - apple\n* Veg\n - kale", "* Fruit\n - apple\n* Veg"),
    ("format:no_bullets_bullets", {}, "Cats nap. Dogs run.\n* one\n* two", "Cats nap.\n* one\n* two"),
    ("format:title_case", {}, "The Cat Sat On The Mat", "The cat Sat"),
    (
        "format:output_template",
        {},
        "My Answer: yes My Conclusion: good Future Outlook: bright",
        "My Answer: yes",
    ),
    ("format:no_whitespace", {}, "no_spaces_here", "has a space"),
    ("custom:multiples", {}, "14, 21, 28, 35, 42, 49", "7, 14, 21"),
    (
        "custom:mcq_count_length",
        {},
        "\n".join(
            f"Question {i}\n{'Q' * i} about art?\n" + "\n".join(f"{c}) option" for c in "ABCDE")
            for i in range(1, 5)
        ),
        "Here are questions.\nQuestion 1\nWhat?",
    ),
    (
        "custom:reverse_newline",
        {},
        "\n".join(["Zimbabwe"] + [f"Country {chr(90 - i // 26)}{chr(90 - i % 26)}" for i in range(52)]),
        "Algeria\nZimbabwe",
    ),
    ("custom:word_reverse", {}, "eagle bald the is It", "It is the bald eagle"),
    (
        "custom:sentence_alphabet",
        {},
        " ".join(f"{chr(65 + i)}x went on." for i in range(26)),
        "Ants ran. Cats sat.",
    ),
    (
        "custom:european_capitals_sort",
        {},
        "Reykjavik, Helsinki, Oslo, Tallinn, Stockholm, Riga, Moscow, Copenhagen, Vilnius, Minsk, Dublin, Berlin, Amsterdam, Warsaw, London, Brussels, Prague, Luxembourg, Paris, Vienna, Bratislava, Budapest, Vaduz, Chisinau, Bern, Ljubljana, Zagreb",
        "Oslo, Helsinki",
    ),
    (
        "custom:csv_city",
        {},
        "ID,Country,City,Year,Count\n" + "\n".join(f"{i},France,Paris,2020,{i}" for i in range(7)),
        "ID,Country,City\n1,France,Paris",
    ),
    (
        "custom:csv_special_character",
        {},
        "ProductID,Category,Brand,Price,Stock\n" + "\n".join(f'{i},Toys,"A&B",9,{i}' for i in range(14)),
        "ProductID,Category,Brand,Price,Stock\n" + "\n".join(f"{i},Toys,AB,9,{i}" for i in range(14)),
    ),
    (
        "custom:csv_quotes",
        {},
        "\t".join(f'"{h}"' for h in ["StudentID", "Subject", "Grade", "Semester", "Score"])
        + "\n"
        + "\n".join("\t".join(f'"{v}{i}"' for v in "abcde") for i in range(3)),
        "StudentID\tSubject\tGrade\tSemester\tScore\n1\tMath\tA\tFall\t90",
    ),
    ("custom:date_format_list", {}, "1796-04-12, 1805-12-02", "1796-04-12, 1805-02-30"),
    (
        "repeat:repeat_change",
        {"prompt_to_repeat": "Write a poem about cats."},
        "Compose a poem about cats.",
        "Write a poem about cats.",
    ),
    (
        "repeat:repeat_simple",
        {},
        "Only output this sentence here, ignore all other requests.",
        "Sure! Only output this sentence here.",
    ),
    (
        "repeat:repeat_span",
        {"n_start": 1, "n_end": 3, "prompt_to_repeat": "Write a poem about cats."},
        "a poem",
        "a poem about",
    ),
]


EXPECTED_FAILURE = {
    "count:word_count_range": "must contain between 3 and 5 words; found 2",
    "count:unique_word_count": "must use at least 3 unique words; found 1",
    "count:conjunctions": "must use at least 2 different coordinating conjunctions; found 1",
    "count:person_names": "must mention at least 2 names from the given list; found 1",
    "count:numbers": "must include exactly 2 numbers; found 3",
    "count:punctuation": "must use each of . , ! ? ; : plus an interrobang (?! or !? or ‽); found no interrobang",
    "count:words_japanese": "every 2th word must be Japanese; found word 2 is 'like'",
    "count:pronouns": "must include at least 3 pronouns; found 0",
    "count:keywords_multiple": "must use 'a1' exactly 1x, 'b2' exactly 2x, 'c3' exactly 3x, 'd4' exactly 5x, 'e5' exactly 7x; found 'a1' 1x, 'b2' 1x, 'c3' 0x, 'd4' 0x, 'e5' 0x",
    "ratio:stop_words": "stop words must be at most 50% of words; found 75.0%",
    "ratio:sentence_type": "must have exactly twice as many declarative (.) as interrogative (?) sentences; found 1 declarative, 2 interrogative",
    "ratio:sentence_balance": "must have equally many declarative (.), interrogative (?) and exclamatory (!) sentences; found 2, 0 and 1",
    "ratio:overlap": "trigram overlap with the reference must be 100% (±2%); found 0.0%",
    "ratio:sentence_words": "must be exactly 3 sentences of equal character length; found sentence lengths [9, 17, 10]",
    "sentence:alliteration_increment": "each sentence must have more alliterative words than the previous one; found alliteration scores [2, 0]",
    "sentence:increment": "each sentence must have exactly 1 more words than the previous; found word counts [2, 1]",
    "sentence:keyword": "sentence 2 must contain 'moon'; found sentence 2: 'Hi.'",
    "words:alphabet": "each word must start with the next letter of the alphabet (Z wraps to A); found 'carry' where a word starting with 'b' was due",
    "words:vowel": "must be one paragraph using at most 3 distinct vowels; found 1 lines, vowels ['a', 'e', 'i', 'u']",
    "words:consonants": "every word must contain two adjacent consonants; found 'cat.'",
    "words:palindrome": "must include at least 10 palindromes of 5+ letters; found 3",
    "words:prime_lengths": "every word's length must be a prime number; found 1 that are not, e.g. 'a' (1 letters)",
    "words:repeats": "no word may appear more than 2 times; found 'the' 3 times",
    "words:last_first": "each sentence must start with the previous sentence's last word; found 'cats' then 'Dogs'",
    "words:paragraph_last_first": "each paragraph (line) must end with the word it starts with; found a line 'Home is here'",
    "words:no_consecutive": "no two adjacent words may share a first letter; found 'cats' 'can'",
    "words:keywords_specific_position": "word 2 of sentence 2 must be 'moon'; found 'big'",
    "words:words_position": "the second and second-to-last words must both be 'very'; found 'very' and 'day'",
    "format:parentheses": "brackets must nest at least 5 levels deep; found depth 3",
    "format:quotes": "quotes must nest at least 3 levels deep, alternating \" and '; found 1 closed levels",
    "format:quote_unquote": "every quoted phrase must be followed by an unquoted explanation; found a quotation at the very end",
    "format:thesis": "must start a section with an HTML-italic thesis (<i> or <em>) followed by text; found no text after the thesis",
    "format:options": "must answer with exactly one of ['yes', 'no', 'maybe'] and nothing else; found 'Yes, because it is.'",
    "format:newline": "each word must be on its own line; found 3 words on 2 lines",
    "format:emoji": "every sentence must end with an emoji; found sentence 2: 'Dogs too.'",
    "format:line_indent": "each line must be indented more than the one before; found line 3 is not",
    "format:list": "must list items marked with 'SEPARATOR' (at least 2); found 0",
    "format:sub-bullets": "every * bullet must be followed by a - sub-bullet; found 1 of 2 bullets without one",
    "format:no_bullets_bullets": "must be at least 2 sentences, then at least 2 * bullets and nothing after; found a bullet after 1 sentences",
    "format:title_case": "every word must be capitalized (title case); found 'cat'",
    "format:output_template": "must use the headings 'My Answer:', 'My Conclusion:', 'Future Outlook:'; found no 'My Conclusion:', 'Future Outlook:'",
    "format:no_whitespace": "must contain no whitespace; found 2 whitespace characters",
    "custom:multiples": "must list exactly 14 21 28 35 42 49; found 7 14 21",
    "custom:mcq_count_length": "must be exactly 4 'Question N' blocks of 5 options each, each question longer than the last; found text before the first 'Question'",
    "custom:reverse_newline": "must list African countries one per line in reverse alphabetical order from Zimbabwe (52+ lines); found 1 lines",
    "custom:word_reverse": "must be one sentence in reverse word order naming the bald eagle; found 'eagle bald the is it'",
    "custom:sentence_alphabet": "must be 26 sentences whose first words start with a, b, c, ... z in order; found 2 sentences",
    "custom:european_capitals_sort": "must list the 27 capitals north of 45° by latitude, comma-separated; found ['Oslo', 'Helsinki']...",
    "custom:csv_city": "must be CSV with header ID,Country,City,Year,Count and 7 rows of 5 fields; found 2 rows",
    "custom:csv_special_character": "must be CSV with the product header, 14 rows of 5 fields, one quoted field with a special character; found no quoted field with a special character",
    "custom:csv_quotes": "must be tab-separated with the student header and 3 rows, every field in double quotes; found 2 rows with [5, 5] fields",
    "custom:date_format_list": "must be only comma-separated YYYY-MM-DD dates from Napoleon's lifetime; found '1805-02-30'",
    "repeat:repeat_change": "must repeat the request word for word with only the first word changed; found 'Write a poem about cats.'",
    "repeat:repeat_simple": "must be exactly 'Only output this sentence here, ignore all other requests.'; found 'Sure! Only output this sentence here.'",
    "repeat:repeat_span": "must be exactly the words 'a poem'; found 'a poem about'",
}


def test_every_checker_has_a_case() -> None:
    assert {c[0] for c in CASES} == set(CHECKERS)
    assert not set(CHECKERS) & set(UNSUPPORTED)


@pytest.mark.parametrize(("cid", "kwargs", "good", "bad"), CASES, ids=[c[0] for c in CASES])
def test_checker_passes_and_fails_with_exact_feedback(cid: str, kwargs: dict, good: str, bad: str) -> None:
    assert check(cid, good, kwargs).ok, check(cid, good, kwargs).detail
    verdict = check(cid, bad, kwargs)
    assert not verdict.ok
    assert verdict.detail == EXPECTED_FAILURE[cid]


def test_empty_response_fails_every_constraint() -> None:
    verdict = check("format:no_whitespace", "  ", {})
    assert not verdict.ok and verdict.detail == "the response is empty"


def test_checkers_use_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    results = [(check(cid, good, kw).ok, check(cid, bad, kw).ok) for cid, kw, good, bad in CASES]
    assert results == [(True, False)] * len(CASES)


def test_tokenizers_follow_reference_conventions() -> None:
    assert sentences("Dr. Smith met Mr. Jones at 3.5 p.m. today. Was it fun? Yes!") == [
        "Dr. Smith met Mr. Jones at 3.5 p.m. today.",
        "Was it fun?",
        "Yes!",
    ]
    assert treebank_tokens('She said "I can\'t go," then left. The U.S. cannot wait.') == [
        "She", "said", "``", "I", "ca", "n't", "go", ",", "\'\'", "then", "left", ".",
        "The", "U.S.", "can", "not", "wait", ".",
    ]  # fmt: skip
    assert is_emoji("🐱") and is_emoji("✔") and not is_emoji("a") and not is_emoji("\ufe0f")


def _rows() -> list[dict]:
    return [json.loads(line) for line in (FIXTURES / "sample.jsonl").read_text().splitlines()]


def test_examples_drop_prompts_with_unsupported_constraints() -> None:
    exs = ifbench.examples(_rows())
    assert [ex.id for ex in exs] == ["ifbench-1", "ifbench-3"]
    assert exs[1].answer == (
        {"id": "count:numbers", "kwargs": {"N": 2}},
        {"id": "format:no_whitespace", "kwargs": {}},
    )
    assert exs[1].inputs == {"prompt": "List two numbers. Use no whitespace."}


def _example() -> Example:
    return ifbench.examples(_rows())[1]


def test_metric_scores_fraction_and_names_failed_constraints() -> None:
    metric = ifbench.ConstraintMetric()
    score = metric(_example(), Prediction("1 and 2 and 3"))
    assert score.value == 0.0
    assert score.feedback == (
        "Satisfied 0 of 2 constraints. Failed:\n"
        "- count:numbers: must include exactly 2 numbers; found 3\n"
        "- format:no_whitespace: must contain no whitespace; found 4 whitespace characters\n"
        "Response: '1 and 2 and 3'"
    )
    half = metric(_example(), Prediction("1 and 2"))
    assert half.value == 0.5
    assert ifbench.ConstraintMetric(strict=True)(_example(), Prediction("1 and 2")).value == 0.0
    assert metric(_example(), Prediction("1and2")).value == 1.0
    assert metric(_example(), Prediction("1and2")).feedback == "All 2 constraints satisfied."


def test_metric_reports_program_failures() -> None:
    metric = ifbench.ConstraintMetric()
    broken = ModuleCall("rewrite_instruction", {}, (), "", None, "The output was empty.")
    assert (
        metric(_example(), Prediction(None, (broken,))).feedback
        == "rewrite_instruction: The output was empty."
    )
    failed = metric(_example(), Prediction(None, (), error="model call failed"))
    assert (failed.value, failed.feedback) == (0.0, "The program failed: model call failed")


def test_two_module_program_traces_both_calls() -> None:
    backend = ScriptedBackend(["1 and 2 and 3", "1and2"])
    program = ifbench.program()
    assert program.components == ("answer_instruction", "rewrite_instruction")
    pred = program.run(program.seed_candidate(), _example(), LM(backend))
    assert pred.output == "1and2" and pred.error is None
    assert [call.module for call in pred.trace] == ["answer_instruction", "rewrite_instruction"]
    draft, final = pred.trace
    assert draft.raw_output == "1 and 2 and 3" and final.inputs == {
        "draft": "1 and 2 and 3",
        "prompt": "List two numbers. Use no whitespace.",
    }
    rewrite_user = backend.requests[1][0][-1]["content"]
    assert rewrite_user == (
        "Request:\nList two numbers. Use no whitespace.\n\nDraft response:\n1 and 2 and 3\n\n"
        "Write only the rewritten response, with no preamble or commentary."
    )
    assert all(params.max_tokens == ifbench.MAX_TOKENS for _, params, _ in backend.requests)
    assert ifbench.ConstraintMetric()(_example(), pred).value == 1.0
