"""One build of the bundled demo per test run, shared by the browser's first start and
``tests/test_demo.py``.

Building the demo takes 40-70 s. The browser suite must build it the way a new user's first
start does (the app builds it, with a progress bar), and ``test_demo.py`` checks what such a
build holds. So the first start leaves a copy of the workspace it built, before any test writes
to it, in a folder every pytest-xdist worker of this run shares; ``test_demo.py`` uses that copy
and builds the demo itself only when the first start is not part of the run (a run of
``test_demo.py`` alone, a machine without Chromium) or did not get as far as a built demo.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import copy_workspace

from model.demo import MARKER

#: The test whose server builds the demo.
FIRST_START = "test_browser.py::test_first_start_builds_the_demo_with_a_progress_bar"
BUILT, GAVE_UP = "built-demo", "built-demo.gave-up"
#: How long ``test_demo.py`` waits for the first start's copy before building its own.
WAIT_SECONDS = 900


def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this test run that every xdist worker sees (the workers' base temporary
    folders are ``popen-gwN`` inside the run's own)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def offer(tmp_path_factory: pytest.TempPathFactory, workspace: Path | None) -> None:
    """Leave a copy of the freshly built demo ``workspace`` for this run's other tests, or,
    with None, say that none is coming (the first start failed before the demo was built)."""
    folder = run_folder(tmp_path_factory)
    if workspace is None or not (workspace / MARKER).is_file():
        (folder / GAVE_UP).touch()
        return
    staging = folder / f".{BUILT}.{os.getpid()}"
    copy_workspace(workspace, staging)
    os.rename(staging, folder / BUILT)  # whole or not at all, for a reader on another worker


def built_demo(request: pytest.FixtureRequest, tmp_path_factory) -> Path | None:
    """The first start's demo if it is part of this run: waits for it while that test is still
    to come or running; None when it is not in the run or gave up (build your own then)."""
    # Not the node id: pytest-xdist appends the group ("...@browser") to it.
    if not any(
        f"{item.path.name}::{item.originalname}" == FIRST_START for item in request.session.items
    ):
        return None
    from browser_support import CHROMIUM

    if not Path(CHROMIUM).exists() and os.environ.get("CI") != "true":
        return None  # the browser tests skip on this machine
    folder = run_folder(tmp_path_factory)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if (folder / BUILT).is_dir():
            return folder / BUILT
        if (folder / GAVE_UP).exists():
            return None
        time.sleep(1)
    return None
