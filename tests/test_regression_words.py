"""A regression's pages in a regression's words: no confidence, classes or labels where the
model predicts a number (a house's sale price in USD), and its values as people read them
("206,700 USD", not "206700.0"); classifiers keep their words."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, Ridge

import feedback_store
import model
from ui import formatting, predictions_table, review_card, verdict_tables
from ui.sections import bakeoff_disagreements, feedback_verdicts, review_queue

PRICE = {"task": "regression", "target": "Sale price [USD]"}
TOOL_LIFE = {"task": "regression", "target": "Tool life [min]"}
CLASSES = ("least confident", "stratified sample")


@pytest.fixture(scope="module")
def houses(tmp_path_factory) -> Path:
    """Two house-price prototypes on 60 demo rows, and two reviewers who each said a row's
    price was wrong with a different right value."""
    rng = np.random.default_rng(3)
    area = rng.uniform(800, 3000, 260)
    X = pd.DataFrame(
        {"Living area [sqft]": area, "Bedrooms": rng.integers(1, 6, 260).astype(float)},
        index=[f"H-{i:05d}" for i in range(260)],
    )
    y = pd.Series(150 * area + rng.normal(0, 20_000, 260), index=X.index, name="Sale price [USD]")
    path = tmp_path_factory.mktemp("houses") / "workspace"
    ws = model.open_workspace(path)
    for name, estimator in (("linear", LinearRegression()), ("ridge", Ridge(alpha=10.0))):
        estimator.fit(X.iloc[:200], y.iloc[:200])
        ws.publish("Sprint 1", name, estimator, X.iloc[200:], y.iloc[200:], train_seconds=0.1)
    ws.set_mvp("Sprint 1", "linear")
    store = feedback_store.open(path)
    shown = str(ws.prototype("Sprint 1", "linear").predictions().loc["H-00200", "predicted"])
    for reviewer, value in (("maria", "206700.0"), ("tom", "300000.0")):
        store.record(
            sprint="Sprint 1", prototype="linear", row_id="H-00200", reviewer=reviewer,
            verdict="wrong", corrected_label=value, task="regression",
            prediction={"label": shown, "confidence": None, "probabilities": {}},
        )  # fmt: skip
    return path


def test_a_predicted_value_reads_to_a_tenth_below_a_thousand():
    assert formatting.format_number(79.708) == "79.7"
    assert formatting.format_number(249.70312302240404) == "249.7"
    assert formatting.format_number(331198.9415031085) == "331,199"
    assert formatting.format_number(999.96) == "1,000"
    assert formatting.format_number(0.0123456) == "0.0123"


def test_a_regression_s_prediction_says_its_unit_once():
    assert formatting.prediction_in_words(567666.3464, None, PRICE) == (
        "Predicted sale price: 567,666 USD"
    )
    assert (
        formatting.prediction_in_words(79.708, None, TOOL_LIFE) == "Predicted tool life: 79.7 min"
    )
    assert formatting.prediction_in_words(12.34, None, {"task": "regression"}) == (
        "Predicted value: 12.3"
    )


def test_a_regression_s_queues_speak_of_errors_not_confidence_or_classes():
    shown = [review_queue.queue_label(kind, "regression") for kind in CLASSES]
    assert shown[0] == "Largest error first"
    assert not any("confident" in text or "class" in text for text in shown), shown
    assert "random order" in review_queue.queue_label("least confident", "regression", False)
    assert [review_queue.queue_label(kind, "binary") for kind in CLASSES] == [
        "Least confident first",
        "Random sample, each predicted class in turn",
    ]


def test_a_wrong_regression_verdict_without_a_value_names_the_value_field():
    assert review_card.wrong_needs_label_text(PRICE) == (
        "A wrong verdict needs the right value: type it under “Right value in USD”."
    )
    assert "“Right label”" in review_card.wrong_needs_label_text({"task": "binary"})
    assert review_card.label_is_prediction_text("567666.3464360634", PRICE).startswith(
        "“567,666 USD” is what the model predicted"
    )


def test_the_feedback_tables_show_right_values_with_their_unit(houses):
    ws, store = model.open_workspace(houses), feedback_store.open(houses)
    verdicts = store.verdicts()
    names = verdict_tables.class_names_of(ws, verdicts["sprint"], verdicts["prototype"])
    table = verdict_tables.name_labels(verdict_tables.verdicts_table(verdicts), names)
    assert "Right label" not in table.columns
    assert sorted(table["Right value"]) == ["206,700 USD", "300,000 USD"]
    history = verdict_tables.history_table(
        store.history(int(verdicts["verdict_id"].iloc[0])), names
    )
    assert history["Right value"].iloc[-1] in {"206,700 USD", "300,000 USD"}
    conflicts = verdict_tables.conflicts_table(feedback_store.conflicts(store, "Sprint 1"), names)
    assert set(conflicts["Their value"]) == {"206,700 USD", "300,000 USD"}
    assert conflicts["Shown"].str.fullmatch(r"\d{3},\d{3} USD").all(), conflicts["Shown"]
    resolved = verdict_tables.resolved_table(
        feedback_store.resolve_labels(store, "Sprint 1"), names
    )
    assert "Their values" in resolved.columns and "Label" not in resolved.columns
    assert "." not in " ".join(resolved["Their values"])


def test_the_verdict_export_speaks_of_classes_only_where_there_are_classes():
    regression = pd.DataFrame(columns=["Row", "Right value"])
    classes = pd.DataFrame(columns=["Row", "Right label"])
    assert "class" not in feedback_verdicts.export_caption(regression)
    assert "each class's code" in feedback_verdicts.export_caption(classes)


def test_the_bake_off_says_where_regressions_disagree_without_labels():
    text = bakeoff_disagreements.regression_text("Sale price [USD]")
    assert "label" not in text and "outcome" not in text
    assert "Where this sprint's prototypes disagree" in text


def test_the_predictions_table_names_its_row_ids_so_they_are_sized_to_fit():
    rows = pd.DataFrame({"predicted": [311549.2]}, index=pd.Index(["H-00000"], name="row_id"))
    shown = predictions_table.display_rows(rows, PRICE)
    assert shown.index.name == predictions_table.ROW_COLUMN == "Row"
    assert list(shown.index) == ["H-00000"]


def test_sme_review_and_feedback_pages_of_a_regression(houses, open_app):
    at = open_app(houses, page="sme_review", reviewer="ana")
    assert not at.exception
    queue = next(s for s in at.selectbox if s.label == "Queue")
    assert queue.value == "least confident"
    assert queue.format_func(queue.value) == "Largest error first"
    heading = at.subheader[0].value.replace("\\", "")  # its colon is escaped
    assert re.fullmatch(r"Predicted sale price: \d{3},\d{3} USD", heading), heading
    at.switch_page("pages/feedback.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert sorted(table["Right value"]) == ["206,700 USD", "300,000 USD"]
    assert not any("each class's code" in c.value for c in at.caption)


def test_the_segment_caption_says_no_class_words_for_a_regressions_error():
    """'“—”: no score there (all its houses had the same outcome)' under a table of average
    errors, which are defined on every segment."""
    from ui.bakeoff_words import segment_caption

    assert "“—”" not in segment_caption("mae", "Type", "houses")
    assert segment_caption("r2", "Type", "houses").endswith("all its houses had the same value).")
    assert segment_caption("pr_auc", "Type", "machines").endswith(
        "all its machines had the same outcome)."
    )


def test_what_a_regressions_contribution_moves_says_the_unit_once():
    """'how much the reading moves the predicted Sale price [USD]': the unit inside the name
    (and 'SalePrice' must not become 'salePrice')."""
    from ui.formatting import probability_label, target_in_words

    meta = {"task": "regression", "target": "Sale price [USD]"}
    assert probability_label(meta) == "the predicted sale price (in USD)"
    assert target_in_words({"task": "regression", "target": "SalePrice"}) == "SalePrice"
    assert target_in_words({"task": "regression", "target": "RUL"}) == "RUL"
