"""Record a scripted model once, then replay it with no model; unseen requests fail loudly."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from paretoprompt.errors import UserError
from paretoprompt.lm import LM, GenerationParams
from paretoprompt.lm.cache_key import cache_key
from paretoprompt.lm.replay import RecordingBackend, ReplayBackend, UnrecordedRequest
from paretoprompt.lm.testing import ScriptedBackend


def msgs(text: str) -> list[dict[str, str]]:
    return [{"role": "system", "content": "You answer."}, {"role": "user", "content": text}]


def echo(messages, params):  # type: ignore[no-untyped-def]
    return f"{messages[-1]['content']} / seed={params.seed} / t={params.temperature}"


def test_record_then_replay_gives_identical_completions(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = RecordingBackend(ScriptedBackend(echo, model="qwen"), path)
    live = LM(recorder)
    params = GenerationParams(temperature=0.9, seed=5)
    recorded = [live.complete(msgs("a")), *live.complete_n(msgs("b"), 3, params)]

    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert len(lines) == 4
    assert lines[0]["key"] == cache_key("qwen", msgs("a"), GenerationParams())
    assert [line["params"]["seed"] for line in lines[1:]] == [
        5,
        6,
        7,
    ]  # the sample is in the key via the seed

    replay = ReplayBackend(path)
    assert replay.model == "qwen" and len(replay) == 4
    again = LM(replay)
    assert [again.complete(msgs("a")), *again.complete_n(msgs("b"), 3, params)] == recorded


def test_unseen_request_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    LM(RecordingBackend(ScriptedBackend(echo, model="qwen"), path)).complete(msgs("a"))
    lm = LM(ReplayBackend(path))
    with pytest.raises(
        UnrecordedRequest, match=r"first message starts 'You answer\.', last message starts 'never asked'"
    ) as info:
        lm.complete(msgs("never asked"))
    assert isinstance(info.value, AssertionError)
    with pytest.raises(UnrecordedRequest):
        lm.complete(msgs("a"), GenerationParams(max_tokens=7))  # same messages, other params
    assert lm.usage.failures == 2


def test_unseeded_repeats_replay_in_order_then_repeat_last(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = RecordingBackend(ScriptedBackend(["one", "two"], model="m"), path)
    recorder.generate(msgs("q"), GenerationParams())
    recorder.generate(msgs("q"), GenerationParams())
    replay = ReplayBackend(path)
    texts = [replay.generate(msgs("q"), GenerationParams()).text for _ in range(3)]
    assert texts == ["one", "two", "two"]


def test_concurrent_recording_writes_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "rec.jsonl"
    recorder = RecordingBackend(ScriptedBackend(echo, model="m"), path)
    threads = [
        threading.Thread(
            target=lambda i=i: [recorder.generate(msgs(f"{i}-{j}"), GenerationParams()) for j in range(25)]
        )
        for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ReplayBackend(path)) == 200


def test_bad_recordings_are_user_errors(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="cannot read recording"):
        ReplayBackend(tmp_path / "missing.jsonl")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"key": "k", "model": "m", "completion": {"text": "x", "model": "m"}}\n{torn')
    with pytest.raises(UserError, match=r"bad\.jsonl:2"):
        ReplayBackend(bad)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    with pytest.raises(UserError, match="empty recording"):
        ReplayBackend(empty)
    assert ReplayBackend(empty, model="m").model == "m"
