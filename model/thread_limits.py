"""Thread counts stored in a model from a file, held to the cores this process may use.

A model file carries its thread counts (scikit-learn's ``n_jobs``, XGBoost's ``nthread``,
LightGBM's ``num_threads``, CatBoost's ``thread_count``) and the libraries start that many
threads when the model predicts. Measured on two cores: a RandomForest or a k-NN (k-d tree)
with ``n_jobs=400`` ran 408 threads, a LightGBM model with ``n_jobs=300`` kept 304, and one
with ``n_jobs=100000`` crashed (SIGSEGV) once its threads filled a 3 GB address space; left
alone it would ask for more threads than the machine has process ids (32,768 here), starving
every other process. XGBoost limits its own threads and CatBoost predicts on all cores
whatever it stores, but a refit would use theirs. A model trained on a large machine
(``n_jobs=64``) is honest, so counts are lowered, not refused: :func:`clamp_thread_counts`.
"""

from __future__ import annotations

import contextlib
import numbers
import os

import numpy as np

__all__ = ["THREAD_PARAMETERS", "clamp_thread_counts", "usable_cores"]

#: Every name the libraries read a thread count from (LightGBM's aliases among them).
THREAD_PARAMETERS = frozenset(
    {"n_jobs", "nthread", "nthreads", "num_thread", "num_threads", "thread_count"}
)
#: Objects whose attributes are walked: the estimators, wrappers and boosters a model file
#: may hold (``model.allowed_types``), never an arbitrary object's.
_WALKED = ("sklearn.", "model.", "xgboost.", "lightgbm.", "catboost.")


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity, else the machine's)."""
    with contextlib.suppress(AttributeError, OSError):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def _too_many(value, limit: int) -> bool:
    """Whether ``value`` is a thread count over ``limit``; ``None``, ``-1`` (all cores) and
    anything that is not a number are left to the library."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and value > limit


def clamp_thread_counts(estimator, limit: int | None = None) -> list[str]:
    """Lower every thread count over ``limit`` (by default :func:`usable_cores`) in
    ``estimator`` to ``limit``, in place: its parameters, its steps' and fitted copies'
    (a pipeline's steps, a voting ensemble's ``estimators_``) and its boosters' parameter
    dicts. Counts at or under the limit are left as they are. Returns the names of the
    counts lowered, once for each place."""
    limit = limit or usable_cores()
    lowered: list[str] = []
    seen: set[int] = set()
    stack = [estimator]
    while stack:
        item = stack.pop()
        if id(item) in seen or isinstance(item, (str, bytes, numbers.Number, type(None))):
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            for key in THREAD_PARAMETERS.intersection(item):
                if _too_many(item[key], limit):
                    item[key] = limit
                    lowered.append(key)
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, np.ndarray):
            if item.dtype == object:
                stack.extend(item.ravel())
        elif type(item).__module__.startswith(_WALKED) and hasattr(item, "__dict__"):
            attributes = vars(item)
            if any(
                _too_many(attributes[key], limit)
                for key in THREAD_PARAMETERS.intersection(attributes)
            ):
                lowered += _clamp_parameters(item, limit)
            stack.append(attributes)  # what set_params could not change (a fitted CatBoost)
    return lowered


def _clamp_parameters(estimator, limit: int) -> list[str]:
    """Lower ``estimator``'s own thread-count parameters through ``set_params``, which also
    tells its booster (XGBoost's ``nthread``); the names lowered."""
    try:
        params = estimator.get_params(deep=False)
        over = [
            key for key in THREAD_PARAMETERS.intersection(params) if _too_many(params[key], limit)
        ]
        if over:
            estimator.set_params(**dict.fromkeys(over, limit))
    except Exception:  # noqa: BLE001 - no get_params, or a fitted CatBoost refusing set_params
        return []
    return sorted(over)
