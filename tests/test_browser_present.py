"""Present in a real browser on a four-class model with long class names and a free-text
reading (``test_pages_present.publish_tickets``): every step fits 1280×720 without scrolling,
and the projector's waterfall writes each label on one line, clear of the others.

Each step is photographed into ``test-artifacts/screenshots/present-tickets-<step>.png``.
"""

from __future__ import annotations

import re

import pytest
from browser_support import SCREENSHOTS, SCROLLED_JS, require_chromium, streamlit_server

require_chromium()

import test_browser  # noqa: E402
from playwright.sync_api import Page, expect  # noqa: E402
from test_browser import PRESENT_STEPS, assert_no_problem, wait_until_idle  # noqa: E402
from test_pages_present import publish_tickets  # noqa: E402

pytestmark = pytest.mark.browser
#: The browser and a page of its own for each test, as tests/test_browser.py has them.
chromium, new_page = test_browser.chromium, test_browser.new_page

#: Each text a chart draws (axis labels and titles, the values by the bars): what it says,
#: its box in the page, and on how many lines.
TEXT_BOXES_JS = """chart => [...chart.querySelectorAll('svg text')].map(text => {
  const box = text.getBoundingClientRect();
  return {text: text.textContent, left: box.left, right: box.right, top: box.top,
          bottom: box.bottom, lines: Math.max(1, text.querySelectorAll('tspan').length)};
})"""


@pytest.fixture(scope="module")
def tickets_server(tmp_path_factory):
    """`streamlit run app.py` on a workspace of the ticket-routing models."""
    workspace = publish_tickets(tmp_path_factory.mktemp("tickets") / "workspace")
    with streamlit_server(workspace, tmp_path_factory.mktemp("log") / "streamlit.log") as url:
        yield url


def open_step(page: Page, url: str, step: int) -> None:
    page.goto(f"{url}/present?present=1&sprint=Sprint+2&step={step}")
    expect(page.get_by_text(re.compile(rf"· step {step} of {PRESENT_STEPS}$"))).to_be_visible(
        timeout=120_000
    )
    wait_until_idle(page)
    assert_no_problem(page)


def overlap(a: dict, b: dict) -> bool:
    """True when two boxes share more than a pixel each way."""
    return min(a["right"], b["right"]) - max(a["left"], b["left"]) > 1 and (
        min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > 1
    )


def test_every_step_of_a_four_class_text_model_fits_1280x720(tickets_server, new_page):
    """Step 1 took 789 px: a class's sentence a line pair and the notice about example money
    below the fold; step 4 16 px more than the window."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for step in range(1, PRESENT_STEPS + 1):
        open_step(new_page, tickets_server, step)
        new_page.mouse.move(5, 5)
        new_page.screenshot(path=str(SCREENSHOTS / f"present-tickets-{step}.png"))
        assert new_page.evaluate(SCROLLED_JS) == 0, f"step {step} needs scrolling at 1280x720"
    open_step(new_page, tickets_server, 1)
    expect(new_page.get_by_text("Each class in full")).to_be_visible()
    expect(new_page.get_by_text("Counted as on the Bake-off. These money figures")).to_be_visible()


def test_the_projectors_waterfall_writes_each_label_on_one_line_clear_of_the_others(
    tickets_server, new_page
):
    """A free-text reading's label took two lines and ran into the next one."""
    open_step(new_page, tickets_server, 4)
    chart = new_page.locator("[data-testid='stVegaLiteChart']")
    expect(chart.locator("svg text").first).to_be_attached()
    texts = chart.evaluate(TEXT_BOXES_JS)
    clashes = [
        (a["text"], b["text"]) for i, a in enumerate(texts) for b in texts[i + 1 :] if overlap(a, b)
    ]
    assert not clashes
    (message,) = [text for text in texts if text["text"].startswith("message =")]
    assert message["lines"] == 1 and message["bottom"] - message["top"] < 30, message
