"""Minibatch acceptance (paper, Algorithm 1): keep a child only if it beats its parent on the same minibatch."""

from __future__ import annotations


def accepts(parent_sum: float, child_sum: float, rule: str = "improves") -> bool:
    """`improves`: strictly higher sum (paper). `improves_or_equal`: ties pass too (ablation)."""
    if rule == "improves":
        return child_sum > parent_sum
    if rule == "improves_or_equal":
        return child_sum >= parent_sum
    raise ValueError(f"unknown acceptance rule {rule!r}")
