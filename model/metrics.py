"""Metrics for each task, computed once at publish time.

Every metric has a direction (higher or lower is better) and a label for the pages, so that
comparisons ("0.9 points lower on PR AUC") never have to guess.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.labels import PROBABILITY_PREFIX, label_strings

BINARY, MULTICLASS, REGRESSION = "binary", "multiclass", "regression"
TASKS = (BINARY, MULTICLASS, REGRESSION)


@dataclass(frozen=True)
class MetricInfo:
    """How a metric is named on screen and which way is better."""

    key: str
    label: str
    higher_is_better: bool
    is_fraction: bool = True


METRICS: dict[str, MetricInfo] = {
    m.key: m
    for m in [
        MetricInfo("pr_auc", "PR AUC", True),
        MetricInfo("roc_auc", "ROC AUC", True),
        MetricInfo("f1", "F1", True),
        MetricInfo("precision", "Precision", True),
        MetricInfo("recall", "Recall", True),
        MetricInfo("accuracy", "Accuracy", True),
        MetricInfo("balanced_accuracy", "Balanced accuracy", True),
        MetricInfo("log_loss", "Log loss", False, is_fraction=False),
        MetricInfo("brier", "Brier score", False, is_fraction=False),
        MetricInfo("macro_f1", "Macro F1", True),
        MetricInfo("rmse", "RMSE", False, is_fraction=False),
        MetricInfo("mae", "MAE", False, is_fraction=False),
        MetricInfo("r2", "R²", True, is_fraction=False),
    ]
}

#: Regression metrics in the target's units ("61.1 min"); the others are shares or scores.
ERROR_METRICS = ("rmse", "mae")

#: The metric a task is judged on by default. PR AUC for binary tasks because the positive
#: class is usually the rare one (machine failure: 3.4%), where accuracy flatters a model that
#: never predicts it.
HEADLINE_METRIC = {BINARY: "pr_auc", MULTICLASS: "macro_f1", REGRESSION: "rmse"}


def compute_metrics(
    task: str,
    y_true: np.ndarray,
    predicted: np.ndarray,
    probabilities: np.ndarray | None = None,
    classes: list[str] | None = None,
    positive: str | None = None,
) -> dict[str, float]:
    """Metrics for ``task`` from true and predicted labels (or values).

    For classification, ``y_true`` and ``predicted`` are label strings, ``probabilities`` has
    one column per entry of ``classes`` (in that order) and ``positive`` (default
    ``classes[1]``) is the positive class of a binary task. Metrics that are undefined on
    these rows (a ROC AUC with one class present) are left out rather than reported as a
    number.
    """
    # Imported here: scikit-learn takes about a second to import, and pages never score.
    from sklearn import metrics as skm

    if task == REGRESSION:
        y = np.asarray(y_true, dtype=float)
        p = np.asarray(predicted, dtype=float)
        out = {"rmse": float(np.sqrt(np.mean((y - p) ** 2))), "mae": float(np.mean(np.abs(y - p)))}
        if len(np.unique(y)) > 1:
            out["r2"] = float(skm.r2_score(y, p))
        return out

    y = np.asarray(y_true).astype(str)
    p = np.asarray(predicted).astype(str)
    out = {
        "accuracy": float(skm.accuracy_score(y, p)),
        "balanced_accuracy": float(skm.balanced_accuracy_score(y, p)),
    }
    present = set(y)
    if probabilities is not None and classes is not None:
        proba = np.clip(np.asarray(probabilities, dtype=float), 1e-15, 1.0)
        proba = proba / proba.sum(axis=1, keepdims=True)
        if present <= set(classes):
            out["log_loss"] = float(skm.log_loss(y, proba, labels=classes))
    if task == BINARY:
        if positive is None:
            positive = classes[1] if classes else sorted(present)[-1]
        y_bin = (y == positive).astype(int)
        p_bin = (p == positive).astype(int)
        out["precision"] = float(skm.precision_score(y_bin, p_bin, zero_division=0))
        out["recall"] = float(skm.recall_score(y_bin, p_bin, zero_division=0))
        out["f1"] = float(skm.f1_score(y_bin, p_bin, zero_division=0))
        if probabilities is not None and classes is not None:
            score = np.asarray(probabilities, dtype=float)[:, list(classes).index(positive)]
            out["brier"] = float(np.mean((score - y_bin) ** 2))
            if len(present) == 2:
                out["roc_auc"] = float(skm.roc_auc_score(y_bin, score))
                out["pr_auc"] = float(skm.average_precision_score(y_bin, score))
    else:
        out["macro_f1"] = float(skm.f1_score(y, p, average="macro", zero_division=0))
        if probabilities is not None and classes is not None and present == set(classes):
            out["roc_auc"] = float(
                skm.roc_auc_score(
                    y, np.asarray(probabilities, float), multi_class="ovr", labels=classes
                )
            )
    return out


def confusion(y_true: np.ndarray, predicted: np.ndarray, classes: list[str]) -> list[list[int]]:
    """Confusion matrix as nested lists: rows true, columns predicted, in ``classes`` order."""
    from sklearn import metrics as skm

    matrix = skm.confusion_matrix(
        np.asarray(y_true).astype(str), np.asarray(predicted).astype(str), labels=classes
    )
    return matrix.tolist()


def headline_metric(task: str, available: dict[str, float]) -> str | None:
    """The key of the metric to headline for ``task``, falling back to one that was computed."""
    preferred = HEADLINE_METRIC[task]
    if preferred in available:
        return preferred
    for key in ("roc_auc", "f1", "macro_f1", "accuracy", "rmse"):
        if key in available:
            return key
    return None


def format_metric(key: str, value: float | None) -> str:
    """A metric as people read it: fractions to three decimals, others to three figures,
    with thousands separators from 1,000 up ("24,600", not "2.46e+04")."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    info = METRICS.get(key)
    if info is not None and info.is_fraction:
        return f"{value:.3f}"
    return three_figures(value)


def three_figures(value: float, signed: bool = False) -> str:
    """``value`` to three significant figures as people write them: "24,600" (not
    "2.46e+04"), "12.3", "0.0457", "0.0000042" (not "4.2e-06": a change in log loss between
    two good models); with its sign ("+8,210", "-0.5") when ``signed``."""
    if np.isfinite(value) and abs(value) >= 1000:
        text = f"{float(f'{abs(value):.3g}'):,.0f}"
    elif np.isfinite(value) and 0 < abs(value) < 1e-4:
        text = np.format_float_positional(abs(value), precision=3, fractional=False, trim="-")
    else:
        text = f"{abs(value):.3g}"
    sign = "-" if value < 0 else ("+" if signed else "")
    return sign + text


def metrics_on_rows(meta: dict, predictions, rows) -> dict[str, float]:
    """``compute_metrics`` of a published prototype (its ``meta`` and ``predictions`` frame,
    as ``Prototype.predictions()`` reads it) on the demo rows ``rows`` only: two MVPs whose
    demo sets differ are compared on the rows both were shown."""
    chosen = predictions.loc[list(rows)]
    task = meta.get("task")
    if task == REGRESSION:
        return compute_metrics(task, chosen["actual"].to_numpy(), chosen["predicted"].to_numpy())
    classes = [str(c) for c in meta.get("classes") or []]
    columns = [f"{PROBABILITY_PREFIX}{c}" for c in classes]
    probabilities = chosen[columns].to_numpy() if set(columns) <= set(chosen.columns) else None
    return compute_metrics(
        task,
        label_strings(chosen["actual"].to_numpy()),
        label_strings(chosen["predicted"].to_numpy()),
        probabilities,
        classes or None,
        positive=meta.get("positive_class"),
    )
