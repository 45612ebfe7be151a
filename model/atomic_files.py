"""Writing a workspace so that a crash leaves the old version or the new one whole.

JSON metadata is written to a temporary file and renamed into place; a prototype's folder is
built aside and exchanged with the old one in one step (``renameat2(RENAME_EXCHANGE)`` on
Linux), or, where the kernel or file system cannot exchange, the old folder is renamed aside
first. :func:`recover_folder` finishes what a crash between those steps left behind: it puts
back a version left aside and removes staging, retired and deleted folders.

:func:`disk_step` is called before each step on disk; the crash tests replace it to stop the
process at each step in turn, so callers look it up on this module (``atomic_files.disk_step``).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import json
import os
import shutil
import sys
import uuid
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from model.naming import validate_name

STAGING, RETIRED, DELETED = ".staging-", ".retired-", ".deleted-"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class WorkspaceError(ValueError):
    """The workspace or something asked of it does not exist or cannot be used."""


def disk_step(what: str) -> None:
    """Called before each step a publish takes on disk (a file written, a folder renamed).

    Does nothing; the crash tests replace it to stop the process at each step in turn.
    """


def now() -> str:
    """The time now (ISO 8601, UTC, microseconds)."""
    # Microseconds keep publishing order when several prototypes are published in one second.
    return datetime.now(UTC).isoformat(timespec="microseconds")


#: The largest workspace metadata file read (a prototype.json of 60 features and 20 classes
#: is under 1 MB): anything larger was not written by a publish.
MAX_METADATA_BYTES = 64 * 1024 * 1024


def read_json(path: Path) -> dict:
    """A workspace metadata file: one JSON object. A damaged one (not JSON, nested too deep
    to read, not an object, larger than ``MAX_METADATA_BYTES``) is a ``WorkspaceError`` that
    names it; a workspace may come from a backup or a shared folder, so nothing is assumed."""

    def damaged(why: object) -> WorkspaceError:
        return WorkspaceError(
            f"{path} is damaged ({why}); publish the prototype again or restore the "
            "workspace from a backup"
        )

    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size
        if size > MAX_METADATA_BYTES:
            raise damaged(f"{size:,} bytes, more than a workspace file holds")
        raw = handle.read(MAX_METADATA_BYTES + 1)
    try:
        data = json.loads(raw.decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise damaged(error) from None
    except RecursionError:
        raise damaged("its values are nested too deep to read") from None
    if not isinstance(data, dict):
        raise damaged(f"it holds a JSON {type(data).__name__}, not an object")
    return data


class NameReadBackWarning(UserWarning):
    """A sprint.json names its MVP with a name publishing could not have written."""


def read_sprint_json(path: Path) -> dict:
    """A sprint's ``sprint.json`` (:func:`read_json`), its MVP checked as publishing checks
    names (:func:`model.naming.validate_name`): a workspace may come from a backup or a
    shared folder. An MVP that fails (a hand-edited ``"mvp": "../../etc"``) is read as no MVP,
    with a one-line :class:`NameReadBackWarning` naming the file, so that every page says the
    sprint has none, and marking an MVP again mends the file."""
    data = read_json(path)
    if data.get("mvp") is not None:
        try:
            validate_name(data["mvp"], "MVP name")
        except ValueError as error:
            warnings.warn(
                f"{path}: {str(error).split(';')[0]}: the sprint is shown without an MVP "
                "until one is marked again",
                NameReadBackWarning,
                stacklevel=2,
            )
            data["mvp"] = None
    return data


def write_json_atomic(path: Path, data: dict) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        disk_step(f"write {temporary.name}")
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        disk_step(f"rename {temporary.name} to {path.name}")
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


@functools.cache
def _renameat2():
    """glibc's ``renameat2``, or None where there is none (not Linux, an old C library)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


def _exchange(first: Path, second: Path) -> bool:
    """Swap two folders in one atomic step; False if this system cannot (nothing is moved)."""
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
            return False
        raise OSError(code, os.strerror(code), str(second))
    return True


def sync_folder(folder: Path) -> None:
    """Make a rename inside ``folder`` durable (a power cut, not only a crash, keeps it)."""
    with contextlib.suppress(OSError):
        handle = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def move_into_place(staging: Path, final: Path) -> None:
    """Put the complete folder ``staging`` at ``final``, replacing what is there, so that at
    every moment (a crash included) ``final`` holds the old version or the new one whole."""
    if not final.exists():
        disk_step(f"rename {staging.name} to {final.name}")
        os.replace(staging, final)
    elif _exchange(staging, final):
        disk_step(f"remove the old {final.name} (exchanged)")
        shutil.rmtree(staging, ignore_errors=True)
    else:
        # Two renames: a crash between them leaves the old version aside, which
        # open_workspace puts back (Workspace.recover).
        retired = final.parent / f"{RETIRED}{uuid.uuid4().hex}"
        disk_step(f"rename {final.name} aside")
        os.replace(final, retired)
        disk_step(f"rename {staging.name} to {final.name}")
        os.replace(staging, final)
        disk_step(f"remove the old {final.name}")
        shutil.rmtree(retired, ignore_errors=True)
    sync_folder(final.parent)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def leftovers(sprints_dir: Path):
    """The staging, retired and deleted folders crashes left under ``sprints_dir``."""
    if not sprints_dir.is_dir():
        return
    for folder in sprints_dir.glob("*/prototypes/.*"):
        if folder.name.startswith((STAGING, RETIRED, DELETED)) and folder.is_dir():
            yield folder


def recover_folder(folder: Path) -> str:
    """Put back a version left aside with no prototype in its place, or remove ``folder``;
    say which (call under the workspace lock)."""
    if folder.name.startswith(RETIRED):
        try:
            name = validate_name(read_json(folder / "prototype.json")["name"])
        except (OSError, ValueError, KeyError, TypeError):
            name = None
        final = folder.parent / name if name else None
        if final is not None and not final.exists():
            os.replace(folder, final)
            sync_folder(folder.parent)
            return f"put back {final}"
    shutil.rmtree(folder)
    return f"removed {folder}"
