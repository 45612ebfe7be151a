"""Concurrent reviewers: Streamlit threads and separate processes writing one feedback.db."""

import multiprocessing
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import feedback_store


def record_many(workspace, worker, count, barrier=None):
    store = feedback_store.open(workspace)
    if barrier is not None:
        barrier.wait()
    for i in range(count):
        store.record(
            sprint="S1", prototype="gbm", row_id=str(i), reviewer=f"reviewer-{worker}",
            verdict="wrong", corrected_label="1", comment=f"{worker}/{i}",
        )  # fmt: skip


def test_eight_threads_sharing_one_store_record_every_verdict(tmp_path):
    store = feedback_store.open(tmp_path)
    barrier = threading.Barrier(8)

    def work(worker):
        barrier.wait()
        for i in range(50):
            store.record(sprint="S1", prototype="gbm", row_id=str(i), reviewer=f"r{worker}",
                         verdict="unsure", comment=f"{worker}/{i}")  # fmt: skip

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(work, range(8)))
    assert len(store.verdicts()) == 400
    assert store.counts()["reviewers"] == 8


def test_threads_retrying_the_same_keys_store_each_verdict_once(tmp_path):
    store = feedback_store.open(tmp_path)
    barrier = threading.Barrier(4)

    def work(_):
        barrier.wait()
        return [
            store.record(
                sprint="S1",
                prototype="gbm",
                row_id=str(i),
                reviewer="ana",
                verdict="correct",
                key=f"click-{i}",
            )  # fmt: skip
            for i in range(25)
        ]

    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(work, range(4)))
    assert ids[0] == ids[1] == ids[2] == ids[3]
    assert len(store.verdicts()) == 25
    assert all(len(store.history(vid)) == 1 for vid in ids[0])


def test_four_processes_on_one_file_record_every_verdict(tmp_path):
    feedback_store.open(tmp_path)
    spawn = multiprocessing.get_context("spawn")
    barrier = spawn.Barrier(4)
    workers = [
        spawn.Process(target=record_many, args=(str(tmp_path), w, 50, barrier)) for w in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0, 0]
    assert len(feedback_store.open(tmp_path).verdicts()) == 200


def test_processes_opening_a_new_workspace_at_once_migrate_it_once(tmp_path):
    spawn = multiprocessing.get_context("spawn")
    workspace = str(tmp_path / "fresh")
    workers = [spawn.Process(target=record_many, args=(workspace, w, 1)) for w in range(3)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0, 0, 0]
    assert len(feedback_store.open(workspace).verdicts()) == 3


def record_one(store, row_id):
    return store.record(sprint="S1", prototype="gbm", row_id=row_id, reviewer="ana",
                        verdict="correct")  # fmt: skip


def test_a_store_keeps_its_connections_instead_of_opening_one_per_call(tmp_path, monkeypatch):
    store = feedback_store.open(tmp_path)
    record_one(store, "warm")
    opened = []
    real_connect = sqlite3.connect

    def counting_connect(*args, **kwargs):
        opened.append(args)
        return real_connect(*args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", counting_connect)
    for i in range(20):
        record_one(store, str(i))
    store.verdicts()
    assert opened == []
    with ThreadPoolExecutor(1) as pool:  # a new thread gets a connection of its own
        pool.submit(record_one, store, "from another thread").result()
    assert len(opened) == 1


def test_a_failed_write_leaves_no_transaction_open(tmp_path):
    store = feedback_store.open(tmp_path)
    record_one(store, "1")
    store.record(sprint="S1", prototype="gbm", row_id="2", reviewer="ana", verdict="correct",
                 key="click")  # fmt: skip
    with pytest.raises(feedback_store.InvalidVerdict, match="already used"):
        store.record(sprint="S1", prototype="gbm", row_id="3", reviewer="ana",
                     verdict="correct", key="click")  # fmt: skip
    other = sqlite3.connect(tmp_path / "feedback.db", timeout=0.1, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")  # "database is locked" if the store kept its write
        other.execute("ROLLBACK")
    finally:
        other.close()
    assert len(store.verdicts()) == 2


def record_in_child(store, row_id):
    record_one(store, row_id)


def test_a_forked_child_using_the_parents_store_opens_its_own_connection(tmp_path):
    store = feedback_store.open(tmp_path)
    record_one(store, "parent before")
    child = multiprocessing.get_context("fork").Process(
        target=record_in_child, args=(store, "child")
    )
    child.start()
    child.join(timeout=60)
    assert child.exitcode == 0
    record_one(store, "parent after")
    assert sorted(store.verdicts()["row_id"]) == ["child", "parent after", "parent before"]
    with sqlite3.connect(tmp_path / "feedback.db") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_writer_kept_waiting_by_another_in_this_process_gets_the_busy_message(
    tmp_path, monkeypatch
):
    from feedback_store import connection as store_module

    monkeypatch.setattr(store_module, "_BUSY_TIMEOUT_SECONDS", 0.05)
    store = feedback_store.open(tmp_path)
    other = feedback_store.open(tmp_path)  # another session's store on the same file
    assert other._write_lock.acquire()  # as a writer of this process would, mid-transaction
    try:
        with pytest.raises(feedback_store.StorageError, match="stayed busy; nothing was saved"):
            record_one(store, "1")
    finally:
        other._write_lock.release()
    record_one(store, "2")
    assert store.verdicts()["row_id"].tolist() == ["2"]
