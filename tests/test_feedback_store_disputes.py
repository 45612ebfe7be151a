"""Disputes: "right answer, wrong reason" about one feature's contribution."""

import sqlite3

import pytest

import feedback_store
from feedback_store import DISPUTE_KINDS, InvalidVerdict


@pytest.fixture
def store(tmp_path):
    return feedback_store.open(tmp_path)


def dispute(store, **overrides):
    fields = dict(sprint="S2", prototype="gbm", row_id="4711", reviewer="ana",
                  feature="Type", kind="should not matter", shap_value=0.12)  # fmt: skip
    return store.dispute(**(fields | overrides))


def test_dispute_then_disputes_returns_what_was_recorded(store):
    dispute_id = dispute(store, comment="variant has nothing to do with wear", row_id=4711)
    row = store.disputes().iloc[0]
    assert row["dispute_id"] == dispute_id
    assert (row["sprint"], row["prototype"], row["row_id"], row["reviewer"]) == (
        "S2", "gbm", "4711", "ana",
    )  # fmt: skip
    assert (row["feature"], row["kind"], row["shap_value"]) == ("Type", "should not matter", 0.12)
    assert row["comment"] == "variant has nothing to do with wear"
    assert row["recorded_at"].endswith("+00:00")


def test_the_same_key_records_a_dispute_once(store):
    first = dispute(store, key="click-1")
    assert dispute(store, key="click-1") == first
    assert len(store.disputes()) == 1


def test_a_key_reused_for_another_dispute_is_rejected(store):
    dispute(store, key="click-1")
    with pytest.raises(InvalidVerdict, match="already used for dispute"):
        dispute(store, key="click-1", feature="Torque [Nm]")


def test_disputes_are_filtered_by_sprint_and_prototype(store):
    dispute(store)
    dispute(store, sprint="S3")
    dispute(store, prototype="rules")
    assert len(store.disputes(sprint="S2")) == 2
    assert store.disputes(sprint="S2", prototype="rules")["prototype"].tolist() == ["rules"]


def test_dispute_counts_count_each_reviewers_dispute_of_a_feature_on_a_row_once(store):
    dispute(store)
    dispute(store)  # the same reviewer clicking again
    dispute(store, reviewer="bo")
    dispute(store, row_id="12")
    dispute(store, kind="too strong", feature="Torque [Nm]", shap_value=0.3)
    counts = store.dispute_counts()
    assert counts[["feature", "kind", "count", "rows", "reviewers"]].values.tolist() == [
        ["Type", "should not matter", 3, 2, 2],
        ["Torque [Nm]", "too strong", 1, 1, 1],
    ]
    assert set(counts["prototype"]) == {"gbm"}


def test_dispute_counts_of_an_empty_store_is_an_empty_frame(store):
    counts = store.dispute_counts()
    assert counts.empty and list(counts.columns)[:4] == ["sprint", "prototype", "feature", "kind"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("kind", "irrelevant", "kind must be one of should not matter, wrong direction"),
        ("shap_value", float("nan"), "shap_value must be a finite number"),
        ("shap_value", "0.1", "shap_value must be a number"),
        ("shap_value", True, "shap_value must be a number"),
        ("feature", " ", "feature is empty"),
        ("reviewer", None, "reviewer is required"),
        ("comment", "bad\x00", "control character"),
    ],
)
def test_invalid_disputes_are_rejected_with_a_clear_message(store, field, value, message):
    with pytest.raises(InvalidVerdict, match=message):
        dispute(store, **{field: value})
    assert store.disputes().empty


def test_every_dispute_kind_is_accepted(store):
    for kind in DISPUTE_KINDS:
        dispute(store, kind=kind)
    assert store.disputes()["kind"].tolist() == list(DISPUTE_KINDS)


def test_the_database_refuses_to_change_or_delete_a_dispute(store):
    dispute(store)
    with sqlite3.connect(store.path) as conn:
        for sql in ("UPDATE disputes SET kind = 'too strong'", "DELETE FROM disputes"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)
    assert len(store.disputes()) == 1
