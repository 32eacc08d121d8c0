"""SqliteCache: distinct keys per parameter, hits through LM, concurrency across threads and processes."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest

from paretoprompt.errors import UserError
from paretoprompt.lm import LM, Completion, GenerationParams
from paretoprompt.lm.cache import SqliteCache, default_cache_path
from paretoprompt.lm.cache_key import cache_key
from paretoprompt.lm.testing import ScriptedBackend

MSGS = [{"role": "user", "content": "What is 2+2?"}]
BASE = GenerationParams()


def test_every_parameter_changes_the_key_and_entry(tmp_path: Path) -> None:
    variants = [
        ("m", MSGS, BASE, 0),
        ("m", MSGS, GenerationParams(temperature=0.7), 0),
        ("m", MSGS, GenerationParams(max_tokens=16), 0),
        ("m", MSGS, GenerationParams(stop=("\n",)), 0),
        ("m", MSGS, GenerationParams(seed=1), 0),
        ("m", MSGS, BASE, 1),
        ("m", [{"role": "user", "content": "What is 3+3?"}], BASE, 0),
        ("m", [{"role": "system", "content": "What is 2+2?"}], BASE, 0),
        ("other", MSGS, BASE, 0),
    ]
    keys = [cache_key(*v) for v in variants]
    assert len(set(keys)) == len(variants)
    cache = SqliteCache(tmp_path / "c.sqlite")
    for i, key in enumerate(keys):
        cache.put(key, Completion(text=f"answer {i}", model="m"))
    assert len(cache) == len(variants)
    assert [cache.get(k).text for k in keys] == [f"answer {i}" for i in range(len(keys))]
    assert cache_key(*variants[0]) == keys[0]  # stable


def test_roundtrip_keeps_every_field(tmp_path: Path) -> None:
    c = Completion(
        text="héllo ✓", model="m", prompt_tokens=3, completion_tokens=2, cost_usd=0.25,
        latency_s=1.5, finish_reason="length", prompt_tokens_reused=1,
    )  # fmt: skip
    cache = SqliteCache(tmp_path / "c.sqlite")
    cache.put("k", c)
    assert SqliteCache(tmp_path / "c.sqlite").get("k") == c  # persistent across instances


def test_hit_through_lm_is_cached_with_zero_latency_and_counted(tmp_path: Path) -> None:
    backend = ScriptedBackend(lambda m, p: "four")
    cache = SqliteCache(tmp_path / "c.sqlite")
    lm = LM(backend, cache=cache)
    first = lm.complete(MSGS)
    second = lm.complete(MSGS)
    assert not first.cached
    assert second.cached and second.latency_s == 0.0 and second.text == "four"
    assert backend.calls == 1
    assert (cache.hits, cache.misses, cache.hit_rate) == (1, 1, 0.5)
    assert lm.usage.cache_hits == 1 and lm.usage.cache_hit_rate == 0.5
    lm.complete(MSGS, GenerationParams(temperature=1.0))
    assert backend.calls == 2


def test_clear_and_bypass(tmp_path: Path) -> None:
    cache = SqliteCache(tmp_path / "c.sqlite")
    cache.put("k", Completion(text="x", model="m"))
    cache.get("k")
    cache.clear()
    assert len(cache) == 0 and cache.get("k") is None and cache.hits == 0
    backend = ScriptedBackend(lambda m, p: "x")
    lm = LM(backend, cache=None)
    lm.complete(MSGS)
    lm.complete(MSGS)
    assert backend.calls == 2


def test_unusable_rows_are_misses(tmp_path: Path) -> None:
    cache = SqliteCache(tmp_path / "c.sqlite")
    cache._execute("INSERT INTO responses VALUES ('bad', 'not json')")
    assert cache.get("bad") is None and cache.misses == 1


def test_bad_path_is_a_user_error(tmp_path: Path) -> None:
    (tmp_path / "dir.sqlite").mkdir()
    with pytest.raises(UserError, match=r"dir\.sqlite"):
        SqliteCache(tmp_path / "dir.sqlite")
    (tmp_path / "junk.sqlite").write_bytes(b"this is not a database" * 100)
    with pytest.raises(UserError, match=r"junk\.sqlite"):
        SqliteCache(tmp_path / "junk.sqlite")


def test_default_path_honours_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARETOPROMPT_CACHE_DIR", str(tmp_path / "cachedir"))
    assert default_cache_path() == tmp_path / "cachedir" / "responses.sqlite"
    assert SqliteCache().path == tmp_path / "cachedir" / "responses.sqlite"


def _write_many(path: str, tag: str, n: int) -> None:
    cache = SqliteCache(path)
    for i in range(n):
        cache.put(f"{tag}-{i}", Completion(text=f"{tag} {i}", model="m"))
        assert cache.get(f"{tag}-{i}").text == f"{tag} {i}"
        cache.put("shared", Completion(text=tag, model="m"))


def test_eight_threads_and_two_processes_write_concurrently(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    cache = SqliteCache(path)
    n = 60
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_write_many, args=(path, f"p{j}", n)) for j in range(2)]
    for p in procs:
        p.start()
    errors: list[BaseException] = []

    def worker(tag: str) -> None:
        try:
            _write_many(path, tag, n)
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(f"t{j}",)) for j in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for p in procs:
        p.join(timeout=120)
    assert not errors
    assert [p.exitcode for p in procs] == [0, 0]
    assert len(cache) == 10 * n + 1
    tags = [f"t{j}" for j in range(8)] + ["p0", "p1"]
    assert all(cache.get(f"{tag}-{i}").text == f"{tag} {i}" for tag in tags for i in range(n))
    assert cache.get("shared").text in tags
