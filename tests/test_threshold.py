"""The cost of errors: the cheapest threshold, its cost with an interval, checked by brute force
and by simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import model
from model.costs import CostAssumptions
from model.threshold import (
    BEST,
    best_threshold,
    cost_matrix,
    error_cost,
    error_costs,
    prototype_error_cost,
    threshold_costs,
)

MISS, ALARM = 10.0, 1.0


def _direct_cost(positive: np.ndarray, scores: np.ndarray, threshold: float) -> float:
    flagged = scores >= threshold
    return MISS * np.sum(positive & ~flagged) + ALARM * np.sum(~positive & flagged)


def test_the_cheapest_threshold_on_a_handmade_example():
    # flag none: 2 missed = 20; ≥0.9: 10; ≥0.6: 10 + 1 = 11; ≥0.4: 1 alarm = 1; ≥0.2: 2; all: 3
    actual = ["1", "1", "0", "0", "0"]
    scores = [0.9, 0.4, 0.6, 0.2, 0.1]
    table = threshold_costs(actual, scores, "1", MISS, ALARM)
    assert table["cost"].tolist() == [20.0, 10.0, 11.0, 1.0, 2.0, 3.0]
    assert table["flagged"].tolist() == [0, 1, 2, 3, 4, 5]
    # midway between the lowest score flagged (0.4) and the next (0.2)
    assert best_threshold(actual, scores, "1", MISS, ALARM) == pytest.approx(0.3)


def test_the_cheapest_threshold_matches_a_brute_force_search():
    rng = np.random.default_rng(11)
    positive = rng.random(40) < 0.3
    scores = np.round(np.where(positive, rng.beta(3, 2, 40), rng.beta(2, 3, 40)), 2)  # ties
    actual = np.where(positive, "1", "0")
    grid = np.unique(np.concatenate([np.linspace(0, 1.01, 1012), scores]))
    brute = min(_direct_cost(positive, scores, t) for t in grid)
    table = threshold_costs(actual, scores, "1", MISS, ALARM)
    assert table["cost"].min() == brute
    best = best_threshold(actual, scores, "1", MISS, ALARM)
    assert _direct_cost(positive, scores, best) == brute
    for row in table.itertuples():  # every row's counts are those of its threshold
        assert _direct_cost(positive, scores, row.threshold) == row.cost


def test_cost_matrix_prices_misses_alarms_and_listed_wrong_classes():
    a = CostAssumptions(missed_positive_cost=900, false_alarm_cost=40)
    binary = cost_matrix(a, ["0", "1"], "1")
    assert binary.loc["1", "0"] == 900 and binary.loc["0", "1"] == 40
    assert binary.loc["1", "1"] == binary.loc["0", "0"] == 0
    multi = cost_matrix(
        CostAssumptions(cost_matrix={"heat": {"none": 700}}, wrong_class_cost=50),
        ["heat", "none", "power"],
    )
    assert multi.loc["heat", "none"] == 700 and multi.loc["none", "heat"] == 50
    assert multi.loc["power", "power"] == 0


def _frame(positive: np.ndarray, scores: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "predicted": np.where(scores >= 0.5, "1", "0"),
            "p:0": 1 - scores,
            "p:1": scores,
            "actual": np.where(positive, "1", "0"),
        }
    )


def test_error_cost_at_a_threshold_is_its_cost_per_case_times_cases_a_month():
    positive = np.array([True, True, False, False, False])
    frame = _frame(positive, np.array([0.9, 0.4, 0.6, 0.2, 0.1]))
    a = CostAssumptions(missed_positive_cost=MISS, false_alarm_cost=ALARM, cases_per_month=1000)
    result = error_cost(frame, "binary", a, classes=["0", "1"], positive_class="1",
                        threshold=0.5, n_resamples=200)  # fmt: skip
    # at 0.5: one missed (0.4), one false alarm (0.6): $11 on 5 rows = $2.20 a case
    assert result.cost_per_case == pytest.approx(2.2) and result.monthly == pytest.approx(2200)
    assert (result.outcome.missed, result.outcome.false_alarms) == (1, 1)
    assert not result.chosen and result.optimism == 0
    assert result.low <= result.monthly <= result.high
    assert result.formula == (
        "($10.00 × 1 missed + $1.00 × 1 false alarm) ÷ 5 demo rows = $2.20 a case; "
        "× 1,000 cases a month = $2,200.00 a month"
    )


def test_the_chosen_threshold_is_corrected_for_being_chosen_on_the_same_rows():
    rng = np.random.default_rng(5)
    positive = np.arange(400) < 40
    scores = np.where(positive, rng.beta(3, 2, 400), rng.beta(1, 4, 400))
    a = CostAssumptions(missed_positive_cost=MISS, false_alarm_cost=ALARM, cases_per_month=1)
    result = error_cost(_frame(positive, scores), "binary", a, classes=["0", "1"],
                        positive_class="1", threshold=BEST, n_resamples=300)  # fmt: skip
    table = threshold_costs(np.where(positive, "1", "0"), scores, "1", MISS, ALARM)
    assert result.chosen
    assert result.threshold == pytest.approx(best_threshold(
        np.where(positive, "1", "0"), scores, "1", MISS, ALARM))  # fmt: skip
    assert result.apparent_cost_per_case == pytest.approx(table["cost_per_case"].min())
    assert result.optimism > 0
    assert result.cost_per_case == pytest.approx(result.apparent_cost_per_case + result.optimism)
    assert "because the threshold was chosen on these rows" in result.formula


def test_with_free_alarms_the_cheapest_threshold_flags_all_it_can_for_nothing():
    """A missed failure at 1e9 and free false alarms: the highest threshold missing nothing on
    the demo rows missed cases on the resamples, and a model missing nothing was costed at
    2.8e9 a month from that optimism alone. Flagging more is free: the lowest threshold."""
    rng = np.random.default_rng(5)
    positive = np.arange(400) < 40
    scores = np.where(positive, rng.beta(3, 2, 400), rng.beta(1, 4, 400))
    actual = np.where(positive, "1", "0")
    assert best_threshold(actual, scores, "1", 1e9, 0.0) == pytest.approx(scores.min() / 2)
    a = CostAssumptions(missed_positive_cost=1e9, false_alarm_cost=0.0, cases_per_month=1000)
    result = error_cost(_frame(positive, scores), "binary", a, classes=["0", "1"],
                        positive_class="1", threshold=BEST, n_resamples=300)  # fmt: skip
    assert result.outcome.missed == 0
    assert (result.optimism, result.monthly, result.low, result.high) == (0, 0, 0, 0)
    # free misses: of equal costs the highest threshold, flagging nothing
    assert best_threshold(actual, scores, "1", 0.0, 1.0) > scores.max()


P, N = 150, 850
A_SIM = CostAssumptions(missed_positive_cost=2000, false_alarm_cost=200, cases_per_month=1000)


def _true_monthly_cost(threshold: float) -> float:
    """The expected cost of a threshold on the population the simulated demo sets come from."""
    share = P / (P + N)
    missed = share * stats.beta(4, 2).cdf(threshold) * A_SIM.missed_positive_cost
    alarms = (1 - share) * stats.beta(1, 6).sf(threshold) * A_SIM.false_alarm_cost
    return (missed + alarms) * A_SIM.cases_per_month


def _simulated_demo_sets(count: int):
    rng = np.random.default_rng(3)
    for index in range(count):
        positive = np.arange(P + N) < P  # drawn stratified, as the demo set is
        scores = np.where(positive, rng.beta(4, 2, P + N), rng.beta(1, 6, P + N))
        yield index, _frame(positive, scores)


def test_the_interval_at_a_fixed_threshold_covers_the_true_cost_in_a_simulation():
    covered = 0
    for seed, frame in _simulated_demo_sets(200):
        result = error_cost(frame, "binary", A_SIM, classes=["0", "1"], positive_class="1",
                            threshold=0.5, n_resamples=200, seed=seed)  # fmt: skip
        covered += result.low <= _true_monthly_cost(0.5) <= result.high
    assert 0.90 <= covered / 200 <= 0.99


def test_the_chosen_thresholds_interval_mostly_covers_and_its_estimate_is_less_flattering():
    covered, apparent_error, corrected_error = 0, [], []
    for seed, frame in _simulated_demo_sets(200):
        result = error_cost(frame, "binary", A_SIM, classes=["0", "1"], positive_class="1",
                            n_resamples=200, seed=seed)  # fmt: skip
        truth = _true_monthly_cost(result.threshold)
        covered += result.low <= truth <= result.high
        apparent_error.append(result.apparent_cost_per_case * A_SIM.cases_per_month - truth)
        corrected_error.append(result.monthly - truth)
    # measured 0.87 at 300 sets: a little narrow, as the module says
    assert covered / 200 >= 0.82
    assert np.mean(apparent_error) < 0  # choosing on the rows flatters ...
    assert abs(np.mean(corrected_error)) < 0.6 * abs(np.mean(apparent_error))  # ... less so


def test_multiclass_errors_are_priced_by_the_cost_matrix():
    frame = pd.DataFrame({"predicted": ["a", "b", "b", "c"], "actual": ["a", "a", "b", "b"]})
    a = CostAssumptions(cost_matrix={"a": {"b": 100}}, wrong_class_cost=10, cases_per_month=4)
    result = error_cost(frame, "multiclass", a, classes=["a", "b", "c"], n_resamples=100)
    # a→b costs 100, b→c costs 10 (not listed): 110 on 4 rows, × 4 cases = 110 a month
    assert result.monthly == pytest.approx(110)
    assert result.threshold is None and result.outcome is None


def test_regression_errors_cost_per_unit_of_error():
    frame = pd.DataFrame({"predicted": [1.0, 2.0, 5.0], "actual": [2.0, 2.0, 3.0]})
    a = CostAssumptions(cost_per_unit_error=4.0, cases_per_month=100)
    result = error_cost(frame, "regression", a, n_resamples=100)
    # mean absolute error 1.0 × $4 = $4 a case × 100 = $400 a month
    assert result.monthly == pytest.approx(400)
    assert result.formula.startswith("$4.00 per unit of error × 1 mean absolute error")


def test_prototypes_on_the_same_rows_are_priced_on_the_same_resamples():
    rng = np.random.default_rng(2)
    positive = np.arange(300) < 30
    scores = np.where(positive, rng.beta(3, 2, 300), rng.beta(1, 4, 300))
    frame = _frame(positive, scores)
    a = CostAssumptions()
    one = error_cost(frame, "binary", a, classes=["0", "1"], positive_class="1", threshold=0.5)
    same = error_cost(frame.copy(), "binary", a, classes=["0", "1"], positive_class="1",
                      threshold=0.5)  # fmt: skip
    assert len(one.replicates) == 1000
    np.testing.assert_array_equal(one.replicates, same.replicates)


def test_predictions_without_labels_have_no_error_cost():
    frame = pd.DataFrame({"predicted": ["1"], "p:0": [0.2], "p:1": [0.8]})
    with pytest.raises(ValueError, match="without labels"):
        error_cost(frame, "binary", CostAssumptions(), classes=["0", "1"], positive_class="1")


def test_a_published_prototype_counts_at_its_cheapest_threshold(small_workspace):
    proto = model.open_workspace(small_workspace).prototype("Sprint 2", "random forest")
    a = CostAssumptions()
    result = prototype_error_cost(proto, a, n_resamples=200)
    predictions = proto.predictions()
    table = threshold_costs(predictions["actual"], predictions["p:1"], "1",
                            a.missed_positive_cost, a.false_alarm_cost)  # fmt: skip
    cheapest = table.loc[table["cost"].idxmin()]
    assert result.threshold == pytest.approx(cheapest["threshold"])
    assert (result.outcome.caught, result.outcome.false_alarms) == (
        cheapest["caught"], cheapest["false_alarms"])  # fmt: skip
    assert result.low <= result.monthly <= result.high


def test_pricing_several_prototypes_in_one_pass_gives_each_ones_own_figures():
    rng = np.random.default_rng(8)
    positive = np.arange(500) < 50
    frames = {
        "sharp": _frame(positive, np.where(positive, rng.beta(5, 2, 500), rng.beta(1, 5, 500))),
        "blunt": _frame(positive, rng.random(500)),
    }
    a = CostAssumptions()
    together = error_costs(frames, "binary", a, classes=["0", "1"], positive_class="1",
                           thresholds={"blunt": 0.5}, n_resamples=200)  # fmt: skip
    for name, threshold in (("sharp", BEST), ("blunt", 0.5)):
        alone = error_cost(frames[name], "binary", a, classes=["0", "1"], positive_class="1",
                           threshold=threshold, n_resamples=200)  # fmt: skip
        assert together[name].monthly == pytest.approx(alone.monthly)
        np.testing.assert_allclose(together[name].replicates, alone.replicates)


def test_prototypes_with_different_labels_need_the_truth_named():
    first = _frame(np.array([True, False]), np.array([0.8, 0.1]))
    second = _frame(np.array([False, True]), np.array([0.8, 0.1]))
    with pytest.raises(ValueError, match="labels differ"):
        error_costs({"a": first, "b": second}, "binary", CostAssumptions(), classes=["0", "1"],
                    positive_class="1")  # fmt: skip


def test_many_distinct_scores_re_choose_the_threshold_among_fewer_candidates():
    rng = np.random.default_rng(9)
    positive = np.arange(5000) < 500
    scores = np.where(positive, rng.beta(4, 2, 5000), rng.beta(1, 6, 5000))  # 5,000 distinct
    a = CostAssumptions(missed_positive_cost=MISS, false_alarm_cost=ALARM, cases_per_month=1)
    result = error_cost(_frame(positive, scores), "binary", a, classes=["0", "1"],
                        positive_class="1", n_resamples=100)  # fmt: skip
    exact = threshold_costs(np.where(positive, "1", "0"), scores, "1", MISS, ALARM)
    assert result.apparent_cost_per_case == pytest.approx(exact["cost_per_case"].min())
    assert 0 < result.optimism < 0.1 * result.apparent_cost_per_case
    assert result.low <= result.monthly <= result.high
