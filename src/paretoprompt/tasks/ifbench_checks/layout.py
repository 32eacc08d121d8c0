"""IFBench `format:*` constraints about layout: lines, bullets, options, case, emoji, templates."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from typing import Any

from paretoprompt.tasks.ifbench_checks.core import Verdict, checker, verdict
from paretoprompt.tasks.ifbench_checks.text import STRIP, drop_punct, is_emoji, sentences, treebank_tokens


def _options(spec: str) -> tuple[list[str], bool]:
    """The allowed answers and whether they must match exactly (letter options like "a), b), c)")."""
    strict = re.match(r"\W*[aA]\W*[bB]\W*[cC]\W*", spec) is not None
    sep = "/" if "/" in spec else "or" if "or" in spec else ","
    return [part.strip() for part in spec.split(sep)], strict


@checker("format:options")
def options(text: str, kw: Mapping[str, Any]) -> Verdict:
    allowed, strict = _options(kw["options"])
    ok = text in allowed if strict else text.strip(STRIP).lower() in {a.strip(STRIP).lower() for a in allowed}
    return verdict(ok, f"must answer with exactly one of {allowed} and nothing else", repr(text[:60]))


@checker("format:newline")
def newline(text: str, kw: Mapping[str, Any]) -> Verdict:
    bare = drop_punct(text).strip()
    lines = [line for line in bare.split("\n") if line != ""]
    n_words = len(bare.split())
    return verdict(
        len(lines) == n_words, "each word must be on its own line", f"{n_words} words on {len(lines)} lines"
    )


def _ends_with_emoji(sent: str) -> bool:
    bare = drop_punct(sent).strip()
    return bool(bare) and (is_emoji(bare[-1]) or is_emoji(bare[-2] if len(bare) > 1 else bare[-1]))


@checker("format:emoji")
def emoji(text: str, kw: Mapping[str, Any]) -> Verdict:
    # An emoji may also open the next sentence, since the splitter cuts right after the period.
    sents = sentences(text)
    for i, sent in enumerate(sents):
        if _ends_with_emoji(sent):
            continue
        nxt = drop_punct(sents[i + 1]).strip() if i + 1 < len(sents) else ""
        if not drop_punct(sent).strip() or not nxt or not is_emoji(nxt[0]):
            return verdict(False, "every sentence must end with an emoji", f"sentence {i + 1}: {sent[:60]!r}")
    return verdict(True, "every sentence must end with an emoji", "all do")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


@checker("format:line_indent")
def line_indent(text: str, kw: Mapping[str, Any]) -> Verdict:
    lines = text.split("\n")
    # The reference removes blank lines while iterating over the same list, which skips the line
    # after each removal; this loop keeps that behaviour so scores stay comparable.
    i = 0
    while i < len(lines):
        if not lines[i].strip():
            lines.remove(lines[i])
        i += 1
    for n, (a, b) in enumerate(itertools.pairwise(lines), start=2):
        if _indent(b) <= _indent(a):
            return verdict(False, "each line must be indented more than the one before", f"line {n} is not")
    return verdict(True, "each line must be indented more than the one before", "all are")


@checker("format:list")
def special_list(text: str, kw: Mapping[str, Any]) -> Verdict:
    sep = kw["sep"]
    n = len(re.findall(re.escape(sep), text))
    return verdict(n >= 2, f"must list items marked with {sep!r} (at least 2)", f"{n}")


@checker("format:sub-bullets")
def sub_bullets(text: str, kw: Mapping[str, Any]) -> Verdict:
    parts = text.split("*")[1:]
    bare = sum("-" not in part for part in parts)
    requirement = "every * bullet must be followed by a - sub-bullet"
    return verdict(bare == 0, requirement, f"{bare} of {len(parts)} bullets without one")


@checker("format:no_bullets_bullets")
def no_bullets_bullets(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = "must be at least 2 sentences, then at least 2 * bullets and nothing after"
    in_prose, n_sentences, n_bullets = True, 0, 0
    for line in text.split("\n"):
        if line.strip().startswith("*"):
            in_prose = False
            if n_sentences < 2:
                return verdict(False, requirement, f"a bullet after {n_sentences} sentences")
            n_bullets += 1
        elif in_prose:
            # A blank line ends the prose part too: later text then counts as text after the bullets.
            found = sentences(line.strip())
            in_prose = bool(found)
            n_sentences += len(found)
        else:
            return verdict(False, requirement, f"text outside the layout: {line[:60]!r}")
    return verdict(n_bullets >= 2, requirement, f"{n_sentences} sentences and {n_bullets} bullets")


@checker("format:title_case")
def title_case(text: str, kw: Mapping[str, Any]) -> Verdict:
    for word in treebank_tokens(text):
        if word[0].islower() and (word[1:].isupper() or word[1:].islower()):
            return verdict(False, "every word must be capitalized (title case)", f"{word!r}")
    return verdict(True, "every word must be capitalized (title case)", "all are")


@checker("format:output_template")
def output_template(text: str, kw: Mapping[str, Any]) -> Verdict:
    missing = [h for h in ("My Answer:", "My Conclusion:", "Future Outlook:") if h not in text]
    found = "all headings" if not missing else "no " + ", ".join(repr(h) for h in missing)
    return verdict(
        not missing, "must use the headings 'My Answer:', 'My Conclusion:', 'Future Outlook:'", found
    )


@checker("format:no_whitespace")
def no_whitespace(text: str, kw: Mapping[str, Any]) -> Verdict:
    n = sum(c.isspace() for c in text)
    return verdict(n == 0, "must contain no whitespace", f"{n} whitespace characters")
