"""`make_lm`: a model spec string from the user to a ready `LM`.

Specs: `local/NAME` or `PATH.gguf` for embedded models, `provider/model` for anything LiteLLM
serves. The LiteLLM backend is imported lazily so a local-only run never imports LiteLLM; the
embedded one is cheap to import (xllamacpp itself loads with the first model).
"""

from __future__ import annotations

import os
import threading
from typing import Literal

from paretoprompt.errors import UserError
from paretoprompt.lm.base import Backend, GenerationParams
from paretoprompt.lm.cache import SqliteCache, default_cache_path
from paretoprompt.lm.client import LM, ResponseCache
from paretoprompt.lm.local import DEFAULT_SLOTS, load_local_backend
from paretoprompt.lm.retry import RetryPolicy
from paretoprompt.lm.usage import UsageLedger

_DEFAULT_CACHES: dict[str, SqliteCache] = {}
_LOCK = threading.Lock()


def cache_disabled() -> bool:
    """True when `PARETOPROMPT_NO_CACHE` is set to a truthy value."""
    return os.environ.get("PARETOPROMPT_NO_CACHE", "").strip().lower() in ("1", "true", "yes", "on")


def default_cache() -> SqliteCache | None:
    """The shared cache at the default path (one instance per path per process), or None if disabled."""
    if cache_disabled():
        return None
    path = str(default_cache_path())
    with _LOCK:
        if path not in _DEFAULT_CACHES:
            _DEFAULT_CACHES[path] = SqliteCache(path)
        return _DEFAULT_CACHES[path]


def make_backend(spec: str, *, api_base: str | None = None, slots: int = DEFAULT_SLOTS) -> Backend:
    """The backend a spec names; `UserError` for specs that name none.

    `slots`: the sequences an embedded model decodes in parallel. Pass the number of calls kept in flight:
    with fewer slots, callers pinned to the same slot wait for each other. API backends ignore it."""
    spec = spec.strip()
    if spec.startswith("local/") or spec.endswith(".gguf"):
        return load_local_backend(spec, n_parallel=slots)
    provider, _, name = spec.partition("/")
    if provider and name:
        from paretoprompt.lm.litellm_backend import LiteLLMBackend

        return LiteLLMBackend(spec, api_base=api_base)
    raise UserError(f"unknown model spec {spec!r}: use local/NAME, a .gguf path, or provider/model")


def make_lm(
    spec: str,
    *,
    role: str = "task",
    cache: ResponseCache | Literal["default"] | None = "default",
    ledger: UsageLedger | None = None,
    retry: RetryPolicy | None = None,
    defaults: GenerationParams | None = None,
    api_base: str | None = None,
    slots: int = DEFAULT_SLOTS,
) -> LM:
    """An `LM` for `spec`. `cache="default"` is the shared SQLite cache unless PARETOPROMPT_NO_CACHE=1;
    `slots` as in `make_backend`."""
    backend = make_backend(spec, api_base=api_base, slots=slots)
    resolved = default_cache() if cache == "default" else cache
    return LM(backend, role=role, cache=resolved, retry=retry, ledger=ledger, defaults=defaults)
