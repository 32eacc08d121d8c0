"""Offline re-implementations of the IFBench constraint checkers (no nltk, spaCy or network).

Importing this package registers every checker in `CHECKERS`. `UNSUPPORTED` lists the constraint
ids that cannot be checked faithfully without downloaded models; prompts using them are dropped.

Checked against the reference checkers on the 294 sample responses in the wheel plus cut and
stripped variants (19,520 verdicts): all agree, except where the reference raises (we fail those).
The nltk-style tokenizer matched nltk's on all 4,406 sentences of those responses. One deliberate
difference: `repeat:repeat_span` with `n_start=0` uses 0, where the reference draws a random start.
"""

from paretoprompt.tasks.ifbench_checks import counting, custom, layout, nesting, sentences, wordplay
from paretoprompt.tasks.ifbench_checks.core import CHECKERS, Verdict, check

UNSUPPORTED = {
    "words:start_verb": "needs nltk's averaged-perceptron POS tagger (a downloaded model)",
    "words:odd_even_syllables": "needs syllapy's pronunciation dictionary; a heuristic would change the verdicts",
}

__all__ = ["CHECKERS", "UNSUPPORTED", "Verdict", "check"]
del counting, custom, layout, nesting, sentences, wordplay
