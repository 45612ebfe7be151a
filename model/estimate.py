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
- Once a row's half-widths meet the target, only its top feature is left to tell apart, and
  that needs the marginal contributions of a few features only: its top two and any other
  still within reach of them (at most ``MOST_REFINED``). From one ordering, a feature's
  contribution needs two coalitions (the features before it, with and without it) instead of
  the ``M - 1`` of a full ordering. So such a row goes on with the same rounds' orderings and
  background rows for those features alone (``_TopRefinement``): their sum stays the full
  rounds' (the row stays additive exactly, every other value unchanged), their differences
  are estimated from all of the row's orderings, the same paired test tells the top apart,
  and their half-widths come from their pooled covariance at the same confidence. The top
  must also be clear of every feature left out (the gap larger than both half-widths). On the
  breast cancer MLP a third of the rows go on to the budget to tell near-ties apart: this way
  an ordering costs them a seventh (two features) to a half (seven) of a full one's
  evaluations. Multiclass rows (one test per output) go on with full rounds.

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
estimate tells apart: their top two are within 0.002 of each other). Refining the top few
features alone (``_TopRefinement``), on 400 rows of the bench's 5,000-row deck: 42.2 s of CPU
before, 28.6 s after on two threads (36.6 s and 25.1 s on one), 7,106 and 7,088 orderings a
row (2,918 of them of a few features only), 73.8% of rows told apart either way, and the same
largest error (0.0066) and top-feature agreement (37 of the first 40 rows, 19 of the bench's
20) against a reference with another seed, a 2.5 times tighter target and 4 times the budget.

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
#: The most features a row's top feature is refined among (``_TopRefinement``): two
#: coalitions each per ordering, where a full ordering has ``M - 1``.
MOST_REFINED = 7
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
    #: Of ``permutations[r]``, the orderings that evaluated a few top features only (see
    #: ``_TopRefinement``).
    refined_permutations: np.ndarray

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
    refined_permutations = np.zeros(n, dtype=int)
    resolved = np.ones(n, dtype=bool)

    layer = _checked_layer(layer, predict, rows, background, background_outputs, seed)

    def explain_chunk(start: int) -> None:
        part = slice(start, start + chunk)
        coalitions = _by_predict(predict, rows[part], background)
        if layer is not None:
            coalitions = _by_layer(layer, rows[part], outputs[part], background) or coalitions
        (
            values[part],
            errors[part],
            permutations[part],
            refined_permutations[part],
            resolved[part],
        ) = _estimate_chunk(
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
        refined_permutations=refined_permutations,
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
    """Values, half-widths, orderings used (all, and those of a few top features only) and
    whether the top feature is told apart, of one chunk of rows, each row stopping on its own
    spread at the first checkpoint where every half-width is within ``target`` (and, with
    ``resolve_top``, its top feature is told apart). ``coalitions(active, orderings, masks)``
    gives the values of the coalitions of those rows.

    A row whose half-widths are within ``target`` but whose top feature is not told apart
    goes on with the same rounds' orderings for its top few features only, where
    ``_TopRefinement`` can take it (one output); other rows go on with full rounds."""
    n, m = len(outputs), rounds.m
    b, c = background_outputs.shape
    # Per row, feature, output and background row: the sum and sum of squares of the samples.
    total = np.zeros((n, b, m, c))
    squares = np.zeros((n, b, m, c))
    values = np.zeros((n, m, c))
    errors = np.zeros((n, m, c))
    used = np.zeros(n, dtype=int)
    refined_used = np.zeros(n, dtype=int)
    top = _TopPairs(n, b, c)
    rounding = getattr(coalitions, "rounding", lambda active: np.zeros(len(active)))
    resolved = np.ones(n, dtype=bool)
    active = np.arange(n) if m > 1 else np.arange(0)
    if m == 1:  # one feature gets everything
        values[:, 0, :] = outputs - background_outputs.mean(axis=0)
    refine = _TopRefinement(n, m, b)
    refinable = resolve_top and c == 1 and refine.most >= 2 and hasattr(coalitions, "pick")
    refining = np.arange(0)
    done = 0
    for checkpoint in rounds.checkpoints:
        if not len(active) and not len(refining):
            break
        orderings = rounds.orderings(done, checkpoint)
        if len(refining):
            for rows, features in refine.groups(refining):
                samples = _some_samples(
                    coalitions, rows, outputs[rows], background_outputs, orderings, features
                )  # (len(rows), rounds, b, t, 1)
                resolved[rows] = refine.update(
                    rows, samples[..., 0], checkpoint, values, errors, rounding(rows)
                )
            refined_used[refining] += (checkpoint - done) * b
            used[refining] = checkpoint * b
            worst = errors[refining].reshape(len(refining), -1).max(axis=1, initial=0.0)
            refining = refining[(worst > target) | ~resolved[refining]]
        if len(active):
            samples = _samples(
                coalitions, active, outputs[active], background_outputs, orderings
            )  # (len(active), rounds, b, M, C)
            total[active] += samples.sum(axis=1)
            squares[active] += np.square(samples).sum(axis=1)
            used[active] = checkpoint * b
            values[active], errors[active] = _mean_and_half_width(
                total[active], squares[active], checkpoint
            )
            errors[active] += rounding(active)[:, None, None]
            resolved[active] = top.update(
                active, samples, values[active], errors[active], checkpoint
            )
            worst = errors[active].reshape(len(active), -1).max(axis=1, initial=0.0)
            unresolved = ~resolved[active] if resolve_top else np.zeros(len(active), bool)
            keep = (worst > target) | unresolved
            if refinable and checkpoint < rounds.max_rounds:
                moving = (worst <= target) & unresolved
                starting = refine.can_start(active[moving], total, values, errors, checkpoint)
                moving[moving] = starting
                refining = np.concatenate([refining, active[moving]])
                keep &= ~moving
            active = active[keep]
        done = checkpoint
    return values, errors, used, refined_used, resolved


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


class _TopRefinement:
    """The top feature of rows whose half-widths meet the target, told apart with orderings
    that evaluate a few features only: the top two and any other still within reach of them
    (``T``, at most ``MOST_REFINED`` features, and fewer than half of the row's).

    From one ordering, a feature's marginal contribution needs two coalitions (the features
    before it, with and without it) instead of the ``M - 1`` of a full ordering. These samples
    come from the same orderings and background rows as a full round's, so they pool with the
    rounds'. The values of ``T`` are then split into their sum ``s`` (from the rounds only,
    like every other value: the row stays additive exactly) and their differences from their
    mean (from all of the row's orderings): ``value_i = s / t + mean_i - mean over T``.
    The top is told apart from the next by the same paired test as ``_TopPairs``: the gap
    between their sizes against its own standard error, pooled within background rows. Of one
    sign, ``s`` cancels from that gap (the difference of their means over all orderings); of
    opposite signs, the gap depends on ``s`` too, and so does its standard error.

    Errors: each refined value is a linear combination of the samples of ``T``'s features
    (the rounds' with one set of weights, the later orderings' with another), so its variance
    follows from their pooled covariance (estimated from the later orderings), and its
    half-width is Student's t at the rounds' Bonferroni level over the row's ``M``
    contributions, as for every other value (``_mean_and_half_width``): all of the row's
    contributions are within their half-widths at once with 95% confidence, as before. That
    variance starts at the rounds' variance of each value and falls towards that of ``s / t``.
    The float32 rounding margin is added in proportion to the weights' total size.

    The other features keep their rounds' values and half-widths (about the target), less
    precise than the refined ones: the top is told apart only if it is also clear of all of
    them (its size less its half-width above each one's size plus its half-width, which holds
    whatever their correlation). ``T`` is chosen so that they are already clear of ``T``'s mean
    size (which the largest refined size always reaches) less half of ``T``'s largest
    half-width. A row with no such ``T`` goes on with full rounds, which refine every value.
    """

    def __init__(self, n: int, m: int, b: int):
        from scipy.stats import t

        self.m, self.b = m, b
        self.most = min(MOST_REFINED, (m - 2) // 2)  # two coalitions each, fewer than M - 1
        self.quantile = lambda degrees: t.ppf(1 - 0.025 / m, degrees)
        self.top_quantile = lambda degrees: t.ppf(TOP_LEVEL, degrees)
        most = self.most
        self.features = np.full((n, most), -1)
        self.count = np.zeros(n, dtype=int)
        self.rounds = np.zeros(n, dtype=int)  # full rounds, when refining started
        self.later = np.zeros(n, dtype=int)  # rounds of the chosen features only since
        self.total = np.zeros(n)  # s: the rounds' sum of T's values
        self.sums = np.zeros((n, most, b))  # per feature and background row, all orderings
        self.later_sums = np.zeros((n, b, most))  # the later orderings' sums and products
        self.products = np.zeros((n, b, most, most))

    def can_start(self, rows, total, values, errors, done) -> np.ndarray:
        """Which of ``rows`` (their half-widths within the target, their top feature not told
        apart after ``done`` rounds) go on with a few features only; those start."""
        start = np.zeros(len(rows), dtype=bool)
        for i, row in enumerate(rows):
            chosen = self._choose(values[row, :, 0], errors[row, :, 0])
            if chosen is None:
                continue
            start[i], t = True, len(chosen)
            self.features[row, :t], self.count[row] = chosen, t
            self.rounds[row], self.later[row] = done, 0
            self.total[row] = values[row, chosen, 0].sum()
            self.sums[row, :t] = total[row, :, chosen, 0]
            self.later_sums[row], self.products[row] = 0.0, 0.0
        return start

    def _choose(self, values, errors):
        """``T`` for one row: its two largest, then whichever other feature reaches furthest
        while any reaches ``T``'s mean size less half its largest half-width; None if there is
        no such ``T`` of at most ``self.most`` features."""
        size = np.abs(values)
        reach = size + errors
        chosen = list(np.argsort(-size, kind="stable")[:2])
        while True:
            # The largest refined size is at least their mean size; their half-widths shrink.
            clear = abs(values[chosen].sum()) / len(chosen) - errors[chosen].max() / 2
            others = reach.copy()
            others[chosen] = -np.inf
            if others.max() < clear:
                return np.array(chosen)
            if len(chosen) >= self.most:
                return None
            chosen.append(int(others.argmax()))

    def groups(self, rows):
        """``(rows, features (k, t))`` per number of features ``t`` among ``rows``."""
        for t in np.unique(self.count[rows]):
            these = rows[self.count[rows] == t]
            yield these, self.features[these, :t]

    def update(self, rows, samples, done, values, errors, rounding) -> np.ndarray:
        """Adds the samples ``(k, rounds, b, t)`` of ``rows``' chosen features after ``done``
        rounds in all, sets their refined values and errors in ``values`` and ``errors``, and
        says whether each row's top feature is told apart."""
        k, r, b, t = samples.shape
        self.later[rows] += r
        self.sums[rows, :t] += samples.sum(axis=1).transpose(0, 2, 1)
        self.later_sums[rows, :, :t] += samples.sum(axis=1)
        self.products[rows, :, :t, :t] += np.einsum("krbi,krbj->kbij", samples, samples)
        told = np.zeros(k, dtype=bool)
        ready = self.later[rows] >= 2  # before, no spread yet: the rounds' values stand
        if np.any(ready):
            told[ready] = self._refine(rows[ready], t, done, values, errors, rounding[ready])
        return told

    def _refine(self, rows, t, done, values, errors, rounding) -> np.ndarray:
        k, b, later = len(rows), self.b, self.later[rows]
        # Pooled within-background-row covariance of the chosen features, (k, t, t).
        sums = self.later_sums[rows, :, :t]
        within = self.products[rows, :, :t, :t]
        within -= np.einsum("kbi,kbj->kbij", sums, sums) / later[:, None, None, None]
        degrees = b * (later - 1)
        covariance = within.sum(axis=1) / degrees[:, None, None]
        means = self.sums[rows, :t].sum(axis=2) / (done * b)  # (k, t): all orderings
        refined = self.total[rows][:, None] / t + means - means.mean(axis=1, keepdims=True)
        # Weights of each rounds' sample (first) and each later one on every refined value.
        first = self.rounds[rows] * b
        spread = (np.eye(t) - 1 / t)[None] / (done * b)  # (1, t, t)
        on_first = 1 / (t * first)[:, None, None] + spread  # (k, t, t)
        on_later = np.broadcast_to(spread, (k, t, t))
        later_samples = (done * b - first)[:, None]

        def variance(on_first, on_later):  # of the combinations with these weights
            on_first_part = np.einsum("k...i,kij,k...j->k...", on_first, covariance, on_first)
            on_later_part = np.einsum("k...i,kij,k...j->k...", on_later, covariance, on_later)
            return np.maximum(
                first.reshape(-1, *[1] * (on_first.ndim - 2)) * on_first_part
                + later_samples.reshape(-1, *[1] * (on_first.ndim - 2)) * on_later_part,
                0.0,
            )

        weight = first[:, None] * np.abs(on_first).sum(axis=2)
        weight += later_samples * np.abs(on_later).sum(axis=2)
        half_width = (
            self.quantile(degrees)[:, None] * np.sqrt(variance(on_first, on_later))
            + rounding[:, None] * weight
        )
        features = self.features[rows, :t]
        values[rows[:, None], features, 0] = refined
        errors[rows[:, None], features, 0] = half_width

        size = np.abs(refined)
        order = np.argsort(-size, axis=1, kind="stable")
        lead, next_ = order[:, :1], order[:, 1:2]
        index = np.arange(k)
        gap = (np.take_along_axis(size, lead, 1) - np.take_along_axis(size, next_, 1))[:, 0]
        # The gap is |lead| - |next|: a combination of the samples with these weights. Of one
        # sign, s cancels and it is the difference of their means over all orderings.
        signs = np.sign(refined)[:, :, None]
        on_gap = [
            (np.take_along_axis(signs * on, lead[:, :, None], 1)
             - np.take_along_axis(signs * on, next_[:, :, None], 1))[:, 0]
            for on in (on_first, on_later)
        ]  # fmt: skip
        paired = gap > self.top_quantile(degrees) * np.sqrt(variance(*on_gap))
        both = np.take_along_axis(half_width, lead, 1) + np.take_along_axis(half_width, next_, 1)
        strict = gap > both[:, 0]
        # Clear of every other feature, the gap larger than both half-widths.
        reach = np.abs(values[rows, :, 0]) + errors[rows, :, 0]
        reach[index[:, None], features] = -np.inf
        clear = np.take_along_axis(size - half_width, lead, 1)[:, 0]
        return (paired | strict) & (clear > reach.max(axis=1))


def _some_samples(coalitions, active, outputs, background_outputs, orderings, features):
    """Marginal contributions of each row's features ``features`` ``(n, t)`` along each
    ordering, ``(n, rounds, b, t, C)``: two coalitions per ordering, row and feature (the
    features before it, with and without it), ordering ``i`` mixing the row with background
    row ``i % b``."""
    n, c = outputs.shape
    b = len(background_outputs)
    p, m = orderings.shape
    t = features.shape[1]
    rank = np.argsort(orderings, axis=1)
    position = rank[:, features].transpose(1, 0, 2)  # (n, p, t): where each comes
    # (n, p, 2t): the coalitions' sizes (first features of the ordering), before and with
    sizes = np.stack([position, position + 1], axis=3).reshape(n, p, 2 * t)
    chain = coalitions.pick(active, orderings, rank, sizes)  # (n, p, 2t, C)
    # The empty coalition is the background row and the full one the row: known already.
    ends = np.broadcast_to(background_outputs[np.arange(p) % b][None, :, None, :], chain.shape)
    chain = np.where((sizes == 0)[..., None], ends, chain)
    chain = np.where((sizes == m)[..., None], outputs[:, None, None, :], chain)
    contributions = chain[:, :, 1::2] - chain[:, :, 0::2]  # (n, p, t, C)
    return contributions.reshape(n, p // b, b, t, c)


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
            predicted = _as_outputs(predict(hybrid.reshape(-1, m)), hybrid.size // m)
            out.append(predicted.reshape(len(x), p, k, -1))
        return np.concatenate(out)

    coalitions.pick = pick
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
