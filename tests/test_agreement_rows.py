"""Agreement beyond chance is computed on every row several reviewers judged.

Trial L: 10 rows judged by two reviewers who agreed, 3 rows where a third dissented. Fleiss'
κ kept only the rows with the usual number of reviewers (2), so the page said "same answer on
10 (77%); Fleiss' κ = 1.00 (almost perfect agreement beyond chance)" and never said 3 rows were
left out. Rows with different numbers of reviewers now take Krippendorff's α (nominal), which
allows that, on all the rows, and the sentence says how many.
"""

import math

import pytest

import feedback_store
from feedback_store.agreement import krippendorff_alpha
from ui.verdict_tables import agreement_table


@pytest.fixture
def store(tmp_path):
    return feedback_store.open(tmp_path)


def vote(store, row, reviewer: str, label: str) -> None:
    """A verdict on a binary row whose prediction shown was "0"."""
    store.record(
        sprint="S", prototype="m", row_id=str(row), reviewer=reviewer,
        verdict="correct" if label == "0" else "wrong",
        corrected_label=None if label == "0" else label,
        prediction={"label": "0"}, task="binary",
    )  # fmt: skip


def trial_rows(store) -> None:
    """The trial's 13 rows: 10 with two agreeing reviewers, 3 with a third who dissents."""
    for r in range(10):
        for reviewer in (["ana", "bo", "chen"][r % 3], ["bo", "chen", "ana"][r % 3]):
            vote(store, r, reviewer, "1" if r % 2 else "0")
    for r in range(10, 13):
        vote(store, r, "ana", "1")
        vote(store, r, "bo", "1")
        vote(store, r, "chen", "0")


# -- Krippendorff's α ----------------------------------------------------------------------------
def table(*observers: list) -> list[list[int]]:
    """Counts per unit and value from observers' ratings (None: not rated)."""
    values = sorted({v for ratings in observers for v in ratings if v is not None})
    units = range(len(observers[0]))
    return [[sum(o[u] == v for o in observers) for v in values] for u in units]


def test_krippendorff_alpha_matches_krippendorffs_worked_example_with_missing_ratings():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", nominal data, four
    # observers, 12 units, some unrated: α = 0.743. Unit 12 has one rating and adds nothing.
    n = None
    a = [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n]
    b = [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3]
    c = [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n]
    d = [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n]
    assert round(krippendorff_alpha(table(a, b, c, d)), 3) == 0.743


def test_krippendorff_alpha_matches_the_krippendorff_package_readme():
    n = None
    ratings = [
        [n, n, n, n, n, 3, 4, 1, 2, 1, 1, 3, 3, n, 3],
        [1, n, 2, 1, 3, 3, 4, 3, n, n, n, n, n, n, n],
        [n, n, 2, 1, 3, 4, 4, n, 2, 1, 1, 3, 3, n, 4],
    ]
    assert krippendorff_alpha(table(*ratings)) == pytest.approx(0.691358, abs=1e-6)


def test_krippendorff_alpha_of_the_trial_rows_worked_by_hand():
    # Rows agreeing add no disagreement; each (1, 1, 0) row adds (3² − 2² − 1²) / (3 − 1) = 2.
    # Totals: 13 zeros, 16 ones, n = 29: α = 1 − 28 · 6 / (29² − 13² − 16²) = 1 − 168/416.
    rows = [[2, 0]] * 5 + [[0, 2]] * 5 + [[1, 2]] * 3
    assert krippendorff_alpha(rows) == pytest.approx(1 - 168 / 416, rel=1e-12)


def test_krippendorff_alpha_is_nan_when_everyone_used_one_label():
    assert math.isnan(krippendorff_alpha([[2, 0], [3, 0]]))


# -- agreement ----------------------------------------------------------------------------------
def test_a_third_reviewers_dissent_counts_in_the_agreement_beyond_chance(store):
    trial_rows(store)
    result = feedback_store.agreement(store, sprint="S")
    assert result["method"] == "krippendorff"
    assert result["kappa"] == pytest.approx(1 - 168 / 416)
    assert (result["rows"], result["kappa_rows"], result["rows_left_out"]) == (13, 13, 0)
    assert result["sentence"] == (
        "On the 13 rows reviewed by more than one person, reviewers gave the same answer on 10"
        " (77%); moderate agreement beyond chance (Krippendorff's α = 0.60 on all 13 rows, a"
        " measure that allows a different number of reviewers on each row)."
    )


def test_fleiss_kappa_says_it_is_on_every_row_and_how_many_reviewers_each_had(store):
    for r in range(12):
        for reviewer in ("ana", "bo", "chen"):
            vote(store, r, reviewer, "1" if r % 2 else "0")
    vote(store, 11, "ana", "0")  # ana changes her mind on the last row
    result = feedback_store.agreement(store, sprint="S")
    assert (result["method"], result["kappa_rows"], result["rows_left_out"]) == ("fleiss", 12, 0)
    assert result["sentence"].endswith(
        f"(Fleiss' κ = {result['kappa']:.2f} on all 12 rows, 3 reviewers on each)."
    )


def test_the_agreement_table_names_the_measure_behind_the_figure(store):
    trial_rows(store)
    shown = agreement_table({"S": feedback_store.agreement(store, sprint="S")}).iloc[0]
    assert shown["Same answer"] == "77%"
    assert (shown["Beyond chance"], shown["Strength"]) == ("0.60", "moderate")
    assert shown["Measured by"] == "Krippendorff's α"
