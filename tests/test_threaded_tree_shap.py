"""Path-dependent tree SHAP in threads (``model.threaded_tree_shap``): shap's values, on
every core.

Each test compares with shap's own path-dependent ``TreeExplainer`` on the same trees and
rows, and with the model's own outputs (additivity).
"""

from __future__ import annotations

import pickle
import sys

import joblib
import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.datasets import load_breast_cancer, make_classification, make_regression
from sklearn.ensemble import (
    ExtraTreesRegressor,
    GradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.tree import DecisionTreeClassifier

import model.threaded_tree_shap as threaded
from model import tree_shap, tree_shap_kernel
from model.explain_trees import fast_explainer
from model.threaded_tree_shap import ThreadedTreeExplainer, threaded_explainer
from model.tree_shap_kernel import DENSE_SLOTS


def _cancer() -> tuple[pd.DataFrame, np.ndarray]:
    data = load_breast_cancer(as_frame=True)
    return data.data, data.target.to_numpy()


def _with_missing(n: int = 600) -> tuple[pd.DataFrame, np.ndarray]:
    """Eight readings, the first missing on a fifth of the rows (and telling), the fourth on a
    tenth: scikit-learn's trees learn which side a missing value goes."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"reading {i}" for i in range(8)])
    absent = rng.random(n) < 0.2
    X.loc[absent, "reading 0"] = np.nan
    X.loc[rng.random(n) < 0.1, "reading 3"] = np.nan
    return X, (X["reading 1"] + 2 * absent > 0.8).to_numpy(int)


def _three_classes():
    X, y = make_classification(
        n_samples=900, n_features=12, n_informative=6, n_classes=3, random_state=0
    )
    return pd.DataFrame(X), y


def _regression():
    X, y = make_regression(n_samples=800, n_features=10, noise=5.0, random_state=0)
    return pd.DataFrame(X), y * 1000  # outputs in the tens of thousands


def _deep():
    X, y = make_classification(n_samples=3000, n_features=20, flip_y=0.2, random_state=0)
    return pd.DataFrame(X), y


CASES = {
    # measurements with many decimals: rows must be compared in float32, as the trees do
    "forest": (lambda: RandomForestClassifier(40, max_depth=8, random_state=0), _cancer),
    "forest with missing values": (
        lambda: RandomForestClassifier(30, max_depth=6, random_state=0),
        _with_missing,
    ),
    "forest of three classes": (
        lambda: RandomForestClassifier(30, max_depth=7, random_state=0),
        _three_classes,
    ),
    "extra trees regression": (
        lambda: ExtraTreesRegressor(30, max_depth=8, random_state=0),
        _regression,
    ),
    "gradient boosting regression": (
        lambda: GradientBoostingRegressor(n_estimators=60, max_depth=4, random_state=0),
        _regression,
    ),
    # grown to the end: paths with more distinct features than a pattern table holds
    "deep tree": (lambda: DecisionTreeClassifier(random_state=0), _deep),
}


def _fitted(name: str):
    make_model, make_data = CASES[name]
    X, y = make_data()
    return make_model().fit(X, y), X


def _outputs(model, X) -> np.ndarray:
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.predict(X)


@pytest.mark.parametrize("name", CASES)
def test_values_are_shaps_and_add_up_to_the_model_outputs(name):
    model, X = _fitted(name)
    theirs = shap.TreeExplainer(model)
    ours = threaded_explainer(shap.TreeExplainer(model))
    assert isinstance(ours, ThreadedTreeExplainer)
    rows = X.to_numpy(float)
    expected = theirs.shap_values(rows, check_additivity=False)
    values = ours.shap_values(rows)
    scale = max(1.0, float(np.abs(_outputs(model, X)).max()))
    np.testing.assert_allclose(values, expected, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(ours.expected_value, theirs.expected_value, rtol=0, atol=1e-12)
    total = values.sum(axis=1) + ours.expected_value
    np.testing.assert_allclose(total, _outputs(model, X), rtol=0, atol=1e-9 * scale)


def test_the_deep_tree_has_paths_longer_than_a_pattern_table():
    model, _ = _fitted("deep tree")
    tree = model.tree_
    longest, stack = 0, [(0, frozenset())]
    while stack:
        node, seen = stack.pop()
        if tree.children_left[node] < 0:
            longest = max(longest, len(seen))
            continue
        seen = seen | {int(tree.feature[node])}
        stack += [(tree.children_left[node], seen), (tree.children_right[node], seen)]
    assert longest > DENSE_SLOTS


def test_a_deep_leaf_whose_pattern_cache_is_full_computes_the_rest_as_they_come(monkeypatch):
    model, X = _fitted("deep tree")
    ours = threaded_explainer(shap.TreeExplainer(model))
    rows = X.to_numpy(float)
    cached = ours.shap_values(rows)
    monkeypatch.setattr(tree_shap_kernel, "CACHE_LIMIT", 2)
    np.testing.assert_allclose(ours.shap_values(rows), cached, rtol=0, atol=1e-15)


@pytest.mark.parametrize("n_jobs", [2, -1])
def test_threads_give_the_values_of_one(n_jobs):
    model, X = _fitted("forest")
    ours = threaded_explainer(shap.TreeExplainer(model))
    rows = X.to_numpy(float)
    np.testing.assert_array_equal(ours.shap_values(rows, n_jobs=n_jobs), ours.shap_values(rows))


def test_a_pickled_explainer_gives_the_same_values():
    model, X = _fitted("forest with missing values")
    ours = threaded_explainer(shap.TreeExplainer(model))
    again = pickle.loads(pickle.dumps(ours))
    rows = X.to_numpy(float)
    np.testing.assert_array_equal(again.shap_values(rows), ours.shap_values(rows))


def test_shaps_explainer_is_kept_without_numba_or_for_too_deep_trees(monkeypatch):
    model, _ = _fitted("forest")
    explainer = shap.TreeExplainer(model)
    with monkeypatch.context() as patched:
        patched.setitem(sys.modules, "numba", None)  # import numba raises ImportError
        assert threaded_explainer(explainer) is explainer
    monkeypatch.setattr(threaded, "MAX_DEPTH", 7)  # the forest's trees are 8 deep
    assert threaded_explainer(explainer) is explainer


def test_publishing_a_forest_uses_threads_not_worker_processes(monkeypatch):
    model, X = _fitted("forest")
    fast = fast_explainer(model, X, X.iloc[:50], "binary")
    assert isinstance(fast.explainer, ThreadedTreeExplainer)
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_SECONDS", 0.0)

    def no_workers(*args, **kwargs):
        raise AssertionError("worker processes started")

    monkeypatch.setattr(joblib, "Parallel", no_workers)
    rows = X.to_numpy(float)
    two = tree_shap.tree_shap_values(fast.explainer, rows, n_jobs=2)
    np.testing.assert_array_equal(two, fast.explainer.shap_values(rows))


def test_a_chosen_joblib_backend_gets_the_chunks(monkeypatch):
    """``joblib.parallel_config(backend="dask")`` around a publish sends the rows to the
    cluster (``tests/test_dask_backend.py``); any backend chosen is honoured the same way."""
    model, X = _fitted("forest")
    explainer = threaded_explainer(shap.TreeExplainer(model))
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_SECONDS", 0.0)
    started, original = [], joblib.Parallel

    def spy(*args, **kwargs):
        started.append(kwargs["n_jobs"])
        return original(*args, **kwargs)

    monkeypatch.setattr(joblib, "Parallel", spy)
    rows = X.to_numpy(float)
    with joblib.parallel_config(backend="threading"):
        values = tree_shap.tree_shap_values(explainer, rows, n_jobs=2)
    assert started == [2]
    np.testing.assert_array_equal(values, explainer.shap_values(rows))


@pytest.mark.parametrize("k", [1, 2, 5, 9, 14])
def test_a_patterns_values_are_the_shapley_values_of_the_leafs_game(k):
    """One leaf's game: a coalition S reaches the leaf with weight Π_j (a_j if j in S else
    R_j). Its Shapley values enumerated coalition by coalition, without shap or quadrature."""
    from itertools import combinations
    from math import factorial

    rng = np.random.default_rng(k)
    covers = rng.uniform(0.01, 1.0, size=k)
    pattern = int(rng.integers(0, 2**k))
    met = [(pattern >> j) & 1 for j in range(k)]

    def game(coalition) -> float:
        return float(np.prod([met[j] if j in coalition else covers[j] for j in range(k)]))

    expected = np.zeros(k)
    for i in range(k):
        others = [j for j in range(k) if j != i]
        for size in range(k):
            weight = factorial(size) * factorial(k - size - 1) / factorial(k)
            for coalition in combinations(others, size):
                expected[i] += weight * (game({*coalition, i}) - game(set(coalition)))
    nodes, weights = tree_shap_kernel.quadrature(k)
    values = np.zeros(k)
    tree_shap_kernel.pattern_values(
        pattern, k, covers, nodes, weights, np.empty(k), np.empty(k + 1), values
    )
    np.testing.assert_allclose(values, expected, rtol=1e-12, atol=1e-15)
    assert values.sum() == pytest.approx(game(set(range(k))) - game(set()), abs=1e-14)


def _rare_failures():
    X, y = make_classification(
        n_samples=3000, n_features=8, weights=[0.96], flip_y=0.01, random_state=0
    )
    return pd.DataFrame(X), y


def test_a_tree_weighted_by_class_starts_from_its_mean_chance_on_its_training_rows():
    """A trial: class_weight="balanced" on 4% failures, and every waterfall started from "the
    model's average, 50.0%" where its mean chance was 11.5%: the trees weigh a failure as
    twenty-four rows. Each training row counts once now."""
    X, y = _rare_failures()
    tree = DecisionTreeClassifier(class_weight="balanced", max_depth=6, random_state=0).fit(X, y)
    assert shap.TreeExplainer(tree).expected_value[1] == pytest.approx(0.5, abs=0.01)
    fast = fast_explainer(tree, X, X.iloc[:50], "binary")
    mean_chance = tree.predict_proba(X)[:, 1].mean()
    assert fast.explainer.expected_value[1] == pytest.approx(mean_chance, abs=1e-12)
    rows = X.to_numpy(float)
    values = fast.explainer.shap_values(rows)
    total = values.sum(axis=1) + fast.explainer.expected_value
    np.testing.assert_allclose(total, tree.predict_proba(X), rtol=0, atol=1e-12)


def test_a_forest_weighted_by_class_starts_from_its_trees_mean_on_their_rows():
    X, y = _rare_failures()
    forest = RandomForestClassifier(30, class_weight="balanced", random_state=0).fit(X, y)
    fast = fast_explainer(forest, X, X.iloc[:50], "binary")
    assert fast.explainer.expected_value[1] < 0.2  # shap's own: 0.50
    rows = X.to_numpy(float)[:500]
    total = fast.explainer.shap_values(rows).sum(axis=1) + fast.explainer.expected_value
    np.testing.assert_allclose(total, forest.predict_proba(rows), rtol=0, atol=1e-12)
    # without class weights, shap's own covers and base value
    plain = RandomForestClassifier(30, random_state=0).fit(X, y)
    ours = fast_explainer(plain, X, X.iloc[:50], "binary").explainer.expected_value
    np.testing.assert_allclose(ours, shap.TreeExplainer(plain).expected_value, atol=1e-12)
