"""Extract and validate a proposed instruction from the reflection model's answer.

Anything that is not a usable instruction is rejected with a reason code and never evaluated:

| reason | when |
| --- | --- |
| `empty` | no text, or nothing inside the fence |
| `truncated` | the model hit max_tokens before closing the fence |
| `no_fence` | no `<instruction>` tag at all |
| `missing_placeholder` | a required placeholder (e.g. `{question}`) was dropped |
| `same_as_parent` | identical to the current instruction up to whitespace and case |
| `asks_for_input` | a request for more input ("Please provide ...") instead of an instruction |
| `echo` | JSON, copied case records, or a long verbatim run of an example field |
| `too_short` / `too_long` | fewer than `min_words` / more than `max_words` words |

The general checks live in `strategies/proposals.py`. An opened but unclosed fence is accepted
when generation stopped normally: the closing tag is passed as a stop sequence and stop strings
are not returned by the backends.
"""

from __future__ import annotations

from collections.abc import Iterable

from paretoprompt.optimizers.strategies.proposals import (
    Proposal,
    check_content,
    extract_one,
    missing_placeholders,
    same_as,
)

TAG = "instruction"
OPEN_TAG = f"<{TAG}>"
CLOSE_TAG = f"</{TAG}>"


def parse_proposal(
    raw: str,
    *,
    finish_reason: str = "stop",
    parent: str,
    required_placeholders: Iterable[str] = (),
    example_fields: Iterable[str] = (),
    min_words: int = 5,
    max_words: int = 250,
    echo_chars: int = 40,
) -> Proposal:
    """Extract the instruction from `raw` and validate it against the parent and the shown examples."""
    got = extract_one(raw, finish_reason, tag=TAG)
    if got.text is None:
        return got
    text = got.text
    return (
        missing_placeholders(text, required_placeholders)
        or same_as(text, [parent], "same_as_parent", "identical to the current instruction")
        or check_content(
            text,
            example_fields=example_fields,
            echo_chars=echo_chars,
            min_words=min_words,
            max_words=max_words,
        )
        or got
    )
