"""Metrics computed on many bootstrap resamples at once: :class:`MetricFunction`.

A resample is represented by how often it draws each row (a weight per row, see
:mod:`model.bootstrap`), so one matrix product scores a thousand resamples at once, and the
ranking metrics sort the scores once instead of once per resample. The figures on all rows
equal scikit-learn's.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from model.labels import PROBABILITY_PREFIX, label_strings
from model.metrics import BINARY, METRICS, MULTICLASS, REGRESSION, MetricInfo

__all__ = [
    "Evaluator",
    "MetricFunction",
    "TASK_METRICS",
    "available_metrics",
    "metric_function",
    "metric_info",
    "recall_at_precision",
]

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
