"""A row's SHAP waterfall and the global importance bars, as Vega-Lite specs (and as Altair
charts, for whoever renders them with Altair's tools).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import pandas as pd

from model.metrics import (
    MULTICLASS,
    REGRESSION,
)
from ui import vega
from ui.charts import DOWN_COLOR, NEUTRAL_COLOR, UP_COLOR, chart_config, value_labels
from ui.formatting import feature_label, percent_format, probability_label

if TYPE_CHECKING:  # Altair takes 0.25 s to import; the pages draw specs written as dicts
    import altair as alt

__all__ = ["global_importance_chart", "waterfall_caption", "waterfall_chart", "waterfall_data"]


BASE_LABEL = "Average prediction (base value)"
OUTPUT_LABEL = "This prediction"

KIND_BASE, KIND_UP, KIND_DOWN, KIND_OUTPUT = "base value", "pushes up", "pushes down", "prediction"


def waterfall_data(explanation: Mapping, max_features: int = 10) -> pd.DataFrame:
    """One bar per step from the base value to this row's output, largest contribution first.

    Columns: ``label``, ``kind`` (base value / pushes up / pushes down / prediction), ``value``
    (the step's size; the base value and output for the end bars), ``start`` and ``end`` (the
    bar's extent) and ``text``. Features beyond ``max_features`` are summed into one bar, so
    the steps always add up to the output.
    """
    base = float(explanation["base_value"])
    output = float(explanation["output"])
    contributions = pd.Series(explanation["contributions"], dtype=float)
    values = explanation.get("feature_values", {})
    probability = explanation.get("unit") == "probability"
    order = contributions.abs().sort_values(ascending=False, kind="stable").index
    steps = [(feature_label(f, values.get(f)), float(contributions[f])) for f in order]
    if len(steps) > max_features:
        rest = steps[max_features - 1 :]
        steps = steps[: max_features - 1]
        steps.append((f"{len(rest)} other features", sum(v for _, v in rest)))

    def text(value: float, signed: bool) -> str:
        if probability:
            shown = f"{value * 100:+.1f}%" if signed else f"{value * 100:.1f}%"
        else:
            shown = f"{value:+.3g}" if signed else f"{value:.3g}"
        return shown

    rows = [dict(label=BASE_LABEL, kind=KIND_BASE, value=base, start=0.0, end=base)]
    rows[0]["text"] = text(base, signed=False)
    running = base
    for label, value in steps:
        rows.append(
            dict(
                label=label,
                kind=KIND_UP if value >= 0 else KIND_DOWN,
                value=value,
                start=running,
                end=running + value,
                text=text(value, signed=True),
            )
        )
        running += value
    rows.append(
        dict(
            label=OUTPUT_LABEL,
            kind=KIND_OUTPUT,
            value=output,
            start=0.0,
            end=output,
            text=text(output, signed=False),
        )
    )
    frame = pd.DataFrame(rows)
    frame["order"] = range(len(frame))
    return frame


def waterfall_caption(explanation: Mapping, meta: Mapping) -> str:
    """How to read the waterfall, with this row's numbers."""
    target = probability_label(meta, explanation.get("explained_class"))
    if explanation.get("unit") == "probability":
        base = f"{explanation['base_value'] * 100:.1f}%"
        output = f"{explanation['output'] * 100:.1f}%"
    else:
        base, output = f"{explanation['base_value']:.3g}", f"{explanation['output']:.3g}"
    return (
        f"Each bar shows how one reading moves {target} from the average prediction, {base}, "
        f"to {output} for this row. Red bars push it up, blue bars push it down."
    )


def waterfall_spec(explanation: Mapping, meta: Mapping, max_features: int = 10) -> dict:
    """Horizontal waterfall of one row's SHAP contributions, in the model's output units: a
    Vega-Lite spec (see ``ui.vega``)."""
    data = waterfall_data(explanation, max_features=max_features)
    data["text_at"] = data[["start", "end"]].max(axis=1)
    target = probability_label(meta, explanation.get("explained_class"))
    probability = explanation.get("unit") == "probability"
    low = min(0.0, float(data[["start", "end"]].min().min()))
    high = float(data[["start", "end"]].max().max())
    span = (high - low) or 1.0
    domain = [low - 0.02 * span if low < 0 else low, high + 0.22 * span]
    axis_format = percent_format(span) if probability else ".3g"
    kinds = [KIND_BASE, KIND_UP, KIND_DOWN, KIND_OUTPUT]
    colors = [NEUTRAL_COLOR, UP_COLOR, DOWN_COLOR, "#263238"]
    y = vega.field("label", "nominal", sort=list(data["label"]), title=None)
    bars = {
        "mark": {"type": "bar", "size": 24},
        "encoding": {
            "color": vega.field(
                "kind", "nominal", legend=None, scale={"domain": kinds, "range": colors}
            ),
            "tooltip": [
                vega.field("label", "nominal", title="step"),
                vega.field("text", "nominal", title="value"),
            ],
            "x": vega.field(
                "start",
                "quantitative",
                # Ends under the bars' right end: centred, a long title is cut off in a narrow
                # column.
                axis={"format": axis_format, "tickCount": 6, "titleAnchor": "end"},
                scale={"domain": domain, "nice": False},
                title=f"contribution to {target}",
            ),
            "x2": {"field": "end"},
            "y": y,
        },
    }
    labels = value_labels("text_at", y)
    spec = {"config": chart_config(), "layer": [bars, labels], "height": 44 * len(data) + 40}
    return vega.with_data(spec, data)


def waterfall_chart(explanation: Mapping, meta: Mapping, max_features: int = 10) -> alt.LayerChart:
    """:func:`waterfall_spec` as an Altair chart (validated against the Vega-Lite schema)."""
    import altair as alt

    return alt.LayerChart.from_dict(waterfall_spec(explanation, meta, max_features))


def global_importance_spec(meta: Mapping) -> dict:
    """Mean |SHAP contribution| per feature over the demo rows, largest first: a Vega-Lite spec
    (see ``ui.vega``)."""
    importance = pd.Series(meta.get("global_importance") or {}, dtype=float)
    data = (
        importance.sort_values(ascending=False)
        .rename_axis("feature")
        .reset_index(name="importance")
    )
    probability = meta.get("task") != REGRESSION
    data["text"] = [f"{v * 100:.1f}%" if probability else f"{v:.3g}" for v in data["importance"]]
    target = probability_label(meta) if meta.get("task") != MULTICLASS else "class probabilities"
    y = vega.field("feature", "nominal", sort=list(data["feature"]), title=None)
    high = float(data["importance"].max()) if len(data) else 1.0
    x = vega.field(
        "importance",
        "quantitative",
        axis={"format": percent_format(high) if probability else ".3g", "tickCount": 5},
        scale={"domain": [0, (high or 1.0) * 1.2], "nice": False},
        title=f"average |contribution| to {target}",
    )
    bars = {
        "mark": {"type": "bar", "color": NEUTRAL_COLOR, "size": 24},
        "encoding": {
            "tooltip": [
                vega.field("feature", "nominal"),
                vega.field("text", "nominal", title="importance"),
            ],
            "x": x,
            "y": y,
        },
    }
    labels = value_labels("importance", y)
    spec = {
        "config": chart_config(),
        "layer": [bars, labels],
        "height": 36 * max(len(data), 1) + 50,
    }
    return vega.with_data(spec, data)


def global_importance_chart(meta: Mapping) -> alt.LayerChart:
    """:func:`global_importance_spec` as an Altair chart."""
    import altair as alt

    return alt.LayerChart.from_dict(global_importance_spec(meta))
