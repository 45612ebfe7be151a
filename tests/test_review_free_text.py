"""The SME review card shows a free-text reading whole: an adjuster judging a claim read its
description only cut ("Claimant reports injury witness…" in the reasons and the waterfall,
"Claimant re" in the readings' table)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import test_text_waterfall as text_model
from conftest import open_link
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import model
from model.explain_text import word_contributions
from ui import free_text

SPRINT, NAME = text_model.SPRINT, text_model.NAME


def test_the_largest_words_are_marked_red_up_and_blue_down():
    words = [
        {"column": "note", "word": "broken", "contribution": -0.2, "error": 0.01},
        {"column": "note", "word": "great", "contribution": 0.1, "error": 0.0},
        {"column": "note", "word": "seal", "contribution": 0.004, "error": 0.01},  # within error
        {"column": "note", "word": "(other words)", "contribution": 0.3, "error": 0.0},
        {"column": "other", "word": "pump", "contribution": 0.5, "error": 0.0},
    ]
    marks = free_text.marked_words(words, "note")
    assert marks == {"broken": False, "great": True}
    lines = free_text.marked_text("Broken seal, *great* pump.\n\nSecond line: BROKEN", marks)
    assert lines == [
        r":blue-background[**Broken**] seal, \*:red-background[**great**]\* pump.",
        r"Second line\: :blue-background[**BROKEN**]",
    ]
    assert free_text.marked_text("no marks [here]", {}) == [r"no marks \[here\]"]


def test_only_text_readings_with_text_are_shown():
    meta = {"text_columns": ["note", "empty", "gone"]}
    values = {"hours": 1.5, "note": "Leaking seal", "empty": "  ", "gone": None}
    assert free_text.free_texts(meta, values) == {"note": "Leaking seal"}
    assert free_text.free_texts({}, values) == {}


published = text_model.published  # the TF-IDF notes model of the waterfall's tests


def test_the_card_shows_the_whole_text_with_its_largest_words_marked(published, monkeypatch):
    proto = model.open_workspace(published).prototype(SPRINT, NAME)
    text = proto.feature_row("n3")["note"]
    assert len(text) > 60  # the waterfall and the readings' table cut it
    at = open_link(monkeypatch, published, "sme_review", sprint=SPRINT, row="n3", reviewer="zoe")
    assert not at.exception, at.exception[0].message
    shown = [m.value for m in at.markdown]
    heading = shown.index("**note**, as the model read it")
    assert heading < shown.index("**Why**")  # before the reasons, under the headline
    stored = word_contributions(proto, "n3").to_dict("records")
    marks = free_text.marked_words(stored, "note")
    assert len(marks) == free_text.MARKED_WORDS
    (paragraph,) = free_text.marked_text(text, marks)
    assert shown[heading + 1] == paragraph
    for word, up in marks.items():
        assert f":{'red' if up else 'blue'}-background[**" in paragraph
        assert word in paragraph.casefold()
    unmarked = paragraph
    for colour in ("red", "blue"):
        unmarked = unmarked.replace(f":{colour}-background[**", "")
    assert unmarked.replace("**]", "").replace("\\", "") == text  # every word of it, whole
    assert any(
        c.value.startswith(r"Marked\: the 5 words that move the chance of") for c in at.caption
    )


@pytest.fixture(scope="module")
def three_queues(tmp_path_factory):
    """A multiclass TF-IDF model: notes of three kinds, each with its own words."""
    rng = np.random.default_rng(1)
    kinds = [text_model.GOOD, text_model.BAD, ["refund", "invoice", "charged", "twice"]]
    rows = []
    for i in range(180):
        words = [*rng.choice(text_model.FILLER, 12), *rng.choice(kinds[i % 3], 3)]
        rng.shuffle(words)
        rows.append(" ".join(words))
    index = pd.Index([f"q{i}" for i in range(180)], name="row_id")
    X = pd.DataFrame({"note": rows, "hours": rng.normal(size=180)}, index=index)
    y = pd.Series([["good", "bad", "billing"][i % 3] for i in range(180)], index=index)
    prep = ColumnTransformer(
        [("text", TfidfVectorizer(), "note"), ("num", StandardScaler(), ["hours"])]
    )
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(X, y)
    path = tmp_path_factory.mktemp("three_queues")
    model.open_workspace(path).publish("Sprint 1", "kinds", pipeline, X.iloc[:20], y.iloc[:20])
    return path


def test_a_multiclass_card_marks_the_words_of_the_class_chosen(three_queues, monkeypatch):
    proto = model.open_workspace(three_queues).prototype("Sprint 1", "kinds")
    text = proto.feature_row("q0")["note"]
    at = open_link(monkeypatch, three_queues, "sme_review", sprint="Sprint 1", row="q0",
                   reviewer="zoe")  # fmt: skip
    assert not at.exception, at.exception[0].message
    (choice,) = [r for r in at.radio if r.label == "Show the reasons for"]
    predicted, other = choice.options[0], choice.options[1]

    def paragraph() -> str:
        shown = [m.value for m in at.markdown]
        return shown[shown.index("**note**, as the model read it") + 1]

    def marked(label: str) -> str:
        rows = word_contributions(proto, "q0", label).to_dict("records")
        (line,) = free_text.marked_text(text, free_text.marked_words(rows, "note"))
        return line

    first = next(c for c in ("good", "bad", "billing") if predicted.endswith(f" {c}?"))
    second = next(c for c in ("good", "bad", "billing") if other.endswith(f" {c}?"))
    assert paragraph() == marked(first)
    choice.set_value(second).run()
    assert not at.exception, at.exception[0].message
    assert marked(second) != marked(first)  # the chosen class's words, not the predicted's
    assert paragraph() == marked(second)
