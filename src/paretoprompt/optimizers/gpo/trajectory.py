"""GPO's optimization trajectory and the three retrieval rules for the update direction.

Every scored prompt joins the trajectory in the order it was scored. For one component, the
entries are viewed by that component's text: an entry whose text equals the current one is left
out (it is the current prompt), and repeated texts count once, at their latest position.

Retrieval of k earlier prompts (paper, section "update direction"):
- `relevance`: highest similarity of the text to the current prompt's (sentence embeddings);
- `recency`: the k latest;
- `importance`: the k highest scores.
Ties go to the earlier entry. The meta-prompt shows the retrieved entries worst score first,
so the best example sits right before the request (as in OPRO's and GPO's meta-prompts).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

from paretoprompt.optimizers.gpo.embeddings import Embedder

Retrieval = Literal["relevance", "recency", "importance"]


@dataclass(frozen=True)
class Entry:
    index: int
    """Position in the trajectory (0 = the seed)."""
    candidate_id: str
    texts: Mapping[str, str]
    score: float
    """Mean score in [0, 1] on the run's scoring set (the same examples for every entry)."""
    step: int


class Trajectory:
    def __init__(self) -> None:
        self.entries: list[Entry] = []

    def add(self, candidate_id: str, texts: Mapping[str, str], score: float, step: int) -> Entry:
        entry = Entry(len(self.entries), candidate_id, dict(texts), score, step)
        self.entries.append(entry)
        return entry

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, candidate_id: object) -> bool:
        return any(e.candidate_id == candidate_id for e in self.entries)

    def others(self, component: str, current_text: str) -> list[Entry]:
        """Entries with a different text for `component`, one per text (its latest), in trajectory order."""
        latest: dict[str, Entry] = {}
        for entry in self.entries:
            text = entry.texts[component]
            if text != current_text:
                latest.pop(text, None)
                latest[text] = entry
        return list(latest.values())

    def retrieve(
        self,
        rule: Retrieval,
        component: str,
        current_text: str,
        k: int,
        embedder: Embedder | None = None,
    ) -> list[Entry]:
        """The k retrieved entries, in display order (ascending score, ties in trajectory order)."""
        pool = self.others(component, current_text)
        if k <= 0 or not pool:
            return []
        if rule == "recency":
            picked = pool[-k:]
        elif rule == "importance":
            picked = sorted(pool, key=lambda e: (-e.score, e.index))[:k]
        elif rule == "relevance":
            if embedder is None:
                raise ValueError("relevance retrieval needs an embedder")
            sims = embedder.similarities(current_text, [e.texts[component] for e in pool])
            order = sorted(range(len(pool)), key=lambda i: (-sims[i], pool[i].index))
            picked = [pool[i] for i in order[:k]]
        else:
            raise ValueError(f"unknown retrieval rule {rule!r}")
        return sorted(picked, key=lambda e: (e.score, e.index))
