"""Extract and validate the fenced items (reasons or prompts) in an APO meta-prompt answer.

Mirrors GEPA's `reflection_parse.py` for any tag, since APO asks for `<reason>` and `<prompt>`
and sometimes several items per answer. Nothing unusable reaches a rollout:

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
| `too_short` / `too_long` | outside the configured word range |

When one item is expected the closing tag is a stop sequence (backends do not return it), so an
opened, unclosed fence is accepted if generation stopped normally.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

_ASKS = re.compile(
    r"\bplease (provide|share|send|give|paste|specify)\b"
    r"|\b(could|can|would) you (please )?(provide|share|send|give|paste|clarify|specify)\b"
    r"|\bprovide (me )?(with )?the (inputs?|examples?|instructions?|details|data)\b"
    r"|\bi need (more|the|some) (information|details|context|inputs?|examples?)\b"
    r"|\blet me know\b",
    re.IGNORECASE,
)
_RECORD_LABEL = re.compile(r"^\s*(case \d+|inputs?|model output|output|feedback|score)\s*:", re.IGNORECASE)
_WRAPPERS = ('"""', "```", '"', "'")


@dataclass(frozen=True)
class Item:
    """`text` when usable; otherwise `reason` (a code above) and `detail` say why not."""

    text: str | None
    reason: str | None = None
    detail: str = ""


def normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def _reject(reason: str, detail: str = "") -> Item:
    return Item(None, reason, detail)


def _unwrap(body: str) -> str:
    body = body.strip()
    for wrap in _WRAPPERS:
        if len(body) > 2 * len(wrap) and body.startswith(wrap) and body.endswith(wrap):
            body = body[len(wrap) : -len(wrap)].strip()
    return body


def extract(raw: str, tag: str, finish_reason: str, *, single: bool) -> list[Item]:
    """Every fenced body in `raw`, in order (an unclosed last fence only when `single` and not truncated)."""
    if not raw.strip():
        return [_reject("empty", "no text")]
    closed = [m.group(1) for m in re.finditer(rf"<\s*{tag}\s*>(.*?)<\s*/\s*{tag}\s*>", raw, re.I | re.S)]
    if single and closed:
        closed = closed[-1:]
    if not closed:
        opens = list(re.finditer(rf"<\s*{tag}\s*>", raw, re.I))
        if finish_reason == "length":
            return [_reject("truncated", "stopped at max_tokens before the closing tag")]
        if not opens:
            return [_reject("no_fence", f"no <{tag}> tag")]
        closed = [raw[opens[-1].end() :]] if single else []
        if not closed:
            return [_reject("no_fence", f"no closed <{tag}> item")]
    return [
        Item(body) if (body := _unwrap(b)) else _reject("empty", "nothing inside the fence") for b in closed
    ]


def _echo(text: str, fields: Iterable[str], echo_chars: int) -> str:
    stripped = text.strip()
    if stripped[:1] in "{[":
        try:
            json.loads(stripped)
            return "JSON instead of text"
        except ValueError:
            if stripped[-1:] in "}]":
                return "looks like JSON"
    if sum(bool(_RECORD_LABEL.match(line)) for line in text.splitlines()) >= 2:
        return "copies the case records"
    norm = normalize(text)
    for field in fields:
        f = normalize(field)
        if len(f) < 20:
            continue
        m = SequenceMatcher(None, norm, f, autojunk=False).find_longest_match(0, len(norm), 0, len(f))
        if m.size >= min(len(f), echo_chars):
            return f"copies {m.size} characters of an example: {f[m.b : m.b + 40]!r}"
    return ""


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


def validate(item: Item, checks: Checks) -> Item:
    if item.text is None:
        return item
    text = item.text
    missing = sorted(p for p in checks.placeholders if p not in text)
    if missing:
        return _reject("missing_placeholder", "dropped " + ", ".join(missing))
    if any(normalize(text) == normalize(shape) for shape in checks.shapes):
        return _reject("copied_shape", "copies the example answer of the meta-prompt")
    if checks.parent is not None and normalize(text) == normalize(checks.parent):
        return _reject("same_as_parent", "identical to the prompt it should change")
    if asked := _ASKS.search(text):
        return _reject("asks_for_input", f"asks for input: {asked.group(0)!r}")
    if echoed := _echo(text, checks.example_fields, checks.echo_chars):
        return _reject("echo", echoed)
    words = len(text.split())
    if words < checks.min_words:
        return _reject("too_short", f"{words} words < {checks.min_words}")
    if words > checks.max_words:
        return _reject("too_long", f"{words} words > {checks.max_words}")
    return item


def parse_items(
    raw: str, tag: str, *, finish_reason: str = "stop", expected: int = 1, checks: Checks
) -> list[Item]:
    """The first `expected` fenced items of `raw`, each validated; at least one entry (a rejection if none)."""
    found = extract(raw, tag, finish_reason, single=expected == 1)
    return [validate(item, checks) for item in found[:expected]]
