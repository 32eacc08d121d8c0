"""Which component(s) a proposal rewrites: round-robin per candidate (paper default) or all at once.

`peek` names the component before the parent's minibatch is run; `advance` moves the pointer
only when a reflection actually happens, so a parent skipped for a perfect minibatch keeps its
turn. A reflective child inherits its parent's (advanced) pointer, so a lineage cycles through
the components; a merged child starts at the first component.
"""

from __future__ import annotations

from collections.abc import Sequence


class ComponentSelector:
    def __init__(self, components: Sequence[str], mode: str = "round_robin") -> None:
        if not components:
            raise ValueError("the program has no components to optimize")
        if mode not in ("round_robin", "all"):
            raise ValueError(f"unknown component selection {mode!r}")
        self.components = tuple(components)
        self.mode = mode
        self._next: dict[str, int] = {}

    def peek(self, candidate_id: str) -> list[str]:
        if self.mode == "all":
            return list(self.components)
        return [self.components[self._next.get(candidate_id, 0) % len(self.components)]]

    def advance(self, candidate_id: str) -> None:
        self._next[candidate_id] = self._next.get(candidate_id, 0) + 1

    def inherit(self, child_id: str, parent_id: str) -> None:
        self._next[child_id] = self._next.get(parent_id, 0)
