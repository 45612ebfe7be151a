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

__all__ = ["far_value_reason", "target_name", "target_unit", "unusual_value_reason"]


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
    value: float, predicted: float | None, predictions: pd.DataFrame, meta: Mapping | None
) -> str | None:
    """Why a regression's right value ``value`` for a row the model predicted ``predicted``
    asks for a second look, or None: it lies outside every value of the demo set (its actual
    and predicted values, ``predictions``), or further from the row's prediction than the
    model missed any labelled demo row by. A digit dropped or doubled ("45,360" for a house
    predicted at 625,655 among demo prices from 78,000) is caught this way where
    :func:`far_value_reason`'s wide bounds let it through; an SME who means it confirms it.
    """
    actual = pd.to_numeric(predictions.get("actual", pd.Series(dtype=float)), errors="coerce")
    made = pd.to_numeric(predictions.get("predicted", pd.Series(dtype=float)), errors="coerce")
    seen = pd.concat([actual, made])
    seen = seen[np.isfinite(seen)]
    if seen.empty or not np.isfinite(value):
        return None
    unit = target_unit(meta or {})
    after = f" {unit}" if unit else ""
    low, high = float(seen.min()), float(seen.max())
    reasons = []
    if value < low:
        reasons.append(f"below every value in the demo set (lowest {_number(low)}{after})")
    elif value > high:
        reasons.append(f"above every value in the demo set (highest {_number(high)}{after})")
    misses = (actual - made).abs()
    misses = misses[np.isfinite(misses)]
    if predicted is not None and np.isfinite(predicted) and not misses.empty:
        off, largest = abs(value - float(predicted)), float(misses.max())
        if off > largest:
            reasons.append(
                f"{_number(off)}{after} from this row's prediction, more than the model missed "
                f"any demo row by (at most {_number(largest)}{after})"
            )
    if not reasons:
        return None
    return f"{_number(value)}{after} is {' and '.join(reasons)}"


def _number(value: float) -> str:
    """A number as typed or read: "-20", "227.4", "9,999,999"."""
    return f"{value:,.4g}" if abs(value) < 1000 else f"{value:,.0f}"
