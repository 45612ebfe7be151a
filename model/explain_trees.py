"""Choosing the fast explainer of a model: tree SHAP, linear SHAP or a boosting library's own.

``fast_explainer`` looks at the last step of a pipeline (or the model alone) and sets up the
explainer once for every row; ``model.explain`` computes its values and checks them row by row.

- random forest, extra trees, decision tree: shap ``TreeExplainer``, path-dependent
  (probability or value);
- scikit-learn gradient boosting binary classifiers (classic and histogram), and XGBoost,
  LightGBM and CatBoost binary classifiers with numeric splits only: with more than
  ``MAX_EXACT_PROBABILITY_FEATURES`` source features, shap ``TreeExplainer``, interventional,
  in log-odds (exact: the trees add up in log-odds); with fewer, none here, so that the exact
  explainer gives the exact values of the probability itself;
- XGBoost, LightGBM and CatBoost classifiers with native categorical splits, or multiclass,
  LightGBM binary classifiers whose settings shap misreads (``zero_as_missing``, a
  ``sigmoid`` other than 1), and XGBoost random forests and ``dart`` models (shap refuses the
  first and reads the second without its tree weights): the library's own path-dependent
  SHAP values (log-odds; XGBoost's as ``model.xgboost_shap`` reads its trees);
- XGBoost, LightGBM and CatBoost regressors: the library's own path-dependent SHAP values
  (value);
- scikit-learn histogram gradient boosting with categorical splits, or multiclass: shap
  ``TreeExplainer``, interventional, on its trees as ``model.hist_gradient_trees`` reads them
  (shap reads neither splits on categories nor any class's trees but the first): in log-odds
  (each class's softmax score) for classifiers with more than
  ``MAX_EXACT_PROBABILITY_FEATURES`` source features (fewer: the exact explainer, in
  probability), in value for regressors whose prediction is their trees' sum;
- scikit-learn classic gradient boosting classifiers of several classes with more than
  ``MAX_EXACT_PROBABILITY_FEATURES`` source features: the same, on its trees read by
  ``model.hist_gradient_trees.GradientBoostingTrees`` (shap refuses the model), in log-odds;
- a linear regression: shap ``LinearExplainer`` (value).

Why not shap's probability output for boosting classifiers: for each background row it
computes the exact log-odds values and rescales them by that row's change in probability
(``shap/cext/tree_shap.h``, ``rescale_factor``). They add up, but are not the Shapley values
of the probability: on the demo's data a gradient boosting model's were up to 0.38 off, with
another top feature on 9% of rows. Prototypes published with it keep its name
(``INTERVENTIONAL_PROBABILITY_TREE``), and their later rows get the same kind of values.

shap's interventional code keeps split thresholds in float32 (``struct Node``) while it
compares float64 values, and the models compare otherwise: histogram gradient boosting and
LightGBM float64 values with float64 thresholds, scikit-learn's classic trees and XGBoost
float32 values, CatBoost float32 values with float32 thresholds (which shap reads as
decimals). So a value near a threshold can go the other way: every row of a histogram
gradient boosting model of the demo's data with three derived readings missed additivity,
by up to 1.9 in log-odds, rows of classic gradient boosting were off by up to 0.09 while
adding up, and on readings finer than float32 all four libraries were off by 0.5 to 1.6.
``SplitCodes`` hands shap small whole numbers instead, in the same order as each feature's
values (as the model reads them) and thresholds, so every comparison comes out as the
model's and the values are exact.

XGBoost adds its trees up in float32; its log-odds and values are explained as the float64 sum
of its trees (``model.xgboost_shap``), which its prediction is up to float32 rounding: pages
show that sum, so what they show adds up within 1e-6.

Where shap's interventional explainer is set up, its values are computed by path patterns
(``model.pattern_tree_shap``): the same values, in time linear in the rows where shap's walks
every tree for each pair of a row and a background row (9 features, 1,000 rows: 0.06 s for
shap's 0.16 s), and without shap's float32 weights (additivity to 1e-14 where shap's was off by
7e-8). Trees with more than six features on one path keep shap's own.

shap 0.51's interventional explainer refuses native categorical splits and multiclass boosting
models (its probability output for LightGBM returned values off by 0.35, and CatBoost's crashed
the process), so those get the library's own path-dependent values, exact in log-odds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from sklearn import ensemble, tree
from sklearn.pipeline import Pipeline

from model.boosting import LIGHTGBM_TEXT_MODELS
from model.config import (
    ADDITIVITY_TOLERANCE,
    INTERVENTIONAL_PROBABILITY_TREE,
    INTERVENTIONAL_TREE,
    INTERVENTIONAL_VALUE_TREE,
    LINEAR,
    MAX_EXACT_PROBABILITY_FEATURES,
    NATIVE_TREE,
    PATH_DEPENDENT_TREE,
)
from model.explain_boosting import (
    CATBOOST,
    LIGHTGBM,
    XGBOOST,
    XGBOOST_TOLERANCE,
    boosting_library,
    has_native_categorical,
    lightgbm_log_odds,
    margins,
    native_contributions,
    scaled,
    xgboost_misread,
)
from model.explain_columns import as_float_array, source_columns
from model.hist_gradient_trees import (
    PerOutputExplainer,
    gradient_boosting_trees,
    has_categorical_splits,
    hist_gradient_trees,
    identity_link,
    is_hist_gradient_boosting,
)
from model.metrics import BINARY, REGRESSION
from model.pattern_tree_shap import pattern_explainer
from model.threaded_tree_shap import threaded_explainer, training_counts
from model.xgboost_shap import contributions, xgboost_trees

__all__ = [
    "INTERVENTIONAL_PROBABILITY_TREE",
    "INTERVENTIONAL_TREE",
    "INTERVENTIONAL_VALUE_TREE",
    "LOG_ODDS",
    "NATIVE_TREE",
    "PATH_DEPENDENT_TREE",
    "PROBABILITY",
    "VALUE",
    "FastExplainer",
    "fast_explainer",
    "final_step_inputs",
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
    #: ``rows`` → what the explainer takes (``SplitCodes``), where not ``rows`` themselves
    prepare: Callable | None = None
    #: rows of the source data (as the whole model takes them) → the explained output
    #: ``(n, C)``, where it is not the model's probability/value (log-odds), for the rows the
    #: fast explainer gets wrong and the check of its base value
    source_outputs: Callable | None = None

    def take(self, rows: slice | np.ndarray):
        """The rows at ``rows`` (a slice or positions) of ``self.rows``."""
        return self.rows.iloc[rows] if isinstance(self.rows, pd.DataFrame) else self.rows[rows]


def split_pipeline(estimator):
    """``(preprocessor, final step)``; the preprocessor is None for a model alone."""
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator[:-1], estimator[-1]
    return None, estimator


def final_step_inputs(estimator, X: pd.DataFrame, background: pd.DataFrame):
    """``(final step, X and background as it sees them, the source column of each of its
    columns, X's columns)``; None when its columns cannot be traced back to X's."""
    preprocessor, final = split_pipeline(estimator)
    features = list(X.columns)
    if preprocessor is None:
        return final, X, background, features, features
    sources = source_columns(preprocessor, features)
    if sources is None:
        return None
    return final, preprocessor.transform(X), preprocessor.transform(background), sources, features


def fast_explainer(
    estimator,
    X: pd.DataFrame,
    background: pd.DataFrame,
    task: str,
    *,
    legacy_probability: bool = False,
):
    """The fast explainer for ``estimator`` on ``X``, or None when none applies.

    ``legacy_probability``: shap's probability output for boosting classifiers, for rows of a
    prototype published with it (``INTERVENTIONAL_PROBABILITY_TREE``).
    """
    inputs = final_step_inputs(estimator, X, background)
    if inputs is None:
        return None
    final, Z, Z_background, sources, features = inputs
    if legacy_probability:
        return _legacy_probability(final, Z, Z_background, sources, features)
    library = boosting_library(final)
    if is_hist_gradient_boosting(final) and (
        has_categorical_splits(final) or task not in (BINARY, REGRESSION)
    ):  # shap reads neither its categorical splits nor every class's trees
        if task == REGRESSION and not identity_link(final):
            return None  # its prediction is exp of what its trees add up to
        trees = None if _exact_in_probability(task, sources) else hist_gradient_trees(final)
        return _read_trees(estimator, final, trees, Z, Z_background, sources, features, task)
    if library is not None:
        return _boosting_explainer(
            estimator, final, library, Z, Z_background, sources, features, task
        )
    Z, Z_background = as_float_array(Z), as_float_array(Z_background)
    if Z is None or Z_background is None:
        return None
    # Missing values are no reason to sample: the model has just predicted on these rows, and
    # shap sends a missing value down the side the tree does (scikit-learn's trees and
    # histogram boosting learn it), which every row's additivity check confirms.

    import shap  # slow to import: only when publishing

    unit = output_unit(task)
    if isinstance(final, _PROBABILITY_TREES + _TREE_REGRESSORS):
        # shap's values, computed on every core (model.threaded_tree_shap)
        explainer = shap.TreeExplainer(final)
        explainer = threaded_explainer(explainer, training_counts(final, explainer))
        return FastExplainer(explainer, PATH_DEPENDENT_TREE, unit, Z, sources, features)
    if isinstance(final, ensemble.GradientBoostingClassifier) and task not in (BINARY, REGRESSION):
        # shap refuses classic gradient boosting of several classes
        trees = None if _few_sources(sources) else gradient_boosting_trees(final, Z_background)
        return _read_trees(estimator, final, trees, Z, Z_background, sources, features, task)
    if isinstance(final, _BOOSTED_CLASSIFIERS):
        if task != BINARY or _few_sources(sources):
            return None  # the exact explainer, in probability
        return _interventional(
            estimator, final, Z, Z_background, sources, features, _decision_function
        )
    if task == REGRESSION and hasattr(final, "coef_") and np.ndim(final.coef_) == 1:
        explainer = shap.LinearExplainer(final, shap.maskers.Independent(Z_background))
        return FastExplainer(explainer, LINEAR, unit, Z, sources, features, interventional=True)
    return None


def _library_margins(library: str, final, rows) -> np.ndarray:
    """A boosting library's log-odds on ``rows``; XGBoost's as the float64 sum of its trees
    (``model.xgboost_shap``), which shap's values add up to."""
    if library == XGBOOST:
        trees = xgboost_trees(final)
        if trees is not None:
            return trees.outputs(rows)
    return margins(final, library, rows)


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


def _few_sources(sources: list[str]) -> bool:
    """True where the exact explainer gives a boosting classifier's probability values in
    affordable time (``MAX_EXACT_PROBABILITY_FEATURES``)."""
    return len(set(sources)) <= MAX_EXACT_PROBABILITY_FEATURES


def _decision_function(final, rows) -> np.ndarray:
    """A scikit-learn binary boosting classifier's log-odds, ``(n, 1)``."""
    return np.asarray(final.decision_function(rows), dtype=float).reshape(len(rows), -1)


class SplitCodes:
    """Each feature's values and split thresholds recoded as small whole numbers in the same
    order, so that ``value <= threshold`` holds exactly when it holds for the codes, which
    float32 holds exactly (shap's interventional code compares with float32 thresholds).

    The thresholds of feature j, sorted, ``t_1 < … < t_k``, become ``2, 4, …, 2k``; a value
    equal to ``t_i`` becomes ``2i``, and a value between ``t_i`` and ``t_(i+1)`` becomes
    ``2i + 1``. Missing values stay missing; features no tree splits on become 0.
    """

    def __init__(
        self,
        thresholds: np.ndarray,
        features: np.ndarray,
        splits: np.ndarray,
        n_features: int,
        float32_inputs: bool,
    ):
        self.float32_inputs = float32_inputs  # the model compares float32 values
        self.sorted = [np.unique(thresholds[splits & (features == j)]) for j in range(n_features)]
        self.thresholds = thresholds.copy()
        for j, ordered in enumerate(self.sorted):
            at = splits & (features == j)
            self.thresholds[at] = 2.0 * (np.searchsorted(ordered, thresholds[at]) + 1)

    def __call__(self, rows: np.ndarray) -> np.ndarray:
        """``rows`` (as the model takes them) recoded column by column."""
        rows = np.asarray(rows, dtype=float)
        if self.float32_inputs:
            rows = rows.astype(np.float32).astype(float)
        codes = np.zeros_like(rows)
        for j, ordered in enumerate(self.sorted):
            column = rows[:, j]
            below = np.searchsorted(ordered, column, side="left")  # thresholds < value
            at = np.minimum(below, max(len(ordered) - 1, 0))
            equal = (below < len(ordered)) & (ordered[at] == column) if len(ordered) else False
            codes[:, j] = np.where(equal, 2.0 * (below + 1), 2.0 * below + 1)
        codes[np.isnan(rows)] = np.nan
        return codes


def _exact_comparisons(
    explainer, n_features: int, float32_inputs: bool, float32_thresholds: bool = False
) -> SplitCodes:
    """Recode the thresholds of shap's copy of the trees and its background rows
    (``SplitCodes``); the rows to explain go through the returned codes."""
    model = explainer.model
    splits = np.asarray(model.children_left) >= 0
    if np.any(np.asarray(model.threshold_types)[splits] != 0):
        raise ValueError("categorical splits have no order to recode")
    thresholds = np.asarray(model.thresholds, dtype=float)
    if float32_thresholds:
        thresholds = thresholds.astype(np.float32).astype(float)
    codes = SplitCodes(
        thresholds,
        np.asarray(model.features),
        splits,
        n_features,
        float32_inputs,
    )
    model.thresholds = codes.thresholds
    explainer.data = codes(explainer.data)
    return codes


def _interventional(
    estimator, final, Z, Z_background, sources, features, log_odds: Callable
) -> FastExplainer:
    """shap's interventional tree explainer in log-odds; ``log_odds(final, rows)`` is the
    model's log-odds on rows as ``final`` takes them."""
    import shap

    library = boosting_library(final)
    # shap knows LightGBM's own models; one read from model text is its booster.
    trees = final.booster_ if isinstance(final, LIGHTGBM_TEXT_MODELS) else final
    explainer = shap.TreeExplainer(
        trees, data=Z_background, model_output="raw", feature_perturbation="interventional"
    )
    prepare = None
    # How the model compares: float64 values and thresholds (histogram gradient boosting,
    # LightGBM), float32 values (scikit-learn's classic trees, XGBoost), float32 thresholds
    # too (CatBoost, whose thresholds shap reads as decimals); XGBoost's "<" shap has made "<=".
    float32_inputs = library in (XGBOOST, CATBOOST) or isinstance(
        final, ensemble.GradientBoostingClassifier
    )
    prepare = _exact_comparisons(explainer, Z.shape[1], float32_inputs, library == CATBOOST)
    outputs = partial(log_odds, final)
    return FastExplainer(
        pattern_explainer(explainer),  # the same values, in time linear in the rows
        INTERVENTIONAL_TREE,
        LOG_ODDS,
        Z,
        sources,
        features,
        outputs=outputs,
        interventional=True,
        prepare=prepare,
        source_outputs=partial(_on_source_rows, estimator, outputs),
    )


def _exact_in_probability(task: str, sources: list[str]) -> bool:
    """Whether a boosting classifier gets the exact explainer in probability instead."""
    return task != REGRESSION and _few_sources(sources)


def _read_trees(
    estimator, final, trees, Z, Z_background, sources, features, task
) -> FastExplainer | None:
    """shap's interventional tree explainer on a scikit-learn boosting model's trees as
    ``model.hist_gradient_trees`` reads them (``trees``; None: no fast explainer), one per
    output: exact in log-odds (each class's softmax score) for a classifier, in value for a
    regressor."""
    if trees is None:
        return None
    import shap

    order = trees.input_order(len(sources))
    every = [t for output in trees.trees for t in output]
    codes = SplitCodes(
        np.concatenate([t["thresholds"] for t in every]),
        np.concatenate([t["features"] for t in every]),
        np.concatenate([t["children_left"] for t in every]) >= 0,
        len(order),
        float32_inputs=trees.float32_inputs,
    )
    ends = np.cumsum([len(t["thresholds"]) for t in every])
    recoded = np.split(codes.thresholds, ends[:-1])
    per_output = [recoded[k : k + len(output)] for k, output in _offsets(trees.trees)]
    background = codes(trees.model_inputs(Z_background))
    explainer = PerOutputExplainer(
        [
            pattern_explainer(
                shap.TreeExplainer(
                    model,
                    data=background,
                    model_output="raw",
                    feature_perturbation="interventional",
                )
            )
            for model in trees.model_dicts(per_output)
        ]
    )
    regression = task == REGRESSION
    outputs = None if regression else partial(_raw_scores, final)
    return FastExplainer(
        explainer,
        INTERVENTIONAL_VALUE_TREE if regression else INTERVENTIONAL_TREE,
        VALUE if regression else LOG_ODDS,
        Z,
        [sources[i] for i in order],
        features,
        outputs=outputs,
        interventional=True,
        prepare=lambda rows: codes(trees.model_inputs(rows)),
        source_outputs=None if regression else partial(_on_source_rows, estimator, outputs),
    )


def _on_source_rows(estimator, outputs: Callable, frame: pd.DataFrame) -> np.ndarray:
    """``outputs`` (of rows as the final step takes them) on rows of the source data: through
    the pipeline's steps before the last, if any."""
    preprocessor, _ = split_pipeline(estimator)
    return outputs(frame if preprocessor is None else preprocessor.transform(frame))


def _offsets(groups: list[list]):
    """``(start, group)`` of each group in the groups laid end to end."""
    start = 0
    for group in groups:
        yield start, group
        start += len(group)


def _raw_scores(final, rows) -> np.ndarray:
    """A scikit-learn gradient boosting classifier's raw scores ``(n, C)``: the log-odds of a
    binary one, each class's softmax score of a multiclass one."""
    return np.asarray(final.decision_function(rows), dtype=float).reshape(len(rows), -1)


def _legacy_probability(final, Z, Z_background, sources, features) -> FastExplainer | None:
    """shap's probability output (``INTERVENTIONAL_PROBABILITY_TREE``), for rows of a
    prototype published with it."""
    import shap

    numbers, background = as_float_array(Z), as_float_array(Z_background)
    if numbers is None or background is None:
        return None
    explainer = shap.TreeExplainer(
        final,
        data=background,
        model_output="probability",
        feature_perturbation="interventional",
    )
    return FastExplainer(
        explainer,
        INTERVENTIONAL_PROBABILITY_TREE,
        PROBABILITY,
        numbers,
        sources,
        features,
        interventional=True,
    )


def _boosting_explainer(estimator, final, library, Z, Z_background, sources, features, task):
    categorical = has_native_categorical(final, library)
    scale, misread = 1.0, False
    if library == LIGHTGBM and task == BINARY:
        scale, misread = lightgbm_log_odds(final)
    elif library == XGBOOST and task == BINARY:
        misread = xgboost_misread(final)
    if task == BINARY and not categorical and not misread:
        numbers, background = as_float_array(Z), as_float_array(Z_background)
        if numbers is not None and background is not None:
            if _few_sources(sources):
                return None  # the exact explainer, in probability
            log_odds = partial(_library_margins, library)
            return _interventional(
                estimator, final, numbers, background, sources, features, log_odds
            )
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
