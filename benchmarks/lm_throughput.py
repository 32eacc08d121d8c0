"""Throughput of the embedded local model: sequential vs concurrent calls, and prompt-prefix reuse.

    .venv/bin/python benchmarks/lm_throughput.py [--model local/qwen2.5-coder-0.5b-instruct]

Every call goes to the model (no response cache). Concurrent mode runs one thread per slot, each
pinned to its own slot, so a thread's calls reuse the shared system prompt in that slot's KV cache.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from paretoprompt.lm import LM, Completion, GenerationParams, Messages
from paretoprompt.lm.local import load_local_backend

CLASSIFY_SYSTEM = (
    "You label news headlines. A headline is sarcastic when it states something absurd or ironic "
    "in the deadpan style of a satirical outlet; it is literal when it reports a real event plainly. "
    "Read the headline, decide, and answer with exactly one word: yes if it is sarcastic, no if not."
)
HEADLINES = [
    "Local man heroically finishes entire bag of chips before dinner",
    "City council approves budget for new bridge repairs",
    "Area dad announces he is going to 'rest his eyes' for three hours",
    "Scientists discover new species of frog in the Amazon",
    "Nation's cats demand answers after vacuum cleaner incident",
    "Stock markets close higher after central bank decision",
    "Report: 98% of meetings could have been an email",
    "Heavy rain expected across the region this weekend",
    "Man who read one article now expert on foreign policy",
    "University opens new research center for renewable energy",
    "Study finds people who say 'no offense' about to say something offensive",
    "Hospital expands emergency room to cut waiting times",
    "Office plant quietly dies after years of neglect, coworkers shocked",
    "Government announces new rules for electric scooters",
    "Teen spends six hours choosing profile picture",
    "Museum returns ancient artifacts to country of origin",
]
STORY_TOPICS = [
    "a lighthouse",
    "a lost key",
    "a robot gardener",
    "a winter market",
    "an old violin",
    "a night train",
    "a desert well",
    "a paper boat",
]


@dataclass(frozen=True)
class Row:
    workload: str
    mode: str
    calls: list[Completion]
    wall_s: float

    def cells(self) -> list[str]:
        n = len(self.calls)
        gen = sum(c.completion_tokens for c in self.calls)
        prompt = sum(c.prompt_tokens for c in self.calls)
        reused = sum(c.prompt_tokens_reused for c in self.calls)
        per_call = sum(c.tokens_per_second for c in self.calls) / n
        return [
            self.workload,
            self.mode,
            str(n),
            f"{self.wall_s:.2f}",
            f"{n / self.wall_s:.2f}",
            f"{gen / self.wall_s:.1f}",
            f"{per_call:.1f}",
            f"{reused}/{prompt} = {reused / prompt:.2f}",
        ]


def run(
    lm: LM, requests: Sequence[Messages], params: GenerationParams, workers: int
) -> tuple[list[Completion], float]:
    """Run all requests; with `workers` > 1, thread w handles requests w, w+workers, ... on slot w."""

    def lane(w: int) -> list[tuple[int, Completion]]:
        return [(i, lm.complete(requests[i], params, slot=w)) for i in range(w, len(requests), workers)]

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        lanes = list(pool.map(lane, range(workers)))
    wall = time.perf_counter() - start
    return [c for _, c in sorted(pair for lane_out in lanes for pair in lane_out)], wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="local/qwen2.5-coder-0.5b-instruct")
    ap.add_argument("--slots", type=int, default=4)
    args = ap.parse_args()

    backend = load_local_backend(args.model, n_parallel=args.slots)
    t0 = time.perf_counter()
    backend.warm_up()
    print(
        f"model {backend.model}: loaded in {time.perf_counter() - t0:.1f} s; {backend.n_threads} threads, "
        f"{args.slots} slots, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    lm = LM(backend)  # no response cache: every call reaches the model

    classify = [
        [{"role": "system", "content": CLASSIFY_SYSTEM}, {"role": "user", "content": f"Headline: {h}"}]
        for h in HEADLINES
    ]
    stories = [
        [{"role": "user", "content": f"Write a long, detailed story about {t}."}] for t in STORY_TOPICS
    ]
    short, long = GenerationParams(max_tokens=4), GenerationParams(max_tokens=128)

    header = ["workload", "mode", "calls", "wall s", "calls/s", "gen tok/s", "per-call tok/s", "prefix reuse"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for workload, requests, params in (("classify x16", classify, short), ("generate 128 x8", stories, long)):
        for mode, workers in (("sequential", 1), (f"concurrent {args.slots}", args.slots)):
            calls, wall = run(lm, requests, params, workers)
            print("| " + " | ".join(Row(workload, mode, calls, wall).cells()) + " |", flush=True)
    print("gen tok/s = completion tokens / wall time; per-call tok/s = mean of Completion.tokens_per_second;")
    print("prefix reuse = sum(prompt_tokens_reused) / sum(prompt_tokens).")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
