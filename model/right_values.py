"""A regression's right value, as an SME gives it: its unit, and whether it is plausible.

An SME's corrected value becomes the next model's training label, so one typed with a slip
("-20 min", "9,999,999 min") must be caught where it is given, through the page and the API
alike (``model.review_versions.record_verdict`` and ``edit_verdict``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.labels import display_unit

__all__ = [
    "TIMES_AWAY",
    "far_value_reason",
    "row_actual",
    "target_name",
    "target_unit",
    "times_away_reason",
    "unusual_value_reason",
]

#: How many times larger or smaller than every value a row is known by (its recorded actual,
#: its prediction) a right value must be to ask for a second look: a digit added or dropped
#: is ten times, a real correction of a fair prediction seldom three.
TIMES_AWAY = 3.0


def target_name(meta: Mapping) -> str | None:
    """The name of what the model predicts, if the prototype's metadata records it."""
    name = meta.get("target") or meta.get("target_name")
    return str(name) if name else None


def target_unit(meta: Mapping) -> str | None:
    """The unit of what a regression predicts: its display unit if publishing gave one, else
    the unit in brackets at the end of its name ("Torque [Nm]" → "Nm"), else None."""
    target = target_name(meta)
    if not target:
        return None
    spec = (meta.get("display_units") or {}).get(target)
    if spec is not None:
        return display_unit(spec).unit
    found = re.search(r"\[([^\[\]]+)\]\s*$", target)
    return found.group(1).strip() if found else None


def far_value_reason(value: float, predictions: pd.DataFrame, meta: Mapping | None) -> str | None:
    """Why a regression's right value ``value`` is refused, or None when it is plausible: it
    lies further than the demo set's spread (its actual and predicted values, ``predictions``)
    below their least or above their most, or below 0 where none of them is negative ("-20
    min is far outside the values in the demo set (0–227.4 min); check the number")."""
    seen = pd.to_numeric(
        pd.concat([predictions.get(c, pd.Series(dtype=float)) for c in ("actual", "predicted")]),
        errors="coerce",
    )
    seen = seen[np.isfinite(seen)]
    if seen.empty or not np.isfinite(value):
        return None
    low, high = float(seen.min()), float(seen.max())
    spread = high - low
    floor = max(low - spread, 0.0) if low >= 0 else low - spread
    if floor <= value <= high + spread:
        return None
    unit = target_unit(meta or {})
    after = f" {unit}" if unit else ""
    return (
        f"{_number(value)}{after} is far outside the values in the demo set"
        f" ({_number(low)}–{_number(high)}{after}); check the number"
    )


def unusual_value_reason(
    value: float,
    predicted: float | None,
    predictions: pd.DataFrame,
    meta: Mapping | None,
    *,
    actual: float | None = None,
) -> str | None:
    """Why a regression's right value ``value`` for a row the model predicted ``predicted``
    (and the demo set records as ``actual``, if known) asks for a second look, or None: it lies
    outside every value of the demo set (its actual and predicted values, ``predictions``), it
    is further from the row's prediction than the model missed any labelled demo row by, or it
    is over :data:`TIMES_AWAY` times larger or smaller than both the prediction and the actual
    (:func:`times_away_reason`: 6,080 typed for a row recorded 608, whatever a few outliers
    made the model's largest miss). A digit dropped or doubled ("45,360" for a house
    predicted at 625,655 among demo prices from 78,000) is caught this way where
    :func:`far_value_reason`'s wide bounds let it through; an SME who means it confirms it.
    """
    actual_all = pd.to_numeric(predictions.get("actual", pd.Series(dtype=float)), errors="coerce")
    made = pd.to_numeric(predictions.get("predicted", pd.Series(dtype=float)), errors="coerce")
    seen = pd.concat([actual_all, made])
    seen = seen[np.isfinite(seen)]
    if seen.empty or not np.isfinite(value):
        return None
    unit = target_unit(meta or {})
    after = f" {unit}" if unit else ""
    low, high = float(seen.min()), float(seen.max())
    misses = (actual_all - made).abs()
    misses = misses[np.isfinite(misses)]
    typical = float(misses.median()) if not misses.empty else 0.0
    reasons = []
    if value < low:
        reasons.append(f"below every value in the demo set (lowest {_number(low)}{after})")
    elif value > high:
        reasons.append(f"above every value in the demo set (highest {_number(high)}{after})")
    if predicted is not None and np.isfinite(predicted) and not misses.empty:
        off, largest = abs(value - float(predicted)), float(misses.max())
        if off > largest:
            reasons.append(
                f"{_number(off)}{after} from this row's prediction, more than the model missed "
                f"any demo row by (at most {_number(largest)}{after})"
            )
    times = times_away_reason(value, predicted, actual, typical, unit)
    if times is not None:
        reasons.append(times)
    if not reasons:
        return None
    return f"{_number(value)}{after} is {' and '.join(reasons)}"


def row_actual(predictions: pd.DataFrame, row_id: object) -> float | None:
    """The actual value the demo set records for ``row_id`` (``predictions``' "actual"
    column), or None: no such row, no actual, or no row (an SME's own case)."""
    if row_id is None or "actual" not in predictions or str(row_id) not in predictions.index:
        return None
    found = pd.to_numeric(pd.Series([predictions.at[str(row_id), "actual"]]), errors="coerce")
    value = float(found.iloc[0])
    return value if np.isfinite(value) else None


def times_away_reason(
    value: float,
    predicted: float | None,
    actual: float | None,
    typical_miss: float,
    unit: str | None = None,
) -> str | None:
    """Why ``value`` looks like a slip next to the values its row is known by, its recorded
    ``actual`` in the demo set and the model's ``predicted`` value (each left out when
    unknown), or None: it is more than :data:`TIMES_AWAY` times larger or smaller than every
    one of them, and further from each than ``typical_miss`` (the model's median miss on the
    demo set, so a small value is not questioned for a small difference). "10× this row's
    recorded value in the demo set (608) and 7.8× its prediction (777.9)"; a right value near
    the recorded actual or near the prediction is never questioned here."""
    known = [
        (what, float(ref))
        for what, ref in (
            ("this row's recorded value in the demo set", actual),
            ("its prediction", predicted),
        )
        if ref is not None and np.isfinite(ref)
    ]
    if not known or not np.isfinite(value):
        return None
    after = f" {unit}" if unit else ""
    parts = []
    for what, ref in known:
        times = _times(value, ref)
        if times <= TIMES_AWAY or abs(value - ref) <= typical_miss:
            return None
        shown = f"{_number(ref)}{after}"
        if not np.isfinite(times):
            parts.append(f"far from {what} ({shown})")
        elif abs(value) > abs(ref):
            parts.append(f"{_times_text(times)} {what} ({shown})")
        else:
            parts.append(f"{_times_text(times)} smaller than {what} ({shown})")
    return " and ".join(parts)


def _times(value: float, ref: float) -> float:
    """How many times larger or smaller ``value`` is than ``ref`` (at least 1), infinite when
    one is 0 or their signs differ, 1 when both are 0."""
    if value == ref:
        return 1.0
    if value * ref <= 0:
        return float("inf")
    return max(value / ref, ref / value)


def _times_text(times: float) -> str:
    """ "10×", "7.8×": whole from ten times up."""
    return f"{times:,.0f}×" if times >= 9.95 else f"{times:.1f}×"


def _number(value: float) -> str:
    """A number as typed or read: "-20", "227.4", "9,999,999"."""
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
