"""IFBench `ratio:*` and `sentence:*` constraints: proportions and per-sentence structure."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from paretoprompt.tasks.ifbench_checks.core import Verdict, as_int, checker, verdict
from paretoprompt.tasks.ifbench_checks.text import PUNCT, STOPWORDS, drop_punct, sentences, words


@checker("ratio:stop_words")
def stop_words(text: str, kw: Mapping[str, Any]) -> Verdict:
    limit = float(kw["percentage"])
    tokens = words(text)
    requirement = f"stop words must be at most {limit:g}% of words"
    if not tokens:
        return verdict(False, requirement, "no words")
    share = 100 * sum(t.lower() in STOPWORDS for t in tokens) / len(tokens)
    return verdict(share <= limit, requirement, f"{share:.1f}%")


def _ending_counts(text: str) -> tuple[int, int, int]:
    sents = sentences(text)
    return tuple(sum(s.endswith(mark) for s in sents) for mark in ".?!")  # type: ignore[return-value]


@checker("ratio:sentence_type")
def sentence_type(text: str, kw: Mapping[str, Any]) -> Verdict:
    dot, question, _ = _ending_counts(text)
    return verdict(
        dot == 2 * question,
        "must have exactly twice as many declarative (.) as interrogative (?) sentences",
        f"{dot} declarative, {question} interrogative",
    )


@checker("ratio:sentence_balance")
def sentence_balance(text: str, kw: Mapping[str, Any]) -> Verdict:
    dot, question, bang = _ending_counts(text)
    return verdict(
        dot == question == bang,
        "must have equally many declarative (.), interrogative (?) and exclamatory (!) sentences",
        f"{dot}, {question} and {bang}",
    )


def _char_trigrams(text: str) -> set[tuple[str, str, str]]:
    return set(zip(text, text[1:], text[2:], strict=False))


@checker("ratio:overlap")
def overlap(text: str, kw: Mapping[str, Any]) -> Verdict:
    # The reference feeds raw strings to nltk.ngrams, so these are *character* trigrams.
    target = float(kw["percentage"])
    mine, ref = _char_trigrams(text), _char_trigrams(kw["reference_text"])
    requirement = f"trigram overlap with the reference must be {target:g}% (±2%)"
    if not mine:
        return verdict(False, requirement, "a response too short to have trigrams")
    share = 100 * len(mine & ref) / len(mine)
    return verdict(target - 2 <= share <= target + 2, requirement, f"{share:.1f}%")


@checker("ratio:sentence_words")
def sentence_words(text: str, kw: Mapping[str, Any]) -> Verdict:
    lengths = [len(s.strip()) for s in sentences(text)]
    ok = len(lengths) == 3 and len(set(lengths)) == 1
    return verdict(ok, "must be exactly 3 sentences of equal character length", f"sentence lengths {lengths}")


def _alliteration(sentence: str) -> int:
    """Length score of alliterative runs: a run of k same-initial words scores k."""
    heads = [w for w in (raw.lstrip(PUNCT + " ") for raw in sentence.lower().split()) if w]
    score, in_run = 0, False
    for a, b in itertools.pairwise(heads):
        if a[0] == b[0]:
            score += 1 if in_run else 2
            in_run = True
        else:
            in_run = False
    return score


@checker("sentence:alliteration_increment")
def alliteration_increment(text: str, kw: Mapping[str, Any]) -> Verdict:
    scores = [_alliteration(s) for s in sentences(text)]
    ok = all(a < b for a, b in itertools.pairwise(scores))
    requirement = "each sentence must have more alliterative words than the previous one"
    return verdict(ok, requirement, f"alliteration scores {scores}")


@checker("sentence:increment")
def increment(text: str, kw: Mapping[str, Any]) -> Verdict:
    step = as_int(kw, "small_n")
    counts = [len(drop_punct(s).split()) for s in sentences(text)]
    ok = bool(counts) and all(b == a + step for a, b in itertools.pairwise(counts))
    return verdict(
        ok, f"each sentence must have exactly {step} more words than the previous", f"word counts {counts}"
    )


@checker("sentence:keyword")
def keyword(text: str, kw: Mapping[str, Any]) -> Verdict:
    word, nth = kw["word"], as_int(kw, "N")
    sents = sentences(text)
    requirement = f"sentence {nth} must contain {word!r}"
    if len(sents) < nth:
        return verdict(False, requirement, f"only {len(sents)} sentences")
    return verdict(
        word.lower() in sents[nth - 1].lower(), requirement, f"sentence {nth}: {sents[nth - 1][:80]!r}"
    )
