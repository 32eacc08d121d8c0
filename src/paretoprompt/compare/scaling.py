"""Each optimizer's defaults scaled to the comparison budget: the one place `compare` decides it.

The papers' defaults assume thousands of rollouts (ProTeGi scores 64-example minibatches and
runs 8-round bandits over 8 arms on 32 examples; GPO scores 8 candidates per step on the whole
dev split). At a few hundred rollouts they would not finish one round, so the rollout-
denominated knobs are scaled down. The numbers come from each optimizer's own recipe (so
they stay in step with its cost model); `RULES` says in words what each recipe does and is
written verbatim into `comparison.md`. Notation: B = rollout budget, V = validation size.
"""

from __future__ import annotations

from typing import Any

RULES: dict[str, str] = {
    "seed": "No options: the seed prompt scored on validation (V rollouts) and test.",
    "gepa": "Paper defaults kept: they are already frugal per step (minibatch 3, so 6 rollouts per proposal, "
    "plus V per accepted child); merge stays off (the paper's headline system).",
    "apo": "`APOConfig.budget_scaled(B, V)`: the paper's structure sized so that about 3 rounds fit. Each round "
    "gets P = (B - V) / 3. Beam 4 and 8 successors only when P >= 8 V, else beam 2 and 3 successors "
    "(with 2 error groups of 3 errors, 1 paraphrase per new prompt and none of the parent); minibatch "
    "P / (4 × beam) within [4, 64]; the UCB selection spends about P / 2: samples P / 16 within [4, 32], "
    "2 × beam arms per round, rounds = (P / 2) / (samples × arms), at least 1. New beam members are "
    "scored on the full validation split with the rest of P.",
    "gpo": "`gpo.config.budget_recipe(B, V)`: a step costs c × m + (V - m) rollouts (c candidates screened on a "
    "fixed m-example validation subset, the step's winner then scored on the rest of validation); the "
    "recipe picks the largest c <= 8, then the largest m >= 5, that fit 3 steps after the seed (the paper: "
    "c = 8, m = V). The edit-budget schedule then decays over the steps the budget fits.",
    "random-paraphrase": "No change: it scores paraphrases of the seed on validation until the budget is spent.",
}
UNKNOWN_RULE = "No rule for this optimizer: its own defaults are used."


def scaled_defaults(optimizer: str, *, budget: int, val_size: int) -> dict[str, Any]:
    """The options `compare` gives `optimizer` at rollout budget `budget` (before user options
    and ablation variants are layered on top)."""
    if optimizer == "apo":
        from paretoprompt.optimizers.apo.config import APOConfig

        return APOConfig.budget_scaled(budget, val_size).model_dump(exclude_unset=True)
    if optimizer == "gpo":
        from paretoprompt.optimizers.gpo.config import budget_recipe

        return {k: v for k, v in budget_recipe(budget, val_size).items() if v is not None}
    return {}


def rule_text(optimizer: str) -> str:
    return RULES.get(optimizer, UNKNOWN_RULE)
