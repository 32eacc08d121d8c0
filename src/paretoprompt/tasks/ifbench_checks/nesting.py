"""IFBench `format:*` constraints about nested or paired marks: brackets, quotes, italics."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

from paretoprompt.tasks.ifbench_checks.core import Verdict, checker, verdict

_PAIRS = {")": "(", "]": "[", "}": "{"}


@checker("format:parentheses")
def parentheses(text: str, kw: Mapping[str, Any]) -> Verdict:
    # Passes once a group closes while the current well-formed run has reached depth 5;
    # a mismatched closer discards the run.
    stack: list[str] = []
    run_depth = best = 0
    for char in text:
        if char in "([{":
            stack.append(char)
            run_depth = max(run_depth, len(stack))
        elif char in _PAIRS:
            if stack and stack[-1] == _PAIRS[char]:
                stack.pop()
                best = max(best, run_depth)
                if run_depth >= 5:
                    return verdict(True, "brackets must nest at least 5 levels deep", "depth 5 or more")
            else:
                stack, run_depth = [], 0
    return verdict(False, "brackets must nest at least 5 levels deep", f"depth {best}")


@checker("format:quotes")
def quotes(text: str, kw: Mapping[str, Any]) -> Verdict:
    # A quote char equal to the innermost open one closes it; any other quote char opens a level.
    stack: list[str] = []
    deepest = best = 0
    for char in text:
        if stack and char == stack[-1]:
            stack.pop()
            best = max(best, deepest - len(stack))
            if best >= 3:
                return verdict(
                    True, "quotes must nest at least 3 levels deep, alternating \" and '", "3 or more"
                )
        elif char in "\"'":
            stack.append(char)
            deepest = max(deepest, len(stack))
    return verdict(
        False, "quotes must nest at least 3 levels deep, alternating \" and '", f"{best} closed levels"
    )


@checker("format:quote_unquote")
def quote_unquote(text: str, kw: Mapping[str, Any]) -> Verdict:
    requirement = "every quoted phrase must be followed by an unquoted explanation"
    flat = "".join(text.replace("“", '"').replace("”", '"').replace("'\"'", "").split())
    if '""' in flat:
        return verdict(False, requirement, "two quotations back to back")
    tail = flat.strip(string.digits + string.punctuation.replace('"', ""))
    if not tail or tail[-1] == '"':
        return verdict(False, requirement, "a quotation at the very end")
    return verdict(True, requirement, "every quotation explained")


@checker("format:thesis")
def thesis(text: str, kw: Mapping[str, Any]) -> Verdict:
    # Offsets of 3 and 4 for both tag styles mirror the reference, which sized them for <i>.
    requirement = "must start a section with an HTML-italic thesis (<i> or <em>) followed by text"
    start = text.find("<i>")
    if start == -1:
        start = text.find("<em>")
    if start == -1:
        return verdict(False, requirement, "no <i> or <em>")
    rest = text[start:]
    end = rest.find("</i>")
    if end == -1:
        end = rest.find("</em>")
    if end == -1:
        return verdict(False, requirement, "no closing </i> or </em>")
    if not rest[3:end].strip():
        return verdict(False, requirement, "an empty italic thesis")
    if not rest[end + 4 :].strip():
        return verdict(False, requirement, "no text after the thesis")
    return verdict(True, requirement, "an italic thesis with text after it")
