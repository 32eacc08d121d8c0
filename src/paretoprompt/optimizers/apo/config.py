"""APO's settings, validated at the boundary (unknown keys are errors).

Defaults are ProTeGi's released code (`main.py`): 6 rounds, beam 4, minibatch 64, 4 error
groups of 4 errors, 1 reason per group, 1 edit per reason, 2 Monte-Carlo paraphrases per new
prompt (and of the parent), at most 8 successors per parent, UCB with c = 1 over 8 rounds of 8
arms on 32 examples. One round then costs about 4x64 + 2048 + 4x|val| rollouts, so these
defaults need thousands of rollouts: see `budget_scaled` for small budgets.
"""

from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SelectorName = Literal["ucb", "ucb-e", "successive_rejects", "successive_halving", "brute_force"]


class APOConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    rounds: int | None = Field(6, ge=1)
    beam_size: int = Field(4, ge=1)
    minibatch_size: int = Field(64, ge=1)
    error_groups: int = Field(4, ge=0)
    """Gradient requests per parent and round, each on its own random sample of errors."""
    errors_per_group: int = Field(4, ge=1)
    reasons_per_group: int = Field(1, ge=1)
    edits_per_reason: int = Field(1, ge=1)
    paraphrases_per_prompt: int = Field(2, ge=0)
    paraphrase_parent: bool = True
    """The released code also paraphrases the parent itself, not only its edits."""
    max_successors: int = Field(8, ge=1)
    perfect_score: float = Field(1.0, ge=0.0, le=1.0)
    """A minibatch rollout scoring below this is an error the gradients look at."""

    selector: SelectorName = "ucb"
    selection_split: Literal["val", "train"] = "val"
    c: float = Field(1.0, gt=0.0)
    bandit_rounds: int = Field(8, ge=1)
    arms_per_round: int = Field(8, ge=1)
    samples_per_eval: int = Field(32, ge=1)
    eval_budget: int | None = Field(None, ge=1)
    """Scores per selection for brute force and the elimination methods; default
    bandit_rounds * arms_per_round * samples_per_eval, the UCB spend (the released code's rule)."""

    reflection_temperature: float = Field(0.7, ge=0.0, le=2.0)
    reflection_max_tokens: int = Field(400, ge=16)
    max_field_chars: int = Field(300, ge=20)
    min_words: int = Field(5, ge=1)
    max_words: int = Field(250, ge=5)
    echo_chars: int = Field(40, ge=10)
    max_zero_cost_proposals: int = Field(20, ge=1)
    """Stop after this many reflection calls in a row that led to no new rollout (all malformed,
    duplicates, or candidates already scored): such a loop would never meet the rollout budget."""

    @property
    def selection_budget(self) -> int:
        return self.eval_budget or self.bandit_rounds * self.arms_per_round * self.samples_per_eval

    @classmethod
    def budget_scaled(cls, rollouts: int, val_size: int, **overrides: Any) -> APOConfig:
        """The `budget-scaled` recipe: the paper's structure sized so about three rounds fit.

        After the seed's validation (`val_size`), each of 3 rounds gets P = (rollouts - val_size) / 3.
        - beam 4 and 8 successors only when P >= 8 * val_size, else beam 2 and 3 successors;
        - minibatch P / (4 * beam), within [4, 64]; error groups 2 of 3 errors if P < 8 * val_size;
        - one paraphrase per new prompt, none of the parent, when the beam is scaled down;
        - UCB spends about P / 2: samples P / 16 within [4, 32], arms per round = beam * 2,
          rounds = (P / 2) / (samples * arms), at least 1.
        New beam members are then scored on the full validation split, which is the rest of P.
        """
        per_round = max((rollouts - val_size) // 3, 1)
        big = per_round >= 8 * val_size
        beam = 4 if big else 2
        samples = min(max(per_round // 16, 4), 32)
        arms = beam * 2
        options: dict[str, Any] = {
            "beam_size": beam,
            "max_successors": 8 if big else 3,
            "minibatch_size": min(max(per_round // (4 * beam), 4), 64),
            "error_groups": 4 if big else 2,
            "errors_per_group": 4 if big else 3,
            "paraphrases_per_prompt": 2 if big else 1,
            "paraphrase_parent": big,
            "samples_per_eval": samples,
            "arms_per_round": arms,
            "bandit_rounds": max(1, math.floor(per_round / 2 / (samples * arms))),
        }
        return cls.model_validate({**options, **overrides})
