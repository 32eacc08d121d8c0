"""Parent selection: Pareto sampling (the paper's default) plus current-best and ε-greedy for ablation.

Only the run's seeded RNG is used, and candidates are visited in pool order, so a replayed run
picks the same parents.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from paretoprompt.optimizers.gepa.pareto import pareto_front


def mean(scores: Sequence[float]) -> float:
    return sum(scores) / len(scores) if scores else 0.0


def best_by_mean(scores: Mapping[str, Sequence[float]]) -> str:
    """Highest mean; ties go to the newest candidate (the last in pool order).

    A candidate joins the pool only after beating its parent on a minibatch (or, for a merge,
    doing no worse than the better parent on a subsample), so of two candidates tied on validation
    the newer one carries that extra evidence.
    """
    best = None
    for cid, s in scores.items():
        if best is None or mean(s) >= mean(scores[best]):
            best = cid
    if best is None:
        raise ValueError("no candidates to select from")
    return best


def sample_proportional(weights: Mapping[str, int], rng: random.Random) -> str:
    """Draw a key with probability weight / total (one `rng.random()` call)."""
    total = sum(weights.values())
    if total <= 0:
        raise ValueError("weights must have a positive sum")
    r = rng.random() * total
    acc = 0.0
    last = ""
    for key, w in weights.items():
        acc += w
        last = key
        if r < acc:
            return key
    return last


def select_parent(
    strategy: str, scores: Mapping[str, Sequence[float]], rng: random.Random, *, epsilon: float = 0.1
) -> str:
    if strategy == "pareto":
        return sample_proportional(pareto_front(scores), rng)
    if strategy == "current_best":
        return best_by_mean(scores)
    if strategy == "epsilon_greedy":
        if rng.random() < epsilon:
            return rng.choice(list(scores))
        return best_by_mean(scores)
    raise ValueError(f"unknown selection strategy {strategy!r}")
