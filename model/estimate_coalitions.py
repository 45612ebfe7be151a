"""How ``model.estimate`` gets the values of coalitions: by calling the model on rows mixed
with background rows (``by_predict``), or from each feature's share of the model's first
linear layer (``FirstLayer``, ``by_layer``) where that layer reproduces the model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.metrics import BINARY, REGRESSION

__all__ = [
    "FirstLayer",
    "as_outputs",
    "by_layer",
    "by_predict",
    "checked_layer",
    "column_owners",
    "first_layer",
    "linear_layer",
]

#: Floats of first-layer sums per ``FirstLayer.head`` call (32 MB).
LAYER_FLOATS_PER_CALL = 4_000_000
#: A float32 ``FirstLayer.head`` is checked against its float64 head on one coalition in this
#: many of each ordering, and each row's largest deviation times this margin (and two: a
#: contribution is a difference of two values) is added to that row's half-widths.
ROUNDING_CHECK_EVERY, ROUNDING_MARGIN = 16, 4.0
#: Rows per block of a float32 network's forward pass.
NETWORK_BLOCK = 2048
#: How closely a ``FirstLayer`` must reproduce the model's outputs to be used instead of it.
LAYER_TOLERANCE = 1e-9
#: Model evaluations per ``predict`` call: large enough to amortise a pipeline's overhead,
#: small enough for memory (30 features: 48 MB).
MAX_EVALUATIONS_PER_CALL = 200_000


@dataclass(frozen=True)
class FirstLayer:
    """A model whose output is ``head(sum over source features j of embed(x)[:, j, :])``.

    ``embed`` maps ``(k, M)`` encoded rows to ``(k, M, H)``: each source feature's share of the
    model's first stage, which depends on that feature's value alone: the logit of a logistic
    regression, or the columns a pipeline's column-wise preprocessing outputs (a source's share
    is its own columns, zero elsewhere). ``head`` maps the ``(k, H)`` sums to the ``(k, C)``
    outputs. A coalition's value then needs no pass through the preprocessing: it is the
    background row's sum with the coalition's shares swapped in.
    """

    embed: Callable[[np.ndarray], np.ndarray]
    head: Callable[[np.ndarray], np.ndarray]
    #: Where ``head`` computes in float32: the same head in float64. Every ``head`` call is
    #: then checked against it on one sum in ``ROUNDING_CHECK_EVERY``, and the largest
    #: deviation, times ``ROUNDING_MARGIN``, is added to every half-width.
    exact_head: Callable[[np.ndarray], np.ndarray] | None = None


def first_layer(
    estimator, decode: Callable[[np.ndarray], pd.DataFrame], task: str
) -> FirstLayer | None:
    """The ``FirstLayer`` of ``estimator``, or None if it has none.

    A ``Pipeline`` whose steps before the last are column-wise (every column they output comes
    from one source column: one-hot encoders, scalers, imputers without indicators; see
    ``model.explain.source_columns``) has one: the last step's input, or its logit where the
    last step is a logistic or linear regression. So has a logistic or linear regression alone.
    ``decode`` turns encoded rows back into the frame the estimator takes. ``estimate_shapley``
    checks the layer against the model's own outputs before using it.
    """
    from sklearn.pipeline import Pipeline

    from model.explain_columns import explained_outputs, source_columns

    if isinstance(estimator, Pipeline) and len(estimator.steps) > 1:
        preprocessor, final = estimator[:-1], estimator[-1]
    else:
        preprocessor, final = None, estimator
    layer = linear_layer(final, task)
    if layer is None and preprocessor is None:
        return None
    exact_head = None
    if layer is None:
        method = final.predict if task == REGRESSION else final.predict_proba
        weights, head = None, lambda Z: explained_outputs(method(Z), task)
        fast = _float32_network(final, task)
        if fast is not None:
            head, exact_head = fast, head
    else:
        weights, head = layer
    to_source: dict[tuple[str, ...], np.ndarray] = {}

    def embed(array: np.ndarray) -> np.ndarray:
        frame = decode(array)
        features = tuple(str(column) for column in frame.columns)
        if preprocessor is None:
            Z, sources = frame.to_numpy(dtype=float), list(features)
        else:
            Z = preprocessor.transform(frame)
            Z = np.asarray(Z.toarray() if hasattr(Z, "toarray") else Z, dtype=float)
            sources = source_columns(preprocessor, list(features))
            if sources is None:
                raise ValueError("the preprocessing mixes source columns")
        if features not in to_source:
            position = {feature: i for i, feature in enumerate(features)}
            matrix = np.zeros((Z.shape[1], len(features)))
            matrix[np.arange(Z.shape[1]), [position[s] for s in sources]] = 1.0
            to_source[features] = matrix
        if weights is None:  # each source's share: its own output columns
            return np.einsum("kz,zj->kjz", Z, to_source[features])
        # each source's share: its output columns times their rows of the weight matrix
        return np.einsum("kz,zh,zj->kjh", Z, weights, to_source[features], optimize=True)

    return FirstLayer(embed=embed, head=head, exact_head=exact_head)


def _float32_network(final, task: str):
    """A float32 forward pass of a fitted scikit-learn MLP (its own weights, cast once), the
    same function as its ``predict_proba`` or ``predict`` up to float32 rounding; or None for
    any other model. Its matrix products are about twice as fast as float64's; the rounding
    is measured on every call (``FirstLayer.exact_head``) and added to the stated errors."""
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.neural_network._base import ACTIVATIONS

    from model.explain_columns import explained_outputs

    if type(final) not in (MLPClassifier, MLPRegressor) or not hasattr(final, "coefs_"):
        return None
    coefs = [np.asarray(w, dtype=np.float32) for w in final.coefs_]
    intercepts = [np.asarray(b, dtype=np.float32) for b in final.intercepts_]
    hidden, output = ACTIVATIONS[final.activation], ACTIVATIONS[final.out_activation_]
    binary = isinstance(final, MLPClassifier) and final.out_activation_ == "logistic"

    def forward(Z: np.ndarray) -> np.ndarray:
        activation = np.asarray(Z, dtype=np.float32)
        for i, (weights, intercept) in enumerate(zip(coefs, intercepts, strict=True)):
            activation = activation @ weights
            activation += intercept
            if i < len(coefs) - 1:
                hidden(activation)
        output(activation)
        return activation

    def head(Z: np.ndarray) -> np.ndarray:
        # In blocks whose hidden layers stay in the cache: 1.3-1.6 times as fast as one call.
        activation = np.concatenate(
            [forward(Z[s : s + NETWORK_BLOCK]) for s in range(0, len(Z), NETWORK_BLOCK)]
        )
        if binary and activation.shape[1] == 1:  # predict_proba's two columns
            activation = np.hstack([1 - activation, activation])
        return explained_outputs(activation, task)

    return head


def linear_layer(final, task: str):
    """``(weights (Mz, H), head)`` of a logistic or linear regression, or None: its output is
    ``head(Z @ weights)`` for its input ``Z``."""
    from scipy.special import expit, softmax
    from sklearn.linear_model import LogisticRegression

    if isinstance(final, LogisticRegression):
        coef = np.atleast_2d(np.asarray(final.coef_, dtype=float))
        intercept = np.atleast_1d(np.asarray(final.intercept_, dtype=float))
        if coef.shape[0] == 1:
            # The probability on screen is not linear in the features, only the logit is:
            # the values are estimated, with the logit as the first layer.
            def head(logit):
                p = expit(logit + intercept)
                return p if task == BINARY else np.hstack([1 - p, p])

            return coef.T, head
        return coef.T, lambda logits: softmax(logits + intercept, axis=1)
    if task == REGRESSION and hasattr(final, "coef_") and np.ndim(final.coef_) == 1:
        # Linear in the units on screen: every ordering gives the same values, so the first
        # rounds are exact (zero spread).
        coef = np.asarray(final.coef_, dtype=float)[:, None]
        intercept = float(np.asarray(final.intercept_, dtype=float))
        return coef, lambda pre: pre + intercept
    return None


def by_predict(predict, rows, background):
    """Coalition values by calling ``predict`` on the rows mixed with background rows."""
    b, m = background.shape

    def coalitions(active, orderings, rank) -> np.ndarray:
        p = len(orderings)
        masks = rank[:, None, :] < np.arange(1, m)[None, :, None]  # (p, M - 1, M)
        filler = background[np.arange(p) % b]  # (p, M)
        out = []
        step = max(1, MAX_EVALUATIONS_PER_CALL // (p * (m - 1)))
        for start in range(0, len(active), step):
            x = rows[active[start : start + step]]
            hybrid = np.where(masks[None], x[:, None, None, :], filler[None, :, None, :])
            predicted = as_outputs(predict(hybrid.reshape(-1, m)), hybrid.size // m)
            out.append(predicted.reshape(len(x), p, m - 1, -1))
        return np.concatenate(out)

    def pick(active, orderings, rank, sizes) -> np.ndarray:
        # Row r's coalition j of ordering i: its first sizes[r, i, j] features.
        n, p, k = sizes.shape
        filler = background[np.arange(p) % b]  # (p, M)
        out = []
        step = max(1, MAX_EVALUATIONS_PER_CALL // (p * k))
        for start in range(0, n, step):
            these = slice(start, start + step)
            masks = rank[None, :, None, :] < sizes[these][..., None]  # (s, p, k, M)
            x = rows[active[these]]
            hybrid = np.where(masks, x[:, None, None, :], filler[None, :, None, :])
            predicted = as_outputs(predict(hybrid.reshape(-1, m)), hybrid.size // m)
            out.append(predicted.reshape(len(x), p, k, -1))
        return np.concatenate(out)

    coalitions.pick = pick
    return coalitions


def by_layer(layer: FirstLayer, rows, outputs, background):
    """Coalition values from the features' shares of the first layer: the background row's
    sum with the shares of the coalition's features swapped for the row's. None if the layer
    does not reproduce ``outputs`` on these rows.

    Where each column of the sums has one feature's share only (the columns of column-wise
    preprocessing), a coalition's sums are the row's columns where that feature is in the
    coalition and the background row's elsewhere: one selection instead of running sums, in
    float32 where the head computes in float32 (its input's rounding is then part of the
    deviation measured)."""
    shares = layer.embed(rows)  # (n, M, H)
    exact_head = layer.exact_head or layer.head
    row_sums = shares.sum(axis=1)
    if not _close(exact_head(row_sums), outputs):
        return None
    # Per row, the largest deviation of ``layer.head`` from ``exact_head`` seen on its sums.
    rounding = np.zeros(len(rows))
    background_shares = layer.embed(background)  # (b, M, H)
    background_sums = background_shares.sum(axis=1)
    b, m, h = background_shares.shape
    owners = column_owners(shares, background_shares)
    low = np.float32 if layer.exact_head is not None else float

    def coalitions(active, orderings, rank) -> np.ndarray:
        p = len(orderings)
        filler = np.arange(p) % b
        if owners is not None:
            inside = rank[:, owners][:, None, :] < np.arange(1, m)[None, :, None]  # (p, M-1, H)
            fill = background_sums[filler][:, None, :]  # (p, 1, H)
            fill_low, rows_low = fill.astype(low), row_sums.astype(low)
        else:
            # What adding the k-th feature of ordering i to the coalition adds to the sums.
            swaps = background_shares[filler[:, None], orderings[:, :-1]]  # (p, M - 1, H)
        out = []
        step = max(1, LAYER_FLOATS_PER_CALL // (p * m * h))
        for start in range(0, len(active), step):
            these = active[start : start + step]
            if owners is not None:
                sums = np.where(inside[None], rows_low[these][:, None, None, :], fill_low[None])
            else:
                sums = shares[these][:, orderings[:, :-1], :]
                sums -= swaps[None]
                np.cumsum(sums, axis=2, out=sums)
                sums += background_sums[filler][None, :, None, :]
            flat = sums.reshape(-1, h)
            predicted = np.asarray(layer.head(flat), dtype=float).reshape(len(flat), -1)
            if layer.exact_head is not None:
                # Each row's own sums in float64, one coalition in ROUNDING_CHECK_EVERY.
                every = slice(None, None, ROUNDING_CHECK_EVERY)
                if owners is not None:
                    checked = np.where(
                        inside[None, :, every], row_sums[these][:, None, None, :], fill[None]
                    )
                else:
                    checked = sums[:, :, every]
                ours = predicted.reshape(len(these), p, m - 1, -1)[:, :, every]
                exact = layer.exact_head(checked.reshape(-1, h)).reshape(ours.shape)
                gap = np.abs(ours - exact).reshape(len(these), -1).max(axis=1)
                rounding[these] = np.maximum(rounding[these], gap)
            out.append(predicted.reshape(sums.shape[0], p, m - 1, -1))
        return np.concatenate(out)

    def pick(active, orderings, rank, sizes) -> np.ndarray:
        # Row r's coalition j of ordering i: its first sizes[r, i, j] features.
        n, p, k = sizes.shape
        filler = np.arange(p) % b
        fill = background_sums[filler][None, :, None, :]  # (1, p, 1, H)
        if owners is not None:
            fill_low, rows_low = fill.astype(low), row_sums.astype(low)
        else:
            # What swapping each feature in adds to the background row's sums.
            swaps = background_shares[filler]  # (p, M, H)
        out = []
        step = max(1, LAYER_FLOATS_PER_CALL // (p * k * (h if owners is not None else m * h)))
        for start in range(0, n, step):
            these = active[start : start + step]
            size = sizes[start : start + step, :, :, None]
            if owners is not None:
                inside = rank[:, owners][None, :, None, :] < size  # (s, p, k, H)
                sums = np.where(inside, rows_low[these][:, None, None, :], fill_low)
            else:
                inside = (rank[None, :, None, :] < size).astype(float)  # (s, p, k, M)
                change = shares[these][:, None] - swaps[None]  # (s, p, M, H)
                sums = np.einsum("spkm,spmh->spkh", inside, change) + fill
            flat = sums.reshape(-1, h)
            predicted = np.asarray(layer.head(flat), dtype=float).reshape(len(flat), -1)
            predicted = predicted.reshape(len(these), p, k, -1)
            if layer.exact_head is not None:
                # One ordering in ROUNDING_CHECK_EVERY, in float64.
                every = slice(None, None, ROUNDING_CHECK_EVERY)
                if owners is not None:
                    checked = np.where(
                        inside[:, every], row_sums[these][:, None, None, :], fill[:, every]
                    )
                else:
                    checked = sums[:, every]
                ours = predicted[:, every]
                exact = layer.exact_head(checked.reshape(-1, h)).reshape(ours.shape)
                gap = np.abs(ours - exact).reshape(len(these), -1).max(axis=1)
                rounding[these] = np.maximum(rounding[these], gap)
            out.append(predicted)
        return np.concatenate(out)

    coalitions.pick = pick
    if layer.exact_head is not None:
        # A contribution is the difference of two coalitions' values: twice the deviation,
        # with a margin for the coalitions not checked.
        coalitions.rounding = lambda active: 2 * ROUNDING_MARGIN * rounding[active]
    return coalitions


def column_owners(shares: np.ndarray, background_shares: np.ndarray) -> np.ndarray | None:
    """``(H,)``: the one feature whose share each column of the sums holds, if every column
    holds at most one feature's (on the rows and the background: a coalition mixes only
    their values); else None."""
    nonzero = (shares != 0).any(axis=0) | (background_shares != 0).any(axis=0)  # (M, H)
    if np.any(nonzero.sum(axis=0) > 1):
        return None
    return nonzero.argmax(axis=0)


def checked_layer(layer, predict, rows, background, background_outputs, seed):
    """``layer`` if it reproduces ``predict`` on the background and on mixtures of rows and
    background rows, else None."""
    if layer is None or len(rows) == 0:
        return layer
    try:
        head = layer.exact_head or layer.head
        if not _close(head(layer.embed(background).sum(axis=1)), background_outputs):
            return None
        k = min(len(rows), 16)
        rng = np.random.default_rng([seed, 1 << 20])
        picked = background[rng.integers(len(background), size=k)]
        mixed = np.where(rng.random((k, rows.shape[1])) < 0.5, rows[:k], picked)
        expected = as_outputs(predict(mixed), k)
        return layer if _close(head(layer.embed(mixed).sum(axis=1)), expected) else None
    except Exception:  # noqa: BLE001 - a layer that cannot run: the model's predict is used
        return None


def _close(ours, theirs) -> bool:
    ours = np.asarray(ours, dtype=float).reshape(np.shape(theirs))
    scale = np.maximum(1.0, np.abs(theirs))
    return bool(np.all(np.abs(ours - theirs) <= LAYER_TOLERANCE * scale))


def as_outputs(predicted, n: int) -> np.ndarray:
    array = np.asarray(predicted, dtype=float)
    return array.reshape(n, -1)
