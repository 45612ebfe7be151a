"""The core of feedback_store: validating, recording, reading and exporting verdicts.

A verdict is a *thread*: one row in ``verdicts`` per (sprint, prototype, row_id, reviewer),
and an append-only list of versions in ``verdict_versions``. The current verdict is the
version with the highest number. Recording again on a row you already reviewed, editing and
withdrawing all append a version; nothing a user typed is ever updated or deleted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import numbers
import os
import random
import sqlite3
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pandas as pd
from sqlite_utils import Database

from feedback_store.migrations import migrations

if TYPE_CHECKING:
    from feedback_store.training import TrainingExport

VERDICTS = ("correct", "wrong", "unsure")
TASKS = ("binary", "multiclass", "regression")
SOURCES = ("demo", "own")
DISPUTE_KINDS = ("should not matter", "wrong direction", "too strong")
EXPORT_FORMATS = ("csv", "parquet", "jsonl")
DB_FILENAME = "feedback.db"
OWN_PREFIX = "own:"

WITHDRAWN = "withdrawn"
NAME_MAX = 100
ROW_ID_MAX = 200
LABEL_MAX = 200
COMMENT_MAX = 10_000
TAG_MAX = 40
KEY_MAX = 200
SNAPSHOT_MAX = 1_000_000

_BUSY_TIMEOUT_SECONDS = 10.0
_WRITE_ATTEMPTS = 5

_T = TypeVar("_T")


# One lock per database file for the writers of this process (see FeedbackStore._write).
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()

_VERSION_COLUMNS = """
    v.id AS verdict_id, x.version, x.id AS version_id, v.sprint, v.prototype, v.row_id,
    x.reviewer, x.verdict, x.corrected_label, x.comment, x.tags, x.task, x.features,
    x.prediction, x.key, v.source, v.created_at, x.recorded_at
"""
_FRAME_COLUMNS = [
    "verdict_id", "version", "version_id", "sprint", "prototype", "row_id", "reviewer",
    "verdict", "corrected_label", "comment", "tags", "task", "features", "prediction", "key",
    "source", "created_at", "recorded_at",
]  # fmt: skip
_EXPORT_COLUMNS = [
    "verdict_id", "version", "sprint", "prototype", "row_id", "reviewer", "verdict",
    "corrected_label", "comment", "tags", "recorded_at", "predicted_label", "confidence",
    "task", "source",
]  # fmt: skip
_DISPUTE_COLUMNS = [
    "dispute_id", "sprint", "prototype", "row_id", "reviewer", "feature", "kind", "shap_value",
    "comment", "key", "recorded_at",
]  # fmt: skip
_DISPUTE_COUNT_COLUMNS = ["sprint", "prototype", "feature", "kind", "count", "rows", "reviewers"]


class InvalidVerdict(ValueError):
    """Input that cannot be stored as given; the message says what is wrong and how to fix it."""


class StorageError(OSError):
    """The database could not be written or read (disk full, read-only, damaged file).

    The message is one line for the user; the transaction was rolled back, so nothing of the
    failed write is stored.
    """


def open(workspace: str | os.PathLike[str], *, create: bool = True) -> FeedbackStore:
    """Open the verdict store of a workspace folder, upgrading its schema if it is older.

    ``create=True`` creates the folder and ``feedback.db`` when missing; with
    ``create=False`` a missing folder or database raises FileNotFoundError instead.
    """
    folder = Path(workspace)
    path = folder / DB_FILENAME
    if create:
        folder.mkdir(parents=True, exist_ok=True)
    elif not folder.is_dir():
        raise FileNotFoundError(f"workspace folder not found: {folder} (check the path)")
    elif not path.is_file():
        raise FileNotFoundError(f"no {DB_FILENAME} in {folder}: no verdicts recorded there yet")
    store = FeedbackStore(path)
    store.migrate()
    return store


def own_case_id(features: Mapping[str, Any]) -> str:
    """The row id of an SME's own case: ``"own:"`` and 12 hex digits of a hash of the features.

    The same feature values always give the same id, whatever their order or numeric type
    (``1558``, ``1558.0`` and ``numpy.int64(1558)`` are one value), so verdicts on a case
    entered twice, or re-scored by a later prototype, stay on one row.
    """
    values = _features(features)
    if not values:
        raise InvalidVerdict(
            "an own case needs its feature values, e.g. {'Torque [Nm]': 65.2, 'Type': 'L'}"
        )
    canonical = sorted((name, _canonical_number(value)) for name, value in values.items())
    text = json.dumps(canonical, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return OWN_PREFIX + hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _canonical_number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class FeedbackStore:
    """Verdicts stored in one SQLite file.

    Safe to share across threads and processes: each thread (and each forked process) uses
    a connection of its own, kept open, and every write is one short ``BEGIN IMMEDIATE``
    transaction. Replace ``feedback.db`` with ``feedback_store.restore``, which writes
    through SQLite, not by moving another file over it while the store is open.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._keeper: sqlite3.Connection | None = None
        self._keeper_owner: tuple[int, tuple[int, int] | None] | None = None
        self._keeper_lock = threading.Lock()
        # Connections that must not be used again (opened before a fork, or on a file since
        # replaced at the path). Kept, not closed, for as long as the store lives: closing
        # the last connection to a WAL file checkpoints it and deletes "<path>-wal" by name,
        # which may by now be the WAL of the file that replaced it.
        self._stale: list[sqlite3.Connection] = []
        with _WRITE_LOCKS_GUARD:
            self._write_lock = _WRITE_LOCKS.setdefault(str(self.path.resolve()), threading.Lock())

    def __repr__(self) -> str:
        return f"FeedbackStore({str(self.path)!r})"

    def migrate(self) -> None:
        """Switch the file to WAL and apply any schema migrations it has not had yet."""
        self._write(lambda conn: migrations.apply(Database(conn, execute_plugins=False)))

    # -- writing ---------------------------------------------------------------------------

    def record(
        self,
        *,
        sprint: str,
        prototype: str,
        row_id: str,
        reviewer: str,
        verdict: str,
        corrected_label: str | None = None,
        comment: str | None = None,
        tags: Iterable[str] | None = None,
        key: str | None = None,
        features: Mapping[str, Any] | None = None,
        prediction: Mapping[str, Any] | None = None,
        task: str | None = None,
        source: str = "demo",
    ) -> int:
        """Record a reviewer's verdict on one predicted row and return the verdict id.

        A reviewer has one verdict per (sprint, prototype, row_id): recording again appends
        a new version to it (and revives it if withdrawn); snapshots not given are carried
        over. A ``key`` already stored returns the same id without writing anything.

        ``source="own"`` marks a case the SME entered themselves ("try your own case"): it
        needs ``features`` and ``row_id=own_case_id(features)``. Demo rows (the default)
        cannot use row ids starting with "own:".
        """
        sprint = _required_text("sprint", sprint, NAME_MAX)
        prototype = _required_text("prototype", prototype, NAME_MAX)
        row_id = _required_text("row_id", _row_id(row_id), ROW_ID_MAX)
        reviewer = _required_text("reviewer", reviewer, NAME_MAX)
        verdict = _verdict(verdict)
        task = _task(task)
        label = _corrected_label(corrected_label, verdict, task)
        comment_text = _comment(comment)
        tag_list = _tags(tags)
        key = _key(key)
        feature_values = _features(features)
        _check_source(source, row_id, feature_values)
        features_json = _snapshot_json("features", feature_values)
        prediction_json = _snapshot_json("prediction", _prediction(prediction))

        def work(db: sqlite3.Connection) -> int:
            if key is not None and (hit := _key_hit(db, key)) is not None:
                if (hit["sprint"], hit["prototype"], hit["row_id"], hit["created_by"]) != (
                    sprint,
                    prototype,
                    row_id,
                    reviewer,
                ):
                    raise InvalidVerdict(
                        f"key {key!r} was already used for verdict {hit['verdict_id']} on "
                        "another row or by another reviewer; use a new key for each verdict"
                    )
                return hit["verdict_id"]
            thread = _first(
                db,
                "SELECT id FROM verdicts"
                " WHERE sprint = ? AND prototype = ? AND row_id = ? AND created_by = ?",
                [sprint, prototype, row_id, reviewer],
            )
            if thread is None:
                verdict_id = db.execute(
                    "INSERT INTO verdicts"
                    " (sprint, prototype, row_id, created_by, created_at, source)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    [sprint, prototype, row_id, reviewer, _now(), source],
                ).lastrowid
                previous: dict[str, Any] = {}
            else:
                verdict_id = thread["id"]
                previous = _latest(db, verdict_id)
            _append(
                db,
                verdict_id,
                version=previous.get("version", 0) + 1,
                reviewer=reviewer,
                verdict=verdict,
                corrected_label=label,
                comment=comment_text,
                tags=tag_list,
                features=features_json or previous.get("features"),
                prediction=prediction_json or previous.get("prediction"),
                task=task or previous.get("task"),
                key=key,
            )
            return verdict_id

        return self._write(work)

    def edit(
        self,
        verdict_id: int,
        *,
        reviewer: str,
        verdict: str | None = None,
        corrected_label: str | None = None,
        comment: str | None = None,
        tags: Iterable[str] | None = None,
        key: str | None = None,
    ) -> int:
        """Append a new version to a verdict and return the new version id.

        Arguments left as None keep their current value ("" clears a comment or label, []
        clears tags); a change to "correct" drops the corrected label. Editing a withdrawn
        verdict restores it. Only the reviewer who recorded a verdict may edit it.
        """
        verdict_id = _verdict_id(verdict_id)
        reviewer = _required_text("reviewer", reviewer, NAME_MAX)
        verdict = None if verdict is None else _verdict(verdict)
        comment_text = None if comment is None else _comment(comment)
        tag_list = None if tags is None else _tags(tags)
        key = _key(key)
        if corrected_label is not None:
            _clean_text("corrected_label", _label_text(corrected_label), LABEL_MAX)

        def work(db: sqlite3.Connection) -> int:
            _owned_thread(db, verdict_id, reviewer)
            if key is not None and (hit := _version_for_key(db, key, verdict_id)) is not None:
                return hit
            latest = _latest(db, verdict_id)
            base = latest if latest["verdict"] != WITHDRAWN else _latest_standing(db, verdict_id)
            new_verdict = verdict or base["verdict"]
            if corrected_label is not None:
                label = corrected_label
            else:
                label = None if new_verdict == "correct" else base["corrected_label"]
            return _append(
                db,
                verdict_id,
                version=latest["version"] + 1,
                reviewer=reviewer,
                verdict=new_verdict,
                corrected_label=_corrected_label(label, new_verdict, base["task"]),
                comment=base["comment"] if comment_text is None else comment_text,
                tags=json.loads(base["tags"]) if tag_list is None else tag_list,
                features=base["features"],
                prediction=base["prediction"],
                task=base["task"],
                key=key,
            )

        return self._write(work)

    def withdraw(self, verdict_id: int, *, reviewer: str, key: str | None = None) -> int:
        """Withdraw a verdict by appending a "withdrawn" version; return its version id.

        History is kept. Withdrawing an already withdrawn verdict writes nothing.
        """
        verdict_id = _verdict_id(verdict_id)
        reviewer = _required_text("reviewer", reviewer, NAME_MAX)
        key = _key(key)

        def work(db: sqlite3.Connection) -> int:
            _owned_thread(db, verdict_id, reviewer)
            if key is not None and (hit := _version_for_key(db, key, verdict_id)) is not None:
                return hit
            latest = _latest(db, verdict_id)
            if latest["verdict"] == WITHDRAWN:
                return latest["version_id"]
            return _append(
                db,
                verdict_id,
                version=latest["version"] + 1,
                reviewer=reviewer,
                verdict=WITHDRAWN,
                corrected_label=None,
                comment="",
                tags=[],
                features=latest["features"],
                prediction=latest["prediction"],
                task=latest["task"],
                key=key,
            )

        return self._write(work)

    def dispute(
        self,
        *,
        sprint: str,
        prototype: str,
        row_id: str,
        reviewer: str,
        feature: str,
        kind: str,
        shap_value: float,
        comment: str | None = None,
        key: str | None = None,
    ) -> int:
        """Record "right answer, wrong reason" about one feature's contribution; return its id.

        ``kind`` is one of DISPUTE_KINDS; ``shap_value`` is the contribution the reviewer was
        shown. Disputes are append-only. A ``key`` already stored returns the same id without
        writing anything.
        """
        sprint = _required_text("sprint", sprint, NAME_MAX)
        prototype = _required_text("prototype", prototype, NAME_MAX)
        row_id = _required_text("row_id", _row_id(row_id), ROW_ID_MAX)
        reviewer = _required_text("reviewer", reviewer, NAME_MAX)
        feature = _required_text("feature", feature, LABEL_MAX)
        if kind not in DISPUTE_KINDS:
            raise InvalidVerdict(f"kind must be one of {', '.join(DISPUTE_KINDS)}; got {kind!r}")
        shap = _finite_number("shap_value", shap_value)
        comment_text = _comment(comment)
        key = _key(key)
        identity = (sprint, prototype, row_id, reviewer, feature, kind)

        def work(db: sqlite3.Connection) -> int:
            if key is not None:
                hit = _first(db, "SELECT * FROM disputes WHERE key = ?", [key])
                if hit is not None:
                    if tuple(hit[c] for c in _DISPUTE_COLUMNS[1:7]) != identity:
                        raise InvalidVerdict(
                            f"key {key!r} was already used for dispute {hit['id']} about"
                            " another row, feature or kind; use a new key for each dispute"
                        )
                    return hit["id"]
            return db.execute(
                "INSERT INTO disputes (sprint, prototype, row_id, reviewer, feature, kind,"
                " shap_value, comment, key, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*identity, shap, comment_text, key, _now()],
            ).lastrowid

        return self._write(work)

    # -- reading ---------------------------------------------------------------------------

    def verdicts(
        self,
        sprint: str | None = None,
        prototype: str | None = None,
        reviewer: str | None = None,
        *,
        include_withdrawn: bool = False,
    ) -> pd.DataFrame:
        """The current version of each verdict, one row per verdict, oldest verdict first."""
        rows = self._read(*_current_sql(sprint, prototype, reviewer, include_withdrawn))
        return _frame(rows)

    def history(self, verdict_id: int) -> pd.DataFrame:
        """Every version of one verdict, oldest first (withdrawn versions included)."""
        verdict_id = _verdict_id(verdict_id)
        rows = self._read(
            f"SELECT {_VERSION_COLUMNS} FROM verdicts v"
            " JOIN verdict_versions x ON x.verdict_id = v.id"
            " WHERE v.id = ? ORDER BY x.version",
            [verdict_id],
        )
        if not rows:
            raise InvalidVerdict(f"no verdict with id {verdict_id}")
        return _frame(rows)

    def counts(self, sprint: str | None = None) -> dict[str, int]:
        """Current verdicts by kind, with the total and the number of distinct reviewers."""
        sql, params = _current_sql(sprint, None, None, include_withdrawn=False)
        rows = self._read(f"SELECT verdict, COUNT(*) AS n FROM ({sql}) GROUP BY verdict", params)
        reviewers = self._read(f"SELECT COUNT(DISTINCT reviewer) AS n FROM ({sql})", params)
        by_verdict = {row["verdict"]: row["n"] for row in rows}
        result = {name: by_verdict.get(name, 0) for name in VERDICTS}
        result["total"] = sum(result.values())
        result["reviewers"] = reviewers[0]["n"]
        return result

    def stamp(self) -> tuple[int, int]:
        """``(number of verdicts, newest version id)``, withdrawn verdicts included.

        A record, an edit or a withdrawal changes it and nothing else does, so caches keyed by
        it are read again only after one. Equal to counting ``verdicts(include_withdrawn=True)``
        and taking the largest ``version_id``, in one query that reads no verdict rows.
        """
        # Every thread gets its first version in the same transaction, so counting threads
        # counts current verdicts; a thread's newest version has its highest id.
        row = self._read(
            "SELECT (SELECT COUNT(*) FROM verdicts) AS verdicts,"
            " (SELECT COALESCE(MAX(id), 0) FROM verdict_versions) AS newest",
            [],
        )[0]
        return row["verdicts"], row["newest"]

    def tags(self) -> list[str]:
        """Every tag on a current (not withdrawn) verdict, sorted case-insensitively.

        One query: SQLite lists the tags of each verdict's current version, so no verdict row
        is read into Python (the SME review's tag list after each new verdict).
        """
        sql, params = _current_sql(None, None, None, include_withdrawn=False, columns="x.tags")
        rows = self._read(
            f"SELECT DISTINCT tag.value AS tag FROM ({sql}) AS current,"
            " json_each(current.tags) AS tag",
            params,
        )
        return sorted((row["tag"] for row in rows), key=str.casefold)

    def reviewed_row_ids(
        self, sprint: str, prototype: str, reviewer: str | None = None
    ) -> set[str]:
        """Row ids with a current (not withdrawn) verdict, optionally by one reviewer."""
        sql, params = _current_sql(sprint, prototype, reviewer, include_withdrawn=False)
        return {row["row_id"] for row in self._read(f"SELECT row_id FROM ({sql})", params)}

    def disputes(self, sprint: str | None = None, prototype: str | None = None) -> pd.DataFrame:
        """Every dispute recorded, oldest first."""
        where, params = _prototype_filter(sprint, prototype)
        rows = self._read(
            "SELECT id AS dispute_id, sprint, prototype, row_id, reviewer, feature, kind,"
            f" shap_value, comment, key, recorded_at FROM disputes WHERE {where} ORDER BY id",
            params,
        )
        return pd.DataFrame(rows, columns=_DISPUTE_COLUMNS)

    def dispute_counts(
        self, sprint: str | None = None, prototype: str | None = None
    ) -> pd.DataFrame:
        """How often each (feature, kind) was disputed, per sprint and prototype, most first.

        ``count`` counts a reviewer's dispute of one feature on one row once, however often
        it was recorded; ``rows`` and ``reviewers`` count distinct rows and reviewers.
        """
        where, params = _prototype_filter(sprint, prototype)
        rows = self._read(
            "SELECT sprint, prototype, feature, kind, COUNT(*) AS count,"
            " COUNT(DISTINCT row_id) AS rows, COUNT(DISTINCT reviewer) AS reviewers"
            " FROM (SELECT DISTINCT sprint, prototype, row_id, reviewer, feature, kind"
            f" FROM disputes WHERE {where})"
            " GROUP BY sprint, prototype, feature, kind"
            " ORDER BY sprint, prototype, count DESC, feature, kind",
            params,
        )
        return pd.DataFrame(rows, columns=_DISPUTE_COUNT_COLUMNS)

    # -- exporting -------------------------------------------------------------------------

    def export(
        self,
        path: str | os.PathLike[str],
        format: str = "csv",
        sprint: str | None = None,
        prototype: str | None = None,
        reviewer: str | None = None,
        verdict: str | None = None,
    ) -> Path:
        """Write current verdicts with their provenance to ``path`` atomically; return it.

        ``verdict`` keeps only one kind ("correct", "wrong" or "unsure").

        One row per current verdict: ids, who, what, the prediction shown (predicted_label,
        confidence, task) and one column per feature shown. Tags are "a;b" in CSV and lists
        in Parquet and JSONL. A feature named like one of those columns gets a "feature."
        prefix.
        """
        return self._export(path, format, sprint, prototype, reviewer, verdict)[0]

    def _export(
        self,
        path: str | os.PathLike[str],
        format: str,
        sprint: str | None,
        prototype: str | None,
        reviewer: str | None,
        verdict: str | None = None,
    ) -> tuple[Path, int]:
        target = export_target(path, format)
        sql, params = _current_sql(
            sprint, prototype, reviewer, include_withdrawn=False, verdict=verdict,
            columns=_EXPORT_SQL,
        )  # fmt: skip
        export = _Export(self._retry(lambda: self._connection().execute(sql, params).fetchall()))
        writer = {"csv": _write_csv, "parquet": _write_parquet, "jsonl": _write_jsonl}[format]
        try:
            _write_atomically(target, lambda tmp: writer(export, tmp))
        except OSError as error:
            raise OSError(f"cannot write {target}: {error.strerror or error}") from error
        return target, len(export)

    def export_training(
        self,
        path: str | os.PathLike[str],
        format: str = "parquet",
        sprint: str | None = None,
        prototype: str | None = None,
        rule: str = "majority",
        lead: str | None = None,
        demo_row_ids: Iterable[str] | None = None,
    ) -> TrainingExport:
        """Write training-ready rows (features, resolved label, provenance) and a manifest.

        One row per reviewed row whose label resolves under ``rule`` (see
        ``feedback_store.resolve_labels``) and whose feature values were snapshotted. Beside
        it, ``<path>.manifest.json`` holds counts, filters, rule, versions and warnings.
        ``demo_row_ids`` are the rows of the demo (evaluation) sets; when None, every row of
        source "demo" counts as one. Returns ``(path, manifest_path)``; the result also has
        ``.rows``, ``.warnings`` and ``.manifest``.
        """
        # Imported here because the training module builds on this one.
        from feedback_store.training import export_training

        return export_training(self, path, format, sprint, prototype, rule, lead, demo_row_ids)

    def schema_migrations(self) -> list[str]:
        """Names of the schema migrations applied to this file, oldest first."""
        return [
            row["name"]
            for row in self._read(
                "SELECT name FROM _sqlite_migrations WHERE migration_set = ? ORDER BY id",
                [migrations.name],
            )
        ]

    # -- connections -----------------------------------------------------------------------

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection, opened and configured on first use."""
        # A connection per thread: sqlite3 connections must not be shared by threads that may
        # run at once, and Streamlit runs every session in its own thread. Kept open, so a
        # verdict costs its transaction and not a connect, a schema read and PRAGMAs.
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is not None and local.pid == os.getpid() and local.file == _file_id(self.path):
            return conn
        if conn is not None:  # opened before a fork, or on a file since replaced
            self._stale.append(conn)
        conn = self._open()
        local.conn, local.pid, local.file = conn, os.getpid(), _file_id(self.path)
        self._keep_open()
        return conn

    def _address(self) -> tuple[str | Path, bool]:
        """What to connect to: the file, or in a read-only folder a read-only URI for it.

        Reading a WAL database needs its -shm file, which SQLite cannot create in a read-only
        folder. While the app runs elsewhere the -shm exists and ``mode=ro`` reads through it;
        with the app stopped (no -shm, an empty or no -wal) the file is complete and is opened
        ``immutable``. A -wal that still holds pages cannot be read without writing: say so.
        """
        if not self.path.is_file() or os.access(self.path.parent, os.W_OK):
            return self.path, False
        wal = self.path.with_name(f"{self.path.name}-wal")
        if self.path.with_name(f"{self.path.name}-shm").is_file():
            return f"{self.path.resolve().as_uri()}?mode=ro", True
        if not wal.is_file() or wal.stat().st_size == 0:
            return f"{self.path.resolve().as_uri()}?immutable=1", True
        raise StorageError(
            f"{self.path} is read-only and its last changes are still in {wal.name}: open the "
            "workspace once with write access so SQLite can finish them"
        )

    def _open(self) -> sqlite3.Connection:
        database, read_only = self._address()
        conn = sqlite3.connect(
            database,
            uri=read_only,
            timeout=_BUSY_TIMEOUT_SECONDS,
            isolation_level=None,  # transactions are explicit: BEGIN IMMEDIATE ... COMMIT
            check_same_thread=False,  # used by one thread at a time; freed by another
        )
        if read_only:
            return conn
        try:
            # FULL rather than NORMAL: in WAL mode NORMAL may lose the last commits on power
            # loss. Verdicts are hand-made and cannot be regenerated, and they are written at
            # the pace of clicks, so an fsync per commit costs nothing anyone notices.
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            # Stored in the file, so a no-op after the first time; here rather than once in
            # migrate() so that every connection has read the file in WAL mode (see _keep_open).
            conn.execute("PRAGMA journal_mode = WAL").fetchall()
        except BaseException:
            conn.close()
            raise
        return conn

    def _keep_open(self) -> None:
        # When the last connection to a WAL database closes, SQLite checkpoints the WAL into
        # the main file and deletes it. Streamlit runs each rerun in a new thread, so thread
        # connections come and go; one idle connection that has read the file (a connection
        # holds its lock on the file only once it has) keeps that from happening on each.
        owner = (os.getpid(), _file_id(self.path))
        with self._keeper_lock:
            if self._keeper is not None and self._keeper_owner == owner:
                return
            if self._keeper is not None:
                self._stale.append(self._keeper)
            self._keeper, self._keeper_owner = self._open(), owner

    def _read(self, sql: str, params: list[Any]) -> list[dict[str, Any]]:
        return self._retry(lambda: _dicts(self._connection().execute(sql, params)))

    def _write(self, work: Callable[[sqlite3.Connection], _T]) -> _T:
        def transaction() -> _T:
            # Writers of this process take turns on a lock, woken as soon as it is free. Left
            # to SQLite, a blocked writer sleeps and polls with growing sleeps: with sixteen at
            # once a few waited seconds (python -m bench, section b). Other processes are kept
            # out by BEGIN IMMEDIATE and the busy timeout, as before; the lock has the same
            # timeout, so a wait behind a slow writer ends like a busy database: retried.
            if not self._write_lock.acquire(timeout=_BUSY_TIMEOUT_SECONDS):
                raise sqlite3.OperationalError("database is locked by a writer of this process")
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE")
                try:
                    result = work(conn)
                    conn.execute("COMMIT")
                except BaseException:
                    self._roll_back(conn)
                    raise
                return result
            finally:
                self._write_lock.release()

        return self._retry(transaction)

    def _roll_back(self, conn: sqlite3.Connection) -> None:
        if not conn.in_transaction:
            return  # SQLite already rolled back (e.g. after a full disk)
        try:
            conn.execute("ROLLBACK")
        except sqlite3.Error:
            # Closing a connection rolls its transaction back; the next call opens another.
            self._local.conn = None
            conn.close()

    def _retry(self, attempt: Callable[[], _T]) -> _T:
        for number in range(1, _WRITE_ATTEMPTS + 1):
            try:
                return attempt()
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise StorageError(_storage_message(error, self.path)) from error
                if number == _WRITE_ATTEMPTS:
                    raise StorageError(
                        f"the feedback database {self.path} stayed busy; nothing was saved, "
                        "try again"
                    ) from error
            except sqlite3.IntegrityError as error:
                # Another writer stored the same key or thread first: trying again reads
                # theirs back instead of failing the user's click.
                if number == _WRITE_ATTEMPTS or "UNIQUE constraint failed" not in str(error):
                    raise
            except sqlite3.DatabaseError as error:  # "file is not a database", "malformed"
                folder = self.path.parent
                raise StorageError(
                    f"The verdicts database in {folder} cannot be read "
                    f"({' '.join(str(error).split())}): restore a backup with python -m "
                    f"feedback_store restore --workspace {folder} --backup FILE --force (the "
                    "damaged file is kept beside it)"
                ) from error
            time.sleep(random.uniform(0.01, 0.05) * 2**number)
        raise AssertionError("unreachable")


# -- SQL helpers ---------------------------------------------------------------------------


def _current_sql(
    sprint: str | None,
    prototype: str | None,
    reviewer: str | None,
    include_withdrawn: bool,
    verdict: str | None = None,
    columns: str = _VERSION_COLUMNS,
) -> tuple[str, list[Any]]:
    where = ["x.version = (SELECT MAX(version) FROM verdict_versions WHERE verdict_id = v.id)"]
    params: list[Any] = []
    for column, value in (("v.sprint", sprint), ("v.prototype", prototype)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(_filter_value(value))
    if reviewer is not None:
        where.append("v.created_by = ?")
        params.append(_filter_value(reviewer))
    if not include_withdrawn:
        where.append("x.verdict != ?")
        params.append(WITHDRAWN)
    if verdict is not None:
        where.append("x.verdict = ?")
        params.append(_verdict(verdict))
    sql = (
        f"SELECT {columns} FROM verdicts v"
        " JOIN verdict_versions x ON x.verdict_id = v.id"
        f" WHERE {' AND '.join(where)} ORDER BY v.id"
    )
    return sql, params


def _prototype_filter(sprint: str | None, prototype: str | None) -> tuple[str, list[Any]]:
    where, params = ["1 = 1"], []
    for column, value in (("sprint", sprint), ("prototype", prototype)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(_filter_value(value))
    return " AND ".join(where), params


def _first(db: sqlite3.Connection, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = _dicts(db.execute(sql, params))
    return rows[0] if rows else None


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    # Reads the cursor to the end, which ends SQLite's implicit read transaction.
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


def _latest(db: sqlite3.Connection, verdict_id: int) -> dict[str, Any]:
    row = _first(
        db,
        "SELECT *, id AS version_id FROM verdict_versions"
        " WHERE verdict_id = ? ORDER BY version DESC LIMIT 1",
        [verdict_id],
    )
    assert row is not None
    return row


def _latest_standing(db: sqlite3.Connection, verdict_id: int) -> dict[str, Any]:
    row = _first(
        db,
        "SELECT * FROM verdict_versions WHERE verdict_id = ? AND verdict != ?"
        " ORDER BY version DESC LIMIT 1",
        [verdict_id, WITHDRAWN],
    )
    assert row is not None
    return row


def _key_hit(db: sqlite3.Connection, key: str) -> dict[str, Any] | None:
    return _first(
        db,
        "SELECT x.id AS version_id, x.verdict_id, v.sprint, v.prototype, v.row_id, v.created_by"
        " FROM verdict_versions x JOIN verdicts v ON v.id = x.verdict_id WHERE x.key = ?",
        [key],
    )


def _version_for_key(db: sqlite3.Connection, key: str, verdict_id: int) -> int | None:
    hit = _key_hit(db, key)
    if hit is None:
        return None
    if hit["verdict_id"] != verdict_id:
        raise InvalidVerdict(
            f"key {key!r} was already used for verdict {hit['verdict_id']}, not {verdict_id};"
            " use a new key for each change"
        )
    return hit["version_id"]


def _owned_thread(db: sqlite3.Connection, verdict_id: int, reviewer: str) -> None:
    thread = _first(db, "SELECT created_by FROM verdicts WHERE id = ?", [verdict_id])
    if thread is None:
        raise InvalidVerdict(f"no verdict with id {verdict_id}")
    if thread["created_by"] != reviewer:
        raise InvalidVerdict(
            f"verdict {verdict_id} belongs to {thread['created_by']!r}, so {reviewer!r} cannot"
            " change it; record your own verdict on that row instead"
        )


def _append(
    db: sqlite3.Connection,
    verdict_id: int,
    *,
    version: int,
    reviewer: str,
    verdict: str,
    corrected_label: str | None,
    comment: str,
    tags: list[str],
    features: str | None,
    prediction: str | None,
    task: str | None,
    key: str | None,
) -> int:
    return db.execute(
        "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict, corrected_label,"
        " comment, tags, features, prediction, task, key, recorded_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            verdict_id,
            version,
            reviewer,
            verdict,
            corrected_label,
            comment,
            json.dumps(tags, ensure_ascii=False),
            features,
            prediction,
            task,
            key,
            _now(),
        ],
    ).lastrowid


def export_target(path: str | os.PathLike[str], format: str) -> Path:
    """Check an export's format and destination before anything is read or written."""
    if format not in EXPORT_FORMATS:
        raise InvalidVerdict(
            f"unknown export format {format!r}: use one of {', '.join(EXPORT_FORMATS)}"
        )
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"output folder not found: {target.parent} (create it or choose another path)"
        )
    if target.is_dir():
        raise IsADirectoryError(f"output is a folder, not a file: {target}")
    return target


def _file_id(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except FileNotFoundError:
        return None
    return status.st_dev, status.st_ino


def _storage_message(error: sqlite3.Error, path: Path) -> str:
    text = str(error)
    if "full" in text:
        return f"the disk holding {path} is full; nothing was saved: free space and try again"
    if "readonly" in text or "read-only" in text:
        return f"{path} is read-only; nothing was saved: ask for write access to the workspace"
    return f"the feedback database {path} could not be used ({text}); nothing was saved"


def _is_busy(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    for row in rows:
        row["tags"] = json.loads(row["tags"])
        row["features"] = json.loads(row["features"]) if row["features"] else None
        row["prediction"] = json.loads(row["prediction"]) if row["prediction"] else None
    return pd.DataFrame(rows, columns=_FRAME_COLUMNS)


# -- validation ----------------------------------------------------------------------------


def _clean_text(field: str, value: Any, max_len: int, *, multiline: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidVerdict(f"{field} must be text, got {type(value).__name__}")
    value = value.strip()
    allowed = "\n\r\t" if multiline else ""
    bad = next((c for c in value if unicodedata.category(c) == "Cc" and c not in allowed), None)
    if bad is not None:
        raise InvalidVerdict(f"{field} contains a control character ({bad!r}); remove it")
    if len(value) > max_len:
        raise InvalidVerdict(
            f"{field} is {len(value)} characters long, the limit is {max_len}; shorten it"
        )
    return value


def _required_text(field: str, value: Any, max_len: int) -> str:
    if value is None:
        raise InvalidVerdict(f"{field} is required")
    text = _clean_text(field, value, max_len)
    if not text:
        raise InvalidVerdict(f"{field} is empty; give a non-empty {field}")
    return text


def _row_id(value: Any) -> Any:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(int(value))
    return value


def _filter_value(value: Any) -> str:
    return str(_row_id(value)).strip()


def _verdict(value: Any) -> str:
    if value not in VERDICTS:
        raise InvalidVerdict(f"verdict must be one of {', '.join(VERDICTS)}; got {value!r}")
    return value


def _check_source(source: Any, row_id: str, features: dict[str, Any] | None) -> None:
    if source not in SOURCES:
        raise InvalidVerdict(f"source must be one of {', '.join(SOURCES)}; got {source!r}")
    if source == "demo":
        if row_id.startswith(OWN_PREFIX):
            raise InvalidVerdict(
                f"row ids starting with {OWN_PREFIX!r} are SMEs' own cases: pass source='own'"
                " with the case's features"
            )
        return
    if not features:
        raise InvalidVerdict(
            "an own case (source='own') needs features: the values the SME entered"
        )
    expected = own_case_id(features)
    if row_id != expected:
        raise InvalidVerdict(
            f"row_id of an own case must be feedback_store.own_case_id(features), here"
            f" {expected!r}; got {row_id!r}"
        )


def _finite_number(field: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidVerdict(f"{field} must be a number, got {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise InvalidVerdict(f"{field} must be a finite number, got {number}")
    return number


def _task(value: Any) -> str | None:
    if value is not None and value not in TASKS:
        raise InvalidVerdict(f"task must be one of {', '.join(TASKS)} or None; got {value!r}")
    return value


def _verdict_id(value: Any) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    raise InvalidVerdict(f"verdict_id must be an integer id, got {value!r}")


def _label_text(value: Any) -> Any:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return str(value)
    return value


def _corrected_label(value: Any, verdict: str, task: str | None) -> str | None:
    label = "" if value is None else _clean_text("corrected_label", _label_text(value), LABEL_MAX)
    if verdict == "correct":
        if label:
            raise InvalidVerdict(
                "corrected_label is only for 'wrong' or 'unsure' verdicts; leave it empty"
                " when the prediction is correct"
            )
        return None
    if verdict == "wrong" and not label:
        raise InvalidVerdict(
            "a 'wrong' verdict needs corrected_label: the value the model should have predicted"
        )
    if label and task == "regression":
        try:
            number = float(label)
        except ValueError:
            number = math.nan
        if not math.isfinite(number):
            raise InvalidVerdict(
                f"corrected_label must be a number for a regression model, got {label!r};"
                " write it like 12.5 (dot as decimal separator)"
            )
    return label or None


def _comment(value: Any) -> str:
    return "" if value is None else _clean_text("comment", value, COMMENT_MAX, multiline=True)


def _tags(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise InvalidVerdict(f"tags must be a list of strings such as ['sensor'], got {value!r}")
    tags: list[str] = []
    for raw in value:
        tag = _clean_text("a tag", raw, TAG_MAX)
        if not tag:
            raise InvalidVerdict("tags must not be empty; remove the empty tag")
        if ";" in tag:
            raise InvalidVerdict(
                f"tag {tag!r} contains ';', which separates tags in CSV exports; use another"
                " character"
            )
        if tag not in tags:
            tags.append(tag)
    return tags


def _key(value: Any) -> str | None:
    return None if value is None else _required_text("key", value, KEY_MAX)


def _features(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidVerdict(
            "features must be a dict of feature name to value, e.g. {'Torque [Nm]': 65.2}"
        )
    features = {}
    for name, raw in value.items():
        if not isinstance(name, str) or not name.strip():
            raise InvalidVerdict(f"feature names must be non-empty strings, got {name!r}")
        features[name] = _scalar(raw, f"feature {name!r}")
    return features


def _prediction(value: Any) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise InvalidVerdict("prediction must be a dict such as {'label': '0', 'confidence': 0.83}")
    return _plain(value, "prediction")


def _plain(value: Any, where: str) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, where) for v in value]
    return _scalar(value, where)


def _scalar(value: Any, where: str) -> Any:
    # Snapshots usually come from a pandas row: numpy numbers, NaN, NaT and Timestamps.
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value  # the common cases first: this runs for every value of every verdict
    if kind is float:
        return value if math.isfinite(value) else None
    if isinstance(value, bool | str):
        return value
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if hasattr(value, "item"):
        return _scalar(value.item(), where)
    raise InvalidVerdict(
        f"{where} is a {type(value).__name__}; snapshots hold numbers, text, booleans or None"
    )


def _snapshot_json(field: str, value: Any) -> str | None:
    if value is None:
        return None
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    if len(text) > SNAPSHOT_MAX:
        raise InvalidVerdict(
            f"{field} snapshot is {len(text)} characters of JSON, the limit is {SNAPSHOT_MAX};"
            " keep only the values shown to the reviewer"
        )
    return text


# -- export --------------------------------------------------------------------------------


_EXPORT_SQL = """
    v.id, x.version, v.sprint, v.prototype, v.row_id, x.reviewer, x.verdict, x.corrected_label,
    x.comment, x.tags, x.recorded_at, json_type(x.prediction, '$.label'),
    json_extract(x.prediction, '$.label'), json_type(x.prediction, '$.confidence'),
    json_extract(x.prediction, '$.confidence'), x.task, v.source, x.features
"""
# Text cells a spreadsheet would run as a formula (OWASP, "CSV injection").
_FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TEXT_COLUMNS = [
    "sprint", "prototype", "row_id", "reviewer", "verdict", "corrected_label", "comment",
    "recorded_at", "task", "source",
]  # fmt: skip


class _Export:
    """Current verdicts as whole columns, built once per export whatever the format.

    Parquet and CSV take typed columns (``arrays()``); JSONL takes the values as stored
    (``records()``): a snapshot's 40 stays 40 there even where other rows have 40.5.
    """

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        # Transposed by pandas in C: zip(*rows) makes an iterator object per row, and the
        # garbage collector then walks every fetched value, several times over.
        table = pd.DataFrame(rows, dtype=object)
        columns = [table[name].to_numpy() for name in table.columns] if rows else [()] * 18
        (ids, versions, sprints, prototypes, row_ids, reviewers, verdicts, labels, comments,
         tags, recorded, label_types, label_values, confidence_types, confidence_values,
         tasks, sources, features) = columns  # fmt: skip
        confidence = _sql_json_values(confidence_types, confidence_values)
        if not {"integer", "real", None}.issuperset(confidence_types):
            confidence = [value if isinstance(value, int | float) else None for value in confidence]
        self.base: dict[str, Sequence[Any]] = {
            "verdict_id": ids,
            "version": versions,
            "sprint": sprints,
            "prototype": prototypes,
            "row_id": row_ids,
            "reviewer": reviewers,
            "verdict": verdicts,
            "corrected_label": labels,
            "comment": comments,
            "tags": _json_texts(tags),
            "recorded_at": recorded,
            "predicted_label": _sql_json_values(label_types, label_values),
            "confidence": confidence,
            "task": tasks,
            "source": sources,
        }
        self.features = features

    def __len__(self) -> int:
        return len(self.base["verdict_id"])

    def arrays(self) -> tuple[list[str], list[Any]]:
        """Column names and typed pyarrow arrays: what Parquet holds and CSV shows."""
        import pyarrow as pa

        base = self.base
        confidence = base["confidence"]
        if any(isinstance(c, bool) for c in confidence):  # a JSON true counts as 1.0
            confidence = [None if c is None else float(c) for c in confidence]
        arrays = {
            "verdict_id": pa.array(base["verdict_id"], type=pa.int64()),
            "version": pa.array(base["version"], type=pa.int64()),
            "tags": pa.array(base["tags"], type=pa.list_(pa.string())),
            "predicted_label": _arrow(_column(base["predicted_label"])),
            "confidence": pa.array(confidence, type=pa.float64()),
        }
        arrays.update({name: pa.array(base[name], type=pa.string()) for name in _TEXT_COLUMNS})
        features = _typed_features(self.features)
        if features is None:  # snapshots pyarrow cannot type as a whole: value by value
            features = {
                name: _arrow(_column(values)) for name, values in _raw_features(self.features)
            }
        columns = _feature_column_names(list(features))
        names = _EXPORT_COLUMNS + list(columns.values())
        return names, [arrays[name] for name in _EXPORT_COLUMNS] + list(features.values())

    def records(self) -> Iterator[dict[str, Any]]:
        """One dict per verdict, in the export's column order, values as stored."""
        features = dict(_raw_features(self.features))
        columns = _feature_column_names(list(features))
        names = _EXPORT_COLUMNS + list(columns.values())
        values = [self.base[name] for name in _EXPORT_COLUMNS] + list(features.values())
        for row in zip(*values, strict=True):
            yield dict(zip(names, row, strict=True))


def _sql_json_values(kinds: Sequence[str | None], values: Sequence[Any]) -> Sequence[Any]:
    """Values from SQLite's json_extract as json.loads gives them, told apart by json_type."""
    special = {"true", "false", "object", "array"}
    if special.isdisjoint(kinds):
        return values  # text, numbers and null come out of json_extract as they are
    return [
        value if kind not in special else _special_json_value(kind, value)
        for kind, value in zip(kinds, values, strict=True)
    ]


def _special_json_value(kind: str, value: Any) -> Any:
    if kind in ("true", "false"):
        return kind == "true"  # json_extract gives 1 or 0
    return json.loads(value)  # an object or array: json_extract gives its JSON text


def _json_texts(texts: Sequence[str]) -> list[Any]:
    """Short JSON texts that repeat (tags: mostly "[]"), each distinct one parsed once."""
    parsed: dict[str, Any] = {}
    return [
        parsed[text] if text in parsed else parsed.setdefault(text, json.loads(text))
        for text in texts
    ]


def _typed_features(texts: Sequence[str | None]) -> dict[str, Any] | None:
    """Feature snapshots as one typed pyarrow array per feature, or None if they cannot be.

    pyarrow's JSON reader parses every snapshot in C++ and types each feature over all rows
    as the export does: integers (floats if any is missing), floats, booleans or text, first
    seen first. Features it would type otherwise (a feature that is a number in one row and
    text in another, nested values) are left to ``_raw_features``.
    """
    import pyarrow as pa
    import pyarrow.json as pa_json

    if len(texts) == 0:
        return None
    data = "\n".join(text or "{}" for text in texts).encode("utf-8")
    # One block and one thread: features come out in the order they were first seen.
    options = pa_json.ReadOptions(use_threads=False, block_size=len(data) + 1)
    try:
        table = pa_json.read_json(io.BytesIO(data), read_options=options)
        dates = [field.name for field in table.schema if pa.types.is_timestamp(field.type)]
        if dates:  # pyarrow reads ISO dates as timestamps; the export keeps the text
            as_text = pa.schema([(name, pa.string()) for name in dates])
            parse = pa_json.ParseOptions(explicit_schema=as_text, unexpected_field_behavior="infer")
            table = pa_json.read_json(
                io.BytesIO(data), read_options=options, parse_options=parse
            ).select(table.column_names)
    except pa.ArrowException:
        return None
    if table.num_rows != len(texts):
        return None
    features: dict[str, Any] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_null(kind):
            column = column.cast(pa.string())
        elif pa.types.is_integer(kind) and column.null_count:
            column = column.cast(pa.float64(), safe=False)
        elif not (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_string(kind)
        ):
            return None
        features[name] = column.combine_chunks()
    return features


def _raw_features(texts: Sequence[str | None]) -> list[tuple[str, list[Any]]]:
    """Each feature and its values as stored (None where a row lacks it), first seen first."""
    snapshots = pd.DataFrame([f or {} for f in _json_column(texts)], dtype=object)
    return [
        (name, snapshots[name].where(snapshots[name].notna(), None).tolist())
        for name in snapshots.columns
    ]


def _json_column(texts: Sequence[str | None]) -> list[Any]:
    """Every text parsed as JSON (None or "" for None), with one call to the parser."""
    # Each text wrapped in [...]: one parse of the whole column, and every element must be a
    # one-item list, so a malformed text cannot shift the values of the rows after it.
    joined = "[[" + "],[".join(text or "null" for text in texts) + "]]"
    try:
        parsed = json.loads(joined) if len(texts) else []
    except json.JSONDecodeError:
        parsed = None
    if parsed is None or len(parsed) != len(texts) or any(len(item) != 1 for item in parsed):
        return [json.loads(text) if text else None for text in texts]  # raises on the bad one
    return [item[0] for item in parsed]


def _feature_column_names(names: list[str]) -> dict[str, str]:
    # A feature named like an export column (or like another feature's column) gets a
    # "feature." prefix, in the order features were first seen.
    columns: dict[str, str] = {}
    for name in names:
        column = name
        while column in _EXPORT_COLUMNS or column in columns.values():
            column = f"feature.{column}"
        columns[name] = column
    return columns


def _column(values: Any) -> pd.Series:
    """Snapshot values typed by content: booleans, integers, floats, or else text.

    None and NaN are missing. Integers with a missing value become floats; any other mix
    becomes text (``str`` of each value).
    """
    series = pd.Series(values, dtype=object)
    missing = series.isna()
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind == "boolean":
        return series.astype("boolean")
    if kind == "integer" and not missing.any():
        return series.astype("int64")
    if kind in ("integer", "floating", "mixed-integer-float"):
        return series.astype("float64")
    if kind == "string":
        return series.where(~missing, None)
    return pd.Series(
        [None if gone else str(value) for value, gone in zip(series, missing, strict=True)],
        dtype=object,
    )


def _formula_safe(series: pd.Series) -> pd.Series:
    """Text cells starting like a formula, with a leading apostrophe; numbers unchanged."""
    if series.empty or not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
        return series
    risky = series.str[:1].isin(_FORMULA_STARTS)  # False for missing cells
    if risky.any():
        risky[risky] = ~series[risky].str.fullmatch(_PLAIN_NUMBER).astype(bool)
    if not risky.any():
        return series
    series = series.copy()
    series[risky] = "'" + series[risky]
    return series


def write_spreadsheet_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as UTF-8 CSV, text cells guarded against formula injection."""
    frame = frame.apply(_formula_safe) if len(frame.columns) else frame
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def _arrow(series: pd.Series) -> Any:
    import pyarrow as pa

    if series.dtype == object:
        return pa.array(series, type=pa.string(), from_pandas=True)
    return pa.array(series, from_pandas=True)


def _pandas(array: Any) -> pd.Series:
    """A typed pyarrow array as the pandas column the CSV writer formats."""
    import pyarrow as pa

    kind = array.type
    if pa.types.is_boolean(kind):
        return pd.Series(array.to_pylist(), dtype="boolean")
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return pd.Series(array.to_numpy(zero_copy_only=False))
    if pa.types.is_list(kind):
        return pd.Series([";".join(tags) for tags in array.to_pylist()], dtype=object)
    return pd.Series(array.to_pylist(), dtype=object)


def _write_csv(export: _Export, path: Path) -> None:
    names, arrays = export.arrays()
    frame = pd.DataFrame(
        {name: _pandas(array) for name, array in zip(names, arrays, strict=True)}, columns=names
    )
    write_spreadsheet_csv(frame, path)


def _write_parquet(export: _Export, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names, arrays = export.arrays()
    pq.write_table(pa.table(arrays, names=names), path)


def _write_jsonl(export: _Export, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for record in export.records():
            line = json.dumps(record, ensure_ascii=False, allow_nan=False)
            # Valid JSON either way, but readers that split on Unicode line breaks would cut it.
            file.write(line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n")


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        with tmp.open("r+b") as file:
            os.fsync(file.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
