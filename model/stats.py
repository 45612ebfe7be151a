"""Honest uncertainty for a bake-off: bootstrap intervals, paired differences, McNemar's test.

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
import re
from collections.abc import Callable, Iterable, Iterator, Mapping

import numpy as np
import pandas as pd

from model.labels import PROBABILITY_PREFIX, label_strings
from model.metrics import BINARY, METRICS, MULTICLASS, REGRESSION, MetricInfo

__all__ = [
    "BOOTSTRAP_METHOD",
    "MetricFunction",
    "Replicates",
    "available_metrics",
    "bootstrap_ci",
    "compare_to_mvp",
    "mcnemar",
    "metric_function",
    "metric_info",
    "paired_bootstrap_difference",
    "recall_at_precision",
    "replicate_values",
    "resample_weights",
    "verdict_words",
]

BOOTSTRAP_METHOD = "stratified percentile bootstrap"

#: Metrics :func:`metric_function` can compute, per task (plus ``recall@pNN`` for binary).
TASK_METRICS = {
    BINARY: (
        "pr_auc",
        "roc_auc",
        "f1",
        "precision",
        "recall",
        "accuracy",
        "balanced_accuracy",
        "brier",
        "log_loss",
    ),
    MULTICLASS: ("accuracy", "macro_f1", "balanced_accuracy"),
    REGRESSION: ("rmse", "mae", "r2"),
}
_SCORE_METRICS = {"pr_auc", "roc_auc", "brier", "log_loss"}
_RECALL_AT = re.compile(r"^recall@p(\d+(?:\.\d+)?)$")
# Bootstrap weight matrices are built in chunks of at most this many cells (~16 MB each), and
# kept for reuse (every prototype and metric of a bake-off is scored on the same resamples)
# when they fit in this many cells in all.
_CHUNK_CELLS = 2_000_000
_CACHED_CELLS = 4_000_000
# Above this many distinct positive scores the dense ranked evaluator is faster.
_MAX_THRESHOLD_COLUMNS = 256

Evaluator = Callable[[np.ndarray], np.ndarray]


def metric_info(key: str) -> MetricInfo:
    """Label and direction of ``key``, including ``recall@pNN`` keys."""
    if key in METRICS:
        return METRICS[key]
    match = _RECALL_AT.match(key)
    if match:
        return MetricInfo(key, f"Recall at ≥{match.group(1)}% precision", True)
    raise ValueError(f"unknown metric {key!r}; use one of {', '.join(METRICS)} or recall@p90")


def available_metrics(task: str) -> tuple[str, ...]:
    """The metric keys :func:`metric_function` accepts for ``task``."""
    if task not in TASK_METRICS:
        raise ValueError(f"unknown task {task!r}; use one of {', '.join(TASK_METRICS)}")
    return TASK_METRICS[task] + (("recall@p90",) if task == BINARY else ())


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray, empty: float) -> np.ndarray:
    numerator, denominator = np.broadcast_arrays(
        np.asarray(numerator, float), np.asarray(denominator, float)
    )
    out = np.full(numerator.shape, empty, dtype=float)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


class MetricFunction:
    """A metric by key, computed on all rows or on many bootstrap resamples at once.

    Call it like a scikit-learn metric, ``metric(y_true, predicted)``, where ``predicted`` is an
    array (positive-class scores for ranking metrics, labels for label metrics, values for
    regression) or a predictions frame (``Prototype.predictions()`` or a subset of its rows),
    from which the right column is taken; with a frame ``y_true`` may be ``None`` (its
    ``actual`` column is used). :meth:`prepare` does the per-model work once and returns a
    function of a resample-weight matrix, which is what makes the bootstrap fast.
    """

    def __init__(self, key: str, task: str, positive_class: str | None = None):
        if task not in TASK_METRICS:
            raise ValueError(f"unknown task {task!r}; use one of {', '.join(TASK_METRICS)}")
        match = _RECALL_AT.match(key)
        if key not in TASK_METRICS[task] and not (match and task == BINARY):
            raise ValueError(
                f"metric {key!r} is not available for a {task} task; "
                f"use one of {', '.join(available_metrics(task))}"
            )
        self.key = key
        self.task = task
        self.positive_class = None if positive_class is None else str(positive_class)
        self.info = metric_info(key)
        self.min_precision = float(match.group(1)) / 100 if match else None
        if self.min_precision is not None and not 0 < self.min_precision <= 1:
            raise ValueError(f"{key}: the precision must be between 0 and 100%")
        if task == REGRESSION:
            self.input = "value"
        elif key in _SCORE_METRICS or self.min_precision is not None:
            self.input = "score"
        else:
            self.input = "label"

    def __repr__(self) -> str:
        return f"MetricFunction({self.key!r}, {self.task!r}, {self.positive_class!r})"

    # -- inputs ---------------------------------------------------------------------------------
    def arrays(self, y_true, predicted) -> tuple[np.ndarray, np.ndarray]:
        """``(y_true, predicted)`` as arrays, taking the right columns from a predictions frame."""
        if isinstance(predicted, pd.DataFrame):
            frame = predicted
            if y_true is None:
                if "actual" not in frame.columns:
                    raise ValueError("the predictions have no 'actual' column: pass y_true")
                y_true = frame["actual"]
            if self.input == "score":
                if self.positive_class is None:
                    raise ValueError(f"{self.key} needs positive_class to find the score column")
                column = PROBABILITY_PREFIX + self.positive_class
                if column not in frame.columns:
                    raise ValueError(f"the predictions have no {column!r} column")
                predicted = frame[column]
            else:
                predicted = frame["predicted"]
        y = np.asarray(y_true)
        p = np.asarray(predicted)
        if y.ndim != 1 or p.ndim != 1 or len(y) != len(p):
            raise ValueError(
                f"y_true and predicted must be 1-D and of equal length, got {y.shape} and {p.shape}"
            )
        return y, p

    def _is_positive(self, labels: np.ndarray) -> np.ndarray:
        if self.positive_class is not None:
            return label_strings(labels) == self.positive_class
        if labels.dtype.kind in "biuf":
            return labels.astype(bool)
        raise ValueError(f"{self.key}: pass positive_class to say which label is positive")

    # -- evaluation -----------------------------------------------------------------------------
    def prepare(self, y_true, predicted=None) -> Evaluator:
        """A function of resample weights ``(B, n)`` returning the metric of each resample."""
        return self._evaluator(*self.arrays(*_split_frame(y_true, predicted)))

    def _evaluator(self, y: np.ndarray, p: np.ndarray) -> Evaluator:
        if self.task == REGRESSION:
            return _regression_evaluator(self.key, y.astype(float), p.astype(float))
        if self.input == "score":
            scores = p.astype(float)
            if not np.isfinite(scores).all():
                raise ValueError(f"{self.key}: the scores must be finite numbers")
            return _score_evaluator(self.key, self._is_positive(y), scores, self.min_precision)
        if self.task == BINARY:
            return _binary_label_evaluator(self.key, self._is_positive(y), self._is_positive(p))
        return _multiclass_evaluator(self.key, label_strings(y), label_strings(p))

    def __call__(self, y_true, predicted=None) -> float:
        """The metric on all rows (NaN where it is undefined, e.g. ROC AUC with one class)."""
        y, p = self.arrays(*_split_frame(y_true, predicted))
        return float(self._evaluator(y, p)(np.ones((1, len(y))))[0])


def _split_frame(y_true, predicted):
    if predicted is None and isinstance(y_true, pd.DataFrame):
        return None, y_true
    return y_true, predicted


def _binary_label_evaluator(key: str, positive: np.ndarray, predicted: np.ndarray) -> Evaluator:
    true_positive = (positive & predicted).astype(float)
    positive, predicted = positive.astype(float), predicted.astype(float)
    correct = (positive == predicted).astype(float)

    def evaluate(w: np.ndarray) -> np.ndarray:
        if key == "accuracy":
            return _safe_divide(w @ correct, w.sum(axis=1), np.nan)
        tp, actual, flagged = w @ true_positive, w @ positive, w @ predicted
        if key == "precision":
            return _safe_divide(tp, flagged, 0.0)
        # Recall and F1 are undefined without positives (a one-class segment): NaN, not 0.
        if key == "recall":
            return _safe_divide(tp, actual, np.nan)
        if key == "f1":
            return np.where(actual > 0, _safe_divide(2 * tp, actual + flagged, 0.0), np.nan)
        # balanced accuracy: mean recall over the classes present in the resample
        negatives = w.sum(axis=1) - actual
        true_negative = w @ ((1 - positive) * (1 - predicted))
        recalls = np.column_stack(
            [_safe_divide(tp, actual, np.nan), _safe_divide(true_negative, negatives, np.nan)]
        )
        return _nanmean_rows(recalls)

    return evaluate


def _nanmean_rows(values: np.ndarray) -> np.ndarray:
    present = ~np.isnan(values)
    return _safe_divide(np.where(present, values, 0).sum(axis=1), present.sum(axis=1), np.nan)


def _score_evaluator(
    key: str, positive: np.ndarray, scores: np.ndarray, min_precision: float | None
) -> Evaluator:
    if key in ("brier", "log_loss"):
        target = positive.astype(float)
        if key == "brier":
            loss = (scores - target) ** 2
        else:
            clipped = np.clip(scores, 1e-15, 1 - 1e-15)
            loss = -(target * np.log(clipped) + (1 - target) * np.log(1 - clipped))
        return lambda w: _safe_divide(w @ loss, w.sum(axis=1), np.nan)

    positive_thresholds = np.unique(scores[positive])[::-1]
    if not len(positive_thresholds):
        return lambda w: np.full(len(w), np.nan)  # no positives: nothing to rank
    if len(positive_thresholds) <= _MAX_THRESHOLD_COLUMNS:
        return _few_positive_scores_evaluator(
            key, positive, scores, positive_thresholds, min_precision
        )
    return _ranked_evaluator(key, positive, scores, min_precision)


def _few_positive_scores_evaluator(
    key: str,
    positive: np.ndarray,
    scores: np.ndarray,
    thresholds: np.ndarray,
    min_precision: float | None,
) -> Evaluator:
    """Ranking metrics from weighted counts at the positives' distinct scores only.

    Recall only moves at thresholds equal to a positive's score, so the metrics need the
    weighted counts of positives and negatives at and above those thresholds only. Each row
    falls in one slot (positive at a threshold; negative at, or strictly between, thresholds),
    so one grouped sum per resample gives every count, and cumulative sums the "at and above".
    The weights are whole numbers, so every count is exact whatever the order of summation.
    """
    m = len(thresholds)
    # How many thresholds lie strictly above each row's score (thresholds are descending).
    above = m - np.searchsorted(thresholds[::-1], scores, side="right")
    at_threshold = np.zeros(len(scores), dtype=bool)
    inside = above < m
    at_threshold[inside] = thresholds[above[inside]] == scores[inside]
    # Slots: positives at threshold j (j < m; every positive is at one), then negatives at
    # threshold j, then negatives strictly above threshold j and below the one before it
    # (j = m: below every threshold).
    slots = np.where(positive, above, np.where(at_threshold, m + above, 2 * m + above))
    grouped = _GroupedSums(slots, 3 * m + 1)

    def evaluate(w: np.ndarray) -> np.ndarray:
        counts = grouped(w)
        wp, wn = counts[:, :m], counts[:, m : 2 * m]
        tp = np.cumsum(wp, axis=1)
        fp = np.cumsum(wn + counts[:, 2 * m : 3 * m], axis=1)
        positives = wp.sum(axis=1)
        negatives = counts[:, m:].sum(axis=1)
        if key == "roc_auc":
            above = wp * (negatives[:, None] - fp + 0.5 * wn)
            return _safe_divide(above.sum(axis=1), positives * negatives, np.nan)
        precision = _safe_divide(tp, tp + fp, 1.0)
        if key == "pr_auc":
            # scikit-learn's average precision: sum over thresholds of Δrecall × precision
            return _safe_divide((wp * precision).sum(axis=1), positives, np.nan)
        return _best_recall(tp, precision, positives, min_precision)

    return evaluate


class _GroupedSums:
    """``w @ one_hot(groups)`` for resample weights ``w``: each resample's total weight per
    group, by one ``np.bincount`` per resample instead of a dense product (or a gather of
    ``w``'s columns, which is slower still)."""

    def __init__(self, groups: np.ndarray, n_groups: int):
        self.groups = np.asarray(groups, dtype=np.intp)
        self.n_groups = n_groups

    def __call__(self, w: np.ndarray) -> np.ndarray:
        out = np.empty((len(w), self.n_groups))
        for resample, weights in enumerate(w):
            out[resample] = np.bincount(self.groups, weights=weights, minlength=self.n_groups)
        return out


def _best_recall(
    tp: np.ndarray, precision: np.ndarray, positives: np.ndarray, min_precision: float
) -> np.ndarray:
    recall = _safe_divide(tp, positives[:, None], 0.0)
    reached = precision >= min_precision - 1e-12
    best = np.where(reached, recall, 0.0).max(axis=1)
    return np.where(positives > 0, best, np.nan)


def _ranked_evaluator(
    key: str, positive: np.ndarray, scores: np.ndarray, min_precision: float | None
) -> Evaluator:
    """Ranking metrics by cumulative sums over the distinct scores in descending order."""
    # Group tied scores once, so that each resample only sums its weights per group (and
    # class) instead of sorting its own copy.
    distinct, group = np.unique(-scores, return_inverse=True)
    n_groups = len(distinct)
    grouped = _GroupedSums(np.where(positive, n_groups + group, group), 2 * n_groups)

    def evaluate(w: np.ndarray) -> np.ndarray:
        counts = grouped(w)
        wn, wp = counts[:, :n_groups], counts[:, n_groups:]
        tp, fp = np.cumsum(wp, axis=1), np.cumsum(wn, axis=1)
        positives, negatives = tp[:, -1], fp[:, -1]
        if key == "roc_auc":
            above = wp * (negatives[:, None] - fp + 0.5 * wn)
            return _safe_divide(above.sum(axis=1), positives * negatives, np.nan)
        precision = _safe_divide(tp, tp + fp, 1.0)
        if key == "pr_auc":
            return _safe_divide((wp * precision).sum(axis=1), positives, np.nan)
        return _best_recall(tp, precision, positives, min_precision)

    return evaluate


def _multiclass_evaluator(key: str, y: np.ndarray, p: np.ndarray) -> Evaluator:
    classes = np.union1d(np.unique(y), np.unique(p))
    truth = (y[:, None] == classes[None, :]).astype(float)
    guess = (p[:, None] == classes[None, :]).astype(float)
    hit = truth * guess
    correct = (y == p).astype(float)

    def evaluate(w: np.ndarray) -> np.ndarray:
        if key == "accuracy":
            return _safe_divide(w @ correct, w.sum(axis=1), np.nan)
        tp, actual, flagged = w @ hit, w @ truth, w @ guess
        if key == "balanced_accuracy":
            return _nanmean_rows(_safe_divide(tp, actual, np.nan))
        # macro F1 over the labels present in the truth or the predictions, like scikit-learn
        f1 = _safe_divide(2 * tp, actual + flagged, 0.0)
        present = (actual + flagged) > 0
        return _safe_divide((f1 * present).sum(axis=1), present.sum(axis=1), np.nan)

    return evaluate


def _regression_evaluator(key: str, y: np.ndarray, p: np.ndarray) -> Evaluator:
    error = p - y
    centred = y - y.mean() if len(y) else y  # centring avoids cancellation in the R² total

    def evaluate(w: np.ndarray) -> np.ndarray:
        rows = w.sum(axis=1)
        if key == "mae":
            return _safe_divide(w @ np.abs(error), rows, np.nan)
        squared = w @ (error**2)
        if key == "rmse":
            return np.sqrt(_safe_divide(squared, rows, np.nan))
        mean = _safe_divide(w @ centred, rows, np.nan)
        total = w @ (centred**2) - rows * mean**2
        scale = np.maximum(w @ (centred**2), 1e-300)
        return np.where(total > 1e-12 * scale, 1 - _safe_divide(squared, total, np.nan), np.nan)

    return evaluate


def metric_function(key: str, task: str, positive_class: str | None = None) -> MetricFunction:
    """The metric ``key`` for ``task``; ``positive_class`` names the positive label (binary)."""
    return MetricFunction(key, task, positive_class)


def recall_at_precision(min_precision: float, positive_class: str | None = None) -> MetricFunction:
    """Highest recall reached at a threshold whose precision is at least ``min_precision``.

    Its key is ``recall@p90`` for 0.9. Zero if no threshold reaches that precision.
    """
    if not 0 < min_precision <= 1:
        raise ValueError("min_precision must be a fraction in (0, 1], e.g. 0.9")
    return MetricFunction(f"recall@p{min_precision * 100:g}", BINARY, positive_class)


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
        labels = [_predicted_labels(metric_fn, self.predictions[n]) for n in (candidate, mvp)]
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


# -- McNemar ------------------------------------------------------------------------------------
def mcnemar(correct_a, correct_b) -> tuple[float, float, int, int]:
    """McNemar's test of whether two classifiers are right on the same rows equally often.

    Returns ``(statistic, p_value, b01, b10)`` with ``b01`` the rows only ``b`` gets right and
    ``b10`` the rows only ``a`` gets right. Below 25 discordant rows the exact binomial test
    is used (statistic: the smaller count), otherwise the chi-square test with continuity
    correction (statistic: chi-square with one degree of freedom).
    """
    a = np.asarray(correct_a, dtype=bool)
    b = np.asarray(correct_b, dtype=bool)
    if a.shape != b.shape or a.ndim != 1:
        raise ValueError("correct_a and correct_b must be 1-D and of equal length")
    b01 = int(np.sum(~a & b))
    b10 = int(np.sum(a & ~b))
    discordant = b01 + b10
    if discordant == 0:
        return 0.0, 1.0, b01, b10
    if discordant < 25:
        smaller = min(b01, b10)
        return float(smaller), _exact_binomial_p(smaller, discordant), b01, b10
    statistic = max(abs(b01 - b10) - 1, 0) ** 2 / discordant
    # The chi-square survival function with one degree of freedom, in closed form.
    return float(statistic), math.erfc(math.sqrt(statistic / 2)), b01, b10


def _exact_binomial_p(smaller: int, n: int) -> float:
    """Two-sided exact binomial test of ``smaller`` (≤ n/2) successes in ``n`` trials at
    p = 1/2: twice the lower tail, at most 1 (scipy's ``binomtest``, which the tests compare
    it with; scipy.stats takes 0.6 s to import on a page that otherwise needs none of it)."""
    lower_tail = sum(math.comb(n, k) for k in range(smaller + 1)) / 2**n
    return min(1.0, 2 * lower_tail)


# -- verdict ------------------------------------------------------------------------------------
def verdict_words(
    low: float, high: float, higher_is_better: bool, n_rows: int, rows_word: str = "demo rows"
) -> str:
    """ "better", "worse" or "no detectable difference with 2,000 demo rows" for an interval
    of (candidate − reference)."""
    if low > 0 or high < 0:  # False for NaN bounds
        return "better" if (low > 0) == higher_is_better else "worse"
    return f"no detectable difference with {n_rows:,} {rows_word}"


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


def _predicted_labels(metric_fn: MetricFunction, predicted) -> np.ndarray | None:
    if isinstance(predicted, pd.DataFrame) and "predicted" in predicted.columns:
        return label_strings(predicted["predicted"].to_numpy())
    if metric_fn.input == "label" and not isinstance(predicted, pd.DataFrame):
        return label_strings(np.asarray(predicted))
    return None
