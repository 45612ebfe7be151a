"""Each verdict and dispute keeps the prototype version (and content id) that was on screen."""

import json

import pandas as pd
import pyarrow.parquet as pq
import pytest
from sqlite_utils import Database

import feedback_store
from feedback_store.migrations import migrations


@pytest.fixture
def store(tmp_path):
    return feedback_store.open(tmp_path / "ws")


def record(store, row_id="4711", reviewer="ana", **extra):
    arguments = {"verdict": "wrong", "corrected_label": "1", "prediction": {"label": "0"}}
    return store.record(sprint="S1", prototype="gbm", row_id=row_id, reviewer=reviewer,
                        **{**arguments, **extra})  # fmt: skip


def test_a_verdict_stores_the_version_and_content_id_it_was_given_on(store):
    vid = record(store, prototype_version=2, prototype_content="c2")
    record(store, prototype_version=3, prototype_content="c3", comment="looked again")
    history = store.history(vid)
    assert history["prototype_version"].tolist() == [2, 3]
    assert history["prototype_content"].tolist() == ["c2", "c3"]
    current = store.verdicts().iloc[0]
    assert (current["prototype_version"], current["prototype_content"]) == (3, "c3")


def test_a_verdict_recorded_without_a_version_has_none_and_edits_keep_the_version_shown(store):
    unknown = record(store, row_id="1")
    assert store.history(unknown)["prototype_version"].isna().all()
    vid = record(store, row_id="2", prototype_version=4, prototype_content="c4")
    store.edit(vid, reviewer="ana", comment="typo fixed")
    store.withdraw(vid, reviewer="ana")
    assert store.history(vid)["prototype_version"].tolist() == [4, 4, 4]


@pytest.mark.parametrize("bad", [0, -1, 1.5, "2", True])
def test_a_version_that_is_not_a_whole_number_from_one_is_refused(store, bad):
    with pytest.raises(feedback_store.InvalidVerdict, match="prototype_version must be"):
        record(store, prototype_version=bad)
    assert store.verdicts().empty


def test_a_dispute_stores_the_version_shown(store):
    store.dispute(
        sprint="S1",
        prototype="gbm",
        row_id="1",
        reviewer="ana",
        feature="Torque",
        kind="too strong",
        shap_value=0.3,
        prototype_version=2,
        prototype_content="c2",
    )
    store.dispute(sprint="S1", prototype="gbm", row_id="1", reviewer="ana", feature="Type",
                  kind="too strong", shap_value=0.1)  # fmt: skip
    disputes = store.disputes()
    assert disputes["prototype_version"].tolist()[0] == 2
    assert pd.isna(disputes["prototype_version"].tolist()[1])
    assert disputes["prototype_content"].tolist()[0] == "c2"
    assert pd.isna(disputes["prototype_content"].tolist()[1])


def test_reviewed_rows_and_verdicts_can_be_asked_for_one_version(store):
    record(store, row_id="1", prototype_version=2)
    record(store, row_id="2", prototype_version=3)
    record(store, row_id="3")  # version unknown
    assert store.reviewed_row_ids("S1", "gbm", "ana") == {"1", "2", "3"}
    assert store.reviewed_row_ids("S1", "gbm", "ana", prototype_version=3) == {"2"}
    assert store.verdicts(prototype_version=2)["row_id"].tolist() == ["1"]
    record(store, row_id="1", prototype_version=3)  # judged again on the new version
    assert store.reviewed_row_ids("S1", "gbm", "ana", prototype_version=3) == {"1", "2"}
    assert store.reviewed_row_ids("S1", "gbm", "ana", prototype_version=2) == set()


def test_row_history_lists_the_reviewers_versions_on_one_row_oldest_first(store):
    record(store, row_id="1", prototype_version=2)
    record(store, row_id="1", verdict="correct", corrected_label=None, prototype_version=3)
    record(store, row_id="1", reviewer="bo", prototype_version=3)
    history = store.row_history("S1", "gbm", "1", "ana")
    assert history[["prototype_version", "verdict"]].values.tolist() == [
        [2, "wrong"],
        [3, "correct"],
    ]
    assert store.row_history("S1", "gbm", "2", "ana").empty


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_exports_carry_the_prototype_version(store, tmp_path, fmt):
    record(store, row_id="1", prototype_version=2, prototype_content="c2")
    record(store, row_id="2")
    path = store.export(tmp_path / f"out.{fmt}", format=fmt)
    if fmt == "csv":
        frame = pd.read_csv(path, dtype={"row_id": str})
        assert path.read_text().splitlines()[1].split(",")[-2:] == ["2", "c2"]
    elif fmt == "parquet":
        frame = pq.read_table(path).to_pandas()
        assert str(pq.read_table(path).schema.field("prototype_version").type) == "int64"
    else:
        frame = pd.DataFrame([json.loads(line) for line in path.read_text().splitlines()])
    frame = frame.set_index(frame["row_id"].astype(str))
    assert frame.loc["1", "prototype_version"] == 2
    assert pd.isna(frame.loc["2", "prototype_version"])


def test_the_training_export_carries_the_version_of_the_verdict_its_features_come_from(
    store, tmp_path
):
    features = {"Torque [Nm]": 40.0}
    record(store, row_id="1", features=features, prototype_version=2)
    record(store, row_id="1", reviewer="bo", features=features, prototype_version=3)
    record(store, row_id="2", features=features)
    result = store.export_training(tmp_path / "t.parquet")
    frame = pq.read_table(result.path).to_pandas().set_index("row_id")
    assert frame.loc["1", "prototype_version"] == 3
    assert pd.isna(frame.loc["2", "prototype_version"])


def test_an_older_database_opens_and_its_rows_have_an_unknown_version(tmp_path):
    with Database(tmp_path / "feedback.db") as db:
        migrations.apply(db, stop_before="m005_add_prototype_version")
        db.execute(
            "INSERT INTO verdicts (sprint, prototype, row_id, created_by, created_at)"
            " VALUES ('S1', 'gbm', '4711', 'ana', '2025-01-01T00:00:00.000000+00:00')"
        )
        db.execute(
            "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict, comment,"
            " tags, recorded_at) VALUES (1, 1, 'ana', 'correct', 'old', '[]',"
            " '2025-01-01T00:00:00.000000+00:00')"
        )
    store = feedback_store.open(tmp_path)
    old = store.verdicts().iloc[0]
    assert old["comment"] == "old" and pd.isna(old["prototype_version"])
    record(store, row_id="4711", verdict="correct", corrected_label=None, prototype_version=5)
    assert store.history(1)["prototype_version"].tolist()[1] == 5


def test_a_verdict_without_its_prediction_borrows_none_from_another_version(store):
    """Version 1 showed 0 and version 2 shows 1: eve's 'correct' on version 2, recorded
    without the prediction, took version 1's 0 as its label (agreement 1.0 on the wrong one)."""
    record(store, reviewer="ana", verdict="correct", corrected_label=None,
           prediction={"label": "0"}, prototype_version=1, task="binary")  # fmt: skip
    record(store, reviewer="eve", verdict="correct", corrected_label=None, prediction=None,
           prototype_version=2, task="binary")  # fmt: skip
    labels = feedback_store.reviewer_labels(store).set_index("reviewer")["label"]
    # unknown ("as predicted, prediction not recorded"), not version 1's 0
    assert labels["ana"] == "0" and labels["eve"] == "(as predicted, prediction not recorded)"
    record(store, reviewer="bo", verdict="correct", corrected_label=None,
           prediction={"label": "1"}, prototype_version=2, task="binary")  # fmt: skip
    labels = feedback_store.reviewer_labels(store).set_index("reviewer")["label"]
    assert labels.to_dict() == {"ana": "0", "eve": "1", "bo": "1"}  # eve's from version 2
