"""Honest uncertainty for a bake-off, in one place to import from.

The statistics live in three modules, by concern:

- :mod:`model.resampled_metrics`: :class:`MetricFunction`, a metric computed on many bootstrap
  resamples at once (``metric_function``, ``recall_at_precision``, ``available_metrics``);
- :mod:`model.bootstrap`: the seeded stratified bootstrap (``resample_weights``,
  :class:`Replicates`, ``bootstrap_ci``, ``paired_bootstrap_difference``, ``compare_to_mvp``);
- :mod:`model.paired_tests`: McNemar's test and the verdict in words.
"""

from __future__ import annotations

from model.bootstrap import (
    BOOTSTRAP_METHOD,
    Replicates,
    _cached_weights,  # noqa: F401  (the benchmark empties its cache)
    bootstrap_ci,
    compare_to_mvp,
    paired_bootstrap_difference,
    replicate_values,
    resample_weights,
)
from model.labels import label_strings
from model.paired_tests import mcnemar, verdict_words
from model.resampled_metrics import (
    TASK_METRICS,
    MetricFunction,
    available_metrics,
    metric_function,
    metric_info,
    recall_at_precision,
)

__all__ = [
    "BOOTSTRAP_METHOD",
    "MetricFunction",
    "Replicates",
    "TASK_METRICS",
    "available_metrics",
    "bootstrap_ci",
    "compare_to_mvp",
    "label_strings",
    "mcnemar",
    "metric_function",
    "metric_info",
    "paired_bootstrap_difference",
    "recall_at_precision",
    "replicate_values",
    "resample_weights",
    "verdict_words",
]
