"""Headroom table for docs/tasks.md: the seed prompt vs the best of hand-written alternatives, per task and model.

Usage:
    python benchmarks/headroom.py TASK MODEL [--val-n 50] [--test-n 200] [--concurrency 1]
    python benchmarks/headroom.py --report

Every score comes from a `paretoprompt eval` subprocess, so the table shows exactly what that command prints.
The alternatives (benchmarks/headroom_prompts.toml) are scored on val first; only the best of them, chosen there,
is scored on test beside the seed, so test is never used to choose. Each finished eval is saved at once to
benchmarks/records/headroom/TASK__MODEL.json and skipped on the next call, so a long table can be built in parts;
records are committed, so the parts may run on different days and machines.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROMPTS = HERE / "headroom_prompts.toml"
OUT = HERE / "records" / "headroom"
HEADROOM_POINTS = 5.0  # a best alternative this many test points above the seed counts as headroom

SCORE = re.compile(
    r"score (?P<score>[\d.]+) \(95% CI (?P<low>[\d.]+)-(?P<high>[\d.]+)\) on (?P<n>\d+) examples"
)
USAGE = re.compile(
    r"rollouts (?P<rollouts>\d+) .* tokens (?P<tin>[\d,]+) in, (?P<tout>[\d,]+) out · wall (?P<wall>[\d.]+) s"
)


def paretoprompt_eval(task: str, model: str, split: str, n: int, prompt: object, concurrency: int) -> dict:
    """Run `paretoprompt eval` once and parse the figures it prints."""
    command = [
        sys.executable,
        "-m",
        "paretoprompt",
        "eval",
        "--task",
        task,
        "--model",
        model,
        "--split",
        split,
        "--n",
        str(n),
        "--concurrency",
        str(concurrency),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        if isinstance(prompt, dict):
            path = Path(tmp) / "candidate.json"
            path.write_text(json.dumps(prompt), encoding="utf-8")
            command += ["--prompt", str(path)]
        elif prompt is not None:
            command += ["--prompt", str(prompt)]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"paretoprompt eval failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    score, usage = SCORE.search(done.stdout), USAGE.search(done.stdout)
    if not score or not usage:
        raise SystemExit(f"could not parse paretoprompt eval output:\n{done.stdout}")
    return {
        "command": "paretoprompt " + " ".join(command[3:]),
        "stdout": done.stdout.strip(),
        "score": float(score["score"]),
        "low": float(score["low"]),
        "high": float(score["high"]),
        "n": int(score["n"]),
        "rollouts": int(usage["rollouts"]),
        "wall_s": float(usage["wall"]),
        "tokens_in": int(usage["tin"].replace(",", "")),
        "tokens_out": int(usage["tout"].replace(",", "")),
    }


def record_path(task: str, model: str) -> Path:
    return OUT / f"{task}__{model.replace('/', '_')}.json"


def measure(task: str, model: str, val_n: int, test_n: int, concurrency: int) -> dict:
    """Seed and alternatives on val, then seed and the val-best alternative on test; resumable per eval."""
    alternatives = tomllib.loads(PROMPTS.read_text(encoding="utf-8"))[task]["alternatives"]
    prompts: list[object] = [None, *alternatives]  # index 0 is the seed
    path = record_path(task, model)
    record = json.loads(path.read_text()) if path.exists() else {"task": task, "model": model, "evals": {}}
    record.update(val_n=val_n, test_n=test_n, prompts=prompts)

    def run(split: str, index: int) -> dict:
        key = f"{split}:{index}"
        if key not in record["evals"]:
            label = "seed" if index == 0 else f"alternative {index}"
            print(f"{task} · {model} · {split} · {label} …", flush=True)
            record["evals"][key] = paretoprompt_eval(
                task, model, split, val_n if split == "val" else test_n, prompts[index], concurrency
            )
            OUT.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record, indent=1))
        result = record["evals"][key]
        print(
            f"  {key}: {result['score']:.3f} ({result['low']:.3f}-{result['high']:.3f}) {result['wall_s']:.0f} s"
        )
        return result

    val_scores = [run("val", i)["score"] for i in range(len(prompts))]
    best = 1 + max(range(len(alternatives)), key=lambda i: (val_scores[1 + i], -i))
    record["best_alternative"] = best
    run("test", 0)
    run("test", best)
    return record


def row(record: dict) -> str:
    seed, best = record["evals"]["test:0"], record["evals"][f"test:{record['best_alternative']}"]
    vals = [record["evals"][f"val:{i}"]["score"] for i in range(len(record["prompts"]))]
    delta = 100 * (best["score"] - seed["score"])
    verdict = "**headroom**" if delta >= HEADROOM_POINTS else "none measured"

    def cell(e: dict) -> str:
        return f"{e['score']:.3f} ({e['low']:.3f}-{e['high']:.3f}), n={e['n']}, {e['rollouts']} rollouts, {e['wall_s']:.0f} s"

    return (
        f"| {record['task']} | {record['model'].split('/')[-1]} | {cell(seed)} | "
        f"{' / '.join(f'{v:.2f}' for v in vals)} | #{record['best_alternative']}: {cell(best)} | "
        f"{delta:+.1f} | {verdict} |"
    )


def report() -> None:
    print(
        "| task | model | seed, test | val: seed / alt 1 / alt 2 / alt 3 | best alternative (by val), test "
        "| Δ points | headroom |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for path in sorted(OUT.glob("*.json")):
        record = json.loads(path.read_text())
        if f"test:{record.get('best_alternative')}" in record["evals"] and "test:0" in record["evals"]:
            print(row(record))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("task", nargs="?")
    parser.add_argument("model", nargs="?")
    parser.add_argument("--val-n", type=int, default=50)
    parser.add_argument("--test-n", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=1)
    parser.add_argument("--report", action="store_true", help="print the markdown table of finished records")
    args = parser.parse_args()
    if args.report:
        report()
        return
    if not args.task or not args.model:
        parser.error("give TASK and MODEL, or --report")
    print(row(measure(args.task, args.model, args.val_n, args.test_n, args.concurrency)))


if __name__ == "__main__":
    main()
