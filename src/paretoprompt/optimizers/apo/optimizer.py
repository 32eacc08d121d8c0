"""APO / ProTeGi: prompt optimization with textual gradients and beam search (Pryzant et al., arXiv 2305.03495).

Map from this loop to the paper and its released code (microsoft/LMOps `prompt_optimization`):
- round: every beam prompt is expanded (`expand.py`) on one training minibatch drawn per round,
  as `expand_candidates` does; the component rewritten is chosen round-robin (single-module
  programs always rewrite their one component);
- successors of a parent are de-duplicated (exact text, also against the parents and the other
  parents' successors) and capped at `max_successors` by a uniform random sample;
- selection: parents + successors are arms of the configured selector (`strategies/bandits.py`),
  scored on the val split (train if `selection_split = "train"`, as the released code does);
- the top `beam_size` arms form the next beam; each new member is scored on the whole val split
  and registered with the run; the result is the registered candidate with the best val mean.
Differences, on purpose: the meta-prompts are our own (task-agnostic, fenced, strictly parsed),
and a loop whose reflection calls stop producing new rollouts ends after `max_zero_cost_proposals`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.optimizers.apo.config import APOConfig
from paretoprompt.optimizers.apo.expand import Reflector, Successor
from paretoprompt.optimizers.base import EvalBatch, OptimizerContext, OptimizerOutcome
from paretoprompt.optimizers.strategies.bandits import (
    UCB,
    BruteForce,
    Selector,
    SuccessiveHalving,
    SuccessiveRejects,
)
from paretoprompt.optimizers.strategies.loop import run_steps
from paretoprompt.programs.base import candidate_id
from paretoprompt.tasks.base import Example


def make_selector(cfg: APOConfig) -> Selector:
    if cfg.selector in ("ucb", "ucb-e"):
        return UCB(
            rounds=cfg.bandit_rounds,
            arms_per_round=cfg.arms_per_round,
            samples=cfg.samples_per_eval,
            c=cfg.c,
            variant=cfg.selector,
        )
    kinds = {
        "brute_force": BruteForce,
        "successive_rejects": SuccessiveRejects,
        "successive_halving": SuccessiveHalving,
    }
    return kinds[cfg.selector](cfg.selection_budget)


@dataclass(frozen=True)
class Arm:
    candidate: dict[str, str]
    parent: str | None
    """None for a beam member (an arm carried over from the previous round)."""
    successor: Successor | None = None


class APO:
    name = "apo"

    def __init__(self, config: APOConfig | None = None) -> None:
        self.config = config or APOConfig()

    def optimize(self, ctx: OptimizerContext) -> OptimizerOutcome:
        return _Run(self.config, ctx).run()


class _Run:
    def __init__(self, cfg: APOConfig, ctx: OptimizerContext) -> None:
        self.cfg, self.ctx = cfg, ctx
        self.val: list[Example] = list(ctx.task.splits.val)
        self.train: list[Example] = list(ctx.task.splits.train)
        if not self.val or not self.train:
            raise UserError("apo needs non-empty train and val splits")
        self.selection_examples = self.val if cfg.selection_split == "val" else self.train
        self.selector = make_selector(cfg)
        self.reflector = Reflector(cfg, ctx, self._proposal)
        self.texts: dict[str, dict[str, str]] = {}
        self.val_means: dict[str, float] = {}
        self.beam: list[str] = []
        self.rollouts: Counter[str] = Counter()
        self._scored: set[tuple[str, str, str]] = set()
        self.zero_cost = 0

    def run(self) -> OptimizerOutcome:
        seed = dict(self.ctx.program.seed_candidate())
        self.beam = [self._register(seed, [], "seed")]
        n, stopped = run_steps(self._step, self.cfg.rounds, "rounds")
        best = max(self.val_means, key=lambda cid: self.val_means[cid])  # ties: earliest registered
        notes: dict[str, Any] = {
            "rounds": n,
            "stopped_by": stopped,
            "beam": list(self.beam),
            "reflection_calls": self.reflector.calls,
            "rollouts_by_purpose": dict(sorted(self.rollouts.items())),
        }
        return OptimizerOutcome(best_candidate_id=best, notes=notes)

    def _evaluate(
        self, candidate: dict[str, str], examples: Sequence[Example], split: str, purpose: str
    ) -> EvalBatch:
        """`ctx.evaluate`, also counting the rollouts it spends (its cache makes repeats free)."""
        batch = self.ctx.evaluate(candidate, examples, split=split, purpose=purpose)
        keys = {(batch.candidate_id, split, e.id): None for e in examples}
        fresh = [k for k in keys if k not in self._scored]
        self._scored.update(fresh)
        self.rollouts[purpose] += len(fresh)
        return batch

    def _register(self, candidate: dict[str, str], parents: list[str], origin: str) -> str:
        cid = candidate_id(candidate)
        if cid not in self.texts:
            batch = self._evaluate(candidate, self.val, "val", "validation")
            self.ctx.add_candidate(candidate, parents=parents, val=batch, origin=origin)
            self.texts[cid], self.val_means[cid] = candidate, batch.mean
        return cid

    def _proposal(self, outcome: str, **payload: Any) -> None:
        self.ctx.emit("proposal", outcome=outcome, **payload)

    def _step(self, n: int) -> str | None:
        self._round(n)
        if self.zero_cost < self.cfg.max_zero_cost_proposals:
            return None
        self.ctx.emit("stop", reason=f"{self.zero_cost} reflection calls in a row added no rollout")
        return "zero_cost_proposals"

    def _round(self, n: int) -> None:
        cfg, ctx = self.cfg, self.ctx
        components = ctx.program.components
        comp = components[(n - 1) % len(components)]
        ctx.emit("round", n=n, component=comp, beam=list(self.beam))
        spent, calls = sum(self.rollouts.values()), self.reflector.calls
        minibatch = ctx.rng.sample(self.train, min(cfg.minibatch_size, len(self.train)))
        arms = [Arm(self.texts[pid], None) for pid in self.beam]
        ids = {candidate_id(a.candidate) for a in arms}
        for pid in self.beam:
            parent = self.texts[pid]
            batch = self._evaluate(parent, minibatch, "train", "minibatch")
            fresh: list[Arm] = []
            for succ in self.reflector.expand(pid, parent[comp], comp, minibatch, batch):
                child = {**parent, comp: succ.text}
                cid = candidate_id(child)
                if cid in ids:
                    self._proposal("duplicate", parent=pid, component=comp, child=cid, origin=succ.origin)
                    continue
                ids.add(cid)
                fresh.append(Arm(child, pid, succ))
            if len(fresh) > cfg.max_successors:
                keep = sorted(ctx.rng.sample(range(len(fresh)), cfg.max_successors))
                for i in sorted(set(range(len(fresh))) - set(keep)):
                    self._report(fresh[i], comp, "rejected", reason="successor_cap")
                fresh = [fresh[i] for i in keep]
            arms.extend(fresh)
        self._select(arms, comp)
        if sum(self.rollouts.values()) == spent:
            self.zero_cost += max(self.reflector.calls - calls, 1)
        else:
            self.zero_cost = 0

    def _select(self, arms: list[Arm], comp: str) -> None:
        cfg, ctx = self.cfg, self.ctx
        before = self.rollouts["selection"]

        def score(i: int, examples: Sequence[Example]) -> list[float]:
            return self._evaluate(arms[i].candidate, examples, cfg.selection_split, "selection").scores

        sel = self.selector.select(len(arms), cfg.beam_size, score, self.selection_examples, ctx.rng)
        top = sel.top(cfg.beam_size)
        ctx.emit(
            "selection",
            selector=cfg.selector,
            arms=len(arms),
            evaluations=sel.evaluations,
            rollouts=self.rollouts["selection"] - before,
            chosen=[candidate_id(arms[i].candidate) for i in top],
        )
        beam = []
        for i in top:
            arm = arms[i]
            if arm.successor is None or arm.parent is None:  # a beam member stays: already registered
                beam.append(candidate_id(arm.candidate))
            else:
                beam.append(self._register(arm.candidate, [arm.parent], arm.successor.origin))
        for i, arm in enumerate(arms):
            extra = {"val_mean": self.val_means[candidate_id(arm.candidate)]} if i in top else {}
            outcome = "accepted" if i in top else "rejected"
            self._report(
                arm, comp, outcome, selection_mean=sel.means[i], selection_pulls=sel.pulls[i], **extra
            )
        self.beam = beam

    def _report(self, arm: Arm, comp: str, outcome: str, **extra: Any) -> None:
        if arm.successor is None:
            return
        self._proposal(
            outcome,
            parent=arm.parent,
            component=comp,
            child=candidate_id(arm.candidate),
            origin=arm.successor.origin,
            text=arm.successor.text,
            reason_text=arm.successor.reason,
            **extra,
        )
