"""The embedded xllamacpp backend on real (small) models."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from paretoprompt.errors import UserError
from paretoprompt.lm import LM, Completion, GenerationParams
from paretoprompt.lm.local import LocalBackend, load_local_backend


class DictCache:
    """In-memory response cache double."""

    def __init__(self) -> None:
        self.data: dict[str, Completion] = {}

    def get(self, key: str) -> Completion | None:
        return self.data.get(key)

    def put(self, key: str, completion: Completion) -> None:
        self.data[key] = completion


def test_missing_or_bad_gguf_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="does not exist"):
        load_local_backend(str(tmp_path / "nope.gguf"))
    junk = tmp_path / "junk.gguf"
    junk.write_bytes(b"not a model")
    with pytest.raises(UserError, match="not a GGUF"):
        load_local_backend(str(junk))
    with pytest.raises(UserError, match="unknown model"):
        load_local_backend("local/no-such-model")


@pytest.fixture(scope="module")
def smol() -> LocalBackend:
    return load_local_backend("local/smollm2-135m-instruct")


@pytest.mark.llm
def test_chat_answer_and_usage(smol: LocalBackend) -> None:
    messages = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]
    out = smol.generate(messages, GenerationParams(max_tokens=8), slot=0)
    assert "paris" in out.text.lower()
    assert out.model == "local/smollm2-135m-instruct"
    assert out.prompt_tokens > 5 and 0 < out.completion_tokens <= 8
    assert out.latency_s > 0 and out.cost_usd == 0
    short = smol.generate(messages, GenerationParams(max_tokens=1), slot=0)
    assert short.finish_reason == "length" and short.completion_tokens == 1
    assert short.prompt_tokens_reused > 0  # same slot, same prompt: the prefix is reused


@pytest.mark.llm
def test_second_identical_call_is_served_from_cache(smol: LocalBackend) -> None:
    lm = LM(smol, cache=DictCache())
    messages = [{"role": "user", "content": "Say hello."}]
    first = lm.complete(messages, GenerationParams(max_tokens=4))
    second = lm.complete(messages, GenerationParams(max_tokens=4))
    assert not first.cached and first.latency_s > 0
    assert second.cached and second.latency_s == 0 and second.text == first.text
    assert lm.usage.calls == 2 and lm.usage.cache_hits == 1


@pytest.mark.llm
def test_prompt_too_long_fails_permanently(smol: LocalBackend) -> None:
    tiny = LocalBackend(smol.path, n_parallel=1, ctx_per_slot=256)
    with pytest.raises(UserError, match="context"):
        tiny.generate([{"role": "user", "content": "word " * 600}], GenerationParams(max_tokens=2))


@pytest.mark.llm
def test_eight_threads_get_their_own_answers() -> None:
    backend = load_local_backend("local/qwen2.5-coder-0.5b-instruct")
    numbers = [1007 + 1111 * i for i in range(8)]

    def ask(i: int) -> str:
        messages = [{"role": "user", "content": f"Repeat this number and nothing else: {numbers[i]}"}]
        return backend.generate(messages, GenerationParams(max_tokens=8), slot=i).text

    for _ in range(2):  # the second round runs on warm, reused slot prefixes
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(ask, range(8)))
        assert [a.strip() for a in answers] == [str(n) for n in numbers]
