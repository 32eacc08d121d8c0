"""`LiteLLMBackend`: any hosted provider or OpenAI-compatible server, through LiteLLM.

LiteLLM is an optional extra and takes seconds to import, so it is imported on first use.
Its price table is forced to the copy bundled in the wheel so that import never waits on the
network. LiteLLM's own retries are off: `LM` retries with its policy and accounts for them.
"""

from __future__ import annotations

import email.utils
import os
import re
import time
from collections.abc import Mapping
from types import ModuleType
from typing import Any

from paretoprompt.errors import PermanentLMError, TransientLMError, UserError
from paretoprompt.lm.base import Completion, FinishReason, GenerationParams, Messages
from paretoprompt.redact import env_secrets, redact, secret_values


def import_litellm() -> ModuleType:
    """The litellm module, configured to load prices offline and to stay quiet."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    try:
        import litellm
    except ImportError:
        raise UserError("hosted models need LiteLLM: pip install 'paretoprompt[litellm]'") from None
    litellm.suppress_debug_info = True
    return litellm


class LiteLLMBackend:
    """A `Backend` for a LiteLLM model string such as `openai/gpt-4.1-mini` or `ollama/llama3`.

    `extra` is passed to `litellm.completion` as is (e.g. `mock_response` in tests). Errors are
    mapped to `TransientLMError` / `PermanentLMError` with one-line, secret-free messages.
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        self._model = model
        self.api_base = api_base
        self._api_key = api_key
        self.timeout_s = timeout_s
        self.extra = dict(extra or {})
        self._litellm = import_litellm()
        try:
            self._litellm.get_llm_provider(model, api_base=api_base)
        except Exception as err:
            raise PermanentLMError(
                f"unknown model {model!r}: LiteLLM has no provider for it (use provider/model, "
                f"e.g. openai/gpt-4.1-mini): {self._one_line(err)}"
            ) from None

    @property
    def model(self) -> str:
        return self._model

    def __repr__(self) -> str:
        return f"LiteLLMBackend(model={self._model!r}, api_base={self.api_base!r})"

    def request_kwargs(self, messages: Messages, params: GenerationParams) -> dict[str, Any]:
        """The exact keyword arguments given to `litellm.completion`."""
        kwargs: dict[str, Any] = {
            "model": self._model,
            "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
            "temperature": params.temperature,
            "max_tokens": params.max_tokens,
            "timeout": self.timeout_s,
            "num_retries": 0,
            "drop_params": True,  # e.g. providers without `seed` ignore it instead of failing
        }
        if params.stop:
            kwargs["stop"] = list(params.stop)
        if params.seed is not None:
            kwargs["seed"] = params.seed
        if self.api_base is not None:
            kwargs["api_base"] = self.api_base
        if self._api_key is not None:
            kwargs["api_key"] = self._api_key
        kwargs.update(self.extra)
        return kwargs

    def generate(
        self, messages: Messages, params: GenerationParams, *, slot: int | None = None
    ) -> Completion:
        kwargs = self.request_kwargs(messages, params)
        start = time.perf_counter()
        try:
            response = self._litellm.completion(**kwargs)
        except Exception as err:
            raise self._map_error(err) from None  # `from None`: the original may quote the key
        latency = time.perf_counter() - start
        choice = response.choices[0]
        usage = getattr(response, "usage", None)
        details = getattr(usage, "prompt_tokens_details", None)
        return Completion(
            text=choice.message.content or "",
            model=self._model,
            prompt_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            completion_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost_usd=self._cost(response),
            latency_s=latency,
            finish_reason=_finish_reason(choice.finish_reason),
            prompt_tokens_reused=int(getattr(details, "cached_tokens", 0) or 0),
        )

    def _cost(self, response: Any) -> float:
        """USD from LiteLLM's bundled price table; 0.0 for models it does not price."""
        try:
            return float(self._litellm.completion_cost(completion_response=response) or 0.0)
        except Exception:
            return 0.0

    def _map_error(self, err: Exception) -> Exception:
        ex = self._litellm.exceptions
        message = f"{self._model}: {type(err).__name__}: {self._one_line(err)}"
        permanent = (
            ex.AuthenticationError,
            ex.NotFoundError,
            ex.BadRequestError,
            ex.PermissionDeniedError,
            ex.UnprocessableEntityError,
        )
        if isinstance(err, permanent):
            return PermanentLMError(message)
        if isinstance(err, ex.RateLimitError):
            return TransientLMError(message, retry_after=_retry_after(err))
        if isinstance(
            err, ex.Timeout | ex.APIConnectionError | ex.InternalServerError | ex.ServiceUnavailableError
        ):
            return TransientLMError(message)
        status = getattr(err, "status_code", None)
        if isinstance(status, int) and (status >= 500 or status in (408, 409, 429)):
            return TransientLMError(message, retry_after=_retry_after(err))
        return PermanentLMError(message)

    def _one_line(self, err: Exception) -> str:
        text = redact(str(err), self._secrets()).strip()  # before cutting, so no key prefix survives
        text = re.sub(r"^litellm\.\w+:\s*", "", text)
        return text.splitlines()[0][:300] if text else type(err).__name__

    def _secrets(self) -> list[str]:
        found = env_secrets() + secret_values(self.extra)  # e.g. extra_headers={"Authorization": ...}
        if self._api_key:
            found.append(self._api_key)
        return found


def _finish_reason(reason: str | None) -> FinishReason:
    if reason in ("length", "max_tokens"):
        return "length"
    if reason in ("content_filter", "error"):
        return "error"
    return "stop"


def _retry_after(err: Exception) -> float | None:
    """Seconds from a Retry-After (or retry-after-ms) header, as seconds or an HTTP date."""
    headers: dict[str, str] = {}
    for source in (getattr(getattr(err, "response", None), "headers", None), getattr(err, "headers", None)):
        if source:
            headers.update({str(k).lower(): str(v) for k, v in source.items()})
    if "retry-after-ms" in headers:
        try:
            return max(float(headers["retry-after-ms"]) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
