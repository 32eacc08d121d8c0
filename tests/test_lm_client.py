"""LM accounting across roles, sampling, the usage table, and the model-spec factory."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from rich.console import Console

from paretoprompt.errors import PermanentLMError, TransientLMError, UserError
from paretoprompt.lm import LM, Completion, GenerationParams, RetryPolicy, UsageLedger, factory
from paretoprompt.lm.cache import SqliteCache
from paretoprompt.lm.factory import make_backend, make_lm
from paretoprompt.lm.testing import ScriptedBackend
from paretoprompt.lm.usage_table import format_usage_table

FAST = RetryPolicy(max_attempts=3, sleep=lambda s: None)


def msgs(text: str) -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


class PricedBackend(ScriptedBackend):
    """Scripted answers with a fixed cost and latency per call, for exact dollar/second sums."""

    def generate(self, messages, params, *, slot=None):  # type: ignore[no-untyped-def]
        c = super().generate(messages, params, slot=slot)
        return Completion(
            text=c.text, model=c.model, prompt_tokens=c.prompt_tokens, completion_tokens=c.completion_tokens,
            cost_usd=0.5, latency_s=0.25,
        )  # fmt: skip


def test_exact_sums_across_two_roles_with_cache_hits(tmp_path: Path) -> None:
    ledger = UsageLedger()
    cache = SqliteCache(tmp_path / "c.sqlite")
    task = LM(PricedBackend(lambda m, p: "one two three"), role="task", cache=cache, ledger=ledger)
    refl = task.with_role("reflection")
    task.complete(msgs("a b"))  # 2 in, 3 out, $0.5, 0.25 s
    task.complete(msgs("c d e"))  # 3 in, 3 out
    task.complete(msgs("a b"))  # cache hit: tokens counted, no cost, no seconds
    refl.complete(msgs("f"))  # 1 in, 3 out
    refl.complete(msgs("a b"))  # same key as task's first call: a hit, shared cache

    by_role = ledger.by_role()
    t, r = by_role["task"], by_role["reflection"]
    assert (t.calls, t.cache_hits, t.prompt_tokens, t.completion_tokens) == (3, 1, 7, 9)
    assert (t.cost_usd, t.lm_seconds, t.failures) == (1.0, 0.5, 0)
    assert (r.calls, r.cache_hits, r.prompt_tokens, r.completion_tokens) == (2, 1, 3, 6)
    assert (r.cost_usd, r.lm_seconds) == (0.5, 0.25)
    total = ledger.total()
    assert (total.calls, total.cache_hits, total.prompt_tokens, total.completion_tokens) == (5, 2, 10, 15)
    assert (total.cost_usd, total.lm_seconds, total.cache_hit_rate) == (1.5, 0.75, 0.4)
    assert task.usage == t and refl.usage == r


def test_usage_table_has_roles_and_total() -> None:
    ledger = UsageLedger()
    lm = LM(PricedBackend(lambda m, p: "x y"), ledger=ledger)
    lm.complete(msgs("q"))
    lm.with_role("reflection").complete(msgs("q r"))
    table = format_usage_table(ledger)
    assert [c.header for c in table.columns] == [
        "role", "calls", "cache hits", "hit rate", "failures", "retries", "tokens in", "tokens out", "USD", "LM s",
    ]  # fmt: skip
    console = Console(width=200, record=True)
    console.print(table)
    text = console.export_text()
    assert "reflection" in text and "task" in text
    total_line = next(line for line in text.splitlines() if "total" in line)
    cells = [c.strip() for c in total_line.strip("│ ").split("│")]
    assert cells == ["total", "2", "0", "0%", "0", "0", "3", "4", "1.0000", "0.50"]


def test_samples_are_distinct_and_seeds_shift_per_sample(tmp_path: Path) -> None:
    backend = ScriptedBackend(lambda m, p: f"seed={p.seed}")
    lm = LM(backend, cache=SqliteCache(tmp_path / "c.sqlite"))
    params = GenerationParams(temperature=0.8, seed=10)
    out = lm.complete_n(msgs("q"), 3, params)
    assert [c.text for c in out] == ["seed=10", "seed=11", "seed=12"]
    again = lm.complete_n(msgs("q"), 3, params)
    assert [c.text for c in again] == ["seed=10", "seed=11", "seed=12"] and all(c.cached for c in again)
    assert backend.calls == 3


def test_failures_are_recorded_and_never_cached(tmp_path: Path) -> None:
    calls = {"n": 0}

    def flaky(m, p):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] <= 3:
            raise TransientLMError("503")
        return "ok"

    cache = SqliteCache(tmp_path / "c.sqlite")
    lm = LM(ScriptedBackend(flaky), cache=cache, retry=FAST)
    with pytest.raises(TransientLMError):
        lm.complete(msgs("q"))
    assert len(cache) == 0
    assert lm.complete(msgs("q")).text == "ok"
    u = lm.usage
    assert (u.calls, u.failures, u.retries) == (2, 1, 2)


def test_factory_routes_specs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    seen: list[tuple[str, int]] = []

    def load_local_backend(spec: str, n_parallel: int) -> ScriptedBackend:
        seen.append((spec, n_parallel))
        return ScriptedBackend(lambda m, p: "local", model=spec)

    monkeypatch.setattr(factory, "load_local_backend", load_local_backend)
    monkeypatch.setenv("PARETOPROMPT_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("PARETOPROMPT_NO_CACHE", raising=False)

    lm = make_lm("local/smollm2-135m-instruct", role="reflection")
    assert lm.role == "reflection" and lm.complete(msgs("hi")).text == "local"
    assert isinstance(lm.cache, SqliteCache) and lm.cache.path == tmp_path / "responses.sqlite"
    assert make_lm("/models/x.gguf").cache is lm.cache  # one shared default cache per path
    assert make_lm("local/x", cache=None, slots=8).cache is None
    assert seen == [("local/smollm2-135m-instruct", 4), ("/models/x.gguf", 4), ("local/x", 8)]

    monkeypatch.setenv("PARETOPROMPT_NO_CACHE", "1")
    assert make_lm("local/x").cache is None


@pytest.mark.parametrize("spec", ["gpt4", "", "openai/", "/x"])
def test_factory_rejects_unknown_specs(spec: str) -> None:
    with pytest.raises(UserError, match="unknown model spec"):
        make_backend(spec)


def test_factory_builds_litellm_backend_and_rejects_unknown_provider() -> None:
    if (
        importlib.util.find_spec("litellm") is None
    ):  # importing it here would skip our offline cost-map setting
        pytest.skip("litellm extra not installed")
    backend = make_backend("openai/gpt-4.1-mini", api_base="http://localhost:9")
    assert backend.model == "openai/gpt-4.1-mini"
    with pytest.raises(PermanentLMError, match="unknown model 'nosuchprovider/x'"):
        make_backend("nosuchprovider/x")
