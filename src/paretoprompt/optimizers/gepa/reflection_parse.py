"""Extract and validate a proposed instruction from the reflection model's answer.

Anything that is not a usable instruction is rejected with a reason code and never evaluated:

| reason | when |
| --- | --- |
| `empty` | no text, nothing inside the fence, or only a copy of the fixed format |
| `truncated` | the model hit max_tokens before closing the fence |
| `no_fence` | no `<instruction>` tag at all |
| `missing_placeholder` | a required placeholder (e.g. `{question}`) was dropped |
| `same_as_parent` | identical to the current instruction up to whitespace and case |
| `asks_for_input` | a request for more input ("Please provide ...") instead of an instruction |
| `echo` | JSON, copied case records, or a long verbatim run of an example field |
| `repetitive` | one sentence of 4+ words repeated three or more times (a generation loop) |
| `too_short` / `too_long` | fewer than `min_words` / more than `max_words` words |

Sentences copied verbatim from the fixed output contract are removed first (`strip_contract`).
The general checks live in `strategies/proposals.py`. An opened but unclosed fence is accepted
when generation stopped normally: the closing tag is passed as a stop sequence and stop strings
are not returned by the backends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from paretoprompt.optimizers.strategies.proposals import (
    Proposal,
    check_content,
    extract_one,
    missing_placeholders,
    reject,
    same_as,
)

TAG = "instruction"
OPEN_TAG = f"<{TAG}>"
CLOSE_TAG = f"</{TAG}>"


def strip_contract(text: str, contract: str, min_chars: int = 15) -> str:
    """`text` without the sentences of the fixed output contract that it repeats verbatim.

    Small reflection models often copy the format lines despite being told not to; the program
    appends them to every call anyway, so a copy only doubles them in the prompt.
    """
    for sentence in re.split(r"(?<=[.!?])\s+|\n+", contract):
        sentence = sentence.strip()
        if len(sentence) >= min_chars and sentence in text:
            text = text.replace(sentence, " ")
    return re.sub(r"[ \t]{2,}", " ", re.sub(r" *\n *", "\n", text)).strip()


def parse_proposal(
    raw: str,
    *,
    finish_reason: str = "stop",
    parent: str,
    contract: str = "",
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
    text = strip_contract(got.text, contract) if contract else got.text
    if not text:
        return reject("empty", "only a copy of the fixed format")
    got = replace(got, text=text)
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
