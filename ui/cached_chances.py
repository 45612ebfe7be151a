"""The lowest and highest chance of the positive class a two-class prototype gives its demo
rows, cached by its ``content_id``: the bake-off says "it flags every case" (or "it cannot
tell cases apart") where a threshold is at or below the lowest (``ui.bakeoff_words``).
"""

from __future__ import annotations

import streamlit as st

from model.prototype import read_parquet
from ui.cached_prototype import open_prototype

__all__ = ["chance_range"]


@st.cache_data(show_spinner=False, max_entries=64)
def chance_range(
    path: str, sprint: str, prototype: str, content_id: str, positive: str
) -> tuple[float, float] | None:
    """``(lowest, highest)`` of ``prototype``'s chance of ``positive`` on its demo rows (one
    column read); None where it stored none."""
    file = open_prototype(path, sprint, prototype).path / "predictions.parquet"
    column = f"p:{positive}"
    try:
        chances = read_parquet(file, columns=[column])[column].dropna()
    except (KeyError, ValueError):  # no such column: published without probabilities
        return None
    if chances.empty:
        return None
    return float(chances.min()), float(chances.max())
