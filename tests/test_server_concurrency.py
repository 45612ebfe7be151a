"""Sixteen reviewers at once through one real Streamlit server, each in their own browser tab.

One `streamlit run app.py` serves a copy of the small workspace. Sixteen tabs in one headless
Chromium are sixteen Streamlit sessions (sixteen websockets, sixteen session states, sixteen
script threads in the one server process). Each types its own reviewer name and judges cards on
the SME review page, all at the same time, through the page's own form: Correct, a reason,
Submit, then the page must confirm it ("Saved “correct” for row …" and the progress bar one
card further) before the next card. After every verdict the page's text is checked: no error,
no exception, no "database is locked".

Then ``feedback.db`` is read with plain sqlite3: exactly one verdict, with a single version, per
reviewer and confirmed card (none lost, none duplicated), the reason each reviewer typed,
nothing else added, ``PRAGMA integrity_check`` ok, WAL on.

The tabs share one browser context so Chromium downloads and compiles Streamlit's frontend
once instead of sixteen times (separate contexts spent over 30 s just loading on two cores);
the server cannot tell the difference, since a Streamlit session is one websocket.

Why VERDICTS_PER_SESSION is not 200: every verdict is two runs of the SME review script in the
one server plus a re-render of the page in Chromium, about 1.5 CPU-seconds in all (a third in
the server, two thirds in the browser). With sixteen sessions on two cores that is about one
verdict a second, after 30-60 s to open the sixteen sessions, so 16 × 200 verdicts would take
close to an hour. Four verdicts a session (64 in all, every session writing while the fifteen
others do) keep this test near a minute and a half on a two-core machine that runs the rest of
the suite beside it (16 × 8 took three minutes on its own). The
3,200-verdict proof (16 threads and 16 processes × 200 verdicts on one ``feedback.db``: none
lost or duplicated, no "database is locked") is at the store level, in
``test_feedback_store_reliability.py``; this test puts the server, its sessions and the page on
top of the same store.
"""

from __future__ import annotations

import asyncio
import re
import sqlite3
import time

import pytest
from browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    IDLE_JS,
    VIEWPORT,
    problems_in,
    require_chromium,
    streamlit_server,
)

require_chromium()

from playwright.async_api import BrowserContext, Page, async_playwright, expect  # noqa: E402

pytestmark = pytest.mark.browser

SESSIONS = 16
VERDICTS_PER_SESSION = 4
#: How long one reviewer may wait for the page while fifteen others use the same server.
TIMEOUT_MS = 180_000
SEEDED_VERDICTS = 4  # conftest.build_small_workspace
CARD_CAPTION = re.compile(r"^Row (\S+) · ")
SAVED = re.compile(r"Saved “correct” for row (\S+)\. Here is the next card\.")


def reviewer_name(session: int) -> str:
    return f"reviewer-{session:02d}"


def reason(reviewer: str, number: int) -> str:
    return f"{reviewer}, verdict {number}: readings look normal"


@pytest.fixture
def server(workspace_copy, tmp_path):
    with streamlit_server(workspace_copy, tmp_path / "streamlit.log") as url:
        yield url, workspace_copy


async def wait_until_idle(page: Page) -> None:
    await page.wait_for_function(IDLE_JS, polling=100, timeout=TIMEOUT_MS)


async def assert_no_problem(page: Page, reviewer: str) -> None:
    assert await page.locator("[data-testid='stException']").count() == 0, reviewer
    assert await page.locator("[data-testid='stAlertContentError']").count() == 0, reviewer
    text = await page.inner_text("body")
    assert not problems_in(text) and "locked" not in text, f"{reviewer}: {text[:2000]}"


async def open_review(context: BrowserContext, url: str, reviewer: str) -> tuple[Page, int]:
    """A new tab, as a reviewer starts: the overview, their name in the sidebar, then the
    SME review page from the sidebar. Returns the tab and the number of cards in its queue."""
    page = await context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    await page.goto(url, timeout=TIMEOUT_MS)
    await expect(page.get_by_role("heading", name="Sprint Review")).to_be_visible(
        timeout=TIMEOUT_MS
    )
    await wait_until_idle(page)
    name = page.get_by_role("textbox", name="Your name")
    await name.fill(reviewer)
    await name.press("Enter")
    await wait_until_idle(page)
    await page.get_by_role("link", name="SME review").click()
    progress = page.get_by_text(re.compile(r"^Card 1 of (\d+) · 0 reviewed$"))
    await expect(progress).to_be_visible(timeout=TIMEOUT_MS)
    await wait_until_idle(page)
    await assert_no_problem(page, reviewer)
    return page, int(re.search(r"of (\d+)", await progress.inner_text()).group(1))


async def judge_cards(page: Page, reviewer: str, cards: int, count: int) -> list[str]:
    """``count`` verdicts, one card after the other; returns the row ids the page confirmed."""
    assert cards >= count, f"the queue has {cards} cards, fewer than {count}"
    confirmed = []
    for number in range(count):
        caption = await page.get_by_text(CARD_CAPTION).first.inner_text()
        row_id = CARD_CAPTION.match(caption).group(1)
        await page.get_by_role("radio", name="Correct", exact=True).click()
        await page.get_by_role("textbox", name="Why?").fill(reason(reviewer, number))
        await page.get_by_role("button", name="Submit verdict").click()
        done = number + 1
        after = (
            f"Card {done + 1} of {cards} · {done} reviewed"
            if done < cards
            else f"End of the queue · {done} of {cards} reviewed"
        )
        await expect(page.get_by_text(after, exact=True)).to_be_visible(timeout=TIMEOUT_MS)
        saved = page.get_by_text(SAVED)
        await expect(saved).to_be_visible(timeout=TIMEOUT_MS)
        assert SAVED.search(await saved.inner_text()).group(1) == row_id
        await wait_until_idle(page)
        await assert_no_problem(page, reviewer)
        confirmed.append(row_id)
    return confirmed


async def review_all_at_once(url: str, sessions: int, count: int) -> dict[str, list[str]]:
    """``sessions`` reviewers, each judging ``count`` cards, all at once."""
    names = [reviewer_name(session) for session in range(1, sessions + 1)]
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            # Reduced motion: no CSS animations to repaint in sixteen tabs while they wait.
            context = await browser.new_context(viewport=VIEWPORT, reduced_motion="reduce")
            started = time.monotonic()
            opened = await asyncio.gather(*(open_review(context, url, n) for n in names))
            ready = time.monotonic()
            results = await asyncio.gather(
                *(
                    judge_cards(page, name, cards, count)
                    for name, (page, cards) in zip(names, opened, strict=True)
                )
            )
            finished = time.monotonic()
        finally:
            await browser.close()
    print(
        f"\n{sessions} sessions opened in {ready - started:.1f} s; {sessions * count} verdicts "
        f"in {finished - ready:.1f} s ({sessions * count / (finished - ready):.2f} verdicts/s)"
    )
    return dict(zip(names, results, strict=True))


def test_sixteen_reviewers_in_one_server_lose_and_duplicate_nothing(server):
    url, workspace = server
    confirmed = asyncio.run(review_all_at_once(url, SESSIONS, VERDICTS_PER_SESSION))

    expected = {
        (reviewer, row_id): reason(reviewer, number)
        for reviewer, rows in confirmed.items()
        for number, row_id in enumerate(rows)
    }
    assert len(expected) == SESSIONS * VERDICTS_PER_SESSION  # no card confirmed twice
    with sqlite3.connect(workspace / "feedback.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        stored = db.execute(
            "SELECT v.created_by, v.row_id, x.version, x.reviewer, x.verdict, x.comment"
            " FROM verdicts v JOIN verdict_versions x ON x.verdict_id = v.id"
            " WHERE v.created_by LIKE 'reviewer-%'"
        ).fetchall()
        (threads,) = db.execute("SELECT COUNT(*) FROM verdicts").fetchone()
        (versions,) = db.execute("SELECT COUNT(*) FROM verdict_versions").fetchone()
    assert len(stored) == len(expected)
    assert {(who, row_id): text for who, row_id, _, _, _, text in stored} == expected
    assert {(version, who == by, verdict) for who, _, version, by, verdict, _ in stored} == {
        (1, True, "correct")
    }
    assert threads == versions == SEEDED_VERDICTS + len(expected)
