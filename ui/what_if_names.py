"""The "try your own case" what-if chart's reading named as the rest of the page names it:
by its description, as the card's reasons and waterfall and the Sprint demo's one-reading
chart do, not by its column's code."""

from __future__ import annotations

import copy
from collections.abc import Mapping

from model.feature_words import chart_names, said_name

__all__ = ["named_reading", "reading_name"]


def reading_name(feature: str, meta: Mapping) -> str:
    """``feature`` as an axis or a list names it: the short form of its description ("spindle
    speed" for ``Rotational speed [rpm]``), the column's name where it has none."""
    return chart_names([feature], (meta or {}).get("feature_descriptions"))[feature]


def named_reading(spec: Mapping, feature: str, meta: Mapping) -> dict:
    """A copy of the what-if chart's Vega-Lite ``spec`` (``explanations.what_if_spec``) whose
    axis names ``feature`` by ``reading_name`` and whose tooltip by the sentence's name with
    the code in brackets ("blood urea nitrogen (bun)", ``model.feature_words.said_name``)."""
    named = copy.deepcopy(dict(spec))
    axis = reading_name(feature, meta)
    said = said_name(feature, (meta or {}).get("feature_descriptions"))
    for layer in named.get("layer", []):
        encoding = layer.get("encoding", {})
        if encoding.get("x", {}).get("field") == "value":
            encoding["x"]["title"] = axis
        for field in encoding.get("tooltip", []):
            if field.get("field") == "shown":
                field["title"] = said
    return named
