"""Agreement between reviewers (labels, κ, conflicts) and resolving one label per row."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

import feedback_store
from feedback_store import InvalidVerdict, cohen_kappa, fleiss_kappa
from feedback_store.agreement import krippendorff_alpha, strength

WIKIPEDIA_FLEISS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


@pytest.fixture
def store(tmp_path):
    return feedback_store.open(tmp_path)


def vote(store, row_id, reviewer, verdict, label=None, shown="0", **extra):
    """A verdict on a row whose prediction shown was ``shown`` (None: no snapshot)."""
    return store.record(
        sprint=extra.pop("sprint", "S2"), prototype=extra.pop("prototype", "gbm"),
        row_id=row_id, reviewer=reviewer, verdict=verdict, corrected_label=label,
        prediction=None if shown is None else {"label": shown, "confidence": 0.6},
        comment=extra.pop("comment", f"{reviewer} on {row_id}"), **extra,
    )  # fmt: skip


# -- κ ------------------------------------------------------------------------------------------
def test_cohen_kappa_matches_the_wikipedia_worked_example():
    # 50 items: both yes 20, A yes B no 5, A no B yes 10, both no 15.
    a = ["yes"] * 20 + ["yes"] * 5 + ["no"] * 10 + ["no"] * 15
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


@pytest.mark.parametrize("seed", range(5))
def test_cohen_kappa_matches_scikit_learn_on_random_labels(seed):
    rng = np.random.default_rng(seed)
    a = rng.choice(["0", "1", "2", "unsure"], size=40, p=[0.4, 0.3, 0.2, 0.1])
    b = np.where(rng.random(40) < 0.6, a, rng.choice(["0", "1", "2"], size=40))
    assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(a, b))


def test_cohen_kappa_is_nan_when_both_raters_always_give_one_label():
    assert math.isnan(cohen_kappa(["1", "1"], ["1", "1"]))


def test_cohen_kappa_refuses_lists_of_different_lengths():
    with pytest.raises(ValueError, match="a label for every item"):
        cohen_kappa(["1"], ["1", "0"])


def test_fleiss_kappa_matches_the_wikipedia_worked_example():
    assert fleiss_kappa(WIKIPEDIA_FLEISS) == pytest.approx(0.210, abs=5e-4)


def test_fleiss_kappa_with_two_raters_equals_scotts_pi():
    a = ["0", "0", "1", "1", "0", "1"]
    b = ["0", "1", "1", "1", "0", "0"]
    table = [[(x == "0") + (y == "0"), (x == "1") + (y == "1")] for x, y in zip(a, b, strict=True)]
    pooled = np.mean([x == "0" for x in a + b])
    expected_chance = pooled**2 + (1 - pooled) ** 2
    observed = np.mean([x == y for x, y in zip(a, b, strict=True)])
    scott = (observed - expected_chance) / (1 - expected_chance)
    assert fleiss_kappa(table) == pytest.approx(scott)


def test_fleiss_kappa_refuses_rows_with_different_numbers_of_raters():
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa([[2, 0], [1, 2]])


# -- labels -------------------------------------------------------------------------------------
def test_labels_are_the_correction_the_prediction_shown_or_unsure(store):
    vote(store, "1", "ana", "wrong", "1", shown="0")
    vote(store, "1", "bo", "correct", shown="0")
    vote(store, "1", "chen", "unsure", shown="0")
    labels = feedback_store.reviewer_labels(store).set_index("reviewer")["label"]
    assert labels.to_dict() == {"ana": "1", "bo": "0", "chen": "unsure"}


def test_a_correct_verdict_without_snapshot_takes_the_prediction_another_reviewer_saw(store):
    vote(store, "1", "ana", "correct", shown=None)
    vote(store, "1", "bo", "correct", shown="1")
    labels = feedback_store.reviewer_labels(store)["label"].tolist()
    assert labels == ["1", "1"]


def test_regression_labels_written_differently_compare_equal(store):
    for reviewer, value in (("ana", "12.50"), ("bo", "12.5")):
        vote(store, "1", reviewer, "wrong", value, shown="10", task="regression")
    assert feedback_store.agreement(store)["percent_agreement"] == 100


# -- agreement ----------------------------------------------------------------------------------
def test_agreement_counts_only_rows_reviewed_by_several_people(store):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "1", "bo", "wrong", "1")
    vote(store, "2", "ana", "correct")
    vote(store, "2", "bo", "wrong", "1")
    vote(store, "3", "ana", "correct")
    result = feedback_store.agreement(store)
    assert (result["rows"], result["reviewers"], result["percent_agreement"]) == (
        2, ["ana", "bo"], 50.0,
    )  # fmt: skip


def test_agreement_uses_cohens_kappa_when_exactly_two_reviewers_overlap(store):
    ana = ["1", "1", "0", "0", "1", "0"]
    bo = ["1", "0", "0", "0", "1", "1"]
    for i, (a, b) in enumerate(zip(ana, bo, strict=True)):
        vote(store, str(i), "ana", "correct" if a == "0" else "wrong", None if a == "0" else a)
        vote(store, str(i), "bo", "correct" if b == "0" else "wrong", None if b == "0" else b)
    result = feedback_store.agreement(store)
    assert result["method"] == "cohen" and result["fleiss_kappa"] is None
    assert result["kappa"] == pytest.approx(cohen_kappa_score(ana, bo))
    assert "Cohen's κ = 0.33" in result["sentence"]


def test_a_kappa_from_few_rows_gets_no_strength_and_zero_is_no_agreement_beyond_chance(store):
    """One shared row, the two reviewers disagreeing: "gave the same answer on 0 (0%); Cohen's
    κ = 0.00 (slight agreement beyond chance)"."""
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "1", "bo", "correct")
    result = feedback_store.agreement(store)
    assert result["strength"] is None
    assert result["sentence"].endswith(
        "gave the same answer on 0 (0%); Cohen's κ = 0.00 from 1 row, too few to say how far "
        "that is beyond chance."
    )
    assert strength(0.0) == "none" and strength(-0.3) == "poor"
    assert strength(0.004) == "none" and strength(0.1) == "slight"


def test_agreement_uses_fleiss_kappa_when_every_row_has_the_same_number_of_raters(store):
    for row_id, labels in {"1": "110", "2": "000", "3": "111"}.items():
        for reviewer, label in zip(["ana", "bo", "chen"], labels, strict=True):
            vote(store, row_id, reviewer, "wrong", label, shown="x")
    result = feedback_store.agreement(store)
    table = [[1, 2], [3, 0], [0, 3]]  # rows 1-3, counts of "0" and "1"
    assert result["method"] == "fleiss" and result["cohen_kappa"] is None
    assert result["fleiss_kappa"] == pytest.approx(fleiss_kappa(table))
    assert (result["rows"], result["kappa_rows"], result["rows_left_out"]) == (3, 3, 0)
    assert result["raters_per_row"] == 3


def test_agreement_uses_krippendorffs_alpha_on_every_row_when_raters_per_row_differ(store):
    for row_id, labels in {"1": "110", "2": "000", "3": "111", "4": "10"}.items():
        for reviewer, label in zip(["ana", "bo", "chen"], labels, strict=False):
            vote(store, row_id, reviewer, "wrong", label, shown="x")
    result = feedback_store.agreement(store)
    table = [[1, 2], [3, 0], [0, 3], [1, 1]]  # row 4, judged by two, is no longer left out
    assert (result["method"], result["fleiss_kappa"]) == ("krippendorff", None)
    assert result["kappa"] == pytest.approx(krippendorff_alpha(table))
    assert (result["rows"], result["kappa_rows"], result["rows_left_out"]) == (4, 4, 0)
    assert result["raters_per_row"] is None


def test_agreement_without_overlap_says_so(store):
    vote(store, "1", "ana", "correct")
    result = feedback_store.agreement(store)
    assert (result["rows"], result["kappa"], result["percent_agreement"]) == (0, None, None)
    assert result["sentence"] == "No row has been reviewed by more than one person yet."


def test_agreement_ignores_withdrawn_verdicts_and_uses_current_versions(store):
    vote(store, "1", "ana", "wrong", "1")
    bo = vote(store, "1", "bo", "correct")
    chen = vote(store, "1", "chen", "correct")
    store.withdraw(chen, reviewer="chen")
    store.edit(bo, reviewer="bo", verdict="wrong", corrected_label="1")
    result = feedback_store.agreement(store)
    assert (result["reviewers"], result["percent_agreement"]) == (["ana", "bo"], 100.0)


def test_agreement_is_filtered_by_sprint_and_prototype(store):
    vote(store, "1", "ana", "wrong", "1", sprint="S1")
    vote(store, "1", "bo", "correct", sprint="S1")
    vote(store, "1", "ana", "correct", prototype="rules")
    assert feedback_store.agreement(store, sprint="S2")["rows"] == 0
    assert feedback_store.agreement(store, sprint="S1", prototype="gbm")["rows"] == 1


def test_pairwise_agreement_has_one_row_per_pair_of_reviewers_sharing_rows(store):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "1", "bo", "wrong", "1")
    vote(store, "2", "ana", "correct")
    vote(store, "2", "bo", "wrong", "1")
    vote(store, "2", "chen", "correct")
    pairs = feedback_store.pairwise_agreement(store)
    columns = ["reviewer_a", "reviewer_b", "shared_rows", "percent_agreement"]
    assert pairs[columns].values.tolist() == [
        ["ana", "bo", 2, 50.0], ["ana", "chen", 1, 100.0], ["bo", "chen", 1, 0.0],
    ]  # fmt: skip
    assert pairs.loc[0, "cohen_kappa"] == pytest.approx(cohen_kappa_score(["1", "0"], ["1", "1"]))


def test_conflicts_list_each_reviewers_label_and_comment_on_disputed_rows(store):
    vote(store, "1", "ana", "wrong", "1", comment="overstrain")
    vote(store, "1", "bo", "unsure", comment="can't tell")
    vote(store, "2", "ana", "correct")
    vote(store, "2", "bo", "correct")
    frame = feedback_store.conflicts(store)
    assert frame[["row_id", "reviewer", "label", "comment"]].values.tolist() == [
        ["1", "ana", "1", "overstrain"], ["1", "bo", "unsure", "can't tell"],
    ]  # fmt: skip


def test_conflicts_of_a_store_without_disagreement_is_an_empty_frame(store):
    vote(store, "1", "ana", "correct")
    frame = feedback_store.conflicts(store)
    assert frame.empty and "label" in frame.columns


# -- resolving ----------------------------------------------------------------------------------
def resolved(store, **kwargs):
    return feedback_store.resolve_labels(store, **kwargs).set_index("row_id")


def test_majority_resolves_to_the_label_most_reviewers_gave(store):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "1", "bo", "wrong", "1")
    vote(store, "1", "chen", "correct")
    row = resolved(store).loc["1"]
    assert (row["resolved_label"], row["rule"], row["n_reviewers"]) == ("1", "majority", 3)
    assert row["agreement"] == pytest.approx(2 / 3)
    assert (row["reviewers"], row["labels"]) == (["ana", "bo", "chen"], ["1", "1", "0"])
    assert len(row["verdict_ids"]) == 3 and not row["unresolved"]


def test_a_tie_is_unresolved_with_no_label_and_a_reason(store):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "1", "bo", "correct")
    row = resolved(store).loc["1"]
    assert row["unresolved"] and row["resolved_label"] is None
    assert row["reason"] == "tie between 0 and 1"


def test_unsure_never_wins_but_lowers_the_agreement_share(store):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "1", "bo", "unsure")
    vote(store, "1", "chen", "unsure")
    row = resolved(store).loc["1"]
    assert (row["resolved_label"], row["agreement"]) == ("1", pytest.approx(1 / 3))


def test_a_row_with_only_unsure_verdicts_is_unresolved(store):
    vote(store, "1", "ana", "unsure")
    row = resolved(store).loc["1"]
    assert row["unresolved"] and row["reason"] == "only unsure verdicts"


def test_a_single_reviewers_label_resolves_the_row(store):
    vote(store, "1", "ana", "correct", shown="1")
    assert resolved(store).loc["1", "resolved_label"] == "1"


def test_a_correct_verdict_with_no_recorded_prediction_cannot_give_a_label(store):
    vote(store, "1", "ana", "correct", shown=None)
    row = resolved(store).loc["1"]
    assert row["unresolved"] and "not recorded" in row["reason"]


def test_the_lead_rule_takes_the_lead_reviewers_label_over_the_majority(store):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "1", "bo", "wrong", "1")
    vote(store, "1", "chen", "correct")
    row = resolved(store, rule="lead", lead="chen").loc["1"]
    assert (row["resolved_label"], row["rule"]) == ("0", "lead")
    assert row["agreement"] == pytest.approx(1 / 3)


def test_the_lead_rule_falls_back_to_the_majority_where_the_lead_is_absent_or_unsure(store):
    vote(store, "1", "ana", "wrong", "1")
    vote(store, "2", "ana", "wrong", "1")
    vote(store, "2", "chen", "unsure")
    frame = resolved(store, rule="lead", lead="chen")
    assert frame["rule"].tolist() == ["majority", "majority"]
    assert frame["resolved_label"].tolist() == ["1", "1"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rule": "vote"}, "rule must be one of majority, lead"),
        ({"rule": "lead"}, "needs lead"),
        ({"rule": "majority", "lead": "ana"}, "only used with rule 'lead'"),
        ({"rule": "lead", "lead": "anna"}, "reviewers are ana"),
    ],
)
def test_resolve_labels_rejects_bad_rules_and_unknown_leads(store, kwargs, message):
    vote(store, "1", "ana", "correct")
    with pytest.raises(InvalidVerdict, match=message):
        feedback_store.resolve_labels(store, **kwargs)


def test_resolving_an_empty_store_gives_an_empty_frame(store):
    frame = feedback_store.resolve_labels(store)
    assert frame.empty and "resolved_label" in frame.columns


# -- labels read once for several figures -------------------------------------------------------
def test_labels_passed_in_give_the_same_figures_without_reading_the_verdicts(store, monkeypatch):
    given_votes = {"1": ("1", "1", "0"), "2": ("0", "1", None), "3": ("1", "1", "1")}
    for row_id, votes in given_votes.items():
        for reviewer, label in zip(("ana", "bo", "cy"), votes, strict=True):
            if label is None:
                vote(store, row_id, reviewer, "unsure")
            elif label == "0":  # the prediction shown is "0"
                vote(store, row_id, reviewer, "correct")
            else:
                vote(store, row_id, reviewer, "wrong", label)
    vote(store, "4", "ana", "wrong", "1", sprint="S1")
    for sprint in (None, "S2"):
        read = feedback_store.reviewer_labels(store, sprint, None)
        expected = {
            "agreement": feedback_store.agreement(store, sprint),
            "pairs": feedback_store.pairwise_agreement(store, sprint),
            "conflicts": feedback_store.conflicts(store, sprint),
            "resolved": feedback_store.resolve_labels(store, sprint),
        }
        with monkeypatch.context() as patch:
            patch.setattr(store, "verdicts", lambda *a, **k: pytest.fail("verdicts read again"))
            given = {
                "agreement": feedback_store.agreement(store, sprint, labels=read),
                "pairs": feedback_store.pairwise_agreement(store, sprint, labels=read),
                "conflicts": feedback_store.conflicts(store, sprint, labels=read),
                "resolved": feedback_store.resolve_labels(store, sprint, labels=read),
            }
        assert given["agreement"] == expected["agreement"]
        for key in ("pairs", "conflicts", "resolved"):
            pd.testing.assert_frame_equal(given[key], expected[key], check_exact=True)
        assert len(expected["conflicts"])  # rows 1 and 2 are in dispute
        pd.testing.assert_frame_equal(read, feedback_store.reviewer_labels(store, sprint, None))
