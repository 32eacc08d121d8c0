"""The comparison as a console table (rich) and as `comparison.md`, `.csv` and `.json` in OUT (`table` names them)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from paretoprompt.compare.plan import Plan
from paretoprompt.compare.table import DEFINITIONS, Row, ordered_roles
from paretoprompt.report.run_summary import THRESHOLD_POINTS, prompt_tokens
from paretoprompt.run.journal import write_atomic

SUFFIXES = (".md", ".csv", ".json")


def table_files(name: str = "comparison") -> list[str]:
    """The table's file names in the compare root: NAME.md, NAME.csv, NAME.json."""
    return [name + suffix for suffix in SUFFIXES]


HEADERS = (
    "task",
    "optimizer",
    "runs",
    "test % (mean ± sd)",
    "Δ vs seed (points)",
    "rollouts used",
    f"rollouts to seed+{THRESHOLD_POINTS:g}",
    "LM calls by role",
    "LM tokens by role",
    "prompt tokens",
    "wall s",
)


def _pts(mean: float | None, sd: float | None, *, signed: bool = False) -> str:
    if mean is None:
        return "—"
    text = f"{100 * mean:+.1f}" if signed else f"{100 * mean:.1f}"
    return text if sd is None else f"{text} ± {100 * sd:.1f}"


def _num(x: float | None, fmt: str = ".0f") -> str:
    return "—" if x is None else format(x, fmt)


def _cached(row: Row, role: str) -> str:
    """' (N cached)' after a role's call count: cached calls cost no LM time, so they explain a short wall time."""
    hits = row.usage(role, "cache_hits")
    return f" ({hits:,.0f} cached)" if hits else ""


def cells(row: Row, roles: Sequence[str]) -> list[str]:
    """One row as display strings (shared by the console and markdown tables)."""
    to_mean, reached = row.to_threshold
    budget = f" / {row.rollout_budget}" if row.rollout_budget is not None else ""
    by_role = {
        key: " · ".join(
            f"{role} {row.usage(role, key):,.0f}" + (_cached(row, role) if key == "calls" else "")
            for role in roles
            if role in row.roles
        )
        or "—"
        for key in ("calls", "tokens")
    }
    return [
        row.task,
        row.label,
        f"{len(row.runs)}/{row.seeds}",
        _pts(*row.test),
        _pts(*row.delta, signed=True),
        _num(row.rollouts_used) + (budget if row.runs else ""),
        f"{_num(to_mean)} ({reached}/{len(row.runs)})",
        by_role["calls"],
        by_role["tokens"],
        _num(row.prompt_tokens),
        _num(row.wall_seconds, ".1f"),
    ]


def console_table(rows: Sequence[Row]) -> Table:
    table = Table(*HEADERS, title="Comparison")
    roles = ordered_roles(rows)
    for row in rows:
        table.add_row(*cells(row, roles))
    return table


def _md_table(headers: Sequence[str], body: Sequence[Sequence[str]]) -> list[str]:
    def line(values: Sequence[str]) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in values) + " |"

    return [line(headers), line(["---"] * len(headers)), *(line(r) for r in body)]


def _options(options: Any) -> str:
    return ", ".join(f"{k}={v}" for k, v in options.items()) or "defaults"


def markdown(plan: Plan, rows: Sequence[Row], command: str) -> str:
    c = plan.config
    roles = ordered_roles(rows)
    lines = [
        "# Optimizer comparison",
        "",
        f"Command: `{command}`",
        "",
        f"- Budget: {c.budget} rollouts per run, the same for every optimizer.",
        f"- Task LM: `{c.lm.task}` · reflection LM: `{c.lm.reflection}` · concurrency {c.lm.concurrency}.",
        f"- Seeds: run seeds 0..k-1 per task (k = {c.seeds} unless the task sets its own); data splits fixed "
        "by the task's data seed.",
        "",
        "## Results",
        "",
        *_md_table(HEADERS, [cells(r, roles) for r in rows]),
        "",
        "Definitions:",
        "",
        *(f"- {line}" for line in DEFINITIONS),
        f"- prompt tokens: the best prompt's length (all components) counted by `{prompt_tokens.__name__}`: runs of "
        "word characters plus each punctuation character (model-independent; close to, usually below, BPE counts).",
        "- wall s: optimization wall time from the run journal, summed over sessions, test scoring excluded.",
        "",
        "## Budget scaling",
        "",
        "Paper defaults assume thousands of rollouts; rollout-denominated options are scaled to the budget. "
        "B = budget, V = validation size.",
        "",
    ]
    for optimizer in c.optimizers:
        note = next(n for n in plan.scaling if n.optimizer == optimizer)
        lines.append(f"- **{optimizer}**: {note.rule}")
    body = [[n.task, n.optimizer, str(n.val_size), _options(n.applied)] for n in plan.scaling]
    lines += ["", *_md_table(("task", "optimizer", "V", "scaled options"), body)]
    ablated = {r.optimizer for r in rows if r.variant is not None}
    if ablated:
        lines += [
            "",
            "## Ablation variants",
            "",
            "Each variant changes one factor of the optimizer's default run (the plain name).",
            "",
        ]
        lines += _md_table(
            ("task", "run", "factor", "options"),
            [
                [r.task, r.label, r.factor or "default", _options(r.options)]
                for r in rows
                if r.optimizer in ablated
            ],
        )
    runs = [s for r in rows for s in r.runs]
    lines += [
        "",
        "## Runs",
        "",
        *_md_table(
            ("run dir", "test %", "Δ", "rollouts", "stop reason"),
            [
                [
                    s.run_dir,
                    _pts(s.test_best, None),
                    _pts(s.test_delta, None, signed=True),
                    str(s.rollouts_used),
                    s.stop_reason,
                ]
                for s in runs
            ],
        ),
    ]
    return "\n".join(lines) + "\n"


def records(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Flat records (CSV rows and the JSON `rows`): raw fractions, means per run."""
    roles = ordered_roles(rows)
    out = []
    for r in rows:
        (test, test_sd), (delta, delta_sd), (to_mean, reached) = r.test, r.delta, r.to_threshold
        rec: dict[str, Any] = {
            "task": r.task,
            "optimizer": r.optimizer,
            "variant": r.variant,
            "factor": r.factor,
            "label": r.label,
            "options": json.dumps(dict(r.options), sort_keys=True),
            "runs": len(r.runs),
            "seeds": r.seeds,
            "test_mean": test,
            "test_sd": test_sd,
            "delta_vs_seed_mean": delta,
            "delta_vs_seed_sd": delta_sd,
            "rollouts_used_mean": r.rollouts_used,
            "rollout_budget": r.rollout_budget,
            "rollouts_to_seed_plus_5_mean": to_mean,
            "reached_seed_plus_5": reached,
            "prompt_tokens_mean": r.prompt_tokens,
            "wall_seconds_mean": r.wall_seconds,
        }
        for role in roles:
            rec[f"calls_{role}"] = r.usage(role, "calls") if r.runs else None
            rec[f"tokens_{role}"] = r.usage(role, "tokens") if r.runs else None
            rec[f"cache_hits_{role}"] = r.usage(role, "cache_hits") if r.runs else None
        out.append({k: round(v, 6) if isinstance(v, float) else v for k, v in rec.items()})
    return out


def write_outputs(out: Path, plan: Plan, rows: Sequence[Row], command: str) -> list[Path]:
    """Write the three comparison files atomically; returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    recs = records(rows)
    buf = io.StringIO()
    if recs:
        writer = csv.DictWriter(buf, fieldnames=list(recs[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(recs)
    data = {
        "command": command,
        "config": plan.config.model_dump(mode="json"),
        "scaling": [vars(n) | {"applied": dict(n.applied)} for n in plan.scaling],
        "rows": [{**rec, "options": dict(r.options)} for rec, r in zip(recs, rows, strict=True)],
        "runs": [{**s.to_json(), "test_delta": s.test_delta} for r in rows for s in r.runs],
    }
    texts = (
        markdown(plan, rows, command),
        buf.getvalue(),
        json.dumps(data, indent=2, ensure_ascii=False) + "\n",
    )
    paths = [out / name for name in table_files(plan.config.table)]
    for path, text in zip(paths, texts, strict=True):
        write_atomic(path, text)
    return paths
