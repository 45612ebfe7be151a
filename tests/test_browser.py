"""End to end in a real browser: `streamlit run app.py` on a fresh workspace, in headless Chromium.

The app builds the bundled demo itself, as a new user's first start does. Then one reviewer goes
through the app as a person would: overview, Sprint demo (select a row, see its waterfall),
Bake-off, SME review (judge two cards), Feedback (download the Parquet export), and the test
opens the downloaded file and checks it holds exactly those two verdicts. Every page is
photographed at 1280×720 into ``test-artifacts/screenshots/`` (git-ignored) so a person can look
at what users see. Skips only on a machine without Chromium, never in CI.

The tests named ``screenshots`` photograph every page, and the Present page's five steps in
presenter mode, for the README:
``SPRINT_REVIEW_SCREENSHOTS=docs/screenshots python -m pytest tests/test_browser.py -k
screenshots`` writes them there (small palette PNGs). A deep link on a freshly started server
is checked on the small test workspace.
"""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest
import shared_demo
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE_JS,
    SCREENSHOTS,
    SCROLLED_JS,
    VIEWPORT,
    problems_in,
    readme_screenshot,
    require_chromium,
    streamlit_server,
)
from conftest import copy_workspace

require_chromium()

from playwright.sync_api import Locator, Page, expect, sync_playwright  # noqa: E402
from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402

import model  # noqa: E402
from ui import review_card  # noqa: E402

pytestmark = pytest.mark.browser

REVIEWER = "tess"
#: Every screenshot the journey takes, in the order a person would look at them.
SHOTS = [
    "first-start",
    "overview",
    "sprint-demo",
    "sprint-demo-row-selected",
    "bake-off",
    "bake-off-disagreements",
    "sme-review",
    "sme-review-own-case",
    "sme-review-after-two-verdicts",
    "feedback",
    "feedback-labels",
]
#: A card's caption: "Row 4711 · gradient boosting · HistGradientBoostingClassifier".
CARD_CAPTION = re.compile(r"^Row (\S+) · ")


def decided_on_card(ws, proto, predictions: pd.DataFrame, row_id: str) -> str:
    """The class an SME card shows for ``row_id``: a binary prototype's decision at its
    cheapest cut-off, as the Sprint demo's counts flag; else the model's own class."""
    from model import recommend
    from model.costs import load_assumptions

    costs = recommend.sprint_costs(ws, proto.sprint, load_assumptions(ws.path), {})
    errors = next((c.errors for c in costs if c.name == proto.name), None)
    if proto.task != "binary" or errors is None or errors.threshold is None:
        return str(predictions.loc[row_id, "predicted"])
    positive = str(proto.meta["positive_class"])
    negative = next(str(c) for c in proto.meta["classes"] if str(c) != positive)
    chance = float(predictions.loc[row_id, f"p:{positive}"])
    return positive if chance >= errors.threshold else negative


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`streamlit run app.py` with an empty workspace: the app builds the demo on first start."""
    workspace = tmp_path_factory.mktemp("browser") / "workspace"
    log = tmp_path_factory.mktemp("log") / "streamlit.log"
    with streamlit_server(workspace, log) as url:
        yield url, workspace


@pytest.fixture(scope="module")
def chromium():
    """One Chromium for the module: Playwright's sync API allows one running instance a thread."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def page(chromium):
    context = chromium.new_context(viewport=VIEWPORT, accept_downloads=True)
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def screenshots() -> Path:
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    SCREENSHOTS.mkdir(parents=True)
    return SCREENSHOTS


@pytest.fixture
def new_page(chromium):
    """A page of its own browser context, with no cookie or state from the journey's."""
    context = chromium.new_context(viewport=VIEWPORT)
    yield context.new_page()
    context.close()


def wait_until_idle(page: Page, timeout_ms: int = 60_000) -> None:
    """Wait until Streamlit has finished running the script and replaced every stale element."""
    page.wait_for_timeout(400)
    page.wait_for_function(IDLE_JS, timeout=timeout_ms)
    page.wait_for_timeout(800)  # charts render after the script finishes


def assert_no_problem(page: Page) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    text = page.inner_text("body")
    assert not problems_in(text), text[:2000]


def photograph(page: Page, screenshots: Path, shot: str) -> None:
    assert shot in SHOTS
    page.mouse.move(5, 5)  # no hover toolbar over a table in the picture
    page.wait_for_timeout(300)
    page.screenshot(path=str(screenshots / f"{shot}.png"), full_page=False)


def open_page(page: Page, link: str, title: str) -> None:
    """Open a page from the sidebar, as a user does, and wait for it to finish."""
    page.get_by_role("link", name=link).click()
    expect(page.get_by_role("heading", name=title).first).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert_no_problem(page)


def open_tab(page: Page, label: str) -> None:
    """Click one of a page's tabs, scroll to it so a photograph shows its content, and wait
    for the run the click starts."""
    tab = page.get_by_role("tab", name=label)
    tab.click()
    wait_until_idle(page)
    assert_no_problem(page)
    tab.evaluate("tab => { tab.style.scrollMarginTop = '70px'; tab.scrollIntoView(); }")


def choose(page: Page, label: str, option: str, within: Locator | None = None) -> None:
    """Pick ``option`` in the select box labelled ``label`` (inside ``within`` if given).

    A first click sometimes only focuses the box (after the page scrolled), so click again
    until the list opens.
    """
    box = (within or page).get_by_role("combobox", name=label)
    wanted = page.get_by_role("option", name=option, exact=True)
    for _ in range(3):
        box.click()
        try:
            wanted.wait_for(timeout=3_000)
            break
        except PlaywrightTimeout:
            continue
    wanted.click()


def predictions_grid(page: Page) -> Locator:
    """The Sprint demo's predictions table (a Glide data grid drawn on a canvas)."""
    return page.locator(
        "[data-testid='stDataFrame']:has(th:text-is('Confidence')):has(th:text-is('Actual'))"
    )


def explained_row(page: Page) -> str:
    """The row id in the waterfall's header, "Row 4711: No machine failure predicted ..."."""
    header = page.get_by_role("heading", name=re.compile(r"^Row \S+: ")).first
    return re.match(r"Row (\S+):", header.inner_text()).group(1)


def select_grid_row(page: Page, grid: Locator, position: int) -> str:
    """Tick the row-selection box of the table's ``position``-th visible row; return its id.

    The grid is a canvas, so the click goes to coordinates: the selection boxes fill the first
    column, the header and each row are 35-37 px high (aiming at 36 px lands in the middle
    third of the row either way). The id comes from the grid's accessible table, which
    mirrors the canvas and says which row is selected.
    """
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 14, box["y"] + 36 * (position + 1.5))
    selected = grid.locator("tr[aria-selected='true']")
    expect(selected).to_have_count(1, timeout=10_000)
    # aria-rowindex counts from 1 and the header is row 1.
    assert selected.get_attribute("aria-rowindex") == str(position + 2)
    column = grid.locator("th:text-is('Row')").get_attribute("aria-colindex")
    return selected.locator(f"td[aria-colindex='{column}']").inner_text().strip()


def judge_card(page: Page, verdict: str, why: str, right_label: str | None = None) -> str:
    """Give the card on screen a verdict and a reason; return the card's row id."""
    caption = page.get_by_text(CARD_CAPTION).first
    row_id = CARD_CAPTION.match(caption.inner_text()).group(1)
    page.get_by_role("radio", name=verdict, exact=True).click()
    if right_label is not None:
        choose(page, "Right label (required when wrong)", right_label)
    reason = page.get_by_role("textbox", name="Why?")
    reason.fill(why)
    reason.press("Tab")
    page.get_by_role("button", name="Submit verdict").click()
    return row_id


def test_first_start_builds_the_demo_with_a_progress_bar(
    server, page, screenshots, tmp_path_factory
):
    url, workspace = server
    built = None
    try:
        page.goto(url)
        expect(page.get_by_role("heading", name="Sprint Review")).to_be_visible(timeout=30_000)
        expect(page.locator("[data-testid='stProgress']")).to_be_visible(timeout=30_000)
        photograph(page, screenshots, "first-start")
        wait_for_demo_file(workspace, minutes=4)
        built = workspace
    finally:  # a copy for tests/test_demo.py before the journey writes to it
        shared_demo.offer(tmp_path_factory, built)
    expect(page.get_by_role("link", name="Sprint demo")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert_no_problem(page)


def test_a_reviewer_goes_from_the_overview_to_a_parquet_of_their_verdicts(
    server, page, screenshots, tmp_path
):
    import feedback_store
    import model

    url, workspace = server
    # -- overview, and the reviewer's name in the sidebar --------------------------------------
    page.goto(url)
    expect(page.get_by_role("link", name="Sprint demo")).to_be_visible(timeout=240_000)
    expect(page.get_by_role("heading", name="Sprint Review").first).to_be_visible()
    wait_until_idle(page)
    assert_no_problem(page)
    name = page.get_by_role("textbox", name="Your name")
    name.fill(REVIEWER)
    name.press("Enter")
    wait_until_idle(page)
    photograph(page, screenshots, "overview")

    # -- Sprint demo: select a row, its waterfall follows ---------------------------------------
    open_page(page, "Sprint demo", re.compile(r"^Sprint demo: "))
    photograph(page, screenshots, "sprint-demo")
    grid = predictions_grid(page)
    expect(grid).to_have_count(1)
    no_selection = page.get_by_text(re.compile(r"no row selected, so the first row of"))
    expect(no_selection).to_be_visible()
    first_explained = explained_row(page)
    selected = select_grid_row(page, grid, 3)
    assert selected != first_explained
    expect(
        page.get_by_role("heading", name=re.compile(rf"^Row {re.escape(selected)}: "))
    ).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert explained_row(page) == selected
    expect(no_selection).to_have_count(0)
    assert page.locator("[data-testid='stVegaLiteChart']").count() >= 2  # importance, waterfall
    assert_no_problem(page)
    # The picture shows the header, the waterfall and the ticked row.
    page.get_by_role("heading", name=re.compile(r"^Row \S+: ")).first.evaluate(
        "header => { header.style.scrollMarginTop = '70px'; header.scrollIntoView(); }"
    )
    photograph(page, screenshots, "sprint-demo-row-selected")

    # -- Bake-off ---------------------------------------------------------------------------------
    open_page(page, "Bake-off", re.compile(r"^Bake-off"))
    # The picture is of Sprint 2, the demo's bake-off of four prototypes.
    sidebar = page.get_by_test_id("stSidebar")
    choose(page, "Sprint", "Sprint 2", within=sidebar)
    expect(page.get_by_role("heading", name="Bake-off: Sprint 2")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert_no_problem(page)
    photograph(page, screenshots, "bake-off")
    # The detail tabs are computed when opened: a click on one runs the page again.
    open_tab(page, "Where they disagree")
    expect(page.get_by_text("Demo rows where the predictions differ")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Send these [\d,]+ rows"))).to_be_visible()
    # monthly cost, Pareto (under Technical details), agreement
    assert page.locator("[data-testid='stVegaLiteChart']").count() == 3
    photograph(page, screenshots, "bake-off-disagreements")
    open_tab(page, "Per segment")
    expect(page.get_by_role("combobox", name="Feature")).to_be_visible()
    expect(page.get_by_text("Demo rows where the predictions differ")).to_have_count(0)
    latest = model.open_workspace(workspace).sprints()[-1]
    choose(page, "Sprint", latest, within=sidebar)
    expect(page.get_by_role("heading", name=f"Bake-off: {latest}")).to_be_visible(timeout=60_000)
    wait_until_idle(page)

    # -- SME review: two cards, one wrong (with the right label and why), one correct -----------
    ws = model.open_workspace(workspace)
    sprint = latest
    proto = ws.prototype(sprint, ws.mvp(sprint))
    predictions = proto.predictions()
    predictions.index = predictions.index.astype(str)
    open_page(page, "SME review", "SME review")
    progress = re.compile(r"Card 1 of (\d+) · 0 reviewed")
    expect(page.get_by_text(progress)).to_be_visible(timeout=60_000)
    cards = int(progress.search(page.get_by_text(progress).inner_text()).group(1))
    photograph(page, screenshots, "sme-review")
    # The own case's form is built when its tab is opened; the queue's card, drawn all along,
    # keeps what was typed in its verdict form and not submitted.
    page.get_by_role("textbox", name="Why?").fill("a draft not yet submitted")
    open_tab(page, "Try your own case")
    expect(page.get_by_role("button", name="Explain this case")).to_be_visible()
    photograph(page, screenshots, "sme-review-own-case")
    open_tab(page, "Review the queue")
    expect(page.get_by_text(progress)).to_be_visible()
    expect(page.get_by_role("textbox", name="Why?")).to_have_value("a draft not yet submitted")

    first_card = page.get_by_text(CARD_CAPTION).first.inner_text()
    # the card shows its decision at the cheapest cut-off, as the counts (8e905cc)
    predicted = decided_on_card(ws, proto, predictions, CARD_CAPTION.match(first_card).group(1))
    right = next(str(c) for c in proto.meta["classes"] if str(c) != predicted)
    shown_right = review_card.class_label(right, proto.class_names)  # e.g. "Failure (1)"
    wrong_row = judge_card(page, "Wrong", "Worn tool and high torque: this one fails", shown_right)
    expect(page.get_by_text(f"Card 2 of {cards} · 1 reviewed")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert_no_problem(page)
    correct_row = judge_card(page, "Correct", "Readings well inside the normal range")
    expect(page.get_by_text(f"Card 3 of {cards} · 2 reviewed")).to_be_visible(timeout=60_000)
    wait_until_idle(page)
    assert_no_problem(page)
    assert wrong_row != correct_row
    photograph(page, screenshots, "sme-review-after-two-verdicts")

    # -- Feedback: this reviewer's verdicts, downloaded as Parquet -------------------------------
    open_page(page, "Feedback", "Feedback")
    choose(page, "Reviewer", REVIEWER)
    wait_until_idle(page)
    expect(page.get_by_text(re.compile(r"^2 of [\d,]+ verdicts\."))).to_be_visible()
    assert_no_problem(page)
    photograph(page, screenshots, "feedback")
    with page.expect_download(timeout=60_000) as download_info:
        page.get_by_role("button", name="Download Parquet").click()
    download = download_info.value
    assert download.suggested_filename == "verdicts.parquet"
    downloaded = tmp_path / download.suggested_filename
    download.save_as(downloaded)

    exported = pd.read_parquet(downloaded).sort_values("verdict").reset_index(drop=True)
    columns = ["sprint", "prototype", "row_id", "reviewer", "verdict", "corrected_label"]
    shown = exported[columns].astype(object)
    assert shown.where(shown.notna(), None).values.tolist() == [
        [sprint, proto.name, correct_row, REVIEWER, "correct", None],
        [sprint, proto.name, wrong_row, REVIEWER, "wrong", right],
    ]
    assert exported["comment"].tolist() == [
        "Readings well inside the normal range",
        "Worn tool and high torque: this one fails",
    ]
    assert exported["predicted_label"].tolist() == [  # what each card showed
        decided_on_card(ws, proto, predictions, correct_row),
        predicted,
    ]
    # The export carries the features the reviewer saw, ready for training.
    assert exported["Torque [Nm]"].notna().all()
    stored = feedback_store.open(workspace).verdicts(reviewer=REVIEWER)
    assert sorted(stored["verdict_id"].tolist()) == sorted(exported["verdict_id"].tolist())
    # The other tabs are computed when opened: a click on one runs the page again.
    open_tab(page, "Labels for training")
    expect(page.get_by_role("heading", name="Training-ready export")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Download training rows"))).to_be_visible()
    expect(page.get_by_role("button", name="Download Parquet")).to_have_count(0)
    photograph(page, screenshots, "feedback-labels")
    open_tab(page, "Agreement")
    expect(page.get_by_role("heading", name="Pairs of reviewers")).to_be_visible()
    expect(page.get_by_role("heading", name="Training-ready export")).to_have_count(0)

    for shot in SHOTS:
        assert (screenshots / f"{shot}.png").stat().st_size > 10_000, shot


# -- links, presenter mode and the README's screenshots ----------------------------------------
#: The README's pictures of the pages, by file name: (link in the sidebar, heading).
README_PAGES = {
    "overview": ("Overview", "Sprint Review"),
    "sprint-demo": ("Sprint demo", re.compile(r"^Sprint demo: ")),
    "bake-off": ("Bake-off", re.compile(r"^Bake-off")),
    "sme-review": ("SME review", "SME review"),
    "feedback": ("Feedback", "Feedback"),
}
PRESENT_STEPS = 5


def readme_photograph(page: Page, screenshots: Path, name: str) -> None:
    """Photograph the window at 1280×720 into the test's screenshots and, when asked, the
    README's folder."""
    page.mouse.move(5, 5)
    page.wait_for_timeout(300)
    shot = screenshots / f"{name}.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 10_000, name
    readme_screenshot(shot)


def wait_for_demo_file(workspace: Path, minutes: int) -> None:
    """Wait until the app has written the demo's ``demo.json`` (its last file)."""
    deadline = time.monotonic() + 60 * minutes
    while not (workspace / "demo.json").is_file() and time.monotonic() < deadline:
        time.sleep(1)
    assert (workspace / "demo.json").is_file(), f"the demo was not built within {minutes} minutes"


def wait_for_demo(page: Page, url: str, workspace: Path) -> None:
    """Open the app and wait until the bundled demo is built (the first visit builds it)."""
    page.goto(url)
    wait_for_demo_file(workspace, minutes=10)
    expect(page.get_by_role("link", name="Sprint demo")).to_be_visible(timeout=240_000)
    wait_until_idle(page)


@pytest.fixture
def small_server(small_workspace, tmp_path):
    """A freshly started server on a copy of the small test workspace."""
    workspace = copy_workspace(small_workspace, tmp_path / "workspace")
    with streamlit_server(workspace, tmp_path / "streamlit.log") as url:
        yield url, workspace


def test_a_deep_link_on_a_fresh_server_opens_the_page_and_view_asked_for(small_server, new_page):
    url, _ = small_server
    page = new_page
    # The very first visit to this server, straight to a page with its sprint and reviewer.
    page.goto(f"{url}/sme_review?sprint=Sprint+1&reviewer=tess")
    expect(page.get_by_role("heading", name="SME review")).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    assert_no_problem(page)
    assert "/sme_review" in page.url
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("combobox", name="Sprint")).to_have_value("Sprint 1")
    expect(page.get_by_text(re.compile(r"^Row \S+ · tool-wear rule"))).to_be_visible()
    expect(page.get_by_role("textbox", name="Your name")).to_have_value("tess")
    # A reload keeps the page, the sprint and the reviewer's name.
    page.reload()
    expect(page.get_by_role("heading", name="SME review")).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    expect(page.get_by_role("textbox", name="Your name")).to_have_value("tess")
    assert "sprint=Sprint+1" in page.url


def test_a_long_decision_leaves_the_last_present_step_within_1280x720(small_server, new_page):
    url, workspace = small_server
    ws = model.open_workspace(workspace)
    reason = "\n\n".join(f"Reason {i}: it catches more failures at less cost." for i in range(90))
    attendees = [f"attendee number {i}" for i in range(40)]
    ws.record_decision("Sprint 2", ws.mvp("Sprint 2"), reason, attendees=attendees)
    page = new_page
    page.goto(f"{url}/present?present=1&sprint=Sprint+2&step=5")
    expect(page.get_by_text(re.compile(r"· step 5 of 5$"))).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    assert_no_problem(page)
    assert page.evaluate(SCROLLED_JS) == 0, "a long decision needs scrolling at 1280x720"
    expect(page.get_by_text("The whole decision")).to_be_visible()


def test_one_press_of_the_browsers_back_returns_to_the_page_before(small_server, new_page):
    url, _ = small_server
    page = new_page
    page.goto(f"{url}/?sprint=Sprint+1&reviewer=tess")
    expect(page.get_by_role("link", name="Sprint demo")).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    for link, heading in [("Sprint demo", "Sprint demo: Sprint 1"), ("Feedback", "Feedback")]:
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", name=heading)).to_be_visible(timeout=60_000)
        wait_until_idle(page)
        assert "sprint=Sprint+1" in page.url and "reviewer=tess" in page.url  # carried along
    # Was three presses a page: the page, then the sprint and the name written back one by one.
    page.go_back()
    expect(page.get_by_role("heading", name="Sprint demo: Sprint 1")).to_be_visible()
    page.go_back()
    expect(page.get_by_role("heading", name="Sprint Review")).to_be_visible()
    wait_until_idle(page)
    assert_no_problem(page)


def test_one_press_of_the_browsers_back_undoes_one_press_of_next_on_present(small_server, new_page):
    url, _ = small_server
    page = new_page
    page.goto(f"{url}/present?present=1&sprint=Sprint+2&step=3")
    expect(page.get_by_text(re.compile(r"· step 3 of 5$"))).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text(re.compile(r"· step 4 of 5$"))).to_be_visible()
    wait_until_idle(page)
    case_url = page.url
    assert "step=4" in case_url and "row=" in case_url  # the case is in the link
    page.go_back()  # was two presses: the step and the row were two entries in the history
    expect(page.get_by_text(re.compile(r"· step 3 of 5$"))).to_be_visible()
    wait_until_idle(page)
    assert "step=3" in page.url
    page.go_forward()
    expect(page.get_by_text(re.compile(r"· step 4 of 5$"))).to_be_visible()
    wait_until_idle(page)
    assert page.url == case_url
    assert_no_problem(page)


def test_a_negative_cost_typed_in_the_form_is_refused_under_the_save_button(small_server, new_page):
    url, workspace = small_server
    page = new_page
    page.goto(f"{url}/bake_off?sprint=Sprint+2")
    save = page.get_by_role("button", name="Save assumptions")
    expect(save).to_be_visible(timeout=120_000)
    wait_until_idle(page)
    page.get_by_role("spinbutton", name="Cost of a false alarm").fill("-5")
    page.keyboard.press("Tab")
    save.click()
    wait_until_idle(page)
    expect(page.get_by_text("Cost of a false alarm cannot be negative, got -5")).to_be_visible()
    assert not (workspace / "cost_assumptions.json").exists()


def test_readme_screenshots_of_every_page(server, new_page, screenshots):
    url, workspace = server
    page = new_page
    wait_for_demo(page, url, workspace)
    name_box = page.get_by_role("textbox", name="Your name")
    name_box.fill(REVIEWER)  # SME review shows a card only to a named reviewer
    name_box.press("Enter")
    wait_until_idle(page)
    for name, (link, title) in README_PAGES.items():
        open_page(page, link, title)
        if name == "bake-off":  # the demo's bake-off of four prototypes
            choose(page, "Sprint", "Sprint 2", within=page.get_by_test_id("stSidebar"))
            expect(page.get_by_role("heading", name="Bake-off: Sprint 2")).to_be_visible(
                timeout=120_000
            )
            wait_until_idle(page)
            assert_no_problem(page)
        readme_photograph(page, screenshots, name)


def test_presenter_mode_screenshots_each_step_fits_1280x720(server, new_page, screenshots):
    url, workspace = server
    page = new_page
    wait_for_demo(page, url, workspace)
    page.goto(f"{url}/present?present=1")  # a new session: the latest sprint
    for step in range(1, PRESENT_STEPS + 1):
        expect(page.get_by_text(re.compile(rf"· step {step} of {PRESENT_STEPS}$"))).to_be_visible(
            timeout=120_000
        )
        wait_until_idle(page)
        assert_no_problem(page)
        assert f"step={step}" in page.url and "present=1" in page.url
        sidebar = page.get_by_test_id("stSidebar")
        assert sidebar.locator("[data-testid='stAlert']").count() == 0  # no notice
        assert page.evaluate(SCROLLED_JS) == 0, f"step {step} needs scrolling at 1280x720"
        readme_photograph(page, screenshots, f"present-{step}")
        if step < PRESENT_STEPS:
            page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("button", name="Next")).to_be_disabled()
    page.get_by_role("button", name="Back").click()
    expect(page.get_by_text(re.compile(rf"· step {PRESENT_STEPS - 1} of"))).to_be_visible()
