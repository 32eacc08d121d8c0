"""Asking the reflection model for a proposal and rejecting unusable answers, shared by every optimizer.

GEPA, APO, GPO and the paraphrase baseline all ask for their answer between XML-like tags
(`<instruction>`, `<prompt>`, `<reason>`) and drop anything unusable before it costs a rollout.
This module holds the general pieces; each optimizer's parse module chains the checks it needs,
in its own order, with its own rules and reason names. Reasons given here:

| reason | when |
| --- | --- |
| `lm_error` | the reflection call itself failed |
| `empty` | no text, or nothing inside a fence |
| `truncated` | max_tokens hit before a fence closed (and no closed fence came before) |
| `no_fence` | no opening tag (when several items are expected: no closed one) |
| `missing_placeholder` | a required placeholder such as `{question}` was dropped |
| `asks_for_input` | a request for input ("Please provide the inputs"); "please provide your reasoning" passes |
| `echo` | JSON, copied case records, or a long verbatim run of an example field |
| `repetitive` | one sentence of 4+ words three or more times: a small model stuck in a loop |
| `too_short` / `too_long` | outside the word range |

When one item is expected the closing tag is passed as a stop sequence and backends do not
return stop strings, so an opened, unclosed fence is accepted if generation stopped normally.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from paretoprompt.errors import LMError, PermanentLMError
from paretoprompt.lm.base import GenerationParams, Messages
from paretoprompt.lm.client import LM

_OUTPUT_NOUNS = r"(reasoning|answers?|explanations?|solutions?|justifications?|steps|calculations?|working)\b"
"""What a task model is asked to produce: "please provide a detailed reasoning" instructs, it does not ask."""
_ASKS = re.compile(
    r"\bplease (provide|share|send|give|paste|specify)\b(?!(\s+[\w-]+){0,2}?\s+" + _OUTPUT_NOUNS + ")"
    r"|\b(could|can|would) you (please )?(provide|share|send|give|paste|clarify|specify)\b"
    r"|\bprovide (me )?(with )?the (inputs?|examples?|instructions?|details|data)\b"
    r"|\bi need (more|the|some) (information|details|context|inputs?|examples?)\b"
    r"|\blet me know\b",
    re.IGNORECASE,
)
_RECORD_LABEL = re.compile(
    r"^\s*(case \d+( \(score [^)]*\))?|inputs?|model output|output|feedback|score)\s*:", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_LOOP_REPEATS = 3
_LOOP_MIN_WORDS = 4
"""A sentence this long, this often, is a generation loop: no instruction states one rule three times."""
_WRAPPERS = ('"""', "```", "**", '"', "'")
"""Wrappers peeled off a proposal, outermost first (markdown bold included: small models add it)."""


@dataclass(frozen=True)
class Proposal:
    """`text` when usable; otherwise `reason` (a code above or the optimizer's own) and `detail` say why not."""

    text: str | None
    reason: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.text is not None


def reject(reason: str, detail: str = "") -> Proposal:
    return Proposal(None, reason, detail)


@dataclass(frozen=True)
class Answer:
    """One reflection call: its full text and finish reason, or `failure` (an `lm_error` rejection)."""

    text: str
    finish_reason: str
    failure: Proposal | None = None


def call_reflection(lm: LM, messages: Messages, params: GenerationParams, *, sample_index: int = 0) -> Answer:
    """Call the reflection model; a failed call becomes a rejection (a permanent error still ends the run)."""
    try:
        completion = lm.complete(messages, params, sample_index=sample_index)
    except PermanentLMError:
        raise
    except LMError as err:
        return Answer("", "error", reject("lm_error", str(err)))
    if completion.finish_reason == "error":
        return Answer(completion.text, "error", reject("lm_error", "the reflection call failed"))
    return Answer(completion.text, completion.finish_reason)


def normalize(text: str) -> str:
    """Whitespace folded and case ignored: how two texts are judged the same."""
    return " ".join(text.split()).casefold()


def _unwrap(body: str) -> str:
    body = body.strip()
    for wrap in _WRAPPERS:
        if len(body) > 2 * len(wrap) and body.startswith(wrap) and body.endswith(wrap):
            body = body[len(wrap) : -len(wrap)].strip()
    return body


def extract(raw: str, finish_reason: str, *, tag: str, single: bool = True) -> list[Proposal]:
    """The fenced bodies of `raw` in order, each unwrapped or rejected; never an empty list.

    `single`: one item is expected, so the last non-empty closed fence wins and an unclosed last
    fence counts when generation was not cut by max_tokens.
    """
    if not raw.strip():
        return [reject("empty", "no text")]
    name = re.escape(tag)
    closed = [m.group(1) for m in re.finditer(rf"<\s*{name}\s*>(.*?)<\s*/\s*{name}\s*>", raw, re.I | re.S)]
    if single and closed:
        closed = [next((b for b in reversed(closed) if b.strip()), "")]
    if not closed:
        if finish_reason == "length":
            return [reject("truncated", "stopped at max_tokens before the closing tag")]
        opens = list(re.finditer(rf"<\s*{name}\s*>", raw, re.I))
        if not opens:
            return [reject("no_fence", f"no <{tag}> tag")]
        if not single:
            return [reject("no_fence", f"no closed <{tag}> item")]
        closed = [raw[opens[-1].end() :]]
    return [
        Proposal(body) if (body := _unwrap(b)) else reject("empty", "nothing inside the fence")
        for b in closed
    ]


def extract_one(raw: str, finish_reason: str, *, tag: str) -> Proposal:
    return extract(raw, finish_reason, tag=tag)[0]


def missing_placeholders(text: str, required: Iterable[str]) -> Proposal | None:
    missing = sorted(p for p in required if p not in text)
    return reject("missing_placeholder", "dropped " + ", ".join(missing)) if missing else None


def same_as(text: str, others: Iterable[str], reason: str, detail: str) -> Proposal | None:
    """Rejected as `reason` when `text` equals one of `others` up to whitespace and case."""
    norm = normalize(text)
    return reject(reason, detail) if any(norm == normalize(other) for other in others) else None


def word_range(text: str, min_words: int, max_words: int | None = None) -> Proposal | None:
    words = len(text.split())
    if words < min_words:
        return reject("too_short", f"{words} words < {min_words}")
    if max_words is not None and words > max_words:
        return reject("too_long", f"{words} words > {max_words}")
    return None


def _echo(text: str, fields: Iterable[str], echo_chars: int) -> str:
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            json.loads(stripped)
            return "the proposal is JSON"
        except ValueError:
            if stripped[-1:] in "}]":
                return "the proposal looks like JSON"
    if sum(bool(_RECORD_LABEL.match(line)) for line in text.splitlines()) >= 2:
        return "the proposal copies the case records"
    norm = normalize(text)
    for field in fields:
        f = normalize(field)
        if len(f) < 20:
            continue
        match = SequenceMatcher(None, norm, f, autojunk=False).find_longest_match(0, len(norm), 0, len(f))
        if match.size >= min(len(f), echo_chars):
            return f"copies {match.size} characters of an example: {f[match.b : match.b + 40]!r}"
    return ""


def _looped_sentence(text: str) -> str:
    counts = Counter(
        norm for s in _SENTENCE_END.split(text) if len((norm := normalize(s)).split()) >= _LOOP_MIN_WORDS
    )
    for sentence, count in counts.most_common(1):
        if count >= _LOOP_REPEATS:
            return f"{count} times: {sentence[:60]!r}"
    return ""


def check_content(
    text: str, *, example_fields: Iterable[str], echo_chars: int, min_words: int, max_words: int
) -> Proposal | None:
    """The checks of a free-text answer, in order: asks for input, echo, repetition, word range."""
    if asked := _ASKS.search(text):
        return reject("asks_for_input", f"asks for input: {asked.group(0)!r}")
    if echoed := _echo(text, example_fields, echo_chars):
        return reject("echo", echoed)
    if looped := _looped_sentence(text):
        return reject("repetitive", looped)
    return word_range(text, min_words, max_words)
