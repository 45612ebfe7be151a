"""scikit-learn's histogram gradient boosting with categorical splits, and multiclass: shap's
interventional tree explainer on the trees as ``model.hist_gradient_trees`` reads them, exact
against the enumeration of every coalition, in log-odds (each class's softmax score) or value.

Before, shap read neither the splits on categories nor any class's trees but the first, and
these models went to the sampled estimate (0.17 s a row for 22 features, 0.9 s multiclass).
scikit-learn's classic gradient boosting of several classes, which shap refuses, is read the
same way.
"""

from __future__ import annotations

import weakref

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_wine
from sklearn.ensemble import (
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OrdinalEncoder

from model import hist_gradient_trees
from model.config import INTERVENTIONAL_TREE, INTERVENTIONAL_VALUE_TREE
from model.explain import EXACT, exact_shapley, explain_estimator, explain_rows
from model.explain_columns import FrameCodec
from model.explain_trees import fast_explainer

#: How far shap's interventional values may be from the enumeration's, relative to the
#: output's magnitude (at least 1): measured up to 1.5e-8 in log-odds, 3e-10 of a value.
AGREEMENT = 1e-7
SHOPS = [f"shop {i:02d}" for i in range(24)]


def machines(n: int = 600, seed: int = 0) -> pd.DataFrame:
    """Six readings, a shop of 24 (missing on some rows) and a line of 3: the shops that fail
    more are scattered through the codes, so a split on shops holds many runs of codes."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, 6)), columns=[f"reading {i}" for i in range(6)])
    shop = pd.Series(rng.choice(SHOPS, n), dtype=object)
    shop[rng.random(n) < 0.08] = None
    X["shop"] = pd.Categorical(shop, categories=SHOPS)
    X["line"] = pd.Categorical(rng.choice(["north", "south", "west"], n))
    X.index = [f"m{i}" for i in range(n)]
    return X


def risk(X: pd.DataFrame) -> np.ndarray:
    bad_shop = X["shop"].cat.codes.isin([1, 4, 5, 9, 13, 14, 20]).to_numpy()
    return X["reading 0"].to_numpy() + 1.5 * bad_shop - X["reading 1"] * (X["line"] == "west")


def raw_scores(model, frame: pd.DataFrame) -> np.ndarray:
    return np.asarray(model._raw_predict(frame), dtype=float).reshape(len(frame), -1)


def exact_reference(output, X: pd.DataFrame, background: pd.DataFrame) -> np.ndarray:
    """Exact Shapley values of ``output(frame)`` over ``background``, by enumerating every
    coalition (categories as codes, decoded back to the frame the model takes)."""
    codec = FrameCodec(pd.concat([X, background]))
    values, _ = exact_shapley(
        lambda rows: output(codec.decode(rows)), codec.encode(X), codec.encode(background)
    )
    return values


@pytest.fixture(scope="module")
def binary():
    X = machines()
    rng = np.random.default_rng(1)
    y = np.where(rng.random(len(X)) < 1 / (1 + np.exp(-2 * risk(X))), "fails", "runs")
    model = HistGradientBoostingClassifier(max_iter=40, random_state=0).fit(X, y)
    assert hist_gradient_trees.has_categorical_splits(model)
    return model, X


def test_categorical_splits_are_explained_exactly_in_log_odds(binary):
    model, X = binary
    background = X.sample(30, random_state=2)
    result = explain_estimator(model, X, background, "binary", 2, n_jobs=1)
    assert result.explainer == INTERVENTIONAL_TREE and result.unit == "log-odds"
    assert result.methods == {INTERVENTIONAL_TREE: len(X)}  # no row needed another explainer
    np.testing.assert_allclose(result.outputs[:, 0], raw_scores(model, X)[:, 0], atol=1e-12)
    # rows with a missing shop and every shop code among those compared
    rows = X.iloc[:40]
    assert rows["shop"].isna().any() and np.abs(result.values[:, 6, 0]).max() > 0.1
    reference = exact_reference(lambda f: raw_scores(model, f), rows, background)
    np.testing.assert_allclose(result.values[:40], reference, atol=AGREEMENT)


def test_a_category_unknown_to_the_model_goes_where_the_model_sends_it(binary):
    model, X = binary
    rows = X.iloc[:5].copy()
    rows["line"] = pd.Categorical(["east"] * 5)  # never seen when fitting
    background = X.sample(30, random_state=2)
    result = explain_estimator(model, rows, background, "binary", 2, n_jobs=1)
    assert result.methods == {INTERVENTIONAL_TREE: 5}
    np.testing.assert_allclose(result.outputs[:, 0], raw_scores(model, rows)[:, 0], atol=1e-12)


def test_rows_explained_later_get_the_values_a_publish_gave_them(binary):
    model, X = binary
    background = X.sample(30, random_state=2)
    whole = explain_estimator(model, X.iloc[:50], background, "binary", 2, n_jobs=1)
    later = explain_rows(model, X.iloc[[7, 31]], background, "binary", 2, INTERVENTIONAL_TREE)
    np.testing.assert_allclose(later.values, whole.values[[7, 31]], atol=1e-12)


def test_a_regression_with_categories_is_explained_exactly_in_its_value():
    X = machines()
    y = 250_000 + 40_000 * risk(X) + np.random.default_rng(3).normal(0, 5_000, len(X))
    model = HistGradientBoostingRegressor(max_iter=40, random_state=0).fit(X, y)
    background = X.sample(30, random_state=2)
    result = explain_estimator(model, X, background, "regression", n_jobs=1)
    assert result.explainer == INTERVENTIONAL_VALUE_TREE and result.unit == "value"
    assert result.methods == {INTERVENTIONAL_VALUE_TREE: len(X)}
    errors = np.abs(result.base_values + result.values.sum(axis=1) - result.outputs)
    assert (errors / np.maximum(np.abs(result.outputs), 1)).max() <= 1e-6
    reference = exact_reference(lambda f: model.predict(f).reshape(-1, 1), X.iloc[:20], background)
    atol = AGREEMENT * np.abs(result.outputs).max()
    np.testing.assert_allclose(result.values[:20], reference, rtol=0, atol=atol)


def test_a_regression_predicting_exp_of_its_trees_is_left_to_the_exact_explainer():
    X = machines(300)
    y = np.exp(risk(X) / 2)
    model = HistGradientBoostingRegressor(loss="poisson", max_iter=20).fit(X, y)
    assert fast_explainer(model, X, X.iloc[:20], "regression") is None
    result = explain_estimator(model, X.iloc[:3], X.iloc[:20], "regression", n_jobs=1)
    assert result.explainer == EXACT and result.unit == "value"


def test_every_class_of_a_multiclass_model_is_explained_exactly_in_its_score():
    data = load_wine(as_frame=True)
    X = data.data.iloc[:, :8]  # eight readings: more than the exact probability explainer's six
    y = data.target.map({0: "barolo", 1: "grignolino", 2: "barbera"})
    model = HistGradientBoostingClassifier(max_iter=20, random_state=0).fit(X, y)
    assert not hist_gradient_trees.has_categorical_splits(model)
    background = X.sample(20, random_state=0)
    result = explain_estimator(model, X, background, "multiclass", 3, n_jobs=1)
    assert result.explainer == INTERVENTIONAL_TREE and result.unit == "log-odds"
    assert result.values.shape == (len(X), 8, 3) and result.methods == {INTERVENTIONAL_TREE: len(X)}
    np.testing.assert_allclose(result.outputs, raw_scores(model, X), atol=1e-12)
    reference = exact_reference(lambda f: raw_scores(model, f), X.iloc[:6], background)
    np.testing.assert_allclose(result.values[:6], reference, atol=AGREEMENT)


def test_a_categorical_model_in_a_pipeline_is_explained_by_its_source_columns():
    X = machines(400).astype({"shop": object, "line": object})
    y = np.where(risk(X.astype({"shop": "category"})) > 0.5, "fails", "runs")
    encode = ColumnTransformer(
        [("codes", OrdinalEncoder(), ["shop", "line"])], remainder="passthrough"
    )
    model = HistGradientBoostingClassifier(max_iter=30, categorical_features=[0, 1])
    pipeline = Pipeline([("encode", encode), ("model", model)]).fit(X, y)
    assert hist_gradient_trees.has_categorical_splits(model)
    background = X.sample(30, random_state=2)
    result = explain_estimator(pipeline, X, background, "binary", 2, n_jobs=1)
    assert result.explainer == INTERVENTIONAL_TREE and result.features == list(X.columns)
    assert result.methods == {INTERVENTIONAL_TREE: len(X)}
    reference = exact_reference(
        lambda f: raw_scores(model, encode.transform(f)), X.iloc[:15], background
    )
    np.testing.assert_allclose(result.values[:15], reference, atol=AGREEMENT)


def test_trees_too_large_once_rewritten_are_left_to_the_other_explainers(binary, monkeypatch):
    model, X = binary
    monkeypatch.setattr(hist_gradient_trees, "MAX_TREE_CELLS", 100)
    monkeypatch.setattr(hist_gradient_trees, "_READ", weakref.WeakKeyDictionary())
    assert hist_gradient_trees.hist_gradient_trees(model) is None
    assert fast_explainer(model, X, X.iloc[:20], "binary") is None


def test_a_binary_model_of_six_readings_keeps_the_exact_probability_explainer():
    X = machines(300).drop(columns=["reading 4", "reading 5"])
    y = np.where(risk(X) > 0.5, "fails", "runs")
    model = HistGradientBoostingClassifier(max_iter=20).fit(X, y)
    result = explain_estimator(model, X.iloc[:4], X.iloc[:20], "binary", 2, n_jobs=1)
    assert result.explainer == EXACT and result.unit == "probability"


def test_classic_gradient_boosting_of_several_classes_is_explained_exactly_in_its_scores():
    data = load_wine(as_frame=True)
    X = data.data.iloc[:, :8]
    y = data.target.map({0: "barolo", 1: "grignolino", 2: "barbera"})
    model = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X, y)
    background = X.sample(20, random_state=0)
    result = explain_estimator(model, X, background, "multiclass", 3, n_jobs=1)
    assert result.explainer == INTERVENTIONAL_TREE and result.unit == "log-odds"
    assert result.methods == {INTERVENTIONAL_TREE: len(X)}
    np.testing.assert_allclose(result.outputs, model.decision_function(X), atol=1e-12)
    reference = exact_reference(lambda f: model.decision_function(f), X.iloc[:6], background)
    np.testing.assert_allclose(result.values[:6], reference, atol=AGREEMENT)


def test_classic_gradient_boosting_starting_from_a_fitted_model_is_left_to_the_others():
    from sklearn.linear_model import LogisticRegression

    data = load_wine(as_frame=True)
    X, y = data.data.iloc[:, :8], data.target
    model = GradientBoostingClassifier(n_estimators=5, init=LogisticRegression(max_iter=5000)).fit(
        X, y
    )
    assert hist_gradient_trees.gradient_boosting_trees(model, X.iloc[:20]) is None
    assert fast_explainer(model, X, X.iloc[:20], "multiclass") is None


def test_a_model_is_read_once_and_again_after_a_refit():
    # rows explained on demand ask for the reading each time; a notebook may refit the object
    X = machines(300)
    y = np.where(risk(X) > 0.5, "fails", "runs")
    model = HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y)
    first = hist_gradient_trees.hist_gradient_trees(model)
    assert hist_gradient_trees.hist_gradient_trees(model) is first
    model.fit(X, y[::-1])
    again = hist_gradient_trees.hist_gradient_trees(model)
    assert again is not first
    result = explain_estimator(model, X, X.iloc[:30], "binary", 2, n_jobs=1)
    assert result.methods == {INTERVENTIONAL_TREE: len(X)}  # the refit model's trees
