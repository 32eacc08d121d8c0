"""The gepa==0.1.4 side of `vs_gepa.py`; runs ONLY in gepa's own venv (benchmarks/.gepa-venv).

paretoprompt is installed (editable) in that venv too, and the adapter reuses it so both sides score
identically: the task comes from `get_task_spec(--task).load(--seed, SplitSizes(--train, --val,
--test))` (the splits vs_gepa's own side gets), each candidate instruction is run through the task's
program (message rendering, output contract, parser, max_tokens, stop), and the task's metric gives
the score and the feedback text gepa's reflective dataset carries. The task LM is the same GGUF
through paretoprompt's LocalBackend (xllamacpp, n_parallel = --concurrency, threads = cores) wrapped
in an `LM` *without* the response cache. gepa's reflection path is its own: its default meta-prompt,
and a plain `reflection_lm` callable on a separate xllamacpp server. Then the seed and the best
candidate are scored on the test split (once when the best is the seed, as on our side).

Resumable through gepa's own `run_dir` (gepa_state.bin); every reflection call is appended to
`reflections.jsonl` in that directory, so the malformed-proposal rate survives a resume.
`--fake` swaps both LMs for instant stand-ins to measure engine overhead per rollout: the task LM is
a `ScriptedBackend` answering `vs_gepa.fake_task_answer`, still run through the program and metric,
exactly as vs_gepa's `overhead_ours` does, so the per-rollout work outside the engines is identical.
"""

from __future__ import annotations

import argparse
import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import gepa
from gepa.core.adapter import EvaluationBatch

from paretoprompt.errors import UserError
from paretoprompt.evaluate import score_rollout
from paretoprompt.lm.client import LM
from paretoprompt.programs.base import Program
from paretoprompt.tasks.base import Example, Task
from paretoprompt.tasks.registry import get_task_spec
from paretoprompt.tasks.splits import SplitSizes


class Counter:
    def __init__(self) -> None:
        self.calls = {"task": 0, "reflection": 0}
        self.lm_seconds = {"task": 0.0, "reflection": 0.0}


def chat(
    server: Any, messages: list[dict[str, str]], max_tokens: int, temperature: float, seed: int | None = None
) -> str:
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


class TaskAdapter:
    """gepa's adapter protocol (evaluate(batch, candidate, capture_traces) + make_reflective_dataset)
    over paretoprompt's single-module program and metric; gepa's data instances are our `Example`s."""

    propose_new_texts = None  # use gepa's default reflective proposer (its default meta-prompt)

    def __init__(self, task: Task, program: Program, lm: LM, counter: Counter, concurrency: int) -> None:
        if len(program.components) != 1:
            raise UserError(
                f"task {task.name!r} has {len(program.components)} components; only single-module "
                "tasks are supported"
            )
        self.task, self.program, self.lm, self.counter, self.concurrency = (
            task,
            program,
            lm,
            counter,
            concurrency,
        )
        self.component = program.components[0]

    def _one(self, instruction: str, ex: Example) -> tuple[str, float, str, str]:
        """(raw output, score, feedback, user message): a rollout scored by our own `score_rollout`."""
        start = time.perf_counter()
        rollout = score_rollout(self.task, self.program, {self.component: instruction}, ex, self.lm)
        self.counter.calls["task"] += 1
        self.counter.lm_seconds["task"] += time.perf_counter() - start
        trace = rollout.prediction.trace
        call = trace[-1] if trace else None
        text = call.raw_output if call is not None else ""
        user = (
            call.messages[-1]["content"]
            if call is not None
            else json.dumps(dict(ex.inputs), ensure_ascii=False)
        )
        return text, rollout.score, rollout.feedback, user

    def evaluate(self, batch: list[Example], candidate: dict[str, str], capture_traces: bool = False):
        instruction = candidate[self.component]
        with ThreadPoolExecutor(self.concurrency) as pool:
            rows = list(pool.map(lambda ex: self._one(instruction, ex), batch))
        traces = [{"input": r[3], "output": r[0], "feedback": r[2]} for r in rows]
        return EvaluationBatch(
            outputs=[r[0] for r in rows],
            scores=[r[1] for r in rows],
            trajectories=traces if capture_traces else None,
        )

    def make_reflective_dataset(self, candidate, eval_batch, components_to_update):
        records = [
            {"Inputs": t["input"], "Generated Outputs": t["output"], "Feedback": t["feedback"]}
            for t in eval_batch.trajectories
        ]
        return {c: records for c in components_to_update}


def score_seed_and_best(
    adapter: TaskAdapter, examples: list[Example], seed: dict[str, str], best: dict[str, str]
) -> dict[str, float | None]:
    """Mean test scores of the seed and the best. A best equal to the seed is scored once, as our side's
    evaluator memoizes it: scoring it again would cost gepa's side a second identical pass and credit it
    with a "gain" that is only batched generation not repeating itself."""

    def mean_score(candidate: dict[str, str]) -> float | None:
        scores = adapter.evaluate(examples, candidate).scores if examples else []
        return sum(scores) / len(scores) if scores else None

    seed_mean = mean_score(seed)
    return {"seed": seed_mean, "best": seed_mean if best == seed else mean_score(best)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--task", required=True, help="a single-module built-in paretoprompt task")
    ap.add_argument("--train", type=int, required=True)
    ap.add_argument("--val", type=int, required=True)
    ap.add_argument("--test", type=int, required=True)
    ap.add_argument("--run-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--budget", type=int, required=True)
    ap.add_argument("--minibatch", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--task-model", help="local/NAME or a .gguf path")
    ap.add_argument("--reflection-model")
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--reflection-max-tokens", type=int, default=400)
    ap.add_argument("--fake", action="store_true", help="instant LMs: measure engine overhead only")
    args = ap.parse_args()
    spec = get_task_spec(args.task)
    task = spec.load(args.seed, SplitSizes(args.train, args.val, args.test))
    program = spec.program()
    run_dir = Path(args.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    counter = Counter()
    log_path = run_dir / "reflections.jsonl"
    if args.fake:
        from vs_gepa import fake_task_answer  # benchmarks/ is on sys.path: this script lives there

        from paretoprompt.lm.testing import ScriptedBackend

        task_lm = LM(ScriptedBackend(fake_task_answer), role="task", cache=None)
        n_refl = [0]

        def reflect_text(prompt: str) -> str:
            n_refl[0] += 1
            return f"```\nRead the input carefully and answer with one label (variant {n_refl[0]}).\n```"
    else:
        from paretoprompt.lm.local import default_threads, load_local_backend

        # n_parallel = concurrency slots of 4096 tokens, default_threads() threads, no host-RAM cache
        backend = load_local_backend(args.task_model, n_parallel=args.concurrency)
        backend.warm_up()  # load the model before the timed optimization, as before
        task_lm = LM(backend, role="task", cache=None)  # no response cache: every rollout is a model call
        refl_server = load_server(args.reflection_model, 1, default_threads())

        def reflect_text(prompt: str) -> str:
            n = counter.calls["reflection"]
            return chat(
                refl_server,
                [{"role": "user", "content": prompt}],
                args.reflection_max_tokens,
                0.7,
                seed=args.seed * 100003 + n,
            )

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

    adapter = TaskAdapter(task, program, task_lm, counter, args.concurrency)
    seed_candidate = program.seed_candidate()
    start = time.perf_counter()
    result = gepa.optimize(
        seed_candidate=seed_candidate,
        trainset=list(task.splits.train),
        valset=list(task.splits.val),
        adapter=adapter,
        reflection_lm=reflection_lm,
        reflection_minibatch_size=args.minibatch,
        max_metric_calls=args.budget,
        candidate_selection_strategy="pareto",
        module_selector="round_robin",
        use_merge=False,
        skip_perfect_score=True,
        run_dir=str(run_dir),
        seed=args.seed,
        display_progress_bar=False,
    )
    optimize_s = time.perf_counter() - start
    best = result.best_candidate
    best = best if isinstance(best, dict) else {adapter.component: best}
    test_split = list(task.splits.test)
    test = {"n": len(test_split), **score_seed_and_best(adapter, test_split, seed_candidate, best)}
    reflections = (
        [json.loads(line) for line in log_path.read_text().splitlines()] if log_path.exists() else []
    )
    out = {
        "system": "gepa==0.1.4",
        "task": args.task,
        "seed": args.seed,
        "best_texts": best,
        "test": test,
        "optimize_seconds": optimize_s,
        "wall_seconds": time.perf_counter() - start,
        "total_metric_calls": result.total_metric_calls,
        "num_candidates": result.num_candidates,
        "val_best": result.val_aggregate_scores[result.best_idx],
        "val_seed": result.val_aggregate_scores[0],
        "lm_calls_this_process": counter.calls,
        "lm_seconds_this_process": counter.lm_seconds,
        "reflection_outputs": [r["output"] for r in reflections],
    }
    Path(args.out).write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
