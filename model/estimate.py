"""Shapley values of any model, estimated by sampling, with a measured and stated error.

The quantity is the one ``model.explain.exact_shapley`` computes: interventional Shapley values
over an independent background sample, in the units of ``predict`` (the probability of each
explained class, or the predicted value). Where ``exact_shapley``'s ``2**M`` coalitions are too
many, ``estimate_shapley`` samples orderings of the features instead:

- A sample is an ordering of the features and one background row: the marginal contribution
  of each feature when it is switched from the background row's value to the explained row's,
  after the features before it in the ordering. Its mean over orderings and background rows is
  the Shapley value.
- Samples come in rounds of one ordering per background row, each background row once. The
  contributions of one ordering telescope to ``output - f(background row)``, so every round's
  mean telescopes to ``output - base``: the estimate is additive by construction (checked on
  every row all the same). And the spread between background rows is no part of the error
  (stratified sampling). Measured on 30-feature models of the breast cancer data, one background
  row per ordering is 4 to 10 times as efficient (variance times evaluations) as averaging every
  ordering over the whole background, with or without antithetic (reversed) orderings.
- A row's errors are half-widths at which all of its contributions hold at once with 95%
  confidence (Student's t on the pooled spread within background rows, Bonferroni over the
  row's contributions). Rounds continue on a row until every half-width is at most
  ``target_error`` and its largest contribution is told apart from the next (a paired test of
  their difference at ``TOP_LEVEL``, or their gap exceeding their two half-widths), or
  ``max_permutations`` is reached. Each row's errors, whether it
  met the target and whether its top feature is told apart are returned. Without that last
  condition, two estimates within 0.01 of the truth named the same top feature on only 74% of
  the rows of a breast cancer logistic regression: a quarter of its rows have their top two
  features within 0.005.

The orderings are drawn from ``seed`` alone and shared by every row; a row stops on its own
spread only. So a row's values do not depend on the rows explained with it: a row explained on
its own later gets the values a publish of the whole deck gave it.

Exact structure first: a model that is additive in the explained units (a linear regression
on columns that each come from one source column) has the same marginal contribution in every
ordering, so its spread is zero and the first rounds return exact values with a zero error. A
logistic regression is linear in the log-odds, not in the probability shown on screen, so it
is estimated like any other model (its log-odds values would be exact, but in other units);
its linear logit still makes each coalition's value a sum and a sigmoid (``first_layer``),
with no pass through the pipeline. Other pipelines of column-wise preprocessing skip the
preprocessing the same way: a coalition is the row's transformed columns where its features
are in the coalition and the background row's elsewhere, one selection per coalition. A
scikit-learn MLP last in such a pipeline is then run as a float32 forward pass with its own
weights (about twice as fast); its deviation from the float64 model is measured on one
coalition in 16 of every row, and the largest, times 8, is added to the row's errors (on the
breast cancer MLP the deviation is at most 2.4e-7 in probability, so about 2e-6 is added).

Cost, measured on a 30-feature MLP (100 hidden units) of the breast cancer data, 100 rows,
one thread: 0.23 s of CPU a row before this selection, the float32 pass and the paired test
of the top feature (``_TopPairs``), 0.08 s after, with the same largest error and top-feature
agreement against a 25,600-ordering reference (94%; the 6 rows that differ are ties neither
estimate tells apart: their top two are within 0.002 of each other).

Where it is used
----------------
``model.explain._model_agnostic`` calls ``estimate_shapley`` for more than
``MAX_EXACT_FEATURES`` features, with ``model.explain.ESTIMATE_SEED``, the target of
``model.explain.estimate_target`` (0.01 in probability; 1% of the range of the model's outputs
over the background rows for a regression, a range known again when a row is explained after
publishing) and ``first_layer``. Publishing records the method per row, the largest stated
error (``estimate_error``) and the estimate's seed, target and counts
(``Explanation.methods_meta``); ``model.explain.explain_rows`` re-runs it for a row explained
later, which then gets the values a publish gave it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.config import ADDITIVITY_TOLERANCE
from model.metrics import BINARY, REGRESSION

__all__ = [
    "ESTIMATE_EXPLAINER",
    "Estimate",
    "FirstLayer",
    "estimate_shapley",
    "first_layer",
    "linear_layer",
    "target_error_for",
]

#: The name publishing records for values from ``estimate_shapley``.
ESTIMATE_EXPLAINER = "sampled Shapley (permutations, independent background)"
#: The target in probability units: all contributions within 0.01 at 95% confidence.
PROBABILITY_TARGET = 0.01
#: The target for a regression, as a share of the range of the model's outputs.
REGRESSION_TARGET_SHARE = 0.01
#: Rounds (one ordering per background row) before the spread is first trusted, and the
#: rounds after which each row's spread is checked again.
MIN_ROUNDS = 2
#: About 1.4 times apart up to 45 rounds, 1.19 after: a row needing many rounds overshoots
#: its need by less (5% fewer orderings on the breast cancer MLP, same accuracy).
CHECKPOINTS = (2, 3, 4, 6, 8, 11, 16, 22, 32, 45, 54, 64, 76, 90, 108, 128, 152, 181, 215, 256)
CHECKPOINTS += (304, 362, 430, 512)
#: The one-sided confidence at which a row's top feature is told apart from the next.
TOP_LEVEL = 0.995
DEFAULT_MAX_PERMUTATIONS = 256 * 50
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
#: Model evaluations a chunk of rows is explained with per round: the chunks run in parallel.
CHUNK_EVALUATIONS = 100_000
#: Model evaluations per ``predict`` call: large enough to amortise a pipeline's overhead,
#: small enough for memory (30 features: 48 MB).
MAX_EVALUATIONS_PER_CALL = 200_000


@dataclass(frozen=True)
class Estimate:
    """Estimated Shapley values of ``n`` rows, ``M`` features and ``C`` outputs.

    ``base_values[c] + values[r, :, c].sum() == outputs[r, c]`` on every row (checked).
    ``errors[r, m, c]`` is the half-width of ``values[r, m, c]``: with 95% confidence all of
    row ``r``'s contributions are within their half-widths at once. ``stated_error`` is the
    largest half-width. ``permutations[r]`` orderings were sampled for row ``r``;
    ``converged[r]`` says whether all of its half-widths are within ``target_error``, and
    ``top_resolved[r]`` whether its largest contribution (in absolute value) is told apart
    from the next on every output (see ``_TopPairs``).
    """

    values: np.ndarray
    base_values: np.ndarray
    outputs: np.ndarray
    errors: np.ndarray
    stated_error: float
    target_error: float
    permutations: np.ndarray
    converged: np.ndarray
    top_resolved: np.ndarray

    @property
    def row_errors(self) -> np.ndarray:
        """The largest half-width of each row's contributions, ``(n,)``."""
        return self.errors.reshape(len(self.errors), -1).max(axis=1, initial=0.0)

    @property
    def all_converged(self) -> bool:
        """True when every row met the target."""
        return bool(np.all(self.converged))


def target_error_for(task: str, outputs: np.ndarray) -> float:
    """The error a published estimate must meet: 0.01 in probability for a classifier, 1% of
    the range of ``outputs`` (the model's predictions on the published rows) for a regression.
    """
    if task != REGRESSION:
        return PROBABILITY_TARGET
    outputs = np.asarray(outputs, dtype=float)
    spread = float(np.ptp(outputs)) if outputs.size else 0.0
    # A constant model: any positive target, its values are exact (zero spread) anyway.
    return REGRESSION_TARGET_SHARE * spread if spread > 0 else PROBABILITY_TARGET


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


def estimate_shapley(
    predict: Callable[[np.ndarray], np.ndarray],
    rows: np.ndarray,
    background: np.ndarray,
    *,
    seed: int,
    target_error: float,
    max_permutations: int = DEFAULT_MAX_PERMUTATIONS,
    layer: FirstLayer | None = None,
    resolve_top: bool = True,
    n_jobs: int | None = None,
) -> Estimate:
    """Interventional Shapley values of ``predict`` at ``rows``, estimated to ``target_error``.

    ``predict`` maps a ``(k, M)`` array to ``(k, C)`` (or ``(k,)``) outputs; ``background`` is
    the ``(B, M)`` independent background sample. Rounds of ``B`` orderings, one per background
    row, drawn from ``seed``, are sampled until every contribution of a row has a half-width
    (95%, all of the row's at once) of at most ``target_error`` and, with ``resolve_top``, its
    top feature is told apart from the next, or the row has had ``max_permutations`` orderings
    (rounded up to whole rounds; its ``converged`` is then False if its ``errors`` did not
    reach the target). Rows are explained in chunks on ``n_jobs`` threads (default: every
    core), each round of a chunk in one ``predict`` call per ``MAX_EVALUATIONS_PER_CALL``
    evaluations.

    With ``layer`` (see ``first_layer``) the coalitions are evaluated from each feature's share
    of the model's first linear layer instead of by ``predict``: the same values, many times
    faster. It is used only where it reproduces ``predict`` (within ``LAYER_TOLERANCE``) on the
    background, on the rows and on mixtures of the two; elsewhere ``predict`` is called.

    Raises ``ValueError`` for arrays of the wrong shape or a non-positive target, and
    ``ArithmeticError`` if the values are not additive (a model whose outputs are not finite).
    """
    rows = np.asarray(rows, dtype=float)
    background = np.asarray(background, dtype=float)
    if rows.ndim != 2 or background.ndim != 2 or rows.shape[1] != background.shape[1]:
        raise ValueError(
            f"rows {rows.shape} and background {background.shape} must be 2-D with the same "
            "number of columns"
        )
    if len(background) == 0:
        raise ValueError("the background sample is empty: give it at least one row")
    if not target_error > 0:
        raise ValueError(f"target_error must be positive, got {target_error}")
    n, m = rows.shape
    background_outputs = _as_outputs(predict(background), len(background))
    base = background_outputs.mean(axis=0)
    c = base.shape[0]
    outputs = _as_outputs(predict(rows), n) if n else np.zeros((0, c))
    rounds = _Rounds(m, len(background), seed, max_permutations)
    chunk = max(1, CHUNK_EVALUATIONS // max(1, rounds.evaluations_per_round))
    values = np.zeros((n, m, c))
    errors = np.zeros((n, m, c))
    permutations = np.zeros(n, dtype=int)
    resolved = np.ones(n, dtype=bool)

    layer = _checked_layer(layer, predict, rows, background, background_outputs, seed)

    def explain_chunk(start: int) -> None:
        part = slice(start, start + chunk)
        coalitions = _by_predict(predict, rows[part], background)
        if layer is not None:
            coalitions = _by_layer(layer, rows[part], outputs[part], background) or coalitions
        values[part], errors[part], permutations[part], resolved[part] = _estimate_chunk(
            coalitions, outputs[part], background_outputs, rounds, target_error, resolve_top
        )

    with _single_threaded_blas(), ThreadPoolExecutor(n_jobs or os.cpu_count() or 1) as pool:
        list(pool.map(explain_chunk, range(0, n, chunk)))
    _check_additivity(values, base, outputs)
    converged = errors.reshape(n, -1).max(axis=1, initial=0.0) <= target_error
    return Estimate(
        values=values,
        base_values=base,
        outputs=outputs,
        errors=errors,
        stated_error=float(errors.max(initial=0.0)),
        target_error=float(target_error),
        permutations=permutations,
        converged=converged,
        top_resolved=resolved,
    )


class _Rounds:
    """Round ``k``'s orderings and their background rows depend on ``seed`` and ``k`` only.

    A round has one ordering per background row, each background row once: the background's
    mean is then met exactly by every round (which makes the values additive), and the spread
    between background rows is no part of the error. Rows are checked after the rounds in
    ``CHECKPOINTS`` (about 1.4 times the one before), up to ``max_permutations`` orderings.
    """

    def __init__(self, m: int, b: int, seed: int, max_permutations: int):
        self.m, self.b, self.seed = m, b, seed
        self.max_rounds = max(MIN_ROUNDS, -(-max_permutations // b))
        self.evaluations_per_round = b * max(m - 1, 0)
        points = sorted({min(p, self.max_rounds) for p in CHECKPOINTS if p >= MIN_ROUNDS})
        self.checkpoints = [p for p in points if p <= self.max_rounds]
        if self.checkpoints[-1] < self.max_rounds:
            self.checkpoints.append(self.max_rounds)

    def orderings(self, start: int, stop: int) -> np.ndarray:
        """``(stop - start) * b`` orderings of the features; the i-th uses background row
        ``i % b``."""
        out = np.empty(((stop - start) * self.b, self.m), dtype=int)
        for k in range(start, stop):
            rng = np.random.default_rng([self.seed, k])
            out[(k - start) * self.b : (k - start + 1) * self.b] = rng.permuted(
                np.tile(np.arange(self.m), (self.b, 1)), axis=1
            )
        return out


def _estimate_chunk(coalitions, outputs, background_outputs, rounds, target, resolve_top):
    """Values, half-widths, orderings used and whether the top feature is told apart, of one
    chunk of rows, each row stopping on its own spread at the first checkpoint where every
    half-width is within ``target`` (and, with ``resolve_top``, its top feature is told apart).
    ``coalitions(active, orderings, masks)`` gives the values of the coalitions of those rows."""
    n, m = len(outputs), rounds.m
    b, c = background_outputs.shape
    # Per row, feature, output and background row: the sum and sum of squares of the samples.
    total = np.zeros((n, b, m, c))
    squares = np.zeros((n, b, m, c))
    values = np.zeros((n, m, c))
    errors = np.zeros((n, m, c))
    used = np.zeros(n, dtype=int)
    top = _TopPairs(n, b, c)
    rounding = getattr(coalitions, "rounding", lambda active: np.zeros(len(active)))
    resolved = np.ones(n, dtype=bool)
    active = np.arange(n) if m > 1 else np.arange(0)
    if m == 1:  # one feature gets everything
        values[:, 0, :] = outputs - background_outputs.mean(axis=0)
    done = 0
    for checkpoint in rounds.checkpoints:
        if not len(active):
            break
        samples = _samples(
            coalitions,
            active,
            outputs[active],
            background_outputs,
            rounds.orderings(done, checkpoint),
        )  # (len(active), rounds, b, M, C)
        total[active] += samples.sum(axis=1)
        squares[active] += np.square(samples).sum(axis=1)
        done = checkpoint
        used[active] = done * b
        values[active], errors[active] = _mean_and_half_width(total[active], squares[active], done)
        errors[active] += rounding(active)[:, None, None]
        resolved[active] = top.update(active, samples, values[active], errors[active], done)
        worst = errors[active].reshape(len(active), -1).max(axis=1, initial=0.0)
        unresolved = ~resolved[active] if resolve_top else False
        active = active[(worst > target) | unresolved]
    return values, errors, used, resolved


class _TopPairs:
    """Whether each row's largest contribution is told apart from the next, on every output.

    The test is on the difference of the two, sample by sample (paired: both come from the
    same orderings): the gap between their sizes must exceed the one-sided Student quantile
    at ``TOP_LEVEL`` times the standard error of the difference, its variance pooled within
    background rows as for the values. The difference's spread is summed over the rounds since
    that pair became the top two (at least the last checkpoint's rounds); with fewer than two
    such rounds only the stricter test of the half-widths counts (the gap larger than both
    half-widths together, which holds whatever the two's correlation). Measured on a
    30-feature MLP: the difference's standard deviation is about 0.76 times the sum of the
    two's, and one comparison needs no Bonferroni share.
    """

    def __init__(self, n: int, b: int, c: int):
        self.pair = np.full((n, 2, c), -1)  # the pair summed, smaller index first
        self.since = np.zeros((n, c), dtype=int)  # rounds summed since it became the pair
        # Per row, sum of a, b, a**2, b**2 and a*b of the pair's samples, per background row
        # and output.
        self.sums = np.zeros((n, 5, b, c))

    def update(self, active, samples, values, errors, done) -> np.ndarray:
        from scipy.stats import t

        k, rounds, b, m, c = samples.shape
        if m < 2:
            return np.ones(k, dtype=bool)
        size = np.abs(values)
        order = np.argsort(-size, axis=1, kind="stable")[:, :2]  # (k, 2, C)
        pair = np.sort(order, axis=1)
        kept = np.all(self.pair[active] == pair, axis=1)  # (k, C)
        sums, since = self.sums[active], self.since[active]
        sums *= kept[:, None, None, :]
        since *= kept
        first = np.take_along_axis(samples, pair[:, None, None, :1, :], axis=3)[:, :, :, 0]
        second = np.take_along_axis(samples, pair[:, None, None, 1:, :], axis=3)[:, :, :, 0]
        sums += np.stack(
            [first, second, first * first, second * second, first * second], axis=1
        ).sum(axis=2)  # (k, 5, b, C)
        since += rounds
        self.pair[active], self.sums[active], self.since[active] = pair, sums, since
        top = np.take_along_axis(size, order, axis=1)  # (k, 2, C)
        gap = top[:, 0] - top[:, 1]
        signs = np.take_along_axis(np.sign(values), pair, axis=1).prod(axis=1)  # (k, C)
        s_a, s_b, q_a, q_b, q_ab = (sums[:, i] for i in range(5))  # (k, b, C)
        r = np.maximum(since, 1)[:, None, :]
        within = (
            (q_a - s_a * s_a / r)
            + (q_b - s_b * s_b / r)
            - 2 * signs[:, None] * (q_ab - s_a * s_b / r)
        ).sum(axis=1)  # (k, C)
        degrees = b * np.maximum(since - 1, 1)
        standard_error = np.sqrt(np.maximum(within, 0.0) / degrees / (done * b))
        paired = (since >= 2) & (gap > t.ppf(TOP_LEVEL, degrees) * standard_error)
        strict = gap > np.take_along_axis(errors, order, axis=1).sum(axis=1)
        return np.all(paired | strict, axis=1)


def _samples(coalitions, active, outputs, background_outputs, orderings) -> np.ndarray:
    """Marginal contributions along each ordering, ``(n, rounds, b, M, C)``: ordering ``i``
    mixes the row with background row ``i % b``."""
    n, c = outputs.shape
    b = len(background_outputs)
    p, m = orderings.shape
    rank = np.argsort(orderings, axis=1)  # rank[i, j]: the position of feature j in ordering i
    # Coalition k (1 <= k < M) of ordering i holds its first k features; k = 0 is the
    # background row itself and k = M the row, both predicted already.
    inner = coalitions(active, orderings, rank)  # (n, p, M - 1, C)
    chain = np.concatenate(
        [
            np.broadcast_to(background_outputs[np.arange(p) % b][None, :, None, :], (n, p, 1, c)),
            inner,
            np.broadcast_to(outputs[:, None, None, :], (n, p, 1, c)),
        ],
        axis=2,
    )
    by_position = np.diff(chain, axis=2)  # (n, p, M, C): the k-th feature's contribution
    by_feature = np.take_along_axis(by_position, rank[None, :, :, None], axis=2)
    return by_feature.reshape(n, p // b, b, m, c)


def _by_predict(predict, rows, background):
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
            predicted = _as_outputs(predict(hybrid.reshape(-1, m)), hybrid.size // m)
            out.append(predicted.reshape(len(x), p, m - 1, -1))
        return np.concatenate(out)

    return coalitions


def _by_layer(layer: FirstLayer, rows, outputs, background):
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
    owners = _column_owners(shares, background_shares)
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

    if layer.exact_head is not None:
        # A contribution is the difference of two coalitions' values: twice the deviation,
        # with a margin for the coalitions not checked.
        coalitions.rounding = lambda active: 2 * ROUNDING_MARGIN * rounding[active]
    return coalitions


def _column_owners(shares: np.ndarray, background_shares: np.ndarray) -> np.ndarray | None:
    """``(H,)``: the one feature whose share each column of the sums holds, if every column
    holds at most one feature's (on the rows and the background: a coalition mixes only
    their values); else None."""
    nonzero = (shares != 0).any(axis=0) | (background_shares != 0).any(axis=0)  # (M, H)
    if np.any(nonzero.sum(axis=0) > 1):
        return None
    return nonzero.argmax(axis=0)


def _checked_layer(layer, predict, rows, background, background_outputs, seed):
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
        expected = _as_outputs(predict(mixed), k)
        return layer if _close(head(layer.embed(mixed).sum(axis=1)), expected) else None
    except Exception:  # noqa: BLE001 - a layer that cannot run: the model's predict is used
        return None


def _close(ours, theirs) -> bool:
    ours = np.asarray(ours, dtype=float).reshape(np.shape(theirs))
    scale = np.maximum(1.0, np.abs(theirs))
    return bool(np.all(np.abs(ours - theirs) <= LAYER_TOLERANCE * scale))


def _mean_and_half_width(total, squares, rounds: int) -> tuple[np.ndarray, np.ndarray]:
    """Estimates ``(n, M, C)`` and their half-widths (95%, all of a row's at once) from
    per-background-row sums over ``rounds`` rounds: the variance is the pooled spread within
    background rows (stratified sampling), Student's t with its ``b * (rounds - 1)`` degrees
    of freedom."""
    from scipy.stats import t

    b = total.shape[1]
    values = total.sum(axis=1) / (rounds * b)
    within = np.maximum(squares - np.square(total) / rounds, 0.0).sum(axis=1)
    # Orderings of an additive model agree up to rounding, which the subtraction above
    # magnifies: a spread within that rounding is zero.
    within[within <= 1e-11 * squares.sum(axis=1)] = 0.0
    variance = within / (b * max(rounds - 1, 1))
    # Bonferroni over the row's M * C contributions: all of them are within their half-widths
    # at once with 95% confidence (a per-contribution 95% bound would leave one in twenty of
    # them outside, several on every 30-feature row).
    level = 1 - 0.025 / max(1, values.shape[1] * values.shape[2])
    quantile = t.ppf(level, b * max(rounds - 1, 1))
    return values, quantile * np.sqrt(variance / (rounds * b))


def _as_outputs(predicted, n: int) -> np.ndarray:
    array = np.asarray(predicted, dtype=float)
    return array.reshape(n, -1)


def _check_additivity(values: np.ndarray, base: np.ndarray, outputs: np.ndarray) -> None:
    if not len(values):
        return
    error = np.abs(base[None, :] + values.sum(axis=1) - outputs)
    scale = np.maximum(1.0, np.abs(outputs))
    worst = float(np.max(error / scale)) if error.size else 0.0
    if not worst <= ADDITIVITY_TOLERANCE:
        raise ArithmeticError(
            f"estimated values are not additive (error {worst:.2g}): the model's outputs are "
            "not finite or not a function of its input"
        )


def _single_threaded_blas():
    # Models that thread internally would oversubscribe the cores from several threads: one
    # thread per call, and the calls in parallel (as exact_shapley does).
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)
