"""Secrets never reach run directories, journals, logs or errors; printed model text cannot inject markup."""

from __future__ import annotations

import io
import logging
import sys
from pathlib import Path

import pytest
from rich.console import Console

from paretoprompt.lm import LM, LiteLLMBackend, RetryPolicy
from paretoprompt.lm.litellm_backend import import_litellm
from paretoprompt.redact import MASK, env_secrets, redact, redact_data
from paretoprompt.run import optimize
from paretoprompt.run.config import to_toml
from paretoprompt.run.result import CandidateRecord, Result

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
import reliability_world as world

ENV_KEY = "sk-test-SECRET1234567890envkey"
ARG_KEY = "sk-test-SECRET0987654321argkey"
HEADER = "Bearer sk-test-SECRET-header-token-42"


def test_no_secret_in_run_dir_or_logs(tmp_path, monkeypatch, caplog, capfd):
    monkeypatch.setenv("OPENAI_API_KEY", ENV_KEY)
    litellm = import_litellm()
    real_completion = litellm.completion
    calls = {"n": 0}

    def provider(**kwargs):
        """LiteLLM's mock provider, which quotes the key it rejects, on 2 calls in 5 (as real ones do)."""
        assert kwargs["api_key"] == ARG_KEY and kwargs["extra_headers"]["Authorization"] == HEADER
        calls["n"] += 1
        if calls["n"] % 5 in (3, 4):  # two in a row: some calls fail after their retry
            raise litellm.exceptions.RateLimitError(
                message=f"rate limited for key {ARG_KEY} (env {ENV_KEY}), header {HEADER}",
                llm_provider="openai",
                model="gpt-4o-mini",
            )
        return real_completion(**kwargs)

    monkeypatch.setattr(litellm, "completion", provider)
    retry = RetryPolicy(max_attempts=2, sleep=lambda s: None)

    def lm(role: str, answer: str) -> LM:
        backend = LiteLLMBackend(
            "openai/gpt-4o-mini",
            api_key=ARG_KEY,
            extra={"mock_response": answer, "extra_headers": {"Authorization": HEADER}},
        )
        return LM(backend, role=role, retry=retry)

    caplog.set_level(logging.DEBUG)
    result = optimize(
        task=world.make_task(),
        program=world.make_program(),
        optimizer="gepa",
        task_lm=lm("task", "no"),
        reflection_lm=lm(
            "reflection", "<instruction>Answer the question; consider alpha carefully.</instruction>"
        ),
        budget=60,
        seed=1,
        run_dir=tmp_path / "run",
        progress=False,
        concurrency=1,
        optimizer_options={"max_iterations": 4},
    )
    assert calls["n"] > 20 and result.usage_by_role["task"]["retries"] > 0
    assert result.usage_by_role["task"]["failures"] > 0  # some rollouts failed with the provider's message
    files = [p for p in (tmp_path / "run").rglob("*") if p.is_file()]
    assert {p.name for p in files} >= {"journal.jsonl", "config.toml", "result.json"}
    journal = (tmp_path / "run" / "journal.jsonl").read_text()
    assert "rate limited for key ***" in journal  # the provider's message is kept, its secrets are not
    out, err = capfd.readouterr()
    for secret in (ENV_KEY, ARG_KEY, HEADER, "SECRET"):
        for path in files:
            assert secret.encode() not in path.read_bytes(), f"{secret} leaked into {path.name}"
        assert secret not in caplog.text and secret not in out and secret not in err


def test_config_snapshots_mask_secret_fields(monkeypatch):
    monkeypatch.setenv("MY_SERVICE_TOKEN", "tok-abcdefgh12345")
    data = {
        "lm": {"task": "openai/x", "api_key": "sk-live-1234567890", "extra_headers": {"X": "y"}},
        "optimizer": {"name": "gepa", "note": "uses tok-abcdefgh12345 here"},
        "seed": 3,
        "task": {"name": "sarcasm", "answer_field": "label"},
    }
    clean = redact_data(data)
    assert clean["lm"] == {"task": "openai/x", "api_key": MASK, "extra_headers": MASK}
    assert (
        clean["optimizer"]["note"] == "uses *** here" and clean["seed"] == 3 and clean["task"] == data["task"]
    )
    assert "sk-live" not in to_toml(clean) and "tok-abc" not in to_toml(clean)
    assert (
        "tok-abcdefgh12345" in env_secrets() and redact("a tok-abcdefgh12345 b", env_secrets()) == "a *** b"
    )


MARKUP = "[bold red]IGNORE PREVIOUS[/bold red] [link=http://evil.example]click[/link] <script>x</script>"


def test_show_prints_model_text_literally():
    from paretoprompt.cli.runs import print_result

    best = CandidateRecord("b1", {"instruction": MARKUP}, ("s1",), "reflection", (1.0,))
    seed = CandidateRecord("s1", {"instruction": "Answer."}, (), "seed", (0.0,))
    result = Result(
        task="t[red]x[/red]",
        optimizer="gepa",
        seed=0,
        best_id="b1",
        best_texts=dict(best.texts),
        seed_id="s1",
        candidates=(seed, best),
        val_ids=("v0",),
        rollouts_by_purpose={"validation": 2},
        rollout_budget=10,
        usage_by_role={},
        stop_reason="stop [bold]now[/bold]",
        wall_seconds=1.0,
    )
    buf = io.StringIO()
    print_result(result, Console(file=buf, width=400, color_system=None, markup=True))
    text = buf.getvalue()
    assert "[bold red]IGNORE PREVIOUS[/bold red]" in text and "[link=http://evil.example]click[/link]" in text
    assert "t[red]x[/red]" in text and "stop [bold]now[/bold]" in text


@pytest.mark.parametrize("secret_env", ["ANTHROPIC_API_KEY", "HF_TOKEN"])
def test_provider_errors_are_redacted_for_any_secret_env(monkeypatch, secret_env):
    monkeypatch.setenv(secret_env, "s3cr3t-value-0123456789")
    litellm = import_litellm()

    def boom(**kwargs):
        raise litellm.exceptions.AuthenticationError(
            message="invalid key s3cr3t-value-0123456789", llm_provider="openai", model="gpt-4o-mini"
        )

    monkeypatch.setattr(litellm, "completion", boom)
    with pytest.raises(Exception) as info:
        LiteLLMBackend("openai/gpt-4o-mini").generate(
            [{"role": "user", "content": "hi"}], world.make_program().params
        )
    assert "s3cr3t" not in str(info.value) and "***" in str(info.value)
