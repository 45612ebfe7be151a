"""Paired tests of two models on the same rows: McNemar's test on correctness, and the
verdict in words that a paired bootstrap interval gives (:func:`model.bootstrap.compare_to_mvp`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from model.labels import label_strings
from model.resampled_metrics import MetricFunction

__all__ = ["mcnemar", "predicted_labels", "verdict_words"]


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


def predicted_labels(metric_fn: MetricFunction, predicted) -> np.ndarray | None:
    """The predicted labels in ``predicted``, or None if it holds only scores or values."""
    if isinstance(predicted, pd.DataFrame) and "predicted" in predicted.columns:
        return label_strings(predicted["predicted"].to_numpy())
    if metric_fn.input == "label" and not isinstance(predicted, pd.DataFrame):
        return label_strings(np.asarray(predicted))
    return None
