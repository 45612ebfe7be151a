"""A regression's verdicts: agreement on the verdict, right values combined into one label,
and where each training label came from (house prices in USD, as a trial team reviewed)."""

import json

import pandas as pd
import pytest

import feedback_store
from feedback_store.training import export_training

SHOWN = "574587.4379490785"


@pytest.fixture
def store(tmp_path):
    return feedback_store.open(tmp_path / "ws")


def price(store, row_id, reviewer, verdict, value=None, shown=SHOWN):
    return store.record(
        sprint="Sprint 1", prototype="gbm", row_id=row_id, reviewer=reviewer, verdict=verdict,
        corrected_label=value, task="regression", prediction={"label": shown},
        features={"Living area [sqft]": 2603.0},
    )  # fmt: skip


def test_two_wrong_verdicts_with_close_right_values_agree_and_make_their_median(store):
    price(store, "H-00167", "maria", "wrong", "453600")
    price(store, "H-00167", "tom", "wrong", "460000")
    row = feedback_store.resolve_labels(store, provenance=True).iloc[0]
    assert (row["resolved_label"], row["unresolved"], row["agreement"]) == ("456800.0", False, 1)
    assert (row["label_source"], row["right_values"]) == (
        "median of right values", [453600.0, 460000.0],
    )  # fmt: skip
    assert feedback_store.conflicts(store).empty


def test_right_values_far_apart_leave_the_row_unresolved_and_say_why(store):
    price(store, "H-1", "maria", "wrong", "453600")
    price(store, "H-1", "tom", "wrong", "300000")
    row = feedback_store.resolve_labels(store).iloc[0]
    assert row["unresolved"]
    assert row["reason"] == (
        "right values far apart: 300,000 to 453,600, more than 10% of their median (376,800)"
    )
    assert set(feedback_store.conflicts(store)["reviewer"]) == {"maria", "tom"}


def test_right_values_on_both_sides_of_the_prediction_are_a_dispute(store):
    price(store, "H-2", "maria", "wrong", "480000", shown="500000")
    price(store, "H-2", "tom", "wrong", "520000", shown="500000")
    assert feedback_store.resolve_labels(store).iloc[0]["reason"] == (
        "right values on both sides of the prediction shown (500,000): 480,000 and 520,000"
    )


def test_agreement_is_on_the_verdicts_and_says_how_close_the_values_were(store):
    price(store, "H-00167", "maria", "wrong", "453600")
    price(store, "H-00167", "tom", "wrong", "460000")
    price(store, "H-00216", "maria", "wrong", "206700")
    price(store, "H-00216", "tom", "correct")
    result = feedback_store.agreement(store)
    assert result["percent_agreement"] == 50
    assert (result["right_values"]["rows"], result["right_values"]["close"]) == (1, 1)
    assert result["sentence"].startswith(
        "On the 2 rows reviewed by more than one person, reviewers gave the same verdict on 1"
        " (50%); where two or more gave a right value (1 row), the values were within 10% of"
        " each other on 1; Cohen's κ of the verdicts"
    )
    pairs = feedback_store.pairwise_agreement(store)
    assert pairs["percent_agreement"].tolist() == [50.0]


def test_kappa_compares_verdicts_not_dollar_values(store):
    for n in range(4):
        price(store, f"H-{n}", "maria", "wrong", str(400000 + n))
        price(store, f"H-{n}", "tom", "wrong", str(400100 + n))
    price(store, "H-9", "maria", "correct")
    price(store, "H-9", "tom", "correct")
    assert feedback_store.agreement(store)["kappa"] == 1


def test_a_correct_verdict_takes_the_known_value_and_the_manifest_says_so(store, tmp_path):
    price(store, "H-00682", "maria", "correct", shown="567666.3464360634")
    price(store, "H-00167", "maria", "wrong", "453600")
    price(store, "H-00167", "tom", "wrong", "460000")
    export = export_training(
        store, tmp_path / "t.jsonl", "jsonl", known_values={("Sprint 1", "gbm", "H-00682"): 679400}
    )
    rows = {r["row_id"]: r for r in map(json.loads, export.path.read_text().splitlines())}
    assert (rows["H-00682"]["label"], rows["H-00682"]["label_source"]) == (679400.0, "known value")
    assert rows["H-00167"]["right_values"] == [453600.0, 460000.0]
    manifest = export.manifest
    assert "per_label" not in manifest["counts"]
    assert manifest["counts"]["label_sources"] == {"known value": 1, "median of right values": 1}
    assert "10% of their median" in manifest["regression_labels"]["rule"]


def test_without_a_known_value_a_correct_verdict_is_a_rounded_prediction_with_a_warning(
    store, tmp_path
):
    price(store, "H-00682", "maria", "correct", shown="567666.3464360634")
    export = store.export_training(tmp_path / "t.parquet")
    frame = pd.read_parquet(export.path)
    assert frame["label"].tolist() == [567666.0]
    assert frame["label_source"].tolist() == ["prediction accepted"]
    assert any("teaches the model its own answers" in w for w in export.warnings)
