"""Word-level Levenshtein distance: how GPO measures "change at most N words".

Words are whitespace-separated tokens compared exactly (case and punctuation count), and each
insertion, deletion or substitution of one word costs 1. A proposal that moves a sentence
therefore pays for deleting and re-inserting its words, which is what an edit budget means.
"""

from __future__ import annotations

from collections.abc import Sequence


def words(text: str) -> list[str]:
    return text.split()


def levenshtein(a: Sequence[str], b: Sequence[str]) -> int:
    """Minimum number of single-token insertions, deletions and substitutions turning `a` into `b`."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, token_a in enumerate(a, 1):
        current = [i]
        for j, token_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (token_a != token_b)))
        previous = current
    return previous[-1]


def word_edit_distance(old: str, new: str) -> int:
    return levenshtein(words(old), words(new))


def within_budget(old: str, new: str, max_words: int) -> tuple[bool, int]:
    """(allowed, distance): a proposal may change at most `max_words` words of the current prompt."""
    distance = word_edit_distance(old, new)
    return distance <= max_words, distance
