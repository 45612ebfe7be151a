"""Tree and linear SHAP values: the fast explainers' values, on row chunks in worker processes.

Tree SHAP values of a large set are computed on row chunks in parallel with joblib, one chunk
per worker process (shap's tree code holds the GIL, so threads would not help): ``n_jobs``
comes from ``$SPRINT_REVIEW_SHAP_JOBS`` or ``SHAP_N_JOBS``. Path-dependent values (forests,
single trees, gradient boosting regressors) are computed in threads instead, whatever the
set's size (``model.threaded_tree_shap``: shap's values, by code compiled to release the GIL). The
backend is joblib's, so ``with joblib.parallel_config(backend="dask"):`` around a publish
runs the chunks on a dask cluster instead. Small or fast sets stay in-process (see
``SHAP_PARALLEL_MIN_ROWS``).
"""

from __future__ import annotations

import os
import time
import warnings

import numpy as np

from model.config import (
    SHAP_JOBS_ENV_VAR,
    SHAP_N_JOBS,
    SHAP_PARALLEL_MIN_ROWS,
    SHAP_PARALLEL_MIN_SECONDS,
    SHAP_PILOT_ROWS,
)
from model.explain_columns import sum_to_sources
from model.explain_trees import FastExplainer, fast_explainer
from model.metrics import BINARY, REGRESSION

__all__ = ["shap_jobs", "tree_shap_values"]


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


def _shap_chunk(explainer, rows: np.ndarray, **options):
    # Module-level, so that a worker process unpickles it by reference.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return explainer.shap_values(rows, check_additivity=False, **options)


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
    explained in-process instead. An explainer that shares rows among threads itself
    (``model.threaded_tree_shap``) is handed ``n_jobs`` instead, unless a joblib backend
    has been chosen (a Dask cluster): then the chunks go to it as above.
    """
    import joblib

    if getattr(explainer, "threads_rows", False) and not _backend_chosen():
        return _shap_chunk(explainer, rows, n_jobs=n_jobs)  # every core, in threads

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


def _backend_chosen() -> bool:
    """Whether a joblib backend other than its default (worker processes) is active, such as
    ``joblib.parallel_config(backend="dask")``."""
    from joblib.parallel import get_active_backend

    backend, _ = get_active_backend()
    return type(backend).__name__ != "LokyBackend"


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
    if fast.prepare is not None:
        Z = fast.prepare(Z)
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
