"""`SqliteCache`: the persistent response cache, shared safely by threads and processes.

SQLite in WAL mode lets many readers work while one writer commits, and the busy timeout makes
concurrent writers from other processes wait instead of failing. Each thread (and each process
after a fork) gets its own connection because sqlite3 connections must not be shared.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sqlite3
import threading
from pathlib import Path

from paretoprompt.errors import UserError
from paretoprompt.lm.base import Completion
from paretoprompt.paths import cache_dir

_FIELDS = {f.name for f in dataclasses.fields(Completion)}
_SCHEMA = "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def default_cache_path() -> Path:
    return cache_dir() / "responses.sqlite"


class SqliteCache:
    """Completions stored as JSON, keyed by `cache_key(...)`; implements `ResponseCache`.

    `hits` and `misses` count this instance's lookups (per process), so a run can report its
    own hit rate even when the file is shared.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None, *, busy_timeout_s: float = 60.0) -> None:
        self.path = Path(path) if path is not None else default_cache_path()
        self.busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self._conn()  # fail at construction, not mid-run, on a bad path

    @property
    def hit_rate(self) -> float:
        lookups = self.hits + self.misses
        return self.hits / lookups if lookups else 0.0

    def get(self, key: str) -> Completion | None:
        row = self._execute("SELECT value FROM responses WHERE key = ?", (key,)).fetchone()
        completion = _decode(row[0]) if row is not None else None
        with self._lock:
            if completion is None:
                self.misses += 1
            else:
                self.hits += 1
        return completion

    def put(self, key: str, completion: Completion) -> None:
        value = json.dumps(dataclasses.asdict(completion), ensure_ascii=False)
        self._execute("INSERT OR REPLACE INTO responses (key, value) VALUES (?, ?)", (key, value))

    def clear(self) -> None:
        """Delete every stored response (the file stays) and reset the counters."""
        self._execute("DELETE FROM responses")
        with self._lock:
            self.hits = self.misses = 0

    def __len__(self) -> int:
        return int(self._execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        """Close this thread's connection; other threads' connections close when they exit."""
        state = getattr(self._local, "state", None)
        if state is not None:
            state[1].close()
            self._local.state = None

    def _execute(self, sql: str, args: tuple[str, ...] = ()) -> sqlite3.Cursor:
        try:
            return self._conn().execute(sql, args)
        except sqlite3.DatabaseError as err:
            raise UserError(
                f"response cache {self.path} is unusable ({err}); delete it or set PARETOPROMPT_NO_CACHE=1"
            ) from None

    def _conn(self) -> sqlite3.Connection:
        state = getattr(self._local, "state", None)
        if state is not None and state[0] == os.getpid():
            return state[1]
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
            conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout_s * 1000)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute(_SCHEMA)
        except (OSError, sqlite3.DatabaseError) as err:
            raise UserError(f"cannot open response cache {self.path}: {err}") from None
        self._local.state = (os.getpid(), conn)
        return conn


def _decode(value: str) -> Completion | None:
    """A stored completion, or None (a miss) for a row written by an incompatible version."""
    try:
        data = json.loads(value)
        return Completion(**{k: v for k, v in data.items() if k in _FIELDS})
    except (ValueError, TypeError):
        return None
