"""Tree models trained on data with missing values keep their exact tree explainer.

scikit-learn's trees, forests and histogram boosting learn which side a missing value goes
to, and shap sends it there too; yet any missing value in the rows sent the whole set to the
sampled estimate (a 15-feature forest: 52 ms a row, values with a stated error, where the
tree path is exact).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    ExtraTreesRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.tree import DecisionTreeClassifier

from model.config import INTERVENTIONAL_TREE, PATH_DEPENDENT_TREE
from model.explain import exact_shapley, explain_estimator


def readings(n: int = 400, k: int = 8, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """``k`` readings, the first missing on a fifth of the rows (and telling: a missing
    reading means trouble), the fourth on a tenth."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, k)), columns=[f"reading {i}" for i in range(k)])
    absent = rng.random(n) < 0.2
    X.loc[absent, "reading 0"] = np.nan
    X.loc[rng.random(n) < 0.1, "reading 3"] = np.nan
    score = X["reading 1"] + 2 * absent + X["reading 0"].fillna(0)
    return X, score.to_numpy()


def additivity(result) -> float:
    gap = result.base_values + result.values.sum(axis=1) - result.outputs
    return float(np.max(np.abs(gap) / np.maximum(np.abs(result.outputs), 1)))


@pytest.mark.parametrize(
    ("model", "task"),
    [
        (RandomForestClassifier(30, max_depth=6, random_state=0), "binary"),
        (RandomForestClassifier(30, max_depth=6, random_state=0), "multiclass"),
        (DecisionTreeClassifier(max_depth=5, random_state=0), "binary"),
        (ExtraTreesRegressor(30, max_depth=6, random_state=0), "regression"),
        (HistGradientBoostingRegressor(max_iter=30), "regression"),
    ],
    ids=["forest", "forest multiclass", "tree", "extra trees regression", "histogram regression"],
)
def test_trees_learnt_on_missing_values_are_explained_by_their_paths(model, task):
    X, score = readings()
    if task == "regression":
        y = score * 100
    elif task == "binary":
        y = np.where(score > 0.8, "fails", "runs")
    else:
        y = np.select([score < 0, score < 1.5], ["low", "mid"], "high")
    model.fit(X, y)
    n_classes = 0 if task == "regression" else len(model.classes_)
    result = explain_estimator(model, X, X.sample(40, random_state=1), task, n_classes, n_jobs=1)
    assert result.methods == {PATH_DEPENDENT_TREE: len(X)}
    assert additivity(result) <= 1e-6
    absent = X["reading 0"].isna().to_numpy()
    assert np.abs(result.values[absent, 0]).max() > 0  # the missing reading moves them


def test_histogram_boosting_on_missing_values_is_exact_in_log_odds():
    X, score = readings()
    y = np.where(score > 0.8, "fails", "runs")
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    background = X.sample(30, random_state=1)
    result = explain_estimator(model, X, background, "binary", 2, n_jobs=1)
    assert result.explainer == INTERVENTIONAL_TREE and result.unit == "log-odds"
    assert result.methods == {INTERVENTIONAL_TREE: len(X)}
    rows = X[X["reading 0"].isna()].iloc[:5]
    reference, _ = exact_shapley(
        lambda a: model.decision_function(pd.DataFrame(a, columns=X.columns)).reshape(-1, 1),
        rows.to_numpy(float),
        background.to_numpy(float),
    )
    positions = X.index.get_indexer(rows.index)
    np.testing.assert_allclose(result.values[positions], reference, atol=1e-7)
