"""Epoch-shuffled minibatches: a shuffled permutation of the train split consumed in order.

The stream of drawn examples is a concatenation of permutations, so every example appears
exactly once per epoch. A batch that straddles two epochs takes the tail of the old permutation
and the head of a new one; ids already in the batch are moved (stably) to the end of the new
permutation so a batch never holds the same example twice.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from paretoprompt.tasks.base import Example


class EpochSampler:
    def __init__(self, examples: Sequence[Example], size: int, rng: random.Random) -> None:
        if not examples:
            raise ValueError("cannot sample minibatches from an empty split")
        self.examples = list(examples)
        self.size = min(size, len(self.examples))
        self.rng = rng
        self.epoch = 0
        self._order: list[int] = []
        self._pos = 0

    def _new_epoch(self, avoid: Sequence[int]) -> None:
        order = list(range(len(self.examples)))
        self.rng.shuffle(order)
        self._order = [i for i in order if i not in avoid] + [i for i in order if i in avoid]
        self._pos = 0
        self.epoch += 1

    def next(self) -> list[Example]:
        picked: list[int] = []
        while len(picked) < self.size:
            if self._pos >= len(self._order):
                self._new_epoch(picked)
            picked.append(self._order[self._pos])
            self._pos += 1
        return [self.examples[i] for i in picked]
