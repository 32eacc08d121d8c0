"""GEPA: reflective prompt evolution with Pareto-based selection (Agrawal et al., arXiv 2507.19457).

Map from this loop to the paper:
- seed: Algorithm 1, lines 1-4 — the seed is scored on the whole validation set (D_pareto);
- `select_parent`: Algorithm 2 (`SelectCandidate`) — instance-wise Pareto front, dominated
  candidates pruned, sampling in proportion to instances won (see `pareto.py`);
- `ComponentSelector`: `SelectModule`, round-robin per candidate;
- `EpochSampler`: the minibatch M of size b=3 drawn from D_feedback (the train split);
- reflection (`reflection_prompt.py`, `reflection_parse.py`): `UpdatePrompt` with the traces and
  the textual feedback μ_f of the parent's run on M; unusable output is dropped before any rollout;
- `accepts`: the σ' > σ test on M; accepted children are scored on D_pareto and join the pool
  with their parent (Algorithm 1, lines 13-16);
- `_try_merge`: the system-aware merge of GEPA+Merge (appendix), off by default;
- result: the candidate with the best validation mean (ties go to the newest).
Beyond the paper: rejected proposals are remembered per (parent, component) and shown to the
reflection model, a parent whose minibatch is already perfect is skipped (as gepa does), a child is
scored on its minibatch only until the σ' > σ test is settled (`_score_child`; same verdicts, fewer
rollouts), and the loop ends once the budget left cannot pay for a child's minibatch and validation pass.
"""

from __future__ import annotations

import logging
from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.optimizers.base import EvalBatch, OptimizerContext, OptimizerOutcome, Rollout
from paretoprompt.optimizers.gepa.acceptance import accepts, next_wave
from paretoprompt.optimizers.gepa.components import ComponentSelector
from paretoprompt.optimizers.gepa.config import GEPAConfig
from paretoprompt.optimizers.gepa.memory import ProposalMemory, Rejected
from paretoprompt.optimizers.gepa.merge import find_merge, stratified_subsample
from paretoprompt.optimizers.gepa.minibatch import EpochSampler
from paretoprompt.optimizers.gepa.pareto import pareto_front
from paretoprompt.optimizers.gepa.pool import CandidatePool
from paretoprompt.optimizers.gepa.propose import propose
from paretoprompt.optimizers.gepa.selection import select_parent
from paretoprompt.optimizers.strategies.loop import run_steps
from paretoprompt.optimizers.strategies.proposals import Proposal
from paretoprompt.programs.base import candidate_id
from paretoprompt.tasks.base import Example

log = logging.getLogger(__name__)


class GEPA:
    name = "gepa"

    def __init__(self, config: GEPAConfig | None = None) -> None:
        self.config = config or GEPAConfig()

    def optimize(self, ctx: OptimizerContext) -> OptimizerOutcome:
        return _Run(self.config, ctx).run()


class _Run:
    """The state of one optimization; `run` is a plain loop so a replay makes the same decisions."""

    def __init__(self, config: GEPAConfig, ctx: OptimizerContext) -> None:
        self.cfg = config
        self.ctx = ctx
        self.val: list[Example] = list(ctx.task.splits.val)
        train = list(ctx.task.splits.train)
        if not self.val or not train:
            raise UserError("gepa needs non-empty train and val splits")
        self.pool = CandidatePool()
        self.memory = ProposalMemory()
        self.selector = ComponentSelector(ctx.program.components, config.component_selection)
        self.sampler = EpochSampler(train, config.minibatch_size, ctx.rng)
        self.counts = dict.fromkeys(
            ("accepted", "rejected", "malformed", "skipped", "duplicate", "merges_tried", "merges_accepted"),
            0,
        )
        self.merge_tried: set[tuple[str, str]] = set()
        if config.merge and len(ctx.program.components) < 2:
            # Merge combines lineages that improved *different* components, so it can never fire here.
            log.warning(
                "merge is on, but the program has one component (%s): no merge can happen",
                ", ".join(ctx.program.components),
            )
        # The fewest rollouts that can add a reflective child: its own minibatch (the parent's may be
        # memoized and free) plus its validation pass.
        self.child_cost = min(config.minibatch_size, len(train)) + len(self.val)
        self.idle_in_a_row = 0

    def run(self) -> OptimizerOutcome:
        seed = dict(self.ctx.program.seed_candidate())
        self._register(seed, [], self._validate(seed), "seed")
        n, stopped = run_steps(self._step, self.cfg.max_iterations, "max_iterations")
        notes: dict[str, Any] = {
            "iterations": n,
            "stopped_by": stopped,
            **self.counts,
            "front": pareto_front(self.pool.val),
        }
        return OptimizerOutcome(best_candidate_id=self.pool.best(), notes=notes)

    def _validate(self, candidate: dict[str, str]) -> EvalBatch:
        return self.ctx.evaluate(candidate, self.val, split="val", purpose="validation")

    def _register(self, candidate: dict[str, str], parents: list[str], batch: EvalBatch, origin: str) -> str:
        cid = self.ctx.add_candidate(candidate, parents=parents, val=batch, origin=origin)
        self.pool.add(cid, candidate, parents, batch.scores)
        return cid

    def _proposal(self, outcome: str, **payload: Any) -> None:
        self.counts[outcome] += 1
        self.ctx.emit("proposal", outcome=outcome, **payload)

    def _step(self, n: int) -> str | None:
        """One iteration; the run stops after `max_idle_iterations` in a row that spent no rollouts, and
        as soon as the budget left cannot pay for a new child's minibatch and validation pass: under an
        exact budget such an iteration could never add a candidate, only spend LM time (42-92 s of the
        three 200-rollout BoolQ runs in docs/benchmarks.md)."""
        if self.ctx.remaining_rollouts() < self.child_cost:
            return "budget_below_child_cost"
        spent_before = self.ctx.rollouts_used
        self._iteration(n)
        idle = self.ctx.rollouts_used == spent_before
        self.idle_in_a_row = self.idle_in_a_row + 1 if idle else 0
        return "idle_iterations" if self.idle_in_a_row >= self.cfg.max_idle_iterations else None

    def _iteration(self, n: int) -> None:
        cfg, ctx = self.cfg, self.ctx
        parent_id = select_parent(cfg.selection, self.pool.val, ctx.rng, epsilon=cfg.epsilon)
        components = self.selector.peek(parent_id)
        label = "+".join(components)
        ctx.emit("iteration", n=n, parent=parent_id, component=label)
        examples = self.sampler.next()
        before = ctx.evaluate(self.pool.texts[parent_id], examples, split="train", purpose="minibatch")
        if cfg.skip_perfect and all(s >= cfg.perfect_score for s in before.scores):
            self._proposal("skipped", reason="perfect", parent=parent_id, component=label)
            return
        self.selector.advance(parent_id)
        refused: str | None = None
        for attempt in range(1 + cfg.proposal_retries):
            # A small reflection model copies texts from the "already tried" list; after such a copy
            # the retry is asked without the list (the memory still refuses an exact repeat for free).
            show_tried = refused != "rejected_before"
            refused = self._try_child(parent_id, components, examples, before, attempt, show_tried)
            if refused is None:
                return

    def _try_child(
        self,
        parent_id: str,
        components: list[str],
        examples: list[Example],
        before: EvalBatch,
        attempt: int,
        show_tried: bool,
    ) -> str | None:
        """One proposal from the parent's minibatch. None when it was scored; otherwise why it was
        refused at no rollout cost ("malformed", "in_pool", "rejected_before"), so the iteration may ask
        again instead of paying for a fresh minibatch."""
        cfg = self.cfg
        parent = self.pool.texts[parent_id]
        base = {"parent": parent_id, "component": "+".join(components)}
        child = dict(parent)
        for comp in components:
            got, raw = self._reflect(parent_id, comp, examples, before, attempt, show_tried)
            if got.text is None:
                self._proposal(
                    "malformed",
                    parent=parent_id,
                    component=comp,
                    reason=got.reason,
                    detail=got.detail,
                    raw=raw,
                )
            else:
                child[comp] = got.text
        changed = [c for c in components if child[c] != parent[c]]
        if not changed:
            return "malformed"
        texts = {c: child[c] for c in changed}
        cid = candidate_id(child)
        if cid in self.pool:
            self._proposal("duplicate", child=cid, texts=texts, reason="in_pool", **base)
            return "in_pool"
        if all(self.memory.tried(parent_id, c, child[c]) for c in changed):
            self._proposal("duplicate", child=cid, texts=texts, reason="rejected_before", **base)
            return "rejected_before"
        after = self._score_child(child, examples, before.total)
        scored = len(after.rollouts)
        sums = {"parent_sum": before.total, "child_sum": after.total, "child_scored": scored}
        if not accepts(before.total, after.total, cfg.acceptance):
            parent_on_same = sum(before.scores[:scored])
            for comp in changed:
                self.memory.add(parent_id, comp, Rejected(child[comp], parent_on_same, after.total, scored))
            self._proposal("rejected", child=cid, texts=texts, **base, **sums)
            return None
        child_id = self._register(child, [parent_id], self._validate(child), "reflection")
        self.selector.inherit(child_id, parent_id)
        self._proposal(
            "accepted", child=child_id, texts=texts, val_mean=self.pool.mean(child_id), **base, **sums
        )
        if cfg.merge and self.counts["merges_tried"] < cfg.max_merges:
            self._try_merge()
        return None

    def _score_child(self, child: dict[str, str], examples: list[Example], parent_sum: float) -> EvalBatch:
        """The child's rollouts on a prefix of the minibatch, just long enough to settle the acceptance test.

        The verdict is the one the full minibatch would give (see `next_wave`), but a child that cannot
        catch up, or has already won, stops paying: on a 0/1 task a parent at 2/3 needs one child
        rollout to reject a wrong first answer instead of three.
        """
        rollouts: list[Rollout] = []
        while k := next_wave(
            parent_sum, sum(r.score for r in rollouts), len(examples) - len(rollouts), self.cfg.acceptance
        ):
            wave = examples[len(rollouts) : len(rollouts) + k]
            rollouts.extend(self.ctx.evaluate(child, wave, split="train", purpose="minibatch").rollouts)
        return EvalBatch(candidate_id(child), "train", tuple(rollouts))

    def _reflect(
        self,
        parent_id: str,
        comp: str,
        examples: list[Example],
        batch: EvalBatch,
        attempt: int,
        show_tried: bool,
    ) -> tuple[Proposal, str]:
        """A retry samples hotter: a small reflection model often repeats itself (or an already-tried text)."""
        cfg, ctx = self.cfg, self.ctx
        temperature = min(2.0, cfg.reflection_temperature + attempt * cfg.retry_temperature_step)
        return propose(
            ctx.reflection_lm,
            ctx.task,
            ctx.program,
            cfg,
            parent_text=self.pool.texts[parent_id][comp],
            component=comp,
            examples=examples,
            rollouts=batch.rollouts,
            tried=self.memory.recent(parent_id, comp, cfg.memory_shown) if show_tried else [],
            temperature=temperature,
            seed=ctx.rng.randrange(2**31) if temperature > 0 else None,
        )

    def _try_merge(self) -> None:
        ctx, pool = self.ctx, self.pool
        plan = find_merge(pool, list(pareto_front(pool.val)), self.merge_tried, ctx.rng)
        if plan is None:
            ctx.emit("merge", outcome="no_pair")
            return
        self.counts["merges_tried"] += 1
        idx = stratified_subsample(pool.val[plan.a], pool.val[plan.b], self.cfg.merge_subsample, ctx.rng)
        check = ctx.evaluate(plan.candidate, [self.val[i] for i in idx], split="val", purpose="merge")
        target = max(sum(pool.val[plan.a][i] for i in idx), sum(pool.val[plan.b][i] for i in idx))
        info = {
            "a": plan.a,
            "b": plan.b,
            "ancestor": plan.ancestor,
            "subsample": [self.val[i].id for i in idx],
        }
        if check.total < target:
            ctx.emit("merge", outcome="rejected", merged_sum=check.total, best_parent_sum=target, **info)
            return
        merged_id = self._register(plan.candidate, [plan.a, plan.b], self._validate(plan.candidate), "merge")
        self.counts["merges_accepted"] += 1
        ctx.emit(
            "merge",
            outcome="accepted",
            child=merged_id,
            merged_sum=check.total,
            best_parent_sum=target,
            val_mean=pool.mean(merged_id),
            **info,
        )
