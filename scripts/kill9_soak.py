"""Kill -9 soak: SIGKILL a GEPA run at random moments, resume it each time, compare with a clean run.

    python scripts/kill9_soak.py [--kills 20] [--seed 0] [--delay 0.03] [--workdir DIR]

A worker subprocess runs (or resumes) the scripted GEPA run of `reliability_world.py`; each
scripted LM call sleeps `--delay` seconds so the kills land mid-run. The driver SIGKILLs each
session at a seeded random moment (see `soak`); kills land during start-up replay, live
rollouts, reflection calls and the final test scoring alike. After `--kills` sessions the last
one runs to the end, and the result is compared with an uninterrupted run of the same world.
Prints the figures and exits 1 when any check fails (a session that finished before its kill
counts as a failure too: it was not a kill).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
JOURNAL = "journal.jsonl"


def worker(run_dir: Path, delay_s: float) -> None:
    """One session: start the run, or resume it if a start event was journaled."""
    sys.path.insert(0, str(HERE))
    import reliability_world as world

    from paretoprompt.run import optimize, resume
    from paretoprompt.run.journal import load_events

    objects = world.objects(delay_s=delay_s)
    events = load_events(run_dir / JOURNAL)
    if events and events[0]["type"] == "start":
        resume(run_dir, progress=False, **objects)
    else:
        optimize(
            optimizer="gepa",
            budget=world.BUDGET,
            seed=world.SEED,
            run_dir=run_dir,
            optimizer_options=world.GEPA_OPTIONS,
            progress=False,
            concurrency=2,
            **objects,
        )


def _spawn(run_dir: Path, delay_s: float) -> subprocess.Popen[bytes]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(run_dir), "--delay", str(delay_s)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _work(run_dir: Path) -> int:
    """Journaled work so far: every complete event except session starts and ends."""
    try:
        data = (run_dir / JOURNAL).read_bytes()
    except FileNotFoundError:
        return 0
    lines = data.split(b"\n")[:-1]
    return sum(not (b'"type":"resume"' in x or b'"type":"start"' in x or b'"type":"end"' in x) for x in lines)


@dataclass
class SoakReport:
    kills_planned: int
    kills: int
    sessions: int
    rollouts_reference: int
    rollouts_final: int
    rollouts_lost: int
    rollouts_repeated: int
    lm_calls_repeated: int
    result_identical: bool
    seconds: float

    @property
    def ok(self) -> bool:
        return (
            self.kills == self.kills_planned
            and self.rollouts_lost == 0
            and self.rollouts_repeated == 0
            and self.lm_calls_repeated == 0
            and self.result_identical
            and self.rollouts_final == self.rollouts_reference
        )

    def lines(self) -> list[str]:
        return [
            f"kills survived: {self.kills} of {self.kills_planned} planned (sessions: {self.sessions})",
            f"rollouts: {self.rollouts_final} journaled, {self.rollouts_reference} in the uninterrupted run",
            f"rollouts lost: {self.rollouts_lost}",
            f"rollouts repeated: {self.rollouts_repeated}",
            f"reflection calls repeated: {self.lm_calls_repeated}",
            f"result identical to the uninterrupted run (except wall time): {self.result_identical}",
            f"soak wall time: {self.seconds:.1f}s",
        ]


def _rollout_keys(run_dir: Path) -> Counter[tuple[str, str, str]]:
    events = [json.loads(line) for line in (run_dir / JOURNAL).read_text(encoding="utf-8").splitlines()]
    return Counter(
        (e["cid"], e["split"], e["rollout"]["example_id"]) for e in events if e["type"] == "rollout"
    )


def _lm_keys(run_dir: Path) -> Counter[tuple[str, int]]:
    events = [json.loads(line) for line in (run_dir / JOURNAL).read_text(encoding="utf-8").splitlines()]
    return Counter((e["key"], e["n"]) for e in events if e["type"] == "lm")


def _result(run_dir: Path) -> dict:
    data = json.loads((run_dir / "result.json").read_text(encoding="utf-8"))
    data.pop("wall_seconds")
    return data


def _finish(run_dir: Path, delay_s: float) -> None:
    proc = _spawn(run_dir, delay_s)
    _, err = proc.communicate(timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"session failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")


def soak(workdir: Path, *, kills: int = 20, seed: int = 0, delay_s: float = 0.03) -> SoakReport:
    """Run the reference, then the killed-and-resumed run, and compare them.

    Kill moments are seeded: three in four land right after a random point of the reference
    run's work (its n-th journaled rollout, reflection call or decision, plus up to 30 ms), so
    kills spread over the whole run, end included; every fourth lands at a random time after
    the session starts, during imports or the replay of the journal.
    """
    began = time.monotonic()
    reference, killed = workdir / "reference", workdir / "killed"
    _finish(reference, delay_s)
    rng = random.Random(seed)
    # the last units of work are test rollouts one LM delay apart: a kill aimed at the very last one
    # races the clean exit, so aim at most at the third from last
    targets = sorted(rng.sample(range(1, _work(reference) - 2), kills))
    done_kills = sessions = 0
    for i, target in enumerate(targets):
        sessions += 1
        proc = _spawn(killed, delay_s)
        if i % 4 == 3:
            time.sleep(rng.uniform(0.0, 0.8))
        else:
            while proc.poll() is None and _work(killed) < target:
                time.sleep(0.002)
            time.sleep(rng.uniform(0.0, 0.03))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
        if proc.returncode == -signal.SIGKILL:
            done_kills += 1
        elif proc.returncode != 0:
            raise RuntimeError(f"session failed ({proc.returncode}): {err.decode(errors='replace')[-2000:]}")
    sessions += 1
    _finish(killed, delay_s)
    ref_keys, got_keys = _rollout_keys(reference), _rollout_keys(killed)
    return SoakReport(
        kills_planned=kills,
        kills=done_kills,
        sessions=sessions,
        rollouts_reference=sum(ref_keys.values()),
        rollouts_final=sum(got_keys.values()),
        rollouts_lost=len(set(ref_keys) - set(got_keys)),
        rollouts_repeated=sum(n - 1 for n in got_keys.values() if n > 1),
        lm_calls_repeated=sum(n - 1 for n in _lm_keys(killed).values() if n > 1),
        result_identical=_result(reference) == _result(killed),
        seconds=time.monotonic() - began,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--delay", type=float, default=0.03, help="seconds per scripted LM call")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--worker", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker is not None:
        worker(args.worker, args.delay)
        return 0
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kill9-soak-"))
    workdir.mkdir(parents=True, exist_ok=True)
    report = soak(workdir, kills=args.kills, seed=args.seed, delay_s=args.delay)
    print("\n".join(report.lines()))
    print(f"run directories: {workdir}")
    return 0 if report.ok else 1


if __name__ == "__main__":
    os.environ.setdefault("PARETOPROMPT_NO_CACHE", "1")
    sys.exit(main())
