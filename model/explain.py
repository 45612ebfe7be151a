"""SHAP explanations in the units people see, checked for additivity on every row.

For classifiers the contributions add up to the probability of the explained class; for
regressors, to the predicted value. Contributions are reported per *source* feature (the
columns of the data the model is given), so one-hot columns such as ``cat__Type_L`` are summed
back into ``Type``.

The explainer is chosen, never guessed:

1. ``tree``: shap's TreeExplainer on the last step of a pipeline, where the tree model's own
   output is the probability (random forests, extra trees, decision trees: path-dependent) or
   where shap can transform it exactly (gradient boosting: interventional, probability output).
2. ``linear``: shap's LinearExplainer on the last step of a regression pipeline.
3. ``exact``: exact Shapley values of the full model over an independent background sample, on
   the source columns (categories encoded as integer codes and decoded inside the prediction
   function, because shap's maskers cannot hold strings). Valid for any model; used when the
   fast explainers do not apply or fail the additivity check (they do for histogram gradient
   boosting in shap 0.51, and for native categorical splits). Cost: 2**M model evaluations per
   row and background row, for M source features.
4. ``permutation``: shap's PermutationExplainer, for more than ``MAX_EXACT_FEATURES`` features;
   its values are additive by construction but are estimates.

Whatever runs, base value + sum of contributions must equal the model's output within
``ADDITIVITY_TOLERANCE`` on every row, or the next explainer is tried; if none passes,
``ExplanationError`` is raised and nothing is published.

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial

import numpy as np
import pandas as pd
from sklearn import ensemble, preprocessing, tree
from sklearn.base import is_classifier
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline

from model.config import (
    ADDITIVITY_TOLERANCE,
    MAX_EXACT_FEATURES,
    SHAP_JOBS_ENV_VAR,
    SHAP_N_JOBS,
    SHAP_PARALLEL_MIN_ROWS,
    SHAP_PARALLEL_MIN_SECONDS,
    SHAP_PILOT_ROWS,
)
from model.metrics import BINARY, REGRESSION

__all__ = [
    "Explanation",
    "ExplanationError",
    "explain_estimator",
    "explain_rows",
    "explained_outputs",
    "exact_shapley",
    "FrameCodec",
    "predict_is_argmax_of_proba",
    "shap_jobs",
    "tree_shap_values",
]


class ExplanationError(ValueError):
    """The model cannot be explained exactly; the message says why."""


@dataclass
class Explanation:
    """SHAP values for ``n`` rows, ``M`` source features and ``C`` explained outputs.

    ``values[r, m, c]`` is feature ``features[m]``'s contribution to output ``c`` on row ``r``;
    ``base_values[c] + values[r, :, c].sum() == outputs[r, c]``.
    """

    values: np.ndarray
    base_values: np.ndarray
    outputs: np.ndarray
    features: list[str]
    explainer: str
    max_additivity_error: float


# ---------------------------------------------------------------------------------------------
# Encoding string columns for shap's maskers


class FrameCodec:
    """Turns a DataFrame with categorical columns into a float array and back.

    Categorical columns become integer codes (an unknown value becomes NaN); numeric columns
    pass through. ``decode`` restores the original column names, order and category values, so
    the model sees exactly what it was trained on.
    """

    def __init__(self, frame: pd.DataFrame):
        self.columns = list(frame.columns)
        self.dtypes = frame.dtypes
        self.categories: dict[str, np.ndarray] = {}
        for column in self.columns:
            series = frame[column]
            if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
                values = pd.unique(series.dropna())
                self.categories[column] = np.asarray(sorted(values, key=str), dtype=object)

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        out = np.empty((len(frame), len(self.columns)), dtype=float)
        for j, column in enumerate(self.columns):
            if column in self.categories:
                index = pd.Index(self.categories[column])
                codes = index.get_indexer(frame[column].astype(object)).astype(float)
                codes[codes < 0] = np.nan
                out[:, j] = codes
            else:
                out[:, j] = frame[column].to_numpy(dtype=float, na_value=np.nan)
        return out

    def decode(self, array: np.ndarray) -> pd.DataFrame:
        data = {}
        for j, column in enumerate(self.columns):
            if column in self.categories:
                codes = array[:, j]
                known = ~np.isnan(codes)
                values = np.full(len(codes), None, dtype=object)
                values[known] = self.categories[column][codes[known].astype(int)]
                data[column] = pd.Series(values, dtype=object).astype(self.dtypes[column])
            else:
                data[column] = pd.Series(array[:, j]).astype(self.dtypes[column], errors="ignore")
        return pd.DataFrame(data, columns=self.columns)


# ---------------------------------------------------------------------------------------------
# Exact Shapley values over an independent background


def exact_shapley(
    predict: Callable[[np.ndarray], np.ndarray],
    rows: np.ndarray,
    background: np.ndarray,
    max_batch_rows: int = 200_000,
    n_jobs: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact interventional Shapley values of ``predict`` at ``rows``.

    The value of a coalition S is the mean of ``predict`` over the background rows with the
    features in S replaced by the explained row's values: the quantity shap's ``Exact``
    explainer computes with an ``Independent`` masker, evaluated here for all rows of a chunk at
    once. ``predict`` maps an ``(k, M)`` array to ``(k, C)`` outputs. Coalitions are evaluated
    on ``n_jobs`` threads (default: every core), each model call single-threaded.

    Returns ``(values, base_values)`` with shapes ``(n, M, C)`` and ``(C,)``.
    """
    from threadpoolctl import threadpool_limits

    n, m = rows.shape
    b = len(background)
    base = np.asarray(predict(background), dtype=float).reshape(b, -1).mean(axis=0)
    c = base.shape[0]
    masks = np.arange(2**m)
    bits = ((masks[:, None] >> np.arange(m)) & 1).astype(bool)  # (2**m, m)
    sizes = bits.sum(axis=1)
    factorial = np.array([np.prod(np.arange(1, k + 1), dtype=float) for k in range(m + 1)])
    values = np.zeros((n, m, c))
    chunk = max(1, max_batch_rows // b)
    workers = n_jobs or os.cpu_count() or 1

    def coalition(x: np.ndarray, mask: int) -> np.ndarray:
        hybrid = np.where(bits[mask], x[:, None, :], background[None, :, :]).reshape(-1, m)
        return np.asarray(predict(hybrid), dtype=float).reshape(len(x), b, c).mean(axis=1)

    # Models that thread internally (OpenMP in histogram gradient boosting) oversubscribe the
    # cores when called from several threads: one thread per call, and the calls in parallel.
    with threadpool_limits(1), ThreadPoolExecutor(workers) as pool:
        for start in range(0, n, chunk):
            x = rows[start : start + chunk]
            k = len(x)
            coalition_value = np.empty((2**m, k, c))
            coalition_value[0] = base
            coalition_value[-1] = np.asarray(predict(x), dtype=float).reshape(k, c)
            inner = range(1, 2**m - 1)
            for mask, value in zip(inner, pool.map(partial(coalition, x), inner), strict=True):
                coalition_value[mask] = value
            for i in range(m):
                without_i = masks[~bits[:, i]]
                size = sizes[without_i]
                weight = factorial[size] * factorial[m - size - 1] / factorial[m]
                gain = coalition_value[without_i | (1 << i)] - coalition_value[without_i]
                values[start : start + k, i, :] = np.tensordot(weight, gain, axes=(0, 0))
    return values, base


# ---------------------------------------------------------------------------------------------
# Mapping a preprocessor's output columns back to source columns

_ELEMENTWISE = (
    preprocessing.StandardScaler,
    preprocessing.MinMaxScaler,
    preprocessing.MaxAbsScaler,
    preprocessing.RobustScaler,
    preprocessing.PowerTransformer,
    preprocessing.QuantileTransformer,
    preprocessing.OrdinalEncoder,
)


def source_columns(transformer, input_columns: list[str]) -> list[str] | None:
    """The source column behind each output column of a fitted ``transformer``.

    Returns ``None`` where an output column mixes several inputs, or where the transformer is
    not one whose columns are known to map back (then the exact explainer is used instead).
    """
    if transformer is None or transformer == "passthrough":
        return list(input_columns)
    if isinstance(transformer, preprocessing.FunctionTransformer) and transformer.func is None:
        return list(input_columns)  # how a fitted ColumnTransformer stores "passthrough"
    if isinstance(transformer, Pipeline):
        columns = list(input_columns)
        for _, step in transformer.steps:
            columns = source_columns(step, columns)
            if columns is None:
                return None
        return columns
    if isinstance(transformer, ColumnTransformer):
        return _column_transformer_sources(transformer, input_columns)
    if isinstance(transformer, preprocessing.OneHotEncoder):
        counts = getattr(transformer, "_n_features_outs", None)
        if counts is None or len(counts) != len(input_columns):
            return None
        return [col for col, count in zip(input_columns, counts, strict=True) for _ in range(count)]
    if isinstance(transformer, SimpleImputer):
        if transformer.add_indicator:
            return None
        kept = getattr(transformer, "_valid_mask", np.ones(len(input_columns), dtype=bool))
        return [col for col, keep in zip(input_columns, kept, strict=True) if keep]
    if isinstance(transformer, _ELEMENTWISE):
        return list(input_columns)
    return None


def _column_transformer_sources(
    ct: ColumnTransformer, input_columns: list[str]
) -> list[str] | None:
    n_out = sum(s.stop - s.start for s in ct.output_indices_.values())
    sources: list[str | None] = [None] * n_out
    for name, transformer, _ in ct.transformers_:
        out_slice = ct.output_indices_[name]
        if out_slice.stop == out_slice.start or transformer == "drop":
            continue
        indices = ct._transformer_to_input_indices[name]
        mapped = source_columns(transformer, [input_columns[i] for i in indices])
        if mapped is None or len(mapped) != out_slice.stop - out_slice.start:
            return None
        sources[out_slice] = mapped
    if any(s is None for s in sources):
        return None
    return sources  # type: ignore[return-value]


def _as_float_array(data) -> np.ndarray | None:
    if hasattr(data, "toarray"):
        data = data.toarray()
    if isinstance(data, pd.DataFrame):
        try:
            return data.to_numpy(dtype=float)
        except (TypeError, ValueError):
            return None
    array = np.asarray(data)
    if array.dtype.kind not in "fiub":
        return None
    return array.astype(float)


def _sum_to_sources(values: np.ndarray, sources: list[str], features: list[str]) -> np.ndarray:
    """Sum contributions of transformed columns ``(n, Mz, C)`` into source features."""
    out = np.zeros((values.shape[0], len(features), values.shape[2]))
    position = {feature: i for i, feature in enumerate(features)}
    for j, source in enumerate(sources):
        out[:, position[source], :] += values[:, j, :]
    return out


# ---------------------------------------------------------------------------------------------
# The explainers

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


def _split_pipeline(estimator):
    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        return estimator[:-1], estimator[-1]
    return None, estimator


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


@dataclass
class _FastExplainer:
    """A tree or linear explainer set up once for every row of ``X``."""

    explainer: object
    name: str
    rows: np.ndarray  # every row of X, as the final step sees it
    sources: list[str]  # the source column of each of those columns
    features: list[str]


def _fast_explainer(estimator, X, background, task) -> _FastExplainer | None:
    preprocessor, final = _split_pipeline(estimator)
    features = list(X.columns)
    if preprocessor is None:
        sources, Z, Z_background = features, _as_float_array(X), _as_float_array(background)
    else:
        sources = source_columns(preprocessor, features)
        if sources is None:
            return None
        Z, Z_background = (
            _as_float_array(preprocessor.transform(X)),
            _as_float_array(preprocessor.transform(background)),
        )
    if Z is None or Z_background is None or np.isnan(Z).any():
        return None

    import shap  # slow to import: only when publishing

    categorical = getattr(final, "is_categorical_", None)
    if categorical is not None and np.any(categorical):
        return None  # TreeExplainer ignores native categorical splits: silently wrong values
    if isinstance(final, _PROBABILITY_TREES + _TREE_REGRESSORS):
        explainer, name = shap.TreeExplainer(final), "tree (path-dependent)"
    elif isinstance(final, _BOOSTED_CLASSIFIERS):
        explainer = shap.TreeExplainer(
            final,
            data=Z_background,
            model_output="probability",
            feature_perturbation="interventional",
        )
        name = "tree (interventional, probability)"
    elif task == REGRESSION and hasattr(final, "coef_") and np.ndim(final.coef_) == 1:
        explainer = shap.LinearExplainer(final, shap.maskers.Independent(Z_background))
        name = "linear"
    else:
        return None
    return _FastExplainer(explainer, name, Z, sources, features)


def _fast_values(
    fast: _FastExplainer,
    rows: slice,
    task,
    n_classes,
    n_jobs: int = 1,
    seconds_per_row: float | None = None,
):
    Z = fast.rows[rows]
    if fast.name.startswith("tree"):
        raw = tree_shap_values(
            fast.explainer, Z, n_jobs, seconds_per_row=seconds_per_row, set_size=len(fast.rows)
        )
    else:
        # One matrix product: 100,000 rows take milliseconds, so no workers.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            raw = fast.explainer.shap_values(Z)
    values, expected = _normalise_shap_output(raw, fast.explainer.expected_value)
    selected = _select_outputs(values, expected, task, n_classes)
    if selected is None or selected[0].shape[1] != len(fast.sources):
        return None
    values, expected = selected
    return _sum_to_sources(values, fast.sources, fast.features), expected, fast.name


def _tree_or_linear(estimator, X, background, task, n_classes, n_jobs: int = 1):
    fast = _fast_explainer(estimator, X, background, task)
    return None if fast is None else _fast_values(fast, slice(None), task, n_classes, n_jobs)


def model_outputs(estimator, X: pd.DataFrame, task: str) -> np.ndarray:
    """What is explained, ``(n, C)``: probabilities of the explained classes, or values."""
    if task == REGRESSION:
        return explained_outputs(estimator.predict(X), task)
    return explained_outputs(estimator.predict_proba(X), task)


def explained_outputs(predictions, task: str) -> np.ndarray:
    """``model_outputs`` from what the model returned: ``predict_proba``'s probabilities for a
    classifier, ``predict``'s values for a regressor."""
    array = np.asarray(predictions, dtype=float)
    if task == REGRESSION:
        return array.reshape(len(array), 1)
    return array[:, 1:2] if task == BINARY else array


def _model_agnostic(estimator, X, background, task):
    import shap

    codec = FrameCodec(pd.concat([X, background]))

    def predict(array: np.ndarray) -> np.ndarray:
        return model_outputs(estimator, codec.decode(array), task)

    rows, bg = codec.encode(X), codec.encode(background)
    if X.shape[1] <= MAX_EXACT_FEATURES:
        values, base = exact_shapley(predict, rows, bg)
        return values, base, "exact (independent background)"
    explainer = shap.explainers.Permutation(
        lambda a: predict(a), shap.maskers.Independent(bg, max_samples=len(bg))
    )
    result = explainer(rows, max_evals=2 * X.shape[1] + 1, silent=True)
    values, base = _normalise_shap_output(result.values, np.asarray(result.base_values)[0])
    return values, base, "permutation"


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
    it already (see ``explained_outputs``), so the model does not predict again. Raises
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
        result = _attempt(False, estimator, X, background, task, n_classes, outputs, failures)
    if result is not None:
        return result
    detail = "; ".join(failures) or "no explainer applies"
    raise ExplanationError(
        f"cannot explain {type(estimator).__name__} exactly ({detail}); "
        "publish a model whose predict/predict_proba accepts the data's columns"
    )


def _explain_fast(estimator, X, background, task, n_classes, outputs, failures, n_jobs):
    """The tree or linear explainer's values, or None (the reason, if any, in ``failures``).

    It is first tried on a few rows: where it is not additive (histogram gradient boosting in
    shap 0.51) the whole set is not worth its time. Those rows' values are kept, since a row's
    values do not depend on the rows explained with it, and the time they took says whether
    the other rows are worth worker processes.
    """
    features = list(X.columns)
    try:
        fast = _fast_explainer(estimator, X, background, task)
    except Exception as error:  # noqa: BLE001 - every failure means: try the next explainer
        failures.append(f"{type(error).__name__}: {error}")
        return None
    if fast is None:
        return None
    probe = min(len(X), 64)
    start = time.perf_counter()
    head = _checked(
        lambda: _fast_values(fast, slice(0, probe), task, n_classes),
        outputs[:probe],
        features,
        failures,
    )
    if head is None or probe == len(X):
        return head
    seconds_per_row = (time.perf_counter() - start) / probe

    def every_row():
        rest = _fast_values(fast, slice(probe, None), task, n_classes, n_jobs, seconds_per_row)
        if rest is None:
            return None
        values, base, name = rest
        return np.concatenate([head.values, values]), base, name

    return _checked(every_row, outputs, features, failures)


def _attempt(use_fast, estimator, X, background, task, n_classes, outputs, failures, n_jobs=1):
    if use_fast:
        compute = partial(_tree_or_linear, estimator, X, background, task, n_classes, n_jobs)
    else:
        compute = partial(_model_agnostic, estimator, X, background, task)
    return _checked(compute, outputs, list(X.columns), failures)


def _checked(compute, outputs, features, failures) -> Explanation | None:
    """``compute()``'s values as an Explanation if they are additive; else None, and why (if
    anything failed) in ``failures``."""
    try:
        result = compute()
    except Exception as error:  # noqa: BLE001 - every failure means: try the next explainer
        failures.append(f"{type(error).__name__}: {error}")
        return None
    if result is None:
        return None
    values, base, name = result
    if values.shape[2] != outputs.shape[1]:
        failures.append(
            f"{name}: explained {values.shape[2]} outputs, model has {outputs.shape[1]}"
        )
        return None
    error = float(np.max(np.abs(base[None, :] + values.sum(axis=1) - outputs)))
    if error > ADDITIVITY_TOLERANCE:
        failures.append(f"{name}: additivity error {error:.2g}")
        return None
    return Explanation(values, base, outputs, features, name, error)


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
_MODEL_AGNOSTIC_EXPLAINERS = ("exact (independent background)", "permutation")


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
    values a publish of every row would have given it. No other explainer is tried: raises
    ``ExplanationError`` when that one does not apply to the model or is not additive on the
    rows.
    """
    outputs = model_outputs(estimator, X, task)
    failures: list[str] = []
    use_fast = explainer not in _MODEL_AGNOSTIC_EXPLAINERS
    result = _attempt(
        use_fast, estimator, X, background, task, n_classes, outputs, failures, n_jobs
    )
    if result is not None and result.explainer != explainer:
        failures.append(f"the model is now explained by {result.explainer}")
        result = None
    if result is None:
        detail = "; ".join(failures) or "it does not apply to this model"
        raise ExplanationError(f"the {explainer} explainer cannot explain these rows ({detail})")
    return result
