"""`paretoprompt eval`: score one prompt on a split, with a 95% interval, rollouts, tokens and time."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from paretoprompt.cli import app
from paretoprompt.errors import UserError
from paretoprompt.evaluate import Evaluator
from paretoprompt.lm.factory import make_lm
from paretoprompt.lm.faults import FaultInjectingBackend, parse_fault_spec
from paretoprompt.programs.base import Program, candidate_id
from paretoprompt.stats import wilson_interval
from paretoprompt.tasks.base import Task
from paretoprompt.tasks.files import load_file_task
from paretoprompt.tasks.registry import get_task_spec
from paretoprompt.tasks.splits import SplitSizes


def parse_sizes(text: str | None) -> SplitSizes | None:
    """'100/50/300' -> SplitSizes(100, 50, 300)."""
    if text is None:
        return None
    parts = text.split("/")
    if len(parts) != 3 or not all(p.strip().isdigit() for p in parts):
        raise UserError(f"--sizes must look like TRAIN/VAL/TEST (e.g. 100/50/300), got {text!r}")
    return SplitSizes(*(int(p) for p in parts))


def load_task(
    task: str | None,
    data: Path | None,
    *,
    input_fields: list[str],
    answer_field: str | None,
    id_field: str | None,
    metric: str,
    sizes: SplitSizes | None,
    seed: int,
) -> tuple[Task, Program]:
    """A built-in task by name, or a task from the user's file (exactly one of the two)."""
    if (task is None) == (data is None):
        raise UserError("give exactly one of --task NAME or --data FILE")
    if task is not None:
        spec = get_task_spec(task)
        return spec.load(seed, sizes), spec.program()
    fields = [f.strip() for item in input_fields for f in item.split(",") if f.strip()]
    if not fields or not answer_field:
        raise UserError("--data needs --input-field (one or more) and --answer-field")
    return load_file_task(
        data,
        input_fields=fields,
        answer_field=answer_field,
        id_field=id_field,
        metric=metric,
        sizes=sizes,
        seed=seed,
    )


def _names_a_file(text: str) -> bool:
    """Whether `text` is the path of an existing file; an instruction too long to be a file name is not."""
    if "\n" in text:
        return False
    try:
        return Path(text).is_file()
    except OSError:  # ENAMETOOLONG: Path.is_file lets it through
        return False


def read_candidate(prompt: str | None, program: Program) -> dict[str, str]:
    """The seed candidate, a text, a text file, or a JSON file mapping component -> text."""
    if prompt is None:
        return program.seed_candidate()
    path = Path(prompt)
    text = prompt
    if _names_a_file(prompt):
        text = path.read_text(encoding="utf-8").strip()
        if path.suffix == ".json":
            try:
                mapping = json.loads(text)
            except json.JSONDecodeError as err:
                raise UserError(f"{path}: invalid JSON ({err.msg})") from None
            unknown = set(mapping) - set(program.components) if isinstance(mapping, dict) else {"?"}
            if unknown or not all(isinstance(v, str) for v in mapping.values()):
                raise UserError(
                    f"{path}: expected a JSON object of component -> text for {list(program.components)}"
                )
            return program.seed_candidate() | mapping
    if len(program.components) != 1:
        raise UserError(
            f"this program has components {list(program.components)}: give a JSON file for --prompt"
        )
    if not text.strip():
        raise UserError("--prompt is empty")
    return {program.components[0]: text}


@app.command("eval")
def eval_command(
    model: str = typer.Option(
        ..., "--model", "-m", help="Task model: local/NAME, a .gguf path, or provider/model."
    ),
    task: str | None = typer.Option(None, help="Built-in task name (see `data list`)."),
    prompt: str | None = typer.Option(
        None, help="Instruction text, a text file, or a JSON candidate; default: seed."
    ),
    split: str = typer.Option("test", help="train, val or test."),
    n: int | None = typer.Option(None, min=1, help="Score only the first N examples of the split."),
    seed: int = typer.Option(0, help="Split seed."),
    sizes: str | None = typer.Option(None, help="Split sizes TRAIN/VAL/TEST, e.g. 100/50/300."),
    concurrency: int = typer.Option(4, min=1, help="Rollouts in flight."),
    no_cache: bool = typer.Option(False, "--no-cache", help="Do not read or write the response cache."),
    data: Annotated[Path | None, typer.Option(help="Your own JSONL or CSV file instead of --task.")] = None,
    input_field: Annotated[
        list[str] | None,
        typer.Option("--input-field", help="Input field(s) of --data (repeat or comma-separate)."),
    ] = None,
    answer_field: str | None = typer.Option(None, help="Answer field of --data."),
    id_field: str | None = typer.Option(None, help="Optional id field of --data."),
    metric: str = typer.Option(
        "exact", help="exact, normalized, choice, numeric, contains, f1, or module:function."
    ),
    show: int = typer.Option(0, min=0, help="Also print the feedback of this many imperfect rollouts."),
    inject_faults: str | None = typer.Option(
        None,
        "--inject-faults",
        help="Fault drill, e.g. rate=0.3,kinds=timeout,429,5xx,reset,empty,truncated,garbage.",
    ),
) -> None:
    """Score a prompt on a split and print the score with its 95% Wilson interval."""
    if split not in ("train", "val", "test"):
        raise UserError(f"unknown split {split!r}; expected train, val or test")
    faults = parse_fault_spec(inject_faults) if inject_faults is not None else None
    the_task, program = load_task(
        task,
        data,
        input_fields=input_field or [],
        answer_field=answer_field,
        id_field=id_field,
        metric=metric,
        sizes=parse_sizes(sizes),
        seed=seed,
    )
    candidate = read_candidate(prompt, program)
    examples = list(the_task.splits.get(split))[: n if n is not None else None]
    if not examples:
        raise UserError(f"split {split!r} of task {the_task.name!r} is empty")
    lm = make_lm(model, role="task", cache=None if no_cache else "default", slots=concurrency)
    if faults is not None:
        lm = faults.wrap_lm(lm)
    warm_up = getattr(lm.backend, "warm_up", None)  # local models: keep load time out of the wall time
    if callable(warm_up):
        warm_up()
    start = time.monotonic()
    batch = Evaluator(the_task, program, lm, concurrency=concurrency).evaluate(
        candidate, examples, split=split, purpose="eval"
    )
    wall = time.monotonic() - start
    count = len(batch.rollouts)
    failed = sum(r.failed for r in batch.rollouts)
    low, high = wilson_interval(batch.total, count)
    usage = lm.usage
    typer.echo(f"task {the_task.name} · split {split} · model {model} · candidate {candidate_id(candidate)}")
    typer.echo(f"score {batch.mean:.3f} (95% CI {low:.3f}-{high:.3f}) on {count} examples, {failed} failed")
    typer.echo(
        f"rollouts {count} · LM calls {usage.calls} ({usage.cache_hits} cached) · tokens {usage.prompt_tokens:,} in, "
        f"{usage.completion_tokens:,} out · wall {wall:.1f} s"
    )
    if isinstance(lm.backend, FaultInjectingBackend):
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(lm.backend.stats.items())) or "none"
        typer.echo(
            f"faults injected {lm.backend.faults} ({kinds}) · retried {usage.retries} · calls failed {usage.failures}"
        )
    for rollout in [r for r in batch.rollouts if r.score < 1.0][:show]:
        typer.echo(f"  {rollout.example_id}: {rollout.score:.2f} {rollout.feedback}")
