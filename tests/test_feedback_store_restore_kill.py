"""A restore killed midway leaves no empty or half "feedback.db.before-restore-<time>" (the
safety copy the README promises), and its temporary files go when the store is next opened."""

import importlib
import multiprocessing
import os
import signal

import feedback_store
from feedback_store.leftovers import claimed_temporary, remove_leftovers

backup_module = importlib.import_module("feedback_store.backup")


def restore_killed_while_copying_aside(backup, workspace):
    """In a child: the live database's copy aside half written, then SIGKILL."""

    def half_then_killed(source, destination):
        with open(destination, "wb") as file:
            file.write(source.read_bytes()[:4096])
            file.flush()
            os.fsync(file.fileno())
        os.kill(os.getpid(), signal.SIGKILL)

    backup_module._copy_database = half_then_killed
    feedback_store.restore(backup, workspace, force=True)


def test_a_restore_killed_while_keeping_the_old_database_leaves_no_fake_copy(tmp_path):
    workspace = tmp_path / "ws"
    store = feedback_store.open(workspace)
    store.record(sprint="S1", prototype="gbm", row_id="1", reviewer="ana", verdict="correct")
    feedback_store.backup(store, tmp_path / "backup.db")
    store.record(sprint="S1", prototype="gbm", row_id="2", reviewer="bob", verdict="correct")

    child = multiprocessing.get_context("fork").Process(
        target=restore_killed_while_copying_aside, args=(tmp_path / "backup.db", workspace)
    )
    child.start()
    child.join(60)

    assert child.exitcode == -signal.SIGKILL
    names = sorted(os.listdir(workspace))
    assert not [name for name in names if name.startswith("feedback.db.before-restore")], names
    assert [name for name in names if name.endswith(".tmp")]  # what the kill left

    reopened = feedback_store.open(workspace, create=False)

    assert sorted(os.listdir(workspace)) == ["feedback.db", "feedback.db-shm", "feedback.db-wal"]
    assert len(reopened.verdicts()) == 2  # the live database as it was


def test_a_running_restores_temporary_file_is_left_alone(tmp_path):
    with claimed_temporary(tmp_path) as running:
        running.write_bytes(b"being checked")

        assert remove_leftovers(tmp_path) == []
        assert running.read_bytes() == b"being checked"

    assert os.listdir(tmp_path) == []
