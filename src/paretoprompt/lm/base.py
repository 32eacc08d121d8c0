"""The one interface every model speaks: chat messages in, `Completion` out.

Backends implement `Backend.generate`; everything above (cache, retries, accounting)
wraps a backend in `LM` (see `lm/client.py`) so all models behave the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol, runtime_checkable

Message = Mapping[str, str]
"""An OpenAI-style chat message: {"role": "system"|"user"|"assistant", "content": "..."}."""

Messages = Sequence[Message]

Role = Literal["task", "reflection"]
"""Which job an LM does in an optimization; usage is accounted per role."""

FinishReason = Literal["stop", "length", "error"]


@dataclass(frozen=True)
class GenerationParams:
    """Sampling parameters. Every field is part of the response-cache key."""

    temperature: float = 0.0
    max_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.temperature <= 2.0:
            raise ValueError(f"temperature must be in [0, 2], got {self.temperature}")
        if self.max_tokens < 1:
            raise ValueError(f"max_tokens must be >= 1, got {self.max_tokens}")


@dataclass(frozen=True)
class Completion:
    """One sampled answer plus what it cost."""

    text: str
    model: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0
    finish_reason: FinishReason = "stop"
    cached: bool = False
    prompt_tokens_reused: int = 0
    """Prompt tokens served from the backend's prefix (KV) cache, when it reports them."""
    injected_fault: str | None = None
    """The fault kind a drill (`FaultInjectingBackend`) damaged this answer with; never cached."""

    @property
    def tokens_per_second(self) -> float:
        """Generation speed; 0 for cached answers or instant backends."""
        return self.completion_tokens / self.latency_s if self.latency_s > 0 else 0.0


@runtime_checkable
class Backend(Protocol):
    """A model provider. Implementations must be safe to call from many threads."""

    @property
    def model(self) -> str:
        """Stable model identifier, used in cache keys and reports."""
        ...

    def generate(
        self, messages: Messages, params: GenerationParams, *, slot: int | None = None
    ) -> Completion:
        """Run one chat completion.

        `slot` is a hint: calls sharing a slot reuse the backend's prompt-prefix cache
        (local backends); hosted backends ignore it. Raise `TransientLMError` for retryable
        failures and `PermanentLMError` for the rest.
        """
        ...
