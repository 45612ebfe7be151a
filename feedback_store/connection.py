"""The SQLite side of the store: a kept connection per thread, short write transactions,
retries on a busy file, and one-line ``StorageError`` messages for everything else.

``Connection`` is the base of ``FeedbackStore``; the reading, writing and export layers call
its ``_read`` and ``_write``.
"""

from __future__ import annotations

import os
import random
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database

from feedback_store.migrations import migrations

DB_FILENAME = "feedback.db"

_BUSY_TIMEOUT_SECONDS = 10.0
_WRITE_ATTEMPTS = 5

_T = TypeVar("_T")


# One lock per database file for the writers of this process (see Connection._write).
_WRITE_LOCKS: dict[str, threading.Lock] = {}
_WRITE_LOCKS_GUARD = threading.Lock()


class StorageError(OSError):
    """The database could not be written or read (disk full, read-only, damaged file).

    The message is one line for the user; the transaction was rolled back, so nothing of the
    failed write is stored.
    """


class Connection:
    """One SQLite file, shared safely by the threads and processes that use it.

    Each thread (and each forked process) uses a connection of its own, kept open, and every
    write is one short ``BEGIN IMMEDIATE`` transaction.
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


def _first(db: sqlite3.Connection, sql: str, params: list[Any]) -> dict[str, Any] | None:
    rows = _dicts(db.execute(sql, params))
    return rows[0] if rows else None


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    # Reads the cursor to the end, which ends SQLite's implicit read transaction.
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor]


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
