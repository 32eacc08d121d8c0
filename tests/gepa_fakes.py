"""A scripted `OptimizerContext` for GEPA tests: deterministic scores, exact rollout counts, a hard budget.

Scoring: an example scores 1 when its `meta["key"]` word occurs in the candidate's texts, else 0,
so a test controls scores by choosing which words a scripted reflection proposes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from paretoprompt.lm.client import LM
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.optimizers.base import BudgetExhausted, EvalBatch, Rollout
from paretoprompt.programs.base import Candidate, ModuleCall, Prediction, candidate_id
from paretoprompt.tasks.base import Example, Score, Splits, Task


def examples(prefix: str, keys: Sequence[str]) -> list[Example]:
    return [
        Example(id=f"{prefix}{i}", inputs={"text": f"{prefix} item {i}"}, answer=key, meta={"key": key})
        for i, key in enumerate(keys)
    ]


class KeywordProgram:
    """Its output is the candidate's texts; each component leaves one trace call per run."""

    def __init__(self, seed: Mapping[str, str], *, contract: str = "Answer yes or no.", placeholders=None):
        self._seed = dict(seed)
        self._contract = contract
        self._placeholders = dict(placeholders or {})

    @property
    def components(self) -> tuple[str, ...]:
        return tuple(self._seed)

    def seed_candidate(self) -> dict[str, str]:
        return dict(self._seed)

    def contract(self, component: str) -> str:
        return self._contract

    def required_placeholders(self, component: str) -> frozenset[str]:
        return frozenset(self._placeholders.get(component, ()))

    def run(
        self, candidate: Candidate, example: Example, lm: Any = None, *, slot: int | None = None
    ) -> Prediction:
        text = " | ".join(candidate[c] for c in self.components)
        calls = tuple(
            ModuleCall(
                module=c, inputs=dict(example.inputs), messages=(), raw_output=f"{c} output for {example.id}"
            )
            for c in self.components
        )
        return Prediction(output=text, trace=calls)


def keyword_metric(example: Example, prediction: Prediction) -> Score:
    key = example.meta["key"]
    if key in str(prediction.output):
        return Score(1.0, "correct")
    return Score(0.0, f"wrong: mention {key}")


class FakeContext:
    def __init__(
        self,
        *,
        train: Sequence[Example],
        val: Sequence[Example],
        program: KeywordProgram,
        reflection: Sequence[str] | Callable[..., str],
        budget: int | None = None,
        seed: int = 0,
        description: str = "Mark items.",
    ) -> None:
        self.task = Task(
            "fake", Splits(train=list(train), val=list(val), test=[]), keyword_metric, description
        )
        self.program = program
        self.backend = ScriptedBackend(reflection)
        self.reflection_lm = LM(self.backend, role="reflection")
        self.rng = random.Random(seed)
        self.budget = budget
        self.rollouts: Counter[str] = Counter()
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.added: dict[str, tuple[dict[str, str], list[str], str]] = {}
        self._cache: dict[tuple[str, str, str], Rollout] = {}

    @property
    def used(self) -> int:
        return sum(self.rollouts.values())

    @property
    def rollouts_used(self) -> int:
        return self.used

    def remaining_rollouts(self) -> int:
        return 10**9 if self.budget is None else self.budget - self.used

    def evaluate(
        self, candidate: Candidate, examples: Sequence[Example], *, split: str, purpose: str
    ) -> EvalBatch:
        cid = candidate_id(candidate)
        new = [e for e in examples if (cid, split, e.id) not in self._cache]
        if len({e.id for e in new}) > self.remaining_rollouts():
            raise BudgetExhausted(f"{len(new)} rollouts needed, {self.remaining_rollouts()} left")
        for e in new:
            pred = self.program.run(candidate, e)
            score = keyword_metric(e, pred)
            self._cache[(cid, split, e.id)] = Rollout(e.id, score.value, score.feedback, pred)
            self.rollouts[purpose] += 1
        return EvalBatch(cid, split, tuple(self._cache[(cid, split, e.id)] for e in examples))

    def emit(self, kind: str, **payload: Any) -> None:
        self.events.append((kind, payload))

    def add_candidate(
        self, candidate: Candidate, *, parents: Sequence[str], val: EvalBatch, origin: str
    ) -> str:
        cid = candidate_id(candidate)
        self.added[cid] = (dict(candidate), list(parents), origin)
        return cid

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        return [p for k, p in self.events if k == kind]

    def prompts(self) -> list[str]:
        """The user message of every reflection request, in order."""
        return [msgs[-1]["content"] for msgs, _, _ in self.backend.requests]
