"""A training export's file and its manifest are written as one pair: a manifest that cannot
be written leaves the previous file untouched, the error names the manifest, and the manifest
names its file's size and SHA-256, so a file beside another export's manifest is told apart."""

import hashlib
import importlib
import os
from pathlib import Path

import pytest
from cli_support import run_cli

import feedback_store

ROOT = Path(__file__).resolve().parents[1]
paired = importlib.import_module("feedback_store.paired_files")


@pytest.fixture
def store(tmp_path):
    store = feedback_store.open(tmp_path / "ws")
    for row, verdict in (("1", "wrong"), ("2", "correct")):
        store.record(sprint="S1", prototype="gbm", row_id=row, reviewer="ana", verdict=verdict,
                     corrected_label="1" if verdict == "wrong" else None,
                     features={"Torque": 65.2}, prediction={"label": "0", "confidence": 0.8},
                     task="binary")  # fmt: skip
    return store


@pytest.fixture
def earlier(tmp_path):
    """An earlier export's file and manifest in the output folder."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "train.csv").write_text("label,row_id\nOLD,OLD\n")
    (out / "train.csv.manifest.json").write_text('{"file": "train.csv", "old": true}\n')
    return out


def contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def test_the_manifest_names_the_size_and_sha256_of_its_file(store, tmp_path):
    result = store.export_training(tmp_path / "train.parquet", "parquet")

    data = result.path.read_bytes()
    assert result.manifest["file_bytes"] == len(data)
    assert result.manifest["file_sha256"] == hashlib.sha256(data).hexdigest()
    assert result.intact
    result.path.write_bytes(data + b"\n")  # the file replaced by another export's
    assert not result.intact


def test_a_manifest_that_cannot_be_written_leaves_the_previous_export_whole(store, earlier):
    (earlier / "train.csv.manifest.json").unlink()
    (earlier / "train.csv.manifest.json" / "x").mkdir(parents=True)
    before = contents(earlier)

    with pytest.raises(OSError) as failed:
        store.export_training(earlier / "train.csv", "csv")

    message = str(failed.value)
    assert message.startswith(f"cannot write {earlier / 'train.csv.manifest.json'}: ")
    assert message.endswith("nothing was written")
    assert contents(earlier) == before
    assert sorted(os.listdir(earlier)) == ["train.csv", "train.csv.manifest.json"]


def test_a_failure_of_the_last_rename_puts_the_previous_manifest_back(store, earlier, monkeypatch):
    before = contents(earlier)
    replace = os.replace

    def failing(source, destination):
        if Path(destination).name == "train.csv":
            raise OSError(28, "No space left on device")
        replace(source, destination)

    monkeypatch.setattr(paired.os, "replace", failing)
    with pytest.raises(OSError, match=r"cannot write .*train\.csv: No space left on device;"):
        store.export_training(earlier / "train.csv", "csv")

    assert contents(earlier) == before
    assert sorted(os.listdir(earlier)) == ["train.csv", "train.csv.manifest.json"]


def test_cli_names_the_manifest_that_failed_and_exits_2(store, earlier):
    (earlier / "train.csv.manifest.json").unlink()
    (earlier / "train.csv.manifest.json" / "x").mkdir(parents=True)
    before = contents(earlier)

    result = run_cli(
        "feedback_store", "export-training", "--workspace", str(store.path.parent),
        "--format", "csv", "--out", str(earlier / "train.csv"), cwd=ROOT, timeout=120,
    )  # fmt: skip

    assert result.returncode == 2
    assert result.stderr.startswith(f"error: cannot write {earlier / 'train.csv.manifest.json'}")
    assert result.stderr.count("\n") == 1
    assert contents(earlier) == before
