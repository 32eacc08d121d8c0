"""IFBench `words:*` constraints: letters, lengths and positions of individual words."""

from __future__ import annotations

import itertools
import string
from collections import Counter
from collections.abc import Mapping
from typing import Any

from paretoprompt.tasks.ifbench_checks.core import Verdict, as_int, checker, verdict
from paretoprompt.tasks.ifbench_checks.text import STRIP, drop_punct, sentences, treebank_tokens

_ABC = string.ascii_lowercase
_CONSONANTS = frozenset("bcdfghjklmnpqrstvwxyz")
_PRIMES = frozenset(n for n in range(2, 100) if all(n % d for d in range(2, int(n**0.5) + 1)))


@checker("words:alphabet")
def alphabet(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = "each word must start with the next letter of the alphabet (Z wraps to A)"
    tokens = [w for w in drop_punct(text).split() if w]
    if not tokens or tokens[0][0].lower() not in _ABC:
        return verdict(False, requirement, "no first word starting with a letter")
    letter = tokens[0][0].lower()
    for word in tokens[1:]:
        letter = _ABC[(_ABC.index(letter) + 1) % 26]
        if word[0].lower() != letter:
            return verdict(False, requirement, f"{word!r} where a word starting with {letter!r} was due")
    return verdict(True, requirement, "every word in sequence")


@checker("words:vowel")
def vowel(text: str, kw: Mapping[str, Any]) -> Verdict:
    paragraphs = text.strip().split("\n")
    used = sorted({c for c in text.lower() if c in "aeiou"})
    ok = len(paragraphs) == 1 and len(used) <= 3
    return verdict(
        ok, "must be one paragraph using at most 3 distinct vowels", f"{len(paragraphs)} lines, vowels {used}"
    )


@checker("words:consonants")
def consonants(text: str, kw: Mapping[str, Any]) -> Verdict:
    for word in text.lower().split():
        if not any(a in _CONSONANTS and b in _CONSONANTS for a, b in itertools.pairwise(word)):
            return verdict(False, "every word must contain two adjacent consonants", f"{word!r}")
    return verdict(True, "every word must contain two adjacent consonants", "all do")


@checker("words:palindrome")
def palindrome(text: str, kw: Mapping[str, Any]) -> Verdict:
    found = [w for w in drop_punct(text).lower().split() if len(w) >= 5 and w == w[::-1]]
    return verdict(len(found) >= 10, "must include at least 10 palindromes of 5+ letters", f"{len(found)}")


@checker("words:prime_lengths")
def prime_lengths(text: str, kw: Mapping[str, Any]) -> Verdict:
    bad = [w for w in drop_punct(text).split() if len(w) not in _PRIMES]
    found = (
        "none that are not"
        if not bad
        else f"{len(bad)} that are not, e.g. {bad[0]!r} ({len(bad[0])} letters)"
    )
    return verdict(not bad, "every word's length must be a prime number", found)


@checker("words:repeats")
def repeats(text: str, kw: Mapping[str, Any]) -> Verdict:
    limit = as_int(kw, "small_n")
    counts = Counter(drop_punct(text.lower()).split())
    word, most = counts.most_common(1)[0] if counts else ("", 0)
    return verdict(most <= limit, f"no word may appear more than {limit} times", f"{word!r} {most} times")


@checker("words:last_first")
def last_first(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = "each sentence must start with the previous sentence's last word"
    sents = sentences(text)
    for prev, nxt in itertools.pairwise(sents):
        last, first = prev.rstrip(STRIP).split()[-1:], nxt.lstrip(STRIP).split()[:1]
        if not last or not first or last[0].lower() != first[0].lower():
            return verdict(False, requirement, f"{' '.join(last)!r} then {' '.join(first)!r}")
    return verdict(True, requirement, "every pair matches")


@checker("words:paragraph_last_first")
def paragraph_last_first(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = "each paragraph (line) must end with the word it starts with"
    for line in text.split("\n"):
        para = line.strip().lower()
        if not para:
            continue
        tokens = para.strip(STRIP).split()
        if not tokens or tokens[0] != tokens[-1]:
            return verdict(False, requirement, f"a line {line.strip()[:60]!r}")
    return verdict(True, requirement, "all do")


@checker("words:no_consecutive")
def no_consecutive(text: str, kw: Mapping[str, Any]) -> Verdict:
    tokens = drop_punct(text.lower()).split()
    for a, b in itertools.pairwise(tokens):
        if a[0] == b[0]:
            return verdict(False, "no two adjacent words may share a first letter", f"{a!r} {b!r}")
    return verdict(True, "no two adjacent words may share a first letter", "none")


@checker("words:keywords_specific_position")
def keywords_specific_position(text: str, kw: Mapping[str, Any]) -> Verdict:
    word, nth, mth = kw["keyword"].strip(), as_int(kw, "n"), as_int(kw, "m")
    requirement = f"word {mth} of sentence {nth} must be {word!r}"
    sents = sentences(text)
    if len(sents) < nth:
        return verdict(False, requirement, f"only {len(sents)} sentences")
    tokens = treebank_tokens(sents[nth - 1])
    if len(tokens) < mth:
        return verdict(False, requirement, f"only {len(tokens)} tokens in sentence {nth}")
    return verdict(tokens[mth - 1] == word, requirement, f"{tokens[mth - 1]!r}")


@checker("words:words_position")
def words_position(text: str, kw: Mapping[str, Any]) -> Verdict:
    word = kw["keyword"].strip()
    tokens = treebank_tokens(text)
    requirement = f"the second and second-to-last words must both be {word!r}"
    if len(tokens) < 2:
        return verdict(False, requirement, f"{len(tokens)} tokens")
    return verdict(tokens[1] == tokens[-2] == word, requirement, f"{tokens[1]!r} and {tokens[-2]!r}")
