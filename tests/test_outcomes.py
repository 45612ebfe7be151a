"""Outcomes in counts and words: caught, missed, false alarms; per class; typical error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import model
from model.outcomes import (
    BinaryOutcome,
    binary_cells,
    binary_outcome,
    class_name,
    confusion_table,
    decided_labels,
    multiclass_outcome,
    outcome,
    outcome_sentence,
    outcome_sentences,
    prototype_outcome,
    regression_outcome,
)

NAMES = {"1": "Failure", "0": "No failure"}


def _issue_example() -> BinaryOutcome:
    actual = ["1"] * 68 + ["0"] * 1932
    decided = ["1"] * 50 + ["0"] * 18 + ["1"] * 7 + ["0"] * 1925
    return binary_outcome(actual, decided, "1", "0")


def test_binary_counts_caught_missed_and_false_alarms():
    result = _issue_example()
    assert (result.caught, result.positives, result.missed) == (50, 68, 18)
    assert (result.false_alarms, result.negatives, result.correctly_cleared) == (7, 1932, 1925)
    assert result.flagged == 57 and result.n == 2000


def test_binary_sentence_uses_the_class_names_and_the_noun():
    assert outcome_sentence(_issue_example(), NAMES, "machines") == (
        "Caught 50 of 68 failures (74%); 7 false alarms among the 1,932 machines with no failure."
    )


def test_class_names_may_be_keyed_by_the_labels_themselves():
    assert class_name(1, {1: "Failure"}) == "Failure"
    assert class_name("1", {1: "Failure"}) == "Failure"
    assert class_name(1.0, {"1": "Failure"}) == "Failure"


def test_without_class_names_the_sentence_shows_the_labels():
    assert outcome_sentence(_issue_example(), None, "machines") == (
        "Caught 50 of 68 machines labelled 1 (74%); 7 false alarms among the 1,932 machines "
        "labelled 0."
    )


def test_names_of_several_words_are_quoted_and_one_alarm_is_singular():
    result = binary_outcome(["y", "y", "n"], ["y", "n", "y"], "y", "n")
    text = outcome_sentence(result, {"y": "Will churn", "n": "Loyal"}, "customers")
    assert text == (
        "Caught 1 of 2 customers labelled “Will churn” (50%); 1 false alarm among the 1 loyal "
        "customer."
    )


def test_a_name_that_reads_as_a_verb_is_quoted_not_made_plural():
    """ "Churns" and "Stays" became "70 churnses" and "220 stayses" on every page."""
    result = binary_outcome(["c", "c", "s"], ["c", "s", "c"], "c", "s")
    text = outcome_sentence(result, {"c": "Churns", "s": "Stays"}, "customers")
    assert text == (
        "Caught 1 of 2 customers labelled “Churns” (50%); 1 false alarm among the 1 customer "
        "labelled “Stays”."
    )
    from ui.formatting import positive_noun

    meta = {"positive_class": "c", "class_names": {"c": "Churns"}}
    assert positive_noun(meta) == "“Churns”"  # "a missed “Churns”", not "a missed churns"
    assert positive_noun({"positive_class": "c", "class_names": {"c": "Loss"}}) == "loss"


def test_one_of_a_noun_phrase_is_singular_in_its_head_noun():
    # Present said "1 other rows in the demo set wrongly called worn"
    result = multiclass_outcome(["new", "worn", "worn"], ["worn", "worn", "worn"], ["new", "worn"])
    sentences = outcome_sentences(result, None, "rows in the demo set")
    assert "1 other row in the demo set wrongly called worn." in sentences[-1]
    binary = binary_outcome(["y", "n"], ["y", "y"], "y", "n")
    text = outcome_sentence(binary, {"y": "Failure", "n": "Healthy"}, "rows in the demo set")
    assert text.endswith("1 false alarm among the 1 healthy row in the demo set.")
    for plural, one in [("machines", "machine"), ("boxes", "box"), ("batteries", "battery"),
                        ("glass", "glass"), ("demo rows", "demo row")]:  # fmt: skip
        assert model.outcomes._singular(plural) == one


def test_one_word_names_read_as_nouns_or_adjectives():
    result = binary_outcome(["f", "f", "h", "h"], ["f", "h", "f", "h"], "f", "h")
    assert outcome_sentence(result, {"f": "Defect", "h": "Healthy"}, "parts") == (
        "Caught 1 of 2 defects (50%); 1 false alarm among the 2 healthy parts."
    )


def test_a_set_without_positives_says_there_was_nothing_to_catch():
    result = binary_outcome(["0", "0", "0"], ["1", "0", "0"], "1", "0")
    assert outcome_sentence(result, NAMES, "machines") == (
        "No failures among these 3 machines to catch; 1 false alarm."
    )


def _frame() -> pd.DataFrame:
    scores = np.array([0.9, 0.7, 0.4, 0.35, 0.2, 0.05])
    return pd.DataFrame(
        {
            "predicted": np.where(scores >= 0.5, "1", "0"),
            "p:0": 1 - scores,
            "p:1": scores,
            "actual": ["1", "0", "1", "0", "0", "1"],
        }
    )


def test_a_threshold_flags_the_cases_whose_probability_reaches_it():
    frame = _frame()
    assert list(decided_labels(frame, "1", None)) == ["1", "1", "0", "0", "0", "0"]
    assert list(decided_labels(frame, "1", 0.3)) == ["1", "1", "1", "1", "0", "0"]
    result = outcome(frame, "binary", ["0", "1"], "1", threshold=0.3)
    assert (result.caught, result.positives, result.false_alarms) == (2, 3, 2)
    assert result.threshold == 0.3


def test_multiclass_counts_per_class_with_what_each_was_taken_for():
    result = multiclass_outcome(list("aabbbc"), list("abbbcc"), ["a", "b", "c"])
    a, b, c = result.classes
    assert (a.actual, a.recognised, a.mistaken_for, a.wrongly_called) == (2, 1, {"b": 1}, 0)
    assert (b.actual, b.recognised, b.mistaken_for, b.wrongly_called) == (3, 2, {"c": 1}, 1)
    assert (result.correct, result.n) == (4, 6)
    assert outcome_sentences(result, {"a": "Heat failure"}, "machines") == [
        "Right on 4 of 6 machines (67%).",
        "Heat failure: 1 of 2 recognised (50%), most often taken for b (1); "
        "no other machine was called Heat failure.",
        "b: 2 of 3 recognised (67%), most often taken for c (1); 1 other machine wrongly called b.",
        "c: 1 of 1 recognised (100%); 1 other machine wrongly called c.",
    ]


def test_a_slide_lists_the_classes_recognised_least_and_sums_up_the_others():
    # a: 1 of 4 (25%), b: 3 of 4 (75%), c: 2 of 4 (50%), d: 4 of 4, e: 7 of 8 (88%)
    actual = list("aaaabbbbccccddddeeeeeeee")
    decided = list("abbbbbbaccaaddddeeeeeeea")
    result = multiclass_outcome(actual, decided, list("abcde"))
    every = outcome_sentences(result)
    assert len(every) == 6 and outcome_sentences(result, most_classes=5) == every
    shown = outcome_sentences(result, most_classes=3)
    assert shown[0] == every[0]
    assert [s[:2] for s in shown[1:3]] == ["a:", "c:"]  # the two recognised least, in order
    assert shown[3] == "The other 3 classes: 75% to 100% recognised."
    two = outcome_sentences(result, most_classes=4)
    assert two[-1] == "The other 2 classes: 88% to 100% recognised."


def test_regression_says_the_typical_error_in_the_target_unit():
    # absolute errors 0.5, 0, 1, 1, 6: median 1, 90th percentile 4 (numpy's linear)
    result = regression_outcome([1, 2, 3, 4, 10], [1.5, 2, 2, 5, 4])
    assert result.median_abs_error == 1.0
    assert result.p90_abs_error == pytest.approx(4.0)
    assert outcome_sentence(result, noun="parcels", unit="kg") == (
        "Half the parcels are predicted to within 1 kg, 9 in 10 to within 4 kg. "
        "On average the predictions are 1.1 kg too low."
    )


def test_the_confusion_matrix_is_in_counts_with_words():
    table = confusion_table(list("aabbbc"), list("abbbcc"), ["a", "b", "c"], {"a": "Heat"})
    assert list(table.index) == ["Actually Heat", "Actually b", "Actually c"]
    assert list(table.columns) == ["Predicted Heat", "Predicted b", "Predicted c"]
    assert table.to_numpy().tolist() == [[1, 1, 0], [0, 2, 1], [0, 0, 1]]


@pytest.mark.parametrize("k", [12, 25, 130])
def test_the_confusion_matrix_of_many_classes_counts_every_cell(k):
    """pandas stores the codes of fewer than 128 classes in int8: from 12 classes on, the
    cell number row * k + column overflowed (the Sprint demo of 25 classes failed)."""
    classes = [f"class {i:03d}" for i in range(k)]
    actual = [classes[-1]] * 3 + [classes[0]] + classes
    decided = [classes[-2]] * 3 + [classes[-1]] + classes
    table = confusion_table(actual, decided, classes)
    assert table.to_numpy().sum() == len(actual)
    assert table.iloc[-1, -2] == 3 and table.iloc[0, -1] == 1
    assert table.iloc[-1, -1] == 1 and int(np.trace(table.to_numpy())) == k


def test_outcome_of_predictions_without_labels_is_refused_in_one_line():
    with pytest.raises(ValueError, match="without labels"):
        outcome(_frame().drop(columns="actual"), "binary", ["0", "1"], "1")


def test_a_published_prototype_counts_agree_with_its_stored_confusion_matrix(small_workspace):
    proto = model.open_workspace(small_workspace).prototype("Sprint 2", "random forest")
    result = prototype_outcome(proto)
    [[cleared, alarms], [missed, caught]] = proto.meta["confusion_matrix"]  # rows: 0, 1
    assert (result.caught, result.missed) == (caught, missed)
    assert (result.false_alarms, result.correctly_cleared) == (alarms, cleared)
    predictions = proto.predictions()
    table = confusion_table(predictions["actual"], predictions["predicted"], ["0", "1"], NAMES)
    assert table.to_numpy().tolist() == proto.meta["confusion_matrix"]
    assert list(table.index) == ["Actually No failure", "Actually Failure"]


def test_the_binary_cells_say_caught_missed_false_alarms_and_left_alone():
    cells = binary_cells(_issue_example(), NAMES, "machines")
    assert cells.to_dict("records") == [
        {"actual": "Failure", "decided": "Failure", "count": 50, "words": "failures caught"},
        {"actual": "Failure", "decided": "No failure", "count": 18, "words": "failures missed"},
        {"actual": "No failure", "decided": "Failure", "count": 7, "words": "false alarms"},
        {"actual": "No failure", "decided": "No failure", "count": 1925,
         "words": "machines with no failure left alone"},
    ]  # fmt: skip
