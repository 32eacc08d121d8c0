"""The `seed` baseline: score the seed prompt on validation and return it unchanged.

Every comparison needs it, and it is the smallest complete optimizer (a template for new ones).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from paretoprompt.optimizers.base import OptimizerContext, OptimizerOutcome


class SeedOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SeedBaseline:
    name = "seed"

    def __init__(self, options: SeedOptions | None = None) -> None:
        self.options = options or SeedOptions()

    def optimize(self, ctx: OptimizerContext) -> OptimizerOutcome:
        seed = ctx.program.seed_candidate()
        val = ctx.evaluate(seed, ctx.task.splits.val, split="val", purpose="validation")
        return OptimizerOutcome(ctx.add_candidate(seed, parents=(), val=val, origin="seed"))
