"""A real `streamlit run app.py` server and Debian's Chromium, without pytest.

What the browser benchmark needs from ``tests/browser_support.py``, which reports problems
through ``pytest.fail`` and so cannot be imported by ``python -m bench``. Here a server that
does not start, or leaves a traceback in its log, raises ``RuntimeError``.
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

from model.config import PROJECT_DIR, WORKSPACE_ENV_VAR

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "free_port", "streamlit_server"]

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


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(workspace: Path, log_path: Path, timeout: float = 60) -> Iterator[str]:
    """`streamlit run app.py` on ``workspace`` at a free loopback port; yields its URL.

    The server is stopped on exit; a traceback in its log then raises ``RuntimeError``.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless", "true",
        "--server.port", str(port),
        "--server.address", "127.0.0.1",
        "--browser.gatherUsageStats", "false",
        "--server.fileWatcherType", "none",  # another helper's edit must not rerun the page
    ]  # fmt: skip
    with open(log_path, "w+", encoding="utf-8") as log:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env={**os.environ, WORKSPACE_ENV_VAR: str(workspace)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for_health(url, process, log_path, timeout)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    server_log = log_path.read_text(encoding="utf-8")
    if "Traceback" in server_log:
        raise RuntimeError(f"the streamlit server logged a traceback:\n{server_log[-3000:]}")


def _wait_for_health(url: str, process: subprocess.Popen, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log_path.read_text(encoding="utf-8")[-2000:]
            raise RuntimeError(f"streamlit exited with {process.returncode}: {tail}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"streamlit did not answer on {url} within {timeout:.0f} s")
