"""Pareto front, dominated-candidate removal and parent selection frequencies."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from paretoprompt.optimizers.gepa.pareto import instance_winners, pareto_front, win_sets
from paretoprompt.optimizers.gepa.selection import best_by_mean, sample_proportional, select_parent

# Instance 3 is failed by everyone: a 0 best score still counts, so all four "win" it.
SCORES = {
    "A": [1.0, 1.0, 0.0, 0.0],
    "B": [0.0, 1.0, 0.0, 0.0],
    "C": [0.0, 0.0, 1.0, 0.0],
    "D": [1.0, 1.0, 0.0, 0.0],
}


def test_instance_winners_count_every_tie():
    assert instance_winners(SCORES) == [["A", "D"], ["A", "B", "D"], ["C"], ["A", "B", "C", "D"]]


def test_win_sets_and_front_drop_strict_subsets_only():
    assert win_sets(SCORES) == {
        "A": frozenset({0, 1, 3}),
        "B": frozenset({1, 3}),
        "C": frozenset({2, 3}),
        "D": frozenset({0, 1, 3}),
    }
    # B's wins are a strict subset of A's (and D's): dominated. A and D tie exactly: both stay.
    assert pareto_front(SCORES) == {"A": 3, "C": 2, "D": 3}


def test_dominance_chain_and_non_winners():
    scores = {"X": [0.5, 0.2, 0.1], "Y": [0.5, 0.9, 0.1], "Z": [0.5, 0.9, 0.8], "W": [0.1, 0.1, 0.1]}
    assert win_sets(scores) == {"X": {0}, "Y": {0, 1}, "Z": {0, 1, 2}}
    assert pareto_front(scores) == {"Z": 3}


def test_partial_score_best_wins():
    scores = {"P": [0.5, 0.7], "Q": [0.6, 0.3]}
    assert pareto_front(scores) == {"P": 1, "Q": 1}


def test_selection_frequencies_follow_instances_won():
    rng = random.Random(1234)
    draws = Counter(select_parent("pareto", SCORES, rng) for _ in range(10_000))
    assert set(draws) == {"A", "C", "D"}
    for cid, expected in {"A": 3 / 8, "C": 2 / 8, "D": 3 / 8}.items():
        assert draws[cid] / 10_000 == pytest.approx(expected, abs=0.02)


def test_sample_proportional_uses_one_draw_in_pool_order():
    class Fixed(random.Random):
        def __init__(self, value):
            super().__init__(0)
            self.value = value

        def random(self):
            return self.value

    weights = {"A": 3, "C": 2, "D": 3}
    assert sample_proportional(weights, Fixed(0.0)) == "A"
    assert sample_proportional(weights, Fixed(3 / 8 - 1e-9)) == "A"
    assert sample_proportional(weights, Fixed(3 / 8)) == "C"
    assert sample_proportional(weights, Fixed(5 / 8)) == "D"
    assert sample_proportional(weights, Fixed(0.999999)) == "D"


def test_current_best_breaks_ties_to_the_newest():
    # A and D tie on mean; D was registered later
    assert best_by_mean(SCORES) == "D"
    assert select_parent("current_best", SCORES, random.Random(0)) == "D"


def test_epsilon_greedy_explores_at_rate_epsilon():
    rng = random.Random(7)
    draws = Counter(select_parent("epsilon_greedy", SCORES, rng, epsilon=0.1) for _ in range(10_000))
    # 90% best (D) + 10% uniform over 4 candidates.
    assert draws["D"] / 10_000 == pytest.approx(0.9 + 0.1 / 4, abs=0.015)
    for cid in "ABC":
        assert draws[cid] / 10_000 == pytest.approx(0.1 / 4, abs=0.01)


def test_unknown_strategy():
    with pytest.raises(ValueError, match="unknown selection"):
        select_parent("greedy", SCORES, random.Random(0))
