"""The demo deck: which rows are explained when publishing, and every other row on demand."""

from __future__ import annotations

import errno
import json
import subprocess
import sys
import threading

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import model
from model import deck as deck_module
from model.config import DECK_ERROR_SHARE, DECK_PRIORITY_SHARE, DECK_REGRESSION_BINS
from model.deck import plan_deck, select_deck, validate_deck_size, weighted_importance
from model.demo import FEATURES, TARGET, load_demo_data
from model.explain import ESTIMATE, exact_shapley, explain_estimator
from model.publishing import compute_artifacts
from model.workspace import ON_DEMAND_FILE

NUMERIC = FEATURES[1:]
DECK = 40


# -- the deck, from predictions alone --------------------------------------------------------
def classification_predictions(n: int = 2000, error_rate: float = 0.1, seed: int = 0):
    """Synthetic predictions of a three-class model: ``error_rate`` of them wrong."""
    rng = np.random.default_rng(seed)
    actual = rng.choice(["a", "b", "c"], n, p=[0.7, 0.2, 0.1])
    wrong = rng.random(n) < error_rate
    shifted = np.where(actual == "a", "b", np.where(actual == "b", "c", "a"))
    predicted = np.where(wrong, shifted, actual)
    return pd.DataFrame(
        {
            "predicted": predicted,
            "confidence": rng.uniform(0.34, 1.0, n),
            "actual": actual,
            "correct": predicted == actual,
        },
        index=pd.Index([f"r{i}" for i in range(n)], name="row_id"),
    )


def regression_predictions(n: int = 2000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    predicted = rng.normal(100, 20, n)
    actual = predicted + rng.normal(0, 5, n)
    return pd.DataFrame(
        {"predicted": predicted, "actual": actual, "error": predicted - actual},
        index=pd.Index([f"r{i}" for i in range(n)], name="row_id"),
    )


def test_deck_has_the_requested_size_every_wrong_row_and_the_least_confident():
    predictions = classification_predictions(error_rate=0.05)
    size = 400
    rows = select_deck(predictions, size, seed=1)
    assert len(rows) == size and rows.is_unique
    wrong = predictions.index[~predictions["correct"]]
    assert len(wrong) < size * DECK_ERROR_SHARE and wrong.isin(rows).all()
    right = predictions[predictions["correct"]].sort_values("confidence", kind="stable")
    least_confident = right.index[: int(size * DECK_PRIORITY_SHARE)]
    assert least_confident.isin(rows).all()
    assert list(rows) == [r for r in predictions.index if r in set(rows)]  # predictions' order


def test_too_many_errors_keep_the_most_confident_ones_up_to_half_and_say_so():
    predictions = classification_predictions(error_rate=0.4)
    size = 300
    plan = plan_deck(predictions, size, seed=1)
    wrong = predictions[~predictions["correct"]]
    cap = int(size * DECK_ERROR_SHARE)
    assert plan.errors == len(wrong) > cap and plan.errors_kept == cap
    most_confident = wrong.sort_values("confidence", ascending=False, kind="stable").index[:cap]
    assert most_confident.isin(plan.rows).all()
    assert f"the {cap} most confident of the {len(wrong)} wrong predictions" in plan.rule
    assert plan.meta()["errors_kept"] == cap and len(plan.rows) == size


def test_the_same_seed_gives_the_same_deck_and_another_seed_another_sample():
    predictions = classification_predictions()
    first = select_deck(predictions, 500, seed=3)
    assert first.equals(select_deck(predictions.copy(), 500, seed=3))
    assert not first.equals(select_deck(predictions, 500, seed=4))


def test_every_cell_of_actual_and_predicted_class_is_represented_in_proportion():
    predictions = classification_predictions(error_rate=0.02)
    plan = plan_deck(predictions, 300, seed=1)
    cells = predictions["actual"] + " → " + predictions["predicted"]
    assert set(cells.loc[plan.rows]) == set(cells)  # the wrong cells through their errors
    remaining = cells.drop(plan.weights[plan.weights == 1].index)  # neither wrong nor uncertain
    assert plan.strata == remaining.nunique() == 3
    sampled = plan.weights[plan.weights > 1].index  # drawn at random, standing for others
    in_sample = cells.loc[sampled].value_counts(normalize=True)
    for cell, share in remaining.value_counts(normalize=True).items():
        assert in_sample[cell] == pytest.approx(share, abs=0.01)


def test_weights_make_the_deck_stand_for_every_row():
    predictions = classification_predictions(error_rate=0.2)
    plan = plan_deck(predictions, 250, seed=1)
    assert plan.weights.sum() == pytest.approx(len(predictions))
    # A quantity known for every row, estimated from the deck: its mean confidence.
    estimate = np.average(predictions.loc[plan.rows, "confidence"], weights=plan.weights)
    unweighted = predictions.loc[plan.rows, "confidence"].mean()
    truth = predictions["confidence"].mean()
    assert abs(estimate - truth) < abs(unweighted - truth)
    assert estimate == pytest.approx(truth, abs=0.02)


def test_unlabelled_classification_is_stratified_by_predicted_class_only():
    predictions = classification_predictions().drop(columns=["actual", "correct"])
    plan = plan_deck(predictions, 200, seed=1)
    assert len(plan.rows) == 200 and plan.errors is None
    assert plan.strata == 3 and "predicted classes" in plan.rule


def test_regression_deck_has_the_largest_errors_and_every_tenth_of_the_predictions():
    predictions = regression_predictions()
    size = 300
    plan = plan_deck(predictions, size, seed=1)
    largest = predictions["error"].abs().sort_values(ascending=False).index
    assert largest[: int(size * DECK_PRIORITY_SHARE)].isin(plan.rows).all()
    bins = pd.qcut(predictions["predicted"], DECK_REGRESSION_BINS, labels=False)
    sampled = plan.weights[plan.weights > 1].index
    assert bins.loc[sampled].nunique() == DECK_REGRESSION_BINS
    assert len(plan.rows) == size and "largest errors" in plan.rule


@pytest.mark.parametrize("size", [None, 2000, 5000])
def test_no_size_or_one_covering_every_row_selects_every_row_with_weight_one(size):
    predictions = classification_predictions()
    plan = plan_deck(predictions, size)
    assert plan.rows.equals(predictions.index) and plan.complete
    assert (plan.weights == 1).all() and "all 2,000 rows" in plan.rule


@pytest.mark.parametrize("size", [0, -5, 2.5, True, "100"])
def test_a_deck_size_that_is_not_a_positive_whole_number_is_refused(size):
    with pytest.raises(ValueError, match="deck size must be a whole number"):
        validate_deck_size(size)
    with pytest.raises(model.PublishError, match="deck size must be a whole number"):
        compute_artifacts(
            model.ToolWearRule().fit(*demo_rows()[:2]), *demo_rows()[2:], deck_size=size
        )


def test_weighted_importance_with_equal_weights_is_the_plain_mean():
    values = np.random.default_rng(0).normal(size=(50, 3, 2))
    plain = {f: float(np.abs(values[:, m, :]).mean(axis=0).sum()) for m, f in enumerate("xyz")}
    assert weighted_importance(values, list("xyz"), np.ones(50)) == plain


# -- publishing a deck -----------------------------------------------------------------------
def demo_rows(failures: int = 60, normal: int = 540, train: int = 450):
    """Training and demo rows of the real AI4I data: by default 450 and 150, 10% failures."""
    data = load_demo_data()
    rows = pd.concat(
        [
            data[data[TARGET] == 1].sample(failures, random_state=0),
            data[data[TARGET] == 0].sample(normal, random_state=0),
        ]
    ).sample(frac=1, random_state=1)
    fit, demo = rows.iloc[:train], rows.iloc[train:]
    return fit[FEATURES], fit[TARGET], demo[FEATURES], demo[TARGET]


def pipeline(final, scale: bool = False) -> Pipeline:
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["Type"]),
            ("num", StandardScaler() if scale else "passthrough", NUMERIC),
        ]
    )
    return Pipeline([("prep", prep), ("model", final)])


def diabetes_rows():
    data = load_diabetes(as_frame=True)
    X, y = data.data.iloc[:200], data.target.iloc[:200]
    X.index = X.index.astype(str)
    return X, y, X, y


def breast_cancer_rows():
    """30 numeric features: more than exact Shapley values can enumerate."""
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X.index = X.index.astype(str)
    return X.iloc[:300], y.iloc[:300], X.iloc[300:380], y.iloc[300:380]


MODELS = {
    "tree (path-dependent)": (
        lambda: pipeline(RandomForestClassifier(n_estimators=15, max_depth=5, random_state=0)),
        demo_rows,
    ),
    "tree (interventional, log-odds)": (
        lambda: Pipeline(
            [
                ("scale", StandardScaler()),
                ("model", GradientBoostingClassifier(n_estimators=15, max_depth=2, random_state=0)),
            ]
        ),
        breast_cancer_rows,
    ),
    "linear": (
        lambda: Pipeline([("scale", StandardScaler()), ("model", LinearRegression())]),
        diabetes_rows,
    ),
    "exact (independent background)": (
        lambda: pipeline(LogisticRegression(max_iter=1000), scale=True),
        demo_rows,
    ),
    ESTIMATE: (
        lambda: Pipeline([("scale", StandardScaler()), ("model", LogisticRegression())]),
        breast_cancer_rows,
    ),
}


@pytest.fixture(scope="module", params=list(MODELS))
def full_and_deck(request, tmp_path_factory):
    """The same model published twice: every row precomputed ("full"), and a deck ("deck")."""
    make, rows = MODELS[request.param]
    X, y, X_demo, y_demo = rows()
    estimator = make().fit(X, y)
    ws = model.open_workspace(tmp_path_factory.mktemp("deck"))
    full = ws.publish("S", "full", estimator, X_demo, y_demo, deck_size=None)
    deck = ws.publish("S", "deck", estimator, X_demo, y_demo, deck_size=DECK)
    assert full.meta["explainer"] == deck.meta["explainer"] == request.param
    return ws, full, deck


def off_deck_rows(proto: model.Prototype, count: int, skip: int = 0) -> list[str]:
    precomputed = proto.precomputed()
    return list(precomputed.index[~precomputed][skip : skip + count])


def test_deck_publish_stores_float64_values_for_the_deck_rows_only(full_and_deck):
    _, full, deck = full_and_deck
    predictions = deck.predictions()
    assert predictions["precomputed"].dtype == bool
    assert predictions["precomputed"].sum() == DECK and deck.precomputed().sum() == DECK
    for label in deck.meta["explained_classes"]:
        stored = pd.read_parquet(deck.path / f"shap-{label or 'value'}.parquet")
        assert (stored.dtypes == np.float64).all()
        assert stored.index.equals(predictions.index[predictions["precomputed"]])
    meta = deck.meta["deck"]
    assert (meta["size"], meta["precomputed"], meta["rows"]) == (DECK, DECK, len(predictions))
    assert meta["rule"].startswith(f"SHAP values were computed for {DECK} of")
    assert meta["seconds_per_row"] > 0
    assert len(deck.meta["background_rows"]) == deck.meta["background_size"] == 50
    assert full.predictions()["precomputed"].all() and full.meta["deck"]["size"] is None


def test_full_publish_importance_is_the_mean_over_every_row(full_and_deck):
    ws, full, _ = full_and_deck
    estimator, X = full.estimator(), full.features()
    background = X.loc[full.meta["background_rows"]]
    n_classes = len(full.meta["classes"])
    values = explain_estimator(estimator, X, background, full.task, n_classes, n_jobs=1).values
    expected = {f: float(np.abs(values[:, m, :]).mean(axis=0).sum()) for m, f in enumerate(X)}
    assert full.meta["global_importance"] == pytest.approx(expected, rel=1e-9)
    assert "over all" in full.meta["deck"]["importance"]


def test_an_off_deck_row_gets_the_values_a_full_publish_gives_it(full_and_deck):
    ws, full, deck = full_and_deck
    for row_id in off_deck_rows(deck, 2):
        on_demand = ws.explain("S", "deck", row_id)
        published = ws.explain("S", "full", row_id)
        assert not on_demand["precomputed"] and published["precomputed"]
        assert on_demand["explainer"] == deck.meta["explainer"]
        assert on_demand["base_value"] == pytest.approx(published["base_value"], abs=1e-9)
        for feature, value in published["contributions"].items():
            # Both stored as float64: equal to 1e-6, relative for a regression's large values.
            assert on_demand["contributions"][feature] == pytest.approx(value, rel=1e-6, abs=1e-6)
        expected = (
            full.predictions().loc[row_id, "predicted"]
            if full.task == "regression"
            else full.predictions().loc[row_id, "p:1"]
        )
        output = on_demand["output"]
        if on_demand["unit"] == "log-odds":  # the log-odds behind the probability
            output = 1 / (1 + np.exp(-output))
        assert output == pytest.approx(expected, rel=1e-6, abs=1e-6)


def test_an_off_deck_row_is_stored_and_not_computed_again(full_and_deck, monkeypatch):
    ws, _, deck = full_and_deck
    (row_id,) = off_deck_rows(deck, 1, skip=5)
    assert row_id not in deck.on_demand_rows()
    first = ws.explain("S", "deck", row_id)
    stored = pd.read_parquet(deck.path / ON_DEMAND_FILE)
    assert row_id in stored.index.get_level_values("row_id")
    assert (stored.dtypes == np.float64).all()
    assert deck.explained()[row_id] and not deck.precomputed()[row_id]

    def refuse(*args, **kwargs):
        raise AssertionError("a stored row was explained again")

    monkeypatch.setattr(deck_module, "explain_on_demand", refuse)
    assert ws.explain("S", "deck", row_id) == first
    assert row_id in deck.shap_values().index


def test_a_gradient_boosting_row_explained_on_demand_gets_the_exact_log_odds_values():
    # 30 features: the interventional tree explainer in log-odds, on and off the deck alike,
    # equal to the exact Shapley values of the log-odds (enumerated over 8 of the features)
    X, y, X_demo, _ = breast_cancer_rows()
    columns = list(X.columns[:8])
    gb = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X[columns], y)
    background = X_demo[columns].sample(50, random_state=0)
    tree = deck_module.INTERVENTIONAL_TREE
    rows = X_demo[columns].iloc[:3]
    on_demand = deck_module.explain_on_demand(gb, rows, background, "binary", 2, tree)
    assert on_demand.explainer == tree and on_demand.unit == "log-odds"
    assert on_demand.max_additivity_error <= 1e-6
    whole = explain_estimator(gb, X_demo[columns], background, "binary", 2, n_jobs=1)
    np.testing.assert_allclose(on_demand.values, whole.values[:3], atol=1e-12)

    def log_odds(array):
        return gb.decision_function(pd.DataFrame(array, columns=columns))[:, None]

    exact, _ = exact_shapley(log_odds, rows.to_numpy(float), background.to_numpy(float))
    np.testing.assert_allclose(on_demand.values, exact, atol=1e-6)


# -- on demand, with several explained classes, sessions and versions --------------------------
@pytest.fixture()
def forest(tmp_path):
    """A random forest published with a deck of 40 of 150 rows."""
    X, y, X_demo, y_demo = demo_rows()
    rf = pipeline(RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0))
    ws = model.open_workspace(tmp_path / "ws")
    ws.publish("S", "rf", rf.fit(X, y), X_demo, y_demo, deck_size=DECK)
    return ws, rf, X_demo, y_demo


def test_multiclass_rows_are_explained_for_every_class_at_once(tmp_path, monkeypatch):
    iris = load_iris(as_frame=True)
    X, y = iris.data, iris.target.map(dict(enumerate(iris.target_names)))
    X.index = X.index.astype(str)
    lr = LogisticRegression(max_iter=500).fit(X, y)
    ws = model.open_workspace(tmp_path)
    ws.publish("S", "full", lr, X, y, deck_size=None)
    deck = ws.publish("S", "deck", lr, X, y, deck_size=30)
    rows = off_deck_rows(deck, 2)
    for row_id in rows:
        predicted = ws.explain("S", "deck", row_id)
        assert predicted["explained_class"] == deck.predictions().loc[row_id, "predicted"]
    monkeypatch.setattr(deck_module, "explain_on_demand", None)  # must not be needed
    for row_id in rows:
        for label in deck.meta["explained_classes"]:
            on_demand = ws.explain("S", "deck", row_id, label)
            published = ws.explain("S", "full", row_id, label)
            assert on_demand["contributions"] == pytest.approx(published["contributions"], abs=1e-6)
            assert on_demand["output"] == pytest.approx(published["output"], abs=1e-6)
    for label in deck.meta["explained_classes"]:
        assert set(rows) <= set(deck.shap_values(label).index)


def test_two_threads_explaining_different_rows_both_store_them(forest):
    ws, _, _, _ = forest
    proto = ws.prototype("S", "rf")
    rows = off_deck_rows(proto, 4)
    start = threading.Barrier(len(rows))
    errors = []

    def explain(row_id):
        start.wait()
        try:
            ws.explain("S", "rf", row_id)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=explain, args=(row,)) for row in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert set(rows) <= set(proto.on_demand_rows())
    assert len(proto.on_demand_rows()) == len(rows)


def test_two_processes_explaining_different_rows_both_store_them(forest):
    ws, _, _, _ = forest
    proto = ws.prototype("S", "rf")
    rows = off_deck_rows(proto, 2)
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "model",
                "explain",
                "--workspace",
                str(ws.path),
                "--sprint",
                "S",
                "--prototype",
                "rf",
                "--row",
                row,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for row in rows
    ]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (stdout, stderr) in zip(processes, outputs, strict=True):
        assert process.returncode == 0, stderr
        assert json.loads(stdout)["precomputed"] is False
    assert set(proto.on_demand_rows()) == set(rows)


def test_on_demand_rows_add_up_to_the_models_probability(forest):
    ws, rf, X_demo, _ = forest
    for row_id in off_deck_rows(ws.prototype("S", "rf"), 3):
        explanation = ws.explain("S", "rf", row_id)
        total = explanation["base_value"] + sum(explanation["contributions"].values())
        probability = rf.predict_proba(X_demo.loc[[row_id]])[0, 1]
        assert total == pytest.approx(probability, abs=1e-6)
        assert explanation["output"] == pytest.approx(probability, abs=1e-6)


def test_republishing_starts_the_new_version_without_on_demand_values(forest):
    ws, rf, X_demo, y_demo = forest
    (row_id,) = off_deck_rows(ws.prototype("S", "rf"), 1)
    ws.explain("S", "rf", row_id)
    assert (ws.prototype("S", "rf").path / ON_DEMAND_FILE).is_file()
    again = ws.publish("S", "rf", rf, X_demo, y_demo, deck_size=DECK)
    assert again.version == 2 and len(again.on_demand_rows()) == 0
    assert not (again.path / ON_DEMAND_FILE).exists()


def test_a_row_explained_while_the_prototype_is_republished_is_not_stored_in_the_new_one(
    forest, monkeypatch
):
    ws, rf, X_demo, y_demo = forest
    (row_id,) = off_deck_rows(ws.prototype("S", "rf"), 1)
    real = deck_module.explain_on_demand
    republished, started = [], []

    def republish_meanwhile(*args, **kwargs):
        explanation = real(*args, **kwargs)
        if not started:  # another scientist publishes a different model meanwhile
            started.append(True)  # publishing times an on-demand row through this function too
            other = pipeline(RandomForestClassifier(n_estimators=3, max_depth=2, random_state=1))
            republished.append(
                ws.publish("S", "rf", other.fit(X_demo, y_demo), X_demo, y_demo, deck_size=DECK)
            )
        return explanation

    monkeypatch.setattr(deck_module, "explain_on_demand", republish_meanwhile)
    explanation = ws.explain("S", "rf", row_id)
    (new,) = republished
    current = ws.prototype("S", "rf")
    assert current.version == 2
    if not current.precomputed()[row_id]:
        stored = current.stored_explanation(row_id)[0].astype(float)
        assert dict(stored) == pytest.approx(explanation["contributions"])
    other_model = new.estimator().predict_proba(X_demo.loc[[row_id]])[0, 1]
    assert explanation["output"] == pytest.approx(other_model, abs=1e-6)


def test_a_replaced_model_file_is_refused_rather_than_explained(forest):
    ws, _, X_demo, y_demo = forest
    proto = ws.prototype("S", "rf")
    first, second = off_deck_rows(proto, 2)
    ws.explain("S", "rf", first)  # the model is loaded, and kept for the next rows
    other = pipeline(RandomForestClassifier(n_estimators=3, max_depth=2, random_state=1))
    (proto.path / "model.skops").write_bytes(model.persistence.dumps(other.fit(X_demo, y_demo)))
    with pytest.raises(model.WorkspaceError, match="no longer gives the published results"):
        ws.explain("S", "rf", second)
    assert list(proto.on_demand_rows()) == [first]


def test_a_workspace_that_cannot_be_written_still_explains_rows_without_storing(
    forest, monkeypatch
):
    ws, rf, X_demo, _ = forest
    (row_id,) = off_deck_rows(ws.prototype("S", "rf"), 1)

    def read_only(self):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(model.Workspace, "_lock", read_only)
    explanation = ws.explain("S", "rf", row_id)
    probability = rf.predict_proba(X_demo.loc[[row_id]])[0, 1]
    assert explanation["output"] == pytest.approx(probability, abs=1e-6)
    assert len(ws.prototype("S", "rf").on_demand_rows()) == 0
    assert not list(ws.prototype("S", "rf").path.glob(".*.tmp"))


def test_an_older_workspace_without_a_deck_still_explains(tmp_path):
    X, y, X_demo, y_demo = demo_rows()
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S", "rule", model.ToolWearRule().fit(X, y), X_demo, y_demo)
    predictions = proto.predictions().drop(columns="precomputed")
    predictions.to_parquet(proto.path / "predictions.parquet")
    meta = dict(proto.meta)
    for key in ("deck", "background_rows"):
        meta.pop(key)
    (proto.path / "prototype.json").write_text(json.dumps(meta))
    old = ws.prototype("S", "rule")
    assert old.precomputed().all() and old.predictions()["precomputed"].all()
    explanation = ws.explain("S", "rule", X_demo.index[7])
    assert explanation["precomputed"] is True
    total = explanation["base_value"] + sum(explanation["contributions"].values())
    assert total == pytest.approx(predictions.loc[X_demo.index[7], "p:1"], abs=1e-6)


def test_an_unknown_row_is_refused_with_its_id(forest):
    ws, _, _, _ = forest
    with pytest.raises(model.WorkspaceError, match="row 'nope' is not among rf's demo rows"):
        ws.explain("S", "rf", "nope")
