"""Comparison math: mean ± sd, paired delta vs seed, the best-val curve and rollouts to seed + 5
points from a synthetic journal, usage by role without test scoring, and the rendered outputs."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from paretoprompt.compare.output import cells, records
from paretoprompt.compare.table import Row, mean_sd
from paretoprompt.report.run_summary import (
    RunSummary,
    best_val_curve,
    optimization_seconds,
    optimization_usage,
    prompt_tokens,
    rollouts_to_reach,
)


def rollout(t: float, purpose: str = "minibatch", calls: int = 1, tokens: int = 10) -> dict:
    usage = {"task": {"calls": calls, "prompt_tokens": tokens, "completion_tokens": 1, "cost_usd": 0.0}}
    return {"type": "rollout", "t": t, "purpose": purpose, "usage": usage}


def candidate(t: float, scores: list[float]) -> dict:
    return {"type": "candidate", "t": t, "val_scores": scores}


# seed val 0.5 after 4 rollouts; a child at 0.5 (no gain); one at 0.55 (exactly +5 points) after 4+6+4 more
JOURNAL = [
    {"type": "start", "t": 100.0},
    *[rollout(101.0, "validation") for _ in range(4)],
    candidate(102.0, [1, 0, 1, 0]),
    *[rollout(103.0) for _ in range(6)],
    {
        "type": "lm",
        "t": 104.0,
        "usage": {"reflection": {"calls": 1, "prompt_tokens": 50, "completion_tokens": 7}},
    },
    *[rollout(105.0, "validation") for _ in range(4)],
    candidate(106.0, [0, 1, 1, 0]),
    {"type": "resume", "t": 200.0},
    *[rollout(201.0) for _ in range(6)],
    *[rollout(202.0, "validation") for _ in range(4)],
    candidate(203.0, [0.55, 0.55, 0.55, 0.55]),
    *[rollout(204.0, "test") for _ in range(3)],
    {"type": "end", "t": 210.0},
]


def test_mean_and_sample_sd():
    assert mean_sd([]) == (None, None)
    assert mean_sd([0.7]) == (0.7, None)
    mean, sd = mean_sd([0.6, 0.7, 0.8])
    assert mean == pytest.approx(0.7) and sd == pytest.approx(0.1)


def test_best_val_curve_counts_rollouts_in_journal_order_without_test():
    curve = best_val_curve(JOURNAL)
    assert curve == [(4, 0.5), (14, 0.5), (24, pytest.approx(0.55))]
    assert rollouts_to_reach(curve, 0.5 + 0.05) == 24  # reached exactly (float noise tolerated)
    assert rollouts_to_reach(curve, 0.5) == 4
    assert rollouts_to_reach(curve, 0.6) is None


def test_usage_and_seconds_exclude_test_scoring():
    usage = optimization_usage(JOURNAL)
    assert usage["task"]["calls"] == 24 and usage["task"]["prompt_tokens"] == 240
    assert usage["reflection"] == {"calls": 1, "prompt_tokens": 50, "completion_tokens": 7}
    assert list(usage) == ["reflection", "task"]
    # session 1: 100 -> 106; session 2: 200 -> 203 (test rollouts and "end" are not optimization)
    assert optimization_seconds(JOURNAL) == pytest.approx(6.0 + 3.0)


def test_prompt_tokens_are_words_plus_punctuation():
    assert prompt_tokens({"a": "Answer yes/no, briefly.", "b": "Don't"}) == 7 + 3


def summary(seed: int, best: float, seed_test: float, reached: int | None, calls: int) -> RunSummary:
    return RunSummary(
        run_dir=f"out/t/x/seed{seed}",
        task="t",
        optimizer="x",
        seed=seed,
        stop_reason="budget exhausted",
        test_best=best,
        test_seed=seed_test,
        val_seed=0.5,
        val_best=0.6,
        rollouts_used=100 + seed,
        rollout_budget=120,
        rollouts_to_threshold=reached,
        usage_by_role={
            "task": {"calls": calls, "cache_hits": seed, "prompt_tokens": 10, "completion_tokens": 2},
            "reflection": {"calls": 2, "prompt_tokens": 100, "completion_tokens": 20},
        },
        prompt_tokens=20 + seed,
        wall_seconds=10.0 * (seed + 1),
    )


def test_row_aggregates_over_seeds():
    runs = (
        summary(0, 0.70, 0.60, 40, 100),
        summary(1, 0.80, 0.60, None, 110),
        summary(2, 0.75, 0.65, 60, 120),
    )
    row = Row("t", "x", "x", None, None, {}, seeds=4, runs=runs)
    mean, sd = row.test
    assert mean == pytest.approx(0.75) and sd == pytest.approx(0.05)
    dmean, dsd = row.delta  # paired: 0.10, 0.20, 0.10
    assert dmean == pytest.approx(0.4 / 3) and dsd == pytest.approx(
        math.sqrt(((0.1 - 0.4 / 3) ** 2 * 2 + (0.2 - 0.4 / 3) ** 2) / 2)
    )
    assert row.to_threshold == (50.0, 2)
    assert row.rollouts_used == 101 and row.rollout_budget == 120
    assert row.usage("task", "calls") == 110 and row.usage("reflection", "tokens") == 120
    assert row.prompt_tokens == 21 and row.wall_seconds == 20
    assert cells(row, ["task", "reflection"]) == [
        "t",
        "x",
        "3/4",
        "75.0 ± 5.0",
        "+13.3 ± 5.8",
        "101 / 120",
        "50 (2/3)",
        "task 110 (1 cached) · reflection 2",
        "task 12 · reflection 120",
        "21",
        "20.0",
    ]
    rec = records([row])[0]
    assert (rec["test_mean"], rec["reached_seed_plus_5"], rec["calls_task"], rec["tokens_reflection"]) == (
        pytest.approx(0.75),
        2,
        110,
        120,
    )
    assert (rec["cache_hits_task"], rec["cache_hits_reflection"]) == (1, 0)


def test_row_without_finished_runs_shows_dashes():
    row = Row("t", "apo", "apo", None, None, {}, seeds=3, runs=())
    assert cells(row, ["task"]) == ["t", "apo", "0/3", "—", "—", "—", "— (0/0)", "—", "—", "—", "—"]
    assert records([row])[0]["test_mean"] is None


def test_single_run_has_no_sd():
    row = Row("t", "seed", "seed", None, None, {}, seeds=1, runs=(summary(0, 0.6, 0.6, 4, 10),))
    assert cells(row, ["task"])[3:5] == ["60.0", "+0.0"]


def test_run_summary_json_round_trip_is_exact():
    original = replace(summary(1, 0.75, 0.6, None, 12), curve=((4, 0.5), (14, 0.5), (24, 0.55 + 1e-12)))
    back = RunSummary.from_json(json.loads(json.dumps(original.to_json())))
    assert back == original and back.curve == original.curve
    assert [type(v) for point in back.curve for v in point] == [int, float] * 3
