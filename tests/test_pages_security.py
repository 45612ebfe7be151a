"""Everything users typed renders inert on every page: no HTML, no live Markdown images or links."""

from __future__ import annotations

import pytest

import feedback_store
import model

HOSTILE = (
    "<script>alert(1)</script> <img src=x onerror=alert(2)> "
    "![tracker](http://evil.example/pixel.png) [click me](http://evil.example/phish)"
)
PAGES = ["overview", "sprint_demo", "bake_off", "sme_review", "feedback"]
#: Pages that show the rationale or the comment: there it must appear, as text.
SHOWN_ON = {"overview", "bake_off", "feedback"}


@pytest.fixture
def hostile_workspace(workspace_copy):
    ws = model.open_workspace(workspace_copy)
    proto = ws.prototype("Sprint 2", ws.mvp("Sprint 2"))
    row_id = proto.predictions().sort_values("confidence").index[0]
    feedback_store.open(workspace_copy).record(
        sprint="Sprint 2", prototype=proto.name, row_id=row_id, reviewer="mallory",
        verdict="wrong", corrected_label="1", comment=HOSTILE, tags=["<b>bold</b>"],
        key="hostile",
    )  # fmt: skip
    ws.record_decision(
        "Sprint 2", proto.name, rationale=HOSTILE, attendees=["<i>eve</i>"], recorded_by="mallory"
    )
    return workspace_copy


def live_markup(element) -> list[str]:
    """What in a Markdown element would render as something other than its text."""
    problems = []
    if getattr(element.proto, "allow_html", False):
        problems.append("raw HTML allowed")
    value = element.value
    for pattern in ("![tracker](http", "[click me](http", "<script>", "<img src"):
        if pattern in value:
            problems.append(pattern)
    return problems


@pytest.mark.parametrize("page", PAGES)
def test_hostile_text_renders_inert(hostile_workspace, open_app, page):
    at = open_app(hostile_workspace, page=page, reviewer="ana")
    assert not at.exception
    markdown_like = [*at.markdown, *at.caption, *at.info, *at.warning, *at.success, *at.error]
    for element in markdown_like:
        assert not live_markup(element), (page, element.value[:200])
    if page in SHOWN_ON:
        texts = [e.value for e in [*at.text, *markdown_like]]
        tables = [df.value.to_csv() for df in at.dataframe] + [t.value.to_csv() for t in at.table]
        assert any("alert(1)" in value for value in texts + tables), page
