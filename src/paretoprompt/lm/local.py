"""Embedded GGUF models served in-process by xllamacpp (llama.cpp), with parallel slots.

A model is loaded once per process, lazily, and shared by every `LocalBackend` that names the
same (file, slots, context). llama.cpp's server queue does the batching: the call releases the
GIL, so plain threads give concurrent decoding. Pinning a caller to a slot keeps its prompt
prefix in that slot's KV cache, which makes repeated calls with a shared system prompt cheap.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any

from paretoprompt.errors import PermanentLMError, TransientLMError, UserError
from paretoprompt.lm.base import Completion, GenerationParams, Messages

DEFAULT_SLOTS = 4
"""Decoding slots of a model when the caller does not say how many calls it keeps in flight."""
_SERVERS: dict[tuple[str, int, int, int], Any] = {}
_SERVERS_LOCK = threading.Lock()


def default_threads() -> int:
    """All usable cores, capped at 8: CPU decoding is memory-bound beyond that."""
    return max(1, min(len(os.sched_getaffinity(0)), 8))


def _load_server(path: Path, n_parallel: int, n_ctx: int, n_threads: int) -> Any:
    key = (str(path), n_parallel, n_ctx, n_threads)
    with _SERVERS_LOCK:
        server = _SERVERS.get(key)
        if server is None:
            import xllamacpp  # a native extension: import only when a local model is used

            p = xllamacpp.CommonParams()
            p.model.path = str(path)
            p.n_ctx = n_ctx
            p.n_parallel = n_parallel
            p.cpuparams.n_threads = n_threads
            p.cpuparams_batch.n_threads = n_threads
            p.verbosity = 0  # llama.cpp logs to stderr otherwise
            # The host-RAM prompt cache corrupts answers when slot-pinned requests queue for one
            # slot (3 of 40 truncated here, 0 of 80 without it); each slot's own KV prefix cache stays.
            p.cache_ram_mib = 0
            try:
                server = xllamacpp.Server(p)
            except Exception as err:  # the extension raises plain RuntimeError/ValueError
                raise UserError(f"cannot load model {path}: {err}") from err
            _SERVERS[key] = server
        return server


class LocalBackend:
    """A `Backend` for one GGUF file; `ctx_per_slot` tokens of context for each of `n_parallel` slots."""

    def __init__(
        self,
        path: Path,
        *,
        model: str | None = None,
        n_parallel: int = DEFAULT_SLOTS,
        ctx_per_slot: int = 4096,
        n_threads: int | None = None,
    ) -> None:
        if n_parallel < 1 or ctx_per_slot < 256:
            raise UserError(f"need n_parallel >= 1 and ctx_per_slot >= 256, got {n_parallel}, {ctx_per_slot}")
        self.path = Path(path)
        self._model = model or self.path.name
        self.n_parallel = n_parallel
        self.ctx_per_slot = ctx_per_slot
        self.n_threads = n_threads or default_threads()

    @property
    def model(self) -> str:
        return self._model

    def _server(self) -> Any:
        return _load_server(self.path, self.n_parallel, self.n_parallel * self.ctx_per_slot, self.n_threads)

    def warm_up(self) -> None:
        """Load the model now instead of on the first call (so load time is not billed to it)."""
        self._server()

    def generate(
        self, messages: Messages, params: GenerationParams, *, slot: int | None = None
    ) -> Completion:
        request: dict[str, Any] = {
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "max_tokens": params.max_tokens,
            "temperature": params.temperature,
        }
        if params.stop:
            request["stop"] = list(params.stop)
        if params.seed is not None:
            request["seed"] = params.seed
        if slot is not None:
            request["id_slot"] = slot % self.n_parallel
        server = self._server()
        start = time.perf_counter()
        response = server.handle_chat_completions(request)
        latency = time.perf_counter() - start
        if "error" in response:
            raise _error(self._model, response["error"])
        choice = response["choices"][0]
        usage = response.get("usage", {})
        timings = response.get("timings", {})
        return Completion(
            text=choice["message"].get("content") or "",
            model=self._model,
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            cost_usd=0.0,
            latency_s=latency,
            finish_reason="length" if choice.get("finish_reason") == "length" else "stop",
            prompt_tokens_reused=int(timings.get("cache_n", 0)),
        )


def _error(model: str, error: dict[str, Any]) -> Exception:
    """Server errors come back as data: 5xx (busy, loading) may pass, 4xx (e.g. prompt too long) never will."""
    code = int(error.get("code", 500))
    message = f"{model}: {error.get('message', error)}"
    return TransientLMError(message) if code >= 500 else PermanentLMError(message)


def load_local_backend(
    spec: str, *, n_parallel: int = DEFAULT_SLOTS, ctx_per_slot: int = 4096
) -> LocalBackend:
    """A backend from `local/<registered name>` (fetched if needed) or a path to a `.gguf` file."""
    if spec.startswith("local/"):
        from paretoprompt.assets import model_path  # assets sits above lm; imported on use only

        name = spec.removeprefix("local/")
        return LocalBackend(model_path(name), model=spec, n_parallel=n_parallel, ctx_per_slot=ctx_per_slot)
    path = Path(spec).expanduser()
    if not path.is_file():
        raise UserError(f"model file {spec} does not exist (expected local/<name> or a path to a .gguf file)")
    with open(path, "rb") as fh:
        if fh.read(4) != b"GGUF":
            raise UserError(f"model file {spec} is not a GGUF file")
    return LocalBackend(path, model=path.name, n_parallel=n_parallel, ctx_per_slot=ctx_per_slot)
