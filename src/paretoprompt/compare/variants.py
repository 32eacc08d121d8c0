"""Ablation variants, as data: `--ablation` adds one run per variant, one factor at a time.

Each variant overrides a few options of the optimizer's (budget-scaled) defaults. A variant
whose validated options equal the default run's is not run again: the default run stands for
it (so listing every level of a factor is safe whatever the optimizer's defaults are).
Field names must match the optimizer's options model; a wrong one fails at plan time (and in
`--dry-run`) with the variant's name.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Variant:
    name: str
    """Folder suffix and table label: `<optimizer>-<name>`."""
    factor: str
    """What the variant ablates (variants of one factor are its levels)."""
    options: Mapping[str, Any] = field(default_factory=dict)


ABLATIONS: dict[str, tuple[Variant, ...]] = {
    "gepa": (
        Variant("pareto", "selection", {"selection": "pareto"}),
        Variant("current-best", "selection", {"selection": "current_best"}),
        Variant("merge-off", "merge", {"merge": False}),
        Variant("merge-on", "merge", {"merge": True}),
        Variant("minibatch3", "minibatch", {"minibatch_size": 3}),
        Variant("minibatch8", "minibatch", {"minibatch_size": 8}),
    ),
    "apo": (
        Variant("ucb", "selector", {"selector": "ucb"}),
        Variant("successive-rejects", "selector", {"selector": "successive_rejects"}),
        Variant("brute-force", "selector", {"selector": "brute_force"}),
    ),
    "gpo": (
        Variant("cosine", "schedule", {"schedule": "cosine"}),
        Variant("linear", "schedule", {"schedule": "linear"}),
        Variant("constant", "schedule", {"schedule": "constant"}),
        Variant("relevance", "retrieval", {"retrieval": "relevance"}),
        Variant("recency", "retrieval", {"retrieval": "recency"}),
        Variant("generation", "update", {"update_method": "generation"}),
        Variant("editing", "update", {"update_method": "editing"}),
    ),
}


def variants_for(optimizer: str) -> tuple[Variant, ...]:
    return ABLATIONS.get(optimizer, ())
