"""A backup is refused unless it is exactly what feedback_store writes, and ``backup`` never
writes over the live database: one line, exit 2, and the live files byte for byte as before."""

import importlib
import os
import sqlite3
from pathlib import Path

import pytest
from cli_support import run_cli
from sqlite_utils import Database

import feedback_store
from feedback_store.migrations import migrations

ROOT = Path(__file__).resolve().parents[1]
backup_module = importlib.import_module("feedback_store.backup")
REFUSED = ": refusing to restore it; nothing was changed"
VERSION = {
    "verdict_id": 1, "version": 2, "reviewer": "ana", "verdict": "correct",
    "corrected_label": None, "comment": "", "tags": "[]", "key": None,
    "recorded_at": "2026-01-01T00:00:00+00:00", "features": None, "prediction": None,
    "task": None, "prototype_version": None, "prototype_content": None,
}  # fmt: skip


def run(*args):
    return run_cli("feedback_store", *map(str, args), cwd=ROOT, timeout=60)


@pytest.fixture
def live(tmp_path):
    """A workspace whose store stays open (the app running), and a backup of it."""
    store = feedback_store.open(tmp_path / "ws")
    store.record(sprint="S1", prototype="gbm", row_id="1", reviewer="ana", verdict="wrong",
                 corrected_label="1", tags=["sensor"], features={"Torque": 65.2},
                 prediction={"label": "0", "confidence": 0.8}, task="binary")  # fmt: skip
    store.record(sprint="S1", prototype="gbm", row_id="2", reviewer="bob", verdict="correct")
    store.dispute(sprint="S1", prototype="gbm", row_id="1", reviewer="ana", feature="Torque",
                  kind="too strong", shap_value=0.3)  # fmt: skip
    feedback_store.backup(store, tmp_path / "backup.db")
    return store, tmp_path / "ws", tmp_path / "backup.db"


def files(folder: Path) -> dict[str, bytes]:
    """Every file's bytes but the -shm's, SQLite's shared index that each reader updates."""
    return {
        path.name: path.read_bytes()
        for path in sorted(folder.iterdir())
        if path.is_file() and not path.name.endswith("-shm")
    }


def tamper(path: Path, sql: str) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.executescript(sql)
    finally:
        connection.close()


def add_version(path: Path, **values) -> None:
    row = {**VERSION, **values}
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA ignore_check_constraints = ON")
        connection.execute(
            f"INSERT INTO verdict_versions ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()),
        )
        connection.commit()
    finally:
        connection.close()


TAMPERED = {
    "an extra trigger": (
        lambda b: tamper(
            b, "CREATE TRIGGER forge AFTER INSERT ON verdict_versions BEGIN SELECT 1; END"
        ),
        "backup.db: trigger 'forge' is not one feedback_store creates",
    ),
    "an append-only trigger dropped": (
        lambda b: tamper(b, "DROP TRIGGER verdict_versions_no_delete"),
        "backup.db: trigger 'verdict_versions_no_delete', which feedback_store creates",
    ),
    "an extra view": (
        lambda b: tamper(b, "CREATE VIEW everything AS SELECT * FROM verdicts"),
        "backup.db: view 'everything' is not one feedback_store creates",
    ),
    "a view in place of a table": (
        lambda b: tamper(
            b, "ALTER TABLE disputes RENAME TO kept; CREATE VIEW disputes AS SELECT * FROM kept"
        ),
        "backup.db: view 'disputes' stands where feedback_store has a table",
    ),
    "a column dropped": (
        lambda b: tamper(b, "ALTER TABLE verdict_versions DROP COLUMN prototype_content"),
        "backup.db: table 'verdict_versions' lacks column 'prototype_content'",
    ),
    "a CHECK constraint removed": (
        lambda b: tamper(
            b,
            "PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql ="
            " replace(sql, 'CHECK (task IN', 'CHECK (1 OR task IN')"
            " WHERE name = 'verdict_versions'",
        ),
        "backup.db: table 'verdict_versions' is not defined as feedback_store defines it",
    ),
    "a schema step from a newer version": (
        lambda b: tamper(
            b,
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
            " VALUES ('feedback_store', 'm099_future', '2027')",
        ),
        "backup.db: its schema step 'm099_future' is not one this feedback_store knows",
    ),
    "verdict 'maybe'": (
        lambda b: add_version(b, verdict="maybe"),
        "backup.db: verdict_versions row 3: verdict must be one of correct, wrong, unsure;"
        " got 'maybe'",
    ),
    "tags that are not JSON": (
        lambda b: add_version(b, tags="not json"),
        "backup.db: verdict_versions row 3: tags is not JSON: 'not json'",
    ),
    "tags that are not a list of strings": (
        lambda b: add_version(b, tags="[1]"),
        "backup.db: verdict_versions row 3: a tag must be text, got int",
    ),
    "features that are not an object": (
        lambda b: add_version(b, features="[1, 2]"),
        "backup.db: verdict_versions row 3: features must be a dict",
    ),
    "a time that is not a time": (
        lambda b: add_version(b, recorded_at="yesterday"),
        "backup.db: verdict_versions row 3: recorded_at must be an ISO 8601 time",
    ),
    "a version of no verdict": (
        lambda b: add_version(b, verdict_id=99),
        "backup.db: verdict_versions row 3 refers to a verdicts row that is not there",
    ),
}


def assert_refused_in_one_line(message: str, words: str) -> None:
    assert "\n" not in message.strip()
    assert message.strip().startswith(words), message
    assert message.strip().endswith(REFUSED), message


@pytest.mark.parametrize("case", TAMPERED)
def test_restore_refuses_a_tampered_backup_and_changes_nothing(live, case):
    _, workspace, backup = live
    change, words = TAMPERED[case]
    change(backup)
    before = files(workspace)

    with pytest.raises(feedback_store.StorageError) as refused:
        feedback_store.restore(backup, workspace, force=True)

    assert_refused_in_one_line(str(refused.value), words)
    assert files(workspace) == before


@pytest.mark.parametrize("case", ["an extra trigger", "a column dropped", "verdict 'maybe'"])
def test_cli_restore_refuses_a_tampered_backup_with_exit_2(live, case):
    store, workspace, backup = live
    change, words = TAMPERED[case]
    change(backup)
    before = files(workspace)

    result = run("restore", "--workspace", workspace, "--backup", backup, "--force")

    assert result.returncode == 2
    assert result.stdout == ""
    assert_refused_in_one_line(result.stderr.removeprefix("error: "), words)
    assert files(workspace) == before
    assert len(store.verdicts()) == 2


def test_a_refused_trigger_never_rewrites_later_verdicts(live):
    store, workspace, backup = live
    tamper(backup, "CREATE TRIGGER forge AFTER INSERT ON verdict_versions"
                   " WHEN NEW.comment <> 'forged' BEGIN INSERT INTO verdict_versions"
                   " (verdict_id, version, reviewer, verdict, corrected_label, comment, tags,"
                   " recorded_at) VALUES (NEW.verdict_id, NEW.version + 1, NEW.reviewer,"
                   " 'wrong', '1', 'forged', '[]', NEW.recorded_at); END")  # fmt: skip
    assert run("restore", "--workspace", workspace, "--backup", backup, "--force").returncode == 2

    store.record(sprint="S1", prototype="gbm", row_id="3", reviewer="bob", verdict="correct")

    current = store.verdicts().set_index("row_id")
    assert current.loc["3", "verdict"] == "correct"
    assert "forged" not in set(current["comment"])


def test_an_untampered_backup_restores_through_the_api_and_the_cli(live, tmp_path):
    store, workspace, backup = live
    store.record(sprint="S1", prototype="gbm", row_id="after backup", reviewer="ana",
                 verdict="unsure")  # fmt: skip
    assert len(store.verdicts()) == 3

    feedback_store.restore(backup, workspace, force=True)
    assert sorted(store.verdicts()["row_id"]) == ["1", "2"]
    assert store.verdicts().set_index("row_id").loc["1", "tags"] == ["sensor"]
    assert len(store.disputes()) == 1

    fresh = tmp_path / "fresh"
    fresh.mkdir()
    result = run("restore", "--workspace", fresh, "--backup", backup)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("\t2 verdicts")


def test_an_older_backup_is_checked_at_its_own_schema_step(tmp_path):
    old = tmp_path / "old.db"
    (tmp_path / "ws").mkdir()
    (tmp_path / "other").mkdir()
    with Database(old) as db:
        migrations.apply(db, stop_before="m003_add_verdict_source")
    feedback_store.restore(old, tmp_path / "ws")  # m002's schema exactly: restored, upgraded
    assert feedback_store.open(tmp_path / "ws").schema_migrations()[-1] == (
        "m005_add_prototype_version"
    )

    # A column of a later step in a backup that records m002 only is not m002's schema.
    tamper(old, "ALTER TABLE verdicts ADD COLUMN source TEXT")
    with pytest.raises(feedback_store.StorageError) as refused:
        feedback_store.restore(old, tmp_path / "other")
    assert_refused_in_one_line(
        str(refused.value), "old.db: table 'verdicts' has a column 'source' feedback_store"
    )


def test_a_backup_over_the_size_cap_is_not_read(live, monkeypatch):
    _, workspace, backup = live
    before = files(workspace)
    monkeypatch.setattr(backup_module, "BACKUP_MAX_BYTES", backup.stat().st_size - 1)
    with pytest.raises(feedback_store.StorageError) as refused:
        feedback_store.restore(backup, workspace, force=True)
    assert_refused_in_one_line(str(refused.value), "backup.db: it is 0.0 GiB, more than the")
    assert files(workspace) == before


def link(kind: str, workspace: Path, tmp_path: Path) -> Path:
    if kind in ("feedback.db", "feedback.db-wal", "feedback.db-journal"):
        return workspace / kind
    out = tmp_path / f"{kind}.db"
    (os.symlink if kind == "symlink" else os.link)(workspace / "feedback.db", out)
    return out


@pytest.mark.parametrize(
    "kind", ["feedback.db", "feedback.db-wal", "feedback.db-journal", "symlink", "hardlink"]
)
def test_backup_onto_the_live_database_or_its_files_is_refused(live, tmp_path, kind):
    store, workspace, _ = live
    out = link(kind, workspace, tmp_path)
    before = files(workspace)

    with pytest.raises(feedback_store.StorageError) as refused:
        feedback_store.backup(store, out)

    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"{out} is the live database")
    assert message.endswith("back up to another file; nothing was written")
    assert files(workspace) == before


def test_cli_backup_onto_the_live_database_exits_2_and_writes_nothing(live):
    store, workspace, _ = live
    before = files(workspace)

    result = run("backup", "--workspace", workspace, "--out", workspace / "feedback.db")

    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {workspace / 'feedback.db'} is the live database:")
    assert result.stderr.count("\n") == 1
    assert files(workspace) == before
    assert len(store.verdicts()) == 2
