"""Offline tokenizers for the IFBench checkers: regex and str only, no nltk or spaCy data.

- `sentences` reproduces IFEval's rule-based splitter (it never needed nltk; the reference code
  only downloads punkt as a side effect).
- `words` is nltk's `RegexpTokenizer(r"\\w+")`, which is a plain regex.
- `treebank_tokens` approximates `nltk.word_tokenize`: punctuation and clitics ("n't", "'s") are
  separate tokens and sentence-final periods split off, abbreviation-like periods stay attached.
- `is_emoji` looks one code point up in an embedded copy of the emoji code-point list.
"""

from __future__ import annotations

import re
import string

from paretoprompt.tasks.ifbench_checks.emoji_points import EMOJI_POINTS

PUNCT = string.punctuation
STRIP = PUNCT + " "
_DROP_PUNCT = str.maketrans("", "", PUNCT)


def wordlist(spaced: str) -> list[str]:
    """Long word lists stay readable as one spaced string."""
    return spaced.split()


# nltk's English stop-word list, restricted to entries a \w+ token can equal (the others contain "'").
STOPWORDS = frozenset(
    wordlist(
        "i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her "
        "hers herself it its itself they them their theirs themselves what which who whom this that these "
        "those am is are was were be been being have has had having do does did doing a an the and but if or "
        "because as until while of at by for with about against between into through during before after "
        "above below to from up down in out on off over under again further then once here there when where "
        "why how all any both each few more most other some such no nor not only own same so than too very s "
        "t can will just don should now d ll m o re ve y ain aren couldn didn doesn hadn hasn haven isn ma "
        "mightn mustn needn shan shouldn wasn weren won wouldn"
    )
)


def drop_punct(text: str) -> str:
    return text.translate(_DROP_PUNCT)


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text)


_LETTER = "([A-Za-z])"
_TITLES = "(Mr|St|Mrs|Ms|Dr)[.]"
_SUFFIXES = "(Inc|Ltd|Jr|Sr|Co)"
_STARTERS = (
    r"(Mr|Mrs|Ms|Dr|Prof|Capt|Cpt|Lt|He\s|She\s|It\s|They\s|Their\s|Our\s|We\s|But\s|However\s|That\s|This\s"
    r"|Wherever)"
)
_ACRONYM = "([A-Z][.][A-Z][.](?:[A-Z][.])?)"
_DOMAINS = "[.](com|net|org|io|gov|edu|me)"


def sentences(text: str) -> list[str]:
    """Split on . ? ! unless the period belongs to a title, initial, acronym, decimal or domain.

    Protected periods become "<prd>" and real boundaries get "<stop>", in the same order of
    rewrites as the IFEval splitter, so sentence counts match the reference checkers.
    """
    t = (" " + text + "  ").replace("\n", " ")
    t = re.sub(_TITLES, r"\1<prd>", t)
    t = re.sub(_DOMAINS, r"<prd>\1", t)
    t = re.sub(r"([0-9])[.]([0-9])", r"\1<prd>\2", t)
    t = re.sub(r"\.{2,}", lambda m: "<prd>" * len(m.group(0)) + "<stop>", t)
    t = t.replace("Ph.D.", "Ph<prd>D<prd>")
    t = re.sub(r"\s" + _LETTER + "[.] ", r" \1<prd> ", t)
    t = re.sub(_ACRONYM + " " + _STARTERS, r"\1<stop> \2", t)
    t = re.sub(_LETTER + "[.]" + _LETTER + "[.]" + _LETTER + "[.]", r"\1<prd>\2<prd>\3<prd>", t)
    t = re.sub(_LETTER + "[.]" + _LETTER + "[.]", r"\1<prd>\2<prd>", t)
    t = re.sub(" " + _SUFFIXES + "[.] " + _STARTERS, r" \1<stop> \2", t)
    t = re.sub(" " + _SUFFIXES + "[.]", r" \1<prd>", t)
    t = re.sub(" " + _LETTER + "[.]", r" \1<prd>", t)
    for closing in (".”", '."'):
        t = t.replace(closing, closing[1] + ".")
    t = t.replace('!"', '"!').replace('?"', '"?')
    for mark in ".?!":
        t = t.replace(mark, mark + "<stop>")
    parts = [s.strip() for s in t.replace("<prd>", ".").split("<stop>")]
    if parts and not parts[-1]:
        parts.pop()
    return parts


_ABBREVIATIONS = frozenset(wordlist("mr mrs ms dr prof st jr sr inc ltd co vs etc e.g i.e u.s no fig"))

# Penn Treebank conventions as applied by nltk's word tokenizer, in order: opening quotes,
# punctuation (a sentence-final period splits off, inner periods stay), brackets, dashes,
# closing quotes and clitics, then "cannot"-style compounds (None: rejoin the groups spaced).
_SPLIT_RULES: list[tuple[str, str | None]] = [
    (r"([«“‘„]|`+)", r" \1 "),
    (r'^"', "``"),
    (r"(``)", r" \1 "),
    (r"([ (\[{<])(\"|'')", r"\1 `` "),
    (r"(?i)(?<!\w)(')(?!(?:re|ve|ll|m|t|s|d|n)\b)(?=\w)", r"\1 "),
    (r"([^.])(\.)([\])}>\"'»”’ ]*+)\s*$", r"\1 \2 \3 "),
    (r"([:,])([^\d])", r" \1 \2"),
    (r"([:,])$", r" \1 "),
    (r"\.{2,}", r" \g<0> "),
    (r"[;@#$%&\u2012-\u2015]", r" \g<0> "),
    (r"([^.])(\.)([\])}>\"']*)\s*$", r"\1 \2\3 "),
    (r"[?!]", r" \g<0> "),
    (r"([^'])' ", r"\1 ' "),
    (r"[*\][(){}<>]", r" \g<0> "),
    (r"--", r" -- "),
    (r"^|$", " "),
    (r"([»”’])", r" \1 "),
    (r"''|\"", " '' "),
    (r"\s+", " "),
    (r"([^' ])('[sSmMdD]|') ", r"\1 \2 "),
    (r"([^' ])('ll|'LL|'re|'RE|'ve|'VE|n't|N'T) ", r"\1 \2 "),
    (r"(?i)\b(can)(not)\b|\b(d)('ye)\b|\b(gim|lem)(me)\b|\b(gon)(na)\b|\b(got)(ta)\b|\b(more)('n)\b", None),
    (r"(?i)\b(wan)(na)(?=\s)| ('t)(is|was)\b", None),
]
_COMPILED = [(re.compile(pattern), repl) for pattern, repl in _SPLIT_RULES]


def _split_pair(match: re.Match[str]) -> str:
    return " " + " ".join(g for g in match.groups() if g is not None) + " "


def _rough_sentences(text: str) -> list[str]:
    """Cut after . ? ! and whitespace unless the period ends an abbreviation, initial or acronym."""
    out, start = [], 0
    for m in re.finditer(r"[.?!]['\"’”)\]]*\s+", text):
        before = re.search(r"(\S+)\.$", text[start : m.start() + 1])
        word = before.group(1).lower().lstrip(PUNCT) if before else ""
        if text[m.start()] == "." and (word in _ABBREVIATIONS or len(word) == 1 or "." in word):
            continue
        out.append(text[start : m.end()])
        start = m.end()
    return [*out, text[start:]]


def treebank_tokens(text: str) -> list[str]:
    """Tokens in the style of `nltk.word_tokenize`, with a rule-based stand-in for punkt."""
    tokens: list[str] = []
    for sent in _rough_sentences(text):
        for pattern, repl in _COMPILED:
            sent = pattern.sub(repl if repl is not None else _split_pair, sent)
        tokens += sent.split()
    return tokens


def is_emoji(char: str) -> bool:
    return len(char) == 1 and ord(char) in EMOJI_POINTS
