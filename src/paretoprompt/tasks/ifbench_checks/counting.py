"""IFBench `count:*` constraints: how many words, names, numbers, pronouns or keywords appear."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from paretoprompt.tasks.ifbench_checks.core import Verdict, as_int, checker, verdict
from paretoprompt.tasks.ifbench_checks.text import STRIP, drop_punct, wordlist, words

_CONJUNCTIONS = frozenset({"and", "but", "for", "nor", "or", "so", "yet"})
PERSON_NAMES = wordlist(
    "Emma Liam Sophia Jackson Olivia Noah Ava Lucas Isabella Mason Mia Ethan Charlotte Alexander Amelia "
    "Benjamin Harper Leo Zoe Daniel Chloe Samuel Lily Matthew Grace Owen Abigail Gabriel Ella Jacob "
    "Scarlett Nathan Victoria Elijah Layla Nicholas Audrey David Hannah Christopher Penelope Thomas Nora "
    "Andrew Aria Joseph Claire Ryan Stella Jonathan"
)
_PRONOUNS = frozenset(
    wordlist(
        "i me my mine myself we us our ours ourselves you your yours yourself yourselves he him his himself "
        "she her hers herself it its itself they them their theirs themselves"
    )
)
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@checker("count:word_count_range")
def word_count_range(text: str, kw: Mapping[str, Any]) -> Verdict:
    lo, hi, n = as_int(kw, "min_words"), as_int(kw, "max_words"), len(words(text))
    return verdict(lo <= n <= hi, f"must contain between {lo} and {hi} words", f"{n}")


@checker("count:unique_word_count")
def unique_word_count(text: str, kw: Mapping[str, Any]) -> Verdict:
    need = as_int(kw, "N")
    n = len({w.strip(STRIP) for w in text.lower().split()})
    return verdict(n >= need, f"must use at least {need} unique words", f"{n}")


@checker("count:conjunctions")
def conjunctions(text: str, kw: Mapping[str, Any]) -> Verdict:
    need = as_int(kw, "small_n")
    # Distinct raw tokens, as in the reference: "and" and "And," count as two.
    used = {w for w in text.split() if w.strip(STRIP).lower() in _CONJUNCTIONS}
    return verdict(
        len(used) >= need, f"must use at least {need} different coordinating conjunctions", f"{len(used)}"
    )


@checker("count:person_names")
def person_names(text: str, kw: Mapping[str, Any]) -> Verdict:
    need = as_int(kw, "N")
    found = [name for name in PERSON_NAMES if name in text]
    return verdict(
        len(found) >= need, f"must mention at least {need} names from the given list", f"{len(found)}"
    )


@checker("count:numbers")
def numbers(text: str, kw: Mapping[str, Any]) -> Verdict:
    need = as_int(kw, "N")
    n = len(re.findall(r"\d+", drop_punct(text)))
    return verdict(n == need, f"must include exactly {need} numbers", f"{n}")


@checker("count:punctuation")
def punctuation(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = "must use each of . , ! ? ; : plus an interrobang (?! or !? or ‽)"
    if not ("?!" in text or "!?" in text or "‽" in text):
        return verdict(False, requirement, "no interrobang")
    rest = text.replace("?!", "", 1)
    if rest == text:
        rest = text.replace("!?", "", 1)
    missing = [mark for mark in ".,!?;:" if mark not in rest]
    return verdict(
        not missing, requirement, "none missing" if not missing else "missing " + " ".join(missing)
    )


@checker("count:words_japanese")
def words_japanese(text: str, kw: Mapping[str, Any]) -> Verdict:
    every = as_int(kw, "N")
    for i, raw in enumerate(text.split()):
        word = raw.strip(STRIP)
        if (i + 1) % every == 0 and word and not word.isdigit() and not _JAPANESE.search(word):
            return verdict(False, f"every {every}th word must be Japanese", f"word {i + 1} is {word!r}")
    return verdict(True, f"every {every}th word must be Japanese", "all are")


@checker("count:pronouns")
def pronouns(text: str, kw: Mapping[str, Any]) -> Verdict:
    need = as_int(kw, "N")
    n = sum(w in _PRONOUNS for w in drop_punct(text.replace("/", " ").lower()).split())
    return verdict(n >= need, f"must include at least {need} pronouns", f"{n}")


@checker("count:keywords_multiple")
def keywords_multiple(text: str, kw: Mapping[str, Any]) -> Verdict:
    wanted = [(kw[f"keyword{i}"].strip(), times) for i, times in enumerate((1, 2, 3, 5, 7), start=1)]
    lower = text.lower()
    counts = [(word, times, lower.count(word.lower())) for word, times in wanted]
    requirement = "must use " + ", ".join(f"{w!r} exactly {t}x" for w, t, _ in counts)
    found = ", ".join(f"{w!r} {c}x" for w, _, c in counts)
    return verdict(all(t == c for _, t, c in counts), requirement, found)
