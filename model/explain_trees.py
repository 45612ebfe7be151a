"""Choosing the fast explainer of a model: tree SHAP, linear SHAP or a boosting library's own.

``fast_explainer`` looks at the last step of a pipeline (or the model alone) and sets up the
explainer once for every row; ``model.explain`` computes its values and checks them row by row.

- random forest, extra trees, decision tree: shap ``TreeExplainer``, path-dependent
  (probability or value);
- scikit-learn gradient boosting classifier, and XGBoost, LightGBM and CatBoost binary
  classifiers with numeric splits only: shap ``TreeExplainer``, interventional (probability);
- XGBoost, LightGBM and CatBoost classifiers with native categorical splits, or multiclass,
  and LightGBM binary classifiers whose settings shap's probability explainer misreads
  (``zero_as_missing``, a ``sigmoid`` other than 1): the library's own path-dependent SHAP
  values (log-odds);
- XGBoost, LightGBM and CatBoost regressors: the library's own path-dependent SHAP values
  (value);
- a linear regression: shap ``LinearExplainer`` (value).

XGBoost adds its trees up in float32; its log-odds and values are explained as the float64 sum
of its trees (``model.xgboost_shap``), which its prediction is up to float32 rounding: pages
show that sum, so what they show adds up within 1e-6.

shap 0.51's probability output refuses native categorical splits and multiclass boosting
models (for LightGBM it returns values off by 0.35, and CatBoost's crashes the process), so
those are explained exactly in log-odds, the unit the model adds its trees up in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from sklearn import ensemble, tree
from sklearn.pipeline import Pipeline

from model.config import (
    ADDITIVITY_TOLERANCE,
    INTERVENTIONAL_TREE,
    LINEAR,
    NATIVE_TREE,
    PATH_DEPENDENT_TREE,
)
from model.explain_boosting import (
    LIGHTGBM,
    XGBOOST,
    XGBOOST_TOLERANCE,
    boosting_library,
    has_native_categorical,
    lightgbm_log_odds,
    margins,
    native_contributions,
    scaled,
)
from model.explain_columns import as_float_array, source_columns
from model.metrics import BINARY, REGRESSION
from model.xgboost_shap import contributions, xgboost_trees

__all__ = [
    "INTERVENTIONAL_TREE",
    "LOG_ODDS",
    "NATIVE_TREE",
    "PATH_DEPENDENT_TREE",
    "PROBABILITY",
    "VALUE",
    "FastExplainer",
    "fast_explainer",
    "float64_regression",
    "output_unit",
]

#: Units of the explained output.
PROBABILITY, VALUE, LOG_ODDS = "probability", "value", "log-odds"


_PROBABILITY_TREES = (
    ensemble.RandomForestClassifier,
    ensemble.ExtraTreesClassifier,
    tree.DecisionTreeClassifier,
)
_BOOSTED_CLASSIFIERS = (
    ensemble.GradientBoostingClassifier,
    ensemble.HistGradientBoostingClassifier,
)
_TREE_REGRESSORS = (
    ensemble.RandomForestRegressor,
    ensemble.ExtraTreesRegressor,
    tree.DecisionTreeRegressor,
    ensemble.GradientBoostingRegressor,
    ensemble.HistGradientBoostingRegressor,
)


def output_unit(task: str) -> str:
    """The unit of what the pages show for ``task``: ``"value"`` or ``"probability"``."""
    return VALUE if task == REGRESSION else PROBABILITY


@dataclass
class FastExplainer:
    """A tree, linear or native explainer set up once for every row of ``X``."""

    explainer: object  # shap's explainer; None for a library's own values
    name: str
    unit: str
    rows: np.ndarray | pd.DataFrame  # every row of X, as the final step sees it
    sources: list[str]  # the source column of each of those columns
    features: list[str]
    #: ``rows`` → ``(values (n, Mz, C), base (C,))`` for a library's own SHAP values
    native: Callable | None = None
    #: ``rows`` → the explained output ``(n, C)`` when it is not the model's probability/value
    outputs: Callable | None = None
    #: True when the base value is the mean output over the background rows, as the exact
    #: explainer's is, so single rows can fall back to it
    interventional: bool = False
    #: How far base + contributions may be from the output, relative to its magnitude
    tolerance: float = ADDITIVITY_TOLERANCE

    def take(self, rows: slice | np.ndarray):
        """The rows at ``rows`` (a slice or positions) of ``self.rows``."""
        return self.rows.iloc[rows] if isinstance(self.rows, pd.DataFrame) else self.rows[rows]


def split_pipeline(estimator):
    """``(preprocessor, final step)``; the preprocessor is None for a model alone."""
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator[:-1], estimator[-1]
    return None, estimator


def fast_explainer(estimator, X: pd.DataFrame, background: pd.DataFrame, task: str):
    """The fast explainer for ``estimator`` on ``X``, or None when none applies."""
    preprocessor, final = split_pipeline(estimator)
    features = list(X.columns)
    if preprocessor is None:
        sources, Z, Z_background = features, X, background
    else:
        sources = source_columns(preprocessor, features)
        if sources is None:
            return None
        Z, Z_background = preprocessor.transform(X), preprocessor.transform(background)
    library = boosting_library(final)
    if library is not None:
        return _boosting_explainer(final, library, Z, Z_background, sources, features, task)
    Z, Z_background = as_float_array(Z), as_float_array(Z_background)
    if Z is None or Z_background is None or np.isnan(Z).any():
        return None

    import shap  # slow to import: only when publishing

    categorical = getattr(final, "is_categorical_", None)
    if categorical is not None and np.any(categorical):
        return None  # TreeExplainer ignores native categorical splits: silently wrong values
    unit = output_unit(task)
    if isinstance(final, _PROBABILITY_TREES + _TREE_REGRESSORS):
        return FastExplainer(
            shap.TreeExplainer(final), PATH_DEPENDENT_TREE, unit, Z, sources, features
        )
    if isinstance(final, _BOOSTED_CLASSIFIERS):
        return _interventional(final, Z, Z_background, sources, features)
    if task == REGRESSION and hasattr(final, "coef_") and np.ndim(final.coef_) == 1:
        explainer = shap.LinearExplainer(final, shap.maskers.Independent(Z_background))
        return FastExplainer(explainer, LINEAR, unit, Z, sources, features, interventional=True)
    return None


def float64_regression(estimator, X: pd.DataFrame) -> np.ndarray | None:
    """The predictions of an XGBoost regressor (alone or last in a pipeline) as the float64 sum
    of its trees, which its SHAP values add up to; None for other models.

    XGBoost's own ``predict`` is the same sum in float32, up to about 1e-6 of the value away:
    pages show this one, so that what they show adds up.
    """
    preprocessor, final = split_pipeline(estimator)
    if boosting_library(final) != XGBOOST or not hasattr(final, "get_booster"):
        return None
    Z = X if preprocessor is None else preprocessor.transform(X)
    trees = xgboost_trees(final)
    if trees is None or trees.n_outputs != 1 or trees.link != "identity":
        return None
    return trees.outputs(Z)[:, 0]


def _interventional(final, Z, Z_background, sources, features) -> FastExplainer:
    import shap

    explainer = shap.TreeExplainer(
        final,
        data=Z_background,
        model_output="probability",
        feature_perturbation="interventional",
    )
    return FastExplainer(
        explainer, INTERVENTIONAL_TREE, PROBABILITY, Z, sources, features, interventional=True
    )


def _boosting_explainer(final, library, Z, Z_background, sources, features, task):
    categorical = has_native_categorical(final, library)
    scale, misread = 1.0, False
    if library == LIGHTGBM and task == BINARY:
        scale, misread = lightgbm_log_odds(final)
    if task == BINARY and not categorical and not misread:
        numbers, background = as_float_array(Z), as_float_array(Z_background)
        if numbers is not None and background is not None:
            return _interventional(final, numbers, background, sources, features)
    if scale is None:  # no exact log-odds of its own: the exact or estimated explainer
        return None
    native = partial(native_contributions, final, library)
    if task == REGRESSION:
        name, unit, outputs = PATH_DEPENDENT_TREE, VALUE, None
    else:
        name, unit, outputs = NATIVE_TREE, LOG_ODDS, partial(margins, final, library)
        if scale != 1.0:  # LightGBM's sigmoid parameter: log-odds = scale * raw score
            native, outputs = partial(scaled, native, scale), partial(scaled, outputs, scale)
    tolerance = ADDITIVITY_TOLERANCE
    if library == XGBOOST:
        trees = xgboost_trees(final)
        if trees is None:  # XGBoost's own float32 values, checked to its precision
            tolerance = XGBOOST_TOLERANCE
        elif task != REGRESSION or trees.link == "identity":
            # the float64 sum of its trees, and their SHAP values (model.xgboost_shap)
            native = partial(contributions, trees, tolerance=tolerance)
            outputs = trees.outputs
    return FastExplainer(
        None,
        name,
        unit,
        Z,
        sources,
        features,
        native=native,
        outputs=outputs,
        tolerance=tolerance,
    )
