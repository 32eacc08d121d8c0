"""Choosing the best `keep` of `n` candidate prompts under an evaluation budget (ProTeGi §3.2).

Each strategy is a pure object: it calls `score(arm, examples)` and reads back one score per
example, so it runs without an optimizer (tests pass a plain function). It never assumes a
score is fresh: a memoizing scorer may return cached scores at no cost, and the statistics use
whatever it returns. `Selection.evaluations` counts the (arm, example) scores requested, an
upper bound on the rollouts spent (equal when nothing was scored before).

- `BruteForce`: every arm on one shared sample of `budget // n` examples (ProTeGi's default).
- `UCB`: `rounds` rounds; each pulls the `arms_per_round` arms with the highest bound on one
  fresh sample of `samples` examples. Bound: `mean + c*sqrt(ln t / N)` (UCB, t = 1-based round)
  or `mean + sqrt(c / N)` (UCB-E, Audibert et al. 2010, exploration a = c; the released code's
  `c*sqrt(c/N)` is the same at the default c = 1). N counts examples, as in the paper. Unpulled
  arms rank above all others; ties among them are broken by `rng` (so round 1 is a random
  choice, as in the released code, whose `ln(0)` round is avoided by counting t from 1).
- `SuccessiveRejects` (Audibert & Bubeck 2010), stopped when `keep` arms remain: phase k adds
  examples so each active arm has seen n_k, n_k = ceil((B - n) / (L * (n + 1 - k))) with
  L = keep/(keep+1) + sum_{j=keep+1..n} 1/j, then rejects the lowest mean (ties: the later arm).
  With keep = 1 this is the paper's formula, and the total never exceeds B when B >= n.
- `SuccessiveHalving` (Karnin et al. 2013), stopped at `keep`: R = rounds needed to get from n
  to keep by halving; round r adds floor(B / (|S_r| * R)) examples per arm and keeps the top
  half (at least `keep`). The total never exceeds B when every round affords one example.
The elimination methods draw examples from one shuffled order without replacement, so every
active arm is compared on the same examples; means are over everything an arm has seen.
Rankings put higher means first, ties to the lower arm index (parents come first in APO).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Protocol

ScoreFn = Callable[[int, Sequence[Any]], Sequence[float]]
"""Scores of arm `i` on the given examples, one per example, in order."""


@dataclass(frozen=True)
class Selection:
    ranking: tuple[int, ...]
    """Every arm, best first: survivors by mean, then eliminated arms (latest eliminated first)."""
    means: tuple[float | None, ...]
    pulls: tuple[int, ...]
    """Scores observed per arm (examples; repeats count again)."""
    evaluations: int

    def top(self, k: int) -> list[int]:
        return list(self.ranking[:k])


class Selector(Protocol):
    def select(
        self, n: int, keep: int, score: ScoreFn, examples: Sequence[Any], rng: random.Random
    ) -> Selection: ...


class _Stats:
    def __init__(self, n: int, score: ScoreFn) -> None:
        self.pulls = [0] * n
        self.totals = [0.0] * n
        self.evaluations = 0
        self._score = score

    def pull(self, arm: int, examples: Sequence[Any]) -> None:
        if not examples:
            return
        scores = list(self._score(arm, examples))
        self.pulls[arm] += len(scores)
        self.totals[arm] += sum(scores)
        self.evaluations += len(examples)

    def mean(self, arm: int) -> float | None:
        return self.totals[arm] / self.pulls[arm] if self.pulls[arm] else None

    def rank(self, arms: Sequence[int]) -> list[int]:
        """Higher mean first, never-scored arms last, ties to the lower index."""
        return sorted(arms, key=lambda a: (self.pulls[a] == 0, -(self.mean(a) or 0.0), a))

    def result(self, ranking: Sequence[int]) -> Selection:
        means = tuple(self.mean(a) for a in range(len(self.pulls)))
        return Selection(tuple(ranking), means, tuple(self.pulls), self.evaluations)


def _trivial(n: int, keep: int, score: ScoreFn) -> Selection | None:
    """With no more arms than slots there is nothing to choose: keep all, spend nothing."""
    if n < 1 or keep < 1:
        raise ValueError("need at least one arm and keep >= 1")
    return _Stats(n, score).result(range(n)) if n <= keep else None


class BruteForce:
    def __init__(self, budget: int) -> None:
        self.budget = budget

    def select(
        self, n: int, keep: int, score: ScoreFn, examples: Sequence[Any], rng: random.Random
    ) -> Selection:
        if (done := _trivial(n, keep, score)) is not None:
            return done
        stats = _Stats(n, score)
        sample = rng.sample(list(examples), min(len(examples), max(1, self.budget // n)))
        for arm in range(n):
            stats.pull(arm, sample)
        return stats.result(stats.rank(range(n)))


class UCB:
    def __init__(
        self,
        *,
        rounds: int = 8,
        arms_per_round: int = 8,
        samples: int = 32,
        c: float = 1.0,
        variant: Literal["ucb", "ucb-e"] = "ucb",
    ) -> None:
        if variant not in ("ucb", "ucb-e"):
            raise ValueError(f"unknown UCB variant {variant!r}")
        self.rounds, self.arms_per_round, self.samples = rounds, arms_per_round, samples
        self.c, self.variant = c, variant

    def bound(self, mean: float, pulls: int, t: int) -> float:
        if self.variant == "ucb":
            return mean + self.c * math.sqrt(math.log(t) / pulls)
        return mean + math.sqrt(self.c / pulls)

    def choose(
        self, pulls: Sequence[int], means: Sequence[float | None], t: int, rng: random.Random
    ) -> list[int]:
        """The arms to pull in round `t` (1-based)."""
        k = min(self.arms_per_round, len(pulls))
        unpulled = [a for a, p in enumerate(pulls) if p == 0]
        if len(unpulled) >= k:
            return rng.sample(unpulled, k)
        pulled = [a for a, p in enumerate(pulls) if p > 0]
        pulled.sort(key=lambda a: (-self.bound(means[a] or 0.0, pulls[a], t), a))
        return unpulled + pulled[: k - len(unpulled)]

    def select(
        self, n: int, keep: int, score: ScoreFn, examples: Sequence[Any], rng: random.Random
    ) -> Selection:
        if (done := _trivial(n, keep, score)) is not None:
            return done
        stats = _Stats(n, score)
        for r in range(self.rounds):
            means = [stats.mean(a) for a in range(n)]
            chosen = self.choose(stats.pulls, means, r + 1, rng)
            sample = rng.sample(list(examples), min(self.samples, len(examples)))
            for arm in chosen:
                stats.pull(arm, sample)
        return stats.result(stats.rank(range(n)))


def sr_phase_lengths(n: int, keep: int, budget: int, cap: int) -> list[int]:
    """Cumulative examples per active arm after each of the n - keep phases (exact arithmetic)."""
    norm = Fraction(keep, keep + 1) + sum((Fraction(1, j) for j in range(keep + 1, n + 1)), Fraction(0))
    lengths = []
    for k in range(1, n - keep + 1):
        n_k = math.ceil(Fraction(budget - n) / (norm * (n + 1 - k)))
        lengths.append(min(max(n_k, 1), cap))
    return lengths


class SuccessiveRejects:
    def __init__(self, budget: int) -> None:
        self.budget = budget

    def select(
        self, n: int, keep: int, score: ScoreFn, examples: Sequence[Any], rng: random.Random
    ) -> Selection:
        if (done := _trivial(n, keep, score)) is not None:
            return done
        stats = _Stats(n, score)
        order = rng.sample(list(examples), len(examples))
        active, rejected, seen = list(range(n)), [], 0
        for n_k in sr_phase_lengths(n, keep, self.budget, len(order)):
            for arm in active:
                stats.pull(arm, order[seen:n_k])
            seen = max(seen, n_k)
            worst = stats.rank(active)[-1]
            active.remove(worst)
            rejected.append(worst)
        return stats.result(stats.rank(active) + rejected[::-1])


def sh_rounds(n: int, keep: int) -> int:
    rounds, m = 0, n
    while m > keep:
        m = max(keep, math.ceil(m / 2))
        rounds += 1
    return rounds


class SuccessiveHalving:
    def __init__(self, budget: int) -> None:
        self.budget = budget

    def select(
        self, n: int, keep: int, score: ScoreFn, examples: Sequence[Any], rng: random.Random
    ) -> Selection:
        if (done := _trivial(n, keep, score)) is not None:
            return done
        stats = _Stats(n, score)
        order = rng.sample(list(examples), len(examples))
        total_rounds = sh_rounds(n, keep)
        active, eliminated, seen = list(range(n)), [], 0
        for _ in range(total_rounds):
            t = max(1, self.budget // (len(active) * total_rounds))
            for arm in active:
                stats.pull(arm, order[seen : seen + t])
            seen = min(seen + t, len(order))
            ranked = stats.rank(active)
            survivors = max(keep, math.ceil(len(active) / 2))
            active = ranked[:survivors]
            eliminated.extend(reversed(ranked[survivors:]))
        return stats.result(active + eliminated[::-1])
