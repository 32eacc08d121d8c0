"""Extract and validate a GPO proposal; unusable answers are rejected before any rollout.

| reason | when |
| --- | --- |
| `empty` | no text, or nothing inside the fence |
| `truncated` | max_tokens was hit before the closing tag |
| `no_fence` | no `<prompt>` tag at all |
| `missing_placeholder` | a required placeholder (e.g. `{question}`) was dropped |
| `same_as_current` | identical to the current prompt up to whitespace and case |
| `too_short` | fewer than `min_words` words |
| `edit_budget` | more than `max_edit_words` word-level edits away from the current prompt |

The general checks live in `strategies/proposals.py`. An opened but unclosed fence is accepted
when generation stopped normally: `</prompt>` is passed as a stop sequence and backends do not
return the stop string.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from paretoprompt.optimizers.gpo.edit_distance import word_edit_distance
from paretoprompt.optimizers.strategies.proposals import (
    Proposal,
    extract_one,
    missing_placeholders,
    normalize,
    word_range,
)

TAG = "prompt"
OPEN_TAG = f"<{TAG}>"
CLOSE_TAG = f"</{TAG}>"


@dataclass(frozen=True)
class Parsed(Proposal):
    """A proposal with its word edit distance from the current prompt, once measured."""

    distance: int | None = None


def as_parsed(rejected: Proposal) -> Parsed:
    return Parsed(None, rejected.reason, rejected.detail)


def parse_proposal(
    raw: str,
    *,
    current: str,
    max_edit_words: int,
    finish_reason: str = "stop",
    required_placeholders: Iterable[str] = (),
    min_words: int = 3,
) -> Parsed:
    got = extract_one(raw, finish_reason, tag=TAG)
    if got.text is None:
        return as_parsed(got)
    text = got.text
    if rejected := missing_placeholders(text, required_placeholders):
        return as_parsed(rejected)
    if normalize(text) == normalize(current):
        return Parsed(None, "same_as_current", "identical to the current prompt", 0)
    if rejected := word_range(text, min_words):
        return as_parsed(rejected)
    distance = word_edit_distance(current, text)
    if distance > max_edit_words:
        return Parsed(None, "edit_budget", f"changed {distance} words > {max_edit_words}", distance)
    return Parsed(text, distance=distance)
