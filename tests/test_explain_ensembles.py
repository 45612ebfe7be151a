"""Weighted ensembles (soft votes, bags, linear stacks) get the weighted sum of their members'
exact values
(``model.explain_ensembles``), checked against shap's values of each member, through the Python
API, rows explained later and the CLI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shap
from cli_support import publish_and_explain
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    BaggingClassifier,
    ExtraTreesClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
    StackingRegressor,
    VotingClassifier,
    VotingRegressor,
)
from sklearn.linear_model import LinearRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier

from model.config import PATH_DEPENDENT_TREE
from model.explain_ensembles import is_weighted_ensemble
from model.workspace import open_workspace

N_FEATURES = 16  # above the exact explainer's 12: before, these went to the sampled estimate


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(700, N_FEATURES, n_informative=6, random_state=0)
    X = pd.DataFrame(X, columns=[f"reading {i}" for i in range(N_FEATURES)])
    X.index = [f"r{i}" for i in range(len(X))]
    return X.iloc[:500], pd.Series(y[:500], index=X.index[:500]), X.iloc[500:], y[500:]


def _tree_values(model, rows) -> np.ndarray:
    """shap's path-dependent values of ``model``'s class 1 (or value) on ``rows``."""
    values = np.asarray(shap.TreeExplainer(model).shap_values(rows, check_additivity=False))
    return values[:, :, 1] if values.ndim == 3 else values


def test_a_soft_vote_of_forests_is_the_weighted_sum_of_its_members_tree_values(tmp_path, data):
    X, y, X_demo, y_demo = data
    vote = VotingClassifier(
        [
            ("forest", RandomForestClassifier(30, max_depth=5, random_state=0)),
            ("extra", ExtraTreesClassifier(30, max_depth=5, random_state=0)),
            ("off", "drop"),
        ],
        voting="soft",
        weights=[2, 1, 5],  # the dropped member's weight counts for nothing
    ).fit(X, y)
    assert is_weighted_ensemble(vote)
    ws = open_workspace(tmp_path / "ws")
    proto = ws.publish(
        "S1", "vote", vote, X_demo, pd.Series(y_demo, index=X_demo.index), deck_size=100
    )
    assert proto.meta["explainer"] == PATH_DEPENDENT_TREE
    assert proto.meta.get("estimate_error") is None
    forest, extra = vote.estimators_
    reference = pd.DataFrame(
        (2 * _tree_values(forest, X_demo.to_numpy()) + _tree_values(extra, X_demo.to_numpy())) / 3,
        index=X_demo.index,
        columns=X_demo.columns,
    )
    stored = proto.shap_values()
    assert len(stored) == 100
    np.testing.assert_allclose(stored, reference.loc[stored.index], atol=1e-9)
    outside = next(r for r in X_demo.index if r not in stored.index)
    later = ws.explain("S1", "vote", outside)
    assert later["explainer"] == PATH_DEPENDENT_TREE
    np.testing.assert_allclose(
        pd.Series(later["contributions"])[X_demo.columns], reference.loc[outside], atol=1e-9
    )
    probability = vote.predict_proba(X_demo.loc[[outside]])[0, 1]
    assert later["output"] == pytest.approx(probability, abs=1e-9)


def test_a_bag_of_trees_on_column_subsets_places_each_trees_values_on_its_columns(tmp_path, data):
    X, y, X_demo, y_demo = data
    bag = BaggingClassifier(
        DecisionTreeClassifier(max_depth=4), n_estimators=8, max_features=0.6, random_state=0
    ).fit(X, y)
    proto = open_workspace(tmp_path / "ws").publish("S1", "bag", bag, X_demo, None)
    assert proto.meta["explainer"] == PATH_DEPENDENT_TREE
    rows = X_demo.to_numpy()
    reference = np.zeros(rows.shape)
    for member, columns in zip(bag.estimators_, bag.estimators_features_, strict=True):
        reference[:, columns] += _tree_values(member, rows[:, columns]) / len(bag.estimators_)
    stored = proto.shap_values().loc[X_demo.index]
    np.testing.assert_allclose(stored.to_numpy(), reference, atol=1e-9)
    unseen = [c for c in range(N_FEATURES) if not any(c in f for f in bag.estimators_features_)]
    assert (stored.iloc[:, unseen] == 0).all().all()


def test_a_vote_of_a_forest_and_a_linear_model_in_a_pipeline_adds_up_at_200000(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "district": rng.choice(["north", "south", "harbour"], 600),
            "rooms": rng.integers(1, 7, 600).astype(float),
            "area": rng.normal(90, 25, 600),
        }
    )
    price = (
        150_000
        + 900 * frame["area"]
        + 12_000 * frame["rooms"]
        + frame["district"].map({"north": 0, "south": 20_000, "harbour": 60_000})
        + rng.normal(0, 5_000, 600)
    )
    prep = ColumnTransformer([("district", OneHotEncoder(), ["district"])], remainder="passthrough")
    vote = VotingRegressor(
        [
            ("forest", RandomForestRegressor(30, max_depth=6, random_state=0)),
            ("linear", make_pipeline(StandardScaler(), LinearRegression())),
        ],
        weights=[1, 3],
    )
    model = make_pipeline(prep, vote).fit(frame.iloc[:400], price.iloc[:400])
    demo, truth = frame.iloc[400:], price.iloc[400:]
    proto = open_workspace(tmp_path / "ws").publish("S1", "vote", model, demo, truth)
    assert proto.meta["explainer"] == f"{PATH_DEPENDENT_TREE} + linear"
    stored = proto.shap_values().loc[demo.index.astype(str)]
    assert list(stored.columns) == ["district", "rooms", "area"]
    predicted = model.predict(demo)
    total = proto.base_value() + stored.sum(axis=1).to_numpy()
    assert np.max(np.abs(total - predicted) / np.abs(predicted)) < 1e-6
    # the district's three one-hot columns are summed back to it, and they matter
    assert stored["district"].abs().max() > 10_000


def test_a_member_without_exact_values_leaves_the_ensemble_to_the_estimate(tmp_path, data):
    X, y, X_demo, y_demo = data
    vote = VotingClassifier(
        [("forest", RandomForestClassifier(20, random_state=0)), ("knn", KNeighborsClassifier())],
        voting="soft",
    ).fit(X, y)
    proto = open_workspace(tmp_path / "ws").publish(
        "S1", "vote", vote, X_demo.iloc[:60], None, deck_size=10
    )
    assert "sampled" in proto.meta["explainer"]
    assert proto.meta["estimate_error"] is not None


def test_a_hard_vote_is_not_an_average_of_probabilities():
    assert not is_weighted_ensemble(VotingClassifier([("a", DecisionTreeClassifier())]))
    assert not is_weighted_ensemble(RandomForestClassifier())


def test_a_stack_of_regressors_with_a_linear_final_estimator_is_exact(tmp_path, data):
    # StackingRegressor's default final estimator, RidgeCV: intercept + coef @ members'
    # predictions, so its values are the members' weighted by coef_; before, the estimate
    X, _, X_demo, _ = data
    value = 1_000 * X["reading 0"] + 300 * X["reading 1"] ** 2
    stack = StackingRegressor(
        [
            ("forest", RandomForestRegressor(20, max_depth=5, random_state=0)),
            ("boosted", GradientBoostingRegressor(n_estimators=30, random_state=0)),
            ("off", "drop"),
        ]
    ).fit(X, value)
    assert is_weighted_ensemble(stack)
    proto = open_workspace(tmp_path / "ws").publish("S1", "stack", stack, X_demo, None)
    assert proto.meta["explainer"] == PATH_DEPENDENT_TREE
    forest, boosted = (e for e in stack.estimators_ if not isinstance(e, str))
    coef, intercept = stack.final_estimator_.coef_, stack.final_estimator_.intercept_
    rows = X_demo.to_numpy()
    reference = coef[0] * _tree_values(forest, rows) + coef[1] * _tree_values(boosted, rows)
    stored = proto.shap_values().loc[X_demo.index]
    np.testing.assert_allclose(stored.to_numpy(), reference, rtol=1e-9, atol=1e-6)
    total = proto.base_value() + stored.sum(axis=1).to_numpy()
    np.testing.assert_allclose(total, stack.predict(X_demo), rtol=1e-9)
    assert intercept != 0  # the constant is in the base value
    # passing the features through, or a final estimator that is not linear: not a sum
    through = StackingRegressor([("f", RandomForestRegressor(5))], passthrough=True)
    assert not is_weighted_ensemble(through.fit(X, value))
    curved = StackingRegressor(
        [("f", RandomForestRegressor(5))], final_estimator=RandomForestRegressor(5)
    )
    assert not is_weighted_ensemble(curved.fit(X, value))


def test_the_cli_publishes_a_soft_vote_from_a_skops_file_with_tree_values(tmp_path, data):
    X, y, X_demo, y_demo = data
    vote = VotingClassifier(
        [
            ("forest", RandomForestClassifier(10, max_depth=4, random_state=0)),
            ("extra", ExtraTreesClassifier(10, max_depth=4, random_state=0)),
        ],
        voting="soft",
    ).fit(X, y)
    stdout, result = publish_and_explain(tmp_path, vote, X_demo, y_demo, "vote", X_demo.index[0])
    assert f"explainer: {PATH_DEPENDENT_TREE})" in stdout
    assert result["base_value"] + sum(result["contributions"].values()) == pytest.approx(
        vote.predict_proba(X_demo.iloc[:1])[0, 1], abs=1e-6
    )


def test_a_vote_of_xgboost_lightgbm_and_catboost_regressors_is_exact_at_200000(tmp_path):
    # each library's own tree values (XGBoost's as the float64 sum of its trees), weighted;
    # before, the vote went to the sampled estimate (14 readings: +-1,695 on 150,000)
    xgboost = pytest.importorskip("xgboost")
    lightgbm = pytest.importorskip("lightgbm")
    catboost = pytest.importorskip("catboost")
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(700, 14)), columns=[f"r{i}" for i in range(14)])
    price = 200_000 + 30_000 * X["r0"] + 10_000 * X["r1"] ** 2 + rng.normal(0, 3_000, 700)
    vote = VotingRegressor(
        [
            ("xgb", xgboost.XGBRegressor(n_estimators=40, max_depth=4)),
            ("lgbm", lightgbm.LGBMRegressor(n_estimators=40, verbose=-1)),
            ("cat", catboost.CatBoostRegressor(iterations=40, verbose=0)),
        ]
    ).fit(X.iloc[:500], price.iloc[:500])
    demo = X.iloc[500:]
    proto = open_workspace(tmp_path / "ws").publish("S1", "vote", vote, demo, price.iloc[500:])
    assert proto.meta["explainer"] == PATH_DEPENDENT_TREE
    stored = proto.shap_values().loc[demo.index.astype(str)]
    predicted = vote.predict(demo)
    total = proto.base_value() + stored.sum(axis=1).to_numpy()
    assert np.max(np.abs(total - predicted) / np.abs(predicted)) < 1e-6
    # the same as each library's own values, weighted (XGBoost's own in float32)
    own = (
        sum(np.asarray(shap.TreeExplainer(member).shap_values(demo)) for member in vote.estimators_)
        / 3
    )
    np.testing.assert_allclose(stored.to_numpy(), own, atol=0.5)
    assert np.abs(stored["r0"]).max() > 10_000


def test_an_ensemble_of_ensembles_is_the_sum_of_its_members_sums(tmp_path, data):
    # a soft vote of a forest and a bag of extra trees (a pipeline whose last step is a bag)
    X, y, X_demo, _ = data
    bag = make_pipeline(
        StandardScaler(), BaggingClassifier(ExtraTreesClassifier(10, max_depth=4), n_estimators=3)
    )
    vote = VotingClassifier(
        [("forest", RandomForestClassifier(20, max_depth=5, random_state=0)), ("bag", bag)],
        voting="soft",
    ).fit(X, y)
    proto = open_workspace(tmp_path / "ws").publish("S1", "nested", vote, X_demo, None)
    assert proto.meta["explainer"] == PATH_DEPENDENT_TREE
    forest, fitted_bag = vote.estimators_
    Z, inner = fitted_bag[0].transform(X_demo), np.zeros(X_demo.shape)
    members = fitted_bag[-1]
    for member, columns in zip(members.estimators_, members.estimators_features_, strict=True):
        inner[:, columns] += _tree_values(member, Z[:, columns]) / len(members.estimators_)
    reference = (_tree_values(forest, X_demo.to_numpy()) + inner) / 2
    stored = proto.shap_values().loc[X_demo.index]
    np.testing.assert_allclose(stored.to_numpy(), reference, atol=1e-9)
