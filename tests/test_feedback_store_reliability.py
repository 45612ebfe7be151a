"""Verdicts are never lost: concurrent reviewers, a killed writer, backups, a full disk."""

from __future__ import annotations

import multiprocessing
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest

import feedback_store
from feedback_store import connection as store_module

REVIEWERS = 16
VERDICTS_EACH = 200


def record_many(workspace: str, reviewer: str, count: int) -> list[int]:
    store = feedback_store.open(workspace)
    return [
        store.record(sprint="S", prototype="p", row_id=f"{reviewer}-{i}", reviewer=reviewer,
                     verdict="wrong" if i % 3 == 0 else "correct",
                     corrected_label="1" if i % 3 == 0 else None,
                     key=f"{reviewer}-{i}")
        for i in range(count)
    ]  # fmt: skip


def assert_all_present(workspace, expected_rows: int) -> None:
    verdicts = feedback_store.open(workspace).verdicts()
    assert len(verdicts) == expected_rows
    assert not verdicts.duplicated(["row_id", "reviewer"]).any()
    with sqlite3.connect(workspace / "feedback.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_sixteen_reviewer_threads_lose_nothing(tmp_path):
    errors: list[BaseException] = []

    def reviewer(name: str) -> None:
        try:
            record_many(str(tmp_path), name, VERDICTS_EACH)
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            errors.append(error)

    threads = [threading.Thread(target=reviewer, args=(f"r{i}",)) for i in range(REVIEWERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert_all_present(tmp_path, REVIEWERS * VERDICTS_EACH)


def test_sixteen_reviewer_processes_lose_nothing(tmp_path):
    feedback_store.open(tmp_path)  # migrate once, as the app does on start
    context = multiprocessing.get_context("spawn")
    with context.Pool(REVIEWERS) as pool:
        results = pool.starmap(
            record_many, [(str(tmp_path), f"p{i}", VERDICTS_EACH) for i in range(REVIEWERS)]
        )
    assert sum(len(ids) for ids in results) == REVIEWERS * VERDICTS_EACH
    assert_all_present(tmp_path, REVIEWERS * VERDICTS_EACH)


WRITER = """
import sys
import feedback_store
store = feedback_store.open(sys.argv[1])
for i in range(100_000):
    vid = store.record(sprint="S", prototype="p", row_id=str(i), reviewer="ana",
                       verdict="correct", key=f"k{i}")
    print(vid, flush=True)
"""


def test_a_writer_killed_mid_burst_leaves_a_sound_database_with_every_returned_verdict(tmp_path):
    feedback_store.open(tmp_path)
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=os.getcwd(),
    )
    returned = []
    for line in writer.stdout:
        returned.append(int(line))
        if len(returned) >= 150:
            break
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    returned.extend(int(line) for line in writer.stdout.read().split())
    with sqlite3.connect(tmp_path / "feedback.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    stored = set(feedback_store.open(tmp_path).verdicts()["verdict_id"])
    assert set(returned) <= stored


def test_backup_while_reviewers_write_is_consistent_and_restores(tmp_path):
    workspace = tmp_path / "ws"
    record_many(str(workspace), "seed", 20)
    stop = threading.Event()

    def keep_writing() -> None:
        store = feedback_store.open(workspace)
        i = 0
        while not stop.is_set():
            store.record(
                sprint="S",
                prototype="p",
                row_id=f"live-{i}",
                reviewer="live",
                verdict="unsure",
                key=f"live-{i}",
            )
            i += 1

    writer = threading.Thread(target=keep_writing)
    writer.start()
    time.sleep(0.3)
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "feedback_store",
                "backup",
                "--workspace",
                str(workspace),
                "--out",
                str(tmp_path / "backup.db"),
            ],
            capture_output=True,
            text=True,
            timeout=60,
        )
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(tmp_path / "backup.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    restored = tmp_path / "restored"
    restored.mkdir()
    feedback_store.restore(tmp_path / "backup.db", restored)
    backed_up = feedback_store.open(restored).verdicts()
    assert len(backed_up) >= 20
    live = feedback_store.open(workspace).verdicts()
    assert set(backed_up["verdict_id"]) <= set(live["verdict_id"])


def test_restore_never_overwrites_without_force_and_keeps_the_old_file(tmp_path):
    source, target = tmp_path / "a", tmp_path / "b"
    record_many(str(source), "ana", 3)
    record_many(str(target), "bo", 5)
    backup = feedback_store.backup(feedback_store.open(source), tmp_path / "a.db")
    with pytest.raises(FileExistsError):
        feedback_store.restore(backup, target)
    feedback_store.restore(backup, target, force=True)
    assert len(feedback_store.open(target).verdicts()) == 3
    kept = list(target.glob("feedback.db.before-restore-*"))
    assert len(kept) == 1


def test_restoring_a_file_that_is_not_a_feedback_database_is_refused(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    with pytest.raises(feedback_store.StorageError):
        feedback_store.restore(junk, tmp_path)


def limited_connections(monkeypatch, **pragmas):
    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        connection = real_connect(*args, **kwargs)
        for name, value in pragmas.items():
            if value == "current":
                (value,) = connection.execute("PRAGMA page_count").fetchone()
            connection.execute(f"PRAGMA {name} = {value}")
        return connection

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)


def test_a_full_disk_is_one_clear_message_and_nothing_partial_is_stored(tmp_path, monkeypatch):
    record_many(str(tmp_path), "ana", 5)
    before = feedback_store.open(tmp_path).verdicts()
    limited_connections(monkeypatch, max_page_count="current")
    store = feedback_store.open(tmp_path)
    with pytest.raises(feedback_store.StorageError, match="full; nothing was saved"):
        store.record(
            sprint="S",
            prototype="p",
            row_id="big",
            reviewer="bo",
            verdict="unsure",
            comment="x" * 9_000,
            key="big",
        )
    monkeypatch.undo()
    after = feedback_store.open(tmp_path).verdicts()
    assert after["verdict_id"].tolist() == before["verdict_id"].tolist()


def test_a_read_only_database_is_one_clear_message(tmp_path, monkeypatch):
    record_many(str(tmp_path), "ana", 1)
    limited_connections(monkeypatch, query_only="ON")
    with pytest.raises(feedback_store.StorageError, match="read-only; nothing was saved"):
        feedback_store.open(tmp_path).record(
            sprint="S", prototype="p", row_id="x", reviewer="bo", verdict="correct"
        )


def test_a_ten_megabyte_comment_is_refused_before_anything_is_written(tmp_path):
    store = feedback_store.open(tmp_path)
    with pytest.raises(feedback_store.InvalidVerdict, match="comment"):
        store.record(
            sprint="S",
            prototype="p",
            row_id="1",
            reviewer="ana",
            verdict="wrong",
            corrected_label="1",
            comment="x" * 10_000_000,
        )
    assert store.verdicts().empty


def test_restoring_under_an_open_store_sends_its_next_writes_to_the_restored_file(tmp_path):
    source, target = tmp_path / "a", tmp_path / "b"
    record_many(str(source), "ana", 3)
    backup = feedback_store.backup(feedback_store.open(source), tmp_path / "a.db")
    running = feedback_store.open(target)  # the app, with its connections open
    record_many(str(target), "bo", 5)
    running.verdicts()
    feedback_store.restore(backup, target, force=True)
    assert len(running.verdicts()) == 3
    running.record(sprint="S", prototype="p", row_id="after", reviewer="cy", verdict="correct")
    running.record(sprint="S", prototype="p", row_id="after", reviewer="cy", verdict="unsure")
    with sqlite3.connect(target / "feedback.db") as connection:
        assert connection.execute("SELECT COUNT(*) FROM verdicts").fetchone() == (4,)
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    (kept,) = target.glob("feedback.db.before-restore-*")
    with sqlite3.connect(kept) as connection:
        assert connection.execute("SELECT COUNT(*) FROM verdicts").fetchone() == (5,)


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_restoring_over_a_damaged_database_keeps_the_damaged_bytes_beside_it(tmp_path, how):
    source, target = tmp_path / "a", tmp_path / "b"
    record_many(str(source), "ana", 3)
    backup = feedback_store.backup(feedback_store.open(source), tmp_path / "a.db")
    record_many(str(target), "bo", 300)
    database = target / "feedback.db"
    data = database.read_bytes()
    damaged = data[: len(data) // 2] if how == "truncated" else b"\x00garbage" * 64
    database.write_bytes(damaged)
    feedback_store.restore(backup, target, force=True)
    assert len(feedback_store.open(target).verdicts()) == 3
    (kept,) = target.glob("feedback.db.before-restore-*[0-9]")
    assert kept.read_bytes() == damaged


def test_restore_into_a_database_with_another_page_size(tmp_path):
    source, target = tmp_path / "a", tmp_path / "b"
    source.mkdir()
    with sqlite3.connect(source / "feedback.db") as connection:
        connection.execute("PRAGMA page_size = 8192")
        connection.execute("VACUUM")
    record_many(str(source), "ana", 3)
    backup = feedback_store.backup(feedback_store.open(source), tmp_path / "a.db")
    record_many(str(target), "bo", 5)
    feedback_store.restore(backup, target, force=True)
    restored = feedback_store.open(target)
    assert len(restored.verdicts()) == 3
    with sqlite3.connect(target / "feedback.db") as connection:
        assert connection.execute("PRAGMA page_size").fetchone() == (4096,)


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_a_damaged_database_is_one_storage_error_saying_how_to_restore(tmp_path, how):
    # Recorded by another process, which has ended: no connection of this one is open.
    subprocess.run(
        [sys.executable, "-c", "import sys, feedback_store; feedback_store.open(sys.argv[1])"
         ".record(sprint='S', prototype='p', row_id='1', reviewer='ana', verdict='correct')",
         str(tmp_path)],
        check=True,
    )  # fmt: skip
    database = tmp_path / "feedback.db"
    for suffix in ("-wal", "-shm"):
        database.with_name(database.name + suffix).unlink(missing_ok=True)
    data = database.read_bytes()
    database.write_bytes(data[:1000] if how == "truncated" else b"not sqlite " * 500)
    damaged = database.read_bytes()
    with pytest.raises(feedback_store.StorageError) as caught:
        feedback_store.open(tmp_path).verdicts()
    message = str(caught.value)
    assert "\n" not in message
    assert "cannot be read" in message
    assert f"restore --workspace {tmp_path} --backup FILE --force" in message
    assert database.read_bytes() == damaged
