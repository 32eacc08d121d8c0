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

An opened but unclosed fence is accepted when generation stopped normally: the closing tag is
passed as a stop sequence and stop strings are not returned by the backends.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

OPEN_TAG = "<instruction>"
CLOSE_TAG = "</instruction>"

_CLOSED = re.compile(r"<\s*instruction\s*>(.*?)<\s*/\s*instruction\s*>", re.IGNORECASE | re.DOTALL)
_OPEN = re.compile(r"<\s*instruction\s*>", re.IGNORECASE)
_ASKS = re.compile(
    r"\bplease (provide|share|send|give|paste|specify)\b"
    r"|\b(could|can|would) you (please )?(provide|share|send|give|paste|clarify|specify)\b"
    r"|\bprovide (me )?(with )?the (inputs?|examples?|instructions?|details|data)\b"
    r"|\bi need (more|the|some) (information|details|context|inputs?|examples?)\b"
    r"|\blet me know\b",
    re.IGNORECASE,
)
_RECORD_LABEL = re.compile(
    r"^\s*(case \d+( \(score [^)]*\))?|inputs?|model output|output|feedback|score)\s*:", re.IGNORECASE
)
_WRAPPERS = ('"""', "```", '"', "'")


@dataclass(frozen=True)
class ParsedProposal:
    """`text` is the instruction when valid; otherwise `reason` (a code above) and `detail` say why not."""

    text: str | None
    reason: str | None = None
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.text is not None


def normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def _reject(reason: str, detail: str = "") -> ParsedProposal:
    return ParsedProposal(None, reason, detail)


def extract(raw: str, finish_reason: str) -> ParsedProposal:
    """The fenced text (last closed fence wins), or why there is none."""
    if not raw.strip():
        return _reject("empty", "no text")
    closed = [m.group(1) for m in _CLOSED.finditer(raw)]
    if closed:
        body = next((b for b in reversed(closed) if b.strip()), "")
    elif finish_reason == "length":
        return _reject("truncated", "stopped at max_tokens before the closing tag")
    else:
        opens = list(_OPEN.finditer(raw))
        if not opens:
            return _reject("no_fence", f"no {OPEN_TAG} tag")
        body = raw[opens[-1].end() :]
    body = body.strip()
    for wrap in _WRAPPERS:
        if len(body) > 2 * len(wrap) and body.startswith(wrap) and body.endswith(wrap):
            body = body[len(wrap) : -len(wrap)].strip()
    if not body:
        return _reject("empty", "nothing inside the fence")
    return ParsedProposal(body)


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
) -> ParsedProposal:
    """Extract the instruction from `raw` and validate it against the parent and the shown examples."""
    got = extract(raw, finish_reason)
    if got.text is None:
        return got
    text = got.text
    missing = sorted(p for p in required_placeholders if p not in text)
    if missing:
        return _reject("missing_placeholder", "dropped " + ", ".join(missing))
    if normalize(text) == normalize(parent):
        return _reject("same_as_parent", "identical to the current instruction")
    asked = _ASKS.search(text)
    if asked:
        return _reject("asks_for_input", f"asks for input: {asked.group(0)!r}")
    echoed = _echo(text, example_fields, echo_chars)
    if echoed:
        return _reject("echo", echoed)
    words = len(text.split())
    if words < min_words:
        return _reject("too_short", f"{words} words < {min_words}")
    if words > max_words:
        return _reject("too_long", f"{words} words > {max_words}")
    return ParsedProposal(text)
