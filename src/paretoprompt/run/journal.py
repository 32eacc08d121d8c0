"""The run journal: append-only JSONL, one synced (fdatasync) event per line, plus the run-dir lock.

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
    """Appends events durably (write + fdatasync per event). Thread-safe.

    Every `append` syncs its own event before returning. `fdatasync` suffices on an append-only
    file (Linux persists the data and the new size, skipping only timestamps; elsewhere it is fsync). The sync runs
    outside the lock so concurrent workers' syncs overlap instead of queueing; the write itself is
    under the lock, so lines stay in `seq` order and a sync persists every earlier line too.
    """

    def __init__(self, path: Path, *, next_seq: int = 0, on_append: Callable[[Event], None] | None = None):
        self.path = path
        self._seq = next_seq
        self._lock = threading.Lock()
        self._on_append = on_append
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def append(self, type_: str, **payload: Any) -> Event:
        with self._lock:
            event = {"v": SCHEMA_VERSION, "seq": self._seq, "t": round(time.time(), 3), "type": type_, **payload}
            line = json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n"
            os.write(self._fd, line.encode("utf-8"))
            self._seq += 1
        _datasync(self._fd)
        if self._on_append is not None:
            self._on_append(event)
        return event

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
