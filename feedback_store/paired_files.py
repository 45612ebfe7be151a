"""A data file and the manifest describing it, written as one pair.

Both are written to temporary names and flushed to disk first; the manifest, which names the
data file's size and SHA-256, is then moved into place, and the data file last. A failure
before the renames leaves both files as they were; a failure of the last rename puts the
previous manifest back. Only a kill between the two renames can leave a new manifest beside
the previous data file, and the manifest's ``file_sha256`` then tells them apart.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["FILE_DIGEST_KEYS", "file_digest", "sync_folder", "write_pair"]

#: What a manifest says of its data file.
FILE_DIGEST_KEYS = ("file_bytes", "file_sha256")

_CHUNK = 1024 * 1024


def file_digest(path: Path) -> dict[str, Any]:
    """``{"file_bytes": size, "file_sha256": hex digest}`` of the file at ``path``."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return dict(zip(FILE_DIGEST_KEYS, (size, digest.hexdigest()), strict=True))


def write_pair(
    data: Path,
    write_data: Callable[[Path], None],
    manifest: Path,
    manifest_text: Callable[[dict[str, Any]], str],
) -> None:
    """Write ``data`` with ``write_data(temporary)`` and ``manifest`` with the text
    ``manifest_text(file_digest(data))`` returns, so that the two always go together.

    On failure an ``OSError`` names the file that could not be written and says that
    nothing was written; no temporary file is left behind.
    """
    data_tmp = _temporary(data)
    manifest_tmp = _temporary(manifest)
    previous = _temporary(manifest, "previous")
    kept = False
    try:
        _step(data, lambda: _write_synced(data_tmp, write_data))
        text = manifest_text(file_digest(data_tmp))
        _step(manifest, lambda: _write_synced(manifest_tmp, lambda p: _write_text(p, text)))
        # The manifest in place is kept under a temporary name (a second link, no copy), so
        # a failure of the data file's rename can put it back.
        with contextlib.suppress(FileNotFoundError, IsADirectoryError, PermissionError):
            os.link(manifest, previous)
            kept = True
        _step(manifest, lambda: os.replace(manifest_tmp, manifest))
        try:
            _step(data, lambda: os.replace(data_tmp, data))
        except OSError:
            if kept:
                os.replace(previous, manifest)
                kept = False
            else:
                manifest.unlink(missing_ok=True)
            raise
        sync_folder(data.parent)
    finally:
        for path in (data_tmp, manifest_tmp, *([previous] if kept else [])):
            path.unlink(missing_ok=True)


def _temporary(target: Path, kind: str = "") -> Path:
    return target.with_name(f".{target.name}.{kind}{uuid.uuid4().hex}.tmp")


def _step(target: Path, action: Callable[[], None]) -> None:
    try:
        action()
    except OSError as error:
        raise OSError(
            f"cannot write {target}: {error.strerror or error}; nothing was written"
        ) from error


def _write_synced(path: Path, write: Callable[[Path], None]) -> None:
    write(path)
    with path.open("r+b") as file:
        os.fsync(file.fileno())


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def sync_folder(folder: Path) -> None:
    """Flush the folder's entries, so the renames survive a power cut (as
    ``model.atomic_files.sync_folder``; the store does not import the model package)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return  # a system that cannot open folders: the renames are still atomic
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
