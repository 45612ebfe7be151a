"""End to end in a real browser: `streamlit run app.py` on a fresh workspace, in headless Chromium.

The app builds the bundled demo itself (as a new user's first start does), then every page is
opened at 1280×720, checked for exceptions, and photographed into ``test-artifacts/`` so a
person can look at what users see. Skips only on a machine without Chromium, never in CI.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
PROJECT = Path(__file__).resolve().parents[1]
SCREENSHOTS = PROJECT / "test-artifacts" / "screenshots"
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
PAGES = [
    ("", "Sprint Review", "overview"),
    ("sprint_demo", "Sprint demo", "sprint-demo"),
    ("bake_off", "Bake-off", "bake-off"),
    ("sme_review", "SME review", "sme-review"),
    ("feedback", "Feedback", "feedback"),
]

if not Path(CHROMIUM).exists():
    if os.environ.get("CI") == "true":
        raise RuntimeError(f"{CHROMIUM} is missing: .ci/run must install Debian's chromium")
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.browser


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` on a free loopback port with an empty workspace."""
    workspace = tmp_path_factory.mktemp("browser") / "workspace"
    port = free_port()
    log = open(tmp_path_factory.mktemp("log") / "streamlit.log", "w+")  # noqa: SIM115
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=PROJECT,
        env={**os.environ, "SPRINT_REVIEW_WORKSPACE": str(workspace)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                break
        except OSError:
            if process.poll() is not None:
                log.seek(0)
                pytest.fail(f"streamlit exited: {log.read()[-2000:]}")
            time.sleep(0.5)
    yield url, workspace
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.seek(0)
    server_log = log.read()
    log.close()
    assert "Traceback" not in server_log, server_log[-3000:]


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    yield page
    context.close()


def wait_until_idle(page: Page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the script (its status widget is gone)."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(800)  # charts render after the script finishes


def assert_no_exception(page: Page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    text = page.inner_text("body")
    for marker in ("Traceback", "Error:", "Exception"):
        assert marker not in text, text[:2000]


def test_first_start_builds_the_demo_then_every_page_renders(server, page):
    url, workspace = server
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    page.goto(url)
    # A new workspace: the demo is built with a progress bar, then the overview appears.
    expect(page.get_by_role("heading", name="Sprint Review")).to_be_visible(timeout=30_000)
    expect(page.locator("[data-testid='stProgress']")).to_be_visible(timeout=30_000)
    deadline = time.monotonic() + 180
    while not (workspace / "demo.json").is_file() and time.monotonic() < deadline:
        time.sleep(1)
    assert (workspace / "demo.json").is_file(), "the demo was not built within 3 minutes"
    expect(page.get_by_role("link", name="Sprint demo")).to_be_visible(timeout=60_000)
    for path, title, shot in PAGES:
        page.goto(f"{url}/{path}")
        expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=60_000)
        wait_until_idle(page)
        assert_no_exception(page)
        page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=False)
    for _, _, shot in PAGES:
        assert (SCREENSHOTS / f"{shot}.png").stat().st_size > 10_000


def test_a_reviewer_judges_a_card_in_the_browser(server, page):
    """One full review after the tour: a name in the sidebar, the first card of the MVP judged
    wrong with the right label and a reason, the verdict in feedback.db, the next card shown."""
    import feedback_store
    import model
    from model import review

    url, workspace = server
    ws = model.open_workspace(workspace)
    sprint = ws.sprints()[-1]
    proto = ws.prototype(sprint, ws.mvp(sprint))
    first = review.review_queue(proto, "least confident")[0]
    predictions = proto.predictions()
    predictions.index = predictions.index.astype(str)
    predicted = str(predictions.loc[first, "predicted"])
    right = next(c for c in proto.meta["classes"] if c != predicted)
    cards = min(40, len(predictions))

    page.goto(url)
    expect(page.get_by_role("heading", name="Sprint Review").first).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    name = page.get_by_role("textbox", name="Your name")
    name.fill("tess")
    name.press("Enter")
    wait_until_idle(page)
    page.get_by_role("link", name="SME review").click()
    expect(page.get_by_text(f"Card 1 of {cards} · 0 reviewed")).to_be_visible(timeout=60_000)
    wait_until_idle(page)

    page.get_by_role("radio", name="Wrong", exact=True).click()
    page.get_by_role("combobox", name="Right label (required when wrong)").click()
    page.get_by_role("option", name=right, exact=True).click()
    why = page.get_by_role("textbox", name="Why?")
    why.fill("Worn tool and high torque: this one fails")
    why.press("Tab")
    page.get_by_role("button", name="Submit verdict").click()
    expect(page.get_by_text(f"Card 2 of {cards} · 1 reviewed")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert_no_exception(page)
    page.screenshot(path=str(SCREENSHOTS / "sme-review-next-card.png"), full_page=False)

    verdicts = feedback_store.open(workspace).verdicts(reviewer="tess")
    columns = ["sprint", "prototype", "row_id", "verdict", "corrected_label"]
    assert verdicts[columns].values.tolist() == [[sprint, proto.name, first, "wrong", right]]
    assert verdicts["comment"].tolist() == ["Worn tool and high torque: this one fails"]
    assert verdicts["prediction"].iloc[0]["label"] == predicted
