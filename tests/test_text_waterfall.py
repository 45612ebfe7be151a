"""A free-text reading in the waterfall: its label is the text cut short (on a line of its own
under the column's name), the whole text is on hover, and the pages draw it that way for a
real TF-IDF pipeline."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
import pytest
from conftest import open_link
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import model
from model.explain_text import word_contributions
from ui import explanations, review_card
from ui.explanations import TEXT_LABEL_CHARS, short_text, waterfall_spec
from ui.review_card import TEXT_CELL_CHARS

SPRINT, NAME = "Sprint 7", "notes"
GOOD = ["great", "excellent", "reliable", "smooth", "quiet", "sturdy"]
BAD = ["broken", "noisy", "leaking", "cracked", "faulty", "late"]
FILLER = ["the", "pump", "was", "checked", "on", "site", "by", "our", "team", "after", "the",
          "morning", "shift", "inspection", "report", "said", "that", "seal"]  # fmt: skip
LONG = (
    "Broken seal on the second pump, found by the morning shift after a noisy start; "
    "the team says it was leaking since Tuesday and the report was late."
)
WORD_COLUMNS = ["Reading", "Word", "Moves it by"]
META = {"task": "binary", "classes": ["0", "1"], "positive_class": "1", "text_columns": ["note"]}


def explanation(note: str = LONG) -> dict:
    return {
        "output": 0.7,
        "base_value": 0.4,
        "contributions": {"note": 0.25, "hours": 0.05},
        "explained_class": "1",
        "unit": "probability",
        "feature_values": {"note": note, "hours": 1.5},
    }


def spec_rows(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def test_a_long_text_is_cut_at_a_word_end_with_an_ellipsis():
    cut = short_text(LONG)
    assert cut == "Broken seal on the second pump…"
    assert len(cut) <= TEXT_LABEL_CHARS + 1 and LONG.startswith(cut[:-1])
    assert short_text("Quiet and smooth.") == "Quiet and smooth."
    assert short_text("two\nlines,\t and   tabs") == "two lines, and tabs"
    assert short_text("x" * 80) == "x" * TEXT_LABEL_CHARS + "…"  # no space to cut at


def test_the_waterfall_label_is_cut_short_and_the_tooltip_has_the_whole_text():
    spec = waterfall_spec(explanation(), META)
    rows = {row["full"]: row for row in spec_rows(spec)}
    note = rows[f"note = “{LONG}”"]
    assert note["label"] == "note =\n“Broken seal on the second pump…”"
    assert rows["hours = 1.5"]["label"] == "hours = 1.5"  # other readings as before
    bars = spec["layer"][0]["encoding"]
    assert bars["tooltip"][0] == {"field": "full", "type": "nominal", "title": "step"}
    assert bars["y"]["axis"]["labelExpr"] == "split(datum.label, '\\n')"  # two lines
    assert spec["height"] == 56 * 4 + 40  # room for the second line
    alt.LayerChart.from_dict(spec).to_dict()  # valid Vega-Lite
    assert LONG not in json.dumps(bars["y"])  # the axis never gets the whole text


def test_a_waterfall_without_text_is_drawn_as_before():
    meta = {**META, "text_columns": []}
    spec = waterfall_spec(explanation("short"), meta)
    bars = spec["layer"][0]["encoding"]
    # the tooltip's "full" is the label here: no description, no text to cut
    assert bars["tooltip"][0]["field"] == "full" and "axis" not in bars["y"]
    assert all(row["full"] == row["label"] for row in spec_rows(spec))
    assert spec["height"] == 44 * 4 + 40
    assert [row["label"] for row in spec_rows(spec)][1] == "note = short"


def test_the_dependence_reading_leaves_free_text_out():
    meta = {**META, "global_importance": {"note": 0.3, "hours": 0.1}}
    assert explanations.top_features(meta) == ["hours"]


# -- the pages, on a published TF-IDF pipeline ----------------------------------------------------
def notes(n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    texts, hours, labels = [], [], []
    for i in range(n):
        label = i % 2
        words = [*rng.choice(FILLER, 20), *rng.choice(GOOD if label else BAD, 3)]
        rng.shuffle(words)
        texts.append(" ".join(words).capitalize() + ".")
        hours.append(float(rng.normal(label, 1.0)))
        labels.append(label)
    index = pd.Index([f"n{i}" for i in range(n)], name="row_id")
    return pd.DataFrame({"note": texts, "hours": hours}, index=index), pd.Series(
        labels, index=index
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    X, y = notes(200)
    prep = ColumnTransformer(
        [("text", TfidfVectorizer(), "note"), ("num", StandardScaler(), ["hours"])]
    )
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(X, y)
    path = tmp_path_factory.mktemp("text")
    model.open_workspace(path).publish(SPRINT, NAME, pipeline, X.iloc[:30], y.iloc[:30], mvp=True)
    return path


def waterfall_rows(at, chart_data) -> pd.DataFrame:
    (frame,) = chart_data(at.get("vega_lite_chart")[-1])
    return frame


@pytest.mark.parametrize("page", ["sprint_demo", "sme_review"])
def test_the_pages_cut_the_text_in_the_waterfall_and_keep_it_whole_on_hover(
    published, monkeypatch, chart_data, page
):
    text = model.open_workspace(published).prototype(SPRINT, NAME).feature_row("n3")["note"]
    assert len(text) > 2 * TEXT_LABEL_CHARS
    params = {"sprint": SPRINT, "row": "n3"} | ({"reviewer": "zoe"} if page == "sme_review" else {})
    at = open_link(monkeypatch, published, page, **params)
    assert not at.exception, at.exception[0].message
    frame = waterfall_rows(at, chart_data)
    note = frame[frame["full"] == f"note = “{text}”"]
    assert note["label"].tolist() == [f"note =\n“{short_text(text)}”"]
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    encoding = spec["layer"][0]["encoding"]
    assert encoding["tooltip"][0]["field"] == "full"
    if page == "sprint_demo":  # the dependence chart offers numeric readings only
        assert at.selectbox(key="demo_dependence").options == ["hours"]


def test_the_own_case_takes_typed_text_and_shows_its_words(published, open_app, chart_data):
    at = open_app(published, page="sme_review", reviewer="zoe")
    at.session_state["review_tab"] = "Try your own case"
    at.run()
    assert not at.exception, at.exception[0].message
    at.text_area(key=f"own_field_{NAME}_note").set_value(LONG)
    at.number_input(key=f"own_field_{NAME}_hours").set_value(0.5)
    at.button(key=f"FormSubmitter:own_case_form_{NAME}-Explain this case").click().run()
    assert not at.exception, at.exception[0].message
    assert not at.error
    frame = waterfall_rows(at, chart_data)  # the own case's, after the queue's card
    assert f"note =\n“{short_text(LONG)}”" in frame["label"].tolist()
    assert f"note = “{LONG}”" in frame["full"].tolist()
    words = at.dataframe[-1].value
    assert list(words.columns) == ["Reading", "Word", "Moves it by"]
    assert {"broken", "noisy", "leaking"} <= set(words["Word"])
    broken = words.set_index("Word").loc["broken", "Moves it by"]
    assert broken.startswith("-")  # a bad word pushes the chance of the good outcome down


@pytest.mark.parametrize("page", ["sprint_demo", "sme_review"])
def test_a_demo_row_shows_the_words_that_moved_it_and_the_why_names_them(
    published, monkeypatch, page
):
    """The words of a demo row were stored when publishing and shown nowhere: the waterfall
    has the text as one bar, and "Why" quoted the whole text."""
    proto = model.open_workspace(published).prototype(SPRINT, NAME)
    stored = word_contributions(proto, "n3")
    params = {"sprint": SPRINT, "row": "n3"} | ({"reviewer": "zoe"} if page == "sme_review" else {})
    at = open_link(monkeypatch, published, page, **params)
    assert not at.exception, at.exception[0].message
    assert "**The words that moved it most**" in [m.value for m in at.markdown]
    (words,) = [d.value for d in at.dataframe if list(d.value.columns) == WORD_COLUMNS]
    largest = stored.reindex(stored["contribution"].abs().sort_values(ascending=False).index)
    assert words["Word"].tolist() == largest["word"].tolist()
    if page == "sme_review":
        why = next(m.value for m in at.markdown if m.value.startswith("- The chance"))
        assert "note has the words “" in why
        assert all(f"“{word}”" in why for word in largest["word"].head(3))
        assert proto.feature_row("n3")["note"][:30] not in why  # not the whole text


def test_present_s_case_names_its_largest_words(published, monkeypatch):
    proto = model.open_workspace(published).prototype(SPRINT, NAME)
    stored = word_contributions(proto, "n3")
    largest = stored.reindex(stored["contribution"].abs().sort_values(ascending=False).index)
    at = open_link(monkeypatch, published, "present", sprint=SPRINT, step="4", row="n3",
                   present="1")  # fmt: skip
    assert not at.exception, at.exception[0].message
    (line,) = [m.value for m in at.markdown if m.value.startswith("The words that moved it")]
    first = largest.iloc[0]
    shown = (
        f"“{first['word']}” {explanations.contribution_text(first['contribution'], 'probability')}"
    )
    assert shown in line and line.count("“") == 3


def test_the_words_table_lists_the_largest_first_with_their_stated_error():
    words = [
        {"column": "note", "word": "seal", "contribution": 0.01, "error": 0.0},
        {"column": "note", "word": "broken", "contribution": -0.2, "error": 0.009},
    ]
    table = explanations.words_table(words, "probability")
    assert table.to_dict("records") == [
        {"Reading": "note", "Word": "broken", "Moves it by": "-20.0% ± 0.9%"},
        {"Reading": "note", "Word": "seal", "Moves it by": "+1.0%"},
    ]
    assert explanations.words_table(None, "probability") is None
    tiny = [{"column": "note", "word": "it", "contribution": -0.02, "error": 0.0004}]
    assert explanations.words_table(tiny, "probability")["Moves it by"][0] == (
        "-2.0% ± under 0.1%"  # not "± 0.0%"
    )


def test_the_readings_table_cuts_a_long_text_and_keeps_short_values():
    table = review_card.percentile_table({"note": LONG, "Type": "L", "hours": 1.5}, {"hours": 40.0})
    assert table["Value"].tolist() == [short_text(LONG, TEXT_CELL_CHARS), "L", "1.5"]
    assert table["Value"][0].endswith("…") and len(table["Value"][0]) <= TEXT_CELL_CHARS + 1


def test_an_importance_chart_of_two_readings_leaves_its_bars_room():
    # About 80 px of the height go to the axis and its title: 2 × 36 + 50 px left 22 px a bar
    # for bars 24 px thick, and they overlapped (seen on a text model's Sprint demo).
    spec = explanations.global_importance_spec(
        {**META, "global_importance": {"note": 0.2, "hours": 0.1}}
    )
    bar_size = spec["layer"][0]["mark"]["size"]
    assert (spec["height"] - 80) / 2 >= bar_size + 8


def test_a_missing_text_reads_missing_on_one_line():
    for missing in (None, float("nan")):
        rows = spec_rows(waterfall_spec(explanation(missing), META))
        assert rows[1]["label"] == rows[1]["full"] == "note = missing"
