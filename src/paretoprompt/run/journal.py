"""The run journal: append-only JSONL, one event per line, fdatasynced before use, plus the run-dir lock.

Each line is a JSON object `{"v": schema version, "seq": n, "t": unix time, "type": ..., ...}`.
A crash mid-write can leave a torn last line; `load` drops it (and truncates it away) so the
run resumes from the last complete event. A torn line anywhere else is real corruption and
is reported with its line number.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from paretoprompt.errors import UserError

SCHEMA_VERSION = 1
JOURNAL = "journal.jsonl"
LOCK = "run.lock"
GROUP_COMMIT_SECONDS = 0.05
"""Longest gap between rollout syncs within a batch (`Journal.sync`)."""

Event = dict[str, Any]

_datasync = getattr(os, "fdatasync", os.fsync)
"""fdatasync where the OS has it (Linux); macOS has only fsync."""


def load_events(path: Path, *, repair: bool = True) -> list[Event]:
    """All complete events in `path`; a torn last line is ignored and, if `repair`, truncated."""
    if not path.exists():
        return []
    data = path.read_bytes()
    events: list[Event] = []
    good_end = 0
    pos = 0
    while pos < len(data):
        nl = data.find(b"\n", pos)
        end = len(data) if nl < 0 else nl + 1
        try:
            event = json.loads(data[pos:end]) if nl >= 0 else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            event = None
        if not isinstance(event, dict) or "seq" not in event:
            if data[end:].strip(b"\x00\n \t"):
                raise UserError(f"{path}: line {len(events) + 1} is corrupt (not a torn last line)")
            break
        if event.get("v", 0) > SCHEMA_VERSION:
            raise UserError(f"{path}: written by a newer paretoprompt (journal schema v{event['v']})")
        events.append(event)
        good_end = pos = end
    if repair and good_end < len(data):
        with path.open("r+b") as f:
            f.truncate(good_end)
            os.fsync(f.fileno())
    return events


class Journal:
    """Appends events, each written at once and fdatasynced before anything acts on it. Thread-safe.

    A line is written with one `write` as soon as its event exists, so killing the process (even
    kill -9) loses nothing. `append` also syncs by default; rollouts append with `sync=False` and
    are synced in groups (`sync`): at most `GROUP_COMMIT_SECONDS` apart while a batch runs and always
    before the evaluator hands the batch to the optimizer, so a power loss costs at most the rollouts
    of that window and an instant LM does not pay one sync per rollout. `fdatasync` suffices on an
    append-only file (Linux persists the data and the new size, skipping only timestamps; elsewhere
    it is fsync). Lines are written under a lock, so they stay in `seq` order and a sync persists
    every earlier line too; a thread that finds its lines already synced by another skips its sync.
    """

    def __init__(self, path: Path, *, next_seq: int = 0, on_append: Callable[[Event], None] | None = None):
        self.path = path
        self._seq = next_seq
        self._synced_seq = next_seq
        self._synced_at = time.monotonic()
        self._lock = threading.Lock()
        self._sync_lock = threading.Lock()
        self._on_append = on_append
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, type_: str, *, sync: bool = True, **payload: Any) -> Event:
        with self._lock:
            event = {
                "v": SCHEMA_VERSION,
                "seq": self._seq,
                "t": round(time.time(), 3),
                "type": type_,
                **payload,
            }
            line = json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
            os.write(self._fd, line.encode("utf-8"))
            self._seq += 1
        if sync:
            self.sync()
        if self._on_append is not None:
            self._on_append(event)
        return event

    def sync(self, *, unless_within: float = 0.0) -> None:
        """fdatasync every line written so far; skipped when there is none new, or when the last
        sync was under `unless_within` seconds ago (the caller promises a later full sync)."""
        with self._sync_lock:
            written = self._seq  # every line counted here is already written
            if written == self._synced_seq or time.monotonic() - self._synced_at < unless_within:
                return
            _datasync(self._fd)
            self._synced_seq, self._synced_at = written, time.monotonic()

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


class RunLock:
    """An exclusive `flock` on `<run_dir>/run.lock` holding the owner's pid.

    The OS drops the lock when the process dies (even by kill -9), so a stale file never blocks.
    """

    def __init__(self, run_dir: Path) -> None:
        self.path = run_dir / LOCK
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.read(self._fd, 32).decode("ascii", "replace").strip() or "unknown"
            os.close(self._fd)
            raise UserError(f"run directory {run_dir} is in use by process {holder}") from None
        os.ftruncate(self._fd, 0)
        os.write(self._fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


def write_atomic(path: Path, text: str) -> None:
    """Write via a temp file + fsync + os.replace, so readers never see a half-written file."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
