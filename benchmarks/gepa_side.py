"""The gepa==0.1.4 side of `vs_gepa.py`; runs ONLY in gepa's own venv (benchmarks/.gepa-venv).

Reads a task export written by vs_gepa.py (splits with rendered user messages, seed instruction,
answer labels, parser kind), runs `gepa.optimize` with an adapter that calls the same GGUF task
model through xllamacpp in-process, then scores the seed and the best candidate on the test split.
Imports nothing from paretoprompt. Yes/no and true/false parsing and exact match are re-implemented
here with the same rules as paretoprompt's `parse_yes_no` / `parse_true_false` + `ExactMatch`.

Resumable through gepa's own `run_dir` (gepa_state.bin); every reflection call is appended to
`reflections.jsonl` in that directory, so the malformed-proposal rate survives a resume.
`--fake` swaps both LMs for instant stand-ins to measure engine overhead per rollout.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gepa
from gepa.core.adapter import EvaluationBatch

VOCAB = {"yes_no": {"yes": "yes", "no": "no"},
         "true_false": {"true": "true", "false": "false", "yes": "true", "no": "false"}}


def parse_label(kind: str, text: str) -> str | None:
    """First word if it is a label, else the only label present; None when absent or ambiguous."""
    vocab = VOCAB[kind]
    found = [vocab[m.lower()] for m in re.findall(r"\b(" + "|".join(vocab) + r")\b", text, re.IGNORECASE)]
    if not found:
        return None
    first = re.match(r"\W*(\w+)", text)
    if first and first.group(1).lower() in vocab:
        return vocab[first.group(1).lower()]
    return found[0] if len(set(found)) == 1 else None


class Counter:
    def __init__(self) -> None:
        self.calls = {"task": 0, "reflection": 0}
        self.lm_seconds = {"task": 0.0, "reflection": 0.0}


def chat(server: Any, messages: list[dict[str, str]], max_tokens: int, temperature: float, seed: int | None = None) -> str:
    request: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature}
    if seed is not None:
        request["seed"] = seed
    response = server.handle_chat_completions(request)
    if "error" in response:
        raise RuntimeError(str(response["error"]))
    return response["choices"][0]["message"].get("content") or ""


def load_server(path: str, n_parallel: int, threads: int) -> Any:
    import xllamacpp

    p = xllamacpp.CommonParams()
    p.model.path = path
    p.n_parallel = n_parallel
    p.n_ctx = n_parallel * 4096
    p.cpuparams.n_threads = threads
    p.cpuparams_batch.n_threads = threads
    p.verbosity = 0
    p.cache_ram_mib = 0  # same server settings as paretoprompt's LocalBackend
    return xllamacpp.Server(p)


class YesNoAdapter:
    """gepa's adapter protocol: evaluate(batch, candidate, capture_traces) + make_reflective_dataset."""

    propose_new_texts = None  # use gepa's default reflective proposer (its default meta-prompt)

    def __init__(self, data: dict[str, Any], answer: Any, counter: Counter, concurrency: int) -> None:
        self.data, self.answer, self.counter, self.concurrency = data, answer, counter, concurrency
        self.component = data["component"]

    def _one(self, instruction: str, ex: dict[str, Any]) -> tuple[str, float, str]:
        messages = ([{"role": "system", "content": instruction}] if instruction.strip() else []) + [
            {"role": "user", "content": ex["user"]}]
        start = time.perf_counter()
        text = self.answer(messages)
        self.counter.calls["task"] += 1
        self.counter.lm_seconds["task"] += time.perf_counter() - start
        got = parse_label(self.data["parser"], text)
        gold = ex["answer"]
        if got is None:
            return text, 0.0, f"Could not find a valid label in the output {text[:120]!r}. Expected {gold!r}."
        if got == gold:
            return text, 1.0, "Correct."
        return text, 0.0, f"Wrong: expected {gold!r}, got {got!r}."

    def evaluate(self, batch: list[dict[str, Any]], candidate: dict[str, str], capture_traces: bool = False):
        instruction = candidate[self.component]
        with ThreadPoolExecutor(self.concurrency) as pool:
            rows = list(pool.map(lambda ex: self._one(instruction, ex), batch))
        traces = [{"input": ex["user"], "output": r[0], "feedback": r[2]} for ex, r in zip(batch, rows, strict=True)]
        return EvaluationBatch(outputs=[r[0] for r in rows], scores=[r[1] for r in rows],
                               trajectories=traces if capture_traces else None)

    def make_reflective_dataset(self, candidate, eval_batch, components_to_update):
        records = [{"Inputs": t["input"], "Generated Outputs": t["output"], "Feedback": t["feedback"]}
                   for t in eval_batch.trajectories]
        return {c: records for c in components_to_update}


def fake_answer(messages: list[dict[str, str]]) -> str:
    """Instant task LM: a label fixed by a hash of the request (same rule as vs_gepa's fake)."""
    digest = hashlib.sha256(json.dumps(messages, sort_keys=True).encode()).digest()
    return "yes" if digest[0] % 2 else "no"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget", type=int, required=True)
    ap.add_argument("--minibatch", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--task-model")
    ap.add_argument("--reflection-model")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--reflection-max-tokens", type=int, default=400)
    ap.add_argument("--fake", action="store_true", help="instant LMs: measure engine overhead only")
    args = ap.parse_args()
    data = json.loads(Path(args.data).read_text())
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    counter = Counter()
    log_path = run_dir / "reflections.jsonl"
    if args.fake:
        answer = fake_answer
        n_refl = [0]

        def reflect_text(prompt: str) -> str:
            n_refl[0] += 1
            return f"```\nRead the input carefully and answer with one label (variant {n_refl[0]}).\n```"
    else:
        threads = max(1, min(len(os.sched_getaffinity(0)), 8))
        task_server = load_server(args.task_model, args.concurrency, threads)
        refl_server = load_server(args.reflection_model, 1, threads)

        def answer(messages: list[dict[str, str]]) -> str:
            return chat(task_server, messages, data["max_tokens"], 0.0)

        def reflect_text(prompt: str) -> str:
            n = counter.calls["reflection"]
            return chat(refl_server, [{"role": "user", "content": prompt}], args.reflection_max_tokens, 0.7,
                        seed=args.seed * 100003 + n)

    def reflection_lm(prompt: Any) -> str:
        if not isinstance(prompt, str):
            prompt = "\n".join(str(m.get("content", "")) for m in prompt)
        start = time.perf_counter()
        text = reflect_text(prompt)
        counter.calls["reflection"] += 1
        counter.lm_seconds["reflection"] += time.perf_counter() - start
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"prompt_chars": len(prompt), "output": text}) + "\n")
        return text

    adapter = YesNoAdapter(data, answer, counter, args.concurrency)
    seed_candidate = {data["component"]: data["seed_instruction"]}
    start = time.perf_counter()
    result = gepa.optimize(
        seed_candidate=seed_candidate, trainset=data["train"], valset=data["val"], adapter=adapter,
        reflection_lm=reflection_lm, reflection_minibatch_size=args.minibatch, max_metric_calls=args.budget,
        candidate_selection_strategy="pareto", module_selector="round_robin", use_merge=False,
        skip_perfect_score=True, run_dir=str(run_dir), seed=args.seed, display_progress_bar=False,
    )
    optimize_s = time.perf_counter() - start
    best = result.best_candidate
    best = best if isinstance(best, dict) else {data["component"]: best}
    test: dict[str, Any] = {"n": len(data["test"])}
    for name, cand in (("seed", seed_candidate), ("best", best)):
        scores = adapter.evaluate(data["test"], cand).scores if data["test"] else []
        test[name] = sum(scores) / len(scores) if scores else None
    reflections = [json.loads(line) for line in log_path.read_text().splitlines()] if log_path.exists() else []
    out = {
        "system": "gepa==0.1.4", "seed": args.seed, "best_texts": best, "test": test,
        "optimize_seconds": optimize_s, "wall_seconds": time.perf_counter() - start,
        "total_metric_calls": result.total_metric_calls, "num_candidates": result.num_candidates,
        "val_best": result.val_aggregate_scores[result.best_idx], "val_seed": result.val_aggregate_scores[0],
        "lm_calls_this_process": counter.calls, "lm_seconds_this_process": counter.lm_seconds,
        "reflection_outputs": [r["output"] for r in reflections],
    }
    Path(args.out).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
