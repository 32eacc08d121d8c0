"""GPO: LLM-based prompt optimization by analogy with gradient descent (Tang et al., arXiv 2402.17564).

Map from this loop to the paper:
- trajectory (`trajectory.py`): every scored prompt with its dev score, the seed first;
- update direction: k=3 earlier prompts retrieved by relevance (sentence embeddings, `embeddings.py`),
  recency or importance, shown with their scores in the meta-prompt (`meta_prompt.py`);
- update method: generation-based refinement (default) or editing-based (ablation);
- learning rate: "change at most N words", N from a cosine schedule 50 -> 10 over the run
  (`strategies/schedules.py`); proposals further than N word edits from the current prompt are
  rejected unscored (`parse.py`, reason `edit_budget`);
- each step samples 8 candidates (temperature 0.7, distinct sample indices and a seed from the
  run RNG), scores them on the dev (val) split, and the best NEW candidate becomes the current
  prompt even if it scores below it, as in the paper; the result is the best candidate by
  full-val mean (ties go to the earliest).
Multi-module programs: one component per step, round-robin. With `val_subsample`, candidates are
screened on a fixed val subset and only each step's winner is scored on the whole val split.
"""

from __future__ import annotations

from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.lm.base import GenerationParams
from paretoprompt.optimizers.base import EvalBatch, OptimizerContext, OptimizerOutcome
from paretoprompt.optimizers.gpo.config import GPOConfig, step_cost
from paretoprompt.optimizers.gpo.embeddings import Embedder, make_embedder
from paretoprompt.optimizers.gpo.meta_prompt import SCALE, build_messages, clip, exemplars_for
from paretoprompt.optimizers.gpo.parse import CLOSE_TAG, Parsed, as_parsed, parse_proposal
from paretoprompt.optimizers.gpo.trajectory import Entry, Trajectory
from paretoprompt.optimizers.strategies.loop import run_steps
from paretoprompt.optimizers.strategies.proposals import call_reflection
from paretoprompt.optimizers.strategies.schedules import Schedule
from paretoprompt.programs.base import candidate_id

RAW_CHARS = 500
MAX_AUTO_STEPS = 10_000


class GPO:
    name = "gpo"

    def __init__(self, config: GPOConfig | None = None) -> None:
        self.config = config or GPOConfig()

    def optimize(self, ctx: OptimizerContext) -> OptimizerOutcome:
        return _Run(self.config, ctx).run()


class _Run:
    def __init__(self, config: GPOConfig, ctx: OptimizerContext) -> None:
        self.cfg, self.ctx = config, ctx
        self.val = list(ctx.task.splits.val)
        self.train = list(ctx.task.splits.train)
        if not self.val:
            raise UserError("gpo needs a non-empty val split")
        self.components = ctx.program.components
        self.trajectory = Trajectory()
        self.val_means: dict[str, float] = {}
        self.counts = dict.fromkeys(("accepted", "rejected", "malformed", "duplicate"), 0)
        self.zero_cost = 0
        self.edit_budgets: list[int] = []
        needs_embedder = config.retrieval == "relevance" and config.trajectory_k > 0
        self.embedder: Embedder | None = make_embedder(config.embedder) if needs_embedder else None
        m = config.val_subsample
        if m is None or m >= len(self.val):
            self.screen = self.val
        else:
            picked = sorted(ctx.rng.sample(range(len(self.val)), m))
            self.screen = [self.val[i] for i in picked]

    @property
    def screens_full_val(self) -> bool:
        return len(self.screen) == len(self.val)

    def run(self) -> OptimizerOutcome:
        cfg, ctx = self.cfg, self.ctx
        seed = dict(ctx.program.seed_candidate())
        full = ctx.evaluate(seed, self.val, split="val", purpose="validation")
        self._register(seed, full, None, "seed")
        on_screen = ctx.evaluate(seed, self.screen, split="val", purpose="validation")  # already scored: free
        self.current = self.trajectory.add(full.candidate_id, seed, on_screen.mean, 0)
        horizon = cfg.max_steps or self._horizon()
        if cfg.warmup_steps >= horizon:
            raise UserError(
                f"gpo.warmup_steps: {cfg.warmup_steps} is not below the {horizon} steps the budget allows"
            )
        schedule = Schedule(cfg.schedule, cfg.edit_start, cfg.edit_end, horizon, cfg.warmup_steps)
        embedder = self.embedder.name if self.embedder else f"none (retrieval={cfg.retrieval})"
        ctx.emit(
            "gpo_setup",
            embedder=embedder,
            horizon=horizon,
            score_scale=SCALE,
            scoring_set=[e.id for e in self.screen],
        )

        def step(n: int) -> str | None:
            i = n - 1  # the schedule and the trajectory count steps from 0
            self._step(i, self.components[i % len(self.components)], schedule.int_value(i))
            if self.zero_cost < cfg.max_zero_cost_proposals:
                return None
            ctx.emit("stop", reason="zero_cost_proposals", proposals=self.zero_cost)
            return "zero_cost_proposals"

        steps, stopped = run_steps(step, horizon, "max_steps")
        best = max(self.val_means, key=self.val_means.__getitem__)  # first maximum: earliest wins ties
        notes: dict[str, Any] = {
            "steps": steps,
            "horizon": horizon,
            "stopped_by": stopped,
            **self.counts,
            "embedder": embedder,
            "score_scale": f"{SCALE} (mean metric value x 100) in the meta-prompt",
            "scoring_set": "val" if self.screens_full_val else f"fixed val subsample of {len(self.screen)}",
            "adoption": "best new candidate of each step, even if below the current prompt (paper)",
            "edit_budgets": self.edit_budgets,
            "trajectory_length": len(self.trajectory),
        }
        return OptimizerOutcome(best_candidate_id=best, notes=notes)

    def _horizon(self) -> int:
        exemplar_cost = self.cfg.exemplars if self.cfg.exemplar_feedback else 0
        cost = step_cost(self.cfg.candidates_per_step, len(self.val), len(self.screen), exemplar_cost)
        steps = self.ctx.remaining_rollouts() // max(1, cost)
        if steps > MAX_AUTO_STEPS:
            raise UserError("gpo.max_steps: set it when the rollout budget is unlimited")
        return max(1, steps)

    def _score(self, candidate: dict[str, str], parent: str, step: int) -> Entry:
        """Score on the scoring set, add to the trajectory, and register if that covered the whole val split."""
        purpose = "validation" if self.screens_full_val else "screen"
        batch = self.ctx.evaluate(candidate, self.screen, split="val", purpose=purpose)
        if self.screens_full_val:
            self._register(candidate, batch, parent, "gpo")
        return self.trajectory.add(batch.candidate_id, candidate, batch.mean, step)

    def _register(self, candidate: dict[str, str], batch: EvalBatch, parent: str | None, origin: str) -> None:
        parents = [parent] if parent else []
        cid = self.ctx.add_candidate(candidate, parents=parents, val=batch, origin=origin)
        self.val_means[cid] = batch.mean

    def _proposal(self, outcome: str, **payload: Any) -> None:
        self.counts[outcome] += 1
        self.ctx.emit("proposal", outcome=outcome, **payload)

    def _step(self, step: int, comp: str, budget: int) -> None:
        cfg, ctx, cur = self.cfg, self.ctx, self.current
        self.edit_budgets.append(budget)
        examples = ctx.rng.sample(self.train, min(cfg.exemplars, len(self.train)))
        rollouts = None
        if cfg.exemplar_feedback and examples:
            rollouts = ctx.evaluate(cur.texts, examples, split="train", purpose="exemplars").rollouts
        retrieved = self.trajectory.retrieve(
            cfg.retrieval, comp, cur.texts[comp], cfg.trajectory_k, self.embedder
        )
        ctx.emit(
            "step",
            n=step,
            component=comp,
            current=cur.candidate_id,
            edit_budget=budget,
            retrieved=[e.candidate_id for e in retrieved],
        )
        required = ctx.program.required_placeholders(comp)
        messages = build_messages(
            method=cfg.update_method,
            current=cur.texts[comp],
            current_score=cur.score,
            trajectory=retrieved,
            component=comp,
            max_edit_words=budget,
            contract=ctx.program.contract(comp),
            task_description=ctx.task.description,
            exemplars=exemplars_for(comp, examples, rollouts, cfg.max_field_chars),
            placeholders=sorted(required),
        )
        params = GenerationParams(
            temperature=cfg.temperature,
            max_tokens=cfg.max_tokens,
            stop=(CLOSE_TAG,),
            seed=ctx.rng.randrange(2**31) if cfg.temperature > 0 else None,
        )
        base = {"parent": cur.candidate_id, "component": comp, "step": step}
        children: dict[str, dict[str, str]] = {}
        for i in range(cfg.candidates_per_step):
            parsed, raw = self._propose(messages, params, i, cur.texts[comp], budget, required)
            if parsed.text is None:
                self.zero_cost += 1
                self._proposal(
                    "malformed",
                    reason=parsed.reason,
                    detail=parsed.detail,
                    raw=raw,
                    edit_budget=budget,
                    distance=parsed.distance,
                    **base,
                )
                continue
            child = {**cur.texts, comp: parsed.text}
            cid = candidate_id(child)
            if cid in children or cid in self.trajectory:
                self.zero_cost += 1
                self._proposal("duplicate", child=cid, **base)
                continue
            children[cid] = child
        scored = []
        for child in children.values():
            scored.append(self._score(child, cur.candidate_id, step + 1))
            self.zero_cost = 0
        if not scored:
            return
        winner = max(scored, key=lambda e: e.score)  # first maximum: earliest wins ties
        if not self.screens_full_val:
            full = ctx.evaluate(winner.texts, self.val, split="val", purpose="validation")
            self._register(dict(winner.texts), full, cur.candidate_id, "gpo")
        for entry in scored:
            self._proposal(
                "accepted" if entry is winner else "rejected",
                child=entry.candidate_id,
                texts={comp: entry.texts[comp]},
                score=entry.score,
                current_score=cur.score,
                val_mean=self.val_means.get(entry.candidate_id),
                **base,
            )
        self.current = winner

    def _propose(
        self,
        messages: list[dict[str, str]],
        params: GenerationParams,
        index: int,
        current: str,
        budget: int,
        required: frozenset[str],
    ) -> tuple[Parsed, str]:
        answer = call_reflection(self.ctx.reflection_lm, messages, params, sample_index=index)
        raw = clip(answer.text, RAW_CHARS)
        if answer.failure is not None:
            return as_parsed(answer.failure), raw
        parsed = parse_proposal(
            answer.text,
            current=current,
            max_edit_words=budget,
            finish_reason=answer.finish_reason,
            required_placeholders=required,
            min_words=self.cfg.min_words,
        )
        return parsed, raw
