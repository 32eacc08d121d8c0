"""Pure helpers of benchmarks/vs_gepa.py: argument defaults, table math, verdicts. No gepa, no network."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "vs_gepa.py"
_spec = importlib.util.spec_from_file_location("vs_gepa", _PATH)
assert _spec is not None and _spec.loader is not None
vs_gepa = importlib.util.module_from_spec(_spec)
sys.modules["vs_gepa"] = vs_gepa
_spec.loader.exec_module(vs_gepa)


def cell(seed: float, best: float, *, wall: float = 10.0, proposals: int = 4, accepted: int = 1, malformed: int = 2):
    return {"test": {"n": 20, "seed": seed, "best": best}, "wall_seconds": wall, "proposals": proposals,
            "accepted": accepted, "malformed": malformed, "rollouts": 30, "lm_calls": {"task": 10, "reflection": 2}}


def test_defaults_match_the_issue() -> None:
    args = vs_gepa.parse_args([])
    assert (args.task_list, args.seeds, args.val, args.test, args.budget, args.minibatch) == (
        ["boolq", "sarcasm"], 3, 50, 300, 200, 3)


def test_quick_mode_shrinks_everything() -> None:
    args = vs_gepa.parse_args(["--quick"])
    assert (args.task_list, args.seeds, args.val, args.test, args.budget) == (["boolq"], 1, 10, 20, 30)
    assert args.cell_dir.name == "quick"


def test_unsupported_task_is_refused() -> None:
    with pytest.raises(SystemExit):
        vs_gepa.parse_args(["--tasks", "asdiv"])


def test_summary_means_sds_and_rates() -> None:
    s = vs_gepa.summarize([cell(0.5, 0.6, wall=10), cell(0.5, 0.8, wall=20)])
    assert s["seed"] == (0.5, 0.0)
    assert s["rollouts"] == (30, 0.0)
    assert s["best"][0] == pytest.approx(0.7)
    assert s["best"][1] == pytest.approx(0.1414213, abs=1e-6)
    assert s["gain"][0] == pytest.approx(0.2)
    assert s["wall"][0] == 15
    assert s["calls"] == {"task": 20, "reflection": 4}
    assert s["accept_rate"] == 0.25 and s["malformed_rate"] == 0.5


def test_report_prints_not_run_and_verdicts() -> None:
    cells = {("boolq", "paretoprompt"): [cell(0.5, 0.6, wall=7)], ("boolq", "gepa==0.1.4"): [cell(0.5, 0.52, wall=10)]}
    text = vs_gepa.report(cells, ["boolq", "sarcasm"], None)
    assert "boolq: gain >= 5 pts: 10.0 pts PASS" in text
    assert "boolq: gain >= gepa's: 10.0 vs 2.0 pts PASS" in text
    assert "boolq: wall time ratio ours/gepa = 0.70 (target <= 0.70) PASS" in text
    assert "| sarcasm | paretoprompt | 0 | not run |" in text
    assert "| boolq | paretoprompt | 1 | 50.0 (1 seed) | 60.0 (1 seed) |" in text
    assert "sarcasm: gain >= gepa's: not run" in text
    assert "engine overhead per rollout: not run" in text


def test_report_overhead_ratio() -> None:
    overhead = {"paretoprompt": {"per_rollout_ms": 2.0, "rollouts": 100},
                "gepa==0.1.4": {"per_rollout_ms": 1.0, "rollouts": 100}}
    assert "ratio 2.00 (target <= 1.00) MISS" in vs_gepa.report({}, ["boolq"], overhead)


def test_gepa_malformed_counts_missing_fences_and_non_instructions() -> None:
    outputs = [
        "```\nRead the passage and answer true or false about the question.\n```",
        "Certainly! Please provide the inputs for the instruction.",
        "```\nCertainly! Please provide the inputs for the instruction.\n```",
        '```json\n{"Inputs": "x", "Feedback": "y"}\n```',
    ]
    assert vs_gepa.gepa_malformed(outputs) == 3
