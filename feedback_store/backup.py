"""Consistent copies of feedback.db while reviewers keep writing, and restoring one.

SQLite's online backup API copies the database page by page inside read transactions, so
the copy is a consistent snapshot even while other threads and processes commit verdicts.
"""

from __future__ import annotations

import os
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from feedback_store.connection import DB_FILENAME, Connection, StorageError

__all__ = ["backup", "restore"]


def backup(store: Connection, out: str | os.PathLike[str]) -> Path:
    """Write a consistent copy of ``store``'s database to ``out`` (atomically) and return it."""
    target = Path(out)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"output folder not found: {target.parent}")
    if target.is_dir():
        raise IsADirectoryError(f"output is a folder, not a file: {target}")
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    source = sqlite3.connect(store.path, timeout=10)
    try:
        destination = sqlite3.connect(temporary)
        try:
            source.backup(destination)
            # A single file is easier to move around than a WAL pair.
            destination.execute("PRAGMA journal_mode = DELETE")
        finally:
            destination.close()
        os.replace(temporary, target)
    except sqlite3.Error as error:
        raise StorageError(f"backup failed: {error}") from None
    finally:
        source.close()
        if temporary.exists():
            temporary.unlink()
    return target


def restore(
    backup_file: str | os.PathLike[str], workspace: str | os.PathLike[str], *, force: bool = False
) -> Path:
    """Make ``backup_file`` the workspace's feedback.db.

    The backup is checked first (``PRAGMA integrity_check`` and the verdict tables). An
    existing database is never overwritten unless ``force``; even then it is kept beside as
    ``feedback.db.before-restore-<time>`` so no verdict can be lost by a restore.

    A readable database is overwritten in place, through SQLite (its backup API, in one
    transaction), so a running app, whose connections stay open, reads and writes the
    restored verdicts; replacing the file under them would send their writes to the old,
    unlinked file. A damaged one is moved aside with its WAL and the backup copied in.
    """
    source = Path(backup_file)
    folder = Path(workspace)
    if not source.is_file():
        raise FileNotFoundError(f"backup file not found: {source}")
    if not folder.is_dir():
        raise FileNotFoundError(f"workspace folder not found: {folder}")
    _check_backup(source)
    target = folder / DB_FILENAME
    if target.exists() and not force:
        raise FileExistsError(
            f"{target} exists; pass --force to restore (the current file is kept beside it)"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    aside = folder / f"{DB_FILENAME}.before-restore-{stamp}"
    temporary = folder / f".{DB_FILENAME}.{uuid.uuid4().hex}.tmp"
    try:
        _copy_database(source, temporary)
        if target.exists() and _restore_in_place(temporary, target, aside):
            return target
        # No database, or a damaged one nobody can be using: keep what is there, byte for
        # byte, and put the backup in its place. A WAL left without its database would be
        # replayed onto the restored file, so it moves aside too.
        if target.exists():
            os.replace(target, aside)
        for suffix in ("-wal", "-shm"):
            sidecar = folder / f"{DB_FILENAME}{suffix}"
            if sidecar.exists():
                os.replace(sidecar, aside.with_name(aside.name + suffix))
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return target


def _restore_in_place(restored: Path, target: Path, aside: Path) -> bool:
    """Copy ``target`` to ``aside``, then ``restored`` over ``target``; False if damaged."""
    live = sqlite3.connect(target, timeout=10)
    try:
        try:
            (page_size,) = live.execute("PRAGMA page_size").fetchone()
            (check,) = live.execute("PRAGMA quick_check").fetchone()
        except sqlite3.OperationalError:
            raise  # busy, or an I/O error: no reason to move a database aside
        except sqlite3.DatabaseError:
            return False  # "file is not a database", "malformed"
        if check != "ok":
            return False
        live.execute("PRAGMA synchronous = FULL")
        _copy_database(target, aside)
        source = sqlite3.connect(restored)
        try:
            # The backup API cannot change the page size of a WAL database, so the copy
            # takes the live file's.
            if source.execute("PRAGMA page_size").fetchone()[0] != page_size:
                source.execute("PRAGMA journal_mode = DELETE")
                source.execute(f"PRAGMA page_size = {int(page_size)}")
                source.execute("VACUUM")
            source.backup(live)
        finally:
            source.close()
    finally:
        live.close()
    return True


def _check_backup(path: Path) -> None:
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            (result,) = connection.execute("PRAGMA integrity_check").fetchone()
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise StorageError(f"{path.name} is not a readable SQLite database: {error}") from None
    if result != "ok":
        raise StorageError(f"{path.name} fails SQLite's integrity check: {result}")
    if not {"verdicts", "verdict_versions"} <= tables:
        raise StorageError(f"{path.name} is not a Sprint Review feedback database")


def _copy_database(source: Path, destination: Path) -> None:
    reader = sqlite3.connect(source)
    try:
        writer = sqlite3.connect(destination)
        try:
            reader.backup(writer)
        finally:
            writer.close()
    finally:
        reader.close()
