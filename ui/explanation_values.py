"""How the explanation charts write a value and name what it moves: a contribution as
"+12.3%" of chance, "+0.42" on a score scale or "+14.9"; an axis's d3 format; "the chance of
Failure" or "the model's score for Failure". Shared by ``ui.explanations`` (the waterfall)
and ``ui.importance_chart``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ui.explanation_notes import LOG_ODDS
from ui.formatting import format_number, percent_format, probability_label

__all__ = ["axis_format", "target_words", "value_text"]


def value_text(value: float, unit: str | None, signed: bool) -> str:
    """``value`` in ``unit`` as the charts write it: percent of chance with one decimal, a
    log-odds score with two, any other contribution with three significant digits."""
    if unit == "probability":
        shown = _no_negative_zero(round(value * 100, 1))  # -1e-17 summed: not "-0.0%"
        return f"{shown:+.1f}%" if signed else f"{shown:.1f}%"
    if unit == LOG_ODDS:  # a score near 0–10: two decimals, as the "Why" sentences give it
        shown = _no_negative_zero(round(value, 2))
        return f"{shown:+.2f}" if signed else f"{shown:.2f}"
    if signed and np.isfinite(value) and abs(value) < 1000:
        # a contribution: three significant digits, as the "Why" sentences give it ("+0.281",
        # "+14.9"); five ("+0.28089") made the labels outrun the chart's right edge
        shown = f"{value:.3g}"
    else:
        shown = format_number(value)
    return f"+{shown}" if signed and value >= 0 else shown


def _no_negative_zero(rounded: float) -> float:
    """``rounded``, with -0.0 (a sum a hair below zero, rounded) as 0.0."""
    return 0.0 if rounded == 0 else rounded


def axis_format(unit: str | None, high: float) -> str:
    """A d3 format for an axis of values in ``unit`` up to ``high``: percent of chance, a
    score with at most two decimals ("0.25", not "250m"), or a value with SI prefixes."""
    if unit == "probability":
        return percent_format(high)
    return ",.2~f" if unit == LOG_ODDS else "~s"


def target_words(meta: Mapping, explained_class: str | None, unit: str | None) -> str:
    """What the bars move, in words: "the chance of Failure", or on a boosting model's own
    scale "the model's score for Failure"."""
    target = probability_label(meta, explained_class)
    if unit == LOG_ODDS:
        return "the model's score for " + target.removeprefix("the chance of ")
    return target
