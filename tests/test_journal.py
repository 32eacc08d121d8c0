"""Journal durability: one JSON object per line, torn last line dropped, corruption reported, lock."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading

import pytest

from paretoprompt.errors import UserError
from paretoprompt.run.journal import SCHEMA_VERSION, Journal, RunLock, load_events, write_atomic


def test_events_are_versioned_sequenced_lines(tmp_path):
    j = Journal(tmp_path / "journal.jsonl")
    j.append("start", config={"a": 1})
    j.append("event", kind="proposal")
    j.close()
    lines = (tmp_path / "journal.jsonl").read_text().splitlines()
    assert [json.loads(x)["seq"] for x in lines] == [0, 1]
    first = json.loads(lines[0])
    assert first["v"] == SCHEMA_VERSION and first["type"] == "start" and first["config"] == {"a": 1}
    assert isinstance(first["t"], float)


def test_append_is_thread_safe(tmp_path):
    j = Journal(tmp_path / "journal.jsonl")
    threads = [
        threading.Thread(target=lambda: [j.append("x", pad="y" * 500) for _ in range(50)]) for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    j.close()
    events = load_events(tmp_path / "journal.jsonl")
    assert [e["seq"] for e in events] == list(
        range(200)
    )  # lines in seq order: a sync covers all earlier ones


@pytest.mark.parametrize("tail", [b'{"v":1,"seq":2,"t":1.0,"ty', b'{"v":1,"seq":2}', b"\x00\x00\x00\n"])
def test_torn_last_line_is_ignored_and_truncated(tmp_path, tail):
    path = tmp_path / "journal.jsonl"
    j = Journal(path)
    j.append("a")
    j.append("b")
    j.close()
    good = path.read_bytes()
    path.write_bytes(good + tail)
    assert [e["type"] for e in load_events(path)] == ["a", "b"]
    assert path.read_bytes() == good
    # and appending after the repair continues the sequence cleanly
    j = Journal(path, next_seq=2)
    j.append("c")
    j.close()
    assert [e["seq"] for e in load_events(path)] == [0, 1, 2]


def test_corruption_before_the_end_is_an_error(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text('{"v":1,"seq":0,"t":0,"type":"a"}\nGARBAGE\n{"v":1,"seq":2,"t":0,"type":"c"}\n')
    with pytest.raises(UserError, match="line 2 is corrupt"):
        load_events(path)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "journal.jsonl"
    path.write_text(json.dumps({"v": SCHEMA_VERSION + 1, "seq": 0, "t": 0, "type": "a"}) + "\n")
    with pytest.raises(UserError, match="newer paretoprompt"):
        load_events(path)


def test_lock_refuses_a_second_holder_and_names_the_pid(tmp_path):
    lock = RunLock(tmp_path)
    with pytest.raises(UserError, match=f"in use by process {os.getpid()}"):
        RunLock(tmp_path)
    lock.release()
    RunLock(tmp_path).release()  # free again


def test_lock_refuses_another_process(tmp_path):
    code = (
        "import sys, time; from pathlib import Path; from paretoprompt.run.journal import RunLock\n"
        "RunLock(Path(sys.argv[1])); print('locked', flush=True); time.sleep(30)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "locked"
        with pytest.raises(UserError, match=f"in use by process {proc.pid}"):
            RunLock(tmp_path)
    finally:
        proc.kill()
        proc.wait()
    RunLock(tmp_path).release()  # the OS dropped the dead holder's lock


def test_write_atomic_replaces_whole_file(tmp_path):
    path = tmp_path / "result.json"
    write_atomic(path, "one")
    write_atomic(path, "two")
    assert path.read_text() == "two"
    assert [p.name for p in tmp_path.iterdir()] == ["result.json"]


def test_unsynced_lines_are_written_at_once_and_synced_in_groups(tmp_path, monkeypatch):
    from paretoprompt.run import journal as journal_module

    syncs = []
    monkeypatch.setattr(journal_module, "_datasync", lambda fd: syncs.append(fd))
    j = Journal(tmp_path / "journal.jsonl")
    j.append("start")
    assert len(syncs) == 1  # a plain append is synced before it returns
    for _ in range(3):
        j.append("rollout", sync=False)
        j.sync(unless_within=60.0)  # the last sync is recent: deferred
    assert len(syncs) == 1
    assert (
        len(load_events(tmp_path / "journal.jsonl", repair=False)) == 4
    )  # written, so a kill -9 loses nothing
    j.sync()
    j.sync()  # nothing new since: no second sync
    assert len(syncs) == 2
    j.append("rollout", sync=False)
    j.sync(unless_within=0.0)
    assert len(syncs) == 3
    j.close()
