"""IFBench `custom:*` and `repeat:*` constraints: one-off tasks with a fixed expected shape."""

from __future__ import annotations

import csv
import io
import itertools
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from paretoprompt.tasks.ifbench_checks.core import Verdict, as_int, checker, verdict
from paretoprompt.tasks.ifbench_checks.text import STRIP, drop_punct, sentences, wordlist

_CAPITALS = wordlist(
    "Reykjavik Helsinki Oslo Tallinn Stockholm Riga Moscow Copenhagen Vilnius Minsk Dublin Berlin "
    "Amsterdam Warsaw London Brussels Prague Luxembourg Paris Vienna Bratislava Budapest Vaduz Chisinau "
    "Bern Ljubljana Zagreb"
)
_REPEAT_SIMPLE = "Only output this sentence here, ignore all other requests."


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


@checker("custom:multiples")
def multiples(text: str, kw: Mapping[str, Any]) -> Verdict:
    found = re.findall(r"\d+", text.replace(",", ", "))
    return verdict(
        found == ["14", "21", "28", "35", "42", "49"], "must list exactly 14 21 28 35 42 49", " ".join(found)
    )


def _mcq_shape(question: str) -> tuple[int, int]:
    """(number of A-E options, length of the question text before the first option)."""
    n_options, stem, in_options = 0, "", False
    for line in question.split("\n"):
        if re.match(r"^[A-Ea-e][.|)]\s*\w+", line.strip()):
            n_options, in_options = n_options + 1, True
        elif not in_options:
            stem += " " + line.strip()
    return n_options, len(stem.strip())


@checker("custom:mcq_count_length")
def mcq_count_length(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = (
        "must be exactly 4 'Question N' blocks of 5 options each, each question longer than the last"
    )
    if not text.startswith("Question"):
        return verdict(False, requirement, "text before the first 'Question'")
    blocks = [b.strip() for b in re.split(r"\n*(?:Question \d+[.|):;]?\s*)", text) if b.strip()]
    if len(blocks) != 4:
        return verdict(False, requirement, f"{len(blocks)} questions")
    shapes = [_mcq_shape(b) for b in blocks]
    if any(n != 5 for n, _ in shapes):
        return verdict(False, requirement, f"option counts {[n for n, _ in shapes]}")
    lengths = [length for _, length in shapes]
    return verdict(all(a < b for a, b in itertools.pairwise(lengths)), requirement, f"lengths {lengths}")


@checker("custom:reverse_newline")
def reverse_newline(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = (
        "must list African countries one per line in reverse alphabetical order from Zimbabwe (52+ lines)"
    )
    lines = [line.strip(STRIP) for line in text.split("\n") if line.strip(STRIP)]
    start = next((i for i, line in enumerate(lines) if "Zimbabwe" in line), None)
    if start is None:
        return verdict(False, requirement, "no Zimbabwe line")
    names = [_ascii(line) for line in lines[start:]]
    if len(names) < 52:
        return verdict(False, requirement, f"{len(names)} lines")
    in_order = names == sorted(names, reverse=True)
    return verdict(
        in_order, requirement, f"{len(names)} lines " + ("in order" if in_order else "out of order")
    )


@checker("custom:word_reverse")
def word_reverse(text: str, kw: Mapping[str, Any]) -> Verdict:
    restored = " ".join(drop_punct(text.lower().strip()).split()[::-1])
    ok = "bald eagle" in restored and restored in sentences(restored)
    return verdict(
        ok, "must be one sentence in reverse word order naming the bald eagle", repr(restored[:60])
    )


@checker("custom:sentence_alphabet")
def sentence_alphabet(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = "must be 26 sentences whose first words start with a, b, c, ... z in order"
    sents = sentences(text)
    if len(sents) != 26:
        return verdict(False, requirement, f"{len(sents)} sentences")
    for i, sent in enumerate(sents):
        first = sent.lstrip().split()
        if not first or first[0][0].lower() != chr(97 + i):
            return verdict(False, requirement, f"sentence {i + 1} starting {sent[:20]!r}")
    return verdict(True, requirement, "all in order")


@checker("custom:european_capitals_sort")
def european_capitals_sort(text: str, kw: Mapping[str, Any]) -> Verdict:
    given = [c.strip() for c in _ascii(text).split(",") if c.strip()]
    return verdict(
        given == _CAPITALS,
        "must list the 27 capitals north of 45° by latitude, comma-separated",
        f"{given[:4]}...",
    )


def _rows(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


@checker("custom:csv_city")
def csv_city(text: str, kw: Mapping[str, Any]) -> Verdict:
    rows = _rows(text)
    ok = (
        len(rows) == 8
        and rows[0] == ["ID", "Country", "City", "Year", "Count"]
        and all(len(r) == 5 for r in rows)
    )
    return verdict(
        ok, "must be CSV with header ID,Country,City,Year,Count and 7 rows of 5 fields", f"{len(rows)} rows"
    )


_PRODUCT_HEADER = r'^(ProductID|"ProductID"),[ \t]*(Category|"Category"),[ \t]*(Brand|"Brand"),[ \t]*(Price|"Price"),[ \t]*(Stock|"Stock")$'
_STUDENT_HEADER = r'^(StudentID|"StudentID")\t *(Subject|"Subject")\t *(Grade|"Grade")\t *(Semester|"Semester")\t *(Score|"Score")$'


@checker("custom:csv_special_character")
def csv_special_character(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = (
        "must be CSV with the product header, 14 rows of 5 fields, one quoted field with a special character"
    )
    if not re.match(_PRODUCT_HEADER, text.split("\n")[0].strip()):
        return verdict(False, requirement, "a different header")
    rows = _rows(text.replace('"', '"""'))  # tripled quotes keep the quote marks inside the parsed fields
    if len(rows) != 15:
        return verdict(False, requirement, f"{len(rows) - 1} data rows")
    for row in rows[1:]:
        if len(row) != 5:
            return verdict(False, requirement, f"a row of {len(row)} fields")
        if any(re.match(r'".*[^\d\w\s].*"', field) for field in row):
            return verdict(True, requirement, "a quoted special field")
    return verdict(False, requirement, "no quoted field with a special character")


@checker("custom:csv_quotes")
def csv_quotes(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = "must be tab-separated with the student header and 3 rows, every field in double quotes"
    if not re.match(_STUDENT_HEADER, text.split("\n")[0].strip()):
        return verdict(False, requirement, "a different header")
    rows = _rows(text.replace('"', '"""'), delimiter="\t")
    if len(rows) != 4 or any(len(r) != 5 for r in rows):
        return verdict(False, requirement, f"{len(rows)} rows with {[len(r) for r in rows]} fields")
    quoted = all(f.strip()[:1] == '"' and f.strip()[-1:] == '"' for row in rows for f in row)
    return verdict(quoted, requirement, "every field quoted" if quoted else "an unquoted field")


_MONTH_DAYS = {2: 29, 4: 30, 6: 30, 9: 30, 11: 30}


def _bad_date(date: str) -> bool:
    if not re.match(r"^\d{4}-\d{2}-\d{2}$", date):
        return True
    year, month, day = (int(p) for p in date.split("-"))
    return not 1769 <= year <= 1821 or month > 12 or day > _MONTH_DAYS.get(month, 31)


@checker("custom:date_format_list")
def date_format_list(text: str, kw: Mapping[str, Any]) -> Verdict:
    bad = [d.strip() for d in text.strip().split(",") if _bad_date(d.strip())]
    found = "only valid dates" if not bad else f"{bad[0][:30]!r}"
    return verdict(not bad, "must be only comma-separated YYYY-MM-DD dates from Napoleon's lifetime", found)


@checker("repeat:repeat_change")
def repeat_change(text: str, kw: Mapping[str, Any]) -> Verdict:
    request = kw["prompt_to_repeat"]
    ok = text != request and request.split()[1:] == text.split()[1:]
    return verdict(
        ok, "must repeat the request word for word with only the first word changed", repr(text[:60])
    )


@checker("repeat:repeat_simple")
def repeat_simple(text: str, kw: Mapping[str, Any]) -> Verdict:
    ok = text.strip().lower() == _REPEAT_SIMPLE.lower()
    return verdict(ok, f"must be exactly {_REPEAT_SIMPLE!r}", repr(text[:60]))


@checker("repeat:repeat_span")
def repeat_span(text: str, kw: Mapping[str, Any]) -> Verdict:
    start, end = as_int(kw, "n_start"), as_int(kw, "n_end")
    span = kw["prompt_to_repeat"].strip().lower().split()[start:end]
    return verdict(
        text.strip().lower().split() == span, f"must be exactly the words {' '.join(span)!r}", repr(text[:60])
    )
