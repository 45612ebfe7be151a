"""Model files: skops with trusted types only; pickle never runs without consent."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from model import ModelFileError, ToolWearRule
from model.persistence import dumps, load_model_file, loads


class Opaque:
    """A type no one has vetted."""

    def __init__(self):
        self.value = 1


class Payload:
    """Unpickling this creates a file: proof that code ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_skops_round_trip_of_our_own_rule_model(tmp_path):
    path = tmp_path / "rule.skops"
    sio.dump(ToolWearRule(threshold=180), path)
    assert load_model_file(path).threshold == 180


def test_untrusted_type_is_refused_by_name():
    data = sio.dumps(Opaque())
    with pytest.raises(ModelFileError, match="Opaque"):
        loads(data)


def test_truncated_skops_file_gives_a_clear_error(tmp_path):
    path = tmp_path / "broken.skops"
    path.write_bytes(dumps(LogisticRegression())[:100])
    with pytest.raises(ModelFileError, match="not a readable skops file"):
        load_model_file(path)


def test_pickle_is_refused_without_trust_and_its_payload_never_runs(tmp_path):
    marker = tmp_path / "payload-ran"
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps(Payload(str(marker))))
    with pytest.raises(ModelFileError, match="--trust-pickle"):
        load_model_file(path)
    assert not marker.exists()
    load_model_file(path, trust_pickle=True)  # the user vouched for it: it runs
    assert marker.exists()


def test_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"x")
    with pytest.raises(ModelFileError, match="unknown model file type"):
        load_model_file(path)


def _schema_without_ids(data: bytes):
    """A skops file's schema.json with the object ids (``__id__``, and the array file names
    made from them) taken out: they differ between two saves of the same model."""
    import io
    import json
    import zipfile

    def strip(node):
        if isinstance(node, dict):
            return {k: strip(v) for k, v in node.items() if k not in ("__id__", "file")}
        if isinstance(node, list):
            return [strip(v) for v in node]
        return node

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        arrays = sorted(archive.read(n) for n in archive.namelist() if n != "schema.json")
        return strip(json.loads(archive.read("schema.json"))), arrays


def test_dumps_writes_what_skops_writes_and_skops_loads_it():
    import numpy as np
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    from model.demo import FEATURES, TARGET, load_demo_data

    data = load_demo_data().head(2000)
    X, y = data[FEATURES], data[TARGET]
    categorical = [c for c in FEATURES if not pd.api.types.is_numeric_dtype(X[c])]
    pipeline = Pipeline(
        [
            (
                "prep",
                ColumnTransformer([("cat", OneHotEncoder(), categorical)], remainder="passthrough"),
            ),
            ("gb", GradientBoostingClassifier(n_estimators=20, random_state=0)),
        ]
    ).fit(X, y)
    ours, theirs = dumps(pipeline), sio.dumps(pipeline)
    assert _schema_without_ids(ours) == _schema_without_ids(theirs)
    assert sio.get_untrusted_types(data=ours) == sio.get_untrusted_types(data=theirs)
    loaded = loads(ours)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipeline.predict_proba(X))


# --- gradient-boosting libraries -----------------------------------------------------------

BOOSTING = {
    "xgboost": lambda xgboost, categorical, task: (
        xgboost.XGBClassifier if task == "binary" else xgboost.XGBRegressor
    )(n_estimators=8, max_depth=3, enable_categorical=categorical, tree_method="hist"),
    "lightgbm": lambda lightgbm, categorical, task: (
        lightgbm.LGBMClassifier if task == "binary" else lightgbm.LGBMRegressor
    )(n_estimators=8, verbose=-1),
    "catboost": lambda catboost, categorical, task: (
        catboost.CatBoostClassifier if task == "binary" else catboost.CatBoostRegressor
    )(iterations=8, verbose=0, cat_features=["kind"] if categorical else None, thread_count=1),
}


def boosting_frame(categorical: bool, library: str):
    """200 rows: two numeric columns (one name with a space) and, if ``categorical``, a
    column the library splits on natively (pandas ``category``; text for CatBoost)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(3)
    X = pd.DataFrame({"speed rpm": rng.normal(size=200), "wear": rng.normal(size=200)})
    X.index = pd.Index([f"r{i}" for i in range(200)], name="row_id")
    signal = X["speed rpm"] + 0.5 * X["wear"]
    if categorical:
        kind = rng.choice(["L", "M", "H"], 200)
        X["kind"] = kind if library == "catboost" else pd.Categorical(kind)
        signal = signal + (kind == "H")
    return X, (signal > 0.3).astype(int), signal * 1000


def fitted_boosting(library: str, categorical: bool, task: str, in_pipeline: bool):
    import importlib

    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline

    X, y_class, y_value = boosting_frame(categorical, library)
    estimator = BOOSTING[library](importlib.import_module(library), categorical, task)
    if in_pipeline:
        numeric = ["speed rpm", "wear"]
        prep = ColumnTransformer(
            [("scale", "passthrough", numeric)], remainder="passthrough",
            verbose_feature_names_out=False,
        ).set_output(transform="pandas")  # fmt: skip
        estimator = Pipeline([("prep", prep), ("model", estimator)])
    return estimator.fit(X, y_class if task == "binary" else y_value), X


def _predictions(estimator, X):
    import numpy as np

    if hasattr(estimator, "predict_proba"):
        return np.asarray(estimator.predict_proba(X))
    return np.asarray(estimator.predict(X))


@pytest.mark.parametrize("library", sorted(BOOSTING))
@pytest.mark.parametrize("categorical", [False, True], ids=["numeric", "native-categorical"])
@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "in-pipeline"])
def test_boosting_models_load_back_with_identical_predictions(library, categorical, in_pipeline):
    import numpy as np

    for task in ("binary", "regression"):
        estimator, X = fitted_boosting(library, categorical, task, in_pipeline)
        loaded = loads(dumps(estimator))
        assert type(loaded) is type(estimator)
        np.testing.assert_array_equal(_predictions(loaded, X), _predictions(estimator, X))


@pytest.mark.parametrize("library", sorted(BOOSTING))
@pytest.mark.parametrize("categorical", [False, True], ids=["numeric", "native-categorical"])
@pytest.mark.parametrize("in_pipeline", [False, True], ids=["alone", "in-pipeline"])
def test_a_published_boosting_model_loads_back_from_the_workspace(
    library, categorical, in_pipeline, tmp_path
):
    import numpy as np

    import model

    estimator, X = fitted_boosting(library, categorical, "binary", in_pipeline)
    _, y, _ = boosting_frame(categorical, library)
    ws = model.open_workspace(tmp_path / "ws")
    proto = ws.publish("Sprint 1", library, estimator, X, y, deck_size=20)
    loaded = ws.prototype("Sprint 1", library).estimator()
    np.testing.assert_array_equal(_predictions(loaded, X), _predictions(estimator, X))
    stored = proto.predictions()[["p:0", "p:1"]].to_numpy()
    np.testing.assert_allclose(stored, _predictions(loaded, X), rtol=0, atol=1e-6)


NATIVE_FILES = {
    ".json": ("xgboost", lambda m, path: m.save_model(path)),
    ".ubj": ("xgboost", lambda m, path: m.save_model(path)),
    ".txt": ("lightgbm", lambda m, path: m.booster_.save_model(path)),
    ".cbm": ("catboost", lambda m, path: m.save_model(path)),
}


@pytest.mark.parametrize("suffix", sorted(NATIVE_FILES))
@pytest.mark.parametrize("categorical", [False, True], ids=["numeric", "native-categorical"])
@pytest.mark.parametrize("task", ["binary", "regression"])
def test_a_library_s_own_model_file_loads_as_an_estimator(suffix, categorical, task, tmp_path):
    import numpy as np

    library, save = NATIVE_FILES[suffix]
    estimator, X = fitted_boosting(library, categorical, task, in_pipeline=False)
    path = tmp_path / f"model{suffix}"
    save(estimator, str(path))
    loaded = load_model_file(path)
    assert hasattr(loaded, "fit") and hasattr(loaded, "predict")
    assert hasattr(loaded, "predict_proba") == (task == "binary")
    np.testing.assert_allclose(_predictions(loaded, X), _predictions(estimator, X), rtol=1e-12)
    # what the workspace stores is skops, and it loads back with the exact-type allow-list
    np.testing.assert_array_equal(_predictions(loads(dumps(loaded)), X), _predictions(loaded, X))


def test_a_damaged_library_model_file_is_one_line(tmp_path):
    for suffix in NATIVE_FILES:
        path = tmp_path / f"broken{suffix}"
        path.write_bytes(b"{ not a model")
        with pytest.raises(ModelFileError, match=f"broken{suffix} could not be read as a") as e:
            load_model_file(path)
        assert "\n" not in str(e.value)


BLOCKED = """
import sys
sys.modules[{library!r}] = None  # as if it were not installed
from model.persistence import load_model_file, loads, ModelFileError
for path in {paths!r}:
    try:
        load_model_file(path)
    except ModelFileError as error:
        print(error)
"""


@pytest.mark.parametrize("library", sorted(BOOSTING))
def test_a_model_needing_a_missing_library_names_it_in_one_line(library, tmp_path):
    import subprocess
    import sys

    estimator, _ = fitted_boosting(library, False, "binary", in_pipeline=True)
    skops_file = tmp_path / "model.skops"
    skops_file.write_bytes(dumps(estimator))
    suffix = next(s for s, (lib, _) in NATIVE_FILES.items() if lib == library)
    native = tmp_path / f"model{suffix}"
    NATIVE_FILES[suffix][1](estimator[-1], str(native))
    # One interpreter for both files (an interpreter's start and imports are most of the time).
    script = BLOCKED.format(library=library, paths=[str(skops_file), str(native)])
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 2 and done.stdout.count("\n") == 2  # one line per file
    for line in lines:
        assert f"needs {library}, which is not installed" in line
        assert "pip install -r requirements-extras.txt" in line


@pytest.mark.parametrize("task", ["binary", "regression"])
def test_histogram_boosting_on_category_columns_loads_back_and_explains_rows_later(task, tmp_path):
    """scikit-learn's histogram gradient boosting splits pandas ``category`` columns natively
    (``categorical_features="from_dtype"``, the default) and then keeps a
    ``functools.partial`` of ``check_array``: its file loads back, so rows outside the deck
    are explained on demand rather than all at publish time."""
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    import model

    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "speed": rng.normal(1500, 100, 400),
            "line": pd.Categorical(rng.choice(["A", "B", "C", None], 400)),
        },
        index=[f"r{i}" for i in range(400)],
    )
    signal = (X["line"] == "A").to_numpy() + (X["speed"] > 1500).to_numpy()
    y = pd.Series(signal + rng.random(400) if task == "regression" else signal >= 1, X.index)
    cls = HistGradientBoostingClassifier if task == "binary" else HistGradientBoostingRegressor
    estimator = cls(max_iter=10, categorical_features="from_dtype").fit(X, y)
    method = "predict_proba" if task == "binary" else "predict"
    loaded = loads(dumps(estimator))
    np.testing.assert_array_equal(getattr(loaded, method)(X), getattr(estimator, method)(X))

    ws = model.open_workspace(tmp_path / "ws")
    proto = ws.publish("S", "hgb", estimator, X, y, deck_size=20)
    assert proto.model_refusal() is None and proto.precomputed().sum() == 20
    row_id = proto.precomputed()[~proto.precomputed()].index[0]
    explained = ws.explain("S", "hgb", row_id)
    total = explained["base_value"] + sum(explained["contributions"].values())
    assert total == pytest.approx(explained["output"], rel=1e-9)


def _families():
    """Fitted models of scikit-learn's families, each holding state beyond its estimators
    (losses, kernels, calibrators, imputation steps, trees, neighbours' indexes)."""
    import numpy as np
    import pandas as pd
    from sklearn import (
        calibration,
        compose,
        ensemble,
        feature_selection,
        gaussian_process,
        impute,
        linear_model,
        neighbors,
        neural_network,
        pipeline,
        preprocessing,
    )
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401

    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {"a": rng.normal(size=200), "b": rng.normal(1, 3, 200), "c": rng.choice(list("xyz"), 200)}
    )
    X.loc[::9, "b"] = np.nan
    labels = (X["a"] + rng.normal(size=200) > 0).astype(int)
    amounts = np.exp(X["a"]) + rng.random(200)

    def prep(numeric=None):
        numeric = numeric or pipeline.make_pipeline(
            impute.SimpleImputer(), preprocessing.StandardScaler()
        )
        return compose.make_column_transformer(
            (numeric, ["a", "b"]), (preprocessing.TargetEncoder(), ["c"])
        )

    classifiers = {
        "spline + logistic": pipeline.make_pipeline(
            prep(pipeline.make_pipeline(impute.SimpleImputer(), preprocessing.SplineTransformer())),
            linear_model.LogisticRegression(),
        ),
        "iterative imputer": pipeline.make_pipeline(
            prep(impute.IterativeImputer()), linear_model.LogisticRegression()
        ),
        "calibrated forest": pipeline.make_pipeline(
            prep(),
            calibration.CalibratedClassifierCV(
                ensemble.RandomForestClassifier(n_estimators=5, random_state=0), method="isotonic"
            ),
        ),
        "stacking": pipeline.make_pipeline(
            prep(),
            ensemble.StackingClassifier(
                [
                    ("lr", linear_model.LogisticRegression()),
                    ("knn", neighbors.KNeighborsClassifier()),
                ]  # fmt: skip
            ),
        ),
        "gaussian process": pipeline.make_pipeline(
            prep(), gaussian_process.GaussianProcessClassifier()
        ),
        "mlp": pipeline.make_pipeline(
            prep(), neural_network.MLPClassifier(max_iter=30, random_state=0)
        ),
        # selectors keep their score function: scikit-learn's own are trusted by name
        "mutual information selection": pipeline.make_pipeline(
            prep(),
            feature_selection.SelectKBest(feature_selection.mutual_info_classif, k=2),
            ensemble.RandomForestClassifier(n_estimators=5, random_state=0),
        ),
        "chi2 selection": pipeline.make_pipeline(
            prep(pipeline.make_pipeline(impute.SimpleImputer(), preprocessing.MinMaxScaler())),
            feature_selection.SelectPercentile(feature_selection.chi2, percentile=50),
            linear_model.LogisticRegression(),
        ),
    }
    regressors = {
        "tweedie": pipeline.make_pipeline(prep(), linear_model.TweedieRegressor(power=1.5)),
        "poisson": pipeline.make_pipeline(prep(), linear_model.PoissonRegressor()),
        "log target": compose.TransformedTargetRegressor(
            pipeline.make_pipeline(prep(), linear_model.Ridge()),
            func=np.log1p,
            inverse_func=np.expm1,
        ),
        "quantile boosting": pipeline.make_pipeline(
            prep(), ensemble.GradientBoostingRegressor(loss="quantile", n_estimators=5)
        ),
        "correlation selection": pipeline.make_pipeline(
            prep(),
            feature_selection.SelectKBest(feature_selection.r_regression, k=2),
            linear_model.Ridge(),
        ),
        "mutual information regression": pipeline.make_pipeline(
            prep(),
            feature_selection.SelectKBest(feature_selection.mutual_info_regression, k=2),
            linear_model.Ridge(),
        ),
    }
    yield from ((name, m.fit(X, labels), X) for name, m in classifiers.items())
    yield from ((name, m.fit(X, amounts), X) for name, m in regressors.items())


def test_models_of_each_scikit_learn_family_load_back_with_identical_predictions():
    import numpy as np

    for name, estimator, X in _families():
        data = dumps(estimator)
        assert sio.get_untrusted_types(data=data), name  # skops alone would refuse them
        loaded = loads(data, name)
        np.testing.assert_array_equal(_predictions(loaded, X), _predictions(estimator, X), name)


def test_an_iterative_imputer_is_trusted_before_its_experimental_flag_is_imported():
    """The app loads a model before anything imports ``enable_iterative_imputer``, and
    ``all_estimators()`` lists the imputer only after: it is on the list by name."""
    import subprocess
    import sys

    check = (
        "import sys; from model.persistence import trusted_types; "
        "assert 'sklearn.experimental.enable_iterative_imputer' not in sys.modules; "
        "print('sklearn.impute._iterative.IterativeImputer' in trusted_types())"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run(
        [sys.executable, "-c", check], cwd=root, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "True"


def test_why_a_file_cannot_be_loaded_names_functions_as_functions():
    """A pipeline with FunctionTransformer(lambda …) was told "its class <lambda> is not one
    the app may load" and to publish "a scikit-learn Pipeline of them", which it was."""
    from model.persistence import LOADABLE_MODELS, unloadable_reason

    assert unloadable_reason(["__main__.<lambda>"]).startswith(
        "its function a lambda is not one the app may load from a file"
    )
    assert unloadable_reason(["__main__.double"]).startswith("its function double is not one")
    assert unloadable_reason(["tests.models.ScoreClassifier"]).startswith(
        "its class ScoreClassifier is not one"
    )
    assert unloadable_reason(["m.A", "m.B"]).startswith("its classes A, B are not ones")
    assert unloadable_reason(["m.A", "m.double"]).startswith("its parts A, double are not ones")
    assert "a FunctionTransformer with a NumPy function such as np.log1p" in LOADABLE_MODELS
