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

An opened but unclosed fence is accepted when generation stopped normally: `</prompt>` is
passed as a stop sequence and backends do not return the stop string.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from paretoprompt.optimizers.gpo.edit_distance import word_edit_distance

OPEN_TAG = "<prompt>"
CLOSE_TAG = "</prompt>"

_CLOSED = re.compile(r"<\s*prompt\s*>(.*?)<\s*/\s*prompt\s*>", re.IGNORECASE | re.DOTALL)
_OPEN = re.compile(r"<\s*prompt\s*>", re.IGNORECASE)
_WRAPPERS = ('"""', "```", '"', "'")


@dataclass(frozen=True)
class Parsed:
    """`text` when valid, else `reason` (a code above) and `detail`; `distance` is set once measured."""

    text: str | None
    reason: str | None = None
    detail: str = ""
    distance: int | None = None

    @property
    def ok(self) -> bool:
        return self.text is not None


def _normalize(text: str) -> str:
    return " ".join(text.split()).casefold()


def extract(raw: str, finish_reason: str) -> Parsed:
    """The fenced text (the last non-empty closed fence wins), or why there is none."""
    if not raw.strip():
        return Parsed(None, "empty", "no text")
    closed = [m.group(1) for m in _CLOSED.finditer(raw)]
    if closed:
        body = next((b for b in reversed(closed) if b.strip()), "")
    elif finish_reason == "length":
        return Parsed(None, "truncated", "stopped at max_tokens before the closing tag")
    else:
        opens = list(_OPEN.finditer(raw))
        if not opens:
            return Parsed(None, "no_fence", f"no {OPEN_TAG} tag")
        body = raw[opens[-1].end() :]
    body = body.strip()
    for wrap in _WRAPPERS:
        if len(body) > 2 * len(wrap) and body.startswith(wrap) and body.endswith(wrap):
            body = body[len(wrap) : -len(wrap)].strip()
    if not body:
        return Parsed(None, "empty", "nothing inside the fence")
    return Parsed(body)


def parse_proposal(
    raw: str,
    *,
    current: str,
    max_edit_words: int,
    finish_reason: str = "stop",
    required_placeholders: Iterable[str] = (),
    min_words: int = 3,
) -> Parsed:
    got = extract(raw, finish_reason)
    if got.text is None:
        return got
    text = got.text
    missing = sorted(p for p in required_placeholders if p not in text)
    if missing:
        return Parsed(None, "missing_placeholder", "dropped " + ", ".join(missing))
    if _normalize(text) == _normalize(current):
        return Parsed(None, "same_as_current", "identical to the current prompt", 0)
    n_words = len(text.split())
    if n_words < min_words:
        return Parsed(None, "too_short", f"{n_words} words < {min_words}")
    distance = word_edit_distance(current, text)
    if distance > max_edit_words:
        return Parsed(None, "edit_budget", f"changed {distance} words > {max_edit_words}", distance)
    return Parsed(text, distance=distance)
