"""Recording, editing, withdrawing and reading verdicts."""

import pytest

import feedback_store
from feedback_store import InvalidVerdict


@pytest.fixture
def store(tmp_path):
    return feedback_store.open(tmp_path / "workspace")


def record(store, **overrides):
    fields = dict(sprint="Sprint 2", prototype="gbm", row_id="4711", reviewer="ana")
    fields.update(verdict="wrong", corrected_label="1")
    return store.record(**(fields | overrides))


def test_open_creates_the_workspace_folder_and_feedback_db(tmp_path):
    feedback_store.open(tmp_path / "new" / "ws")
    assert (tmp_path / "new" / "ws" / "feedback.db").is_file()


def test_open_without_create_refuses_a_missing_folder_and_creates_nothing(tmp_path):
    with pytest.raises(FileNotFoundError, match="workspace folder not found"):
        feedback_store.open(tmp_path / "missing", create=False)
    assert not (tmp_path / "missing").exists()


def test_record_then_verdicts_returns_what_was_recorded(store):
    vid = record(store, comment="bearing noise", tags=["sensor", "sensor", "noise"], task="binary")
    row = store.verdicts().iloc[0]
    assert row["verdict_id"] == vid
    assert (row["sprint"], row["prototype"], row["row_id"], row["reviewer"]) == (
        "Sprint 2", "gbm", "4711", "ana",
    )  # fmt: skip
    assert (row["verdict"], row["corrected_label"], row["comment"]) == (
        "wrong",
        "1",
        "bearing noise",
    )
    assert row["tags"] == ["sensor", "noise"]
    assert row["task"] == "binary"
    assert row["version"] == 1


def test_a_name_typed_in_another_case_or_spacing_finds_the_recorded_spelling(store):
    assert store.known_reviewer("ana") is None
    record(store, reviewer="Ana  Lima")
    record(store, reviewer="ana lima", row_id="4712")  # recorded later: not the one returned
    store.dispute(
        sprint="Sprint 2", prototype="gbm", row_id="4711", reviewer="Bo",
        feature="Torque [Nm]", kind="too strong", shap_value=0.2,
    )  # fmt: skip
    assert store.known_reviewer(" ANA lima ") == "Ana  Lima"
    assert store.known_reviewer("bo") == "Bo"  # disputes only
    assert store.known_reviewer("ana") is None and store.known_reviewer("  ") is None


def test_record_strips_whitespace_from_names(store):
    record(store, sprint="  Sprint 2 ", reviewer=" ana\n")
    assert store.verdicts().iloc[0][["sprint", "reviewer"]].tolist() == ["Sprint 2", "ana"]


def test_record_keeps_feature_and_prediction_snapshots(store):
    features = {"Type": "L", "Torque [Nm]": 65.2}
    prediction = {"label": "0", "confidence": 0.83, "probabilities": {"0": 0.83, "1": 0.17}}
    record(store, features=features, prediction=prediction)
    row = store.verdicts().iloc[0]
    assert row["features"] == features
    assert row["prediction"] == prediction


def test_numpy_values_in_snapshots_are_stored_as_plain_numbers(store):
    np = pytest.importorskip("numpy")
    record(store, features={"a": np.int64(3), "b": np.float64("nan"), "c": np.bool_(True)})
    assert store.verdicts().iloc[0]["features"] == {"a": 3, "b": None, "c": True}


def test_dates_and_durations_in_snapshots_are_stored_as_text(store):
    """A frame's datetime and timedelta columns, which a pipeline may drop: a Timedelta was
    refused ("snapshots hold numbers, …"), so no verdict could be recorded on such a model,
    and a NumPy datetime64's .item() is nanoseconds since 1970, not a date."""
    np = pytest.importorskip("numpy")
    import pandas as pd

    features = {
        "recorded": pd.Timestamp("2026-01-01 01:00"),
        "runtime": pd.Timedelta(minutes=90),
        "raw runtime": np.timedelta64(90, "m"),
        "raw time": np.datetime64("2026-01-01T01:00:00.000000000"),
        "missing time": pd.NaT,
    }
    record(store, features=features)
    assert store.verdicts().iloc[0]["features"] == {
        "recorded": "2026-01-01T01:00:00",
        "runtime": "0 days 01:30:00",
        "raw runtime": "0 days 01:30:00",
        "raw time": "2026-01-01T01:00:00",
        "missing time": None,
    }


def test_wrong_without_corrected_label_is_rejected(store):
    with pytest.raises(InvalidVerdict, match="needs corrected_label"):
        record(store, corrected_label=None)
    assert store.verdicts().empty


def test_correct_with_a_corrected_label_is_rejected(store):
    with pytest.raises(InvalidVerdict, match="only for 'wrong' or 'unsure'"):
        record(store, verdict="correct", corrected_label="1")


def test_unknown_verdict_is_rejected_with_the_allowed_values(store):
    with pytest.raises(InvalidVerdict, match="correct, wrong, unsure"):
        record(store, verdict="maybe")


def test_regression_corrected_label_must_be_a_finite_number(store):
    for bad in ("twelve", "12,5", "nan", "inf"):
        with pytest.raises(InvalidVerdict, match="must be a number"):
            record(store, task="regression", corrected_label=bad)
    record(store, task="regression", corrected_label=" 12.5 ")
    assert store.verdicts().iloc[0]["corrected_label"] == "12.5"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("reviewer", "", "reviewer is empty"),
        ("reviewer", "   ", "reviewer is empty"),
        ("reviewer", None, "reviewer is required"),
        ("sprint", "x" * 101, "limit is 100"),
        ("prototype", "gbm\x00", "control character"),
        ("row_id", "", "row_id is empty"),
        ("comment", "x" * 10_001, "limit is 10000"),
        ("comment", "bell\x07", "control character"),
        ("tags", "sensor", "list of strings"),
        ("tags", ["ok", ""], "must not be empty"),
        ("tags", ["x" * 41], "limit is 40"),
        ("tags", ["a;b"], "separates tags"),
        ("task", "clustering", "task must be one of"),
        ("features", [1, 2], "features must be a dict"),
        ("features", {"when": object()}, "feature 'when' is a object"),
    ],
)
def test_invalid_input_is_rejected_with_a_message_naming_the_problem(store, field, value, message):
    with pytest.raises(InvalidVerdict, match=message):
        record(store, **{field: value})
    assert store.verdicts().empty


def test_invalid_verdict_is_a_value_error():
    assert issubclass(InvalidVerdict, ValueError)


def test_multiline_comments_are_allowed(store):
    record(store, comment="line one\nline two\ttabbed")
    assert store.verdicts().iloc[0]["comment"] == "line one\nline two\ttabbed"


def test_same_key_twice_returns_the_same_id_and_stores_one_version(store):
    first = record(store, key="click-1")
    second = record(store, key="click-1", comment="rerun")
    assert first == second
    assert len(store.history(first)) == 1


def test_a_key_reused_on_another_row_is_rejected(store):
    record(store, key="click-1")
    with pytest.raises(InvalidVerdict, match="already used"):
        record(store, row_id="9999", key="click-1")


def test_edit_appends_a_version_and_history_shows_both_in_order(store):
    vid = record(store, comment="first")
    store.edit(vid, reviewer="ana", verdict="unsure", comment="second")
    history = store.history(vid)
    assert history["version"].tolist() == [1, 2]
    assert history["comment"].tolist() == ["first", "second"]
    assert history["verdict"].tolist() == ["wrong", "unsure"]
    assert history["recorded_at"].is_monotonic_increasing
    assert store.verdicts().iloc[0]["comment"] == "second"


def test_edit_keeps_fields_that_are_not_given(store):
    vid = record(store, comment="keep me", tags=["sensor"], features={"a": 1}, task="binary")
    store.edit(vid, reviewer="ana", corrected_label="2")
    row = store.verdicts().iloc[0]
    assert (row["corrected_label"], row["comment"], row["tags"]) == ("2", "keep me", ["sensor"])
    assert (row["features"], row["task"]) == ({"a": 1}, "binary")


def test_edit_to_correct_drops_the_corrected_label(store):
    vid = record(store)
    store.edit(vid, reviewer="ana", verdict="correct")
    assert store.verdicts().iloc[0]["corrected_label"] is None


def test_edit_with_the_same_key_twice_appends_one_version(store):
    vid = record(store)
    first = store.edit(vid, reviewer="ana", comment="fixed", key="edit-1")
    assert store.edit(vid, reviewer="ana", comment="fixed", key="edit-1") == first
    assert len(store.history(vid)) == 2


def test_edit_by_another_reviewer_is_rejected(store):
    vid = record(store)
    with pytest.raises(InvalidVerdict, match="belongs to 'ana'"):
        store.edit(vid, reviewer="bob", comment="mine now")


def test_edit_of_an_unknown_verdict_is_rejected(store):
    with pytest.raises(InvalidVerdict, match="no verdict with id 42"):
        store.edit(42, reviewer="ana", comment="?")


def test_withdraw_hides_the_verdict_but_history_keeps_it(store):
    vid = record(store, comment="oops")
    store.withdraw(vid, reviewer="ana")
    assert store.verdicts().empty
    assert store.verdicts(include_withdrawn=True).iloc[0]["verdict"] == "withdrawn"
    assert store.history(vid)["verdict"].tolist() == ["wrong", "withdrawn"]
    assert store.history(vid)["comment"].iloc[0] == "oops"


def test_withdraw_with_the_same_key_twice_appends_one_version(store):
    vid = record(store)
    assert store.withdraw(vid, reviewer="ana", key="w") == store.withdraw(
        vid, reviewer="ana", key="w"
    )
    assert len(store.history(vid)) == 2


def test_editing_a_withdrawn_verdict_restores_it(store):
    vid = record(store, comment="back")
    store.withdraw(vid, reviewer="ana")
    store.edit(vid, reviewer="ana", tags=["again"])
    row = store.verdicts().iloc[0]
    assert (row["verdict"], row["comment"], row["tags"], row["version"]) == (
        "wrong", "back", ["again"], 3,
    )  # fmt: skip


def test_a_reviewer_recording_again_on_the_same_row_adds_a_version_not_a_thread(store):
    first = record(store, verdict="unsure", corrected_label=None)
    second = record(store, verdict="wrong", corrected_label="1")
    assert first == second
    assert len(store.verdicts()) == 1
    assert store.history(first)["verdict"].tolist() == ["unsure", "wrong"]


def test_two_reviewers_on_one_row_make_two_threads(store):
    ana = record(store, reviewer="ana")
    bob = record(store, reviewer="bob", verdict="correct", corrected_label=None)
    assert ana != bob
    assert sorted(store.verdicts()["reviewer"]) == ["ana", "bob"]


def test_verdicts_filters_by_sprint_prototype_and_reviewer(store):
    record(store, sprint="S1", prototype="gbm", reviewer="ana")
    record(store, sprint="S1", prototype="rules", reviewer="bob")
    record(store, sprint="S2", prototype="gbm", reviewer="ana")
    assert len(store.verdicts(sprint="S1")) == 2
    assert store.verdicts(sprint="S1", prototype="rules")["reviewer"].tolist() == ["bob"]
    assert store.verdicts(reviewer="ana")["sprint"].tolist() == ["S1", "S2"]
    assert store.verdicts(sprint="S3").empty


def test_counts_current_verdicts_and_distinct_reviewers(store):
    record(store, row_id="1", reviewer="ana")
    record(store, row_id="2", reviewer="ana", verdict="correct", corrected_label=None)
    record(store, row_id="1", reviewer="bob", verdict="unsure", corrected_label=None)
    withdrawn = record(store, row_id="3", reviewer="cy")
    store.withdraw(withdrawn, reviewer="cy")
    record(store, sprint="other", row_id="1", reviewer="dee")
    assert store.counts(sprint="Sprint 2") == {
        "correct": 1, "wrong": 1, "unsure": 1, "total": 3, "reviewers": 2,
    }  # fmt: skip
    assert store.counts()["total"] == 4


def test_reviewed_row_ids_lists_current_verdicts_for_one_prototype(store):
    record(store, row_id="1", reviewer="ana")
    record(store, row_id="2", reviewer="bob")
    record(store, row_id="3", prototype="rules", reviewer="ana")
    gone = record(store, row_id="4", reviewer="ana")
    store.withdraw(gone, reviewer="ana")
    assert store.reviewed_row_ids("Sprint 2", "gbm") == {"1", "2"}
    assert store.reviewed_row_ids("Sprint 2", "gbm", reviewer="ana") == {"1"}


def test_history_accepts_numpy_ids_from_a_dataframe(store):
    record(store)
    assert len(store.history(store.verdicts()["verdict_id"].iloc[0])) == 1


def test_verdicts_survive_reopening_the_store(tmp_path):
    vid = record(feedback_store.open(tmp_path), comment="still here")
    reopened = feedback_store.open(tmp_path)
    assert reopened.verdicts().set_index("verdict_id").loc[vid, "comment"] == "still here"


def test_user_text_is_data_not_sql(store):
    nasty = "x'); DROP TABLE verdicts; --"
    record(store, reviewer=nasty, comment=nasty)
    assert store.verdicts(reviewer=nasty)["comment"].tolist() == [nasty]


def test_stored_versions_cannot_be_updated_or_deleted(store):
    import sqlite3

    record(store)
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE verdict_versions SET comment = 'rewritten'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM verdicts")
    conn.close()


def test_the_database_uses_wal_and_records_applied_migrations(store):
    import sqlite3

    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    names = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY id")]
    assert names == [
        "m001_create_verdicts", "m002_add_snapshots", "m003_add_verdict_source",
        "m004_create_disputes", "m005_add_prototype_version",
    ]  # fmt: skip
    conn.close()


def _stamp_by_reading_every_verdict(store):
    current = store.verdicts(include_withdrawn=True)
    return len(current), int(current["version_id"].max()) if len(current) else 0


def test_stamp_changes_with_each_record_edit_and_withdrawal_only(store):
    stamps = [store.stamp()]
    assert stamps[0] == (0, 0)
    vid = record(store)
    stamps.append(store.stamp())
    record(store, reviewer="bo", verdict="correct", corrected_label=None)
    stamps.append(store.stamp())
    store.edit(vid, reviewer="ana", comment="power below 3.5 kW")
    stamps.append(store.stamp())
    store.withdraw(vid, reviewer="ana")
    stamps.append(store.stamp())
    assert len(set(stamps)) == len(stamps)
    assert stamps[-1] == _stamp_by_reading_every_verdict(store) == (2, 4)

    store.verdicts()
    store.history(vid)
    store.counts()
    store.withdraw(vid, reviewer="ana")  # already withdrawn: writes nothing
    record(store, reviewer="bo", verdict="correct", corrected_label=None, key="k1")
    assert store.stamp() != stamps[-1]
    after_record = store.stamp()
    record(store, reviewer="bo", verdict="correct", corrected_label=None, key="k1")  # same key
    store.dispute(sprint="Sprint 2", prototype="gbm", row_id="4711", reviewer="ana",
                  feature="Torque [Nm]", kind="too strong", shap_value=0.2)  # fmt: skip
    assert store.stamp() == after_record == _stamp_by_reading_every_verdict(store)


def test_tags_are_those_of_current_verdicts_sorted_without_regard_to_case(store):
    from ui.verdict_tables import existing_tags

    assert store.tags() == []
    first = record(store, tags=["sensor", "Drift"])
    second = record(store, row_id="2", reviewer="bo", tags=["drift", "überhitzt 🔥"])
    third = record(store, row_id="3", tags=["only here"])
    record(store, row_id="4", tags=[])
    store.edit(first, reviewer="ana", tags=["sensor"])  # "Drift" is no longer current
    store.withdraw(third, reviewer="ana")  # nor is "only here"
    assert store.tags() == ["drift", "sensor", "überhitzt 🔥"]
    assert store.tags() == existing_tags(store.verdicts())
    store.edit(second, reviewer="bo", tags=[])
    assert store.tags() == ["sensor"] == existing_tags(store.verdicts())
