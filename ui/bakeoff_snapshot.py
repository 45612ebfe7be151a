"""A bake-off decision's snapshot: the figures shown when it was taken, recorded as JSON-ready
rows, and shown again as a table with a caption saying what it holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from ui.bakeoff_money import assumptions_text
from ui.formatting import format_value

__all__ = ["decision_snapshot", "snapshot_view"]


def _json_value(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):  # the cost matrix of a multiclass task
        return {str(k): _json_value(v) for k, v in value.items()}
    if pd.isna(value):
        return None
    return str(value)


def decision_snapshot(
    table: pd.DataFrame,
    shown: pd.DataFrame,
    assumptions: Mapping,
    recommendation: str | None = None,
) -> list[dict]:
    """The figures shown when a decision is taken, one JSON-ready dict per prototype.

    Each holds the bake-off table's row (the metric's ``estimate``, ``low`` and ``high``, the
    comparison with the reference, the money and measured costs; NaN as None), the metric and
    the assumptions behind it, the ``recommendation`` shown (if given), and ``shown``: the row
    as the page displayed it.
    """
    attrs = table.attrs
    key = attrs["metric_key"]
    renamed = {key: "estimate", f"{key}_low": "low", f"{key}_high": "high"}
    context = {
        "metric": key,
        "metric_label": attrs.get("metric_label", key),
        "confidence": _json_value(attrs.get("confidence")),
        "n_rows": _json_value(attrs.get("n_rows")),
        "compared_with": attrs.get("reference"),
        "currency": attrs.get("currency"),
        "assumptions": {k: _json_value(v) for k, v in dict(assumptions).items()},
    }
    if recommendation is not None:
        context["recommendation"] = recommendation
    snapshot = []
    for (_, row), (_, text) in zip(table.iterrows(), shown.iterrows(), strict=True):
        record = {renamed.get(c, c): _json_value(v) for c, v in row.items()}
        record.update(context)
        record["shown"] = {str(c): str(v) for c, v in text.items()}
        snapshot.append(record)
    return snapshot


def _assumptions_sentence(assumptions: object) -> str:
    if not isinstance(assumptions, Mapping):
        return ""
    try:
        return f". Costs: {assumptions_text(assumptions)}"
    except ValueError:
        return ""


def snapshot_view(snapshot: Iterable[Mapping] | None) -> tuple[pd.DataFrame, str]:
    """A recorded decision's snapshot as text, one column per prototype as the bake-off table
    shows it, and a caption saying what it holds."""
    rows = [r for r in snapshot or [] if isinstance(r, Mapping)]
    if rows and all(isinstance(r.get("shown"), Mapping) for r in rows):
        first = rows[0]
        confidence = first.get("confidence") or 0.95
        caption = f"{first.get('metric_label', first.get('metric', ''))} with "
        caption += f"{confidence:.0%} intervals"
        if first.get("n_rows"):
            caption += f" on {first['n_rows']:,} demo rows"
        if first.get("compared_with"):
            caption += f", compared with {first['compared_with']}"
        caption += _assumptions_sentence(first.get("assumptions"))
        return _by_prototype([dict(r["shown"]) for r in rows], "Prototype"), caption + "."
    if not rows:
        return pd.DataFrame(), "No figures were recorded with it."
    published = [{k: format_value(v) for k, v in r.items()} for r in rows]
    caption = "Recorded without intervals or costs in money: the figures as published."
    return _by_prototype(published, "prototype"), caption


def _by_prototype(records: list[dict], name_column: str) -> pd.DataFrame:
    frame = pd.DataFrame(records)
    if name_column not in frame.columns:
        return frame
    table = frame.set_index(name_column).T
    table.columns = [str(c) for c in table.columns]
    table.index.name = "Figure"
    return table.fillna("—")
