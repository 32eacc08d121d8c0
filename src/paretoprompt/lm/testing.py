"""LM doubles for tests: a scripted backend whose answers come from a function or a list."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

from paretoprompt.lm.base import Completion, GenerationParams, Messages

Responder = Callable[[Messages, GenerationParams], str]


class ScriptedBackend:
    """Answers from `script`: a function of (messages, params), or a list consumed in order.

    Every request is kept in `requests` so tests can assert exactly what was asked.
    Token counts are whitespace word counts, so accounting tests have exact numbers.
    """

    def __init__(self, script: Responder | Sequence[str], *, model: str = "scripted") -> None:
        self._model = model
        self._lock = threading.Lock()
        self._queue = None if callable(script) else list(script)
        self._fn = script if callable(script) else None
        self.requests: list[tuple[list[dict[str, str]], GenerationParams, int | None]] = []

    @property
    def model(self) -> str:
        return self._model

    def generate(
        self, messages: Messages, params: GenerationParams, *, slot: int | None = None
    ) -> Completion:
        with self._lock:
            self.requests.append(([dict(m) for m in messages], params, slot))
            if self._fn is not None:
                text = self._fn(messages, params)
            elif self._queue:
                text = self._queue.pop(0)
            else:
                raise AssertionError("ScriptedBackend ran out of scripted answers")
        prompt_tokens = sum(len(m["content"].split()) for m in messages)
        return Completion(
            text=text,
            model=self._model,
            prompt_tokens=prompt_tokens,
            completion_tokens=len(text.split()),
        )

    @property
    def calls(self) -> int:
        return len(self.requests)
