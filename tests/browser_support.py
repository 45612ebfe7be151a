"""What the browser tests share: a real `streamlit run app.py` server and Debian's Chromium.

Playwright drives ``/usr/bin/chromium`` through ``executable_path`` and never downloads a
browser. Without Chromium the browser tests skip, except in CI (``CI=true``), where a missing
browser is an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The server and the browser's flags are the benchmark's: one definition for both.
from bench.browser_server import CHROMIUM, CHROMIUM_ARGS, free_port, streamlit_server

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "IDLE_JS",
    "PROJECT",
    "SCREENSHOTS",
    "VIEWPORT",
    "free_port",
    "problems_in",
    "require_chromium",
    "streamlit_server",
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


def problems_in(text: str) -> list[str]:
    """The markers of an error or a locked database found in a page's text."""
    return [marker for marker in PROBLEM_MARKERS if marker in text]
