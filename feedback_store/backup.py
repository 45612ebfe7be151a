"""Consistent copies of feedback.db while reviewers keep writing, and restoring one.

SQLite's online backup API copies the database page by page inside read transactions, so
the copy is a consistent snapshot even while other threads and processes commit verdicts.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlite_utils import Database

from feedback_store.backup_check import check_backup, refusal
from feedback_store.connection import DB_FILENAME, Connection, StorageError
from feedback_store.leftovers import claimed_temporary
from feedback_store.migrations import migrations
from feedback_store.paired_files import sync_folder
from feedback_store.protected import refuse_protected
from feedback_store.reading import _current_sql

__all__ = ["BACKUP_MAX_BYTES", "backup", "restore"]

#: The largest backup ``restore`` reads (with its -wal): far more than years of verdicts.
BACKUP_MAX_BYTES = 2 * 1024**3


def backup(store: Connection, out: str | os.PathLike[str]) -> Path:
    """Write a consistent copy of ``store``'s database to ``out`` (atomically) and return it.

    Only ``out``'s folder must be writable: a read-only workspace is read as the store reads
    it. An ``out`` that is the live database itself or one of its -wal, -shm or -journal
    files (by path, symbolic or hard link) is refused before anything is written: the copy
    would replace the file reviewers are writing to; so are the workspace's other files
    (``feedback_store.protected``).
    """
    return backup_with_count(store, out)[0]


def backup_with_count(store: Connection, out: str | os.PathLike[str]) -> tuple[Path, int]:
    """``backup``, and the number of current verdicts in the file written."""
    target = Path(out)
    if not target.parent.is_dir():
        raise FileNotFoundError(f"output folder not found: {target.parent}")
    if target.is_dir():
        raise IsADirectoryError(f"output is a folder, not a file: {target}")
    refuse_protected(store.path, target, "a backup", "back up to another file")
    temporary = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    # Connected as the store connects: read-only (through the -shm, or immutable) where the
    # workspace cannot be written, so nothing is created beside feedback.db.
    source = store._open()
    try:
        destination = sqlite3.connect(temporary)
        try:
            source.backup(destination)
            # A single file is easier to move around than a WAL pair.
            destination.execute("PRAGMA journal_mode = DELETE")
            count = _current_verdicts(destination)
        finally:
            destination.close()
        os.replace(temporary, target)
    except sqlite3.Error as error:
        raise StorageError(f"backup failed: {error}") from None
    finally:
        source.close()
        if temporary.exists():
            temporary.unlink()
    return target, count


def _current_verdicts(connection: sqlite3.Connection) -> int:
    sql, params = _current_sql(None, None, None, include_withdrawn=False, columns="v.id")
    return connection.execute(f"SELECT COUNT(*) FROM ({sql})", params).fetchone()[0]


def restore(
    backup_file: str | os.PathLike[str], workspace: str | os.PathLike[str], *, force: bool = False
) -> Path:
    """Make ``backup_file`` the workspace's feedback.db.

    The backup is checked first, on a copy, before the live database is touched: refused
    with one line (a ``StorageError``) unless its tables, columns, indexes, triggers and views
    are exactly those the migrations create at the schema step it records, ``PRAGMA
    integrity_check`` passes and every row holds values the store would write; over
    ``BACKUP_MAX_BYTES`` it is not read at all. The backup itself is only read. An
    existing database is never overwritten unless ``force``; even then it is kept beside as
    ``feedback.db.before-restore-<time>`` (``-2``, ``-3``... after it when a restore in the
    same second kept one already) so no verdict can be lost by a restore. A backup with an
    older schema is upgraded before it is used, so a store already open goes on writing.

    A readable database is overwritten in place, through SQLite (its backup API, in one
    transaction), so a running app, whose connections stay open, reads and writes the
    restored verdicts; replacing the file under them would send their writes to the old,
    unlinked file. A damaged one is moved aside with its WAL and the backup copied in.
    """
    return restore_with_count(backup_file, workspace, force=force)[0]


def restore_with_count(
    backup_file: str | os.PathLike[str], workspace: str | os.PathLike[str], *, force: bool
) -> tuple[Path, int]:
    """``restore``, and the number of current verdicts in the file written."""
    source = Path(backup_file)
    folder = Path(workspace)
    if not source.is_file():
        raise FileNotFoundError(f"backup file not found: {source}")
    if not folder.is_dir():
        raise FileNotFoundError(f"workspace folder not found: {folder}")
    size = sum(_size(source.with_name(source.name + s)) for s in ("", "-wal"))
    if size > BACKUP_MAX_BYTES:
        raise refusal(
            source.name,
            f"it is {size / 1024**3:.1f} GiB, more than the"
            f" {BACKUP_MAX_BYTES / 1024**3:.0f} GiB a feedback database backup may be",
        )
    target = folder / DB_FILENAME
    with claimed_temporary(folder) as temporary:
        # Checked on a copy, which the migrations then upgrade: the backup is only read.
        _copy_backup(source, temporary)
        with contextlib.closing(sqlite3.connect(temporary)) as connection:
            check_backup(connection, source.name)
        if target.exists() and not force:
            raise FileExistsError(
                f"{target} exists; pass --force to restore (the current file is kept beside it)"
            )
        count = _upgraded(temporary)
        if target.exists() and _restore_in_place(temporary, target):
            return target, count
        # No database, or a damaged one nobody can be using: keep what is there, byte for
        # byte (a second link to it), and put the backup in its place. A WAL left without its
        # database would be replayed onto the restored file, so it moves aside too.
        aside = _link_aside(target) if target.exists() else None
        for suffix in ("-wal", "-shm"):
            sidecar = folder / f"{DB_FILENAME}{suffix}"
            if sidecar.exists():
                aside = aside or _free_aside_name(folder)
                os.replace(sidecar, aside.with_name(aside.name + suffix))
        os.replace(temporary, target)
        sync_folder(folder)
    return target, count


def _free_aside_name(folder: Path) -> Path:
    """A ``feedback.db.before-restore-<time>[-n]`` not taken yet (-2, -3... after a restore
    in the same second kept one already)."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    first = folder / f"{DB_FILENAME}.before-restore-{stamp}"
    names = (first.with_name(f"{first.name}-{n}") if n > 1 else first for n in itertools.count(1))
    return next(name for name in names if not name.exists())


def _link_aside(path: Path) -> Path:
    """Give the complete file ``path`` a free ``feedback.db.before-restore-<time>[-n]`` name
    too; a link never overwrites, so no other restore (in this process or another, in the
    same second) can take the same name."""
    while True:
        aside = _free_aside_name(path.parent)
        with contextlib.suppress(FileExistsError):
            os.link(path, aside)
            return aside


def _keep_aside(live: Path) -> Path:
    """Copy the database ``live`` to a temporary file, flush it to disk and only then give
    it its ``feedback.db.before-restore-…`` name: a kill midway leaves no empty or half
    copy under that name, only a temporary file the next open removes."""
    with claimed_temporary(live.parent, "before-restore.") as temporary:
        _copy_database(live, temporary)
        with temporary.open("r+b") as file:
            os.fsync(file.fileno())
        aside = _link_aside(temporary)
    sync_folder(live.parent)
    return aside


def _upgraded(path: Path) -> int:
    """Apply the migrations ``path`` lacks; return its number of current verdicts."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as connection:
        migrations.apply(Database(connection, execute_plugins=False))
        return _current_verdicts(connection)


def _restore_in_place(restored: Path, target: Path) -> bool:
    """Keep a copy of ``target`` aside, then copy ``restored`` over it; False if damaged."""
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
        _keep_aside(target)
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


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _copy_backup(source: Path, destination: Path) -> None:
    """Copy the backup through SQLite without writing to it or beside it.

    A WAL or journal beside the backup holds part of it, so it is read through them
    (read-only); otherwise the file is opened ``immutable``, which creates no -wal or -shm.
    """
    sidecar = any(_size(source.with_name(source.name + s)) for s in ("-wal", "-journal"))
    mode = "mode=ro" if sidecar else "immutable=1"
    reader = sqlite3.connect(f"{source.resolve().as_uri()}?{mode}", uri=True)
    try:
        try:
            reader.execute("PRAGMA trusted_schema = OFF")
            reader.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        except sqlite3.Error as error:
            problem = f"it is not a readable SQLite database ({error})"
            raise refusal(source.name, problem) from None
        try:
            with contextlib.closing(sqlite3.connect(destination)) as writer:
                reader.backup(writer)
        except sqlite3.Error as error:
            raise StorageError(
                f"{source.name} could not be copied into {destination.parent} ({error});"
                " nothing was changed"
            ) from None
    finally:
        reader.close()


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
