"""Sections b and c: recording verdicts and exporting them, against raw sqlite3 and pandas."""

from __future__ import annotations

import json
import sqlite3
import statistics
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

import feedback_store
from bench.report import Row, median_seconds, timed
from feedback_store.store import _current_sql

__all__ = ["bench_concurrent_writes", "bench_export", "bench_single_writer", "insert_verdicts"]

FEATURES = {
    "Type": "M",
    "Air temperature [K]": 298.1,
    "Process temperature [K]": 308.6,
    "Rotational speed [rpm]": 1551,
    "Torque [Nm]": 42.8,
    "Tool wear [min]": 108,
}
PREDICTION = {"label": "0", "confidence": 0.93}
VERSION_SQL = (
    "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict, corrected_label,"
    " comment, tags, features, prediction, task, key, recorded_at)"
    " VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, 'binary', NULL, ?)"
)
THREAD_SQL = (
    "INSERT INTO verdicts (id, sprint, prototype, row_id, created_by, created_at, source)"
    " VALUES (?, ?, ?, ?, ?, ?, 'demo')"
)


def _record(store: feedback_store.FeedbackStore, row: int, reviewer: str) -> int:
    wrong = row % 5 == 0
    return store.record(
        sprint="Sprint 2",
        prototype="random forest",
        row_id=str(row),
        reviewer=reviewer,
        verdict="wrong" if wrong else "correct",
        corrected_label="1" if wrong else None,
        comment="bench",
        tags=["sensor"] if wrong else None,
        features=FEATURES,
        prediction=PREDICTION,
        task="binary",
    )


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00", time.gmtime())


def _raw_connection(path: Path) -> sqlite3.Connection:
    # The store's durability: WAL, synchronous=FULL, a transaction per verdict.
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.execute("PRAGMA foreign_keys = ON")
    return conn


def _durability(conn: sqlite3.Connection) -> tuple[str, int]:
    """``(journal_mode, synchronous)`` of a connection: ("wal", 2) is WAL with FULL."""
    return (
        conn.execute("PRAGMA journal_mode").fetchone()[0],
        conn.execute("PRAGMA synchronous").fetchone()[0],
    )


def bench_single_writer(n: int, repeats: int, workdir: Path, log=print) -> list[Row]:
    """One writer: ``store.record`` against the same two inserts by hand on one connection.

    Both sides run with WAL, ``synchronous=FULL`` (checked on both connections) and one
    ``BEGIN IMMEDIATE`` transaction per record, so both pay one fsync of the WAL per record.
    """
    features, prediction = json.dumps(FEATURES), json.dumps(PREDICTION)
    ours_runs, raw_runs = [], []
    for attempt in range(max(1, repeats)):
        store = feedback_store.open(workdir / f"writer-{attempt}")
        ours_runs.append(
            median_seconds(lambda s=store: [_record(s, i, "ana") for i in range(n)], 1)[0]
        )
        raw_store = feedback_store.open(workdir / f"raw-{attempt}")  # same schema, triggers
        conn = _raw_connection(raw_store.path)
        settings = {"store": _durability(store._connection()), "raw": _durability(conn)}
        if set(settings.values()) != {("wal", 2)}:
            raise RuntimeError(f"the two sides' durability settings differ: {settings}")

        def raw(conn=conn) -> None:
            for i in range(n):
                conn.execute("BEGIN IMMEDIATE")
                verdict_id = conn.execute(
                    "INSERT INTO verdicts (sprint, prototype, row_id, created_by, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    ["Sprint 2", "random forest", str(i), "ana", _now()],
                ).lastrowid
                conn.execute(
                    VERSION_SQL,
                    [verdict_id, "ana", "correct", None, "bench", "[]", features, prediction,
                     _now()],
                )  # fmt: skip
                conn.execute("COMMIT")

        raw_runs.append(median_seconds(raw, 1)[0])
        conn.close()
    ours, raw_seconds = statistics.median(ours_runs), statistics.median(raw_runs)
    log(f"  one writer: store {n / ours:,.0f}/s, raw sqlite3 {n / raw_seconds:,.0f}/s")
    return [
        Row(
            "b verdicts",
            f"one writer, {n:,} records: throughput",
            n / ours,
            n / raw_seconds,
            "rec/s",
            (">=", 0.5),
            f"per record {1000 * ours / n:.2f} ms vs {1000 * raw_seconds / n:.2f} ms; "
            "baseline: the same two inserts on one kept connection; both WAL, synchronous=FULL"
            " (checked), a BEGIN IMMEDIATE transaction per record",
        )
    ]


def bench_concurrent_writes(threads: int, per_thread: int, workdir: Path, log=print) -> list[Row]:
    """``threads`` writers at once, each recording ``per_thread`` verdicts: latency, errors."""
    store = feedback_store.open(workdir / "concurrent")
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(threads)

    def writer(number: int) -> None:
        barrier.wait()
        for i in range(per_thread):
            start = time.perf_counter()
            try:
                _record(store, i, f"reviewer-{number}")
            except Exception as error:  # noqa: BLE001 - counted, the run goes on
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                continue
            with lock:
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    workers = [threading.Thread(target=writer, args=(k,)) for k in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - start
    stored = len(store.verdicts())
    median = 1000 * float(np.median(latencies)) if latencies else None
    p99 = 1000 * float(np.percentile(latencies, 99)) if latencies else None
    log(f"  {threads} writers: median {median} ms, p99 {p99} ms, {len(errors)} errors")
    total = threads * per_thread
    note = f"{len(errors)} errors, {stored:,}/{total:,} stored, {total / elapsed:,.0f} rec/s"
    if errors:
        note += f"; first error: {errors[0]}"
    return [
        Row("b verdicts", f"{threads} writer threads: median latency", median, None, "ms",
            None, note),
        Row("b verdicts", f"{threads} writer threads: p99 latency", p99, None, "ms", None,
            "errors must be 0: " + ("yes" if not errors else "NO")),
    ]  # fmt: skip


def _snapshots(i: int) -> tuple[str, str]:
    """Row ``i``'s feature and prediction snapshots as JSON, as ``store.record`` stores them."""
    features = {
        "Type": "LMH"[i % 3],
        "Air temperature [K]": round(295.0 + (i % 97) / 10, 1),
        "Process temperature [K]": round(305.0 + (i % 89) / 10, 1),
        "Rotational speed [rpm]": 1200 + (i * 7) % 1700,
        "Torque [Nm]": round(3.0 + (i * 13 % 7000) / 100, 2),
        "Tool wear [min]": i % 254,
    }
    prediction = {"label": "1" if i % 29 == 0 else "0", "confidence": 0.5 + (i * 31 % 500) / 1001}
    return (
        json.dumps(features, ensure_ascii=False, allow_nan=False),
        json.dumps(prediction, ensure_ascii=False, allow_nan=False),
    )


def insert_verdicts(store: feedback_store.FeedbackStore, n: int) -> float:
    """Fill ``store`` with ``n`` verdicts (one version each) in one transaction; seconds taken.

    The rows are what ``store.record`` writes (thread, version with feature and prediction
    snapshots), inserted with ``executemany``: recording them one by one would take minutes.
    Feature values and confidences differ from row to row, as they do in a real store.
    """
    start = time.perf_counter()
    now = _now()
    reviewers = ["ana", "bo", "dana", "eli"]
    conn = _raw_connection(store.path)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            THREAD_SQL,
            (
                (i + 1, "Sprint 2", "random forest", str(i // 4), reviewers[i % 4], now)
                for i in range(n)
            ),
        )
        conn.executemany(
            VERSION_SQL,
            (
                (
                    i + 1,
                    reviewers[i % 4],
                    "wrong" if i % 5 == 0 else "correct",
                    "1" if i % 5 == 0 else None,
                    "bench",
                    '["sensor"]' if i % 5 == 0 else "[]",
                    *_snapshots(i),
                    now,
                )
                for i in range(n)
            ),
        )
        conn.execute("COMMIT")
    finally:
        conn.close()
    return time.perf_counter() - start


def bench_export(n: int, repeats: int, workdir: Path, log=print) -> list[Row]:
    """``store.export(..., "parquet")`` against ``read_sql`` + ``to_parquet`` of the same rows."""
    store = feedback_store.open(workdir / "export")
    setup = insert_verdicts(store, n)
    other = feedback_store.open(workdir / "export-sample")
    sample = median_seconds(lambda: [_record(other, i, "sample") for i in range(20)], 1)[0] / 20
    sql, params = _current_sql(None, None, None, include_withdrawn=False)

    def baseline() -> None:
        conn = sqlite3.connect(store.path)
        try:
            pd.read_sql(sql, conn, params=params).to_parquet(workdir / "baseline.parquet")
        finally:
            conn.close()

    # Taking turns, so that a busy spell on the machine falls on both sides alike.
    ours_runs, base_runs = [], []
    for _ in range(max(1, repeats)):
        ours_runs.append(timed(lambda: store.export(workdir / "ours.parquet", "parquet")))
        base_runs.append(timed(baseline))
    ours, base = statistics.median(ours_runs), statistics.median(base_runs)
    rows = len(pd.read_parquet(workdir / "ours.parquet"))
    log(f"  export {rows:,} verdicts: store {ours:.2f} s, read_sql+to_parquet {base:.2f} s")
    return [
        Row(
            "c export",
            f"{rows:,} verdicts to Parquet",
            ours,
            base,
            "s",
            ("<=", 1.5),
            f"set up with executemany in {setup:.1f} s (store.record: {1000 * sample:.1f} ms "
            f"each, so {sample * n / 60:.1f} min for {n:,}); baseline: pd.read_sql of the same"
            " current-verdict query + to_parquet, JSON snapshots left as text, no typing, no"
            " fsync; ours parses them into a typed column per feature plus predicted_label and"
            " confidence, writes to a temporary file, fsyncs and renames",
        )
    ]
