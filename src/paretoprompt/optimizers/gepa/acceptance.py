"""Minibatch acceptance (paper, Algorithm 1): keep a child only if it beats its parent on the same minibatch."""

from __future__ import annotations


def accepts(parent_sum: float, child_sum: float, rule: str = "improves") -> bool:
    """`improves`: strictly higher sum (paper). `improves_or_equal`: ties pass too (ablation)."""
    if rule == "improves":
        return child_sum > parent_sum
    if rule == "improves_or_equal":
        return child_sum >= parent_sum
    raise ValueError(f"unknown acceptance rule {rule!r}")


def next_wave(parent_sum: float, child_sum: float, left: int, rule: str = "improves") -> int:
    """How many more minibatch examples to score the child on: 0 once the test above is settled.

    Scores lie in [0, 1], so with `left` examples to go the child's final sum lies in
    [child_sum, child_sum + left]. When both ends give the same verdict, the rest of the minibatch
    cannot change it and is not worth a rollout. Otherwise this is the fewest examples after which
    the verdict *could* be settled (all of them perfect, or all of them zero): scoring those
    concurrently never costs a rollout that one-at-a-time scoring would have saved.
    """
    if left <= 0 or accepts(parent_sum, child_sum, rule) or not accepts(parent_sum, child_sum + left, rule):
        return 0
    for k in range(1, left):
        if accepts(parent_sum, child_sum + k, rule) or not accepts(parent_sum, child_sum + left - k, rule):
            return k
    return left
