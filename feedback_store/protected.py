"""Files no backup or export may be written over: the live database and the workspace's own.

``backup``, ``FeedbackStore.export`` and ``FeedbackStore.export_training`` (and the command
lines calling them) check their output path here before anything is read or written. A
wrong Tab completion (``--out ws/feedback.db``) would otherwise replace the verdicts
database with a CSV, or a published prototype's predictions with an export.
"""

from __future__ import annotations

import os
from pathlib import Path

from feedback_store.connection import DB_FILENAME, StorageError

__all__ = ["SIDECARS", "WORKSPACE_FILES", "refuse_protected"]

# The files SQLite keeps beside a database while it is in use.
SIDECARS = ("-wal", "-shm", "-journal")
#: The workspace's own files beside feedback.db (model.workspace, model.access, model.demo).
WORKSPACE_FILES = ("workspace.json", "access.json", "demo.json", ".lock", ".demo.lock")
#: The folder of published sprints and prototypes, beside feedback.db.
SPRINTS_FOLDER = "sprints"
#: The name ``restore`` keeps the database it replaced under, followed by its time.
ASIDE_MARK = ".before-restore-"


def refuse_protected(live: Path, target: Path, written: str, advice: str) -> None:
    """Raise ``StorageError`` if writing ``target`` would overwrite a file of the workspace.

    ``live`` is the store's database; its folder is the workspace. Refused: the database
    and its -wal, -shm and -journal files, the copies a restore kept beside it, the
    workspace's own files (``WORKSPACE_FILES``) and anything under its ``sprints`` folder,
    whether named by path or through a symbolic or hard link; the same files of any other
    workspace ``target`` lies in. ``written`` says what was to
    be written ("a backup"), ``advice`` what to do instead; the message is one line.
    """
    what = None
    for database in _databases(live, target):
        what = what or _protected(database, target)
    if what is None:
        return
    lost = "the verdicts being recorded" if what.startswith("the live database") else "it"
    raise StorageError(
        f"{target} is {what}: {written} written there would overwrite {lost}; {advice};"
        " nothing was written"
    )


def _databases(live: Path, target: Path) -> list[Path]:
    """``live``, and the database of each workspace ``target`` is inside of (a folder
    holding workspace.json or feedback.db): the store of one workspace must not write over
    another's files either."""
    found = [live]
    for folder in Path(os.path.realpath(target)).parents:
        if (folder / WORKSPACE_FILES[0]).is_file() or (folder / DB_FILENAME).is_file():
            found.append(folder / DB_FILENAME)
    return found


def _protected(live: Path, target: Path) -> str | None:
    """What of the workspace ``target`` is (a phrase), or None."""
    workspace = live.parent
    for suffix in ("", *SIDECARS):
        path = live.with_name(live.name + suffix)
        if _same(target, path):
            what = f"the live database's {suffix[1:]} file" if suffix else "the live database"
            return what + ("" if target == path else f" ({path})")
    for name in WORKSPACE_FILES:
        path = workspace / name
        if _same(target, path):
            return f"the workspace's own {name}" + ("" if target == path else f" ({path})")
    real = Path(os.path.realpath(target))
    real_workspace = Path(os.path.realpath(workspace))
    if real.parent == real_workspace and real.name.startswith(live.name + ASIDE_MARK):
        return "the copy of the verdicts database a restore kept"
    if real.is_relative_to(real_workspace / SPRINTS_FOLDER) or _linked_under(
        target, workspace / SPRINTS_FOLDER
    ):
        return "inside the workspace's sprints folder, which holds the published prototypes"
    return None


def _same(target: Path, path: Path) -> bool:
    """Whether ``target`` names ``path``: the same path, a symbolic link (realpath follows
    them; a loop is no error) or a hard link (samefile)."""
    if os.path.realpath(target) == os.path.realpath(path):
        return True
    try:
        return target.exists() and path.exists() and os.path.samefile(target, path)
    except OSError:
        return False


def _linked_under(target: Path, folder: Path) -> bool:
    """Whether ``target`` is a hard link to a file under ``folder``: only asked of a file
    with more than one link, so an ordinary output file costs no walk."""
    try:
        status = target.stat()
    except OSError:
        return False
    if status.st_nlink < 2 or not folder.is_dir():
        return False
    for root, _, names in os.walk(folder):
        for name in names:
            try:
                other = os.stat(os.path.join(root, name))
            except OSError:
                continue
            if (other.st_dev, other.st_ino) == (status.st_dev, status.st_ino):
                return True
    return False
