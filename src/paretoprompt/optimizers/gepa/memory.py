"""Rejected-proposal memory: what was tried for a (parent, component) and did not beat the parent.

The next meta-prompt for the same pair shows the latest entries ("already tried, did not help"),
so the reflection model does not propose the same rewrite again.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rejected:
    text: str
    parent_sum: float
    child_sum: float
    size: int


class ProposalMemory:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], list[Rejected]] = {}

    def add(self, parent_id: str, component: str, entry: Rejected) -> None:
        self._items.setdefault((parent_id, component), []).append(entry)

    def tried(self, parent_id: str, component: str, text: str) -> bool:
        """Whether `text` was already rejected for the pair (a repeat is not worth new rollouts)."""
        return any(entry.text == text for entry in self._items.get((parent_id, component), ()))

    def recent(self, parent_id: str, component: str, k: int) -> list[Rejected]:
        """The last `k` rejections for the pair, oldest first."""
        if k <= 0:
            return []
        return self._items.get((parent_id, component), [])[-k:]

    def __len__(self) -> int:
        return sum(len(v) for v in self._items.values())
