"""What the browser tests share: a real `streamlit run app.py` server and Debian's Chromium.

Playwright drives ``/usr/bin/chromium`` through ``executable_path`` and never downloads a
browser. Without Chromium the browser tests skip, except in CI (``CI=true``), where a missing
browser is an error.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

# The server and the browser's flags are the benchmark's: one definition for both.
from bench.browser_server import CHROMIUM, CHROMIUM_ARGS, free_port, streamlit_server

__all__ = [
    "CHROMIUM",
    "CHROMIUM_ARGS",
    "IDLE_JS",
    "PROJECT",
    "README_SCREENSHOTS_ENV",
    "SCREENSHOTS",
    "SCROLLED_JS",
    "VIEWPORT",
    "free_port",
    "problems_in",
    "readme_screenshot",
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
#: The folder (relative to the project) the README's screenshots are written to, when set:
#: ``SPRINT_REVIEW_SCREENSHOTS=docs/screenshots python -m pytest tests/test_browser.py -k
#: screenshots``.
README_SCREENSHOTS_ENV = "SPRINT_REVIEW_SCREENSHOTS"
#: How many pixels of the page's main area lie below the window: 0 when it fits unscrolled.
SCROLLED_JS = (
    "() => { const main = document.querySelector('[data-testid=\"stMain\"]');"
    " return Math.max(0, main.scrollHeight - main.clientHeight); }"
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


def readme_screenshot(shot: Path) -> Path | None:
    """Copy the screenshot ``shot`` into the README's folder (``$SPRINT_REVIEW_SCREENSHOTS``),
    reduced to a 256-colour palette (a third of the size, the text as sharp); None when the
    variable is not set."""
    folder = os.environ.get(README_SCREENSHOTS_ENV)
    if not folder:
        return None
    target = PROJECT / folder / shot.name
    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(shot) as image:
        palette = image.convert("RGB").quantize(colors=256, method=Image.Quantize.MEDIANCUT)
        palette.save(target, optimize=True)
    return target
