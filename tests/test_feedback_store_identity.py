"""Who a verdict belongs to, and what a verdict may say: e-mails case-folded, no "wrong"
that names the prediction shown, row ids as long as publishing allows."""

import sqlite3

import pytest

import feedback_store
from feedback_store import InvalidVerdict
from feedback_store.validation import LabelIsPrediction


@pytest.fixture
def store(tmp_path):
    return feedback_store.open(tmp_path / "ws")


def record(store, reviewer, verdict="correct", row_id="1", **extra):
    return store.record(sprint="S1", prototype="gbm", row_id=row_id, reviewer=reviewer,
                        verdict=verdict, **extra)  # fmt: skip


def test_an_email_in_another_case_is_the_same_reviewer_with_one_current_verdict(store):
    first = record(store, "Ana@Plant.Example")
    second = record(store, "ana@plant.example", "wrong", corrected_label="1",
                    prediction={"label": "0"})  # fmt: skip
    assert first == second
    current = store.verdicts()
    assert current[["reviewer", "verdict"]].values.tolist() == [["ana@plant.example", "wrong"]]
    assert store.counts()["reviewers"] == 1
    assert store.reviewed_row_ids("S1", "gbm", "ANA@plant.example") == {"1"}
    store.edit(first, reviewer="ANA@PLANT.EXAMPLE", comment="mine")  # the owner, in any case


def test_names_that_are_not_emails_keep_their_case(store):
    record(store, "Ana")
    record(store, "ana")
    assert sorted(store.verdicts()["reviewer"]) == ["Ana", "ana"]


def test_two_threads_stored_before_folding_show_one_current_verdict_the_newest(store):
    record(store, "bo@plant.example", row_id="2")
    # Two spellings of one e-mail, each with a verdict of its own, as older versions stored.
    connection = sqlite3.connect(store.path, isolation_level=None)
    for number, (name, verdict) in enumerate(
        [("Ana@plant.example", "correct"), ("ana@PLANT.example", "unsure")], start=10
    ):
        thread = connection.execute(
            "INSERT INTO verdicts (sprint, prototype, row_id, created_by, created_at)"
            " VALUES ('S1', 'gbm', '1', ?, '2025-01-01T00:00:00+00:00')",
            [name],
        ).lastrowid
        connection.execute(
            "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict, comment, tags,"
            f" recorded_at) VALUES (?, 1, ?, ?, '', '[]', '2025-01-01T00:00:{number}+00:00')",
            [thread, name, verdict],
        )
    connection.close()
    current = store.verdicts()
    assert current[["row_id", "reviewer", "verdict"]].values.tolist() == [
        ["2", "bo@plant.example", "correct"], ["1", "ana@plant.example", "unsure"],
    ]  # fmt: skip
    # A new verdict joins the thread written last; the older one stays superseded.
    vid = record(store, "ana@plant.example", "wrong", corrected_label="1",
                 prediction={"label": "0"})  # fmt: skip
    assert store.history(vid)["verdict"].tolist() == ["unsure", "wrong"]
    assert store.verdicts(reviewer="ANA@plant.example")["verdict"].tolist() == ["wrong"]
    assert len(store.row_history("S1", "gbm", "1", "ana@plant.example")) == 3


def test_a_dispute_by_an_email_is_stored_case_folded(store):
    store.dispute(sprint="S1", prototype="gbm", row_id="1", reviewer="Ana@Plant.Example",
                  feature="Torque", kind="too strong", shap_value=0.2)  # fmt: skip
    assert store.disputes()["reviewer"].tolist() == ["ana@plant.example"]


@pytest.mark.parametrize(
    ("shown", "label", "task"),
    [
        ("1", "1", "binary"),
        (1, "1", None),
        ("1.0", "1", "multiclass"),
        ("12.5", "12.5", "regression"),
    ],
)
def test_wrong_with_the_label_that_was_shown_is_refused_in_one_line(store, shown, label, task):
    with pytest.raises(InvalidVerdict, match="is what the model predicted") as error:
        record(store, "ana", "wrong", corrected_label=label, task=task,
               prediction={"label": shown})  # fmt: skip
    assert "\n" not in str(error.value)
    # a page names the class in its words from the label (the SME review's "No failure")
    assert isinstance(error.value, LabelIsPrediction) and error.value.label == label
    assert store.verdicts(include_withdrawn=True).empty


def test_an_edit_to_wrong_with_the_label_shown_is_refused(store):
    vid = record(store, "ana", prediction={"label": "1"})
    with pytest.raises(InvalidVerdict, match="is what the model predicted"):
        store.edit(vid, reviewer="ana", verdict="wrong", corrected_label="1")
    assert store.history(vid)["verdict"].tolist() == ["correct"]
    store.edit(vid, reviewer="ana", verdict="wrong", corrected_label="0")


def test_row_ids_have_the_limit_publishing_has_and_a_longer_one_is_one_line(store):
    assert feedback_store.ROW_ID_MAX == 200
    record(store, "ana", row_id="9" * 200)
    with pytest.raises(InvalidVerdict, match="the limit is 200") as error:
        record(store, "ana", row_id="9" * 201)
    assert "\n" not in str(error.value)
    assert store.reviewed_row_ids("S1", "gbm") == {"9" * 200}


@pytest.mark.parametrize("field", ["sprint", "prototype"])
@pytest.mark.parametrize("name", ["../../../etc", "a/b", ".hidden"])
def test_a_verdict_or_dispute_on_a_name_publishing_refuses_is_refused(store, field, name):
    """restore refused a sprint '../../../etc' (7fc4d2d) that record() itself still wrote."""
    where = {"sprint": "Sprint 1", "prototype": "rf", field: name}
    with pytest.raises(InvalidVerdict, match=f"^{field} "):
        store.record(**where, row_id="1", reviewer="ana", verdict="correct")
    with pytest.raises(InvalidVerdict, match=f"^{field} "):
        store.dispute(**where, row_id="1", reviewer="ana", feature="a", kind="too strong",
                      shap_value=0.1)  # fmt: skip
    assert store.verdicts(include_withdrawn=True).empty


def test_a_name_in_two_unicode_forms_is_one_prototype_s_verdicts(store):
    composed, decomposed = "caf\u00e9", "cafe\u0301"
    store.record(sprint="S1", prototype=decomposed, row_id="1", reviewer="ana", verdict="correct")
    assert store.verdicts(prototype=composed)["prototype"].tolist() == [composed]
