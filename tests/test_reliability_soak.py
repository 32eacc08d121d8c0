"""Kill -9 soak (CI runs it via `make test`; ~30 s): 20 SIGKILLs at seeded random moments of a
scripted GEPA run, a resume after each, and the final result equal to an uninterrupted run's."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "kill9_soak.py"


@pytest.mark.soak
def test_kill9_soak(tmp_path):
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), "--kills", "20", "--seed", "0", "--workdir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=170,
    )
    print(proc.stdout)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("kills survived: 20 of 20 planned")
    assert "rollouts lost: 0" in lines and "rollouts repeated: 0" in lines
    assert "reflection calls repeated: 0" in lines
    assert "result identical to the uninterrupted run (except wall time): True" in lines

    # Independent check of the journal: every (candidate, split, example) rollout exactly once,
    # the same set as the uninterrupted run, one end event, and no torn or out-of-order line.
    def events(name):
        return [json.loads(x) for x in (tmp_path / name / "journal.jsonl").read_text().splitlines()]

    ref, got = events("reference"), events("killed")
    keys = Counter((e["cid"], e["split"], e["rollout"]["example_id"]) for e in got if e["type"] == "rollout")
    ref_keys = {(e["cid"], e["split"], e["rollout"]["example_id"]) for e in ref if e["type"] == "rollout"}
    assert set(keys) == ref_keys and set(keys.values()) == {1}
    assert [e["seq"] for e in got] == list(range(len(got)))
    assert got[-1]["type"] == "end"
    assert sum(e["type"] == "resume" for e in got) >= 10
    result = json.loads((tmp_path / "killed" / "result.json").read_text())
    assert sum(result["rollouts_by_purpose"].values()) == len(ref_keys)
