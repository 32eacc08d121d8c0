"""System-aware merge (paper, GEPA+Merge): combine two lineages that improved different components.

A pair (a, b) of front candidates qualifies through a common ancestor `anc` when:
- each changed a non-empty set of components relative to `anc` (by text comparison), and the
  two sets are disjoint;
- `anc` is not better on validation than either of them (both are real improvements on it).
The merged candidate takes each component from the descendant that changed it, and from `anc`
when neither did. Pairs are visited in an RNG-shuffled order, ancestors newest first; a pair is
tried at most once.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from paretoprompt.optimizers.gepa.pool import CandidatePool
from paretoprompt.programs.base import Candidate, candidate_id


@dataclass(frozen=True)
class MergePlan:
    a: str
    b: str
    ancestor: str
    candidate: dict[str, str]


def changed_components(descendant: Candidate, ancestor: Candidate) -> list[str]:
    return [c for c in ancestor if descendant.get(c) != ancestor[c]]


def merge_texts(a: Candidate, b: Candidate, ancestor: Candidate) -> dict[str, str] | None:
    """Component-wise merge, or None when either side changed nothing or both changed the same component."""
    changed_a = changed_components(a, ancestor)
    changed_b = changed_components(b, ancestor)
    if not changed_a or not changed_b or set(changed_a) & set(changed_b):
        return None
    merged = {}
    for comp, text in ancestor.items():
        merged[comp] = a[comp] if comp in changed_a else b[comp] if comp in changed_b else text
    return merged


def find_merge(
    pool: CandidatePool, front: Sequence[str], tried: set[tuple[str, str]], rng: random.Random
) -> MergePlan | None:
    """The first qualifying (pair, ancestor) not tried before; marks the pair as tried."""
    pairs = [(x, y) for i, x in enumerate(front) for y in front[i + 1 :]]
    rng.shuffle(pairs)
    for a, b in pairs:
        if (a, b) in tried:
            continue
        in_b = set(pool.ancestors(b))
        for anc in (c for c in pool.ancestors(a) if c in in_b):
            if pool.mean(anc) > min(pool.mean(a), pool.mean(b)):
                continue
            merged = merge_texts(pool.texts[a], pool.texts[b], pool.texts[anc])
            if merged is None or candidate_id(merged) in pool:
                continue
            tried.add((a, b))
            return MergePlan(a, b, anc, merged)
    return None


def stratified_subsample(
    scores_a: Sequence[float], scores_b: Sequence[float], size: int, rng: random.Random
) -> list[int]:
    """Up to `size` validation indices, drawn in turn from where a wins, where b wins, and ties."""
    buckets: list[list[int]] = [[], [], []]
    for i, (sa, sb) in enumerate(zip(scores_a, scores_b, strict=True)):
        buckets[0 if sa > sb else 1 if sb > sa else 2].append(i)
    for bucket in buckets:
        rng.shuffle(bucket)
    picked: list[int] = []
    while len(picked) < size and any(buckets):
        for bucket in buckets:
            if bucket and len(picked) < size:
                picked.append(bucket.pop(0))
    return sorted(picked)
