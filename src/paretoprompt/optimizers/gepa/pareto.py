"""The instance-wise Pareto front (paper, Algorithm 2).

For each validation instance the winners are the candidates with the best score on it; ties all
win, including instances where the best score is 0. A candidate is *dominated* when another
candidate wins a strict superset of its instances. Strict-superset is a strict partial order,
so removing dominated candidates one at a time (the paper's loop) or all at once gives the same
front; we do it at once. Win counts are then taken over the surviving candidates.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

TIE_TOLERANCE = 1e-9


def instance_winners(scores: Mapping[str, Sequence[float]]) -> list[list[str]]:
    """Per instance, the ids (in pool order) reaching the best score."""
    ids = list(scores)
    if not ids:
        return []
    n = len(scores[ids[0]])
    winners = []
    for i in range(n):
        top = max(scores[c][i] for c in ids)
        winners.append([c for c in ids if scores[c][i] >= top - TIE_TOLERANCE])
    return winners


def win_sets(scores: Mapping[str, Sequence[float]]) -> dict[str, frozenset[int]]:
    """Candidate -> instances it wins; candidates winning nothing are left out."""
    sets: dict[str, set[int]] = {}
    for i, ids in enumerate(instance_winners(scores)):
        for c in ids:
            sets.setdefault(c, set()).add(i)
    order = list(scores)
    return {c: frozenset(sets[c]) for c in order if c in sets}


def pareto_front(scores: Mapping[str, Sequence[float]]) -> dict[str, int]:
    """Non-dominated candidates -> number of instances each wins, in pool order."""
    sets = win_sets(scores)
    return {
        c: len(won) for c, won in sets.items() if not any(won < other for o, other in sets.items() if o != c)
    }
