"""Bootstrap intervals, paired differences and McNemar's test on cases with known answers."""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from sklearn import metrics as skm

from model.stats import (
    Replicates,
    bootstrap_ci,
    compare_to_mvp,
    mcnemar,
    metric_function,
    paired_bootstrap_difference,
    recall_at_precision,
    resample_weights,
)


def rare_binary(n: int = 2000, rate: float = 0.034, seed: int = 1):
    """Truth with rare positives and a useful but imperfect score."""
    rng = np.random.default_rng(seed)
    y = rng.random(n) < rate
    score = np.clip(0.35 * y + rng.normal(0.3, 0.15, n), 0, 1).round(3)
    return y, score


def one_resample(n: int, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of one plain bootstrap resample and the equivalent weights (ones first)."""
    index = np.random.default_rng(seed).integers(0, n, n)
    weights = np.vstack([np.ones(n), np.bincount(index, minlength=n)])
    return index, weights


# -- metrics ------------------------------------------------------------------------------------
@pytest.mark.parametrize("balanced", [False, True], ids=["rare positives", "balanced"])
def test_ranking_metrics_match_scikit_learn_on_all_rows_and_on_a_resample(balanced):
    y, score = rare_binary(rate=0.5 if balanced else 0.034)
    index, weights = one_resample(len(y))
    for key, reference in [
        ("pr_auc", skm.average_precision_score),
        ("roc_auc", skm.roc_auc_score),
    ]:
        got = metric_function(key, "binary").prepare(y, score)(weights)
        assert got == pytest.approx([reference(y, score), reference(y[index], score[index])])


def test_recall_at_precision_is_the_best_recall_reaching_that_precision():
    y, score = rare_binary()
    precision, recall, _ = skm.precision_recall_curve(y, score)
    metric = recall_at_precision(0.5)
    assert metric.key == "recall@p50"
    assert metric(y, score) == pytest.approx(recall[precision >= 0.5].max())
    assert metric_function("recall@p90", "binary").min_precision == pytest.approx(0.9)


def test_label_metrics_match_scikit_learn():
    y, score = rare_binary()
    predicted = score > 0.5
    index, weights = one_resample(len(y))
    for key, reference in [
        ("accuracy", skm.accuracy_score),
        ("precision", skm.precision_score),
        ("recall", skm.recall_score),
        ("f1", skm.f1_score),
        ("balanced_accuracy", skm.balanced_accuracy_score),
    ]:
        got = metric_function(key, "binary").prepare(y, predicted)(weights)
        expected = [reference(y, predicted), reference(y[index], predicted[index])]
        assert got == pytest.approx(expected), key


@pytest.mark.filterwarnings("ignore:y_pred contains classes not in y_true")
def test_multiclass_and_regression_metrics_match_scikit_learn():
    rng = np.random.default_rng(2)
    y = rng.choice(["a", "b", "c"], 500)
    p = np.where(rng.random(500) < 0.7, y, rng.choice(["a", "b", "c", "d"], 500))
    assert metric_function("macro_f1", "multiclass")(y, p) == pytest.approx(
        skm.f1_score(y, p, average="macro")
    )
    assert metric_function("balanced_accuracy", "multiclass")(y, p) == pytest.approx(
        skm.balanced_accuracy_score(y, p)
    )
    truth = rng.normal(50, 10, 500)
    guess = truth + rng.normal(0, 3, 500)
    assert metric_function("rmse", "regression")(truth, guess) == pytest.approx(
        math.sqrt(skm.mean_squared_error(truth, guess))
    )
    assert metric_function("mae", "regression")(truth, guess) == pytest.approx(
        skm.mean_absolute_error(truth, guess)
    )
    assert metric_function("r2", "regression")(truth, guess) == pytest.approx(
        skm.r2_score(truth, guess)
    )


def test_metric_reads_the_right_columns_of_a_predictions_frame():
    frame = pd.DataFrame(
        {
            "predicted": ["1", "0", "1", "0"],
            "p:0": [0.2, 0.9, 0.4, 0.6],
            "p:1": [0.8, 0.1, 0.6, 0.4],
            "actual": ["1", "0", "0", "1"],
        }
    )
    assert metric_function("accuracy", "binary", "1")(frame) == 0.5
    assert metric_function("roc_auc", "binary", "1")(frame) == pytest.approx(0.75)


def test_metric_undefined_on_one_class_is_nan_not_an_error():
    y = np.zeros(50, dtype=bool)
    score = np.linspace(0, 1, 50)
    assert math.isnan(metric_function("roc_auc", "binary")(y, score))
    assert math.isnan(metric_function("pr_auc", "binary")(y, score))
    assert all(math.isnan(v) for v in bootstrap_ci(y, score, metric_function("pr_auc", "binary")))


def test_metric_not_available_for_the_task_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="macro_f1"):
        metric_function("pr_auc", "multiclass")
    with pytest.raises(ValueError, match="unknown task"):
        metric_function("rmse", "ranking")


# -- bootstrap ----------------------------------------------------------------------------------
def test_interval_contains_the_point_estimate():
    y, score = rare_binary()
    for key, predicted in [("pr_auc", score), ("roc_auc", score), ("f1", score > 0.5)]:
        estimate, low, high = bootstrap_ci(y, predicted, metric_function(key, "binary"))
        assert low <= estimate <= high, key
        assert low < high


def test_interval_narrows_with_more_rows():
    rng = np.random.default_rng(0)
    y = rng.random(2000) < 0.3
    score = 0.1 * y + rng.normal(0, 0.15, 2000)  # a weak model: ROC AUC about 0.7
    metric = metric_function("roc_auc", "binary")
    widths = []
    for n in (200, 2000):
        _, low, high = bootstrap_ci(y[:n], score[:n], metric)
        widths.append(high - low)
    assert widths[1] < widths[0] / 2  # about √10 times narrower


def test_bootstrap_is_reproducible_with_a_seed():
    y, score = rare_binary()
    metric = metric_function("pr_auc", "binary")
    assert bootstrap_ci(y, score, metric, seed=3) == bootstrap_ci(y, score, metric, seed=3)
    assert bootstrap_ci(y, score, metric, seed=3) != bootstrap_ci(y, score, metric, seed=4)


def test_stratified_resamples_always_hold_every_positive_count():
    y = np.zeros(500, dtype=bool)
    y[[3, 250]] = True  # two positives in 500 rows
    stratified = np.vstack(list(resample_weights(len(y), y, 300, seed=0)))
    assert np.all(stratified[:, y].sum(axis=1) == 2)
    assert np.all(stratified.sum(axis=1) == len(y))
    plain = np.vstack(list(resample_weights(len(y), None, 300, seed=0)))
    assert (plain[:, y].sum(axis=1) == 0).any()  # what stratifying prevents


def test_any_callable_metric_works_one_resample_at_a_time():
    y, score = rare_binary(n=300, rate=0.2)
    fast = bootstrap_ci(y, score, metric_function("roc_auc", "binary"), n_resamples=200)
    slow = bootstrap_ci(y, score, skm.roc_auc_score, n_resamples=200)
    assert slow == pytest.approx(fast)


def test_bootstrap_of_five_prototypes_on_2000_rows_takes_seconds():
    y, _ = rare_binary()
    rng = np.random.default_rng(0)
    models = [np.clip(0.3 * y + rng.normal(0.3, 0.2, len(y)), 0, 1) for _ in range(5)]
    keys = ["pr_auc", "roc_auc", "recall@p90", "f1"]
    start = time.perf_counter()
    for key in keys:
        metric = metric_function(key, "binary")
        for score in models:
            predicted = score > 0.5 if key == "f1" else score
            bootstrap_ci(y, predicted, metric)
            reference = models[0] > 0.5 if key == "f1" else models[0]
            paired_bootstrap_difference(y, predicted, reference, metric)
    assert time.perf_counter() - start < 10  # about one second on two cores


def test_replicates_of_several_models_give_each_models_own_figures():
    y, _ = rare_binary()
    rng = np.random.default_rng(4)
    models = {f"m{i}": np.clip(0.3 * y + rng.normal(0.3, 0.2, len(y)), 0, 1) for i in range(3)}
    for key in ("pr_auc", "roc_auc", "recall@p90", "log_loss"):
        metric = metric_function(key, "binary")
        replicates = Replicates(y, models, metric, n_resamples=300, seed=2)
        for name, score in models.items():
            assert replicates.interval(name) == bootstrap_ci(y, score, metric, 300, seed=2)
        assert replicates.difference("m1", "m0") == paired_bootstrap_difference(
            y, models["m1"], models["m0"], metric, 300, seed=2
        )


def test_ranking_metrics_agree_whichever_way_the_scores_are_grouped(monkeypatch):
    """Few distinct positive scores take the per-threshold path, many the ranked one: the
    counts are whole numbers either way, so the figures are equal, not just close."""
    y, score = rare_binary(n=3000)
    coarse = np.round(score, 2)  # few distinct positive scores
    index, weights = one_resample(len(y))
    for key in ("pr_auc", "roc_auc", "recall@p90"):
        metric = metric_function(key, "binary")
        few = metric.prepare(y, coarse)(weights)
        with monkeypatch.context() as patch:
            patch.setattr("model.resampled_metrics._MAX_THRESHOLD_COLUMNS", 0)
            ranked = metric.prepare(y, coarse)(weights)
        assert few.tolist() == ranked.tolist(), key
        assert few[0] == pytest.approx(metric(y, coarse))


def test_replicates_refuse_models_scored_against_another_truth():
    y, score = rare_binary(n=200)
    metric = metric_function("pr_auc", "binary", positive_class="1")
    truth = y.astype(int)
    frames = {
        "a": pd.DataFrame({"actual": truth, "p:1": score}),
        "b": pd.DataFrame({"actual": 1 - truth, "p:1": score}),
    }
    with pytest.raises(ValueError, match="a and b must be scored on the same rows"):
        Replicates(None, frames, metric)
    with pytest.raises(ValueError, match="no predictions"):
        Replicates(y, {}, metric)


# -- paired differences and McNemar -------------------------------------------------------------
def test_identical_models_differ_by_an_interval_around_zero():
    y, score = rare_binary()
    difference, low, high = paired_bootstrap_difference(
        y, score, score.copy(), metric_function("pr_auc", "binary")
    )
    assert difference == 0 and low <= 0 <= high
    assert mcnemar(score > 0.5, score > 0.5)[1] == 1.0


@pytest.mark.parametrize("discordant", range(1, 60))
def test_mcnemar_p_values_are_scipys(discordant):
    """Exact binomial below 25 discordant rows, chi-square with continuity correction above:
    computed without scipy, equal to scipy's for every split of 1 to 59 discordant rows."""
    for only_b in range(discordant + 1):
        only_a = discordant - only_b
        a = np.array([True] * only_a + [False] * only_b + [True, False])
        b = np.array([False] * only_a + [True] * only_b + [True, False])
        statistic, p, b01, b10 = mcnemar(a, b)
        assert (b01, b10) == (only_b, only_a)
        if discordant < 25:
            expected = sps.binomtest(min(b01, b10), discordant, 0.5).pvalue
            assert statistic == min(b01, b10)
        else:
            expected = sps.chi2.sf(statistic, df=1)
            assert statistic == max(abs(b01 - b10) - 1, 0) ** 2 / discordant
        assert p == pytest.approx(min(1.0, expected), rel=1e-12, abs=1e-300)


def test_perfect_model_is_significantly_better_than_random():
    rng = np.random.default_rng(0)
    y = rng.random(2000) < 0.2
    perfect = y.astype(float)
    random = rng.random(2000)
    metric = metric_function("roc_auc", "binary")
    difference, low, high = paired_bootstrap_difference(y, perfect, random, metric)
    assert difference > 0.4 and low > 0
    result = compare_to_mvp(y, perfect, random, metric)
    assert result["verdict"] == "better" and result["significant"]
    assert compare_to_mvp(y, random, perfect, metric)["verdict"] == "worse"


def test_close_models_give_no_detectable_difference_with_the_row_count():
    rng = np.random.default_rng(0)
    y = rng.random(2000) < 0.5
    a = y ^ (rng.random(2000) < 0.20)
    b = y ^ (rng.random(2000) < 0.21)
    result = compare_to_mvp(y, a, b, metric_function("accuracy", "binary"))
    assert result["verdict"] == "no detectable difference with 2,000 demo rows"
    assert not result["significant"]
    assert result["b01"] + result["b10"] == int(np.sum((a == y) != (b == y)))


def test_lower_is_better_metric_turns_a_smaller_error_into_better():
    rng = np.random.default_rng(0)
    truth = rng.normal(0, 1, 1000)
    close, far = truth + rng.normal(0, 0.1, 1000), truth + rng.normal(0, 1, 1000)
    result = compare_to_mvp(truth, close, far, metric_function("rmse", "regression"))
    assert result["difference"] < 0
    assert result["verdict"] == "better"
    assert result["mcnemar_p"] is None


def test_compare_to_mvp_reads_predictions_frames_and_adds_mcnemar():
    y, score = rare_binary()
    truth = np.where(y, "1", "0")

    def frame(s):
        return pd.DataFrame(
            {"predicted": np.where(s > 0.5, "1", "0"), "p:0": 1 - s, "p:1": s, "actual": truth}
        )

    result = compare_to_mvp(
        None, frame(score), frame(np.sqrt(score)), metric_function("pr_auc", "binary", "1")
    )
    assert result["metric"] == "pr_auc" and result["label"] == "PR AUC"
    assert result["n_rows"] == 2000
    assert result["mcnemar_p"] is not None and 0 <= result["mcnemar_p"] <= 1


def test_mcnemar_uses_the_exact_test_below_25_discordant_rows():
    a = np.array([True] * 10 + [False] * 3 + [True] * 50)
    b = np.array([False] * 10 + [True] * 3 + [True] * 50)
    statistic, p_value, b01, b10 = mcnemar(a, b)
    assert (b01, b10) == (3, 10)
    assert statistic == 3
    assert p_value == pytest.approx(sps.binomtest(3, 13, 0.5).pvalue)


def test_mcnemar_uses_corrected_chi_square_from_25_discordant_rows():
    a = np.array([True] * 30 + [False] * 10)
    b = ~a
    statistic, p_value, b01, b10 = mcnemar(a, b)
    assert (b01, b10) == (10, 30)
    assert statistic == pytest.approx((20 - 1) ** 2 / 40)
    assert p_value == pytest.approx(sps.chi2.sf((20 - 1) ** 2 / 40, 1))
