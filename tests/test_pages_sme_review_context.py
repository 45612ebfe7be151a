"""SME review shows a row's context (a ticket's subject the model does not read) under its own
heading, escaped, a long text whole in an expander; the verdict's snapshot carries it."""

from __future__ import annotations

import shutil

import pytest
from conftest import open_link
from sklearn.ensemble import HistGradientBoostingClassifier
from test_context_columns import tickets
from test_pages_sme_review import card, fill, plain, submit

import feedback_store
import model
from ui.review_context import CONTEXT_HEADING

SPRINT, NAME = "S1", "hgb"
MARKED = "[refund](http://evil.example) **now** "  # user text, to be shown as typed
SUBJECT = MARKED + "the parcel never arrived, " * 20


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    X, y = tickets()
    X.loc["T0", "subject"] = SUBJECT
    fitted = HistGradientBoostingClassifier(max_iter=5).fit(X[["tenure_months", "amount"]], y)
    path = tmp_path_factory.mktemp("context") / "ws"
    with pytest.warns(UserWarning, match="kept as context"):
        model.open_workspace(path).publish(SPRINT, NAME, fitted, X, y)
    return path


def open_card(monkeypatch, path, row_id="T0"):
    at = open_link(monkeypatch, path, "sme_review", sprint=SPRINT, reviewer="zoe", row=row_id)
    assert not at.exception, at.exception[0].message
    return at


def test_the_card_shows_the_subject_under_its_own_heading_escaped(published, monkeypatch):
    at = open_card(monkeypatch, published)
    texts = [m.value for m in at.markdown]
    assert f"**{CONTEXT_HEADING}**" in texts
    (line,) = [t for t in texts if t.startswith("**subject:**")]
    assert "\\[refund\\]" in line and "\\*\\*now\\*\\*" in line  # no live link, no bold
    assert plain(line).endswith("…") and len(plain(line)) < len(SUBJECT)
    (whole,) = [e for e in at.expander if e.label == "The whole subject"]
    assert plain(whole.markdown[0].value) == SUBJECT.strip()


def test_a_short_subject_is_shown_whole_without_an_expander(published, monkeypatch):
    at = open_card(monkeypatch, published, "T1")
    (line,) = [m.value for m in at.markdown if m.value.startswith("**subject:**")]
    assert line.removeprefix("**subject:** ") in {"refund please", "app crash", "parcel late"}
    assert "The whole subject" not in [e.label for e in at.expander]


def test_a_verdict_given_on_the_card_snapshots_the_subject(published, monkeypatch, tmp_path):
    path = tmp_path / "ws"
    shutil.copytree(published, path)
    at = open_card(monkeypatch, path)
    assert card(at)["row_id"] == "T0"
    submit(fill(at, "correct"))
    assert not at.exception and not at.error
    (verdict,) = feedback_store.open(path).verdicts(reviewer="zoe").to_dict("records")
    assert verdict["features"]["subject"] == SUBJECT
    assert set(verdict["features"]) == {"tenure_months", "amount", "subject"}
