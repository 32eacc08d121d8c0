"""Canonical response-cache keys: model + messages + every sampling parameter + sample index."""

from __future__ import annotations

import hashlib
import json

from paretoprompt.lm.base import GenerationParams, Messages


def cache_key(model: str, messages: Messages, params: GenerationParams, sample_index: int = 0) -> str:
    """A sha256 hex digest; `sample_index` keeps repeated samples at temperature > 0 distinct."""
    payload = {
        "model": model,
        "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
        "temperature": params.temperature,
        "max_tokens": params.max_tokens,
        "stop": list(params.stop),
        "seed": params.seed,
        "sample": sample_index,
    }
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()
