"""A task from the user's own JSONL or CSV file, configured by field mapping.

Bad data fails here, at the boundary, with one line naming the file, the line and the field.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from paretoprompt.errors import UserError
from paretoprompt.programs.parsers import PARSERS, parse_choice
from paretoprompt.programs.single import SingleModuleProgram
from paretoprompt.tasks.base import Example, Metric, Task
from paretoprompt.tasks.metrics import get_metric
from paretoprompt.tasks.splits import SplitSizes, content_id, make_splits

FILE_SIZES = SplitSizes(100, 50, 100)
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")
CSV_SUFFIXES = (".csv", ".tsv")

# Output contract and sampling per metric: the format the metric's parser expects.
_FORMATS: dict[str, tuple[str, str, int]] = {
    "choice": ("Answer with the letter of the correct option only.", "choice", 8),
    "numeric": (
        "You may reason briefly first. End with a final line of the form 'Answer: <number>'.",
        "number",
        256,
    ),
}
_TEXT_FORMAT = ("Reply with the answer only, no explanation.", "text", 64)


def read_records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, record) pairs from a JSONL or CSV file."""
    if not path.is_file():
        raise UserError(f"data file not found: {path}")
    suffix = path.suffix.lower()
    if suffix not in JSONL_SUFFIXES + CSV_SUFFIXES:
        raise UserError(f"{path}: unsupported file type {suffix!r}; use .jsonl or .csv")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise UserError(
            f"{path}:{line}: not valid UTF-8 (byte 0x{raw[err.start]:02x}); save the file as UTF-8"
        ) from None
    if suffix in JSONL_SUFFIXES:
        yield from _jsonl(path, text)
    else:
        yield from _csv(path, text, "\t" if suffix == ".tsv" else ",")


def _jsonl(path: Path, text: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise UserError(f"{path}:{lineno}: invalid JSON ({err.msg} at column {err.colno})") from None
        if not isinstance(record, dict):
            raise UserError(f"{path}:{lineno}: expected a JSON object, got {type(record).__name__}")
        yield lineno, record


def _csv(path: Path, text: str, delimiter: str) -> Iterator[tuple[int, dict[str, Any]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for row in reader:
            yield reader.line_num, {k: v for k, v in row.items() if k is not None and v is not None}
    except csv.Error as err:
        raise UserError(f"{path}:{reader.line_num}: malformed CSV ({err})") from None


def _field(path: Path, lineno: int, record: dict[str, Any], name: str) -> Any:
    if name not in record:
        raise UserError(
            f"{path}:{lineno}: missing field {name!r} (fields: {', '.join(map(str, record)) or 'none'})"
        )
    return record[name]


def read_examples(
    path: Path, input_fields: Sequence[str], answer_field: str, id_field: str | None = None
) -> list[Example]:
    """Examples from the file; rows identical in inputs and answer are kept once."""
    examples: dict[str, Example] = {}
    first_line: dict[str, int] = {}
    for lineno, record in read_records(path):
        inputs = {name: _field(path, lineno, record, name) for name in input_fields}
        answer = _field(path, lineno, record, answer_field)
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            raise UserError(f"{path}:{lineno}: field {answer_field!r} is empty")
        if id_field is None:
            example_id = content_id(path.stem, inputs, answer)
        else:
            example_id = str(_field(path, lineno, record, id_field)).strip()
            if not example_id:
                raise UserError(f"{path}:{lineno}: field {id_field!r} is empty")
            if example_id in first_line:
                raise UserError(
                    f"{path}:{lineno}: duplicate id {example_id!r} in field {id_field!r} "
                    f"(first on line {first_line[example_id]})"
                )
        first_line.setdefault(example_id, lineno)
        examples.setdefault(example_id, Example(example_id, inputs, answer))
    if not examples:
        raise UserError(f"{path}: no examples (the file is empty)")
    return list(examples.values())


def input_template(input_fields: Sequence[str]) -> str:
    """'Question: {question}\\nContext: {context}' from the field names."""
    return "\n".join(f"{name.replace('_', ' ').strip().capitalize()}: {{{name}}}" for name in input_fields)


def load_file_task(
    path: str | Path,
    *,
    input_fields: Sequence[str],
    answer_field: str,
    id_field: str | None = None,
    metric: str = "exact",
    metric_fn: Metric | None = None,
    sizes: SplitSizes | None = None,
    seed: int = 0,
    instruction: str | None = None,
    contract: str | None = None,
    balanced: bool = False,
) -> tuple[Task, SingleModuleProgram]:
    """A task and its single-module program from a JSONL/CSV file.

    `metric` is a built-in name or `module:function`; `metric_fn` (a Python callable) overrides it.
    The output contract and parser follow the metric: a letter for "choice", a final `Answer:`
    line for "numeric", the bare answer otherwise. `balanced` balances splits by answer value.
    """
    path = Path(path)
    if not input_fields:
        raise UserError("give at least one input field")
    scorer = metric_fn if metric_fn is not None else get_metric(metric)
    examples = read_examples(path, input_fields, answer_field, id_field)
    if metric == "choice" and metric_fn is None:
        for ex in examples:
            if not parse_choice(str(ex.answer)).ok:
                raise UserError(
                    f"{path}: example {ex.id}: field {answer_field!r} is not an option letter: {ex.answer!r}"
                )
    label = (lambda ex: json.dumps(ex.answer, sort_keys=True)) if balanced else None
    splits = make_splits(examples, sizes or FILE_SIZES, seed=seed, label=label)
    fields = ", ".join(input_fields)
    task = Task(path.stem, splits, scorer, f"Given {fields}, produce {answer_field} (data: {path.name}).")
    default_contract, parser_name, max_tokens = _FORMATS.get(metric, _TEXT_FORMAT)
    program = SingleModuleProgram(
        instruction or f"Given the {fields}, give the {answer_field.replace('_', ' ')}.",
        input_template(input_fields),
        default_contract if contract is None else contract,
        PARSERS[parser_name],
        max_tokens=max_tokens,
    )
    return task, program
