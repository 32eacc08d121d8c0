"""Beam-selection strategies with hand-computed pulls, elimination orders and exact budgets."""

from __future__ import annotations

import math
import random

import pytest

from paretoprompt.optimizers.strategies.bandits import (
    UCB,
    BruteForce,
    SuccessiveHalving,
    SuccessiveRejects,
    sh_rounds,
    sr_phase_lengths,
)


class MemoScorer:
    """Constant score per arm; counts requested scores and distinct (arm, example) rollouts like ctx.evaluate."""

    def __init__(self, values):
        self.values = values
        self.requested = 0
        self.scored: set[tuple[int, int]] = set()
        self.calls: list[tuple[int, tuple[int, ...]]] = []

    def __call__(self, arm, examples):
        self.requested += len(examples)
        self.scored.update((arm, e) for e in examples)
        self.calls.append((arm, tuple(examples)))
        return [self.values[arm]] * len(examples)

    @property
    def rollouts(self) -> int:
        return len(self.scored)


def test_ucb_bound_and_choice_differ_from_ucb_e():
    pulls, means = [8, 2], [0.9, 0.6]
    ucb, ucb_e = UCB(arms_per_round=1, c=1.0), UCB(arms_per_round=1, c=1.0, variant="ucb-e")
    # t=2: UCB 0.9 + sqrt(ln2/8) = 1.1943 vs 0.6 + sqrt(ln2/2) = 1.1887; UCB-E 1.2536 vs 1.3071
    assert ucb.bound(0.9, 8, 2) == pytest.approx(1.19434, abs=1e-4)
    assert ucb.bound(0.6, 2, 2) == pytest.approx(1.18871, abs=1e-4)
    assert ucb_e.bound(0.6, 2, 2) == pytest.approx(0.6 + math.sqrt(0.5))
    rng = random.Random(0)
    assert ucb.choose(pulls, means, 2, rng) == [0]
    assert ucb_e.choose(pulls, means, 2, rng) == [1]


def test_ucb_prefers_unpulled_arms_then_highest_bound():
    ucb = UCB(arms_per_round=3)
    chosen = ucb.choose([0, 4, 0, 4], [None, 0.5, None, 0.25], 3, random.Random(1))
    # both unpulled first (in index order), then the pulled arm with the higher bound
    assert chosen == [0, 2, 1]
    two = UCB(arms_per_round=2).choose([0, 0, 0, 5], [None, None, None, 1.0], 2, random.Random(1))
    assert len(two) == 2 and set(two) <= {0, 1, 2}


def test_ucb_select_pull_counts_and_memoized_rollouts():
    # 3 arms, 1 per round, 4 examples per sample out of exactly 4: rounds 1-3 try each arm once
    # (random order), round 4 (t=4) ties on the bonus -> arm 1 (best mean); round 5 (t=5):
    # arm 1 1 + sqrt(ln5/8) = 1.449 > arm 2 0.5 + sqrt(ln5/4) = 1.134 -> arm 1 again.
    scorer = MemoScorer([0.25, 1.0, 0.5])
    sel = UCB(rounds=5, arms_per_round=1, samples=4).select(3, 1, scorer, [0, 1, 2, 3], random.Random(7))
    assert sel.pulls == (4, 12, 4)
    assert sel.ranking == (1, 2, 0)
    assert sel.means == (0.25, 1.0, 0.5)
    assert sel.evaluations == scorer.requested == 20
    assert scorer.rollouts == 12  # re-scoring arm 1 on the same 4 examples is free
    assert [arm for arm, _ in scorer.calls][3:] == [1, 1]


def test_ucb_never_pulled_arms_rank_last():
    scorer = MemoScorer([0.0, 0.0, 0.0, 0.0])
    sel = UCB(rounds=1, arms_per_round=2, samples=2).select(4, 1, scorer, list(range(10)), random.Random(3))
    pulled = [a for a in range(4) if sel.pulls[a]]
    assert len(pulled) == 2 and list(sel.ranking[:2]) == pulled
    assert sel.evaluations == 4


def test_brute_force_scores_every_arm_on_one_shared_sample():
    scorer = MemoScorer([0.5, 0.75, 0.75, 0.25])
    sel = BruteForce(budget=13).select(4, 2, scorer, list(range(100)), random.Random(0))
    samples = {examples for _, examples in scorer.calls}
    assert len(samples) == 1 and len(next(iter(samples))) == 3  # 13 // 4
    assert sel.ranking == (1, 2, 0, 3)  # tie 1 vs 2 goes to the lower index
    assert sel.evaluations == scorer.rollouts == 12
    small = MemoScorer([0.1, 0.2])
    assert BruteForce(budget=100).select(2, 1, small, [0, 1], random.Random(0)).evaluations == 4


def test_successive_rejects_phase_lengths_by_hand():
    # n=4, keep=1, B=40: L = 1/2 + 1/2 + 1/3 + 1/4 = 19/12; n_k = ceil(36*12 / (19 * (5-k)))
    assert sr_phase_lengths(4, 1, 40, cap=100) == [6, 8, 12]
    # keep=2: L = 2/3 + 1/3 + 1/4 = 5/4; n_k = ceil(36 / (5/4 * (5-k)))
    assert sr_phase_lengths(4, 2, 40, cap=100) == [8, 10]
    assert sr_phase_lengths(4, 1, 40, cap=7) == [6, 7, 7]


def test_successive_rejects_elimination_order_and_budget():
    scorer = MemoScorer([0.5, 0.25, 0.75, 1.0])
    sel = SuccessiveRejects(budget=40).select(4, 1, scorer, list(range(100)), random.Random(0))
    assert sel.ranking == (3, 2, 0, 1)  # rejected: 1, then 0, then 2
    assert sel.pulls == (8, 6, 12, 12)
    assert sel.evaluations == scorer.rollouts == 4 * 6 + 3 * 2 + 2 * 4 == 38
    keep2 = SuccessiveRejects(budget=40).select(
        4, 2, MemoScorer([0.5, 0.25, 0.75, 1.0]), list(range(100)), random.Random(0)
    )
    assert keep2.top(2) == [3, 2] and keep2.evaluations == 4 * 8 + 3 * 2


def test_successive_rejects_ties_reject_the_later_arm():
    sel = SuccessiveRejects(budget=30).select(
        3, 1, MemoScorer([0.5, 0.5, 1.0]), list(range(50)), random.Random(0)
    )
    assert sel.ranking == (2, 0, 1)


def test_successive_halving_schedule_and_budget():
    # n=8 -> 4 -> 2 -> 1: 3 rounds; t = 48 // (8*3) = 2, 48 // (4*3) = 4, 48 // (2*3) = 8
    scorer = MemoScorer([i / 8 for i in range(8)])
    sel = SuccessiveHalving(budget=48).select(8, 1, scorer, list(range(100)), random.Random(0))
    assert sh_rounds(8, 1) == 3
    assert sel.ranking == (7, 6, 5, 4, 3, 2, 1, 0)
    assert sel.pulls == (2, 2, 2, 2, 6, 6, 14, 14)
    assert sel.evaluations == scorer.rollouts == 48
    # n=5, keep=2: 5 -> 3 -> 2, t = 30 // (5*2) = 3 then 30 // (3*2) = 5
    sel2 = SuccessiveHalving(budget=30).select(
        5, 2, MemoScorer([0.1, 0.9, 0.5, 0.7, 0.3]), list(range(100)), random.Random(0)
    )
    assert sh_rounds(5, 2) == 2 and sel2.top(2) == [1, 3] and sel2.evaluations == 15 + 15


@pytest.mark.parametrize("cls", [SuccessiveRejects, SuccessiveHalving, BruteForce])
def test_elimination_methods_never_exceed_the_budget(cls):
    rng = random.Random(5)
    for n in range(2, 12):
        for keep in range(1, n):
            for budget in (n * 3, 50, 97, 400):
                scorer = MemoScorer([rng.random() for _ in range(n)])
                sel = cls(budget).select(n, keep, scorer, list(range(60)), random.Random(n))
                if cls is SuccessiveHalving and budget < n * sh_rounds(n, keep):
                    continue  # below one example per arm and round
                assert sel.evaluations <= budget, (n, keep, budget)
                assert sorted(sel.ranking) == list(range(n))


def test_no_choice_spends_nothing():
    scorer = MemoScorer([0.1, 0.2])
    for strategy in (UCB(), BruteForce(10), SuccessiveRejects(10), SuccessiveHalving(10)):
        sel = strategy.select(2, 2, scorer, [0, 1, 2], random.Random(0))
        assert sel.ranking == (0, 1) and sel.evaluations == 0
    assert scorer.requested == 0
