"""What the browser tests share: a real `streamlit run app.py` server and Debian's Chromium.

Playwright drives ``/usr/bin/chromium`` through ``executable_path`` and never downloads a
browser. Without Chromium the browser tests skip, except in CI (``CI=true``), where a missing
browser is an error.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PROJECT = Path(__file__).resolve().parents[1]
SCREENSHOTS = PROJECT / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1280, "height": 720}
#: True in the page once Streamlit has finished a script run: no "Running..." status widget
#: and no element left over (stale) from the run before.
IDLE_JS = (
    "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
    " && !document.querySelector('[data-stale=\"true\"]')"
)
#: Words that must never reach a reviewer's screen.
PROBLEM_MARKERS = ("Traceback", "Error:", "Exception", "database is locked", "stayed busy")


def require_chromium() -> None:
    """Skip the calling test module without Chromium; fail it instead when ``CI=true``."""
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(workspace: Path, log_path: Path, timeout: float = 60) -> Iterator[str]:
    """`streamlit run app.py` on ``workspace`` at a free loopback port; yields its URL.

    On exit the server is stopped and its log must hold no traceback.
    """
    port = free_port()
    with open(log_path, "w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            [
                sys.executable, "-m", "streamlit", "run", "app.py",
                "--server.headless", "true",
                "--server.port", str(port),
                "--server.address", "127.0.0.1",
                "--browser.gatherUsageStats", "false",
                # Source edits during a run must not change what is being tested.
                "--server.fileWatcherType", "none",
            ],
            cwd=PROJECT,
            env={**os.environ, "SPRINT_REVIEW_WORKSPACE": str(workspace)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for_health(url, process, log, timeout)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.seek(0)
        server_log = log.read()
    assert "Traceback" not in server_log, server_log[-3000:]


def _wait_for_health(url: str, process: subprocess.Popen, log, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log.seek(0)
            pytest.fail(f"streamlit exited with {process.returncode}: {log.read()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"streamlit did not answer on {url} within {timeout:.0f} s")


def problems_in(text: str) -> list[str]:
    """The markers of an error or a locked database found in a page's text."""
    return [marker for marker in PROBLEM_MARKERS if marker in text]
