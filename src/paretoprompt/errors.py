"""Error types shared by every layer.

`UserError` is the only exception the CLI turns into a one-line message and exit code 2;
everything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class ParetoPromptError(Exception):
    """Base class for all errors raised on purpose by paretoprompt."""


class UserError(ParetoPromptError):
    """Bad input from the user (config, data file, model name, budget...). Exit code 2."""


class LMError(ParetoPromptError):
    """A model call failed."""


class TransientLMError(LMError):
    """A failure worth retrying: timeout, 429, 5xx, connection reset.

    `retry_after` carries a provider's Retry-After hint in seconds, when it gave one.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentLMError(LMError, UserError):
    """A failure no retry can fix: bad key, unknown model, malformed request."""


class AssetError(UserError):
    """A model or dataset could not be fetched or failed verification."""
