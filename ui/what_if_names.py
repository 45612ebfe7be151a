"""The "try your own case" what-if reading named as the rest of the page names it: by its
description, as the card's reasons and waterfall and the Sprint demo's one-reading chart do,
not by its column's code (the chart itself: ``ui.explanations.what_if_spec``)."""

from __future__ import annotations

from collections.abc import Mapping

from model.feature_words import chart_names

__all__ = ["reading_name"]


def reading_name(feature: str, meta: Mapping) -> str:
    """``feature`` as an axis or a list names it: the short form of its description ("spindle
    speed" for ``Rotational speed [rpm]``), the column's name where it has none."""
    return chart_names([feature], (meta or {}).get("feature_descriptions"))[feature]
