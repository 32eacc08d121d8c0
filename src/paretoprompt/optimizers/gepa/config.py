"""GEPA's settings, validated at the boundary (unknown keys are errors, not silently ignored)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from paretoprompt.validation import validate_model


class GEPAConfig(BaseModel):
    """Defaults follow the paper's GEPA (minibatch 3, Pareto selection, round-robin, strict acceptance).

    `merge` is off by default: the paper reports GEPA and GEPA+Merge as separate systems, and
    plain GEPA is the headline one. It needs a program with at least two components (it joins
    lineages that improved different ones); on a one-component program the run warns that it cannot fire.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    selection: Literal["pareto", "current_best", "epsilon_greedy"] = "pareto"
    epsilon: float = Field(0.1, ge=0.0, le=1.0)
    minibatch_size: int = Field(3, ge=1)
    component_selection: Literal["round_robin", "all"] = "round_robin"
    acceptance: Literal["improves", "improves_or_equal"] = "improves"
    skip_perfect: bool = True
    perfect_score: float = Field(1.0, ge=0.0, le=1.0)
    max_iterations: int | None = Field(None, ge=1)
    max_idle_iterations: int = Field(30, ge=1)
    """Stop after this many iterations in a row that spent no rollouts (perfect-minibatch skips,
    malformed or duplicate proposals on already-scored minibatches). Such iterations are free in
    rollouts, so without this bound a reflection LM that never produces a usable proposal would
    spin forever under a rollout budget."""

    proposal_retries: int = Field(1, ge=0)
    """Extra reflection calls in an iteration whose proposal was malformed or a duplicate: the
    parent's minibatch is already paid for, so asking again is cheaper than a new iteration.
    (Not in the paper; 0 restores one proposal per iteration.)"""
    retry_temperature_step: float = Field(0.3, ge=0.0, le=2.0)
    """Each retry samples this much hotter (capped at 2.0): the 1.5B reflection model tends to answer a
    retry with the same text, often a copy of an already-rejected proposal shown in the prompt."""
    reflection_temperature: float = Field(0.7, ge=0.0, le=2.0)
    reflection_max_tokens: int = Field(400, ge=16)
    memory_shown: int = Field(3, ge=0)
    """How many rejected proposals for the same (parent, component) the meta-prompt shows."""
    max_field_chars: int = Field(300, ge=20)
    """Each input, output and feedback is cut to this length in the meta-prompt (small models, slow CPUs)."""
    min_words: int = Field(5, ge=1)
    max_words: int = Field(250, ge=5)
    echo_chars: int = Field(40, ge=10)
    """A proposal sharing this many consecutive characters with an example field is an echo, not an instruction."""

    merge: bool = False
    max_merges: int = Field(5, ge=0)
    merge_subsample: int = Field(5, ge=1)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, where: str = "gepa") -> GEPAConfig:
        """Build from user config; a mistake becomes a one-line `UserError` naming the key."""
        return validate_model(cls, data, table=where)
