"""Output parsers: raw model text -> a JSON-serializable value, or a parse error that explains why.

Parsers are tolerant of how small models phrase an answer ("Yes.", "(B)", "$1,200", "The answer
is 12.") because the point is to judge the answer, not the formatting. A failure is returned,
never raised: it goes into the trace and from there into the metric's feedback.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Parsed:
    """A parser's result: `value` when it worked, otherwise `error` (a sentence for the feedback)."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


Parser = Callable[[str], Parsed]


def preview(text: str, limit: int = 120) -> str:
    """`text` quoted on one line, cut to `limit` characters, for error messages and feedback."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        flat = flat[: limit - 3] + "..."
    return repr(flat)


_FENCE = re.compile(r"```[^\n`]*\n?(.*?)```", re.DOTALL)
_ANSWER_LINE = re.compile(
    r"^[ \t*#>]*(?:final\s+)?answer\s*[:：]\s*\**\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE
)


def extract_final(text: str) -> str | None:
    """The last `Answer: ...` line, else the last fenced block's content, else None."""
    lines = _ANSWER_LINE.findall(text)
    if lines:
        return lines[-1]
    blocks = [b.strip() for b in _FENCE.findall(text)]
    return blocks[-1] if blocks and blocks[-1] else None


def with_final_answer(parser: Parser) -> Parser:
    """Apply `parser` to the final `Answer:` line or fenced block when there is one, else to all text."""

    def parse(text: str) -> Parsed:
        final = extract_final(text)
        return parser(final if final is not None else text)

    return parse


def _words(options: tuple[str, ...], synonyms: dict[str, str]) -> Parser:
    """A parser for a closed set of one-word labels (case-insensitive, punctuation ignored)."""
    vocab = {w: w for w in options} | synonyms
    pattern = re.compile(r"\b(" + "|".join(re.escape(w) for w in vocab) + r")\b", re.IGNORECASE)
    wanted = " or ".join(repr(w) for w in options)

    def parse(text: str) -> Parsed:
        found = [vocab[m.lower()] for m in pattern.findall(text)]
        if not found:
            return Parsed(error=f"Could not find {wanted} in the output: {preview(text)}")
        first_word = re.match(r"\W*(\w+)", text)
        if first_word and first_word.group(1).lower() in vocab:
            return Parsed(vocab[first_word.group(1).lower()])
        if len(set(found)) > 1:
            return Parsed(error=f"The output is ambiguous, it contains both {wanted}: {preview(text)}")
        return Parsed(found[0])

    return parse


parse_yes_no: Parser = _words(("yes", "no"), {})
"""'yes' or 'no'."""

parse_true_false: Parser = _words(("true", "false"), {"yes": "true", "no": "false"})
"""'true' or 'false'; yes/no are accepted as synonyms because questions are often yes/no questions."""


def make_choice_parser(letters: str = "ABCD") -> Parser:
    """A parser for a multiple-choice letter: "B", "(B)", "B. Paris", "The answer is B"."""
    cls = f"[{re.escape(letters)}]"
    leading = re.compile(rf"^\W*?\(?({cls})\)?(?:[.):,]|\s*$|\s*\n)", re.IGNORECASE)
    stated = re.compile(rf"(?:answer|option|choice)\s*(?:is|would be|:)?\s*\(?({cls})\b", re.IGNORECASE)
    wanted = ", ".join(letters[:-1]) + f" or {letters[-1]}"

    def parse(text: str) -> Parsed:
        m = leading.match(text.strip()) or stated.search(text)
        if m:
            return Parsed(m.group(1).upper())
        return Parsed(error=f"Could not find an option letter ({wanted}) in the output: {preview(text)}")

    return parse


parse_choice: Parser = make_choice_parser("ABCD")

_NUMBER = re.compile(r"(?<![\w.])-?\$?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?")


def to_number(token: str) -> int | float | None:
    """'$1,234.50' -> 1234.5, '3/4' -> 0.75, '12' -> 12; None when it is not a number."""
    clean = token.replace("$", "").replace(",", "").replace(" ", "")
    try:
        value = Fraction(clean)
    except (ValueError, ZeroDivisionError):
        return None
    return int(value) if value.denominator == 1 else float(value)


def parse_number(text: str) -> Parsed:
    """The last number in the text (commas, $, fractions and a trailing period are fine)."""
    for token in reversed(_NUMBER.findall(text)):
        value = to_number(token)
        if value is not None:
            return Parsed(value)
    return Parsed(error=f"Could not parse a number from the output: {preview(text)}")


def parse_text(text: str) -> Parsed:
    """The stripped text; only an empty output fails."""
    stripped = text.strip()
    if not stripped:
        return Parsed(error="The output was empty.")
    return Parsed(stripped)


PARSERS: dict[str, Parser] = {
    "yes_no": parse_yes_no,
    "true_false": parse_true_false,
    "choice": parse_choice,
    "number": with_final_answer(parse_number),
    "text": with_final_answer(parse_text),
}
"""Parsers by name, for configs and the generic file task."""
