"""Temporary files a restore writes beside feedback.db, and removing those a kill left.

Each is created under a name no one else uses, locked (``flock``) for as long as its restore
runs, and only then given its ``.feedback.db.<...>.tmp`` name; opening the store removes the
ones no running restore holds, with their SQLite journals.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from feedback_store.connection import DB_FILENAME

__all__ = ["claimed_temporary", "remove_leftovers"]

_PATTERN = f".{DB_FILENAME}.*.tmp"
_JOURNALS = ("-journal", "-wal", "-shm")


@contextlib.contextmanager
def claimed_temporary(folder: Path, kind: str = "") -> Iterator[Path]:
    """An empty file ``.feedback.db.<kind><uuid>.tmp`` in ``folder``, locked while in use
    and removed (with its journals) afterwards unless it was moved or linked elsewhere."""
    token = f"{kind}{uuid.uuid4().hex}"
    claim = folder / f".{DB_FILENAME}.{token}.claim"
    handle = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o644)
    path = folder / f".{DB_FILENAME}.{token}.tmp"
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        os.replace(claim, path)  # locked before anyone can see it under a leftover's name
        yield path
    finally:
        claim.unlink(missing_ok=True)
        _remove(path)
        os.close(handle)


def remove_leftovers(folder: Path) -> list[Path]:
    """Remove the temporary files of restores killed in ``folder``; return them.

    A file a running restore holds is left alone; so is everything in a folder this process
    cannot write.
    """
    removed: list[Path] = []
    if not os.access(folder, os.W_OK):
        return removed
    for path in sorted(folder.glob(_PATTERN)):
        try:
            handle = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            continue  # a restore is running
        try:
            removed += _remove(path)
        finally:
            os.close(handle)
    return removed


def _remove(path: Path) -> list[Path]:
    removed = []
    for name in (path, *(path.with_name(path.name + suffix) for suffix in _JOURNALS)):
        with contextlib.suppress(FileNotFoundError):
            name.unlink()
            removed.append(name)
    return removed
