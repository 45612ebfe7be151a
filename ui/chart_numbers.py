"""Numbers as a chart labels them, in one format per chart: the decimals the chart's largest
value needs, a point's label written as its axis writes numbers, and which labels go under
their points so the line does not cross them."""

from __future__ import annotations

import math
import re
from collections.abc import Collection

import numpy as np

from model.metrics import format_metric

__all__ = ["chart_texts", "labels_below", "numbered", "point_text"]


def chart_texts(values: list[float], signed: bool, high: float | None = None) -> list[str]:
    """``values`` (not shares of chance) as one chart labels them: to the decimals the
    chart's largest value (``high``, else the largest of ``values``) needs for three figures,
    none from 100 up ("747", "557" and "86,643" on one chart, where five figures read
    "747.09" beside "86,643"; "-81", not "-80.7", beside "180,000")."""
    if high is None:
        high = max((abs(v) for v in values if np.isfinite(v)), default=0.0)
    decimals = 0 if high >= 100 or high == 0 else min(2 - math.floor(math.log10(high)), 6)
    sign = "+" if signed else ""
    return [f"{value:{sign},.{decimals}f}" if np.isfinite(value) else "—" for value in values]


def point_text(key: str | None, value: float, high: float, in_units: Collection[str]) -> str:
    """A point's label as its axis writes numbers: an error in the target's units (``key`` in
    ``in_units``) on an axis reaching 1,000 or more in whole numbers, "38,052" (three figures
    said "38,100" beside a tick of 38,052); else as ``model.metrics.format_metric``."""
    if key in in_units and high >= 1000:
        return f"{value:,.0f}"
    return format_metric(key or "", value)


def labels_below(values: list[float]) -> list[bool]:
    """Which points of a line get their label under them: those below the middle of their
    neighbours, where a label above sits on the line coming down to them ("38,700 USD" was
    crossed by the line from a higher point before it)."""
    below = []
    for i, value in enumerate(values):
        around = values[max(i - 1, 0) : i] + values[i + 1 : i + 2]
        below.append(bool(around) and value < sum(around) / len(around))
    return below


def numbered(names: list[str]) -> tuple[str, list[str]] | None:
    """``("Sprint", ["1", "2", …])`` when every name is one word and a number ("Sprint 12"),
    the word the same: an axis of many sprints labelled by their numbers under that title;
    None otherwise."""
    found = [re.fullmatch(r"(\D+?)\s*(\d+)", str(name).strip()) for name in names]
    if not found or not all(found) or len({m.group(1) for m in found}) != 1:
        return None
    return found[0].group(1), [m.group(2) for m in found]
