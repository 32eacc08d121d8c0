"""The candidate pool: texts, lineage and per-instance validation scores, in registration order.

Everything is kept in lists and insertion-ordered dicts (never sets) so that iteration order,
and therefore every RNG-driven decision, is identical after a resume in a new process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from paretoprompt.optimizers.gepa.selection import best_by_mean, mean
from paretoprompt.programs.base import Candidate


@dataclass
class CandidatePool:
    texts: dict[str, dict[str, str]] = field(default_factory=dict)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    val: dict[str, tuple[float, ...]] = field(default_factory=dict)

    def add(self, cid: str, candidate: Candidate, parents: Sequence[str], scores: Sequence[float]) -> None:
        self.texts[cid] = dict(candidate)
        self.parents[cid] = tuple(parents)
        self.val[cid] = tuple(scores)

    def __contains__(self, cid: object) -> bool:
        return cid in self.texts

    @property
    def ids(self) -> list[str]:
        return list(self.texts)

    def mean(self, cid: str) -> float:
        return mean(self.val[cid])

    def best(self) -> str:
        """Highest validation mean; ties go to the newest registered candidate."""
        return best_by_mean(self.val)

    def ancestors(self, cid: str) -> list[str]:
        """All transitive parents of `cid` (not itself), newest first."""
        seen: dict[str, None] = {}
        stack = list(self.parents[cid])
        while stack:
            pid = stack.pop()
            if pid not in seen:
                seen[pid] = None
                stack.extend(self.parents[pid])
        order = {c: i for i, c in enumerate(self.texts)}
        return sorted(seen, key=order.__getitem__, reverse=True)
