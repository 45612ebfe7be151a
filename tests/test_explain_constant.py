"""A model whose output does not depend on the rows ("always no") is explained exactly at once:
every contribution 0, base value its output (model.explain_constant). The trial's
DummyClassifier on 24 columns took 4 min 32 s to publish 1,000 rows with the sampled
estimator for the same zeros."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.dummy import DummyClassifier, DummyRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder

from model.explain import EXACT, explain_estimator, explain_rows, model_outputs
from model.explain_constant import is_constant_model
from model.publishing import compute_artifacts


def _rows(n: int = 40, columns: int = 24, seed: int = 0):
    """``n`` rows of ``columns`` columns (a text category among them) and a 9 % class."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({f"x{j}": rng.normal(size=n) for j in range(columns - 1)})
    X["ward"] = rng.choice(["A", "B", "C"], size=n)
    y = pd.Series((np.arange(n) % 11 == 0).astype(int), name="readmitted")
    return X, y


def _encoded(final) -> Pipeline:
    encode = ColumnTransformer([("ward", OneHotEncoder(), ["ward"])], remainder="passthrough")
    return Pipeline([("encode", encode), ("model", final)])


CONSTANT = [
    DummyClassifier(strategy="most_frequent"),
    DummyClassifier(strategy="prior"),
    DummyClassifier(strategy="constant", constant=1),
    DummyRegressor(strategy="mean"),
    DummyRegressor(strategy="median"),
    DummyRegressor(strategy="quantile", quantile=0.9),
    DummyRegressor(strategy="constant", constant=3.5),
]


@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "pipeline"])
@pytest.mark.parametrize("final", CONSTANT, ids=lambda m: f"{type(m).__name__}-{m.strategy}")
def test_a_constant_model_is_explained_exactly_with_zeros_and_its_output_as_base(
    final, in_pipeline
):
    X, y = _rows()
    task = "binary" if isinstance(final, DummyClassifier) else "regression"
    X_fit = X if in_pipeline else X.drop(columns="ward")
    model = (_encoded(final) if in_pipeline else final).fit(X_fit, y)
    rows, background = X_fit.iloc[:8], X_fit.iloc[8:]
    explanation = explain_estimator(model, rows, background, task, 2)
    assert explanation.explainer == EXACT and explanation.methods == {EXACT: 8}
    assert explanation.values.shape == (8, X_fit.shape[1], 1)
    assert not explanation.values.any()
    constant = model_outputs(model, rows, task)[0]
    np.testing.assert_array_equal(explanation.base_values, constant)
    assert explanation.max_additivity_error == 0.0
    later = explain_rows(model, rows.iloc[:2], background, task, 2, EXACT)  # a row on demand
    assert not later.values.any() and later.explainer == EXACT


def test_a_random_or_derived_dummy_is_not_taken_for_constant():
    class Tweaked(DummyClassifier):
        pass

    assert not is_constant_model(DummyClassifier(strategy="stratified"))
    assert not is_constant_model(_encoded(DummyClassifier(strategy="uniform")))
    assert not is_constant_model(Tweaked())
    assert is_constant_model(_encoded(DummyRegressor()))


def test_publishing_always_no_states_its_constant_chance_as_the_average():
    """Published: exact, every stored contribution 0, "the model's average" its chance."""
    X, y = _rows(n=200)
    model = _encoded(DummyClassifier(strategy="prior")).fit(X, y)
    published = compute_artifacts(model, X, y, deck_size=None)
    assert published.meta["explainer"] == EXACT
    assert published.meta["base_values"] == [pytest.approx(y.mean())]
    assert not published.shap["1"].to_numpy().any()
