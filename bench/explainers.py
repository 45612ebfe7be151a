"""Section h: XGBoost, LightGBM and CatBoost explained as publishing explains them, against
shap's fastest exact explainer for the same model, rows and units.

For each library, three models on the AI4I rows: a binary classifier with numeric splits
only (a one-hot pipeline; probability, against shap's interventional ``TreeExplainer`` with
probability output over the same background), one splitting natively on the machine type
(log-odds, against shap's path-dependent ``TreeExplainer``, its fastest exact explainer of
such a model) and a regression of the process temperature (value, the same baseline). Ours
is ``explain_estimator`` with the probabilities or values publishing has already predicted:
choosing the explainer, computing, checking every row's additivity and summing one-hot
columns back to their source. One worker each, taking turns in every repeat.
"""

from __future__ import annotations

import statistics
import warnings
from functools import partial

import numpy as np
import pandas as pd

from bench.data import resampled_rows, training_rows
from bench.report import Row, timed
from model.config import DEFAULT_BACKGROUND_SIZE, SEED

__all__ = ["LIBRARIES", "bench_explainers", "boosting_model", "shap_baseline"]

LIBRARIES = ("xgboost", "lightgbm", "catboost")
CASES = ("numeric, probability", "native categorical, log-odds", "regression, value")
GOAL = ("<=", 1.25)
#: The regression's target: the process temperature, from the other readings.
REGRESSION_TARGET = "Process temperature (K)"


def _plain_names(X: pd.DataFrame) -> pd.DataFrame:
    """AI4I's column names without brackets, which XGBoost refuses in feature names."""
    return X.rename(columns=lambda c: c.replace("[", "(").replace("]", ")"))


def boosting_model(library: str, case: str, trees: int):
    """A fitted model of ``library`` for ``case`` and the columns it takes, or None if the
    library is not installed: ``(estimator, columns, task)``."""
    try:
        module = __import__(library)
    except ImportError:
        return None
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    regression = case.startswith("regression")
    X, y = training_rows()
    X = _plain_names(X)
    if regression:
        y = X[REGRESSION_TARGET]
        X = X.drop(columns=REGRESSION_TARGET)
    native = not case.startswith("numeric")
    categorical = ["Type"] if native and library == "catboost" else None
    final = _estimator(module, library, regression, trees, categorical)
    if native:
        X = _native_types(X, library)
        return final.fit(X, y), list(X.columns), "regression" if regression else "binary"
    prep = ColumnTransformer(
        [
            ("type", OneHotEncoder(handle_unknown="ignore"), ["Type"]),
            ("sensors", "passthrough", [c for c in X.columns if c != "Type"]),
        ]
    )
    pipeline = Pipeline([("prep", prep), ("model", final)]).fit(X, y)
    return pipeline, list(X.columns), "binary"


def _estimator(module, library, regression, trees, categorical):
    if library == "xgboost":
        cls = module.XGBRegressor if regression else module.XGBClassifier
        return cls(n_estimators=trees, max_depth=4, enable_categorical=True, n_jobs=1)
    if library == "lightgbm":
        cls = module.LGBMRegressor if regression else module.LGBMClassifier
        return cls(n_estimators=trees, num_leaves=15, verbose=-1, n_jobs=1)
    cls = module.CatBoostRegressor if regression else module.CatBoostClassifier
    return cls(
        iterations=trees,
        depth=6,
        verbose=0,
        thread_count=1,
        allow_writing_files=False,
        cat_features=categorical,
    )


def _native_types(X: pd.DataFrame, library: str) -> pd.DataFrame:
    if library == "catboost":
        return X.assign(Type=X["Type"].astype(str))
    return X.assign(Type=pd.Categorical(X["Type"], categories=["H", "L", "M"]))


def shap_baseline(estimator, X: pd.DataFrame, background: pd.DataFrame, unit: str):
    """shap's fastest exact explainer for the model in ``unit``: interventional with
    probability output for probabilities, path-dependent for log-odds and values."""
    import shap

    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    Z, Z_background = X, background
    if hasattr(estimator, "steps"):
        Z = np.asarray(estimator[:-1].transform(X), dtype=float)
        Z_background = np.asarray(estimator[:-1].transform(background), dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if unit == "probability":
            explainer = shap.TreeExplainer(
                final,
                data=Z_background,
                model_output="probability",
                feature_perturbation="interventional",
            )
        else:
            explainer = shap.TreeExplainer(final)
        return explainer.shap_values(Z, check_additivity=False)


def _ours(estimator, X, background, task, outputs):
    from model.explain import explain_estimator

    return explain_estimator(estimator, X, background, task, 2, n_jobs=1, outputs=outputs)


def bench_explainers(n: int, repeats: int, quick: bool, log=print) -> list[Row]:
    """One row per library and case: our explanation against shap's, same rows and units."""
    from model.explain import model_outputs

    rows: list[Row] = []
    trees = 10 if quick else 100
    for library in LIBRARIES:
        for case in CASES:
            name = f"{library} {case.split(',')[0]}, {n:,} rows"
            fitted = boosting_model(library, case, trees)
            if fitted is None:
                rows.append(
                    Row("h explainers", name, None, None, "s", None, f"skipped: no {library}")
                )
                continue
            estimator, columns, task = fitted
            X = _plain_names(resampled_rows(n)[0])
            X = _native_types(X, library) if not case.startswith("numeric") else X
            X = X[columns]
            background = X.sample(min(DEFAULT_BACKGROUND_SIZE, len(X)), random_state=SEED)
            outputs = model_outputs(estimator, X, task)  # what publishing has predicted
            unit = case.split(", ")[1]
            result = _ours(estimator, X, background, task, outputs)  # warm: imports, caches
            ours_runs, bare_runs = [], []
            for _ in range(max(1, repeats)):
                bare_runs.append(timed(partial(shap_baseline, estimator, X, background, unit)))
                ours_runs.append(timed(partial(_ours, estimator, X, background, task, outputs)))
            ours, bare = statistics.median(ours_runs), statistics.median(bare_runs)
            methods = ", ".join(f"{k}: {v:,}" for k, v in result.methods.items())
            log(f"  {name}: ours {ours:.2f} s, shap {bare:.2f} s ({methods})")
            note = (
                f"unit {result.unit}; {methods} rows; largest additivity error "
                f"{result.max_additivity_error:.1e}"
            )
            rows.append(Row("h explainers", name, ours, bare, "s", GOAL, note))
    return rows
