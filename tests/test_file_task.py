"""User JSONL/CSV tasks: field mapping, metrics, and one-line errors naming file, line and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from paretoprompt.errors import UserError
from paretoprompt.lm.client import LM
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.tasks.files import input_template, load_file_task
from paretoprompt.tasks.splits import SplitSizes

DATA = Path(__file__).parent / "fixtures" / "data"


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def test_jsonl_task_with_ids_and_program() -> None:
    task, program = load_file_task(
        DATA / "qa.jsonl",
        input_fields=["question"],
        answer_field="answer",
        id_field="id",
        sizes=SplitSizes(2, 2, 2),
        seed=3,
    )
    ids = sorted(e.id for s in ("train", "val", "test") for e in task.splits.get(s))
    assert ids == ["q1", "q2", "q3", "q4", "q5", "q6"]
    assert task.name == "qa"
    assert (
        program.contract("instruction")
        == "Question: {question}\n\nReply with the answer only, no explanation."
    )
    assert program.seed_candidate() == {"instruction": "Given the question, give the answer."}
    ex = task.splits.test[0]
    pred = program.run(program.seed_candidate(), ex, LM(ScriptedBackend([ex.answer])))
    assert task.metric(ex, pred).feedback == "Correct."


def test_csv_task_numeric_and_choice_contracts(tmp_path: Path) -> None:
    task, program = load_file_task(
        DATA / "colors.csv",
        input_fields=["context", "question"],
        answer_field="label",
        metric="normalized",
        sizes=SplitSizes(1, 1, 1),
    )
    sky = next(e for s in ("train", "val", "test") for e in task.splits.get(s) if e.answer == "blue")
    assert sky.inputs == {"context": "Sky, at noon", "question": "What colour is the sky?"}
    assert sky.id.startswith("colors-")
    assert (
        input_template(["context", "user_question"]) == "Context: {context}\nUser question: {user_question}"
    )
    nums = write(tmp_path, "n.jsonl", '{"q": "1+1", "a": 2}\n')
    _, program = load_file_task(nums, input_fields=["q"], answer_field="a", metric="numeric")
    assert program.params.max_tokens == 256 and "Answer: <number>" in program.contract("instruction")
    letters = write(tmp_path, "c.jsonl", '{"q": "pick", "a": "B"}\n')
    _, program = load_file_task(letters, input_fields=["q"], answer_field="a", metric="choice")
    assert program.contract("instruction").endswith("Answer with the letter of the correct option only.")


def test_user_metric_from_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    task, program = load_file_task(
        "qa.jsonl",
        input_fields=["question"],
        answer_field="answer",
        metric="qa_metric.py:capital",
        sizes=SplitSizes(0, 0, 6),
    )
    ex = next(e for e in task.splits.test if e.answer == "Paris")
    good = program.run({}, ex, LM(ScriptedBackend(["paris"])))
    bad = program.run({}, ex, LM(ScriptedBackend(["Lyon"])))
    assert task.metric(ex, good).feedback == "Correct capital."
    assert task.metric(ex, bad).feedback == "Expected Paris, got 'Lyon'."


def test_content_duplicates_are_kept_once(tmp_path: Path) -> None:
    path = write(tmp_path, "d.jsonl", '{"q": "a", "a": "1"}\n{"q": "a", "a": "1"}\n{"q": "b", "a": "1"}\n')
    task, _ = load_file_task(path, input_fields=["q"], answer_field="a", sizes=SplitSizes(3, 0, 0))
    assert len(task.splits.train) == 2


@pytest.mark.parametrize(
    ("name", "content", "kwargs", "message"),
    [
        ("m.jsonl", '{"q": "a", "a": "1"}\n{"a": "2"}\n', {}, "m.jsonl:2: missing field 'q' (fields: a)"),
        ("e.jsonl", "\n\n", {}, "e.jsonl: no examples (the file is empty)"),
        (
            "d.jsonl",
            '{"id": 1, "q": "a", "a": "1"}\n{"id": 1, "q": "b", "a": "2"}\n',
            {"id_field": "id"},
            "d.jsonl:2: duplicate id '1' in field 'id' (first on line 1)",
        ),
        (
            "u.jsonl",
            b'{"q": "a", "a": "1"}\n{"q": "caf\xe9", "a": "2"}\n',
            {},
            "u.jsonl:2: not valid UTF-8 (byte 0xe9); save the file as UTF-8",
        ),
        (
            "j.jsonl",
            '{"q": "a", "a": "1"}\n{"q": "a", \n',
            {},
            "j.jsonl:2: invalid JSON (Expecting property name enclosed in double quotes at column 12)",
        ),
        ("l.jsonl", '["q", "a"]\n', {}, "l.jsonl:1: expected a JSON object, got list"),
        ("b.jsonl", '{"q": "a", "a": ""}\n', {}, "b.jsonl:1: field 'a' is empty"),
        ("h.csv", "q,answer\nx,1\n", {}, "h.csv:2: missing field 'a' (fields: q, answer)"),
        ("s.csv", "q,a\nx\n", {}, "s.csv:2: missing field 'a' (fields: q)"),
        ("x.txt", "q,a\n", {}, "x.txt: unsupported file type '.txt'; use .jsonl or .csv"),
        ("k.jsonl", '{"q": "a", "a": "1"}\n', {"metric": "bleu"}, "unknown metric 'bleu'"),
        ("c.jsonl", '{"q": "a", "a": "maybe"}\n', {"metric": "choice"}, "field 'a' is not an option letter"),
    ],
)
def test_malformed_data_gives_one_line_error(
    tmp_path: Path, name: str, content: str | bytes, kwargs: dict[str, str], message: str
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(UserError) as info:
        load_file_task(path, input_fields=["q"], answer_field="a", **kwargs)
    text = str(info.value)
    assert message in text and "\n" not in text


def test_missing_file() -> None:
    with pytest.raises(UserError, match=r"data file not found: nowhere\.jsonl"):
        load_file_task("nowhere.jsonl", input_fields=["q"], answer_field="a")
