"""SHAP explanations in the units people see, checked for additivity on every row.

For classifiers the contributions add up to the probability of the explained class; for
regressors, to the predicted value. Contributions are reported per *source* feature (the
columns of the data the model is given), so one-hot columns such as ``cat__Type_L`` are summed
back into ``Type`` (``model.explain_columns``).

The explainer is chosen, never guessed:

0. a model whose output does not depend on the rows by construction (``DummyClassifier``
   "always no", ``DummyRegressor``; ``model.explain_constant``): every contribution 0, the
   base value its constant output, recorded as ``exact``, in no time.
1. a fast explainer on the last step of a pipeline (``model.explain_trees`` says which):
   shap's TreeExplainer (path-dependent where the trees' own output is the probability,
   its algorithm run on every core by ``model.threaded_tree_shap``;
   interventional in log-odds for gradient boosting, XGBoost, LightGBM and CatBoost binary
   classifiers with more than ``MAX_EXACT_PROBABILITY_FEATURES`` features, which with fewer
   get the exact explainer's probability values; scikit-learn's histogram boosting with
   categorical splits or classes read by ``model.hist_gradient_trees``), the boosting
   library's own SHAP values
   (regressions; and in log-odds, for native categorical splits and multiclass models), or
   shap's LinearExplainer for a linear regression. No fast method gives exact probability
   values of a boosting model; its trees add up exactly in log-odds.
2. ``exact``: exact Shapley values of the full model over an independent background sample, on
   the source columns (categories encoded as integer codes and decoded inside the prediction
   function, because shap's maskers cannot hold strings). Valid for any model; used when no
   fast explainer applies or fails the additivity check. Cost: 2**M model evaluations per row
   and background row, for M source features.
3. ``estimate``: for more than ``MAX_EXACT_FEATURES`` features, where ``exact`` would take too
   long, the same Shapley values sampled by ``model.estimate.estimate_shapley``: seeded with
   ``ESTIMATE_SEED``, additive by construction, every contribution within its stated error
   (95%, all of a row's at once) of the exact value, the target being 0.01 in probability or 1%
   of the range of the model's outputs over the background rows for a regression
   (``estimate_target``). ``Explanation.estimate_error`` states the largest error. A row's
   values depend on the seed, the target and the background only, so a row explained later
   gets the values a publish gave it.

Whatever runs, base value + sum of contributions must equal the explained output within
``ADDITIVITY_TOLERANCE`` times the output's magnitude (at least 1) on every row (XGBoost's own
values: ``XGBOOST_TOLERANCE``, since XGBoost computes its outputs in float32). A row the fast
explainer gets wrong gets the next explainer's values, over the same background, while the
other rows keep theirs (``Explanation.methods`` counts them), in the fast explainer's units
(log-odds too); where the base values of the two
would differ (path-dependent explainers) or the fast explainer fails on most rows, the whole
set gets the next explainer. If none passes, ``ExplanationError`` is raised and nothing is
published.

Tree SHAP values of a large set are computed on row chunks in worker processes
(``model.tree_shap``); what an explainer returns is an ``Explanation`` (``model.explanation``).
"""

from __future__ import annotations

import inspect
import time
from collections import Counter

import numpy as np
import pandas as pd
from sklearn import ensemble, tree
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline

from model.config import (
    ADDITIVITY_TOLERANCE,
    INTERVENTIONAL_PROBABILITY_TREE,
    MAX_EXACT_FEATURES,
)
from model.estimate import Estimate, checked_layer, estimate_shapley, first_layer
from model.estimate import target_error_for as _target_error_for
from model.explain_columns import FrameCodec, explained_outputs, source_columns
from model.explain_constant import constant_values, is_constant_model
from model.explain_ensembles import fast_or_ensemble_explainer
from model.explain_exact import exact_shapley
from model.explain_trees import float64_regression, output_unit
from model.explanation import (
    ESTIMATE,
    ESTIMATE_SEED,
    EXACT,
    PERMUTATION,
    Explanation,
    ExplanationError,
)
from model.metrics import REGRESSION
from model.tree_shap import _fast_values, shap_jobs, tree_shap_values

__all__ = [
    "ESTIMATE",
    "Explanation",
    "ExplanationError",
    "estimate_target",
    "explain_estimator",
    "explain_rows",
    "explained_outputs",
    "exact_shapley",
    "FrameCodec",
    "predict_is_argmax_of_proba",
    "shap_jobs",
    "source_columns",
    "tree_shap_values",
    "ESTIMATE_SEED",
    "EXACT",
    "PERMUTATION",
    "model_outputs",
]

#: The share of the first rows a fast explainer may get wrong and still explain the rest.
PROBE_ROWS, PROBE_MAX_FAILING = 64, 0.5


# ---------------------------------------------------------------------------------------------
# The explainers


def model_outputs(estimator, X: pd.DataFrame, task: str) -> np.ndarray:
    """What is explained, ``(n, C)``: probabilities of the explained classes, or values."""
    if task == REGRESSION:
        exact = float64_regression(estimator, X)  # XGBoost: its trees summed in float64
        return explained_outputs(estimator.predict(X) if exact is None else exact, task)
    return explained_outputs(estimator.predict_proba(X), task)


def estimate_target(task: str, background_outputs: np.ndarray) -> float:
    """The error estimated values are sampled to: 0.01 in probability, or for a regression 1%
    of the range of the model's outputs over the background rows (a range known again when a
    row is explained after publishing; at most the range over every row, so the error holds
    for that too)."""
    return _target_error_for(task, background_outputs)


def _model_agnostic(estimator, X, background, task, source_outputs=None, progress=None):
    """``(values, base, name, estimate)``: exact Shapley values for up to
    ``MAX_EXACT_FEATURES`` features (``estimate`` None), else sampled ones; of the model's
    probabilities or values, or of ``source_outputs(frame)`` where given (log-odds)."""
    codec = FrameCodec(pd.concat([X, background]))

    def predict(array: np.ndarray) -> np.ndarray:
        if source_outputs is not None:
            return source_outputs(codec.decode(array))
        return model_outputs(estimator, codec.decode(array), task)

    rows, bg = codec.encode(X), codec.encode(background)
    layer = None if source_outputs is not None else first_layer(estimator, codec.decode, task)
    if X.shape[1] <= MAX_EXACT_FEATURES:
        # The layer only where it reproduces the model on the background and on mixtures.
        layer = checked_layer(layer, predict, rows, bg, predict(bg), ESTIMATE_SEED)
        values, base = exact_shapley(predict, rows, bg, layer=layer, progress=progress)
        return values, base, EXACT, None
    # log-odds: like a regression's value, to 1% of the range over the background rows
    units = task if source_outputs is None else REGRESSION
    estimate = estimate_shapley(
        predict,
        rows,
        bg,
        seed=ESTIMATE_SEED,
        target_error=estimate_target(units, predict(bg)),
        layer=layer,
        progress=progress,
    )
    return estimate.values, estimate.base_values, ESTIMATE, estimate


def explain_estimator(
    estimator,
    X: pd.DataFrame,
    background: pd.DataFrame,
    task: str,
    n_classes: int = 0,
    *,
    n_jobs: int | None = None,
    outputs: np.ndarray | None = None,
    progress=None,
) -> Explanation:
    """SHAP values of ``estimator`` on ``X`` per source column, checked for additivity.

    ``background`` is a sample of rows (same columns as ``X``) that defines the base value.
    ``n_jobs`` is the number of worker processes for tree SHAP values (default:
    ``shap_jobs()``). ``outputs`` is ``model_outputs(estimator, X, task)`` if the caller has
    it already (see ``explained_outputs``), so the model does not predict again. Rows the fast
    explainer gets wrong get the next explainer (``Explanation.methods`` counts them).
    ``progress``, if given, is called now and then with the share of the work done by the
    exact or estimated explainer, the ones that can take long. Raises ``ExplanationError``
    when no explainer gives additive values.
    """
    n_jobs = shap_jobs() if n_jobs is None else n_jobs
    if outputs is None:
        outputs = model_outputs(estimator, X, task)
    elif np.shape(outputs)[0] != len(X):
        raise ValueError(f"outputs has {np.shape(outputs)[0]} rows but X has {len(X)}")
    failures: list[str] = []
    result = _explain_constant(estimator, X, background, task, outputs, failures)
    if result is None:
        result = _explain_fast(
            estimator, X, background, task, n_classes, outputs, failures, n_jobs, progress=progress
        )
    if result is None:
        result = _attempt_model_agnostic(
            estimator, X, background, task, outputs, failures, progress=progress
        )
    if result is not None:
        return result
    detail = "; ".join(failures) or "no explainer applies"
    raise ExplanationError(
        f"cannot explain {type(estimator).__name__} exactly ({detail}); "
        "publish a model whose predict/predict_proba accepts the data's columns"
    )


def _explain_constant(estimator, X, background, task, outputs, failures):
    """A constant model's exact values (``model.explain_constant``): every contribution 0, the
    base value its output (the mean over the background, as for every explainer), additivity
    checked on every row; None for any other model, or if its output is not constant after all
    (why, in ``failures``)."""
    if not is_constant_model(estimator):
        return None
    base = _computed(lambda: model_outputs(estimator, background, task).mean(axis=0), failures)
    if base is None:
        return None
    values = constant_values(len(X), X.shape[1], outputs.shape[1])
    errors = _row_errors(values, base, outputs)
    if len(errors) and errors.max() > ADDITIVITY_TOLERANCE:
        failures.append(f"{EXACT}: the constant model's output varies by {errors.max():.2g}")
        return None
    methods = np.full(len(X), EXACT, dtype=object)
    unit = output_unit(task)
    return _explanation(
        values, base, outputs, list(X.columns), errors, unit, methods, outputs, EXACT
    )


def _explain_fast(
    estimator,
    X,
    background,
    task,
    n_classes,
    outputs,
    failures,
    n_jobs,
    legacy=False,
    progress=None,
):
    """The fast explainer's values, with rows it gets wrong explained by the next explainer;
    or None (the reason, if any, in ``failures``).

    It is first tried on ``PROBE_ROWS`` rows: where it is wrong on most of them (and more rows
    are left) the whole set is not worth its time. Those rows' values
    are kept, since a row's values do not depend on the rows explained with it, and the time
    they took says whether the other rows are worth worker processes.
    """
    try:
        fast = fast_or_ensemble_explainer(estimator, X, background, task, legacy_probability=legacy)
        if fast is None:
            return None
        explained = outputs if fast.outputs is None else fast.outputs(fast.rows)
    except Exception as error:  # noqa: BLE001 - every failure means: try the next explainer
        failures.append(f"{type(error).__name__}: {error}")
        return None
    # A library's own values come in one call: each call has a fixed cost (CatBoost's 0.3 s).
    probe = len(X) if fast.native is not None else min(len(X), PROBE_ROWS)
    start = time.perf_counter()
    head = _computed(lambda: _fast_values(fast, slice(0, probe), task, n_classes), failures)
    if head is None or not _same_shape(head, explained, failures):
        return None
    head_errors = _row_errors(head[0], head[1], explained[:probe])
    wrong = int((head_errors > fast.tolerance).sum())
    if wrong > PROBE_MAX_FAILING * probe and (probe < len(X) or not fast.interventional):
        failures.append(
            f"{fast.name}: additivity error {head_errors.max():.2g} on {wrong} of {probe} rows"
        )
        return None
    values, base = head[0], head[1]
    if fast.interventional and not _base_is_background_mean(
        estimator, background, task, base, fast, failures
    ):
        return None
    if probe < len(X):
        seconds_per_row = (time.perf_counter() - start) / probe
        rest = _computed(
            lambda: _fast_values(
                fast, slice(probe, None), task, n_classes, n_jobs, seconds_per_row
            ),
            failures,
        )
        if rest is None:
            return None
        values = np.concatenate([values, rest[0]])
    errors = _row_errors(values, base, explained)
    methods = np.full(len(X), fast.name, dtype=object)
    wrong_rows = np.flatnonzero(errors > fast.tolerance)
    if len(wrong_rows):
        if not fast.interventional:
            failures.append(
                f"{fast.name}: additivity error {errors.max():.2g} on {len(wrong_rows)} rows"
            )
            return None
        fallback = _attempt_model_agnostic(
            estimator,
            X.iloc[wrong_rows],
            background,
            task,
            explained[wrong_rows],
            failures,
            source_outputs=fast.source_outputs,
            unit=fast.unit,
            progress=progress,
        )
        if fallback is None:
            return None
        values, errors = values.copy(), errors.copy()
        values[wrong_rows] = fallback.values
        errors[wrong_rows] = _row_errors(fallback.values, base, explained[wrong_rows])
        methods[wrong_rows] = fallback.explainer
        estimate = _estimate_rows(fallback, wrong_rows, len(X))
    else:
        estimate = {}
    features = list(X.columns)
    return _explanation(
        values,
        base,
        explained,
        features,
        errors,
        fast.unit,
        methods,
        outputs,
        fast.name,
        **estimate,
    )


def _estimate_rows(fallback: Explanation, rows: np.ndarray, n: int) -> dict:
    """The estimate's record of ``fallback`` (explaining ``rows`` of ``n``), for
    ``_explanation``: its errors placed at those rows, 0 on the others."""
    if fallback.estimate is None:
        return {}
    row_errors = np.zeros(n)
    row_errors[rows] = fallback.row_errors
    return {"estimate": fallback.estimate, "row_errors": row_errors}


def _computed(compute, failures):
    try:
        return compute()
    except Exception as error:  # noqa: BLE001 - every failure means: try the next explainer
        failures.append(f"{type(error).__name__}: {error}")
        return None


def _same_shape(result, outputs, failures) -> bool:
    values, _, name = result[:3]
    if values.shape[2] != outputs.shape[1]:
        failures.append(
            f"{name}: explained {values.shape[2]} outputs, model has {outputs.shape[1]}"
        )
        return False
    return True


def _base_is_background_mean(estimator, background, task, base, fast, failures) -> bool:
    """An interventional explainer's base value is the model's mean output over the
    background: where it is not, its values explain another function, however additive."""
    if fast.source_outputs is not None:
        mean = fast.source_outputs(background).mean(axis=0)
    else:
        mean = model_outputs(estimator, background, task).mean(axis=0)
    gap = float(np.max(np.abs(mean - base) / np.maximum(1.0, np.abs(mean))))
    if gap > ADDITIVITY_TOLERANCE:
        failures.append(f"{fast.name}: base value is {gap:.2g} off the background's mean output")
        return False
    return True


def _row_errors(values: np.ndarray, base: np.ndarray, outputs: np.ndarray) -> np.ndarray:
    """Each row's additivity error, relative to its output's magnitude (at least 1)."""
    gap = np.abs(base[None, :] + values.sum(axis=1) - outputs)
    return np.max(gap / np.maximum(1.0, np.abs(outputs)), axis=1)


def _explanation(
    values,
    base,
    outputs,
    features,
    errors,
    unit,
    methods,
    predictions,
    first,
    *,
    estimate: Estimate | None = None,
    row_errors: np.ndarray | None = None,
):
    counts = Counter(methods)
    if estimate is not None and row_errors is None:
        row_errors = estimate.row_errors
    return Explanation(
        values,
        base,
        outputs,
        features,
        explainer=counts.most_common(1)[0][0],
        max_additivity_error=float(errors.max()) if len(errors) else 0.0,
        unit=unit,
        methods={name: counts[name] for name in dict.fromkeys([first, *counts]) if counts[name]},
        row_methods=methods,
        predictions=predictions,
        estimate_error=None if estimate is None else estimate.stated_error,
        target_error=None if estimate is None else estimate.target_error,
        row_errors=row_errors,
        estimate=estimate,
    )


def _attempt_model_agnostic(
    estimator,
    X,
    background,
    task,
    outputs,
    failures,
    *,
    source_outputs=None,
    unit=None,
    progress=None,
):
    """The exact (or estimated) Shapley values in the units of ``outputs`` (the model's
    probabilities or values; or ``unit``, computed by ``source_outputs``), if they are
    additive; else None, and why in ``failures``."""
    result = _computed(
        lambda: _model_agnostic(estimator, X, background, task, source_outputs, progress),
        failures,
    )
    if result is None or not _same_shape(result, outputs, failures):
        return None
    values, base, name, estimate = result
    errors = _row_errors(values, base, outputs)
    if len(errors) and errors.max() > ADDITIVITY_TOLERANCE:
        failures.append(f"{name}: additivity error {errors.max():.2g}")
        return None
    methods = np.full(len(X), name, dtype=object)
    unit = unit or output_unit(task)
    return _explanation(
        values,
        base,
        outputs,
        list(X.columns),
        errors,
        unit,
        methods,
        outputs,
        name,
        estimate=estimate,
    )


def predict_is_argmax_of_proba(estimator) -> bool:
    """True when ``estimator.predict(X)`` is, in scikit-learn's own code, the class of the
    largest ``estimator.predict_proba(X)`` (forests, extra trees and decision trees with one
    output, alone or last in a pipeline), so that publishing need not run the model twice.
    False for everything else: gradient boosting and logistic regression threshold a decision
    function, and custom or rule models have predictions of their own.
    """
    if isinstance(estimator, Pipeline):
        if _predict_methods(type(estimator)) != _predict_methods(Pipeline):
            return False
        estimator = estimator.steps[-1][1]
    return (
        _predict_methods(type(estimator)) in _ARGMAX_OF_PROBA
        and getattr(estimator, "n_outputs_", None) == 1
    )


def _predict_methods(cls: type) -> tuple:
    # getattr_static: scikit-learn's available_if makes a new wrapper on every getattr.
    return tuple(inspect.getattr_static(cls, name, None) for name in ("predict", "predict_proba"))


#: ``predict`` and ``predict_proba`` of the classifiers whose ``predict`` is
#: ``classes_.take(np.argmax(predict_proba(X), axis=1))`` (extra trees share them).
_ARGMAX_OF_PROBA = (
    _predict_methods(ensemble.RandomForestClassifier),
    _predict_methods(tree.DecisionTreeClassifier),
)


def is_classifier_like(estimator) -> bool:
    """True for scikit-learn classifiers and anything with ``classes_`` and ``predict_proba``."""
    return is_classifier(estimator) or (
        hasattr(estimator, "classes_") and hasattr(estimator, "predict_proba")
    )


#: The explainers ``_model_agnostic`` runs; every other recorded name is a fast explainer.
_MODEL_AGNOSTIC_EXPLAINERS = (EXACT, ESTIMATE, PERMUTATION)


def explain_rows(
    estimator,
    X: pd.DataFrame,
    background: pd.DataFrame,
    task: str,
    n_classes: int,
    explainer: str,
    *,
    n_jobs: int = 1,
) -> Explanation:
    """SHAP values of ``estimator`` on ``X`` with the explainer named ``explainer``.

    For rows explained after publishing: ``explainer`` is the name publishing recorded
    (``Explanation.explainer``) and ``background`` the same background rows, so a row gets the
    values a publish of every row would have given it, rows the fast explainer gets wrong
    included (they get the next explainer, as when publishing). No other explainer is tried:
    raises ``ExplanationError`` when that one does not apply to the model or is not additive
    on most rows.
    """
    outputs = model_outputs(estimator, X, task)
    failures: list[str] = []
    if explainer in _MODEL_AGNOSTIC_EXPLAINERS:
        result = _explain_constant(estimator, X, background, task, outputs, failures)
        if result is None:
            result = _attempt_model_agnostic(estimator, X, background, task, outputs, failures)
    else:
        legacy = explainer == INTERVENTIONAL_PROBABILITY_TREE
        result = _explain_fast(
            estimator, X, background, task, n_classes, outputs, failures, n_jobs, legacy
        )
    others = (
        set() if result is None else set(result.methods) - {explainer, *_MODEL_AGNOSTIC_EXPLAINERS}
    )
    if others:
        failures.append(f"the model is now explained by {others.pop()}")
        result = None
    if result is None:
        detail = "; ".join(failures) or "it does not apply to this model"
        raise ExplanationError(f"the {explainer} explainer cannot explain these rows ({detail})")
    return result
