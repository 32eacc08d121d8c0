"""Crash-and-resume scaffolding for full runs on the toy task (scripted LMs only).

A test module subclasses `Harness` with its optimizer, options and reflection responder, runs a
reference once (`reference_fixture`), then cuts its journal after an event (`crashed_copy`) or raises inside the
journal writer (`crash_at`), resumes, and compares the results with `comparable`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from paretoprompt.lm.base import GenerationParams, Messages
from paretoprompt.run import optimize, resume, start
from paretoprompt.run.config import parse_config
from paretoprompt.run.journal import JOURNAL
from run_fixtures import ToyProgram, make_task, reflection_lm, task_lm


class Crash(Exception):
    pass


class Harness:
    """Fresh scripted LMs per session, counting the live calls each session makes."""

    optimizer: ClassVar[str]
    options: ClassVar[Mapping[str, Any]]
    responder: ClassVar[Callable[[Messages, GenerationParams], str]]
    seed: ClassVar[int]
    budget: ClassVar[int] = 200

    def __init__(self) -> None:
        self.task_calls = 0
        self.reflection_calls = 0

    def objects(self) -> dict[str, Any]:
        self.tlm, self.tb = task_lm()
        self.rlm, self.rb = reflection_lm(type(self).responder)
        return {"task": make_task(), "program": ToyProgram(), "task_lm": self.tlm, "reflection_lm": self.rlm}

    def optimize(self, run_dir: Path, on_append: Callable[[dict[str, Any]], None] | None = None):
        """The uninterrupted run (`on_append`: called with each journaled event, through the config API)."""
        o = self.objects()
        try:
            if on_append is None:
                return optimize(
                    optimizer=self.optimizer,
                    optimizer_options=dict(self.options),
                    budget=self.budget,
                    seed=self.seed,
                    run_dir=run_dir,
                    progress=False,
                    concurrency=2,
                    **o,
                )
            config = parse_config(
                {
                    "task": {"name": "toy"},
                    "optimizer": {"name": self.optimizer, **self.options},
                    "lm": {"task": "toy-task", "reflection": "toy-reflect", "concurrency": 2},
                    "budget": {"rollouts": self.budget},
                    "seed": self.seed,
                    "run_dir": str(run_dir),
                }
            )
            return start(config, objects=o, progress=False, on_append=on_append)
        finally:
            self._count()

    def resume(self, run_dir: Path, **kw: Any):
        o = self.objects()
        try:
            return resume(run_dir, progress=False, **o, **kw)
        finally:
            self._count()

    def _count(self) -> None:
        self.task_calls += self.tb.calls
        self.reflection_calls += self.rb.calls


def reference_fixture(harness: type[Harness], name: str):
    """A module-scoped fixture: (result, journal lines, harness) of one uninterrupted run."""

    @pytest.fixture(scope="module")
    def reference(tmp_path_factory):
        run_dir = tmp_path_factory.mktemp(name)
        h = harness()
        result = h.optimize(run_dir)
        return result, (run_dir / JOURNAL).read_bytes().splitlines(keepends=True), h

    return reference


def comparable(result) -> dict:
    data = result.to_json()
    data.pop("wall_seconds")
    return data


def kinds(events, type_):
    return [e for e in events if e["type"] == type_]


def crashed_copy(lines: list[bytes], k: int, root: Path) -> tuple[Path, list[dict]]:
    """A run dir whose journal stops after event `k` (odd k: a half-written next line too), and the kept events."""
    run_dir = root / f"k{k}"
    run_dir.mkdir()
    torn = lines[k][: len(lines[k]) // 2] if k % 2 else b""
    (run_dir / JOURNAL).write_bytes(b"".join(lines[:k]) + torn)
    return run_dir, [json.loads(x) for x in lines[:k]]


def crash_at(seq: int) -> Callable[[dict[str, Any]], None]:
    """An `on_append` hook that raises `Crash` once event `seq` is journaled."""

    def crash(event: dict[str, Any]) -> None:
        if event["seq"] == seq:
            raise Crash(f"simulated crash after event {seq}")

    return crash
