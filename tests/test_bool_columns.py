"""A bool column passed through a ColumnTransformer keeps a model's tree or linear explainer.

A ``ColumnTransformer`` that passes a bool column ("Has garage") through beside numbers hands
the model an object array; the fast explainers refused it as "not numeric", so gradient
boosting, histogram boosting, forests and linear regressions behind it went to the exact
explainer: 37 s and 131 s to publish a trial team's 1,000 demo rows, where LightGBM behind the
same transformer took 0.7 s. scikit-learn reads that array as floats (``True`` as 1.0); the
explainers now do too, and every row's values still add up to the model's output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.linear_model import Ridge
from sklearn.pipeline import Pipeline

import model
from model.config import INTERVENTIONAL_TREE, LINEAR, PATH_DEPENDENT_TREE

READINGS = [f"reading {i}" for i in range(7)]


def houses(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """Seven readings and a bool column "Has garage", which matters; and a price."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(rng.normal(size=(n, len(READINGS))), columns=READINGS)
    X["Has garage"] = rng.random(n) < 0.6
    X.index = pd.Index([f"H-{i:04d}" for i in range(n)], name="listing_id")
    price = 200_000 + 30_000 * X[READINGS].sum(axis=1) + 25_000 * X["Has garage"]
    return X, (price + rng.normal(0, 5_000, n)).to_numpy()


def passing_through(final) -> Pipeline:
    """``final`` behind a ColumnTransformer that passes every column through as it is."""
    columns = [*READINGS, "Has garage"]
    return Pipeline([("pre", ColumnTransformer([("keep", "passthrough", columns)])), ("m", final)])


def published(tmp_path, final, X: pd.DataFrame, y) -> tuple:
    """``(workspace, prototype, pipeline, the rows explained when publishing)`` of ``final``
    behind a pass-through ColumnTransformer, fitted on ``X`` and ``y``, published with a
    deck of 40 rows; its explainer has explained all 40 rows."""
    pipeline = passing_through(final).fit(X, y)
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S", "bool", pipeline, X, y, deck_size=40)
    explainer = proto.meta["explainer"]
    assert proto.meta["explainer_methods"] == {explainer: 40}
    return ws, proto, pipeline, proto.shap_values().index


def row_gaps(proto, outputs: np.ndarray) -> np.ndarray:
    """Each stored row's base value + contributions minus the model's ``outputs`` there,
    relative to the output (at least 1)."""
    values = proto.shap_values()
    total = proto.base_value() + values.sum(axis=1).to_numpy()
    return np.abs(total - outputs) / np.maximum(1.0, np.abs(outputs))


@pytest.mark.parametrize(
    ("final", "explainer"),
    [
        (GradientBoostingRegressor(n_estimators=40, random_state=0), PATH_DEPENDENT_TREE),
        (HistGradientBoostingRegressor(max_iter=40, random_state=0), PATH_DEPENDENT_TREE),
        (Ridge(), LINEAR),
    ],
    ids=["gradient boosting", "histogram boosting", "ridge"],
)
def test_a_regression_behind_a_bool_column_keeps_its_fast_explainer(tmp_path, final, explainer):
    X, price = houses()
    _, proto, pipeline, rows = published(tmp_path, final, X, price)
    assert proto.meta["explainer"] == explainer
    predicted = pipeline.predict(X.loc[rows])
    assert row_gaps(proto, predicted).max() <= 1e-6
    # the bool column is explained as itself, and it matters
    assert proto.shap_values()["Has garage"].abs().max() > 1_000


@pytest.mark.parametrize(
    ("final", "explainer"),
    [
        (HistGradientBoostingClassifier(max_iter=40, random_state=0), INTERVENTIONAL_TREE),
        (RandomForestClassifier(30, max_depth=6, random_state=0), PATH_DEPENDENT_TREE),
    ],
    ids=["histogram boosting", "forest"],
)
def test_a_classifier_behind_a_bool_column_keeps_its_tree_explainer(tmp_path, final, explainer):
    X, price = houses()
    y = np.where(price > np.median(price), "above", "below")
    ws, proto, pipeline, rows = published(tmp_path, final, X, y)
    assert proto.meta["explainer"] == explainer
    explained = list(pipeline.classes_).index(proto.meta["explained_classes"][0])
    if explainer == INTERVENTIONAL_TREE:  # boosting's trees add up in log-odds
        assert proto.meta["unit"] == "log-odds"
        sign = 1.0 if explained == 1 else -1.0
        outputs = sign * pipeline.decision_function(X.loc[rows])
    else:
        outputs = pipeline.predict_proba(X.loc[rows])[:, explained]
    assert row_gaps(proto, outputs).max() <= 1e-6
    # a row explained after publishing gets the same explainer
    later = proto.precomputed()[~proto.precomputed()].index[0]
    assert ws.explain("S", "bool", later)["explainer"] == explainer
