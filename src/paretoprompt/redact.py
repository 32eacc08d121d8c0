"""Keep secrets out of everything paretoprompt writes: messages, logs, configs and run directories.

Two rules: values of secret-looking keys (`api_key`, `token`, `authorization`, `headers`...) are
replaced wherever they sit in a mapping, and any value of a secret-looking environment variable is
replaced wherever it occurs in text (providers like to quote the key they rejected).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)", re.IGNORECASE)
SECRET_FIELD = re.compile(
    r"(api[_-]?key|(^|_)key$|token|secret|password|passwd|authorization|credential|headers$)", re.IGNORECASE
)
MIN_SECRET_LEN = 8
"""Shorter values are not treated as secrets: masking "1" or "true" everywhere would garble text."""


def env_secrets(environ: Mapping[str, str] | None = None) -> list[str]:
    """Values of environment variables whose names look secret (…_KEY, …_TOKEN, …SECRET…, …PASSWORD…)."""
    environ = os.environ if environ is None else environ
    return [v for k, v in environ.items() if SECRET_ENV.search(k) and len(v) >= MIN_SECRET_LEN]


def secret_values(data: Any, *, under_secret: bool = False) -> list[str]:
    """Strings stored under secret-looking keys of `data` (every value of a `headers` mapping),
    plus their last word, so "Bearer sk-..." is also caught when a provider quotes only the token."""
    found: list[str] = []
    if isinstance(data, Mapping):
        for k, v in data.items():
            found += secret_values(v, under_secret=under_secret or bool(SECRET_FIELD.search(str(k))))
    elif isinstance(data, list | tuple):
        for v in data:
            found += secret_values(v, under_secret=under_secret)
    elif isinstance(data, str) and under_secret and len(data) >= MIN_SECRET_LEN:
        found.append(data)
        last = data.split()[-1]
        if last != data and len(last) >= MIN_SECRET_LEN:
            found.append(last)
    return found


def redact(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret replaced by `***` (longest first, so no suffix of one survives)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def redact_data(value: Any, secrets: Iterable[str] | None = None) -> Any:
    """A copy of JSON-like `value` with secret-looking keys masked and secret strings redacted."""
    known = list(env_secrets() if secrets is None else secrets)
    if isinstance(value, Mapping):
        return {
            k: MASK if SECRET_FIELD.search(str(k)) and v not in (None, "") else redact_data(v, known)
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [redact_data(v, known) for v in value]
    if isinstance(value, str):
        return redact(value, known)
    return value
