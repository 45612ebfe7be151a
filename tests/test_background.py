"""The background rows: their mean output, "the model's average" on every explanation, is the
model's mean over the demo rows (model.background), where a random sample of 50 was not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression

from model.background import background_positions, mean_output_gap, representative_background
from model.publishing import compute_artifacts


def _rare_class(n: int = 1000, rate: float = 0.09, seed: int = 3):
    """A binary model of a 9 % class on ``n`` rows: ``(model, X, y)``."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    score = 1.5 * X["a"] + X["b"] + rng.normal(size=n)
    y = (score > np.quantile(score, 1 - rate)).astype(int)
    return LogisticRegression().fit(X, y), X, y


@pytest.mark.parametrize("seed", range(5))
def test_the_rare_class_background_has_the_models_mean_probability(seed):
    """A random 50 of 1,000 rows puts the mean chance a point or more off; the stratified
    sample, under a twentieth of a point (0.013 at most here; the trial's readmission model
    showed 12.1 % for a mean of 8.6 %)."""
    model, X, _ = _rare_class(seed=seed)
    outputs = model.predict_proba(X)[:, 1:2]
    gaps = [
        mean_output_gap(outputs, np.random.default_rng(s).choice(len(X), 50, replace=False))
        for s in range(200)
    ]
    assert np.median(gaps) > 0.01  # a random sample: a point or more off, half the time
    assert mean_output_gap(outputs, background_positions(outputs, 50)) < 0.0005


def test_a_regression_background_has_the_models_mean_value():
    rng = np.random.default_rng(5)
    X = pd.DataFrame({"a": rng.lognormal(size=1000), "b": rng.normal(size=1000)})
    y = 300 * X["a"] + 10 * X["b"]
    values = LinearRegression().fit(X, y).predict(X)
    gaps = [
        mean_output_gap(values, np.random.default_rng(s).choice(1000, 50, replace=False))
        for s in range(200)
    ]
    assert np.median(gaps) > 0.05 * values.mean()  # a random sample: 57 off a mean of 491
    assert mean_output_gap(values, background_positions(values, 50)) < 0.001 * values.mean()


def test_a_multiclass_background_keeps_each_predicted_class_and_its_mean_probabilities():
    rng = np.random.default_rng(7)
    n = 1000
    X = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
    y = np.select([X["a"] > 1.3, X["b"] > 1.0, X["a"] < -1.0, X["b"] < -1.2], [1, 2, 3, 4], 0)
    probabilities = LogisticRegression().fit(X, y).predict_proba(X)
    predicted = probabilities.argmax(axis=1)
    gaps = [
        mean_output_gap(probabilities, np.random.default_rng(s).choice(n, 50, replace=False))
        for s in range(200)
    ]
    assert np.median(gaps) > 0.03  # a random sample: 5.5 points off a class's mean, typically
    positions = background_positions(probabilities, 50)
    assert mean_output_gap(probabilities, positions) < 0.005  # 0.19 points
    for c in range(5):  # each predicted class's share, to one row in 50
        assert abs((predicted[positions] == c).mean() - (predicted == c).mean()) <= 1 / 50


def test_the_rows_span_every_output_level_in_the_rows_order_and_the_same_each_time():
    model, X, _ = _rare_class()
    outputs = model.predict_proba(X)[:, 1:2]
    first = representative_background(X, outputs, 50)
    assert first.index.equals(representative_background(X, outputs, 50).index)
    assert first.index.is_monotonic_increasing and first.index.is_unique and len(first) == 50
    chosen = np.sort(outputs[X.index.get_indexer(first.index), 0])
    ordered = np.sort(outputs[:, 0])
    for k in range(50):  # the k-th lowest chosen row lies in the k-th fiftieth of the outputs
        assert ordered[20 * k] <= chosen[k] <= ordered[20 * k + 19]
    assert len(representative_background(X.iloc[:30], outputs[:30], 50)) == 30
    with pytest.raises(ValueError, match="rows"):
        representative_background(X, outputs[:10], 50)


def test_publishing_states_the_models_mean_probability_as_its_average():
    """What the page calls "the model's average": the base value, now the mean probability
    over the demo rows (within a tenth of a point), over the rows it names."""
    model, X, y = _rare_class()
    artifacts = compute_artifacts(model, X, y, deck_size=20)
    mean = artifacts.predictions["p:1"].mean()
    base = artifacts.meta["base_values"][0]
    assert abs(base - mean) < 0.001
    background = artifacts.predictions.loc[artifacts.meta["background_rows"], "p:1"]
    assert base == pytest.approx(background.mean(), abs=1e-9)
