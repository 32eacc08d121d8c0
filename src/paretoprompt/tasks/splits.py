"""Deterministic train/val/test splits with stable example ids.

The same (data, seed, sizes) always gives the same splits, in the same order, on any machine:
examples are sorted by id before a seeded shuffle, so file order does not matter either.
"""

from __future__ import annotations

import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.tasks.base import Example, Splits


@dataclass(frozen=True)
class SplitSizes:
    """Wanted number of examples per split. Sizes are caps: see `fit`."""

    train: int = 100
    val: int = 50
    test: int = 300

    def __post_init__(self) -> None:
        for name in ("train", "val", "test"):
            if getattr(self, name) < 0:
                raise UserError(f"split size {name} must be >= 0, got {getattr(self, name)}")

    @property
    def total(self) -> int:
        return self.train + self.val + self.test

    def fit(self, available: int) -> SplitSizes:
        """These sizes if the data suffices, else scaled down in proportion (test takes the rounding)."""
        if self.total <= available:
            return self
        train = self.train * available // self.total
        val = self.val * available // self.total
        return SplitSizes(train, val, available - train - val if self.test else 0)

    def __str__(self) -> str:
        return f"{self.train}/{self.val}/{self.test}"


def content_id(prefix: str, *parts: Any) -> str:
    """A stable id from content, for datasets without native ids: `prefix-<12 hex>`."""
    blob = json.dumps(parts, sort_keys=True, ensure_ascii=False)
    return f"{prefix}-{hashlib.sha256(blob.encode('utf-8')).hexdigest()[:12]}"


def dedupe(examples: Iterable[Example]) -> list[Example]:
    """Keep the first example of each id (exact duplicate rows share a content id)."""
    seen: dict[str, Example] = {}
    for ex in examples:
        seen.setdefault(ex.id, ex)
    return list(seen.values())


def make_splits(
    examples: Sequence[Example],
    sizes: SplitSizes,
    *,
    seed: int,
    label: Callable[[Example], Hashable] | None = None,
) -> Splits:
    """Disjoint splits drawn with `random.Random(seed)`.

    With `label`, each split gets an equal number of examples per label where the data allows
    (a label that runs short is topped up from the others); each split is then shuffled.
    """
    ids = [ex.id for ex in examples]
    if len(set(ids)) != len(ids):
        raise ValueError("example ids must be unique; call dedupe() first")
    rng = random.Random(seed)
    pool = sorted(examples, key=lambda ex: ex.id)
    sizes = sizes.fit(len(pool))
    if label is None:
        rng.shuffle(pool)
        cuts = [sizes.train, sizes.train + sizes.val, sizes.total]
        parts = [pool[: cuts[0]], pool[cuts[0] : cuts[1]], pool[cuts[1] : cuts[2]]]
    else:
        parts = _balanced(pool, sizes, rng, label)
    return Splits(train=tuple(parts[0]), val=tuple(parts[1]), test=tuple(parts[2]))


def _balanced(
    pool: list[Example], sizes: SplitSizes, rng: random.Random, label: Callable[[Example], Hashable]
) -> list[list[Example]]:
    by_label: dict[Hashable, list[Example]] = defaultdict(list)
    for ex in pool:
        by_label[label(ex)].append(ex)
    keys = sorted(by_label, key=repr)
    for key in keys:
        rng.shuffle(by_label[key])
    parts = []
    for size in (sizes.train, sizes.val, sizes.test):
        part: list[Example] = []
        while len(part) < size:
            live = [k for k in keys if by_label[k]]
            quota = max(1, (size - len(part)) // len(live))
            for key in live:
                take = min(quota, size - len(part), len(by_label[key]))
                part.extend(by_label[key][:take])
                del by_label[key][:take]
        rng.shuffle(part)
        parts.append(part)
    return parts
