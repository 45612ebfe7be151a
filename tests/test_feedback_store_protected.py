"""No export (nor backup) is written over the live verdicts database, its -wal/-shm/-journal,
the copies a restore kept, the workspace's own files or a published prototype's files: one
line, exit 2 on the command line, and every file of the workspace byte for byte as before."""

import os
from pathlib import Path

import pytest
from cli_support import run_cli

import feedback_store
import model
from feedback_store.protected import WORKSPACE_FILES

ROOT = Path(__file__).resolve().parents[1]
PROTOTYPE = Path("sprints", "S1", "prototypes", "gbm")


@pytest.fixture
def workspace(tmp_path):
    """A workspace with two verdicts (one with features, for the training export) and the
    files of a published prototype."""
    ws = model.open_workspace(tmp_path / "ws")
    store = feedback_store.open(ws.path)
    store.record(sprint="S1", prototype="gbm", row_id="1", reviewer="ana", verdict="wrong",
                 corrected_label="1", features={"Torque": 65.2},
                 prediction={"label": "0", "confidence": 0.8}, task="binary")  # fmt: skip
    store.record(sprint="S1", prototype="gbm", row_id="2", reviewer="bob", verdict="correct",
                 features={"Torque": 40.0}, prediction={"label": "0", "confidence": 0.9},
                 task="binary")  # fmt: skip
    (ws.path / PROTOTYPE).mkdir(parents=True)
    (ws.path / PROTOTYPE / "predictions.parquet").write_bytes(b"PAR1 predictions")
    (ws.path / PROTOTYPE / "prototype.json").write_text("{}")
    (ws.path / "feedback.db.before-restore-20260101T000000").write_bytes(b"kept")
    return store, ws.path


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (but SQLite's -shm, which each reader updates)."""
    return {
        str(path.relative_to(folder)): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.name.endswith("-shm")
    }


def out_path(kind: str, ws: Path, tmp_path: Path) -> Path:
    if kind in ("symlink", "hardlink"):
        out = tmp_path / f"{kind}.csv"
        (os.symlink if kind == "symlink" else os.link)(ws / "feedback.db", out)
        return out
    if kind == "prototype symlink":
        out = tmp_path / "linked.csv"
        os.symlink(ws / PROTOTYPE / "prototype.json", out)
        return out
    return ws / kind


TARGETS = [
    "feedback.db", "feedback.db-wal", "feedback.db-shm", "feedback.db-journal", "symlink",
    "hardlink", "workspace.json", ".lock", "feedback.db.before-restore-20260101T000000",
    str(PROTOTYPE / "predictions.parquet"), str(PROTOTYPE / "prototype.json"),
    str(PROTOTYPE / "new.csv"), "prototype symlink",
]  # fmt: skip


@pytest.mark.parametrize("kind", TARGETS)
def test_export_onto_a_file_of_the_workspace_is_refused(workspace, tmp_path, kind):
    store, ws = workspace
    out = out_path(kind, ws, tmp_path)
    before = files(ws)

    with pytest.raises(feedback_store.StorageError) as refused:
        store.export(out, "csv")

    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{out} is ")
    assert message.endswith("nothing was written")
    assert files(ws) == before
    assert len(store.verdicts()) == 2


@pytest.mark.parametrize("kind", ["feedback.db", str(PROTOTYPE / "predictions.parquet")])
def test_training_export_onto_a_file_of_the_workspace_is_refused(workspace, tmp_path, kind):
    store, ws = workspace
    out = out_path(kind, ws, tmp_path)
    before = files(ws)

    with pytest.raises(feedback_store.StorageError, match="nothing was written$"):
        store.export_training(out, "csv")

    assert files(ws) == before


def test_a_training_export_whose_manifest_would_land_on_a_workspace_file_is_refused(workspace):
    store, ws = workspace
    before = files(ws)
    (ws / "x.manifest.json").symlink_to(ws / "workspace.json")

    with pytest.raises(feedback_store.StorageError, match="workspace.json"):
        store.export_training(ws / "x", "csv")

    assert files(ws) == before


def test_export_into_another_workspaces_prototype_is_refused(workspace, tmp_path):
    _, ws = workspace
    other = feedback_store.open(model.open_workspace(tmp_path / "other").path)
    before = files(ws)

    with pytest.raises(feedback_store.StorageError, match="sprints folder"):
        other.export(ws / PROTOTYPE / "predictions.parquet", "parquet")

    assert files(ws) == before


def test_export_beside_the_database_is_still_written(workspace, tmp_path):
    store, ws = workspace
    assert store.export(ws / "verdicts.csv", "csv").read_text().count("\n") == 3
    assert store.export_training(tmp_path / "train.csv", "csv").rows == 2


@pytest.mark.parametrize(
    ("package", "verb"),
    [
        ("feedback_store", "export"),
        ("feedback_store", "export-training"),
        ("model", "export"),
        ("model", "export-training"),
    ],
)
def test_cli_export_onto_the_live_database_exits_2_and_writes_nothing(workspace, package, verb):
    store, ws = workspace
    before = files(ws)
    out = ws / "feedback.db"

    result = run_cli(
        package, verb, "--workspace", str(ws), "--format", "csv", "--out", str(out), cwd=ROOT,
        timeout=120,
    )  # fmt: skip

    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith(f"error: {out} is the live database:")
    assert result.stderr.count("\n") == 1
    assert files(ws) == before
    assert len(store.verdicts()) == 2


def test_the_workspace_files_named_are_those_the_workspace_keeps():
    from model.access import ACCESS_FILE
    from model.demo import MARKER

    assert {"workspace.json", ".lock", ".demo.lock", ACCESS_FILE, MARKER} <= set(WORKSPACE_FILES)
