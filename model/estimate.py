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
  background rows for those features alone (``TopRefinement``): their sum stays the full
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
of the top feature (``TopPairs``), 0.08 s after, with the same largest error and top-feature
agreement against a 25,600-ordering reference (94%; the 6 rows that differ are ties neither
estimate tells apart: their top two are within 0.002 of each other). Refining the top few
features alone (``TopRefinement``), on 400 rows of the bench's 5,000-row deck: 42.2 s of CPU
before, 28.6 s after on two threads (36.6 s and 25.1 s on one), 7,106 and 7,088 orderings a
row (2,918 of them of a few features only), 73.8% of rows told apart either way, and the same
largest error (0.0066) and top-feature agreement (37 of the first 40 rows, 19 of the bench's
20) against a reference with another seed, a 2.5 times tighter target and 4 times the budget.

How coalitions are valued (by ``predict`` or from a first layer) is in
``model.estimate_coalitions``; telling the top feature apart in ``model.estimate_top``.

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
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from model.config import ADDITIVITY_TOLERANCE
from model.estimate_coalitions import (
    FirstLayer,
    as_outputs,
    by_layer,
    by_predict,
    checked_layer,
    first_layer,
    linear_layer,
)
from model.estimate_top import TopPairs, TopRefinement
from model.metrics import REGRESSION

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
CHECKPOINTS += (304, 362, 430, 512, 609, 724, 861, 1024)
DEFAULT_MAX_PERMUTATIONS = 256 * 50
#: Where coalitions come from the model's first layer (a sum and a small head, no pass
#: through the model), a row's orderings cost little: the budget is four times the default.
#: The extra orderings go to rows not yet within the target; telling a row's top feature
#: apart from the next stops at the default budget, as without a layer (near-ties would
#: otherwise take most of the time: the bench's MLP deck 107 s → 163 s).
LAYER_MAX_PERMUTATIONS = 4 * DEFAULT_MAX_PERMUTATIONS
#: Model evaluations a chunk of rows is explained with per round: the chunks run in parallel.
CHUNK_EVALUATIONS = 100_000


@dataclass(frozen=True)
class Estimate:
    """Estimated Shapley values of ``n`` rows, ``M`` features and ``C`` outputs.

    ``base_values[c] + values[r, :, c].sum() == outputs[r, c]`` on every row (checked).
    ``errors[r, m, c]`` is the half-width of ``values[r, m, c]``: with 95% confidence all of
    row ``r``'s contributions are within their half-widths at once. ``stated_error`` is the
    largest half-width. ``permutations[r]`` orderings were sampled for row ``r``;
    ``converged[r]`` says whether all of its half-widths are within ``target_error``, and
    ``top_resolved[r]`` whether its largest contribution (in absolute value) is told apart
    from the next on every output (see ``TopPairs``).
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
    #: ``TopRefinement``).
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


def estimate_shapley(
    predict: Callable[[np.ndarray], np.ndarray],
    rows: np.ndarray,
    background: np.ndarray,
    *,
    seed: int,
    target_error: float,
    max_permutations: int | None = None,
    layer: FirstLayer | None = None,
    resolve_top: bool = True,
    n_jobs: int | None = None,
    progress: Callable[[float], None] | None = None,
) -> Estimate:
    """Interventional Shapley values of ``predict`` at ``rows``, estimated to ``target_error``.

    ``predict`` maps a ``(k, M)`` array to ``(k, C)`` (or ``(k,)``) outputs; ``background`` is
    the ``(B, M)`` independent background sample. Rounds of ``B`` orderings, one per background
    row, drawn from ``seed``, are sampled until every contribution of a row has a half-width
    (95%, all of the row's at once) of at most ``target_error`` and, with ``resolve_top``, its
    top feature is told apart from the next, or the row has had ``max_permutations`` orderings
    (rounded up to whole rounds; its ``converged`` is then False if its ``errors`` did not
    reach the target); by default ``DEFAULT_MAX_PERMUTATIONS``, or ``LAYER_MAX_PERMUTATIONS``
    where ``layer`` is used. Rows are explained in chunks on ``n_jobs`` threads (default: every
    core), each round of a chunk in one ``predict`` call per ``MAX_EVALUATIONS_PER_CALL``
    evaluations.

    With ``layer`` (see ``first_layer``) the coalitions are evaluated from each feature's share
    of the model's first linear layer instead of by ``predict``: the same values, many times
    faster. It is used only where it reproduces ``predict`` (within ``LAYER_TOLERANCE``) on the
    background, on the rows and on mixtures of the two; elsewhere ``predict`` is called.
    ``progress``, if given, is called with the share of the rows done after each chunk.

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
    background_outputs = as_outputs(predict(background), len(background))
    base = background_outputs.mean(axis=0)
    c = base.shape[0]
    outputs = as_outputs(predict(rows), n) if n else np.zeros((0, c))
    layer = checked_layer(layer, predict, rows, background, background_outputs, seed)
    top_permutations = max_permutations
    if max_permutations is None:
        max_permutations = DEFAULT_MAX_PERMUTATIONS if layer is None else LAYER_MAX_PERMUTATIONS
        top_permutations = DEFAULT_MAX_PERMUTATIONS  # the larger budget is for the target
    rounds = _Rounds(m, len(background), seed, max_permutations, top_permutations)
    chunk = max(1, CHUNK_EVALUATIONS // max(1, rounds.evaluations_per_round))
    values = np.zeros((n, m, c))
    errors = np.zeros((n, m, c))
    permutations = np.zeros(n, dtype=int)
    refined_permutations = np.zeros(n, dtype=int)
    resolved = np.ones(n, dtype=bool)
    done, done_lock = [0], threading.Lock()

    def explain_chunk(start: int) -> None:
        part = slice(start, start + chunk)
        coalitions = by_predict(predict, rows[part], background)
        if layer is not None:
            coalitions = by_layer(layer, rows[part], outputs[part], background) or coalitions
        (
            values[part],
            errors[part],
            permutations[part],
            refined_permutations[part],
            resolved[part],
        ) = _estimate_chunk(
            coalitions, outputs[part], background_outputs, rounds, target_error, resolve_top
        )
        if progress is not None:
            with done_lock:
                done[0] += len(values[part])
                share = done[0] / n
            progress(share)

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
    ``CHECKPOINTS`` (about 1.4 times the one before), up to ``max_permutations`` orderings;
    a row within the target goes on to tell its top feature apart up to ``top_permutations``
    (default: all of them).
    """

    def __init__(
        self, m: int, b: int, seed: int, max_permutations: int, top_permutations: int | None = None
    ):
        self.m, self.b, self.seed = m, b, seed
        self.max_rounds = max(MIN_ROUNDS, -(-max_permutations // b))
        top = max_permutations if top_permutations is None else top_permutations
        self.top_rounds = min(self.max_rounds, max(MIN_ROUNDS, -(-top // b)))
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
    ``TopRefinement`` can take it (one output); other rows go on with full rounds."""
    n, m = len(outputs), rounds.m
    b, c = background_outputs.shape
    # Per row, feature, output and background row: the sum and sum of squares of the samples.
    total = np.zeros((n, b, m, c))
    squares = np.zeros((n, b, m, c))
    values = np.zeros((n, m, c))
    errors = np.zeros((n, m, c))
    used = np.zeros(n, dtype=int)
    refined_used = np.zeros(n, dtype=int)
    top = TopPairs(n, b, c)
    rounding = getattr(coalitions, "rounding", lambda active: np.zeros(len(active)))
    resolved = np.ones(n, dtype=bool)
    active = np.arange(n) if m > 1 else np.arange(0)
    if m == 1:  # one feature gets everything
        values[:, 0, :] = outputs - background_outputs.mean(axis=0)
    refine = TopRefinement(n, m, b)
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
            telling = ~resolved[refining] & (checkpoint < rounds.top_rounds)
            refining = refining[(worst > target) | telling]
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
            telling = resolve_top and checkpoint < rounds.top_rounds
            unresolved = ~resolved[active] if telling else np.zeros(len(active), bool)
            keep = (worst > target) | unresolved
            if refinable and checkpoint < rounds.top_rounds:
                moving = (worst <= target) & unresolved
                starting = refine.can_start(active[moving], total, values, errors, checkpoint)
                moving[moving] = starting
                refining = np.concatenate([refining, active[moving]])
                keep &= ~moving
            active = active[keep]
        done = checkpoint
    return values, errors, used, refined_used, resolved


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
