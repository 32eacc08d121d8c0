"""Where paretoprompt keeps its files. Import-light so the LM layer can use it without `assets`."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from paretoprompt.errors import UserError


def cache_dir() -> Path:
    """`$PARETOPROMPT_CACHE_DIR`, else the platform's user cache dir; created on first use."""
    root = Path(os.environ.get("PARETOPROMPT_CACHE_DIR") or platformdirs.user_cache_dir("paretoprompt"))
    try:
        root.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise UserError(
            f"cannot create cache dir {root} (set PARETOPROMPT_CACHE_DIR): {err.strerror}"
        ) from None
    return root
