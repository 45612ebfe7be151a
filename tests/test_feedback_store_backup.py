"""Backup and restore when it matters: restores in one second, a read-only workspace, a backup
on a read-only medium, an older backup under an open store, and counts taken from the file
written."""

import datetime as dt
import gc
import importlib
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

import feedback_store
from feedback_store.cli import main
from feedback_store.migrations import migrations

ROOT = Path(__file__).resolve().parent.parent
# The module, not the function feedback_store.backup that the package's name resolves to.
backup_module = importlib.import_module("feedback_store.backup")


def record(store, row_id, reviewer="ana", **extra):
    return store.record(sprint="S1", prototype="gbm", row_id=row_id, reviewer=reviewer,
                        verdict="correct", **extra)  # fmt: skip


def verdicts_in(path: Path) -> set[str]:
    with sqlite3.connect(path) as connection:
        return {row[0] for row in connection.execute("SELECT row_id FROM verdicts")}


class _FrozenClock(dt.datetime):
    @classmethod
    def now(cls, tz=None):
        return dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=tz)


def test_two_restores_in_the_same_second_keep_two_safety_copies(tmp_path, monkeypatch):
    monkeypatch.setattr(backup_module, "datetime", _FrozenClock)
    store = feedback_store.open(tmp_path / "ws")
    record(store, "before")
    copy = feedback_store.backup(store, tmp_path / "a.db")
    record(store, "first live")
    feedback_store.restore(copy, tmp_path / "ws", force=True)
    record(store, "second live")  # only in the live file until the next restore
    feedback_store.restore(copy, tmp_path / "ws", force=True)

    kept = sorted((tmp_path / "ws").glob("feedback.db.before-restore-*"))
    assert [path.name for path in kept] == [
        "feedback.db.before-restore-20260102T030405",
        "feedback.db.before-restore-20260102T030405-2",
    ]
    assert verdicts_in(kept[0]) == {"before", "first live"}
    assert verdicts_in(kept[1]) == {"before", "second live"}


def test_restoring_an_older_backup_upgrades_it_and_the_open_store_goes_on_writing(tmp_path):
    old = tmp_path / "old" / "feedback.db"
    old.parent.mkdir()
    with Database(old) as db:
        migrations.apply(db, stop_before="m004_create_disputes")
        db.execute(
            "INSERT INTO verdicts (sprint, prototype, row_id, created_by, created_at)"
            " VALUES ('S1', 'gbm', 'from backup', 'ana', '2025-01-01T00:00:00+00:00')"
        )
        db.execute(
            "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict, comment, tags,"
            " recorded_at) VALUES (1, 1, 'ana', 'correct', '', '[]', '2025-01-01T00:00:00+00:00')"
        )
    store = feedback_store.open(tmp_path / "ws")
    record(store, "live")

    feedback_store.restore(old, tmp_path / "ws", force=True)

    # The same store object, no restart: both writes need the newest schema.
    record(store, "after", prototype_version=3)
    store.dispute(sprint="S1", prototype="gbm", row_id="after", reviewer="ana",
                  feature="Torque", kind="too strong", shap_value=0.1)  # fmt: skip
    assert sorted(store.verdicts()["row_id"]) == ["after", "from backup"]
    assert store.schema_migrations()[-1] == "m005_add_prototype_version"
    assert len(store.disputes()) == 1


def test_the_backup_count_is_read_from_the_file_written(tmp_path, monkeypatch, capsys):
    store = feedback_store.open(tmp_path / "ws")
    for number in range(3):
        record(store, str(number))
    out = tmp_path / "b.db"
    replace = os.replace

    def replace_then_a_reviewer_writes(source, target, *args, **kwargs):
        replace(source, target, *args, **kwargs)
        if Path(target) == out:  # a verdict lands just after the copy was written
            record(feedback_store.open(tmp_path / "ws"), "late")

    monkeypatch.setattr(backup_module.os, "replace", replace_then_a_reviewer_writes)
    assert main(["backup", "--workspace", str(tmp_path / "ws"), "--out", str(out)]) == 0
    monkeypatch.undo()
    assert capsys.readouterr().out.strip().endswith("\t3 verdicts")
    assert len(verdicts_in(out)) == 3

    assert main(["restore", "--workspace", str(tmp_path / "ws"), "--backup", str(out),
                 "--force"]) == 0  # fmt: skip
    assert capsys.readouterr().out.strip().endswith("\t3 verdicts")


def _read_only(folder: Path, args: list[str]) -> subprocess.CompletedProcess:
    script = (
        'mount --bind -o ro "$1" "$1" || exit 97; '
        'if touch "$1/.write-probe" 2>/dev/null; then exit 98; fi; shift; exec "$@"'
    )
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(folder), *args],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)  # fmt: skip


def _need_read_only_mounts(folder: Path) -> None:
    if shutil.which("unshare") is None or _read_only(folder, ["true"]).returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail("unshare -m with a read-only bind mount is needed for this test")
        pytest.skip("cannot mount a folder read-only here (needs unshare -m)")


@pytest.mark.parametrize("app", ["stopped", "running"])
def test_backup_works_on_a_read_only_workspace(tmp_path, app):
    _need_read_only_mounts(tmp_path)
    workspace = tmp_path / "ws"
    store = feedback_store.open(workspace)
    for number in range(5):
        record(store, str(number))
    if app == "stopped":  # the last connection closes: no -wal or -shm beside feedback.db
        del store
        gc.collect()
        assert sorted(p.name for p in workspace.iterdir()) == ["feedback.db"]
    out = tmp_path / "out"
    out.mkdir()
    before = sorted(p.name for p in workspace.iterdir())

    result = _read_only(
        workspace,
        [
            sys.executable,
            "-m",
            "feedback_store",
            "backup",
            "--workspace",
            str(workspace),
            "--out",
            str(out / "b.db"),
        ],
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("\t5 verdicts")
    assert len(verdicts_in(out / "b.db")) == 5
    assert sorted(p.name for p in workspace.iterdir()) == before


def test_restore_only_reads_the_backup_even_a_wal_one_on_a_read_only_medium(tmp_path):
    _need_read_only_mounts(tmp_path)
    store = feedback_store.open(tmp_path / "ws")
    for number in range(2):
        record(store, str(number))
    medium = tmp_path / "medium"
    medium.mkdir()
    backup = feedback_store.backup(store, medium / "backup.db")
    with sqlite3.connect(backup) as connection:  # a WAL database, with no -wal beside it
        connection.execute("PRAGMA journal_mode = WAL")
    connection.close()
    before = backup.read_bytes()

    restore = ["restore", "--workspace", tmp_path / "ws", "--backup", backup, "--force"]
    result = _read_only(medium, [sys.executable, "-m", "feedback_store", *map(str, restore)])

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("\t2 verdicts")
    assert [path.name for path in medium.iterdir()] == ["backup.db"]
    assert backup.read_bytes() == before
