"""What SMEs and managers read names classes and cases in words, not codes or module names."""

from model.review_reasons import reason_sentences
from ui import formatting, review_card

NAMED = {
    "task": "binary",
    "classes": ["0", "1"],
    "positive_class": "1",
    "target": "Machine failure",
    "class_names": {"0": "No failure", "1": "Failure"},
}
UNNAMED = {key: value for key, value in NAMED.items() if key != "class_names"}


def test_a_class_is_named_as_the_card_names_the_prediction():
    assert formatting.class_in_words("0", NAMED) == "No failure"
    assert formatting.class_in_words("1", UNNAMED) == "Machine failure"
    assert formatting.class_in_words("0", UNNAMED) == "No machine failure"
    assert formatting.class_in_words("b", {"task": "multiclass", "classes": ["a", "b"]}) == "b"
    for label in ("0", "1"):
        assert formatting.prediction_in_words(label, None, NAMED).startswith(
            formatting.class_in_words(label, NAMED)
        )


def test_my_verdict_names_the_right_label():
    verdict = {"verdict": "wrong", "corrected_label": "0", "version": 2,
               "recorded_at": "2026-12-05T10:41:00+00:00"}  # fmt: skip
    assert review_card.verdict_summary(verdict, NAMED) == (
        "Your verdict: wrong, right label No failure (version 2, 2026-12-05 10:41)"
    )
    regression = {"task": "regression", "target": "Tool wear [min]"}
    assert review_card.verdict_summary(verdict | {"corrected_label": "12.5"}, regression) == (
        "Your verdict: wrong, right value 12.5 min (version 2, 2026-12-05 10:41)"
    )


def test_earlier_verdicts_name_their_right_label():
    earlier = [
        {"prototype_version": None, "verdict": "correct", "corrected_label": None},
        {"prototype_version": 2, "verdict": "wrong", "corrected_label": "1"},
    ]
    assert review_card.earlier_text(earlier, NAMED) == (
        "Your verdicts on other versions of this prototype (other predictions): before"
        " versions were recorded: correct; on version 2: wrong (should be Failure). None yet"
        " on this version."
    )


def test_a_right_label_that_is_the_prediction_is_refused_in_words():
    assert review_card.label_is_prediction_text("0", NAMED) == (
        "“No failure” is what the model predicted: choose Correct, or the label it should have"
        " predicted under “Right label”."
    )
    assert review_card.label_is_prediction_text("12.5", {"task": "regression"}) == (
        "“12.5” is what the model predicted: choose Correct, or the value it should have"
        " predicted under “Right value”."
    )


def test_the_follow_up_table_names_classes_then_and_now():
    import pandas as pd

    from ui import followup_table

    frame = pd.DataFrame(
        {"sprint": ["Sprint 1"], "prototype": ["rule"], "row_id": ["7"], "source": ["demo"],
         "flagged": [True], "status": ["fixed"], "corrected_label": ["0"],
         "old_prediction": ["1"], "new_prediction": ["0"], "trained_on": [False],
         "reviewers": [["ana"]]}
    )  # fmt: skip
    names = {("Sprint 1", "rule"): {"0": "No failure", "1": "Failure"}}
    table = followup_table.followup_table(frame, names, {"0": "No trouble", "1": "Trouble"})
    assert table[["Reviewers' label", "Then → now"]].values.tolist() == [
        ["No failure", "Failure → No trouble"]
    ]
    assert followup_table.followup_table(frame)["Then → now"].tolist() == ["1 → 0"]
    own = frame.assign(row_id=["own:5255f68276c5"], source=["own"])
    cases = {"own:5255f68276c5": "own case, 5 Dec 10:41"}
    assert followup_table.followup_table(own, cases=cases)["Row"].tolist() == [
        "own case, 5 Dec 10:41"
    ]


def test_conflicts_name_each_class_beside_its_code():
    import pandas as pd

    from ui import verdict_tables

    frame = pd.DataFrame(
        {"sprint": ["S", "S"], "prototype": ["p", "p"], "row_id": ["7", "7"],
         "shown": ["0", "0"], "reviewer": ["ana", "bo"], "verdict": ["wrong", "unsure"],
         "label": ["1", "unsure"], "comment": [None, "?"]}
    )  # fmt: skip
    table = verdict_tables.conflicts_table(frame, {("S", "p"): {"0": "No failure", "1": "1"}})
    assert table["Shown"].tolist() == ["No failure (0)"] * 2
    assert table["Their label"].tolist() == ["1", "unsure"]  # a class without a name: its code


def test_rows_left_out_of_the_training_export_say_what_to_do_on_the_page():
    from ui import verdict_tables

    majority = verdict_tables.unresolved_text(1, "majority")
    assert majority.startswith("1 reviewed row was left out of the export because reviewers")
    assert "the Agreement tab lists disagreements under “Conflicts”" in majority
    assert "“The lead reviewer decides”" in majority
    lead = verdict_tables.unresolved_text(3, "lead")
    assert lead.startswith("3 reviewed rows were left out of the export: the lead reviewer")
    assert "judge them on SME review" in lead
    assert not any("feedback_store" in text for text in (majority, lead))


def test_own_cases_are_named_by_when_they_were_first_judged(tmp_path):
    import feedback_store
    from ui import verdict_tables

    store = feedback_store.open(tmp_path)
    cases = [{"Torque [Nm]": 40.0 + i} for i in range(3)]
    ids = [feedback_store.own_case_id(features) for features in cases]
    for reviewer, features in (("ana", cases[1]), ("ana", cases[0]), ("bo", cases[1])):
        row_id = feedback_store.own_case_id(features)
        store.record(sprint="S", prototype="p", row_id=row_id, reviewer=reviewer,
                     verdict="correct", source="own", features=features)  # fmt: skip
    first = store.own_cases()
    assert list(first) == [ids[1], ids[0]]  # oldest first; ids[2] was never judged
    names = verdict_tables.own_case_names(
        {ids[1]: "2026-12-05T10:41:07+00:00", ids[0]: "2026-12-05T10:41:50+00:00"}
    )
    assert names == {ids[1]: "own case, 5 Dec 10:41", ids[0]: "own case, 5 Dec 10:41 (2)"}
    assert verdict_tables.row_text(ids[1], names) == "own case, 5 Dec 10:41"
    assert verdict_tables.row_text(ids[2], names) == "own case"
    assert verdict_tables.row_text("4711", names) == "4711"


def test_a_regression_s_values_read_as_the_pages_write_numbers():
    """The follow-up table showed "4.916e+05" and "3.2248e+05 → 4.2492e+05"; SME review's
    reasons "lower by 32697"; Present "actually: 612100.0"."""
    from model.review_reasons import _number
    from ui.followup_table import _label_text
    from ui.sections.present_steps import _actual_text

    assert _label_text("491600.0", None) == "491,600"
    assert _label_text(322480.25, None) == "322,480"
    assert _label_text("1", {"1": "Failure"}) == "Failure"
    assert _number(32697.4) == "32,697" and _number(-1500.0) == "-1,500"
    assert _number(0.28089) == "0.281"
    assert _actual_text({"task": "regression"}, 612100.0) == "612,100"


def test_words_nearly_as_large_pushing_against_the_reading_are_said_too():
    """+2.4% "because Note has the words cabinet, near and sparks", +31 points together, said
    nothing of "no issues found", -28."""
    words = [("cabinet", 0.106), ("near", 0.100), ("sparks", 0.100), ("found", -0.096),
             ("no", -0.094), ("issues", -0.093), ("the", 0.001)]  # fmt: skip
    explanation = {
        "contributions": {"Note": 0.024},
        "feature_values": {"Note": "sparks near the cabinet, no issues found"},
        "explained_class": "1",
        "words": [{"column": "Note", "word": w, "contribution": c} for w, c in words],
    }
    (sentence,) = reason_sentences(explanation, {}, "binary", "1")
    assert "Note has the words “cabinet”, “near” and “sparks”, despite “found”, “no” and " \
        "“issues” (+2.4%)" in sentence  # fmt: skip
