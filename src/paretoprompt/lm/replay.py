"""Record/replay: capture a real model's completions once, then rerun tests with no model at all.

A recording is JSONL, one line per request: its `cache_key`, the request and the completion.
The key includes the seed, which `LM` shifts per sample index, so seeded samples stay distinct;
unseeded repeats of one request are replayed in recorded order.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from collections import defaultdict
from pathlib import Path

from paretoprompt.errors import UserError
from paretoprompt.lm.base import Backend, Completion, GenerationParams, Messages
from paretoprompt.lm.cache_key import cache_key

_FIELDS = {f.name for f in dataclasses.fields(Completion)}


class UnrecordedRequest(AssertionError):
    """A replayed test asked for something the recording does not hold: re-record or fix the test."""


class RecordingBackend:
    """Wraps a real backend and appends every successful request+completion to `path`."""

    def __init__(self, inner: Backend, path: str | os.PathLike[str]) -> None:
        self.inner = inner
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.inner.model

    def generate(
        self, messages: Messages, params: GenerationParams, *, slot: int | None = None
    ) -> Completion:
        completion = self.inner.generate(messages, params, slot=slot)
        record = {
            "key": cache_key(self.model, messages, params),
            "model": self.model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "params": {**dataclasses.asdict(params), "stop": list(params.stop)},
            "completion": dataclasses.asdict(completion),
        }
        line = json.dumps(record, ensure_ascii=False) + "\n"
        with self._lock, self.path.open("a", encoding="utf-8") as f:
            f.write(line)
        return completion


class ReplayBackend:
    """Serves the completions recorded in `path`; raises `UnrecordedRequest` for anything else."""

    def __init__(self, path: str | os.PathLike[str], *, model: str | None = None) -> None:
        self.path = Path(path)
        self._by_key: dict[str, list[Completion]] = defaultdict(list)
        self._served: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()
        recorded_model = self._load()
        if model is None and recorded_model is None:
            raise UserError(f"{self.path}: empty recording; pass model= to replay it")
        self._model = model or recorded_model or ""

    @property
    def model(self) -> str:
        return self._model

    def __len__(self) -> int:
        return sum(len(v) for v in self._by_key.values())

    def generate(
        self, messages: Messages, params: GenerationParams, *, slot: int | None = None
    ) -> Completion:
        key = cache_key(self._model, messages, params)
        with self._lock:
            recorded = self._by_key.get(key)
            if not recorded:
                first = messages[0]["content"] if messages else ""
                last = messages[-1]["content"] if messages else ""
                raise UnrecordedRequest(
                    f"unrecorded request to {self._model} (key {key[:12]}, {params}) in {self.path}; "
                    f"first message starts {first[:80]!r}, last message starts {last[:80]!r}"
                )
            i = self._served[key]
            self._served[key] = i + 1
        return recorded[min(i, len(recorded) - 1)]

    def _load(self) -> str | None:
        try:
            lines = self.path.read_text(encoding="utf-8").splitlines()
        except OSError as err:
            raise UserError(f"cannot read recording {self.path}: {err.strerror}") from None
        model = None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
                data = {k: v for k, v in record["completion"].items() if k in _FIELDS}
                self._by_key[record["key"]].append(Completion(**data))
                model = model or record.get("model")
            except (ValueError, KeyError, TypeError, AttributeError) as err:
                raise UserError(f"{self.path}:{n}: bad recording line ({err})") from None
        return model
