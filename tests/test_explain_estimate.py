"""Models of more than 12 features without an exact fast path are explained by the seeded
estimator: published with its method and stated error, the same values on every publish and
for a row explained later, within that error of a high-budget reference; and rows a fast
explainer gets wrong fall back to it one by one."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import model
from model import deck as deck_module
from model import explain
from model.background import representative_background
from model.estimate import estimate_shapley, first_layer
from model.explain_trees import INTERVENTIONAL_TREE
from model.publishing import compute_artifacts

DECK = 60
REFERENCE_ROWS = 20


def breast_cancer(train: int = 300, demo: int = 140):
    """30 numeric features: training rows and demo rows (row ids as text)."""
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X.index = [f"r{i}" for i in range(len(X))]
    y.index = X.index
    shuffled = X.sample(frac=1, random_state=3).index
    fit, shown = shuffled[:train], shuffled[train : train + demo]
    return X.loc[fit], y.loc[fit], X.loc[shown], y.loc[shown]


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A 30-feature logistic regression published twice with a 60-row deck."""
    X, y, X_demo, y_demo = breast_cancer()
    logistic = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y)
    ws = model.open_workspace(tmp_path_factory.mktemp("estimate"))
    first = ws.publish("S", "first", logistic, X_demo, y_demo, deck_size=DECK)
    second = ws.publish("S", "second", logistic, X_demo, y_demo, deck_size=DECK)
    return ws, logistic, X_demo, first, second


def test_a_wide_logistic_regression_records_the_estimate_and_its_error(published):
    _, _, _, proto, _ = published
    meta = proto.meta
    assert meta["explainer"] == explain.ESTIMATE
    assert meta["explainer_methods"] == {explain.ESTIMATE: DECK}
    assert meta["explainer_rows"] == {}  # every row has the explainer of most rows
    assert 0 < meta["estimate_error"] <= 0.01
    assert meta["estimate"] == {
        "seed": explain.ESTIMATE_SEED,
        "target_error": 0.01,
        "rows": DECK,
        "converged": DECK,
        "top_resolved": meta["estimate"]["top_resolved"],
    }
    assert meta["max_additivity_error"] <= 1e-6


def test_publishing_twice_gives_identical_values(published):
    _, _, _, first, second = published
    pd.testing.assert_frame_equal(first.shap_values(), second.shap_values())
    assert first.meta["estimate_error"] == second.meta["estimate_error"]


def test_published_values_agree_with_a_high_budget_reference_within_the_error(published):
    _, logistic, X_demo, proto, _ = published
    stored = proto.shap_values().iloc[:REFERENCE_ROWS]
    background = X_demo.loc[proto.meta["background_rows"]]
    codec = explain.FrameCodec(pd.concat([X_demo, background]))

    def predict(array):
        return explain.model_outputs(logistic, codec.decode(array), "binary")

    reference = estimate_shapley(
        predict,
        codec.encode(X_demo.loc[stored.index]),
        codec.encode(background),
        seed=1,
        target_error=0.004,
        max_permutations=100_000,
        layer=first_layer(logistic, codec.decode, "binary"),
    )
    assert reference.all_converged
    ours = stored.to_numpy()
    assert np.max(np.abs(ours - reference.values[:, :, 0])) <= proto.meta["estimate_error"]
    top = np.abs(ours).argmax(axis=1) == np.abs(reference.values[:, :, 0]).argmax(axis=1)
    assert top.mean() >= 0.95


def test_a_row_explained_on_demand_gets_the_values_publishing_gives_it(published):
    ws, logistic, X_demo, proto, _ = published
    precomputed = proto.precomputed()
    off, on = precomputed.index[~precomputed][0], precomputed.index[precomputed][:2]
    explained = ws.explain("S", "first", off)
    assert explained["explainer"] == explain.ESTIMATE and not explained["precomputed"]
    # its values leave the tool with their stated error (the CLI's JSON is this dict)
    assert explained["estimate_error"] == proto.meta["estimate_error"] > 0
    # A publish of these rows: the deck rows get their stored values, the other row its own.
    background = X_demo.loc[proto.meta["background_rows"]]
    rows = X_demo.loc[[on[0], off, on[1]]]
    again = explain.explain_estimator(logistic, rows, background, "binary", 2)
    stored = proto.shap_values()
    np.testing.assert_allclose(again.values[[0, 2], :, 0], stored.loc[on].to_numpy(), atol=1e-12)
    contributions = pd.Series(explained["contributions"])[list(X_demo.columns)]
    np.testing.assert_allclose(contributions.to_numpy(), again.values[1, :, 0], atol=1e-12)


# -- rows the fast explainer gets wrong, on a wide model -----------------------------------------


class NudgedBoosting(GradientBoostingClassifier):
    """Gradient boosting whose log-odds (and so probabilities) are moved on rows whose first
    column holds a value in ``moved_``: its trees, which shap reads, no longer give its output
    there."""

    def decision_function(self, X):
        log_odds = np.array(super().decision_function(X), dtype=float)
        first = np.asarray(pd.DataFrame(X).iloc[:, 0], dtype=float)
        log_odds[np.isin(first, getattr(self, "moved_", ()))] += 0.3
        return log_odds

    def predict_proba(self, X):
        chance = 1 / (1 + np.exp(-self.decision_function(X)))
        return np.column_stack([1 - chance, chance])


def log_odds_target(boosting, background) -> float:
    """The estimate's target in log-odds: 1% of their range over the background rows."""
    log_odds = boosting.decision_function(background)
    return 0.01 * float(log_odds.max() - log_odds.min())


def nudged_rows(n_rows: int = 60, n_background: int = 20):
    """A 30-feature nudged model, ``n_rows`` rows, the background publishing draws from them
    (``background_size=n_background``) and two moved rows outside it."""
    X, y, _, _ = breast_cancer()
    _, _, rows, _ = breast_cancer(demo=n_rows)
    boosting = NudgedBoosting(n_estimators=15, max_depth=3, random_state=0).fit(X, y)
    first = rows.iloc[:, 0]
    once = rows.index[~first.duplicated(keep=False)]
    # publishing's background depends on the nudged outputs: the first two rows it leaves out
    for i, j in itertools.combinations(range(len(once)), 2):
        moved = once[[i, j]]
        boosting.moved_ = first.loc[moved].to_numpy()
        outputs = boosting.predict_proba(rows)[:, 1:2]
        background = representative_background(rows, outputs, n_background)
        if not moved.isin(background.index).any():
            return boosting, rows, background, moved
    raise AssertionError("no two rows outside the background to move")


@pytest.fixture(scope="module")
def nudged():
    return nudged_rows()


def test_rows_a_wide_models_fast_explainer_gets_wrong_are_estimated_one_by_one(nudged):
    boosting, rows, background, moved = nudged
    result = explain.explain_estimator(boosting, rows, background, "binary", 2, n_jobs=1)
    assert result.methods == {INTERVENTIONAL_TREE: len(rows) - 2, explain.ESTIMATE: 2}
    assert set(rows.index[result.row_methods == explain.ESTIMATE]) == set(moved)
    assert result.max_additivity_error <= 1e-6
    assert result.unit == "log-odds"
    assert result.target_error == pytest.approx(log_odds_target(boosting, background))
    assert 0 < result.estimate_error <= result.target_error
    estimated = np.isin(rows.index, moved)
    assert np.all(result.row_errors[estimated] > 0) and np.all(result.row_errors[~estimated] == 0)
    # the other rows keep the tree explainer's values
    fast = explain.explain_estimator(boosting, rows.drop(moved), background, "binary", 2, n_jobs=1)
    assert fast.methods == {INTERVENTIONAL_TREE: len(rows) - 2}
    np.testing.assert_array_equal(result.values[~estimated], fast.values)
    meta = result.methods_meta(rows.index)
    assert meta["explainer_rows"] == {explain.ESTIMATE: list(moved)}
    assert meta["estimate_error"] == result.estimate_error
    assert meta["estimate"]["rows"] == 2


def test_a_wrong_row_explained_on_demand_gets_the_estimate_publishing_gave_it(nudged):
    boosting, rows, background, moved = nudged
    deck = explain.explain_estimator(boosting, rows, background, "binary", 2, n_jobs=1)
    alone = deck_module.explain_on_demand(
        boosting, rows.loc[moved[1:]], background, "binary", 2, INTERVENTIONAL_TREE
    )
    assert alone.explainer == explain.ESTIMATE
    position = rows.index.get_loc(moved[1])
    np.testing.assert_allclose(alone.values[0], deck.values[position], atol=1e-12)


def test_publishing_records_which_rows_were_estimated(nudged):
    boosting, rows, background, moved = nudged
    artifacts = compute_artifacts(boosting, rows, deck_size=None, background_size=20)
    assert artifacts.meta["background_rows"] == list(background.index)
    meta = artifacts.meta
    assert meta["explainer"] == INTERVENTIONAL_TREE
    assert meta["explainer_methods"][explain.ESTIMATE] == 2
    assert sorted(meta["explainer_rows"][explain.ESTIMATE]) == sorted(moved)
    assert 0 < meta["estimate_error"] <= log_odds_target(boosting, background)


def test_a_deck_row_that_was_estimated_says_so_when_shown(tmp_path):
    boosting, rows, _, moved = nudged_rows(n_rows=80, n_background=50)
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S", "nudged", boosting, rows, deck_size=None)
    assert proto.meta["explainer"] == INTERVENTIONAL_TREE
    estimated = ws.explain("S", "nudged", moved[0])
    assert estimated["precomputed"] and estimated["explainer"] == explain.ESTIMATE
    assert estimated["estimate_error"] == proto.meta["estimate_error"] > 0
    other = rows.index[~rows.index.isin(moved)][0]
    exact = ws.explain("S", "nudged", other)
    assert exact["explainer"] == INTERVENTIONAL_TREE and exact["estimate_error"] is None


def test_a_wide_regression_is_estimated_to_a_hundredth_of_its_backgrounds_range():
    import warnings

    from sklearn.datasets import make_friedman1
    from sklearn.neural_network import MLPRegressor

    X, y = make_friedman1(n_samples=240, n_features=20, noise=0.0, random_state=0)
    X = pd.DataFrame(X, columns=[f"x{i}" for i in range(20)], index=[f"r{i}" for i in range(240)])
    mlp = MLPRegressor(hidden_layer_sizes=(8,), max_iter=300, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the small network's convergence warning
        regression = make_pipeline(StandardScaler(), mlp).fit(X.iloc[:200], y[:200])
    artifacts = compute_artifacts(
        regression, X.iloc[200:], y[200:], deck_size=None, background_size=30
    )
    meta = artifacts.meta
    background = X.loc[meta["background_rows"]]
    target = 0.01 * np.ptp(regression.predict(background))
    assert meta["task"] == "regression" and meta["explainer"] == explain.ESTIMATE
    assert meta["estimate"]["target_error"] == pytest.approx(target, rel=1e-12)
    assert 0 < meta["estimate_error"] <= target
    assert meta["max_additivity_error"] <= 1e-6
