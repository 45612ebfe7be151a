"""XGBoost, LightGBM and CatBoost: tree SHAP in the units on screen, checked on every row.

Binary classifiers with numeric splits and more than six features are explained exactly in
log-odds by shap's interventional tree explainer (with up to six, exactly in probability by
the exact explainer); native categorical splits and multiclass models exactly in log-odds,
with the library's own SHAP values; regressions in the predicted value. Rows the fast
explainer gets wrong get the exact explainer in the same units, the others keep their values.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import model
from model.config import MAX_EXACT_PROBABILITY_FEATURES
from model.explain import EXACT, exact_shapley, explain_estimator, explain_rows
from model.explain_trees import INTERVENTIONAL_TREE, NATIVE_TREE, PATH_DEPENDENT_TREE

LIBRARIES = ["xgboost", "lightgbm", "catboost"]


def boosting(library: str, kind: str, categorical: list[str] | None = None):
    """A small unfitted model of ``library``: ``kind`` is "classifier" or "regressor"."""
    module = pytest.importorskip(library)
    if library == "xgboost":
        cls = module.XGBClassifier if kind == "classifier" else module.XGBRegressor
        return cls(n_estimators=30, max_depth=3, enable_categorical=True, n_jobs=1)
    if library == "lightgbm":
        cls = module.LGBMClassifier if kind == "classifier" else module.LGBMRegressor
        return cls(n_estimators=30, num_leaves=8, verbose=-1, n_jobs=1)
    cls = module.CatBoostClassifier if kind == "classifier" else module.CatBoostRegressor
    return cls(
        iterations=30,
        depth=4,
        verbose=0,
        thread_count=1,
        allow_writing_files=False,
        cat_features=categorical,
    )


def cancer(rows: int = 240) -> tuple[pd.DataFrame, pd.Series]:
    """Real breast-cancer rows; the column names have spaces (LightGBM renames them)."""
    data = load_breast_cancer(as_frame=True)
    X = data.data.iloc[:rows, :7].copy()
    X.index = X.index.astype(str)
    return X, data.target.iloc[:rows].set_axis(X.index)


def with_grade(X: pd.DataFrame, library: str) -> pd.DataFrame:
    """``X`` with a categorical column the model splits on natively: the tertile of the
    tumour's worst concave points (a strong predictor that ``X`` lacks)."""
    worst = load_breast_cancer(as_frame=True).data["worst concave points"].loc[X.index.astype(int)]
    grade = pd.qcut(worst.to_numpy(), 3, labels=["low", "mid", "high"]).astype(str)
    if library == "catboost":
        return X.assign(grade=grade)  # CatBoost takes strings and its cat_features
    return X.assign(grade=pd.Categorical(grade))


def row_errors(result) -> np.ndarray:
    total = result.base_values[None, :] + result.values.sum(axis=1)
    return np.max(np.abs(total - result.outputs) / np.maximum(1.0, np.abs(result.outputs)), axis=1)


def margins(final, library: str, X) -> np.ndarray:
    """The model's raw output, asked of the library directly."""
    if library == "xgboost":
        raw = final.predict(X, output_margin=True)
    elif library == "lightgbm":
        raw = final.predict(X, raw_score=True)
    else:
        raw = final.predict(X, prediction_type="RawFormulaVal")
    return np.asarray(raw, dtype=float).reshape(X.shape[0], -1)


def xgboost_leaf_sums(final, X) -> np.ndarray:
    """The float64 sum of the leaves each row reaches (XGBoost's own traversal), ``(n, C)``."""
    import json

    import xgboost

    booster = final.get_booster()
    model = json.loads(booster.save_raw("json"))["learner"]["gradient_booster"]["model"]
    reached = booster.predict(xgboost.DMatrix(X, enable_categorical=True), pred_leaf=True)
    reached = np.asarray(reached, dtype=int).reshape(X.shape[0], -1)
    sums = np.zeros((X.shape[0], max(model["tree_info"]) + 1))
    for t, (tree, output) in enumerate(zip(model["trees"], model["tree_info"], strict=True)):
        leaves = np.asarray(tree["split_conditions"], dtype=np.float32).astype(float)
        sums[:, output] += leaves[reached[:, t]]
    return sums


def assert_model_output(outputs, final, library: str, X) -> None:
    """``outputs`` are the model's raw output: for XGBoost, which adds its trees up in float32,
    the float64 sum of its trees (the same up to float32 rounding)."""
    if library != "xgboost":
        np.testing.assert_allclose(outputs, margins(final, library, X), rtol=1e-12)
        return
    np.testing.assert_allclose(outputs, margins(final, library, X), rtol=1e-5, atol=1e-5)
    base_margin = outputs - xgboost_leaf_sums(final, X)  # the same on every row
    np.testing.assert_allclose(
        base_margin, base_margin[:1].repeat(X.shape[0], 0), rtol=1e-14, atol=1e-12
    )


def exact_log_odds(estimator, library: str, X, background) -> np.ndarray:
    """Exact Shapley values of the model's log-odds over ``background``, by enumeration."""
    prep, final = (estimator[:-1], estimator[-1]) if isinstance(estimator, Pipeline) else (
        None, estimator
    )  # fmt: skip

    def log_odds(rows: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(rows, columns=X.columns)
        return margins(final, library, frame if prep is None else prep.transform(frame))

    values, _ = exact_shapley(log_odds, X.to_numpy(float), background.to_numpy(float))
    return values[:, :, 0]


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "pipeline"])
def test_binary_classifiers_with_many_features_are_explained_exactly_in_log_odds(
    library, in_pipeline
):
    X, y = cancer()  # seven features
    assert X.shape[1] > MAX_EXACT_PROBABILITY_FEATURES
    final = boosting(library, "classifier")
    estimator = Pipeline([("scale", StandardScaler()), ("model", final)]) if in_pipeline else final
    estimator.fit(X, y)
    background = X.sample(40, random_state=0)
    result = explain_estimator(estimator, X, background, "binary", 2, n_jobs=1)
    assert result.explainer == INTERVENTIONAL_TREE and result.unit == "log-odds"
    assert result.methods == {INTERVENTIONAL_TREE: len(X)}
    assert result.features == list(X.columns)  # "mean radius", though LightGBM says mean_radius
    Z = X if not in_pipeline else estimator[0].transform(X)
    assert_model_output(result.outputs, final, library, Z)
    np.testing.assert_allclose(result.predictions[:, 0], estimator.predict_proba(X)[:, 1])
    assert row_errors(result).max() <= 1e-6
    # the exact Shapley values of the log-odds, as enumerating every coalition gives them
    some = slice(0, 24)
    reference = exact_log_odds(estimator, library, X.iloc[some], background)
    np.testing.assert_allclose(result.values[some, :, 0], reference, atol=1e-5)


@pytest.mark.parametrize("library", LIBRARIES)
def test_binary_classifiers_with_few_features_are_explained_exactly_in_probability(library):
    X, y = cancer(rows=120)
    X = X.iloc[:, :MAX_EXACT_PROBABILITY_FEATURES]
    final = boosting(library, "classifier").fit(X, y)
    background = X.sample(20, random_state=0)
    result = explain_estimator(final, X, background, "binary", 2, n_jobs=1)
    assert result.explainer == EXACT and result.unit == "probability"
    assert result.methods == {EXACT: len(X)}
    np.testing.assert_allclose(result.outputs[:, 0], final.predict_proba(X)[:, 1])
    assert row_errors(result).max() <= 1e-6
    # shap's probability output is another function: it rescales log-odds values
    shaps = shap.TreeExplainer(
        final,
        data=background.to_numpy(float),
        model_output="probability",
        feature_perturbation="interventional",
    ).shap_values(X.to_numpy(float), check_additivity=False)
    assert np.abs(result.values[:, :, 0] - shaps).max() > 1e-3


@pytest.mark.parametrize("library", LIBRARIES)
def test_native_categorical_splits_are_explained_exactly_in_log_odds(library):
    X, y = cancer()
    X = with_grade(X, library)
    final = boosting(library, "classifier", categorical=["grade"]).fit(X, y)
    result = explain_estimator(final, X, X.sample(40, random_state=0), "binary", 2, n_jobs=1)
    assert result.explainer == NATIVE_TREE and result.unit == "log-odds"
    assert result.features[-1] == "grade" and np.abs(result.values[:, -1, 0]).max() > 0
    assert_model_output(result.outputs, final, library, X)
    assert row_errors(result).max() <= 1e-6
    # the log-odds are the ones behind the probability the pages show
    probability = 1 / (1 + np.exp(-result.outputs[:, 0]))
    np.testing.assert_allclose(probability, final.predict_proba(X)[:, 1], atol=1e-6)
    np.testing.assert_allclose(result.predictions[:, 0], final.predict_proba(X)[:, 1])


@pytest.mark.parametrize("library", LIBRARIES)
def test_multiclass_models_are_explained_exactly_in_log_odds_for_every_class(library):
    data = load_iris(as_frame=True)
    X, y = data.data, data.target
    final = boosting(library, "classifier").fit(X, y)
    result = explain_estimator(final, X, X.sample(40, random_state=0), "multiclass", 3, n_jobs=1)
    assert result.explainer == NATIVE_TREE and result.unit == "log-odds"
    assert result.values.shape == (len(X), 4, 3)
    assert_model_output(result.outputs, final, library, X)
    assert row_errors(result).max() <= 1e-6


def test_a_catboost_multiclass_model_with_named_classes_publishes_and_explains_own_cases(
    tmp_path,
):
    """CatBoost's multiclass ``predict`` gives a column of labels (shape ``(n, 1)``): read as
    one label per row, it publishes, and an own case gets the model's label."""
    from model.own_case import explain_own_case

    data = load_iris(as_frame=True)
    X = data.data.set_axis(data.data.index.astype(str))
    species = pd.Series(np.asarray(data.target_names)[data.target], index=X.index)
    final = boosting("catboost", "classifier").fit(X, species)
    assert final.predict(X).shape == (len(X), 1)
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S", "iris", final, X, species, deck_size=40)
    assert proto.task == "multiclass"
    np.testing.assert_array_equal(proto.predictions()["predicted"], final.predict(X)[:, 0])
    case = explain_own_case(proto, X.iloc[60].to_dict())
    assert case["predicted"] == final.predict(X.iloc[[60]])[0, 0]
    total = case["base_value"] + sum(case["contributions"].values())
    assert total == pytest.approx(case["output"], abs=1e-9)


def house_prices(library: str) -> tuple[pd.DataFrame, pd.Series]:
    """Prices around 500,000 from the breast-cancer measurements and a categorical grade."""
    X, _ = cancer(300)
    X = with_grade(X, library)
    price = 350_000 + 12_000 * X["mean radius"] + 40_000 * (X["grade"] == "high").astype(float)
    return X, price.rename("price")


@pytest.mark.parametrize("library", LIBRARIES)
def test_regressions_around_500000_add_up_within_1e6_of_the_output(library):
    X, price = house_prices(library)
    final = boosting(library, "regressor", categorical=["grade"]).fit(X, price)
    result = explain_estimator(final, X, X.sample(40, random_state=0), "regression", n_jobs=1)
    assert result.explainer == PATH_DEPENDENT_TREE and result.unit == "value"
    assert 4e5 < np.abs(result.outputs).mean() < 6e5
    assert_model_output(result.outputs, final, library, X)  # its prediction
    assert row_errors(result).max() <= 1e-6


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_published_regression_adds_up_after_storage_on_and_off_the_deck(tmp_path, library):
    X, price = house_prices(library)
    final = boosting(library, "regressor", categorical=["grade"]).fit(X, price)
    ws = model.open_workspace(tmp_path)
    # no task given: CatBoostRegressor's classes_ (an empty array) does not make it a classifier
    proto = ws.publish("S", "prices", final, X, price, deck_size=60)
    assert proto.task == "regression"
    predicted = proto.predictions()["predicted"]
    stored = proto.shap_values()
    total = proto.base_value(None) + stored.sum(axis=1)
    gap = np.abs(total - predicted.loc[stored.index]) / predicted.loc[stored.index].abs()
    assert gap.max() <= 1e-6
    assert proto.meta["unit"] == "value"
    off_deck = proto.precomputed()[~proto.precomputed()].index[:2]
    for row_id in off_deck:
        explained = ws.explain("S", "prices", row_id)
        assert abs(explained["output"] - predicted[row_id]) <= 1e-6 * abs(predicted[row_id])
        assert explained["unit"] == "value"


@pytest.mark.parametrize("library", LIBRARIES)
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_the_task_of_a_boosting_model_is_detected_without_being_given(library, kind):
    from model.publishing import detect_task

    X, y = cancer(120)
    target = y if kind == "classifier" else X["mean radius"] * 2
    final = boosting(library, kind).fit(X, target)
    assert detect_task(final) == ("binary" if kind == "classifier" else "regression")


@pytest.mark.parametrize("library", LIBRARIES)
def test_a_published_log_odds_prototype_says_so_and_explains_rows_on_demand(tmp_path, library):
    X, y = cancer()
    X = with_grade(X, library)
    final = boosting(library, "classifier", categorical=["grade"]).fit(X, y)
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S", "boost", final, X, y, deck_size=50)
    assert proto.meta["unit"] == "log-odds" and proto.meta["explainer"] == NATIVE_TREE
    assert proto.meta["explainer_methods"] == {NATIVE_TREE: 50}
    (row_id,) = proto.precomputed()[~proto.precomputed()].index[:1]
    explained = ws.explain("S", "boost", row_id)
    assert explained["unit"] == "log-odds" and explained["explainer"] == NATIVE_TREE
    probability = proto.predictions().loc[row_id, "p:1"]
    assert 1 / (1 + np.exp(-explained["output"])) == pytest.approx(probability, abs=1e-6)


# -- rows the fast explainer gets wrong --------------------------------------------------------


#: XGBoost's log-odds are read from its trees (``model.xgboost_shap``), not from its
#: ``predict``, so a moved ``predict`` cannot make its tree explainer wrong.
RAW_FROM_PREDICT = ["lightgbm", "catboost"]


def nudged_classifier(library: str):
    """A boosting classifier whose log-odds are moved on its largest tumours: its trees,
    which shap reads, no longer give its output there, so those rows fail the fast path."""
    base = type(boosting(library, "classifier"))

    class Nudged(base):
        def predict(self, X, *args, **kwargs):
            result = np.array(super().predict(X, *args, **kwargs), dtype=float)
            if kwargs.get("raw_score") or kwargs.get("prediction_type") == "RawFormulaVal":
                radius = np.asarray(pd.DataFrame(X).iloc[:, 0], dtype=float)  # mean radius
                result[radius > self.nudge_above_] += 0.05
            return result

    return Nudged


@pytest.mark.parametrize("library", RAW_FROM_PREDICT)
def test_rows_the_tree_explainer_gets_wrong_get_the_exact_explainer_and_only_they(library):
    X, y = cancer()
    Nudged = nudged_classifier(library)
    nudged = Nudged(**boosting(library, "classifier").get_params()).fit(X, y)
    nudged.nudge_above_ = float(np.sort(X["mean radius"])[-4])  # the 4 largest of 240
    moved = (X["mean radius"] > nudged.nudge_above_).to_numpy()
    assert 1 <= moved.sum() <= 3
    background = X[~moved].sample(40, random_state=0)
    result = explain_estimator(nudged, X, background, "binary", 2, n_jobs=1)
    assert result.methods == {INTERVENTIONAL_TREE: len(X) - moved.sum(), EXACT: moved.sum()}
    assert result.explainer == INTERVENTIONAL_TREE and result.unit == "log-odds"
    np.testing.assert_array_equal(result.row_methods == EXACT, moved)
    assert row_errors(result).max() <= 1e-6
    # the moved rows' values are the exact ones of the moved log-odds; the others the trees'
    reference = exact_log_odds(nudged, library, X[moved], background)
    np.testing.assert_allclose(result.values[moved, :, 0], reference, atol=1e-9)
    kept = np.flatnonzero(~moved)[:5]
    reference = exact_log_odds(nudged, library, X.iloc[kept], background)
    np.testing.assert_allclose(result.values[kept, :, 0], reference, atol=1e-6)
    # on demand, such a row gets the exact explainer too, and another row keeps the tree's
    row = explain_rows(nudged, X[moved].iloc[:1], background, "binary", 2, INTERVENTIONAL_TREE)
    assert row.explainer == EXACT and row.methods == {EXACT: 1} and row.unit == "log-odds"
    np.testing.assert_allclose(row.values[0], result.values[moved][0], atol=1e-12)
    other = explain_rows(nudged, X.iloc[kept[:1]], background, "binary", 2, INTERVENTIONAL_TREE)
    np.testing.assert_allclose(other.values[0], result.values[kept[0]], atol=1e-12)


@pytest.mark.parametrize("library", LIBRARIES)
def test_native_categorical_splits_in_a_pipeline_are_explained_in_log_odds(library):
    from sklearn.compose import ColumnTransformer

    X, y = cancer()
    X = with_grade(X, library)
    numeric = [c for c in X.columns if c != "grade"]
    prep = ColumnTransformer(
        [("num", StandardScaler(), numeric), ("cat", "passthrough", ["grade"])],
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    final = boosting(library, "classifier", categorical=["grade"])
    pipeline = Pipeline([("prep", prep), ("model", final)]).fit(X, y)
    result = explain_estimator(pipeline, X, X.sample(40, random_state=0), "binary", 2, n_jobs=1)
    assert result.explainer == NATIVE_TREE and result.unit == "log-odds"
    assert result.features == list(X.columns) and np.abs(result.values[:, -1, 0]).max() > 0
    assert_model_output(result.outputs, final, library, prep.transform(X))
    assert row_errors(result).max() <= 1e-6


# -- XGBoost in float64 ------------------------------------------------------------------------


def test_xgboost_values_add_up_to_the_float64_sum_of_its_trees_within_1e6_on_a_large_set():
    # On 2,000 AI4I rows, XGBoost's float32 sums of a row's SHAP values and of its log-odds
    # differ by more than 1e-6 on some rows; the float64 sum of its trees, and values that add
    # up to it, do not, and no row is sent to the exact explainer (30 s instead of 1 s).
    pytest.importorskip("xgboost")
    from bench.data import resampled_rows, training_rows

    def typed(X):
        plain = X.rename(columns=lambda c: c.replace("[", "(").replace("]", ")"))
        return plain.assign(Type=pd.Categorical(plain["Type"], categories=["H", "L", "M"]))

    X_train, y_train = training_rows()
    final = boosting("xgboost", "classifier").set_params(n_estimators=100, max_depth=4)
    final.fit(typed(X_train), y_train)
    X = typed(resampled_rows(2_000)[0])
    own = native_contribution_errors(final, X)
    assert own.max() > 1e-6  # what the float32 sums gave
    result = explain_estimator(final, X, X.sample(50, random_state=0), "binary", 2, n_jobs=1)
    assert result.methods == {NATIVE_TREE: 2_000}
    assert row_errors(result).max() <= 1e-5
    assert row_errors(result).max() <= 1e-6
    assert_model_output(result.outputs, final, "xgboost", X)


def native_contribution_errors(final, X) -> np.ndarray:
    """Each row's gap between XGBoost's own SHAP values (with its bias) and its own output."""
    import xgboost

    matrix = xgboost.DMatrix(X, enable_categorical=True)
    contributions = np.asarray(final.get_booster().predict(matrix, pred_contribs=True), float)
    own = margins(final, "xgboost", X)
    total = contributions.sum(axis=-1).reshape(own.shape)
    return np.max(np.abs(total - own) / np.maximum(1.0, np.abs(own)), axis=1)


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_xgboost_classifiers_with_many_trees_add_up_within_1e6_in_log_odds(kind):
    pytest.importorskip("xgboost")
    X, y = cancer(569)
    X = with_grade(X, "xgboost")
    if kind == "multiclass":
        y = pd.Series(pd.qcut(X["mean area"], 3, labels=False), index=X.index)
    final = boosting("xgboost", "classifier").set_params(n_estimators=300, max_depth=4)
    final.fit(X, y)
    n_classes = 2 if kind == "binary" else 3
    result = explain_estimator(final, X, X.sample(40, random_state=0), kind, n_classes, n_jobs=1)
    assert result.explainer == NATIVE_TREE and result.unit == "log-odds"
    assert_model_output(result.outputs, final, "xgboost", X)
    assert row_errors(result).max() <= 1e-6
    # the values are XGBoost's own path-dependent SHAP values, up to its float32 sums
    contributions = np.asarray(
        final.get_booster().predict(
            __import__("xgboost").DMatrix(X, enable_categorical=True), pred_contribs=True
        ),
        float,
    ).reshape(len(X), -1, len(X.columns) + 1)
    np.testing.assert_allclose(
        result.values, np.transpose(contributions[:, :, :-1], (0, 2, 1)), atol=1e-5
    )


def test_an_xgboost_regression_of_300_trees_adds_up_within_1e6_after_storage(tmp_path):
    pytest.importorskip("xgboost")
    X, price = house_prices("xgboost")
    final = boosting("xgboost", "regressor").set_params(n_estimators=300, max_depth=4)
    final.fit(X, price)
    own = final.predict(X).astype(float)
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S", "prices", final, X, price, deck_size=100)
    predicted = proto.predictions()["predicted"]
    stored = proto.shap_values()
    total = proto.base_value(None) + stored.sum(axis=1)
    shown = predicted.loc[stored.index]
    assert (np.abs(total - own[X.index.get_indexer(stored.index)]) / shown.abs()).max() > 1e-6
    assert (np.abs(total - shown) / shown.abs()).max() <= 1e-6
    assert np.abs(predicted - own).max() <= 1e-5 * np.abs(own).max()  # XGBoost's, in float64
    for row_id in proto.precomputed()[~proto.precomputed()].index[:3]:
        explained = ws.explain("S", "prices", row_id)
        assert abs(explained["output"] - predicted[row_id]) <= 1e-6 * abs(predicted[row_id])
        total = explained["base_value"] + sum(explained["contributions"].values())
        assert abs(total - predicted[row_id]) <= 1e-6 * abs(predicted[row_id])


def test_xgboost_deep_trees_keep_its_own_values_where_they_add_up_and_recompute_the_rest(
    monkeypatch,
):
    # Trees with more distinct features on a path than model.xgboost_shap tabulates keep
    # XGBoost's float32 values on the rows where they add up, and get float64 values elsewhere.
    pytest.importorskip("xgboost")
    import model.xgboost_shap as xgboost_shap

    X, y = cancer(569)
    X = with_grade(X, "xgboost")
    final = boosting("xgboost", "classifier").set_params(n_estimators=300, max_depth=4)
    final.fit(X, y)
    background = X.sample(40, random_state=0)
    exact = explain_estimator(final, X, background, "binary", 2, n_jobs=1)
    assert native_contribution_errors(final, X).max() > 1e-6  # some rows need recomputing
    monkeypatch.setattr(xgboost_shap, "MAX_PATH_FEATURES", 0)
    kept = explain_estimator(final, X, background, "binary", 2, n_jobs=1)
    assert kept.methods == {NATIVE_TREE: len(X)}
    assert row_errors(kept).max() <= 1e-6
    np.testing.assert_allclose(kept.outputs, exact.outputs, rtol=1e-15)
    np.testing.assert_allclose(kept.values, exact.values, atol=1e-5)


# -- LightGBM settings shap's probability explainer misreads ----------------------------------


def lightgbm_with(settings: dict, rows: int = 400, columns: int = 30):
    """A LightGBM binary classifier on ``columns`` breast-cancer features, a third of the
    values zero (as many measurements are), with ``settings``."""
    lightgbm = pytest.importorskip("lightgbm")
    data = load_breast_cancer(as_frame=True)
    X = data.data.iloc[:rows, :columns].copy()
    X = X.mask(np.random.default_rng(0).random(X.shape) < 0.3, 0.0)
    X.index = X.index.astype(str)
    y = data.target.iloc[:rows].set_axis(X.index)
    model = lightgbm.LGBMClassifier(n_estimators=40, verbose=-1, n_jobs=1, **settings)
    return model.fit(X, y), X


def interventional_probability_error(final, X, background) -> float:
    explainer = shap.TreeExplainer(
        final,
        data=background.to_numpy(float),
        model_output="probability",
        feature_perturbation="interventional",
    )
    values = explainer.shap_values(X.to_numpy(float), check_additivity=False)
    total = explainer.expected_value + values.sum(axis=1)
    return float(np.abs(total - final.predict_proba(X)[:, 1]).max())


@pytest.mark.parametrize(
    "settings", [{"zero_as_missing": True}, {"sigmoid": 2.0}], ids=["zero-as-missing", "sigmoid"]
)
def test_lightgbm_settings_shap_misreads_are_explained_exactly_in_log_odds(settings):
    final, X = lightgbm_with(settings)
    background = X.sample(40, random_state=0)
    assert interventional_probability_error(final, X, background) > 0.01  # every row sampled
    result = explain_estimator(final, X, background, "binary", 2, n_jobs=1)
    assert result.explainer == NATIVE_TREE and result.unit == "log-odds"
    assert result.methods == {NATIVE_TREE: len(X)}
    assert row_errors(result).max() <= 1e-6
    # log-odds of the probability the pages show (sigmoid=2: twice LightGBM's raw score)
    probability = 1 / (1 + np.exp(-result.outputs[:, 0]))
    np.testing.assert_allclose(probability, final.predict_proba(X)[:, 1], atol=1e-9)
    scale = settings.get("sigmoid", 1.0)
    raw = final.predict(X, pred_contrib=True)
    np.testing.assert_allclose(result.values[:, :, 0], scale * raw[:, :-1], rtol=1e-12)


def test_a_lightgbm_random_forest_has_no_log_odds_of_its_own_and_gets_the_exact_explainer():
    final, X = lightgbm_with(
        {"boosting_type": "rf", "subsample": 0.8, "subsample_freq": 1}, rows=120, columns=6
    )
    background = X.sample(20, random_state=0)
    assert interventional_probability_error(final, X, background) > 0.01
    result = explain_estimator(final, X, background, "binary", 2, n_jobs=1)
    assert result.unit == "probability" and result.methods == {EXACT: len(X)}
    assert row_errors(result).max() <= 1e-6


def test_xgboost_float64_values_read_categories_by_name_as_xgboost_does():
    # XGBoost codes a frame's categories by the names it saw in training, whatever the
    # frame's own order: the float64 values must read them the same way.
    pytest.importorskip("xgboost")
    from model.xgboost_shap import xgboost_trees

    X, y = cancer()
    X = with_grade(X, "xgboost")
    final = boosting("xgboost", "classifier", categorical=["grade"]).fit(X, y)
    reordered = X.assign(grade=X["grade"].cat.reorder_categories(["mid", "low", "high"]))
    np.testing.assert_array_equal(final.predict_proba(reordered), final.predict_proba(X))
    trees = xgboost_trees(final)
    np.testing.assert_allclose(trees.shap_values(reordered), trees.shap_values(X), atol=1e-15)
    trees.categories = {}  # the frame's own codes: other splits than XGBoost's
    with pytest.raises(ValueError, match="read differently"):
        trees.shap_values(reordered)
    result = explain_estimator(final, reordered, reordered.iloc[:40], "binary", 2, n_jobs=1)
    assert result.methods == {NATIVE_TREE: len(X)} and row_errors(result).max() <= 1e-6


@pytest.mark.parametrize("library", LIBRARIES)
def test_the_technical_details_say_an_xgboost_output_is_the_float64_sum_of_its_trees(
    tmp_path, library
):
    from ui import explanations

    X, price = house_prices(library)
    final = boosting(library, "regressor", categorical=["grade"]).fit(X, price)
    proto = model.open_workspace(tmp_path).publish("S", "prices", final, X, price, deck_size=20)
    said = [line for line in explanations.technical_details(proto.meta) if "float64" in line]
    assert len(said) == (library == "xgboost")


def test_xgboost_on_sparse_rows_reads_absent_entries_as_missing_as_xgboost_does():
    # A sparse one-hot step: XGBoost takes the entries a sparse matrix leaves out as missing,
    # and so must the float64 values.
    pytest.importorskip("xgboost")
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder

    X, price = house_prices("xgboost")
    X = X.assign(grade=X["grade"].astype(str))
    prep = ColumnTransformer(
        [("grade", OneHotEncoder(), ["grade"])], remainder="passthrough", sparse_threshold=1.0
    )
    final = boosting("xgboost", "regressor").set_params(n_estimators=300, max_depth=4)
    pipeline = Pipeline([("prep", prep), ("model", final)]).fit(X, price)
    assert hasattr(prep.transform(X), "tocoo")  # the model's rows are sparse
    result = explain_estimator(pipeline, X, X.sample(40, random_state=0), "regression", n_jobs=1)
    assert result.methods == {PATH_DEPENDENT_TREE: len(X)}
    assert result.features == list(X.columns)
    assert row_errors(result).max() <= 1e-6
    assert_model_output(result.outputs, final, "xgboost", prep.transform(X))


def test_an_xgboost_dart_regression_is_explained_as_the_float64_sum_of_its_weighted_trees():
    pytest.importorskip("xgboost")
    X, price = house_prices("xgboost")
    final = boosting("xgboost", "regressor").set_params(
        booster="dart", n_estimators=200, max_depth=4, rate_drop=0.1
    )
    final.fit(X, price)
    result = explain_estimator(final, X, X.sample(40, random_state=0), "regression", n_jobs=1)
    assert result.methods == {PATH_DEPENDENT_TREE: len(X)}
    assert row_errors(result).max() <= 1e-12  # float64 throughout, not XGBoost's float32 sums
    np.testing.assert_allclose(result.outputs, margins(final, "xgboost", X), rtol=1e-5)


@pytest.mark.parametrize("library", LIBRARIES)
def test_readings_finer_than_float32_are_explained_exactly_in_log_odds(library):
    """shap's interventional code compares with float32 thresholds (XGBoost's and CatBoost's
    models compare float32 values, LightGBM's float64): on readings closer together than
    float32 tells apart, shap alone is off; the recoded comparisons are exact."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame(300 + rng.normal(0, 1e-4, (600, 7)), columns=[f"t{k}" for k in range(7)])
    y = ((X["t0"] - 300) + (X["t1"] - 300) * (X["t2"] > 300) > 0).astype(int)
    final = boosting(library, "classifier").fit(X, y)
    background, rows = X.iloc[:20], X.iloc[500:520]
    result = explain_estimator(final, rows, background, "binary", 2, n_jobs=1)
    assert result.methods == {INTERVENTIONAL_TREE: len(rows)}
    reference = exact_log_odds(final, library, rows, background)
    np.testing.assert_allclose(result.values[:, :, 0], reference, atol=1e-5)
    alone = shap.TreeExplainer(
        final, data=background.to_numpy(), model_output="raw", feature_perturbation="interventional"
    ).shap_values(rows.to_numpy(), check_additivity=False)
    assert np.abs(np.asarray(alone) - reference).max() > 1e-3


@pytest.mark.parametrize("kind", ["random forest", "dart"])
def test_xgboost_random_forests_and_dart_get_their_own_tree_values(kind):
    # shap refuses an XGBoost random forest ("boosted random forest is not yet supported")
    # and reads a dart model without its trees' weights (every row off, by up to 1.5): both
    # went to the sampled estimate (20 features, 600 rows: 7 s and 27 s, +-0.01)
    xgboost = pytest.importorskip("xgboost")
    from sklearn.datasets import make_classification

    X, y = make_classification(900, 20, n_informative=5, random_state=0)
    X = pd.DataFrame(X, columns=[f"r{i}" for i in range(20)])
    if kind == "dart":
        final = xgboost.XGBClassifier(booster="dart", n_estimators=30, max_depth=3, rate_drop=0.1)
    else:
        final = xgboost.XGBRFClassifier(n_estimators=30, max_depth=4)
    final.fit(X.iloc[:600], y[:600])
    rows = X.iloc[600:]
    result = explain_estimator(final, rows, rows.iloc[:50], "binary", 2, n_jobs=1)
    assert result.methods == {NATIVE_TREE: 300}
    assert row_errors(result).max() <= 1e-6
    # its log-odds as XGBoost adds them up in float32
    np.testing.assert_allclose(result.outputs, margins(final, "xgboost", rows), atol=1e-5)
    # XGBoost's own (float32) values of the same trees
    own = final.get_booster().predict(xgboost.DMatrix(rows), pred_contribs=True)[:, :-1]
    np.testing.assert_allclose(result.values[:, :, 0], own, atol=1e-5)
