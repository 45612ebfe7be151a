"""Honest uncertainty for a bake-off: bootstrap intervals and paired differences.

A demo set of 2,000 rows with 68 failures cannot tell a PR AUC of 0.82 from one of 0.81, and
the business should hear that before it pays for the difference. Everything here is seeded,
so the same workspace always shows the same intervals.

The bootstrap is a stratified percentile bootstrap: each resample draws, with replacement,
as many rows of each class as the demo set has, so a resample of a 3.4%-positive set always
holds its 68 positives and ranking metrics stay defined. A resample is represented by how
often it draws each row (a weight per row), so one matrix product scores a thousand
resamples at once, and the ranking metrics sort the scores once instead of once per resample.
Percentile rather than BCa intervals: BCa's jackknife costs one more evaluation per row, and
a percentile interval is the one a business audience can be told in a sentence.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Iterator, Mapping

import numpy as np
import pandas as pd

from model.labels import label_strings
from model.metrics import REGRESSION
from model.paired_tests import mcnemar, predicted_labels, verdict_words
from model.resampled_metrics import Evaluator, MetricFunction

__all__ = [
    "BOOTSTRAP_METHOD",
    "Replicates",
    "bootstrap_ci",
    "compare_to_mvp",
    "paired_bootstrap_difference",
    "replicate_values",
    "resample_weights",
]

BOOTSTRAP_METHOD = "stratified percentile bootstrap"
# Bootstrap weight matrices are built in chunks of at most this many cells (~16 MB each), and
# kept for reuse (every prototype and metric of a bake-off is scored on the same resamples)
# when they fit in this many cells in all.
_CHUNK_CELLS = 2_000_000
_CACHED_CELLS = 4_000_000


# -- resampling ---------------------------------------------------------------------------------
def resample_weights(
    n: int, strata: np.ndarray | None, n_resamples: int, seed: int
) -> Iterable[np.ndarray]:
    """Bootstrap resamples as read-only weight matrices (how often each row is drawn).

    Chunks of ``(resamples, n)``. With ``strata`` (a label per row), each resample draws as
    many rows of each stratum as there are, with replacement, from that stratum only. The same
    arguments give the same resamples.
    """
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    codes = None
    if strata is not None:
        _, codes = np.unique(np.asarray(strata).astype(str), return_inverse=True)
    if n * n_resamples <= _CACHED_CELLS:
        key = None if codes is None else codes.astype(np.int64).tobytes()
        return _cached_weights(n, key, n_resamples, seed)
    return _weights(n, codes, n_resamples, seed)


@functools.lru_cache(maxsize=4)
def _cached_weights(
    n: int, codes: bytes | None, n_resamples: int, seed: int
) -> tuple[np.ndarray, ...]:
    strata = None if codes is None else np.frombuffer(codes, dtype=np.int64)
    chunks = tuple(_weights(n, strata, n_resamples, seed))
    for chunk in chunks:
        chunk.flags.writeable = False
    return chunks


def _weights(n: int, codes: np.ndarray | None, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    rng = np.random.default_rng(seed)
    if codes is None:
        groups = [np.arange(n)]
    else:
        groups = [np.flatnonzero(codes == k) for k in np.unique(codes)]
    per_chunk = max(1, min(n_resamples, _CHUNK_CELLS // max(n, 1)))
    groups = [group for group in groups if len(group)]
    for start in range(0, n_resamples, per_chunk):
        size = min(per_chunk, n_resamples - start)
        offsets = (np.arange(size) * n)[:, None]
        # Each resample's drawn rows, numbered within the chunk (row + resample × n), written
        # in place into one buffer: the draws are the same, with fewer temporary arrays.
        flat = np.empty(size * sum(len(group) for group in groups), dtype=np.int64)
        filled = 0
        for group in groups:
            drawn = flat[filled : filled + size * len(group)].reshape(size, len(group))
            np.take(group, rng.integers(0, len(group), (size, len(group))), out=drawn)
            drawn += offsets
            filled += drawn.size
        yield np.bincount(flat, minlength=size * n).reshape(size, n).astype(float)


def _strata(metric_fn, y: np.ndarray, stratify) -> np.ndarray | None:
    if stratify is True:
        regression = getattr(metric_fn, "task", None) == REGRESSION
        return None if regression else y
    if stratify is False or stratify is None:
        return None
    strata = np.asarray(stratify)
    if len(strata) != len(y):
        raise ValueError(f"stratify has {len(strata)} values for {len(y)} rows")
    return strata


def _evaluator(metric_fn, y, predicted) -> tuple[Evaluator, float, np.ndarray]:
    """An evaluator of resample weights, the point estimate, and y_true as an array."""
    if isinstance(metric_fn, MetricFunction):
        y_array, p_array = metric_fn.arrays(y, predicted)
        evaluate = metric_fn._evaluator(y_array, p_array)
        return evaluate, float(evaluate(np.ones((1, len(y_array))))[0]), y_array
    # Any other callable(y_true, predicted) works too, one resample at a time (slower).
    y_array, p_array = np.asarray(y), np.asarray(predicted)
    rows = np.arange(len(y_array))

    def evaluate(w: np.ndarray) -> np.ndarray:
        values = []
        for counts in w.astype(int):
            index = np.repeat(rows, counts)
            values.append(float(metric_fn(y_array[index], p_array[index])))
        return np.asarray(values)

    return evaluate, float(metric_fn(y_array, p_array)), y_array


def _interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    finite = values[~np.isnan(values)]
    if not len(finite):
        return math.nan, math.nan
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def _check_confidence(confidence: float) -> None:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, e.g. 0.95; got {confidence}")


class Replicates:
    """A metric on all rows and on each bootstrap resample, for several predictions of the
    same rows (the prototypes of a bake-off).

    Each resample is drawn once and every prediction is scored on it, so the intervals of
    ``k`` prototypes and all their paired differences cost ``k`` evaluations of the resamples
    instead of one or two per interval and per comparison. The figures are exactly those
    :func:`bootstrap_ci`, :func:`paired_bootstrap_difference` and :func:`compare_to_mvp` give
    (they are built on this class).

    ``predictions`` maps a name to what ``metric_fn`` scores (an array or a predictions
    frame); ``estimates`` and ``values`` (the ``n_resamples`` replicates) are keyed the same.
    ``known`` maps names to replicates computed before (by :func:`replicate_values`, when a
    prototype was published) with the same metric, rows, truth, ``n_resamples``, ``seed`` and
    ``stratify``: those are used as they are, and with every name known no resample is drawn.
    """

    def __init__(
        self,
        y_true,
        predictions: Mapping[str, object],
        metric_fn: MetricFunction | Callable,
        n_resamples: int = 1000,
        seed: int = 0,
        stratify=True,
        known: Mapping[str, np.ndarray] | None = None,
    ):
        if not predictions:
            raise ValueError("no predictions to score: pass at least one")
        self.metric_fn = metric_fn
        self.predictions = dict(predictions)
        self.estimates: dict[str, float] = {}
        evaluators: dict[str, Evaluator] = {}
        first = None
        for name, predicted in self.predictions.items():
            evaluate, estimate, y = _evaluator(metric_fn, y_true, predicted)
            if first is None:
                first, self.y = name, y
            elif len(y) != len(self.y) or not np.array_equal(
                _truth_values(y), _truth_values(self.y)
            ):
                raise ValueError(
                    f"{first} and {name} must be scored on the same rows with the same truth"
                )
            evaluators[name], self.estimates[name] = evaluate, estimate
        known = dict(known or {})
        for name, values in known.items():
            if name not in evaluators or np.shape(values) != (n_resamples,):
                raise ValueError(f"known replicates of {name!r} must be {n_resamples} values")
        missing = {name: evaluate for name, evaluate in evaluators.items() if name not in known}
        parts: dict[str, list[np.ndarray]] = {name: [] for name in missing}
        if missing:
            strata = _strata(metric_fn, self.y, stratify)
            for w in resample_weights(len(self.y), strata, n_resamples, seed):
                for name, evaluate in missing.items():
                    parts[name].append(evaluate(w))
        computed = {name: np.concatenate(chunks) for name, chunks in parts.items()}
        self.values = {
            name: np.asarray(known[name], dtype=float) if name in known else computed[name]
            for name in evaluators
        }

    def interval(self, name: str, confidence: float = 0.95) -> tuple[float, float, float]:
        """``(estimate, low, high)`` of ``name``, as :func:`bootstrap_ci`."""
        _check_confidence(confidence)
        estimate = self.estimates[name]
        if math.isnan(estimate):
            return math.nan, math.nan, math.nan
        low, high = _interval(self.values[name], confidence)
        return estimate, low, high

    def difference(self, a: str, b: str, confidence: float = 0.95) -> tuple[float, float, float]:
        """``(difference, low, high)`` of metric(a) − metric(b) on the same resamples, as
        :func:`paired_bootstrap_difference`."""
        _check_confidence(confidence)
        difference = self.estimates[a] - self.estimates[b]
        if math.isnan(difference):
            return math.nan, math.nan, math.nan
        low, high = _interval(self.values[a] - self.values[b], confidence)
        return difference, low, high

    def compare(
        self, candidate: str, mvp: str, confidence: float = 0.95, rows_word: str = "demo rows"
    ) -> dict:
        """:func:`compare_to_mvp` of ``candidate`` against ``mvp`` (``metric_fn`` must be a
        :class:`MetricFunction`)."""
        metric_fn = self.metric_fn
        difference, low, high = self.difference(candidate, mvp, confidence)
        info = metric_fn.info
        verdict = verdict_words(low, high, info.higher_is_better, len(self.y), rows_word)
        result = {
            "metric": metric_fn.key,
            "label": info.label,
            "estimate": self.estimates[candidate],
            "mvp_estimate": self.estimates[mvp],
            "difference": difference,
            "difference_low": low,
            "difference_high": high,
            "confidence": confidence,
            "n_rows": len(self.y),
            "significant": verdict in ("better", "worse"),
            "verdict": verdict,
            "mcnemar_statistic": None,
            "mcnemar_p": None,
            "b01": None,
            "b10": None,
        }
        labels = [predicted_labels(metric_fn, self.predictions[n]) for n in (candidate, mvp)]
        if metric_fn.task != REGRESSION and labels[0] is not None and labels[1] is not None:
            truth = label_strings(self.y)
            statistic, p_value, b01, b10 = mcnemar(labels[0] == truth, labels[1] == truth)
            result.update(mcnemar_statistic=statistic, mcnemar_p=p_value, b01=b01, b10=b10)
        return result


def replicate_values(
    predictions: pd.DataFrame, metric_fn: MetricFunction, n_resamples: int, seed: int
) -> np.ndarray:
    """One prototype's metric on each bootstrap resample of its predictions frame (truth: its
    ``actual`` column), stratified by class as :class:`Replicates` does.

    The resamples depend only on the rows' count and truth, ``n_resamples`` and ``seed``, so
    these values pair with any other prototype's on the same rows: publishing stores them and
    the bake-off passes them to :class:`Replicates` as ``known``.
    """
    return Replicates(None, {"scored": predictions}, metric_fn, n_resamples, seed).values["scored"]


def bootstrap_ci(
    y_true,
    scores_or_labels,
    metric_fn: MetricFunction | Callable,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    stratify=True,
) -> tuple[float, float, float]:
    """``(estimate, low, high)``: the metric on all rows and its bootstrap interval.

    A seeded stratified percentile bootstrap. ``stratify=True`` resamples within each class
    of ``y_true`` (not for regression); pass ``False`` for plain resampling or an array of
    group labels to stratify on those. ``metric_fn`` is a :class:`MetricFunction` (fast,
    vectorised) or any ``callable(y_true, predicted) -> float`` (one resample at a time).
    NaN throughout where the metric is undefined on these rows.
    """
    _check_confidence(confidence)
    replicates = Replicates(
        y_true, {"scores": scores_or_labels}, metric_fn, n_resamples, seed, stratify
    )
    return replicates.interval("scores", confidence)


def paired_bootstrap_difference(
    y_true,
    a,
    b,
    metric_fn: MetricFunction | Callable,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    stratify=True,
) -> tuple[float, float, float]:
    """``(difference, low, high)`` of metric(a) − metric(b), both scored on the same resamples.

    Pairing removes the noise both models share (the same hard rows), so the interval of the
    difference is far narrower than two separate intervals suggest.
    """
    _check_confidence(confidence)
    replicates = Replicates(y_true, {"a": a, "b": b}, metric_fn, n_resamples, seed, stratify)
    return replicates.difference("a", "b", confidence)


def _truth_values(values: np.ndarray) -> np.ndarray:
    """Truth values in a comparable form: numbers as floats, anything else as label strings."""
    array = np.asarray(values)
    return array.astype(float) if array.dtype.kind in "biuf" else label_strings(array)


def compare_to_mvp(
    y_true,
    candidate,
    mvp,
    metric_fn: MetricFunction,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    stratify=True,
    rows_word: str = "demo rows",
) -> dict:
    """Compare a candidate with the MVP on the same rows, and say which is better, in words.

    ``candidate`` and ``mvp`` are predictions frames (``actual`` gives the truth if
    ``y_true`` is None) or arrays of what ``metric_fn`` needs. The verdict follows the paired
    bootstrap interval of candidate − MVP: "better" or "worse" (direction-aware) when it
    excludes 0, else "no detectable difference with N demo rows". For classification with
    predicted labels available, McNemar's test on correctness is added.

    Returns ``metric``, ``label``, ``estimate``, ``mvp_estimate``, ``difference``,
    ``difference_low``, ``difference_high``, ``confidence``, ``n_rows``, ``significant``,
    ``verdict`` and ``mcnemar_statistic``, ``mcnemar_p``, ``b01``, ``b10`` (None without labels).
    """
    if y_true is None and isinstance(mvp, pd.DataFrame):
        y_true = mvp["actual"]
    _check_confidence(confidence)
    replicates = Replicates(
        y_true, {"candidate": candidate, "MVP": mvp}, metric_fn, n_resamples, seed, stratify
    )
    return replicates.compare("candidate", "MVP", confidence, rows_word)
