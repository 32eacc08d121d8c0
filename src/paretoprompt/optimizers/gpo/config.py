"""GPO's settings, validated at the boundary (unknown keys are errors), and the budget-scaled recipe.

Defaults follow the paper: relevance retrieval of k=3 trajectory prompts, generation-based
refinement, a cosine-decayed edit budget from 50 to 10 words, 8 candidates per step scored on
the whole dev (val) split.

Budget. A step costs `c * V` rollouts at the paper's settings (c candidates, V val examples),
which at 300 rollouts and V=50 does not fit even once. `val_subsample = m` screens every
candidate on one fixed random m-example subset of val (drawn once per run, so all trajectory
scores are on the same examples) and scores only the step's winner on the rest of val: a step
then costs `c*m + (V - m)` (+ `exemplars` when `exemplar_feedback`). `budget_recipe` picks the
largest c, then the largest m >= 5, that fit `min_steps` steps; e.g. 300 rollouts, V=50 gives
c=7, m=5: 3 steps of 80 (35 screening + 45 for the winner) after the seed's 50.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from paretoprompt.validation import validate_model


class GPOConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    retrieval: Literal["relevance", "recency", "importance"] = "relevance"
    trajectory_k: int = Field(3, ge=0)
    """How many earlier prompts the meta-prompt shows (the update direction)."""
    embedder: Literal["auto", "minilm", "tfidf"] = "auto"
    """For relevance: MiniLM when the `embeddings` extra is installed (`auto`), else TF-IDF."""
    update_method: Literal["generation", "editing"] = "generation"

    schedule: Literal["cosine", "linear", "constant"] = "cosine"
    edit_start: int = Field(50, ge=1)
    edit_end: int = Field(10, ge=1)
    warmup_steps: int = Field(0, ge=0)
    max_steps: int | None = Field(None, ge=1)
    """Also the schedule's horizon; None = as many steps as the rollout budget fits (estimated after the seed)."""

    candidates_per_step: int = Field(8, ge=1)
    val_subsample: int | None = Field(None, ge=1)
    """Screen candidates on this many fixed val examples; None = the whole val split (paper)."""
    exemplars: int = Field(3, ge=0)
    """Train examples shown in the meta-prompt, drawn anew each step."""
    exemplar_feedback: bool = False
    """Run the current prompt on the exemplars and show its outputs and feedback (costs rollouts)."""

    temperature: float = Field(0.7, ge=0.0, le=2.0)
    max_tokens: int = Field(300, ge=16)
    max_field_chars: int = Field(200, ge=20)
    min_words: int = Field(3, ge=1)
    max_zero_cost_proposals: int = Field(20, ge=1)
    """Stop after this many proposals in a row that spent no rollouts (malformed or duplicates)."""

    @model_validator(mode="after")
    def _check(self) -> GPOConfig:
        if self.max_steps is not None and self.warmup_steps >= self.max_steps:
            raise ValueError("warmup_steps must be smaller than max_steps")
        return self

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str = "gpo") -> GPOConfig:
        """Build from user config; a mistake becomes a one-line `UserError` naming the key."""
        return validate_model(cls, data, table=where)


def step_cost(candidates: int, val_size: int, subsample: int | None, exemplar_rollouts: int = 0) -> int:
    """Rollouts one step spends at most: screening, the winner's remaining val, exemplar runs."""
    m = val_size if subsample is None else min(subsample, val_size)
    return candidates * m + (val_size - m) + exemplar_rollouts


def budget_recipe(rollouts: int, val_size: int, min_steps: int = 3) -> dict[str, Any]:
    """Options (`candidates_per_step`, `val_subsample`) that fit `min_steps` steps after the seed."""
    spare = rollouts - val_size
    floor = min(5, val_size)
    for c in range(8, 1, -1):
        for m in range(val_size, floor - 1, -1):
            if spare >= min_steps * step_cost(c, val_size, m):
                return {"candidates_per_step": c, "val_subsample": None if m == val_size else m}
    return {"candidates_per_step": 2, "val_subsample": floor if floor < val_size else None}
