"""The checker registry: constraint id -> function(text, kwargs) -> Verdict.

Each checker states what the constraint demands and what it found, so a failed check reads as
GEPA feedback ("must include exactly 3 numbers; found 5") rather than a bare False.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Verdict:
    ok: bool
    detail: str


Checker = Callable[[str, Mapping[str, Any]], Verdict]

CHECKERS: dict[str, Checker] = {}


def checker(constraint_id: str) -> Callable[[Checker], Checker]:
    """Register a checker under its IFBench constraint id."""

    def register(fn: Checker) -> Checker:
        if constraint_id in CHECKERS:
            raise ValueError(f"duplicate IFBench checker {constraint_id}")
        CHECKERS[constraint_id] = fn
        return fn

    return register


def verdict(ok: bool, requirement: str, found: str) -> Verdict:
    """A verdict whose detail always reads "<requirement>; found <found>"."""
    return Verdict(ok, f"{requirement}; found {found}")


def check(constraint_id: str, text: str, kwargs: Mapping[str, Any]) -> Verdict:
    """Run one constraint on a response, as IFBench's strict mode does: an empty response fails."""
    fn = CHECKERS.get(constraint_id)
    if fn is None:
        raise KeyError(f"no offline checker for IFBench constraint {constraint_id}")
    if not text.strip():
        return Verdict(False, "the response is empty")
    return fn(text, kwargs)


def as_int(kwargs: Mapping[str, Any], key: str) -> int:
    """Integer kwargs arrive as JSON floats (e.g. 11.0) in the data file."""
    return int(kwargs[key])
