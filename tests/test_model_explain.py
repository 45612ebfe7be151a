"""The explainers: exact Shapley values equal shap's, codecs round-trip, columns map back,
and tree SHAP values computed by worker processes equal one in-process call."""

from __future__ import annotations

import joblib
import numpy as np
import pandas as pd
import pytest
import shap
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from model import explain, explain_trees, tree_shap
from model.config import SHAP_JOBS_ENV_VAR, SHAP_N_JOBS
from model.explain import FrameCodec, exact_shapley, model_outputs, source_columns

FRAME = pd.DataFrame(
    {
        "kind": ["a", "b", "c", "a", "b", "c", "a", "b"] * 5,
        "x": np.linspace(0, 1, 40),
        "z": np.sin(np.arange(40.0)),
    }
)
TARGET = ((FRAME["x"] > 0.5) ^ (FRAME["kind"] == "a")).astype(int)


def fitted_pipeline():
    prep = ColumnTransformer(
        [("cat", OneHotEncoder(), ["kind"]), ("num", StandardScaler(), ["x", "z"])]
    )
    return Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(FRAME, TARGET)


def test_exact_shapley_equals_shaps_exact_explainer():
    pipeline = fitted_pipeline()
    codec = FrameCodec(FRAME)

    def predict(array):
        return model_outputs(pipeline, codec.decode(array), "binary")

    rows, background = codec.encode(FRAME.iloc[:6]), codec.encode(FRAME.iloc[10:30])
    ours, base = exact_shapley(predict, rows, background)
    reference = shap.explainers.Exact(
        lambda a: predict(a)[:, 0], shap.maskers.Independent(background, max_samples=20)
    )(rows)
    np.testing.assert_allclose(ours[:, :, 0], reference.values, atol=1e-12)
    assert base[0] == pytest.approx(reference.base_values[0])


def test_exact_shapley_is_additive_and_chunking_does_not_change_it():
    def predict(array):
        return (array[:, [0]] * array[:, [1]] + np.exp(array[:, [2]])).astype(float)

    rows = np.random.default_rng(0).normal(size=(30, 3))
    background = np.random.default_rng(1).normal(size=(8, 3))
    whole, base = exact_shapley(predict, rows, background)
    chunked, _ = exact_shapley(predict, rows, background, max_batch_rows=16)
    np.testing.assert_allclose(base + whole.sum(axis=1), predict(rows), atol=1e-12)
    np.testing.assert_allclose(whole, chunked, atol=1e-12)


def test_frame_codec_round_trips_strings_and_marks_unknown_categories_missing():
    codec = FrameCodec(FRAME)
    decoded = codec.decode(codec.encode(FRAME))
    pd.testing.assert_frame_equal(decoded, FRAME, check_dtype=False)
    unseen = codec.encode(FRAME.iloc[:1].assign(kind="never seen"))
    assert np.isnan(unseen[0, 0])


def test_frame_codec_gives_numeric_frames_back_with_their_dtypes_and_owns_its_data():
    frame = pd.DataFrame(
        {
            "torque": [40.5, 38.0, 51.25],
            "speed": np.array([1500, 1420, 1610], dtype="int64"),
            "wear": np.array([3.5, 0.0, 7.0], dtype="float32"),
            "tool": np.array([1, 2, 3], dtype="uint8"),
        }
    )
    codec = FrameCodec(frame)
    array = codec.encode(frame)
    decoded = codec.decode(array)
    pd.testing.assert_frame_equal(decoded, frame)
    decoded.loc[0, "torque"] = -1.0  # a model writing to its input leaves the array alone
    assert array[0, 0] == 40.5
    # a missing value in an integer column: the column stays float, with NaN
    array[1, 1] = np.nan
    gappy = codec.decode(array)
    assert gappy["speed"].dtype == np.float64 and np.isnan(gappy.loc[1, "speed"])
    assert list(gappy.dtypes[["torque", "wear", "tool"]]) == ["float64", "float32", "uint8"]


def test_one_hot_columns_map_back_to_their_source():
    prep = fitted_pipeline()[0]
    assert source_columns(prep, ["kind", "x", "z"]) == ["kind", "kind", "kind", "x", "z"]


def test_nested_pipelines_and_imputers_map_back():
    prep = ColumnTransformer(
        [
            (
                "cat",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("onehot", OneHotEncoder()),
                    ]
                ),
                ["kind"],
            ),
            ("num", SimpleImputer(), ["x", "z"]),
        ]
    ).fit(FRAME)
    assert source_columns(prep, ["kind", "x", "z"]) == ["kind"] * 3 + ["x", "z"]


def test_transformers_that_mix_columns_are_not_mapped():
    mixing = FunctionTransformer(lambda X: X.sum(axis=1).to_frame()).fit(FRAME[["x", "z"]])
    assert source_columns(mixing, ["x", "z"]) is None


def test_column_wise_steps_map_back_to_their_sources():
    # selectors, imputers with "is missing" columns, splines, bins and numpy functions each
    # make every output column from one source column
    from sklearn.feature_selection import SelectKBest, VarianceThreshold
    from sklearn.preprocessing import KBinsDiscretizer, SplineTransformer

    numbers = FRAME[["x", "z"]].assign(flat=1.0, gappy=np.where(FRAME.index % 5, FRAME.x, np.nan))
    columns = list(numbers.columns)
    filled = numbers.fillna(0)
    assert source_columns(VarianceThreshold().fit(numbers), columns) == ["x", "z", "gappy"]
    best = SelectKBest(k=2).fit(filled, TARGET)
    kept = best.get_support()
    assert source_columns(best, columns) == [c for c, k in zip(columns, kept, strict=True) if k]
    indicated = SimpleImputer(add_indicator=True).fit(numbers)
    assert source_columns(indicated, columns) == columns + ["gappy"]
    splines = SplineTransformer(n_knots=3, degree=2).fit(filled)  # 4 columns each
    assert source_columns(splines, columns) == [c for c in columns for _ in range(4)]
    bins = KBinsDiscretizer(n_bins=3, encode="onehot", strategy="uniform").fit(filled[["x", "z"]])
    assert source_columns(bins, ["x", "z"]) == ["x"] * 3 + ["z"] * 3
    ordinal = KBinsDiscretizer(n_bins=3, encode="ordinal").fit(filled[["x", "z"]])
    assert source_columns(ordinal, ["x", "z"]) == ["x", "z"]
    assert source_columns(FunctionTransformer(np.log1p).fit(filled), columns) == columns
    assert source_columns(FunctionTransformer(np.cumsum).fit(filled), columns) is None
    from sklearn.impute import MissingIndicator
    from sklearn.pipeline import FeatureUnion
    from sklearn.preprocessing import Binarizer, TargetEncoder

    union = FeatureUnion(
        [("scaled", StandardScaler()), ("gaps", MissingIndicator()), ("off", "drop")]
    ).fit(numbers)
    assert union.transform(numbers).shape[1] == 5
    assert source_columns(union, columns) == columns + ["gappy"]
    mixing = FeatureUnion([("same", "passthrough"), ("sum", FunctionTransformer(np.cumsum))])
    assert source_columns(mixing.fit(filled), columns) is None

    assert source_columns(MissingIndicator().fit(numbers), columns) == ["gappy"]
    assert source_columns(Binarizer().fit(filled), columns) == columns
    kinds = FRAME[["kind"]].assign(size=np.where(FRAME.index % 3, "big", "small"))
    encoded = TargetEncoder(random_state=0).fit(kinds, TARGET)
    assert source_columns(encoded, ["kind", "size"]) == ["kind", "size"]
    three = TargetEncoder(random_state=0).fit(kinds, FRAME.index % 3)  # a column per class
    assert three.transform(kinds).shape[1] == 6
    assert source_columns(three, ["kind", "size"]) == ["kind"] * 3 + ["size"] * 3
    both = Pipeline([("impute", SimpleImputer(add_indicator=True)), ("keep", SelectKBest(k=3))])
    both.fit(numbers, TARGET)
    kept = both[-1].get_support()
    assert source_columns(both, columns) == [
        c for c, k in zip(columns + ["gappy"], kept, strict=True) if k
    ]


def test_a_forest_after_feature_selection_keeps_its_exact_tree_values():
    # SelectKBest before a forest sent it to the sampled estimate (10.5 s for 600 rows of 17
    # features; 1.6 s exact now)
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.feature_selection import SelectKBest

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 14)), columns=[f"r{i}" for i in range(14)])
    X.loc[rng.random(300) < 0.1, "r3"] = np.nan
    y = ((X["r0"] + X["r1"].fillna(0) - X["r2"]) > 0).astype(int)
    pipeline = Pipeline(
        [
            ("impute", SimpleImputer(add_indicator=True)),
            ("keep", SelectKBest(k=6)),
            ("forest", RandomForestClassifier(n_estimators=20, max_depth=4, random_state=0)),
        ]
    ).fit(X, y)
    rows, background = X.iloc[:40], X.iloc[100:150]
    result = explain.explain_estimator(pipeline, rows, background, "binary", n_jobs=1)
    assert result.methods == {"tree (path-dependent)": 40}
    assert result.max_additivity_error < 1e-9
    # shap's own values on the columns the forest sees, summed into their sources
    Z = pipeline[:-1].transform(rows)
    own = shap.TreeExplainer(pipeline[-1]).shap_values(Z)[..., 1]
    sources = source_columns(pipeline[:-1], list(X.columns))
    expected = np.zeros((40, len(X.columns)))
    for j, source in enumerate(sources):
        expected[:, list(X.columns).index(source)] += own[:, j]
    np.testing.assert_allclose(result.values[:, :, 0], expected, atol=1e-12)
    dropped = [c for c in X.columns if c not in sources]
    assert dropped and not result.values[:, [list(X.columns).index(c) for c in dropped]].any()


def test_a_forest_behind_a_target_encoder_keeps_its_exact_tree_values():
    # a target-encoded store id (200 stores) before a forest sent it to the exact explainer
    # or, with 14 features, to the sampled estimate
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.preprocessing import TargetEncoder

    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(400, 13)), columns=[f"r{i}" for i in range(13)])
    X.insert(0, "store", rng.choice([f"store {i}" for i in range(200)], 400))
    y = ((X["r0"] + (X["store"].str[-1] < "4") - X["r2"]) > 0.5).astype(int)
    prep = ColumnTransformer(
        [("store", TargetEncoder(random_state=0), ["store"])], remainder="passthrough"
    )
    forest = RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0)
    pipeline = Pipeline([("prep", prep), ("forest", forest)]).fit(X, y)
    rows, background = X.iloc[:40], X.iloc[100:150]
    result = explain.explain_estimator(pipeline, rows, background, "binary", n_jobs=1)
    assert result.methods == {"tree (path-dependent)": 40}
    own = shap.TreeExplainer(forest).shap_values(prep.transform(rows))[..., 1]
    sources = source_columns(prep, list(X.columns))
    expected = np.zeros((40, len(X.columns)))
    for j, source in enumerate(sources):
        expected[:, list(X.columns).index(source)] += own[:, j]
    np.testing.assert_allclose(result.values[:, :, 0], expected, atol=1e-12)
    assert np.abs(result.values[:, 0, 0]).max() > 0.01  # the store matters


# -- tree SHAP values on row chunks in parallel ------------------------------------------------


@pytest.fixture(scope="module")
def forest_explainer():
    """shap's TreeExplainer of a small forest, and 600 rows to explain."""
    from sklearn.ensemble import RandomForestClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 4))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    forest = RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0).fit(X, y)
    return shap.TreeExplainer(forest), X


@pytest.fixture
def parallel_always(monkeypatch):
    """Thresholds low enough that 600 rows go to workers."""
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_ROWS", 10)
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_SECONDS", 0.0)
    monkeypatch.setattr(tree_shap, "SHAP_PILOT_ROWS", 50)


def test_tree_shap_values_from_workers_equal_one_call(
    forest_explainer, parallel_always, monkeypatch
):
    explainer, X = forest_explainer
    started, original = [], joblib.Parallel

    def spy(*args, **kwargs):
        started.append(kwargs["n_jobs"])
        return original(*args, **kwargs)

    monkeypatch.setattr(joblib, "Parallel", spy)
    expected = explainer.shap_values(X, check_additivity=False)
    np.testing.assert_array_equal(explain.tree_shap_values(explainer, X, n_jobs=2), expected)
    assert started == [2]


def test_small_sets_are_explained_without_workers(forest_explainer, monkeypatch):
    explainer, X = forest_explainer

    def no_workers(*args, **kwargs):
        raise AssertionError("workers started for a small set")

    monkeypatch.setattr(joblib, "Parallel", no_workers)
    values = explain.tree_shap_values(explainer, X[:100], n_jobs=2)
    np.testing.assert_array_equal(values, explainer.shap_values(X[:100], check_additivity=False))


def test_rows_are_explained_in_process_when_the_workers_fail(
    forest_explainer, parallel_always, monkeypatch
):
    explainer, X = forest_explainer

    def broken(*args, **kwargs):
        raise OSError("cannot start a worker")

    monkeypatch.setattr(joblib, "Parallel", broken)
    values = explain.tree_shap_values(explainer, X, n_jobs=2)
    np.testing.assert_array_equal(values, explainer.shap_values(X, check_additivity=False))


def test_explanations_with_workers_equal_those_without(parallel_always):
    from sklearn.ensemble import RandomForestClassifier

    X = pd.concat([FRAME] * 10, ignore_index=True)[["x", "z"]]
    y = pd.concat([TARGET] * 10, ignore_index=True)
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    one = explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2, n_jobs=1)
    two = explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2, n_jobs=2)
    assert one.explainer == two.explainer == "tree (path-dependent)"
    np.testing.assert_array_equal(one.values, two.values)


def test_shap_jobs_come_from_the_environment(monkeypatch):
    monkeypatch.delenv(SHAP_JOBS_ENV_VAR, raising=False)
    assert explain.shap_jobs() == SHAP_N_JOBS
    monkeypatch.setenv(SHAP_JOBS_ENV_VAR, " 2 ")
    assert explain.shap_jobs() == 2


@pytest.mark.parametrize("value", ["two", "0", "1.5"])
def test_a_bad_shap_jobs_setting_names_the_variable(monkeypatch, value):
    monkeypatch.setenv(SHAP_JOBS_ENV_VAR, value)
    with pytest.raises(ValueError, match=SHAP_JOBS_ENV_VAR):
        explain.shap_jobs()


def test_each_row_is_explained_once_by_one_explainer(monkeypatch):
    """The 64 probe rows' values are kept for the whole set, and the explainer is built once."""
    from sklearn.ensemble import RandomForestClassifier

    X = pd.concat([FRAME] * 5, ignore_index=True)[["x", "z"]]
    y = pd.concat([TARGET] * 5, ignore_index=True)
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    built, explained = [], []
    original_chunk, original_explainer = tree_shap._shap_chunk, shap.TreeExplainer

    def counting_chunk(explainer, rows, **options):
        explained.append(len(rows))
        return original_chunk(explainer, rows, **options)

    def counting_explainer(*args, **kwargs):
        built.append(args)
        return original_explainer(*args, **kwargs)

    monkeypatch.setattr(tree_shap, "_shap_chunk", counting_chunk)
    monkeypatch.setattr(shap, "TreeExplainer", counting_explainer)
    result = explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2, n_jobs=1)
    assert sum(explained) == len(X) == 200 and explained[0] == 64
    assert len(built) == 1
    # the positive class's values as one shap call on every row gives them (computed by
    # model.threaded_tree_shap: the same up to the order of float64 sums)
    expected = original_explainer(forest).shap_values(X.to_numpy(float), check_additivity=False)
    np.testing.assert_allclose(
        result.values[:, :, 0], np.asarray(expected)[:, :, 1], rtol=0, atol=1e-15
    )


def test_a_set_the_probe_covers_is_explained_once(monkeypatch):
    from sklearn.ensemble import RandomForestClassifier

    X, y = FRAME[["x", "z"]], TARGET
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    explained, original = [], tree_shap._shap_chunk

    def counting_chunk(explainer, rows, **options):
        explained.append(len(rows))
        return original(explainer, rows, **options)

    monkeypatch.setattr(tree_shap, "_shap_chunk", counting_chunk)
    explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2, n_jobs=1)
    assert explained == [40]


def test_a_fast_explainer_that_fails_the_probe_is_not_run_on_every_row(monkeypatch):
    from sklearn.ensemble import RandomForestClassifier

    X = pd.concat([FRAME] * 5, ignore_index=True)[["x", "z"]]
    y = pd.concat([TARGET] * 5, ignore_index=True)
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    explained, original = [], tree_shap._shap_chunk

    def off_by_one_percent(explainer, rows, **options):
        explained.append(len(rows))
        return np.asarray(original(explainer, rows, **options)) * 1.01

    monkeypatch.setattr(tree_shap, "_shap_chunk", off_by_one_percent)
    result = explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2, n_jobs=1)
    assert explained == [64]  # the tree explainer stopped at the probe
    assert result.explainer == "exact (independent background)"
    assert result.max_additivity_error <= 1e-6


# -- predicting once ---------------------------------------------------------------------------


def _two_class_rows():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    # round the features so that many rows fall in the same leaves: ties between classes
    return np.round(X, 1), (X[:, 0] + rng.normal(size=300) > 0).astype(int)


@pytest.mark.parametrize("make", ["forest", "extra trees", "tree", "pipeline", "string labels"])
def test_predict_is_the_argmax_of_predict_proba_where_we_say_so(make):
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
    from sklearn.tree import DecisionTreeClassifier

    X, y = _two_class_rows()
    models = {
        "forest": lambda: RandomForestClassifier(n_estimators=7, max_depth=3, random_state=0),
        "extra trees": lambda: ExtraTreesClassifier(n_estimators=7, max_depth=3, random_state=0),
        "tree": lambda: DecisionTreeClassifier(max_depth=2, random_state=0),
        "pipeline": lambda: Pipeline(
            [("scale", StandardScaler()), ("model", RandomForestClassifier(n_estimators=4))]
        ),
        "string labels": lambda: RandomForestClassifier(n_estimators=4, random_state=0),
    }
    target = np.where(y == 1, "fail", "ok") if make == "string labels" else y
    fitted = models[make]().fit(X, target)
    assert explain.predict_is_argmax_of_proba(fitted)
    proba = fitted.predict_proba(X)
    np.testing.assert_array_equal(fitted.classes_[np.argmax(proba, axis=1)], fitted.predict(X))


def test_models_with_a_predict_of_their_own_are_asked_to_predict():
    from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier

    class Cautious(RandomForestClassifier):
        def predict(self, X):  # a custom rule: not the argmax of predict_proba
            return np.where(self.predict_proba(X)[:, 1] > 0.8, 1, 0)

    X, y = _two_class_rows()
    for fitted in (
        Cautious(n_estimators=4, random_state=0).fit(X, y),
        GradientBoostingClassifier(n_estimators=5).fit(X, y),
        LogisticRegression().fit(X, y),
        RandomForestClassifier(n_estimators=4).fit(X, np.c_[y, y]),  # two outputs
        Pipeline([("model", Cautious(n_estimators=4))]).fit(X, y),
    ):
        assert not explain.predict_is_argmax_of_proba(fitted), fitted


def test_outputs_the_caller_has_are_not_predicted_again():
    from sklearn.ensemble import RandomForestClassifier

    X = pd.concat([FRAME] * 5, ignore_index=True)[["x", "z"]]
    y = pd.concat([TARGET] * 5, ignore_index=True)

    class Counting(RandomForestClassifier):
        calls = 0

        def predict_proba(self, X):
            Counting.calls += 1
            return super().predict_proba(X)

    forest = Counting(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    outputs = explain.explained_outputs(forest.predict_proba(X), "binary")
    Counting.calls = 0
    given = explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2, outputs=outputs)
    assert Counting.calls == 0
    computed = explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2)
    np.testing.assert_array_equal(given.values, computed.values)
    np.testing.assert_array_equal(given.outputs, computed.outputs)
    with pytest.raises(ValueError, match="outputs has 10 rows but X has 200"):
        explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2, outputs=outputs[:10])


def test_the_row_threshold_counts_the_whole_set_not_what_the_probe_leaves(monkeypatch):
    from sklearn.ensemble import RandomForestClassifier

    X = pd.concat([FRAME] * 15, ignore_index=True)[["x", "z"]]  # 600 rows
    y = pd.concat([TARGET] * 15, ignore_index=True)
    forest = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(X, y)
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_ROWS", 600)
    monkeypatch.setattr(tree_shap, "SHAP_PARALLEL_MIN_SECONDS", 0.0)
    # shap's explainer as it is, which shares rows among processes (a forest's own: threads)
    monkeypatch.setattr(
        explain_trees, "threaded_explainer", lambda explainer, covers=None: explainer
    )
    chunks, original = [], joblib.Parallel

    def spy(*args, **kwargs):
        parallel = original(*args, **kwargs)

        def run(tasks):
            tasks = list(tasks)  # joblib.delayed: (function, (explainer, rows), {})
            chunks.extend(len(rows) for _, (_, rows), _ in tasks)
            return parallel(tasks)

        return run

    monkeypatch.setattr(joblib, "Parallel", spy)
    two = explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2, n_jobs=2)
    assert chunks == [268, 268]  # 600 rows less the 64 probe rows, in two chunks
    one = explain.explain_estimator(forest, X, X.iloc[:20], "binary", 2, n_jobs=1)
    np.testing.assert_array_equal(two.values, one.values)


# -- publishing's predictions and latency (model/publishing.py), which use the above -------------


def test_publishing_takes_a_forests_labels_from_predict_proba_alone():
    from sklearn.ensemble import RandomForestClassifier

    from model.publishing import _predictions, label_strings

    X, y = _two_class_rows()
    X = pd.DataFrame(X, columns=["a", "b", "c"])
    model = RandomForestClassifier(n_estimators=5, random_state=0)
    forest = Pipeline([("scale", StandardScaler()), ("model", model)]).fit(X, y)
    expected = label_strings(forest.predict(X))

    def no_predict(rows):
        raise AssertionError("predict called: the argmax of predict_proba was enough")

    forest.predict = no_predict
    classes = list(label_strings(forest.classes_))
    frame, predicted, _ = _predictions(forest, X, None, "binary", classes)
    np.testing.assert_array_equal(predicted, expected)
    np.testing.assert_array_equal(frame["predicted"].to_numpy(), expected)


def test_latency_is_taken_over_at_least_five_timed_calls():
    from sklearn.ensemble import RandomForestClassifier

    from model.publishing import _measure_latency

    X, y = _two_class_rows()
    X = pd.DataFrame(X, columns=["a", "b", "c"])
    forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
    calls, original = [], forest.predict_proba

    def counting(rows):
        calls.append(len(rows))
        return original(rows)

    forest.predict_proba = counting
    latency = _measure_latency(forest, X, "binary", budget_seconds=0.0)
    assert latency["latency_repeats"] == 5
    assert calls == [1000] * 6  # five timed, one traced for the peak memory
    assert 0 < latency["latency_ms_per_1000_p50"] <= latency["latency_ms_per_1000_p95"]
    assert latency["peak_memory_bytes"] > 0


# -- messy frames ------------------------------------------------------------------------------


def messy_frame(n: int = 160) -> tuple[pd.DataFrame, pd.Series]:
    """What teams bring: object, category and string columns with NaN/None/NA, booleans,
    machine ids stored as text, a datetime."""
    rng = np.random.default_rng(0)
    kind = rng.choice(["L", "M", "H"], n).astype(object)
    kind[::9] = np.nan
    shift = pd.Categorical(rng.choice(["day", "night"], n))
    shift[::11] = np.nan
    site = pd.array(rng.choice(["north", "south", "east"], n), dtype="string")
    site[::13] = pd.NA
    frame = pd.DataFrame(
        {
            "kind": kind,
            "shift": shift,
            "site": site,
            "checked": rng.random(n) > 0.5,
            "machine_id": rng.choice(["0012", "0345", "0078", "1200"], n).astype(object),
            "torque": rng.normal(40, 10, n),
        },
        index=[f"r{i}" for i in range(n)],
    )
    # object dtype, as read from many sources (pandas 3 would infer its string dtype)
    frame = frame.astype({"kind": object, "machine_id": object})
    y = ((frame["torque"] > 42) ^ (frame["kind"] == "H")).astype(int)
    return frame, y


def messy_pipeline(final, string_na: bool = True, numeric: tuple[str, ...] = ("torque",)):
    from sklearn.pipeline import make_pipeline

    def encoded(imputer):
        return make_pipeline(imputer, OneHotEncoder(handle_unknown="ignore"))

    prep = ColumnTransformer(
        [
            (
                "cat",
                encoded(SimpleImputer(strategy="most_frequent")),
                ["kind", "shift", "checked", "machine_id"],
            ),
            (
                "text",
                encoded(
                    SimpleImputer(missing_values=pd.NA, strategy="constant", fill_value="-")
                    if string_na
                    else SimpleImputer(strategy="most_frequent")
                ),
                ["site"],
            ),
            ("num", "passthrough", list(numeric)),
        ]
    )
    return Pipeline([("prep", prep), ("model", final)])


def test_frame_codec_gives_back_each_columns_own_missing_value():
    frame, _ = messy_frame()
    frame["note"] = pd.Series(["a", None] * 80, index=frame.index, dtype=object)
    codec = FrameCodec(frame)
    decoded = codec.decode(codec.encode(frame))
    assert decoded["kind"].isna().sum() == frame["kind"].isna().sum()
    assert all(
        isinstance(v, float) and np.isnan(v)
        for v in decoded["kind"][frame["kind"].isna().to_numpy()]
    )
    assert all(v is None for v in decoded["note"][frame["note"].isna().to_numpy()])
    assert decoded["site"].dtype == "string" and decoded["site"].isna().sum() == 13
    assert decoded["shift"].dtype == "category" and decoded["checked"].dtype == bool
    assert list(decoded["machine_id"]) == list(frame["machine_id"])  # "0012" stays text


def test_a_messy_frame_through_imputer_and_one_hot_is_explained_exactly():
    frame, y = messy_frame()
    pipeline = messy_pipeline(LogisticRegression(max_iter=1000)).fit(frame, y)
    result = explain.explain_estimator(
        pipeline, frame, frame.sample(30, random_state=0), "binary", 2
    )
    assert result.explainer == "exact (independent background)"
    assert result.max_additivity_error <= 1e-6
    assert result.features == list(frame.columns)


def test_a_messy_frame_publishes_with_a_tree_model(tmp_path):
    from sklearn.ensemble import GradientBoostingClassifier

    import model

    frame, y = messy_frame()
    # a model holding pd.NA (an imputer of it) cannot be stored: the string column has no NA
    frame["site"] = frame["site"].fillna("north")
    # a seventh reading: with more than six, a boosting classifier's trees explain it
    frame["speed"] = np.random.default_rng(1).normal(1500, 100, len(frame))
    final = GradientBoostingClassifier(n_estimators=20, random_state=0)
    pipeline = messy_pipeline(final, string_na=False, numeric=("torque", "speed"))
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S", "messy", pipeline.fit(frame, y), frame, y, deck_size=40)
    assert proto.meta["explainer"] == "tree (interventional, log-odds)"
    assert proto.meta["max_additivity_error"] <= 1e-6
    assert set(proto.meta["categorical"]) == {"kind", "shift", "site", "checked", "machine_id"}
    row_id = proto.precomputed()[~proto.precomputed()].index[0]
    explained = ws.explain("S", "messy", row_id)
    assert explained["unit"] == "log-odds"
    chance = 1 / (1 + np.exp(-explained["output"]))
    assert chance == pytest.approx(proto.predictions().loc[row_id, "p:1"], abs=1e-6)


def test_a_datetime_column_the_pipeline_turns_into_numbers_is_explained():
    frame, y = messy_frame()
    frame["installed"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(
        np.arange(len(frame)) % 40, unit="D"
    )
    prep = ColumnTransformer(
        [
            ("age", FunctionTransformer(_days_since_2024), ["installed"]),
            ("num", "passthrough", ["torque"]),
        ]
    )
    pipeline = Pipeline([("prep", prep), ("model", LogisticRegression())]).fit(frame, y)
    columns = ["installed", "torque"]
    result = explain.explain_estimator(
        pipeline, frame[columns], frame[columns].iloc[:30], "binary", 2
    )
    assert result.max_additivity_error <= 1e-6
    assert np.abs(result.values[:, 0, 0]).max() > 0


def _days_since_2024(frame: pd.DataFrame) -> np.ndarray:
    return ((frame["installed"] - pd.Timestamp("2024-01-01")).dt.days).to_numpy()[:, None]


# -- rows the fast explainer gets wrong ----------------------------------------------------------


def nudged(base: type):
    """A ``base`` model whose probabilities are moved on rows whose ``x`` is in its
    ``moved_x_``: its trees, which shap reads, no longer give its output there."""

    class Nudged(base):
        def predict_proba(self, X):
            proba = super().predict_proba(X).copy()
            moved = np.isin(np.asarray(pd.DataFrame(X)["x"], dtype=float), self.moved_x_)
            proba[moved, 1] = 0.98 * proba[moved, 1] + 0.01
            proba[moved, 0] = 1 - proba[moved, 1]
            return proba

    return Nudged


def test_a_path_dependent_explainer_wrong_on_a_row_hands_every_row_to_the_exact_one():
    # Its base value is not the background's mean output, so the exact explainer's values of
    # one row would not add up with it: every row gets the exact explainer's.
    from sklearn.ensemble import RandomForestClassifier

    X = pd.concat([FRAME] * 3, ignore_index=True)[["x", "z"]].drop_duplicates()
    y = (X["x"] > 0.5).astype(int)
    model = nudged(RandomForestClassifier)(n_estimators=5, random_state=0).fit(X, y)
    model.moved_x_ = X["x"].to_numpy()[:2]
    result = explain.explain_estimator(model, X, X.iloc[10:30], "binary", 2, n_jobs=1)
    assert result.methods == {"exact (independent background)": len(X)}
    assert result.max_additivity_error <= 1e-6


def test_an_interventional_explainer_whose_base_is_not_the_backgrounds_mean_is_not_used():
    # The model's outputs on the background differ from its trees': additive values on the
    # other rows would still explain another function.
    from sklearn.ensemble import GradientBoostingClassifier

    class Nudged(GradientBoostingClassifier):
        def decision_function(self, X):
            log_odds = np.array(super().decision_function(X), dtype=float)
            x = np.asarray(pd.DataFrame(X).iloc[:, 0], dtype=float)
            log_odds[np.isin(x, self.moved_x_)] += 0.3
            return log_odds

        def predict_proba(self, X):
            chance = 1 / (1 + np.exp(-self.decision_function(X)))
            return np.column_stack([1 - chance, chance])

    X = pd.concat([FRAME] * 3, ignore_index=True)[["x", "z"]].drop_duplicates()
    noise = np.random.default_rng(0).normal(size=(len(X), 5))
    X = X.assign(**{f"noise {k}": noise[:, k] for k in range(5)})  # seven features: trees
    y = (X["x"] > 0.5).astype(int)
    model = Nudged(n_estimators=10, random_state=0).fit(X, y)
    background = X.iloc[:20]
    model.moved_x_ = background["x"].to_numpy()
    rows = X.iloc[20:]  # none of them moved: each adds up with the trees' values
    result = explain.explain_estimator(model, rows, background, "binary", 2, n_jobs=1)
    assert result.methods == {"exact (independent background)": len(rows)}
    model.moved_x_ = np.array([])  # unmoved, the trees explain it
    result = explain.explain_estimator(model, rows, background, "binary", 2, n_jobs=1)
    assert result.methods == {"tree (interventional, log-odds)": len(rows)}


def test_shaps_probability_tree_values_are_rescaled_log_odds_not_probability_shapley_values():
    """What the README's "Open: what shap's probability output is" says, measured: shap's
    interventional probability output adds up exactly, yet it is not the Shapley values of
    the probability (each background row's log-odds attributions rescaled instead)."""
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier

    X, y = make_classification(n_samples=600, n_features=5, n_informative=4, n_redundant=0,
                               random_state=0)  # fmt: skip
    model = GradientBoostingClassifier(n_estimators=60, random_state=0).fit(X[:500], y[:500])
    background, rows = X[:30], X[500:560]
    explainer = shap.TreeExplainer(
        model, data=background, model_output="probability", feature_perturbation="interventional"
    )
    rescaled = np.asarray(explainer.shap_values(rows))
    rescaled = rescaled[..., 1] if rescaled.ndim == 3 else rescaled
    exact, base = exact_shapley(lambda a: model.predict_proba(a)[:, 1:], rows, background)
    probability = model.predict_proba(rows)[:, 1]
    np.testing.assert_allclose(rescaled.sum(axis=1) + float(explainer.expected_value),
                               probability, atol=1e-6)  # fmt: skip
    np.testing.assert_allclose(exact[:, :, 0].sum(axis=1) + base[0], probability, atol=1e-9)
    assert np.abs(rescaled - exact[:, :, 0]).max() > 0.02  # measured: 0.077; rounding: 1e-9


def test_split_codes_keep_every_comparison_and_are_exact_in_float32():
    from model.explain_trees import SplitCodes

    rng = np.random.default_rng(0)
    # thresholds and values closer together than float32 can tell apart near 300
    thresholds = 300 + rng.normal(0, 1e-5, (4, 9))
    features = rng.integers(0, 2, (4, 9))
    splits = rng.random((4, 9)) > 0.2
    values = np.column_stack([300 + rng.normal(0, 1e-5, 500), rng.normal(size=500)])
    values[::7, 0] = thresholds[0, 0]  # some values equal to a threshold
    values[::11, 1] = np.nan
    codes = SplitCodes(thresholds, features, splits, 2, float32_inputs=False)
    coded = codes(values)
    assert np.array_equal(coded, coded.astype(np.float32).astype(float), equal_nan=True)
    assert np.array_equal(np.isnan(coded), np.isnan(values))
    for t, f in zip(thresholds[splits], features[splits], strict=True):
        code = float(np.float32(codes.thresholds[splits][thresholds[splits] == t][0]))
        seen = ~np.isnan(values[:, f])
        np.testing.assert_array_equal(values[seen, f] <= t, coded[seen, f] <= code)


def test_a_boosting_model_on_readings_finer_than_float32_is_explained_exactly_in_log_odds():
    """shap's interventional code compares with float32 thresholds: on readings closer
    together than float32 tells apart, its own log-odds values miss; ours are exact."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(0)
    X = pd.DataFrame(300 + rng.normal(0, 1e-4, (600, 7)), columns=[f"t{k}" for k in range(7)])
    y = ((X["t0"] - 300) + (X["t1"] - 300) * (X["t2"] > 300) > 0).astype(int)
    model = HistGradientBoostingClassifier(max_iter=30, random_state=0).fit(X, y)
    background, rows = X.iloc[:20], X.iloc[500:512]
    result = explain.explain_estimator(model, rows, background, "binary", 2, n_jobs=1)
    assert result.methods == {"tree (interventional, log-odds)": len(rows)}

    def log_odds(array):
        return model.decision_function(pd.DataFrame(array, columns=X.columns))[:, None]

    exact, base = exact_shapley(log_odds, rows.to_numpy(), background.to_numpy())
    np.testing.assert_allclose(result.values, exact, atol=1e-6)
    np.testing.assert_allclose(result.base_values, base, atol=1e-9)
    shaps = shap.TreeExplainer(
        model, data=background.to_numpy(), model_output="raw", feature_perturbation="interventional"
    ).shap_values(rows.to_numpy(), check_additivity=False)
    assert np.abs(shaps - exact[:, :, 0]).max() > 1e-3


def test_rows_of_a_prototype_published_with_shaps_probability_output_keep_that_explainer():
    """A prototype published before boosting classifiers left shap's probability output:
    a row explained later gets what that publish would have given it, named as it was."""
    from sklearn.ensemble import GradientBoostingClassifier

    from model.explain_trees import INTERVENTIONAL_PROBABILITY_TREE

    X = pd.concat([FRAME] * 3, ignore_index=True)[["x", "z"]].drop_duplicates()
    y = (X["x"] > 0.5).astype(int)
    model = GradientBoostingClassifier(n_estimators=10, random_state=0).fit(X, y)
    background, rows = X.iloc[:20], X.iloc[20:25]
    legacy = INTERVENTIONAL_PROBABILITY_TREE
    result = explain.explain_rows(model, rows, background, "binary", 2, legacy)
    assert result.explainer == legacy and result.unit == "probability"
    shaps = shap.TreeExplainer(
        model, data=background.to_numpy(float), model_output="probability",
        feature_perturbation="interventional",
    ).shap_values(rows.to_numpy(float), check_additivity=False)  # fmt: skip
    shaps = shaps[..., 1] if np.ndim(shaps) == 3 else shaps
    np.testing.assert_allclose(result.values[:, :, 0], shaps, atol=1e-12)
    # a new publish of the same model: exact probability values (two features)
    assert (
        explain.explain_estimator(model, rows, background, "binary", 2).explainer
        == "exact (independent background)"
    )
