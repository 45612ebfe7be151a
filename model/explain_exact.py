"""Exact Shapley values of any model over an independent background, vectorised over rows.

The quantity shap's ``Exact`` explainer computes with an ``Independent`` masker (tested equal
to it), for every row of a chunk at once: 2**M coalitions of M features.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial

import numpy as np

from model.estimate_coalitions import FirstLayer

__all__ = ["exact_shapley"]


def exact_shapley(
    predict: Callable[[np.ndarray], np.ndarray],
    rows: np.ndarray,
    background: np.ndarray,
    max_batch_rows: int = 200_000,
    n_jobs: int | None = None,
    layer: FirstLayer | None = None,
    progress: Callable[[float], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Exact interventional Shapley values of ``predict`` at ``rows``.

    The value of a coalition S is the mean of ``predict`` over the background rows with the
    features in S replaced by the explained row's values: the quantity shap's ``Exact``
    explainer computes with an ``Independent`` masker, evaluated here for all rows of a chunk at
    once. ``predict`` maps an ``(k, M)`` array to ``(k, C)`` outputs. Coalitions are evaluated
    on ``n_jobs`` threads (default: every core), each model call single-threaded.

    With ``layer`` (a ``model.estimate_coalitions.FirstLayer`` the caller has checked against
    ``predict``), a coalition's value is computed from the features' shares of the model's
    first stage instead of by ``predict``: the background row's sums with the coalition's
    shares swapped for the row's, then the layer's float64 head. The same values, without the
    preprocessing of 2**M mixed rows per row and background row (a logistic regression
    behind a one-hot pipeline: hundreds of times faster). The empty and full coalitions are
    always ``predict``'s own outputs.

    ``progress``, if given, is called now and then with the share of the work done.

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
    workers = n_jobs or os.cpu_count() or 1
    width = 1
    if layer is not None:
        head = layer.exact_head or layer.head
        background_shares = layer.embed(background)  # (b, M, H)
        width = background_shares.shape[-1]
    chunk = max(1, max_batch_rows // (b * width))

    def coalition(x: np.ndarray, mask: int) -> np.ndarray:
        if layer is not None:
            inside = bits[mask]
            # (k, 1, H) + (1, b, H): the row's shares inside S, the background row's outside
            sums = (
                x[:, inside].sum(axis=1)[:, None, :]
                + background_shares[:, ~inside].sum(axis=1)[None, :, :]
            )
            predicted = head(sums.reshape(-1, sums.shape[-1]))
            return np.asarray(predicted, dtype=float).reshape(len(x), b, c).mean(axis=1)
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
            # with a layer, each coalition takes the rows' shares instead of the rows
            given = x if layer is None else layer.embed(x)  # (k, M, H)
            for mask, value in zip(inner, pool.map(partial(coalition, given), inner), strict=True):
                coalition_value[mask] = value
                if progress is not None and mask % 64 == 0:
                    progress((start + k * mask / 2**m) / n)
            for i in range(m):
                without_i = masks[~bits[:, i]]
                size = sizes[without_i]
                weight = factorial[size] * factorial[m - size - 1] / factorial[m]
                gain = coalition_value[without_i | (1 << i)] - coalition_value[without_i]
                values[start : start + k, i, :] = np.tensordot(weight, gain, axes=(0, 0))
            if progress is not None:
                progress((start + k) / n)
    return values, base
