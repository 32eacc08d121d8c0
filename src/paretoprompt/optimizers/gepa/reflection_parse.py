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
| `stacked` | a head of the label-shaped answer ("Look for:", `Answer "x" when`) appears twice: two instructions in one |
| `unfilled` | a line of the label-shaped answer kept as shown, e.g. `Answer "x" when: a concrete rule.` |
| `dangling` | it ends mid-sentence on a lead-in to nothing, e.g. `..., formatted as '` |
| `too_short` / `too_long` | fewer than `min_words` / more than `max_words` words |

Sentences copied verbatim from the fixed output contract are removed first (`strip_contract`).
The general checks live in `strategies/proposals.py`. An opened but unclosed fence is accepted
when generation stopped normally: the closing tag is passed as a stop sequence and stop strings
are not returned by the backends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from paretoprompt.optimizers.strategies.proposals import (
    Proposal,
    check_content,
    extract_one,
    missing_placeholders,
    normalize,
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


def stacked_template(text: str, heads: Sequence[str]) -> Proposal | None:
    """A proposal holding the answer shape twice. The 1.5B model sometimes keeps a one-line parent, whose
    heads sit mid-line, as its "Task:" line and writes a full template under it: every rule then comes twice
    in different words, which makes the prompt longer and no clearer for the task model."""
    for head in heads:
        if (n := text.count(head)) > 1:
            return reject("stacked", f"two instructions in one: {head!r} appears {n} times")
    return None


def _loose(text: str) -> str:
    """`normalize` without colons or a final period: how a copied line is matched."""
    return normalize(text.replace(":", " ")).rstrip(".")


def unfilled_template(text: str, lines: Sequence[str]) -> Proposal | None:
    """A proposal that keeps a line of the answer shape with the words it was asked to replace. The 1.5B
    model sometimes fills the `Task:` line and copies the rule lines, so the task model is given no rule
    and the prompt carries the meta-prompt's own words (`Answer "true" when: a concrete rule.`)."""
    loose = _loose(text)
    for line in lines:
        if _loose(line) in loose:
            return reject("unfilled", f"a line of the answer shape kept as shown: {line!r}")
    return None


_LEAD_IN_END = re.compile(
    r"(?:[:,;]|\b(?:a|an|the|as|like|of|to|with|and|or|for|by|from|in|is|are))$", re.IGNORECASE
)
_TRAILING_QUOTES_AND_SPACE = " \t\n'\"`\u201c\u201d\u2018\u2019"


def dangling_end(text: str) -> Proposal | None:
    """A proposal that stops mid-sentence on a lead-in ("..., formatted as '"). The 1.5B model sometimes ends
    its instruction with a copy of the input template and format, which `strip_contract` removes; the clause
    that introduced them is left pointing at nothing. On ASDiv seed 8 two such children passed their
    minibatch and each cost a full validation (0.38 and 0.30 against the seed's 0.40)."""
    end = text.rstrip(_TRAILING_QUOTES_AND_SPACE)
    if _LEAD_IN_END.search(end):
        return reject("dangling", f"ends mid-sentence: {text[-40:]!r}")
    return None


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
    template_heads: Sequence[str] = (),
    template_lines: Sequence[str] = (),
) -> Proposal:
    """Extract the instruction from `raw` and validate it against the parent, the shown examples and
    the answer shape it was asked for (`reflection_prompt.template_heads` and `template_lines`)."""
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
        or stacked_template(text, template_heads)
        or unfilled_template(text, template_lines)
        or dangling_end(text)
        or check_content(
            text,
            example_fields=example_fields,
            echo_chars=echo_chars,
            min_words=min_words,
            max_words=max_words,
        )
        or got
    )
