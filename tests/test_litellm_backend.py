"""LiteLLMBackend with LiteLLM's mock responses: request mapping, parsing, error mapping, redaction. No network."""

from __future__ import annotations

import email.utils
import importlib.util
import os
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest

from paretoprompt.errors import PermanentLMError, TransientLMError, UserError
from paretoprompt.lm import LM, GenerationParams, RetryPolicy
from paretoprompt.lm.litellm_backend import LiteLLMBackend, import_litellm

if importlib.util.find_spec("litellm") is None:
    pytest.skip("litellm extra not installed", allow_module_level=True)
# Not `import litellm`: a bare import at collection time would fetch the price table over the network.
litellm = import_litellm()

MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}]
KEY = "sk-test-0123456789abcdef"


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Every kwargs dict handed to litellm.completion; the real completion then runs on its mock."""
    calls: list[dict[str, Any]] = []
    real = litellm.completion

    def spy(**kwargs: Any) -> Any:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(litellm, "completion", spy)
    return calls


def raising(monkeypatch: pytest.MonkeyPatch, err: Exception) -> None:
    def boom(**kwargs: Any) -> Any:
        raise err

    monkeypatch.setattr(litellm, "completion", boom)


def test_import_never_fetches_the_price_table() -> None:
    """With an unreachable price-table URL a networked import would warn on stderr; ours stays silent."""
    env = {**os.environ, "LITELLM_MODEL_COST_MAP_URL": "http://127.0.0.1:9/prices.json"}
    env.pop("LITELLM_LOCAL_MODEL_COST_MAP", None)
    code = "from paretoprompt.lm.litellm_backend import import_litellm; import_litellm()"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == ""


def test_request_mapping(recorded: list[dict[str, Any]]) -> None:
    backend = LiteLLMBackend(
        "openai/gpt-4o-mini", api_base="http://localhost:8000/v1", api_key=KEY, timeout_s=9,
        extra={"mock_response": "Paris."},
    )  # fmt: skip
    params = GenerationParams(temperature=0.3, max_tokens=12, stop=("\n", "###"), seed=7)
    backend.generate(MSGS, params)
    (kw,) = recorded
    assert kw["model"] == "openai/gpt-4o-mini"
    assert kw["messages"] == MSGS
    assert (kw["temperature"], kw["max_tokens"], kw["stop"], kw["seed"]) == (0.3, 12, ["\n", "###"], 7)
    assert (kw["timeout"], kw["num_retries"], kw["api_base"], kw["api_key"]) == (
        9,
        0,
        "http://localhost:8000/v1",
        KEY,
    )
    assert kw["mock_response"] == "Paris."


def test_optional_params_are_omitted(recorded: list[dict[str, Any]]) -> None:
    LiteLLMBackend("openai/gpt-4o-mini", extra={"mock_response": "x"}).generate(MSGS, GenerationParams())
    (kw,) = recorded
    assert not {"stop", "seed", "api_base", "api_key"} & kw.keys()


def test_response_parsing_with_cost() -> None:
    backend = LiteLLMBackend("openai/gpt-4o-mini", extra={"mock_response": "Paris."})
    c = backend.generate(MSGS, GenerationParams(max_tokens=5))
    assert c.text == "Paris." and c.model == "openai/gpt-4o-mini"
    assert c.finish_reason == "stop" and not c.cached
    assert c.prompt_tokens > 0 and c.completion_tokens > 0
    assert c.cost_usd > 0 and c.latency_s > 0


def test_unpriced_model_costs_zero() -> None:
    backend = LiteLLMBackend(
        "hosted_vllm/my-model", api_base="http://localhost:1", extra={"mock_response": "ok"}
    )
    assert backend.generate(MSGS, GenerationParams()).cost_usd == 0.0


def test_length_finish_and_reused_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    response = litellm.ModelResponse(
        choices=[{"message": {"role": "assistant", "content": "Par"}, "finish_reason": "length"}],
        usage={"prompt_tokens": 11, "completion_tokens": 1, "total_tokens": 12,
               "prompt_tokens_details": {"cached_tokens": 8}},
    )  # fmt: skip
    monkeypatch.setattr(litellm, "completion", lambda **kw: response)
    c = LiteLLMBackend("openai/gpt-4o-mini").generate(MSGS, GenerationParams(max_tokens=1))
    assert (c.text, c.finish_reason, c.prompt_tokens, c.completion_tokens) == ("Par", "length", 11, 1)
    assert c.prompt_tokens_reused == 8


def test_lm_caches_litellm_answers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from paretoprompt.lm.cache import SqliteCache

    lm = LM(
        LiteLLMBackend("openai/gpt-4o-mini", extra={"mock_response": "Paris."}),
        cache=SqliteCache(tmp_path / "c"),
    )
    lm.complete(MSGS)
    hit = lm.complete(MSGS)
    assert hit.cached and hit.latency_s == 0.0 and lm.usage.cache_hits == 1


M, P = "gpt-4o-mini", "openai"
RESP_403 = httpx.Response(403, request=httpx.Request("POST", "http://x"))


@pytest.mark.parametrize(
    "err",
    [
        litellm.Timeout("took too long", model=M, llm_provider=P),
        litellm.RateLimitError("slow down", llm_provider=P, model=M),
        litellm.APIConnectionError("connection reset by peer", llm_provider=P, model=M),
        litellm.InternalServerError("boom", llm_provider=P, model=M),
        litellm.ServiceUnavailableError("overloaded", llm_provider=P, model=M),
        litellm.BadGatewayError("bad gateway", llm_provider=P, model=M),
        litellm.APIError(status_code=502, message="upstream", llm_provider=P, model=M),
    ],
)
def test_transient_errors(monkeypatch: pytest.MonkeyPatch, err: Exception) -> None:
    raising(monkeypatch, err)
    with pytest.raises(TransientLMError) as info:
        LiteLLMBackend("openai/gpt-4o-mini").generate(MSGS, GenerationParams())
    assert type(err).__name__ in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(
    "err",
    [
        litellm.AuthenticationError("Incorrect API key provided", llm_provider=P, model=M),
        litellm.NotFoundError("model gpt-9 does not exist", llm_provider=P, model=M),
        litellm.BadRequestError("bad request\nsecond line", model=M, llm_provider=P),
        litellm.ContextWindowExceededError("too long", model=M, llm_provider=P),
        litellm.PermissionDeniedError("no", llm_provider=P, model=M, response=RESP_403),
    ],
)
def test_permanent_errors_are_one_line(monkeypatch: pytest.MonkeyPatch, err: Exception) -> None:
    raising(monkeypatch, err)
    with pytest.raises(PermanentLMError) as info:
        LiteLLMBackend("openai/gpt-4o-mini").generate(MSGS, GenerationParams())
    message = str(info.value)
    assert message.startswith(f"openai/gpt-4o-mini: {type(err).__name__}: ") and "\n" not in message
    assert isinstance(info.value, UserError)


def test_unknown_provider_fails_at_construction() -> None:
    with pytest.raises(PermanentLMError, match="unknown model 'nosuch/model'"):
        LiteLLMBackend("nosuch/model")


def rate_limited(headers: dict[str, str]) -> Exception:
    response = httpx.Response(429, headers=headers, request=httpx.Request("POST", "http://x"))
    return litellm.RateLimitError("slow down", llm_provider=P, model=M, response=response)


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"retry-after-ms": "1500"}, 1.5),
        ({}, None),
        ({"Retry-After": "soon"}, None),
    ],
)
def test_retry_after_header(
    monkeypatch: pytest.MonkeyPatch, headers: dict[str, str], expected: float | None
) -> None:
    raising(monkeypatch, rate_limited(headers))
    with pytest.raises(TransientLMError) as info:
        LiteLLMBackend("openai/gpt-4o-mini").generate(MSGS, GenerationParams())
    assert info.value.retry_after == expected


def test_retry_after_http_date(monkeypatch: pytest.MonkeyPatch) -> None:
    raising(monkeypatch, rate_limited({"Retry-After": email.utils.formatdate(time.time() + 30, usegmt=True)}))
    with pytest.raises(TransientLMError) as info:
        LiteLLMBackend("openai/gpt-4o-mini").generate(MSGS, GenerationParams())
    assert 25 <= info.value.retry_after <= 31


def test_lm_retries_rate_limits_then_succeeds(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts = {"n": 0}
    real = litellm.completion

    def flaky(**kw: Any) -> Any:
        attempts["n"] += 1
        if attempts["n"] == 1:
            raise rate_limited({"Retry-After": "2"})
        return real(**kw)

    monkeypatch.setattr(litellm, "completion", flaky)
    waits: list[float] = []
    lm = LM(
        LiteLLMBackend("openai/gpt-4o-mini", extra={"mock_response": "ok"}),
        retry=RetryPolicy(sleep=waits.append),
    )
    assert lm.complete(MSGS).text == "ok"
    assert waits == [2.0] and lm.usage.retries == 1 and lm.usage.failures == 0


def test_api_keys_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    env_key = "sk-ant-ENVSECRET-987654321"
    monkeypatch.setenv("ANTHROPIC_API_KEY", env_key)
    raising(monkeypatch, litellm.AuthenticationError(f"bad key {KEY} and {env_key}", llm_provider=P, model=M))
    backend = LiteLLMBackend("openai/gpt-4o-mini", api_key=KEY)
    with pytest.raises(PermanentLMError) as info:
        backend.generate(MSGS, GenerationParams())
    err = info.value
    assert KEY not in str(err) and env_key not in str(err) and "bad key *** and ***" in str(err)
    assert err.__cause__ is None and err.__suppress_context__  # the original (unredacted) error is dropped
    assert KEY not in repr(backend)


def test_missing_litellm_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "litellm", None)
    with pytest.raises(UserError, match=r"paretoprompt\[litellm\]"):
        LiteLLMBackend("openai/gpt-4o-mini")
