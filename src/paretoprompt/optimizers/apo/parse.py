"""Extract and validate the fenced items (reasons or prompts) in an APO meta-prompt answer.

APO asks for `<reason>` and `<prompt>` items, sometimes several per answer. The general checks
live in `strategies/proposals.py`; APO adds two rules of its own. Nothing unusable reaches a rollout:

| reason | when |
| --- | --- |
| `empty` | no text, or nothing inside a fence |
| `truncated` | max_tokens hit before a fence closed (when no complete item came before it) |
| `no_fence` | no opening tag at all |
| `missing_placeholder` | a prompt dropped a required placeholder such as `{question}` |
| `copied_shape` | the example answer shape of the meta-prompt, copied |
| `same_as_parent` | a prompt identical to the one it should change (whitespace and case aside) |
| `asks_for_input` | a request for more input instead of an answer |
| `echo` | JSON, copied case records, or a long verbatim run of an example field |
| `repetitive` | one sentence of 4+ words repeated three or more times (a generation loop) |
| `too_short` / `too_long` | outside the configured word range |

When one item is expected the closing tag is a stop sequence (backends do not return it), so an
opened, unclosed fence is accepted if generation stopped normally.
"""

from __future__ import annotations

from dataclasses import dataclass

from paretoprompt.optimizers.strategies.proposals import (
    Proposal,
    check_content,
    extract,
    missing_placeholders,
    same_as,
)


@dataclass(frozen=True)
class Checks:
    """What a usable item must satisfy; `parent` and `placeholders` only apply to prompts."""

    min_words: int = 3
    max_words: int = 250
    echo_chars: int = 40
    parent: str | None = None
    placeholders: frozenset[str] = frozenset()
    example_fields: tuple[str, ...] = ()
    shapes: tuple[str, ...] = ()
    """Example answers shown in the meta-prompt."""


def validate(item: Proposal, checks: Checks) -> Proposal:
    if item.text is None:
        return item
    text = item.text
    parents = () if checks.parent is None else (checks.parent,)
    return (
        missing_placeholders(text, checks.placeholders)
        or same_as(text, checks.shapes, "copied_shape", "copies the example answer of the meta-prompt")
        or same_as(text, parents, "same_as_parent", "identical to the prompt it should change")
        or check_content(
            text,
            example_fields=checks.example_fields,
            echo_chars=checks.echo_chars,
            min_words=checks.min_words,
            max_words=checks.max_words,
        )
        or item
    )


def parse_items(
    raw: str, tag: str, *, finish_reason: str = "stop", expected: int = 1, checks: Checks
) -> list[Proposal]:
    """The first `expected` fenced items of `raw`, each validated; at least one entry (a rejection if none)."""
    found = extract(raw, finish_reason, tag=tag, single=expected == 1)
    return [validate(item, checks) for item in found[:expected]]
