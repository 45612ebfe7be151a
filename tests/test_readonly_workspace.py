"""Workspaces that cannot be used: read-only, full, a file. For real, not simulated.

We run as root, and root ignores file permissions, so chmod alone stops nothing. Each test
runs its Python in a child process that sees the workspace read-only for real: in a private
mount namespace (``unshare -m``) the folder is bind-mounted read-only over itself, so every
write fails with EROFS, root or not. Where that is not allowed, the child runs as nobody
(``setpriv``) on a copy made unwritable with chmod. Without either, the tests skip, except
under CI=true. The full disk is a 4 MB tmpfs mounted in such a namespace and filled up.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd
import pytest

import feedback_store
import model
from tests.conftest import APP, ROOT, TARGET

SPRINT, MVP = "Sprint 2", "random forest"
NOBODY = "65534"
#: Exit codes of the wrapper that makes the folder read-only: it could not, or it did not work.
NOT_MOUNTED, STILL_WRITABLE = 97, 98

#: Runs the app on argv[1] with AppTest, as a user would: every page, then a verdict.
APP_SCRIPT = """
import json, os, sys
os.environ["SPRINT_REVIEW_WORKSPACE"] = sys.argv[1]
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

original = PagesManager.__init__
def init(self, *args, **kwargs):  # as conftest's navigation_through_app fixture does
    original(self, *args, **kwargs)
    PagesManager.uses_pages_directory = False
PagesManager.__init__ = init

def seen(at):
    return {"exceptions": [e.value for e in at.exception], "errors": [e.value for e in at.error],
            "titles": [t.value for t in at.title]}

def opened(page):
    at = AppTest.from_file(sys.argv[2], default_timeout=300)
    at.run()
    if at.sidebar.text_input:
        at.sidebar.text_input(key="reviewer").set_value("zoe")
        at.run()
        at.switch_page(f"pages/{page}.py").run()
    return at

pages = sys.argv[3].split(",")
results = {page: seen(opened(page)) for page in pages}
if "record" in sys.argv[4:]:
    at = opened("sme_review")
    key = at.session_state["review_card"]["key"]
    at.segmented_control(key=f"review_verdict_{key}").set_value("wrong")
    # the right label is the class the card does not show (it decides at the cut-off)
    shown = "1" if at.subheader[0].value.startswith("Flagged") else "0"
    at.selectbox(key=f"review_label_{key}").set_value("0" if shown == "1" else "1")
    at.text_area(key=f"review_comment_{key}").set_value("x" * 9000)
    at.button(key=f"FormSubmitter:review_form_{key}-Submit verdict").click().run()
    results["record"] = seen(at)
print(json.dumps(results))
"""

#: Reads the verdicts of argv[1], then tries to record one; prints what happened as JSON.
STORE_SCRIPT = """
import json, sys
import feedback_store
store = feedback_store.open(sys.argv[1])
result = {"verdicts": json.loads(store.verdicts().to_json(orient="records"))}
try:
    store.record(sprint="Sprint 2", prototype="random forest", row_id="1", reviewer="zoe",
                 verdict="correct", comment="x" * 9000, key="read-only-try")
except feedback_store.StorageError as error:
    result["error"] = str(error)
print(json.dumps(result))
"""


# -- making a folder read-only for real -----------------------------------------------------------


def _bind_command(folder: Path, args: list[str]) -> list[str]:
    script = (
        'mount --bind -o ro "$1" "$1" || exit 97; '
        'if touch "$1/.write-probe" 2>/dev/null; then exit 98; fi; '
        'shift; exec "$@"'
    )
    return ["unshare", "-m", "sh", "-c", script, "sh", str(folder), *args]


def _nobody_command(folder: Path, args: list[str]) -> list[str]:
    script = 'if touch "$1/.write-probe" 2>/dev/null; then exit 98; fi; shift; exec "$@"'
    return ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
            "sh", "-c", script, "sh", str(folder), *args]  # fmt: skip


def _make_unwritable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        mode = path.stat().st_mode
        path.chmod(mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) | stat.S_IROTH)
        if path.is_dir():
            path.chmod(path.stat().st_mode | stat.S_IXOTH)


class ReadOnly:
    """Runs commands that see one folder read-only, by bind mount or as nobody."""

    def __init__(self, mechanism: str) -> None:
        self.mechanism = mechanism
        #: What a write is refused with.
        self.strerror = "Read-only file system" if mechanism == "bind" else "Permission denied"

    def protect(self, folder: Path) -> None:
        """Make ``folder`` read-only for the commands ``run`` starts."""
        if self.mechanism == "nobody":
            _make_unwritable(folder)

    def run(self, folder: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        wrap = _bind_command if self.mechanism == "bind" else _nobody_command
        result = subprocess.run(
            wrap(folder, list(args)), capture_output=True, text=True, cwd=ROOT, timeout=900,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        assert result.returncode != NOT_MOUNTED, f"could not mount read-only: {result.stderr}"
        assert result.returncode != STILL_WRITABLE, f"{folder} was still writable"
        return result


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=120, cwd=ROOT).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.fixture(scope="module")
def base_folder():
    """A folder every user may enter (pytest's own are root's alone), for nobody's sake."""
    folder = Path(tempfile.mkdtemp(prefix="sprint-review-read-only-"))
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        with contextlib.suppress(OSError):
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def read_only(base_folder) -> ReadOnly:
    """The first mechanism that really stops writes here; skip (not under CI) if none does."""
    probe = base_folder / "probe"
    probe.mkdir()
    probe.chmod(0o755)
    if _works(_bind_command(probe, ["true"])):
        return ReadOnly("bind")
    _make_unwritable(probe)
    if _works(_nobody_command(probe, [sys.executable, "-c", "import feedback_store, model"])):
        return ReadOnly("nobody")
    if os.environ.get("CI") == "true":
        pytest.fail("neither unshare -m with a bind mount nor setpriv can make a folder read-only")
    pytest.skip("cannot make a folder read-only for real here (needs unshare -m or setpriv)")


def _checkpointed(database: Path) -> None:
    """Fold the write-ahead log into the file and remove it, as a last close does."""
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.execute("PRAGMA journal_mode = DELETE")
        connection.execute("PRAGMA journal_mode = WAL")


@pytest.fixture
def workspace(request, small_workspace, base_folder, read_only):
    """A copy of the small workspace (published, with verdicts), to be made read-only.

    "closed" (the default): the verdicts database alone, as the app leaves it when it stops.
    "open": with the -wal and -shm files a running app keeps beside it.
    """
    state = getattr(request, "param", "closed")
    folder = base_folder / request.node.name.replace("[", "-").replace("]", "")
    shutil.copytree(small_workspace, folder, ignore=shutil.ignore_patterns(".lock"))
    database = folder / "feedback.db"
    _checkpointed(database)
    for leftover in folder.glob("feedback.db-*"):
        leftover.unlink()
    keeper = None
    if state == "open":
        keeper = sqlite3.connect(database)
        keeper.execute("SELECT COUNT(*) FROM verdicts").fetchone()
        assert database.with_name("feedback.db-shm").exists()
    read_only.protect(folder)
    yield folder
    if keeper is not None:
        keeper.close()


BOTH_STATES = pytest.mark.parametrize("workspace", ["closed", "open"], indirect=True)


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in text, text
    return lines[0]


# -- the tests ------------------------------------------------------------------------------------


def test_the_folder_is_really_read_only_even_for_root(workspace, read_only):
    result = read_only.run(
        workspace, sys.executable, "-c",
        "import sys, errno\n"
        "try:\n"
        "    open(sys.argv[1] + '/feedback.db', 'r+b')\n"
        "except OSError as error:\n"
        "    print(errno.errorcode[error.errno])\n",
        str(workspace),
    )  # fmt: skip
    assert result.stdout.strip() in {"EROFS", "EACCES"}, result


@BOTH_STATES
def test_the_python_api_reads_verdicts_and_refuses_to_record_in_one_line(
    request, workspace, read_only, small_workspace
):
    expected = json.loads(feedback_store.open(small_workspace).verdicts().to_json(orient="records"))
    before = file_hashes(workspace)
    result = read_only.run(workspace, sys.executable, "-c", STORE_SCRIPT, str(workspace))
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    assert seen["verdicts"] == expected and len(expected) == 4
    assert one_line(seen["error"]) == (
        f"{workspace / 'feedback.db'} is read-only; nothing was saved: "
        "ask for write access to the workspace"
    )
    assert file_hashes(workspace) == before


@BOTH_STATES
def test_the_feedback_cli_lists_and_exports_from_a_read_only_workspace(
    request, workspace, read_only, base_folder
):
    out = base_folder / f"{workspace.name}-export.csv"
    before = file_hashes(workspace)
    listed = read_only.run(
        workspace, sys.executable, "-m", "feedback_store", "list", "--workspace", str(workspace)
    )
    assert listed.returncode == 0, listed.stderr
    exported = read_only.run(
        workspace, sys.executable, "-m", "feedback_store", "export", "--workspace",
        str(workspace), "--format", "csv", "--out", str(out),
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    assert len(pd.read_csv(out)) == 4
    assert file_hashes(workspace) == before


def test_publishing_into_a_read_only_workspace_is_one_line_and_exit_2(
    workspace, read_only, base_folder
):
    forest = model.open_workspace(workspace).prototype(SPRINT, MVP)
    data = forest.features().assign(**{TARGET: forest.predictions()["actual"].astype(int)})
    data_file = base_folder / f"{workspace.name}-demo.parquet"
    data.to_parquet(data_file)
    before = file_hashes(workspace)
    listed = read_only.run(
        workspace, sys.executable, "-m", "model", "list", "--workspace", str(workspace)
    )
    assert listed.returncode == 0 and SPRINT in listed.stdout, listed.stderr
    new = workspace / "a new workspace"
    expected = {
        workspace: f"error: could not write to the workspace {workspace}: {read_only.strerror}",
        new: f"error: cannot create workspace {new}: {read_only.strerror}",
    }
    for target, line in expected.items():
        published = read_only.run(
            workspace, sys.executable, "-m", "model", "publish", "--workspace", str(target),
            "--sprint", "Sprint 3", "--name", "forest again", "--model",
            str(forest.path / "model.skops"), "--data", str(data_file), "--target", TARGET,
        )  # fmt: skip
        assert published.returncode == 2 and one_line(published.stderr) == line, published
    assert file_hashes(workspace) == before


@BOTH_STATES
def test_the_app_reads_a_read_only_workspace_and_refuses_a_verdict_in_one_line(
    request, workspace, read_only
):
    before = file_hashes(workspace)
    pages = "overview,sprint_demo,bake_off,sme_review,feedback"
    result = read_only.run(
        workspace, sys.executable, "-c", APP_SCRIPT, str(workspace), str(APP), pages, "record"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout)
    for page in pages.split(","):
        assert seen[page] == {**seen[page], "exceptions": [], "errors": []}, (page, seen[page])
        assert seen[page]["titles"], page
    assert seen["record"]["exceptions"] == []
    (error,) = seen["record"]["errors"]
    assert one_line(error).replace("\\", "") == (
        f"{workspace / 'feedback.db'} is read-only; nothing was saved: "
        "ask for write access to the workspace"
    )
    assert file_hashes(workspace) == before


def test_a_missing_workspace_in_a_read_only_folder_is_one_line_on_the_page(workspace, read_only):
    missing = workspace / "not yet"
    result = read_only.run(
        workspace, sys.executable, "-c", APP_SCRIPT, str(missing), str(APP), "overview"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout)["overview"]
    assert seen["exceptions"] == []
    assert [e.replace("\\", "") for e in seen["errors"]] == [
        f"cannot create workspace {missing}: {read_only.strerror}"
    ]
    assert not missing.exists()


def test_a_workspace_path_that_is_a_file_is_one_line_and_exit_2_from_both_clis(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    expected = {
        "model": f"error: {path} is a file, not a workspace folder",
        "feedback_store": f"error: workspace folder not found: {path} (check the path)",
    }
    for package, line in expected.items():
        result = subprocess.run(
            [sys.executable, "-m", package, "list", "--workspace", str(path)],
            capture_output=True, text=True, cwd=ROOT, timeout=300,
        )  # fmt: skip
        assert result.returncode == 2 and one_line(result.stderr) == line, result
    assert path.read_text() == "not a folder"


# -- a disk that is really full -------------------------------------------------------------------

#: In a 4 MB tmpfs holding a copy of the workspace: open the store, fill the disk, try to
#: record through the API and through the SME review page, check the database, free the space
#: and record again.
FULL_DISK_SCRIPT = (
    """
import json, os, sqlite3, sys
import feedback_store
folder = sys.argv[1]
store = feedback_store.open(folder)
before = store.verdicts().to_json(orient="records")
filler = os.path.join(folder, "filler")
with open(filler, "wb", buffering=0) as handle:
    for size in (1 << 16, 1 << 12, 1):
        try:
            while True:
                handle.write(b"\\0" * size)
        except OSError:
            pass
result = {}
try:
    store.record(sprint="Sprint 2", prototype="random forest", row_id="1", reviewer="zoe",
                 verdict="correct", comment="x" * 9000, key="full-disk-try")
except feedback_store.StorageError as error:
    result["api_error"] = str(error)
"""
    + APP_SCRIPT.replace("print(json.dumps(results))", "result['page'] = results['record']")
    + """
with sqlite3.connect(os.path.join(folder, "feedback.db")) as connection:
    result["integrity"] = connection.execute("PRAGMA integrity_check").fetchone()[0]
result["unchanged"] = feedback_store.open(folder).verdicts().to_json(orient="records") == before
os.remove(filler)
store.record(sprint="Sprint 2", prototype="random forest", row_id="1", reviewer="zoe",
             verdict="correct", key="full-disk-try")
result["after_freeing"] = len(feedback_store.open(folder).verdicts()) - len(json.loads(before))
print(json.dumps(result))
"""
)


def test_a_really_full_disk_is_one_line_from_the_api_and_the_page(small_workspace, tmp_path):
    mount = tmp_path / "small-disk"
    mount.mkdir()
    script = (
        'mount -t tmpfs -o size=4m tmpfs "$1" || exit 97; cp -a "$2/." "$1/"; shift 2; exec "$@"'
    )
    command = ["unshare", "-m", "sh", "-c", script, "sh", str(mount), str(small_workspace),
               sys.executable, "-c", FULL_DISK_SCRIPT, str(mount), str(APP), "sme_review",
               "record"]  # fmt: skip
    if not _works(["unshare", "-m", "true"]):
        if os.environ.get("CI") == "true":
            pytest.fail("unshare -m is not allowed: cannot mount a small file system")
        pytest.skip("unshare -m is not allowed here: cannot mount a small file system")
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=900)
    assert result.returncode != NOT_MOUNTED, result.stderr
    assert result.returncode == 0, result.stderr[-3000:]
    seen = json.loads(result.stdout)
    full = (
        f"the disk holding {mount / 'feedback.db'} is full; nothing was saved: "
        "free space and try again"
    )
    assert one_line(seen["api_error"]) == full
    assert seen["page"]["exceptions"] == []
    assert [e.replace("\\", "") for e in seen["page"]["errors"]] == [full]
    assert seen["integrity"] == "ok" and seen["unchanged"]
    assert seen["after_freeing"] == 1
    assert not any(mount.iterdir())  # the small disk lived in the child's namespace only
