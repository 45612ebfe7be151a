"""SHAP explanations in the units people see, checked for additivity on every row.

For classifiers the contributions add up to the probability of the explained class; for
regressors, to the predicted value. Contributions are reported per *source* feature (the
columns of the data the model is given), so one-hot columns such as ``cat__Type_L`` are summed
back into ``Type`` (``model.explain_columns``).

The explainer is chosen, never guessed:

1. a fast explainer on the last step of a pipeline (``model.explain_trees`` says which):
   shap's TreeExplainer (path-dependent where the trees' own output is the probability;
   interventional with probability output for gradient boosting, XGBoost, LightGBM and
   CatBoost binary classifiers), the boosting library's own SHAP values (regressions; and in
   log-odds, for native categorical splits and multiclass models, where shap has no exact
   probability), or shap's LinearExplainer for a linear regression.
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
other rows keep theirs (``Explanation.methods`` counts them); where the base values of the two
would differ (path-dependent explainers) or the fast explainer fails on most rows, the whole
set gets the next explainer. If none passes, ``ExplanationError`` is raised and nothing is
published.

Tree SHAP values of a large set are computed on row chunks in parallel with joblib, one chunk
per worker process (shap's tree code holds the GIL, so threads would not help): ``n_jobs``
comes from ``$SPRINT_REVIEW_SHAP_JOBS`` or ``SHAP_N_JOBS``. The backend is joblib's, so
``with joblib.parallel_config(backend="dask"):`` around a publish runs the chunks on a dask
cluster instead. Small or fast sets stay in-process (see ``SHAP_PARALLEL_MIN_ROWS``).
"""

from __future__ import annotations

import inspect
import os
import time
import warnings
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn import ensemble, tree
from sklearn.base import is_classifier
from sklearn.pipeline import Pipeline

from model.config import (
    ADDITIVITY_TOLERANCE,
    MAX_EXACT_FEATURES,
    SEED,
    SHAP_JOBS_ENV_VAR,
    SHAP_N_JOBS,
    SHAP_PARALLEL_MIN_ROWS,
    SHAP_PARALLEL_MIN_SECONDS,
    SHAP_PILOT_ROWS,
)
from model.estimate import ESTIMATE_EXPLAINER, Estimate, estimate_shapley, first_layer
from model.estimate import target_error_for as _target_error_for
from model.explain_columns import (
    FrameCodec,
    explained_outputs,
    source_columns,
    sum_to_sources,
)
from model.explain_exact import exact_shapley
from model.explain_trees import FastExplainer, fast_explainer, output_unit
from model.metrics import BINARY, REGRESSION

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
]

#: The explainer of rows the fast explainer gets wrong, and of every row without one.
EXACT = "exact (independent background)"
#: The explainer of more than ``MAX_EXACT_FEATURES`` features where ``EXACT`` would take too long.
ESTIMATE = ESTIMATE_EXPLAINER
#: What prototypes published before the estimator recorded (shap's PermutationExplainer, one
#: unseeded permutation); their rows explained later get ``ESTIMATE``.
PERMUTATION = "permutation"
#: Every estimate is seeded with this, publishing and explaining a row later alike.
ESTIMATE_SEED = SEED

#: The share of the first rows a fast explainer may get wrong and still explain the rest.
PROBE_ROWS, PROBE_MAX_FAILING = 64, 0.5


class ExplanationError(ValueError):
    """The model cannot be explained exactly; the message says why."""


@dataclass
class Explanation:
    """SHAP values for ``n`` rows, ``M`` source features and ``C`` explained outputs.

    ``values[r, m, c]`` is feature ``features[m]``'s contribution to output ``c`` on row ``r``;
    ``base_values[c] + values[r, :, c].sum() == outputs[r, c]``, in ``unit``: ``"probability"``
    (of the explained class), ``"value"`` (a regression's prediction) or ``"log-odds"`` (the
    raw score a boosting classifier adds its trees up to: the log-odds of a binary model's
    positive class, a multiclass model's softmax score of each class). ``predictions`` are the
    model's probabilities (or values) of the explained classes, equal to ``outputs`` unless
    the unit is log-odds.

    ``explainer`` is the explainer of most rows; ``methods`` counts the rows each explainer
    explained (the fast explainer first), and ``row_methods`` names it for every row.
    ``max_additivity_error`` is the largest ``|base + sum - output| / max(1, |output|)``.

    Where rows were estimated (``ESTIMATE``), ``estimate_error`` is the largest half-width of
    their contributions (95%, all of a row's contributions at once), ``target_error`` the error
    they were sampled to, ``row_errors`` each row's largest half-width (0 for rows explained
    exactly) and ``estimate`` the estimator's own record of the estimated rows; all None when
    every value is exact.
    """

    values: np.ndarray
    base_values: np.ndarray
    outputs: np.ndarray
    features: list[str]
    explainer: str
    max_additivity_error: float
    unit: str = "probability"
    methods: dict[str, int] = field(default_factory=dict)
    row_methods: np.ndarray | None = field(default=None, repr=False)
    predictions: np.ndarray | None = field(default=None, repr=False)
    estimate_error: float | None = None
    target_error: float | None = None
    row_errors: np.ndarray | None = field(default=None, repr=False)
    estimate: Estimate | None = field(default=None, repr=False)

    def __post_init__(self):
        if self.row_methods is None:
            self.row_methods = np.full(len(self.values), self.explainer, dtype=object)
        if not self.methods:
            self.methods = dict(Counter(self.row_methods))
        if self.predictions is None:
            self.predictions = self.outputs

    def methods_meta(self, row_ids) -> dict:
        """What a published prototype records of how its rows ``row_ids`` (in the order of
        ``values``) were explained, besides ``explainer`` and ``methods``:

        ``explainer_rows``: for each explainer other than ``explainer`` (that of most rows),
        the ids of the rows it explained; ``estimate_error``: the largest stated error of an
        estimated contribution (None if none was estimated); ``estimate``: the estimate's
        ``seed``, ``target_error``, ``rows`` (estimated rows), ``converged`` (rows whose errors
        met the target) and ``top_resolved`` (rows whose top feature is told apart from the
        next), or None.
        """
        ids = np.asarray([str(row_id) for row_id in row_ids], dtype=object)
        rows = {
            name: ids[self.row_methods == name].tolist()
            for name in self.methods
            if name != self.explainer
        }
        estimate = None
        if self.estimate is not None:
            estimate = {
                "seed": ESTIMATE_SEED,
                "target_error": self.target_error,
                "rows": len(self.estimate.values),
                "converged": int(self.estimate.converged.sum()),
                "top_resolved": int(self.estimate.top_resolved.sum()),
            }
        return {
            "explainer_rows": rows,
            "estimate_error": self.estimate_error,
            "estimate": estimate,
        }


# ---------------------------------------------------------------------------------------------
# The explainers


def shap_jobs() -> int:
    """Worker processes for tree SHAP values: ``$SPRINT_REVIEW_SHAP_JOBS``, else ``SHAP_N_JOBS``.

    joblib's convention: a positive count, or -1 for every core (-2: all but one).
    Raises ``ValueError`` naming the variable when its value is not such a number.
    """
    raw = os.environ.get(SHAP_JOBS_ENV_VAR, "").strip()
    if not raw:
        return SHAP_N_JOBS
    try:
        n_jobs = int(raw)
    except ValueError:
        n_jobs = 0
    if n_jobs == 0:
        raise ValueError(
            f"{SHAP_JOBS_ENV_VAR} must be a number of worker processes such as 2 (1: no "
            f"workers, -1: every core); got {raw!r}"
        )
    return n_jobs


def _shap_chunk(explainer, rows: np.ndarray):
    # Module-level, so that a worker process unpickles it by reference.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return explainer.shap_values(rows, check_additivity=False)


def _concatenate(parts: list) -> np.ndarray | list[np.ndarray]:
    if isinstance(parts[0], list):  # one array per class, from older shap versions
        return [np.concatenate([part[k] for part in parts]) for k in range(len(parts[0]))]
    return np.concatenate(parts)


def tree_shap_values(
    explainer,
    rows: np.ndarray,
    n_jobs: int = 1,
    *,
    seconds_per_row: float | None = None,
    set_size: int | None = None,
) -> np.ndarray | list:
    """``explainer.shap_values(rows, check_additivity=False)``, on row chunks in parallel.

    ``seconds_per_row`` is what explaining one row in-process took, and ``set_size`` the size
    of the set ``rows`` are the rest of (``explain_estimator`` explains and times a few rows
    of the set first); without them, the first ``SHAP_PILOT_ROWS`` rows are explained
    in-process and timed, and the set is ``rows``. Only when the set has at least
    ``SHAP_PARALLEL_MIN_ROWS`` rows, ``n_jobs`` allows more than one worker and the rows left
    would take at least ``SHAP_PARALLEL_MIN_SECONDS`` in-process, they are split into one
    chunk per worker and explained with ``joblib.Parallel`` (the explainer is shipped once to
    each worker). Whatever the route, the rows come back in order and each value is what one
    ``shap_values`` call on all rows would give.

    If the workers fail (the explainer cannot be pickled, a worker dies), the rows are
    explained in-process instead.
    """
    import joblib

    workers = 1 if n_jobs == 1 else joblib.effective_n_jobs(n_jobs)
    if workers <= 1 or max(len(rows), set_size or 0) < SHAP_PARALLEL_MIN_ROWS:
        return _shap_chunk(explainer, rows)
    done = []
    if seconds_per_row is None:
        pilot_rows = min(SHAP_PILOT_ROWS, len(rows))
        start = time.perf_counter()
        done.append(_shap_chunk(explainer, rows[:pilot_rows]))
        seconds_per_row = (time.perf_counter() - start) / pilot_rows
        rows = rows[pilot_rows:]
        if len(rows) == 0:
            return done[0]
    if seconds_per_row * len(rows) < SHAP_PARALLEL_MIN_SECONDS:
        return _concatenate([*done, _shap_chunk(explainer, rows)])
    chunks = [chunk for chunk in np.array_split(rows, workers) if len(chunk)]
    try:
        parts = joblib.Parallel(n_jobs=len(chunks))(
            joblib.delayed(_shap_chunk)(explainer, chunk) for chunk in chunks
        )
    except Exception:  # noqa: BLE001 - any worker trouble: the same values, computed here
        parts = [_shap_chunk(explainer, rows)]
    return _concatenate([*done, *parts])


def _normalise_shap_output(values, expected) -> tuple[np.ndarray, np.ndarray]:
    """shap returns lists, 2-D or 3-D arrays depending on model and version: make ``(n, Mz, C)``."""
    if isinstance(values, list):
        values = np.stack(values, axis=-1)
    values = np.asarray(values, dtype=float)
    if values.ndim == 2:
        values = values[:, :, None]
    expected = np.atleast_1d(np.asarray(expected, dtype=float))
    return values, expected


def _select_outputs(values, expected, task, n_classes):
    """Keep the positive class of a binary task; all classes otherwise."""
    if task == BINARY and values.shape[2] == 2:
        return values[:, :, 1:], expected[1:]
    if task != REGRESSION and task != BINARY and values.shape[2] != n_classes:
        return None
    return values, expected


def _fast_values(
    fast: FastExplainer,
    rows: slice | np.ndarray,
    task,
    n_classes,
    n_jobs: int = 1,
    seconds_per_row: float | None = None,
):
    Z = fast.take(rows)
    if fast.native is not None:
        raw, expected = fast.native(Z)
    elif fast.name.startswith("tree"):
        raw = tree_shap_values(
            fast.explainer, Z, n_jobs, seconds_per_row=seconds_per_row, set_size=len(fast.rows)
        )
        expected = fast.explainer.expected_value
    else:
        # One matrix product: 100,000 rows take milliseconds, so no workers.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = fast.explainer.shap_values(Z)
        expected = fast.explainer.expected_value
    values, expected = _normalise_shap_output(raw, expected)
    selected = _select_outputs(values, expected, task, n_classes)
    if selected is None or selected[0].shape[1] != len(fast.sources):
        return None
    values, expected = selected
    return sum_to_sources(values, fast.sources, fast.features), expected, fast.name


def _tree_or_linear(estimator, X, background, task, n_classes, n_jobs: int = 1):
    fast = fast_explainer(estimator, X, background, task)
    return None if fast is None else _fast_values(fast, slice(None), task, n_classes, n_jobs)


def model_outputs(estimator, X: pd.DataFrame, task: str) -> np.ndarray:
    """What is explained, ``(n, C)``: probabilities of the explained classes, or values."""
    if task == REGRESSION:
        return explained_outputs(estimator.predict(X), task)
    return explained_outputs(estimator.predict_proba(X), task)


def estimate_target(task: str, background_outputs: np.ndarray) -> float:
    """The error estimated values are sampled to: 0.01 in probability, or for a regression 1%
    of the range of the model's outputs over the background rows (a range known again when a
    row is explained after publishing; at most the range over every row, so the error holds
    for that too)."""
    return _target_error_for(task, background_outputs)


def _model_agnostic(estimator, X, background, task):
    """``(values, base, name, estimate)``: exact Shapley values for up to
    ``MAX_EXACT_FEATURES`` features (``estimate`` None), else sampled ones."""
    codec = FrameCodec(pd.concat([X, background]))

    def predict(array: np.ndarray) -> np.ndarray:
        return model_outputs(estimator, codec.decode(array), task)

    rows, bg = codec.encode(X), codec.encode(background)
    if X.shape[1] <= MAX_EXACT_FEATURES:
        values, base = exact_shapley(predict, rows, bg)
        return values, base, EXACT, None
    estimate = estimate_shapley(
        predict,
        rows,
        bg,
        seed=ESTIMATE_SEED,
        target_error=estimate_target(task, predict(bg)),
        layer=first_layer(estimator, codec.decode, task),
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
) -> Explanation:
    """SHAP values of ``estimator`` on ``X`` per source column, checked for additivity.

    ``background`` is a sample of rows (same columns as ``X``) that defines the base value.
    ``n_jobs`` is the number of worker processes for tree SHAP values (default:
    ``shap_jobs()``). ``outputs`` is ``model_outputs(estimator, X, task)`` if the caller has
    it already (see ``explained_outputs``), so the model does not predict again. Rows the fast
    explainer gets wrong get the next explainer (``Explanation.methods`` counts them). Raises
    ``ExplanationError`` when no explainer gives additive values.
    """
    n_jobs = shap_jobs() if n_jobs is None else n_jobs
    if outputs is None:
        outputs = model_outputs(estimator, X, task)
    elif np.shape(outputs)[0] != len(X):
        raise ValueError(f"outputs has {np.shape(outputs)[0]} rows but X has {len(X)}")
    failures: list[str] = []
    result = _explain_fast(estimator, X, background, task, n_classes, outputs, failures, n_jobs)
    if result is None:
        result = _attempt_model_agnostic(estimator, X, background, task, outputs, failures)
    if result is not None:
        return result
    detail = "; ".join(failures) or "no explainer applies"
    raise ExplanationError(
        f"cannot explain {type(estimator).__name__} exactly ({detail}); "
        "publish a model whose predict/predict_proba accepts the data's columns"
    )


def _explain_fast(estimator, X, background, task, n_classes, outputs, failures, n_jobs):
    """The fast explainer's values, with rows it gets wrong explained by the next explainer;
    or None (the reason, if any, in ``failures``).

    It is first tried on ``PROBE_ROWS`` rows: where it is wrong on most of them (and more rows
    are left) the whole set is not worth its time. Those rows' values
    are kept, since a row's values do not depend on the rows explained with it, and the time
    they took says whether the other rows are worth worker processes.
    """
    try:
        fast = fast_explainer(estimator, X, background, task)
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
        estimator, background, task, base, fast.name, failures
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
            estimator, X.iloc[wrong_rows], background, task, explained[wrong_rows], failures
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


def _base_is_background_mean(estimator, background, task, base, name, failures) -> bool:
    """An interventional explainer's base value is the model's mean output over the
    background: where it is not, its values explain another function, however additive."""
    mean = model_outputs(estimator, background, task).mean(axis=0)
    gap = float(np.max(np.abs(mean - base) / np.maximum(1.0, np.abs(mean))))
    if gap > ADDITIVITY_TOLERANCE:
        failures.append(f"{name}: base value is {gap:.2g} off the background's mean output")
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


def _attempt_model_agnostic(estimator, X, background, task, outputs, failures):
    """The exact (or estimated) Shapley values in the units of ``outputs`` (the model's
    probabilities or values), if they are additive; else None, and why in ``failures``."""
    result = _computed(lambda: _model_agnostic(estimator, X, background, task), failures)
    if result is None or not _same_shape(result, outputs, failures):
        return None
    values, base, name, estimate = result
    errors = _row_errors(values, base, outputs)
    if len(errors) and errors.max() > ADDITIVITY_TOLERANCE:
        failures.append(f"{name}: additivity error {errors.max():.2g}")
        return None
    methods = np.full(len(X), name, dtype=object)
    unit = output_unit(task)
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
        result = _attempt_model_agnostic(estimator, X, background, task, outputs, failures)
    else:
        result = _explain_fast(estimator, X, background, task, n_classes, outputs, failures, n_jobs)
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
