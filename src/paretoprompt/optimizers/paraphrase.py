"""The `random-paraphrase` baseline: Monte-Carlo resampling around the seed at the same budget.

It asks the reflection model for meaning-preserving rewordings of the seed (APO's paraphrase
meta-prompt and parser), one component at a time round-robin, scores each usable one on the
whole val split, and keeps the best. It uses no feedback at all, so a search method that cannot
beat it at an equal rollout budget is not using its feedback. It stops when the next candidate's
val scoring no longer fits the budget, after `samples` proposals, or after
`max_zero_cost_proposals` proposals in a row that cost no rollout (malformed or duplicates).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from paretoprompt.errors import UserError
from paretoprompt.lm.base import GenerationParams
from paretoprompt.optimizers.apo.parse import Checks, parse_items
from paretoprompt.optimizers.apo.prompts import PROMPT_TAG, SHAPES, paraphrase_messages
from paretoprompt.optimizers.base import BudgetExhausted, OptimizerContext, OptimizerOutcome, StopRequested
from paretoprompt.optimizers.strategies.prompt_parts import clip
from paretoprompt.optimizers.strategies.proposals import call_reflection
from paretoprompt.programs.base import candidate_id


class RandomParaphraseOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    samples: int | None = Field(None, ge=1)
    """Paraphrases to request; None = until the rollout budget is spent."""
    temperature: float = Field(0.9, ge=0.0, le=2.0)
    max_tokens: int = Field(300, ge=16)
    min_words: int = Field(5, ge=1)
    max_words: int = Field(250, ge=5)
    max_zero_cost_proposals: int = Field(20, ge=1)


class RandomParaphrase:
    name = "random-paraphrase"

    def __init__(self, options: RandomParaphraseOptions | None = None) -> None:
        self.options = options or RandomParaphraseOptions()

    def optimize(self, ctx: OptimizerContext) -> OptimizerOutcome:
        opt = self.options
        val = list(ctx.task.splits.val)
        if not val:
            raise UserError("random-paraphrase needs a non-empty val split")
        seed = dict(ctx.program.seed_candidate())
        seed_batch = ctx.evaluate(seed, val, split="val", purpose="validation")
        seed_id = ctx.add_candidate(seed, parents=(), val=seed_batch, origin="seed")
        means = {seed_id: seed_batch.mean}
        components = ctx.program.components
        n, zero_cost, stopped = 0, 0, "samples"
        try:
            while opt.samples is None or n < opt.samples:
                if ctx.remaining_rollouts() < len(val):
                    stopped = "budget"
                    break
                if zero_cost >= opt.max_zero_cost_proposals:
                    stopped = "zero_cost_proposals"
                    ctx.emit("stop", reason=f"{zero_cost} proposals in a row cost no rollout")
                    break
                comp = components[n % len(components)]
                n += 1
                text, why = self._paraphrase(ctx, seed, comp)
                info: dict[str, Any] = {"parent": seed_id, "component": comp}
                if text is None:
                    zero_cost += 1
                    ctx.emit("proposal", outcome="malformed", **info, **why)
                    continue
                child = {**seed, comp: text}
                cid = candidate_id(child)
                if cid in means:
                    zero_cost += 1
                    ctx.emit("proposal", outcome="duplicate", child=cid, **info)
                    continue
                zero_cost = 0
                batch = ctx.evaluate(child, val, split="val", purpose="validation")
                ctx.add_candidate(child, parents=[seed_id], val=batch, origin="paraphrase")
                means[cid] = batch.mean
                ctx.emit("proposal", outcome="accepted", child=cid, text=text, val_mean=batch.mean, **info)
        except (BudgetExhausted, StopRequested) as stop:
            stopped = type(stop).__name__
        best = max(means, key=lambda c: means[c])
        return OptimizerOutcome(best, notes={"proposals": n, "stopped_by": stopped})

    def _paraphrase(
        self, ctx: OptimizerContext, seed: dict[str, str], comp: str
    ) -> tuple[str | None, dict[str, str]]:
        opt = self.options
        placeholders = sorted(ctx.program.required_placeholders(comp))
        messages = paraphrase_messages(
            task=ctx.task.description, prompt=seed[comp], placeholders=placeholders
        )
        params = GenerationParams(
            temperature=opt.temperature,
            max_tokens=opt.max_tokens,
            stop=(f"</{PROMPT_TAG}>",),
            seed=ctx.rng.randrange(2**31) if opt.temperature > 0 else None,
        )
        answer = call_reflection(ctx.reflection_lm, messages, params)
        if answer.failure is not None:
            return None, {"reason": answer.failure.reason or "", "detail": answer.failure.detail}
        checks = Checks(
            min_words=opt.min_words,
            max_words=opt.max_words,
            parent=seed[comp],
            placeholders=frozenset(placeholders),
            shapes=SHAPES,
        )
        item = parse_items(answer.text, PROMPT_TAG, finish_reason=answer.finish_reason, checks=checks)[0]
        if item.text is None:
            return None, {"reason": item.reason or "", "detail": item.detail, "raw": clip(answer.text, 500)}
        return item.text, {}
