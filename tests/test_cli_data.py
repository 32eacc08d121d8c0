"""`data list|show` and `eval` from the command line: output, and one-line errors with exit code 2."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from paretoprompt import assets
from paretoprompt.cli import eval as eval_cli
from paretoprompt.cli import main
from paretoprompt.lm.client import LM
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.stats import bootstrap_mean_interval, wilson_interval

FIXTURES = Path(__file__).parent / "fixtures" / "data"
EXE = Path(sys.executable).parent / "paretoprompt"


def run_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["paretoprompt", *args])
    with pytest.raises(SystemExit) as info:
        main()
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def test_data_list_runs_offline(tmp_path: Path) -> None:
    env = {"PATH": "/usr/bin:/bin", "PARETOPROMPT_CACHE_DIR": str(tmp_path), "HOME": str(tmp_path)}
    proc = subprocess.run([str(EXE), "data", "list"], capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["task", "source", "sizes"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[1:]}
    assert rows["sarcasm"] == ["evals==3.0.1.post1:evals/registry/data/sarcasm/samples.jsonl", "100/50/300"]
    assert {"asdiv", "boolq", "mmlu"} <= set(rows)
    assert not any(tmp_path.iterdir()) or not (tmp_path / "wheels").exists()


def test_data_show_with_fixture(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(assets, "wheel_member", lambda *a, **k: FIXTURES / "sarcasm_samples.jsonl")
    code, out, _ = run_main(monkeypatch, capsys, "data", "show", "sarcasm", "-n", "2", "--split", "train")
    assert code == 0
    assert "[instruction] seed: Decide whether the news headline is sarcastic." in out
    assert out.count("\n--- sarcasm-") == 2 and out.count("headline: ") == 2


def test_eval_prompt_longer_than_a_file_name_is_the_instruction(tmp_path: Path) -> None:
    """`--prompt` takes a text or a file; a text over the file-name limit (255 bytes) is no path."""
    from paretoprompt.tasks.registry import BUILTIN

    program = BUILTIN["asdiv"].program()
    long_text = "Solve the word problem step by step. " * 10
    assert eval_cli.read_candidate(long_text, program) == {"instruction": long_text}
    saved = tmp_path / "prompt.txt"
    saved.write_text("From a file.\n", encoding="utf-8")
    assert eval_cli.read_candidate(str(saved), program) == {"instruction": "From a file."}


def test_eval_file_task_with_user_metric(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """End to end: JSONL data + `module:function` metric + a scripted model, through the Evaluator."""
    capitals = {"France": "paris", "Italy": "Rome", "Spain": "Madrid"}

    def answer(messages, params):  # type: ignore[no-untyped-def]
        country = messages[-1]["content"].split("capital of ")[1].split("?")[0]
        return capitals.get(country, "Atlantis")

    backend = ScriptedBackend(answer)
    slots_asked: list[int] = []

    def make_lm(spec, role, cache, slots):  # type: ignore[no-untyped-def]
        slots_asked.append(slots)
        return LM(backend, role=role)

    monkeypatch.setattr(eval_cli, "make_lm", make_lm)
    monkeypatch.chdir(FIXTURES)
    code, out, err = run_main(
        monkeypatch,
        capsys,
        "eval",
        "--model",
        "scripted/x",
        "--data",
        "qa.jsonl",
        "--input-field",
        "question",
        "--answer-field",
        "answer",
        "--id-field",
        "id",
        "--metric",
        "qa_metric:capital",
        "--sizes",
        "0/0/6",
        "--prompt",
        "Name the capital.",
        "--concurrency",
        "2",
        "--show",
        "5",
    )
    assert code == 0, err
    assert slots_asked == [2]  # one slot per rollout in flight (--concurrency)
    low, high = wilson_interval(3, 6)
    assert f"score 0.500 (95% CI {low:.3f}-{high:.3f}) on 6 examples, 0 failed" in out
    assert "rollouts 6 · LM calls 6 (0 cached)" in out
    assert {r[0][0]["content"] for r in backend.requests} == {"Name the capital."}
    assert "  q4: 0.00 Expected Tokyo, got 'Atlantis'." in out.splitlines()
    assert sum(line.startswith("  q") for line in out.splitlines()) == 3
    sys.modules.pop("qa_metric", None)


@pytest.mark.parametrize(
    ("name", "content", "extra", "message"),
    [
        ("missing.jsonl", '{"q": "a", "a": "1"}\n{"q": "b"}\n', [], "missing.jsonl:2: missing field 'a'"),
        ("empty.jsonl", "", [], "empty.jsonl: no examples (the file is empty)"),
        (
            "dup.jsonl",
            '{"i": "x", "q": "a", "a": "1"}\n{"i": "x", "q": "b", "a": "2"}\n',
            ["--id-field", "i"],
            "dup.jsonl:2: duplicate id 'x' in field 'i' (first on line 1)",
        ),
        ("latin1.csv", b"q,a\nna\xefve,1\n", [], "latin1.csv:2: not valid UTF-8"),
        ("broken.jsonl", '{"q": "a", "a": "1"\n', [], "broken.jsonl:1: invalid JSON"),
        (
            "ok.jsonl",
            '{"q": "a", "a": "1"}\n',
            ["--metric", "nosuchmodule:fn"],
            "cannot import metric module",
        ),
    ],
)
def test_malformed_user_data_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    content: str | bytes,
    extra: list[str],
    message: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run_main(
        monkeypatch,
        capsys,
        "eval",
        "--model",
        "openai/unused",
        "--data",
        str(path),
        "--input-field",
        "q",
        "--answer-field",
        "a",
        *extra,
    )
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err


def test_eval_argument_errors(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_main(monkeypatch, capsys, "eval", "--model", "x/y")
    assert code == 2 and err == "error: give exactly one of --task NAME or --data FILE\n"
    code, _, err = run_main(monkeypatch, capsys, "eval", "--model", "x/y", "--task", "nope")
    assert code == 2 and err.startswith("error: unknown task 'nope'; built-in tasks: asdiv, boolq")
    code, _, err = run_main(
        monkeypatch, capsys, "eval", "--model", "x/y", "--task", "sarcasm", "--sizes", "1/2"
    )
    assert code == 2 and "--sizes must look like TRAIN/VAL/TEST" in err
    for flag in ("--n", "--concurrency"):
        code, _, err = run_main(monkeypatch, capsys, "eval", "--model", "x/y", "--task", "sarcasm", flag, "0")
        assert (
            code == 2
            and err == f"error: Invalid value for '{flag}': Input should be greater than or equal to 1\n"
        )


def test_wilson_interval() -> None:
    low, high = wilson_interval(30, 60)
    assert low == pytest.approx(0.37735, abs=1e-4) and high == pytest.approx(0.62265, abs=1e-4)
    assert wilson_interval(0, 10)[0] == 0.0 and wilson_interval(10, 10)[1] == pytest.approx(1.0)
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_bootstrap_mean_interval() -> None:
    values = [-0.05, 0.02, 0.01, -0.03, 0.04]
    low, high = bootstrap_mean_interval(values)
    assert min(values) < low < sum(values) / len(values) < high < max(values)
    assert bootstrap_mean_interval(values) == (low, high)  # same seed, same interval
    assert bootstrap_mean_interval([0.3]) == (0.3, 0.3)  # one value: nothing to resample
    narrow_low, narrow_high = bootstrap_mean_interval(values, level=0.5)
    assert low < narrow_low < narrow_high < high
    with pytest.raises(ValueError):
        bootstrap_mean_interval([])
