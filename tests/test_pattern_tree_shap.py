"""Interventional tree SHAP by path patterns (``model.pattern_tree_shap``): shap's values, by
another road.

Each test compares with shap's own interventional explainer set up the same way (thresholds
recoded, the same background rows), and with the model's log-odds; one compares with the
Shapley values of the interventional game enumerated coalition by coalition, which needs
neither shap nor the pattern tables.
"""

from __future__ import annotations

import itertools
import pickle
from math import factorial

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
)
from sklearn.tree import DecisionTreeRegressor

import model.explain_trees as explain_trees
from model.explain_trees import fast_explainer
from model.pattern_tree_shap import MAX_PATH_FEATURES, PatternTreeExplainer, pattern_explainer


def _cancer(rows: int = 300, columns: int = 10) -> tuple[pd.DataFrame, pd.Series]:
    data = load_breast_cancer(as_frame=True)
    X = data.data.iloc[:rows, :columns].copy()
    return X, data.target.iloc[:rows]


def _both(model, X: pd.DataFrame, task: str, monkeypatch):
    """``(ours, shap's)``: the fast explainer as publishing sets it up, and the same with
    shap's explainer left in place."""
    background = X.iloc[::6]
    ours = fast_explainer(model, X, background, task)
    with monkeypatch.context() as patched:
        patched.setattr(explain_trees, "pattern_explainer", lambda explainer: explainer)
        theirs = fast_explainer(model, X, background, task)
    return ours, theirs


def _values(fast, X: pd.DataFrame) -> np.ndarray:
    rows = fast.prepare(np.asarray(fast.rows, dtype=float))
    return np.asarray(fast.explainer.shap_values(rows, check_additivity=False))


def _boosting(library: str):
    module = pytest.importorskip(library)
    if library == "xgboost":
        return module.XGBClassifier(n_estimators=40, max_depth=6, n_jobs=1)
    if library == "lightgbm":
        return module.LGBMClassifier(n_estimators=40, num_leaves=8, max_depth=3, verbose=-1)
    return module.CatBoostClassifier(
        iterations=40, depth=4, verbose=0, thread_count=1, allow_writing_files=False
    )


MODELS = {
    "gradient boosting": lambda: GradientBoostingClassifier(n_estimators=60, random_state=0),
    "histogram boosting": lambda: HistGradientBoostingClassifier(max_iter=40, max_depth=4),
    "xgboost": lambda: _boosting("xgboost"),
    "lightgbm": lambda: _boosting("lightgbm"),
    "catboost": lambda: _boosting("catboost"),
}


@pytest.mark.parametrize("name", MODELS)
def test_binary_boosting_values_are_shaps_and_add_up_to_the_log_odds(name, monkeypatch):
    X, y = _cancer()
    model = MODELS[name]().fit(X, y)
    ours, theirs = _both(model, X, "binary", monkeypatch)
    assert isinstance(ours.explainer, PatternTreeExplainer)
    assert not isinstance(theirs.explainer, PatternTreeExplainer)
    values, reference = _values(ours, X), _values(theirs, X)
    # shap's C code keeps its weights and sums in float32: agreement to its precision
    np.testing.assert_allclose(values, reference, atol=1e-6)
    np.testing.assert_allclose(ours.explainer.expected_value, theirs.explainer.expected_value)
    log_odds = ours.outputs(np.asarray(ours.rows, dtype=float)).ravel()
    np.testing.assert_allclose(values.sum(axis=1) + ours.explainer.expected_value, log_odds)


def test_missing_values_go_where_the_trees_send_them(monkeypatch):
    X, y = _cancer()
    X = X.mask(np.random.default_rng(0).random(X.shape) < 0.15)
    model = HistGradientBoostingClassifier(max_iter=40, max_depth=4).fit(X, y)
    ours, theirs = _both(model, X, "binary", monkeypatch)
    assert isinstance(ours.explainer, PatternTreeExplainer)
    np.testing.assert_allclose(_values(ours, X), _values(theirs, X), atol=1e-6)


@pytest.mark.parametrize(
    "model",
    [
        HistGradientBoostingClassifier(max_iter=20, max_depth=3),
        GradientBoostingClassifier(n_estimators=20, random_state=0),
    ],
    ids=["histogram", "classic"],
)
def test_every_class_of_a_multiclass_model_is_shaps(model, monkeypatch):
    data = load_iris(as_frame=True)
    X = pd.concat([data.data, data.data.add_suffix(" again") * 1.5], axis=1)
    model.fit(X, data.target)
    ours, theirs = _both(model, X, "multiclass", monkeypatch)
    assert all(isinstance(e, PatternTreeExplainer) for e in ours.explainer.explainers)
    values = _values(ours, X)
    assert values.shape == (len(X), X.shape[1], 3)
    np.testing.assert_allclose(values, _values(theirs, X), atol=1e-6)


def test_trees_with_more_features_on_a_path_than_the_tables_take_keep_shaps_explainer():
    X, y = _cancer(columns=12)
    model = GradientBoostingClassifier(n_estimators=10, max_depth=MAX_PATH_FEATURES + 2)
    fast = fast_explainer(model.fit(X, y), X, X.iloc[::6], "binary")
    assert not isinstance(fast.explainer, PatternTreeExplainer)
    assert fast.name == explain_trees.INTERVENTIONAL_TREE


def test_the_explainer_pickles_for_worker_processes_with_the_same_values():
    X, y = _cancer()
    fast = fast_explainer(
        GradientBoostingClassifier(n_estimators=30).fit(X, y), X, X.iloc[::6], "binary"
    )
    rows = fast.prepare(np.asarray(X, dtype=float))
    copy = pickle.loads(pickle.dumps(fast.explainer))
    np.testing.assert_array_equal(copy.shap_values(rows), fast.explainer.shap_values(rows))


def _game_shapley(predict, x: np.ndarray, background: np.ndarray) -> np.ndarray:
    """The interventional game's Shapley values, coalition by coalition:
    ``v(S) = mean over background rows z of predict(x on S, z elsewhere)``."""
    m = len(x)

    def v(coalition) -> float:
        hybrid = background.copy()
        hybrid[:, list(coalition)] = x[list(coalition)]
        return float(predict(hybrid).mean())

    phi = np.zeros(m)
    for j in range(m):
        others = [i for i in range(m) if i != j]
        for size in range(m):
            weight = factorial(size) * factorial(m - size - 1) / factorial(m)
            for coalition in itertools.combinations(others, size):
                phi[j] += weight * (v((*coalition, j)) - v(coalition))
    return phi


def test_values_are_the_interventional_games_shapley_values_with_a_feature_split_twice():
    import shap

    rng = np.random.default_rng(3)
    X = rng.normal(size=(400, 4)).astype(np.float32).astype(float)  # as the trees read them
    # a deep tree on few features: paths split on the same feature more than once
    y = np.sin(3 * X[:, 0]) + X[:, 1] * (X[:, 0] > 0) + 0.5 * X[:, 2] ** 2
    model = GradientBoostingRegressor(n_estimators=5, max_depth=4, random_state=0).fit(X, y)
    tree: DecisionTreeRegressor = model.estimators_[0, 0]
    features = tree.tree_.feature[tree.tree_.feature >= 0]
    assert len(features) > len(set(features))
    background = X[:12]
    explainer = pattern_explainer(
        shap.TreeExplainer(
            model, data=background, model_output="raw", feature_perturbation="interventional"
        )
    )
    assert isinstance(explainer, PatternTreeExplainer)
    rows = X[100:106]
    values = explainer.shap_values(rows)
    for row, row_values in zip(rows, values, strict=True):
        expected = _game_shapley(model.predict, row, background)
        np.testing.assert_allclose(row_values, expected, atol=1e-9)
    assert explainer.expected_value == pytest.approx(model.predict(background).mean())
