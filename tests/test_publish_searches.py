"""A fitted hyperparameter search (``GridSearchCV``, ``RandomizedSearchCV``, the halving ones)
publishes as its best model: the explainer that model has, a file the app loads back, and
the search named in the model's description; its saved file loads through the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from cli_support import publish_and_explain
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    HalvingGridSearchCV,
    KFold,
    RandomizedSearchCV,
    RepeatedKFold,
    RepeatedStratifiedKFold,
    ShuffleSplit,
    StratifiedGroupKFold,
    StratifiedKFold,
    StratifiedShuffleSplit,
    TimeSeriesSplit,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from model import persistence
from model.config import PATH_DEPENDENT_TREE
from model.workspace import open_workspace

GRID = {"max_depth": [3, 5], "n_estimators": [10, 20]}


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(700, 14, n_informative=5, random_state=0)
    X = pd.DataFrame(X, columns=[f"reading {i}" for i in range(14)])
    return X.iloc[:500], y[:500], X.iloc[500:], y[500:]


def test_a_grid_search_publishes_as_its_best_forest_with_tree_values(tmp_path, data):
    # published as the search: the sampled estimate (600 rows, 16 features: 9.1 s) and a
    # file the app refused ("_PassthroughScorer, StratifiedKFold are not ones the app may load")
    X, y, X_demo, y_demo = data
    search = GridSearchCV(RandomForestClassifier(random_state=0), GRID, cv=3).fit(X, y)
    proto = open_workspace(tmp_path / "ws").publish("S1", "tuned", search, X_demo, y_demo)
    assert proto.meta["explainer"] == PATH_DEPENDENT_TREE
    assert proto.meta["estimator"] == "RandomForestClassifier · best of 4 candidates (GridSearchCV)"
    assert proto.model_refusal() is None
    assert type(proto.estimator()) is RandomForestClassifier
    predicted = proto.predictions().loc[X_demo.index.astype(str)]
    np.testing.assert_allclose(
        predicted[proto.probability_columns()[-1]], search.predict_proba(X_demo)[:, 1]
    )


def test_a_randomized_search_over_a_pipeline_publishes_its_best_pipeline(tmp_path, data):
    X, y, X_demo, y_demo = data
    pipeline = make_pipeline(StandardScaler(), RandomForestClassifier(10, random_state=0))
    search = RandomizedSearchCV(
        pipeline, {"randomforestclassifier__max_depth": [3, 4, 5]}, n_iter=2, cv=3, random_state=0
    ).fit(X, y)
    proto = open_workspace(tmp_path / "ws").publish("S1", "tuned", search, X_demo, y_demo)
    assert proto.meta["explainer"] == PATH_DEPENDENT_TREE
    assert proto.meta["estimator"] == (
        "Pipeline(StandardScaler → RandomForestClassifier) · best of 2 candidates "
        "(RandomizedSearchCV)"
    )


def test_a_pipeline_ending_in_a_search_publishes_ending_in_its_best_model(tmp_path, data):
    X, y, X_demo, y_demo = data
    search = GridSearchCV(RandomForestClassifier(random_state=0), GRID, cv=3)
    pipeline = make_pipeline(StandardScaler(), search).fit(X, y)
    proto = open_workspace(tmp_path / "ws").publish("S1", "tuned", pipeline, X_demo, y_demo)
    assert proto.meta["explainer"] == PATH_DEPENDENT_TREE
    assert proto.meta["estimator"] == (
        "Pipeline(StandardScaler → RandomForestClassifier) · best of 4 candidates (GridSearchCV)"
    )
    loaded = proto.estimator()
    assert type(loaded[-1]) is RandomForestClassifier
    np.testing.assert_allclose(loaded.predict_proba(X_demo), pipeline.predict_proba(X_demo))


@pytest.mark.parametrize(
    ("cv", "scoring"),
    [
        (StratifiedKFold(3), None),
        (KFold(3), "f1"),
        (ShuffleSplit(3, random_state=0), "roc_auc"),
        (StratifiedShuffleSplit(3, random_state=0), "average_precision"),
        (RepeatedKFold(n_splits=2, n_repeats=2, random_state=0), "neg_log_loss"),
        (RepeatedStratifiedKFold(n_splits=2, n_repeats=2, random_state=0), "precision"),
        (GroupKFold(3), "recall"),
        (StratifiedGroupKFold(3), "accuracy"),
        (TimeSeriesSplit(3), None),
    ],
)
def test_a_saved_search_with_its_splitter_and_scorer_loads_back(cv, scoring, data):
    X, y, _, _ = data
    groups = np.arange(len(X)) % 7
    search = GridSearchCV(RandomForestClassifier(5, random_state=0), {"max_depth": [2]}, cv=cv)
    search.set_params(scoring=scoring).fit(X, y, groups=groups)
    loaded = persistence.loads(sio.dumps(search))
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))


@pytest.mark.parametrize(
    "scoring",
    ["r2", "neg_mean_squared_error", "neg_mean_absolute_error", "neg_root_mean_squared_error"],
)
def test_a_saved_regression_search_loads_back(scoring):
    X, y = make_regression(200, 4, random_state=0)
    search = GridSearchCV(RandomForestRegressor(5, random_state=0), {"max_depth": [2]}, cv=3)
    search.set_params(scoring=scoring).fit(X, y)
    loaded = persistence.loads(sio.dumps(search))
    np.testing.assert_array_equal(loaded.predict(X), search.predict(X))


def test_the_cli_publishes_a_saved_halving_search_as_its_best_model(tmp_path, data):
    X, y, X_demo, y_demo = data
    search = HalvingGridSearchCV(RandomForestClassifier(random_state=0), GRID, cv=3).fit(X, y)
    stdout, result = publish_and_explain(tmp_path, search, X_demo, y_demo, "tuned", 520)
    assert f"explainer: {PATH_DEPENDENT_TREE})" in stdout
    assert result["base_value"] + sum(result["contributions"].values()) == pytest.approx(
        search.predict_proba(X_demo.loc[[520]])[0, 1], abs=1e-9
    )
