"""The bake-off's charts: the Pareto chart of score against running cost, the agreement heatmap,
and the scatter of score against latency or model size.

The figures come from :mod:`model.bakeoff`; this module only draws them.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.bakeoff import COST_COLUMNS, ROWS_WORD
from model.costs import format_money
from model.metrics import METRICS, format_metric
from model.stats import BOOTSTRAP_METHOD
from model.threshold import ErrorCost
from ui import charts, vega
from ui.bakeoff_tables import MEGABYTE, interval_points, optional_number

if TYPE_CHECKING:
    import altair as alt

__all__ = [
    "agreement_data",
    "agreement_spec",
    "chart_data",
    "cost_scatter",
    "pareto_chart",
    "pareto_data",
    "pareto_spec",
]

FONT_SIZE = 14
TITLE_FONT_SIZE = 16
LABEL_LIMIT = 300
FRONT_COLOR = "#1565c0"
DOMINATED_COLOR = "#9e9e9e"
HIGHLIGHT_COLOR = "#e65100"
#: Above this ratio between the dearest and cheapest prototype, the cost axis is logarithmic.
LOG_SCALE_RATIO = 20
#: The cost axes of :func:`cost_scatter`: column and title.
COST_AXES = {
    "latency": ("latency_ms_per_1000_p50", "latency: ms per 1,000 rows (p50, log scale)"),
    "size": ("model_size_mb", "model size: MB (log scale)"),
}


# -- charts -------------------------------------------------------------------------------------
def chart_data(table: pd.DataFrame, metric_key: str | None = None) -> pd.DataFrame:
    """The rows of :func:`pareto_spec` with their tooltip texts; unknown-cost rows dropped."""
    attrs = table.attrs
    metric_key = metric_key or attrs["metric_key"]
    currency = attrs.get("currency", "USD")
    data = table.copy()
    data["label"] = [
        f"{n} (MVP)" if mvp else n for n, mvp in zip(data["prototype"], data["mvp"], strict=True)
    ]
    data["status"] = np.where(data["dominated"].astype(bool), "dominated", "on the Pareto front")
    data["score_text"] = [
        f"{format_metric(metric_key, v)} ({format_metric(metric_key, lo)}–"
        f"{format_metric(metric_key, hi)})"
        for v, lo, hi in zip(
            data[metric_key], data[f"{metric_key}_low"], data[f"{metric_key}_high"], strict=True
        )
    ]
    data["running_text"] = [
        format_money(optional_number(v), currency) for v in data[COST_COLUMNS[0]]
    ]
    data["one_off_text"] = [
        format_money(optional_number(v), currency) for v in data["one_off_cost"]
    ]
    data["size_mb"] = data["model_size_bytes"] / MEGABYTE
    data["memory_mb"] = data["peak_memory_bytes"] / MEGABYTE
    for column in ("difference", "difference_low", "difference_high"):
        data[column] = data[column].astype(float)
    fraction = attrs.get("is_fraction", True)
    data["difference_text"] = [
        "—" if math.isnan(d) else interval_points(d, lo, hi, fraction)
        for d, lo, hi in zip(
            data["difference"], data["difference_low"], data["difference_high"], strict=True
        )
    ]
    known = data[COST_COLUMNS[0]].notna() & data[metric_key].notna()
    return data[known].reset_index(drop=True)


def pareto_data(table: pd.DataFrame, metric_key: str) -> tuple[pd.DataFrame, list[str], bool]:
    """What the Pareto chart draws: :func:`chart_data` with each point's ``x_position`` (0 at
    the left of the cost axis, 1 at the right), the prototypes left out (running cost or
    score unknown), and whether the cost axis is logarithmic."""
    data = chart_data(table, metric_key)
    missing = [n for n in table["prototype"] if n not in set(data["prototype"])]
    costs_known = data[COST_COLUMNS[0]]
    low, high = (float(costs_known.min()), float(costs_known.max())) if len(data) else (0, 0)
    log = low > 0 and high / low > LOG_SCALE_RATIO
    data["x_position"] = _axis_position(data[COST_COLUMNS[0]].to_numpy(dtype=float), log)
    return data, missing, log


def pareto_spec(table: pd.DataFrame, metric_key: str | None = None) -> dict:
    """Score against monthly running cost: one point per prototype with its interval, as a
    Vega-Lite spec ready for ``st.vega_lite_chart``.

    Point size is the p50 latency, dominated prototypes are grey, the MVP is ringed and
    labelled. The cost axis is logarithmic when the dearest costs over 20× the cheapest.
    Prototypes of unknown cost are left out and named in the subtitle.

    Written as the dict Altair would produce (the tests check it is), because building it with
    Altair took 0.2–0.5 s, most of it copying and validating the layered chart: the largest
    part of the Bake-off's first open.
    """
    attrs = table.attrs
    metric_key = metric_key or attrs["metric_key"]
    label = attrs.get("metric_label", metric_key)
    data, missing, log = pareto_data(table, metric_key)
    currency = attrs.get("currency", "USD")
    x = {
        "axis": {"format": ".2~g", "tickCount": 6},
        "field": COST_COLUMNS[0],
        "scale": {"type": "log", "nice": False, "padding": 30}
        if log
        else {"nice": True, "padding": 30, "zero": True},
        "title": f"Running cost per month ({currency}{', log scale' if log else ''})",
        "type": "quantitative",
    }
    direction = "higher is better" if attrs.get("higher_is_better", True) else "lower is better"
    y_title = f"{label} ({direction})"
    y = {
        "field": metric_key,
        "scale": {"padding": 20, "zero": False},
        "title": y_title,
        "type": "quantitative",
    }
    color = {
        "field": "status",
        "scale": {
            "domain": ["on the Pareto front", "dominated"],
            "range": [FRONT_COLOR, DOMINATED_COLOR],
        },
        "title": None,
        "type": "nominal",
    }
    tooltip = [
        vega.field("prototype", "nominal", title="Prototype"),
        vega.field("score_text", "nominal", title=f"{label} (interval)"),
        vega.field(
            "difference_text", "nominal", title=f"vs {attrs.get('reference') or 'reference'}"
        ),
        vega.field("verdict", "nominal", title="Verdict"),
        vega.field("running_text", "nominal", title="Running cost / month"),
        vega.field("one_off_text", "nominal", title="One-off cost"),
        vega.field(
            "latency_ms_per_1000_p50", "quantitative", title="Latency p50 (ms/1,000)", format=".1f"
        ),
        vega.field(
            "latency_ms_per_1000_p95", "quantitative", title="Latency p95 (ms/1,000)", format=".1f"
        ),
        vega.field("size_mb", "quantitative", title="Model size (MB)", format=".2f"),
        vega.field("memory_mb", "quantitative", title="Peak memory (MB)", format=".2f"),
        vega.field("train_seconds", "quantitative", title="Training (s)", format=".2f"),
        vega.field("effort_days", "quantitative", title="Effort (person-days)", format=".1f"),
        vega.field("status", "nominal", title="Pareto"),
    ]
    bars = {
        "mark": {"type": "rule", "opacity": 0.7, "strokeWidth": 3},
        "encoding": {
            "color": color,
            "tooltip": tooltip,
            "x": x,
            "y": {"field": f"{metric_key}_low", "title": y_title, "type": "quantitative"},
            "y2": {"field": f"{metric_key}_high"},
        },
    }
    points = {
        "mark": {"type": "circle", "opacity": 0.9, "stroke": "white", "strokeWidth": 1},
        "encoding": {
            "color": color,
            "size": {
                "field": "latency_ms_per_1000_p50",
                "scale": {"range": [120, 900]},
                "title": "Latency p50 (ms per 1,000)",
                "type": "quantitative",
            },
            "tooltip": tooltip,
            "x": x,
            "y": y,
        },
    }
    ring = {
        "mark": {
            "type": "point",
            "color": HIGHLIGHT_COLOR,
            "filled": False,
            "shape": "circle",
            "size": 1400,
            "strokeWidth": 3,
        },
        "encoding": {"tooltip": tooltip, "x": x, "y": y},
        "transform": [{"filter": "datum.mvp"}],
    }
    text = {
        "color": {"condition": {"test": "datum.mvp", "value": HIGHLIGHT_COLOR}, "value": "#212121"},
        "text": {"field": "label", "type": "nominal"},
        "x": x,
        "y": y,
    }
    # Names of the dearest prototypes go left of their point so they stay inside the chart.
    right = "datum.x_position > 0.6"
    labels = {
        "layer": [
            {
                "mark": {
                    "type": "text",
                    "align": align,
                    "dx": dx,
                    "dy": -12,
                    "fontSize": FONT_SIZE,
                },
                "encoding": text,
                "transform": [{"filter": condition}],
            }
            for align, dx, condition in (
                ("left", 16, f"(!({right}))"),
                ("right", -16, f"({right})"),
            )
        ]
    }
    subtitle = [
        f"{attrs.get('confidence', 0.95):.0%} intervals ({attrs.get('method', BOOTSTRAP_METHOD)}"
        f", {attrs.get('n_rows', 0):,} {ROWS_WORD}); size = latency; grey = dominated"
    ]
    if missing:
        subtitle.append(f"Not shown (running cost or score unknown): {', '.join(missing)}")
    spec = {
        "config": _chart_config(),
        "layer": [bars, points, ring, labels],
        "height": 420,
        "title": {"text": f"{label} against running cost", "subtitle": subtitle},
        "width": 760,
    }
    return vega.with_data(spec, data)


def pareto_chart(table: pd.DataFrame, metric_key: str | None = None) -> alt.LayerChart:
    """:func:`pareto_spec` as an Altair chart (validated against the Vega-Lite schema), for
    whoever renders it with Altair's tools, such as the HTML report."""
    import altair as alt  # 0.25 s to import: the pages draw pareto_spec, never this

    return alt.LayerChart.from_dict(pareto_spec(table, metric_key))


def _chart_config() -> dict:
    """The fonts, label lengths and frame of the bake-off's charts: a Vega-Lite ``config``."""
    return {
        "view": {"strokeWidth": 0},
        "axis": {
            "labelFontSize": FONT_SIZE - 1,
            "labelLimit": LABEL_LIMIT,
            "titleFontSize": FONT_SIZE,
            "titleLimit": 2 * LABEL_LIMIT,
        },
        "legend": {
            "labelFontSize": FONT_SIZE - 1,
            "labelLimit": LABEL_LIMIT,
            "orient": "bottom",
            "titleFontSize": FONT_SIZE - 1,
        },
        "title": {
            "anchor": "start",
            "fontSize": TITLE_FONT_SIZE,
            "subtitleFontSize": FONT_SIZE - 1,
        },
    }


def _axis_position(values: np.ndarray, log: bool) -> np.ndarray:
    """Where each value sits along the axis, from 0 (left) to 1 (right)."""
    if not len(values):
        return values
    scaled = np.log(values) if log else values
    low, high = scaled.min(), scaled.max()
    return (scaled - low) / (high - low) if high > low else np.zeros(len(values))


def agreement_data(matrix: pd.DataFrame) -> pd.DataFrame:
    """The agreement matrix in long form, one row per pair of prototypes: ``a``, ``b``,
    ``share`` (of rows where they predict the same label) and ``text``, that share as shown."""
    long = [
        {"a": str(a), "b": str(b), "share": float(matrix.loc[a, b])}
        for a in matrix.index
        for b in matrix.columns
    ]
    data = pd.DataFrame(long, columns=["a", "b", "share"])
    data["text"] = [f"{v:.1%}" for v in data["share"]]
    return data


def agreement_spec(matrix: pd.DataFrame) -> dict:
    """Share of identical predictions for each pair of prototypes, as a labelled heatmap: a
    Vega-Lite spec ready for ``st.vega_lite_chart``, written as the dict Altair would produce
    (as :func:`pareto_spec` is, and for the same reason: Altair took 0.2–0.4 s to build it)."""
    names = [str(n) for n in matrix.index]
    data = agreement_data(matrix)
    low = float(data["share"].min()) if len(data) else 0.0
    position = {
        "x": {
            "axis": {"labelAngle": -30},
            "field": "b",
            "sort": names,
            "title": None,
            "type": "nominal",
        },
        "y": {"field": "a", "sort": names, "title": None, "type": "nominal"},
    }
    cells = {
        "mark": {"type": "rect"},
        "encoding": {
            "color": {
                "field": "share",
                "legend": {"format": ".0%"},
                "scale": {"domain": [min(low, 0.99), 1.0], "scheme": "blues"},
                "title": "Same prediction",
                "type": "quantitative",
            },
            "tooltip": [
                vega.field("a", "nominal", title="Prototype"),
                vega.field("b", "nominal", title="and"),
                vega.field("text", "nominal", title="Same prediction"),
            ],
            **position,
        },
    }
    text = {
        "mark": {"type": "text", "fontSize": FONT_SIZE},
        "encoding": {
            "color": {
                "condition": {"test": f"(datum.share > {(low + 1) / 2!r})", "value": "white"},
                "value": "black",
            },
            "text": {"field": "text", "type": "nominal"},
            **position,
        },
    }
    size = max(240, 90 * len(names))
    # Drawn at the page's width, the height holds the rotated names under the cells and the
    # legend too: 60 px a row plus 220 px for those keeps every row and its label readable.
    height = 60 * len(names) + 220
    spec = {
        "config": _chart_config(),
        "layer": [cells, text],
        "height": height,
        "title": "How often two prototypes predict the same label",
        "width": size,
    }
    return vega.with_data(spec, data)


def cost_scatter(comparison: pd.DataFrame, metric_key: str, cost: str = "latency") -> alt.Chart:
    """Headline metric against a cost, one labelled point per prototype, the MVP highlighted."""
    import altair as alt

    column, title = COST_AXES[cost]
    data = comparison.copy()
    data["model_size_mb"] = data["model_size_bytes"] / MEGABYTE
    data["role"] = np.where(data["mvp"].astype(bool), "MVP", "prototype")
    data["metric_text"] = [format_metric(metric_key, v) for v in data[metric_key]]
    info = METRICS[metric_key]
    low, high = float(data[column].min()), float(data[column].max())
    x = alt.X(
        f"{column}:Q",
        title=title,
        scale=alt.Scale(type="log", domain=[low / 2, high * 10], nice=False),
        axis=alt.Axis(format="~g", tickCount=6, grid=False),
    )
    direction = "higher is better" if info.higher_is_better else "lower is better"
    y = alt.Y(
        f"{metric_key}:Q",
        title=f"{info.label} ({direction})",
        scale=alt.Scale(zero=False, padding=24),
        # three significant figures: ".2f" wrote a log loss axis of 0.004 … 0.006 as "0.00"
        axis=alt.Axis(format=",.3~g", tickCount=5),
    )
    color = alt.Color(
        "role:N",
        scale=alt.Scale(
            domain=["MVP", "prototype"], range=[charts.HIGHLIGHT_COLOR, charts.DOWN_COLOR]
        ),
        legend=alt.Legend(orient="bottom", title=None),
    )
    base = alt.Chart(data).encode(x=x, y=y)
    points = base.mark_point(filled=True, opacity=1).encode(
        color=color,
        size=alt.Size(
            "role:N", scale=alt.Scale(domain=["MVP", "prototype"], range=[420, 180]), legend=None
        ),
        tooltip=[
            alt.Tooltip("prototype:N"),
            alt.Tooltip("metric_text:N", title=info.label),
            alt.Tooltip(f"{column}:Q", title=title.split(" (")[0], format=".3g"),
        ],
    )
    labels = base.mark_text(align="left", dx=12, dy=-10, fontSize=charts.FONT_SIZE).encode(
        text="prototype:N"
    )
    return charts.styled((points + labels).properties(height=340))


# -- what each prototype costs a month, errors included -----------------------------------------
__all__ += ["monthly_cost_data", "monthly_cost_spec"]

#: The parts of a month's total, in stacking order, with their colours.
COST_PARTS = {
    "hosting_cost_per_month": ("Hosting", "#1565c0"),
    "retrain_cost_per_month": ("Retraining", "#64b5f6"),
    "maintenance_cost_per_month": ("Maintenance", "#7e57c2"),
    "errors": ("Errors", "#e65100"),
}


def monthly_cost_data(
    owned: dict[str, dict], errors: dict[str, ErrorCost | None], mvp: str | None
) -> pd.DataFrame:
    """One row per prototype and part of its monthly total (hosting, retraining, maintenance,
    errors) with its ``amount``, the ``amount_text`` and the ``formula`` behind it; parts
    whose amount is unknown are left out."""
    rows = []
    for order, (name, figures) in enumerate(owned.items()):
        label = f"{name} (MVP)" if name == mvp else name
        for key, (part, _) in COST_PARTS.items():
            if key == "errors":
                cost = errors.get(name)
                amount = None if cost is None else cost.monthly
                formula = "" if cost is None else cost.formula
            else:
                amount, formula = figures[key], figures["formulas"][key]
            if amount is None:
                continue
            rows.append(
                {
                    "prototype": label,
                    "order": order,
                    "part": part,
                    "part_order": list(COST_PARTS).index(key),
                    "amount": float(amount),
                    "amount_text": format_money(amount, figures["currency"]),
                    "formula": formula,
                }
            )
    columns = ["prototype", "order", "part", "part_order", "amount", "amount_text", "formula"]
    return pd.DataFrame(rows, columns=columns)


def money_axis(currency: str) -> dict:
    """An axis of money in SI units ("$0.2M"), with 0 as "$0" (Vega gives every tick the
    largest tick's prefix: "$0M") and billions as "B", not SI's "G"."""
    symbol = "$" if currency == "USD" else ""
    return {
        "format": f"{symbol}~s",
        "tickCount": 6,
        "labelExpr": f"datum.value == 0 ? '{symbol}0' : replace(datum.label, 'G', 'B')",
    }


def monthly_cost_spec(
    owned: dict[str, dict], errors: dict[str, ErrorCost | None], mvp: str | None
) -> dict:
    """What each prototype costs a month, errors included, as stacked bars (one per
    prototype): hovering a part shows its amount and the formula with its numbers."""
    data = monthly_cost_data(owned, errors, mvp)
    currency = next(iter(owned.values()))["currency"] if owned else "USD"
    parts = [part for part, _ in COST_PARTS.values()]
    spec = {
        "config": _chart_config(),
        "mark": {"type": "bar"},
        "encoding": {
            "y": {
                "field": "prototype",
                "type": "nominal",
                "sort": list(dict.fromkeys(data["prototype"])),
                "title": None,
            },
            "x": {
                "field": "amount",
                "type": "quantitative",
                "stack": "zero",
                "title": f"A month ({currency})",
                "axis": money_axis(currency),
            },
            "color": {
                "field": "part",
                "type": "nominal",
                "scale": {"domain": parts, "range": [c for _, c in COST_PARTS.values()]},
                "title": None,
            },
            "order": {"field": "part_order", "type": "quantitative"},
            "tooltip": [
                vega.field("prototype", "nominal", title="Prototype"),
                vega.field("part", "nominal", title="Part"),
                vega.field("amount_text", "nominal", title="A month"),
                vega.field("formula", "nominal", title="How it is computed"),
            ],
        },
        "height": {"step": 40},
        "title": "What each prototype costs a month, its errors included (hover for formulas)",
        "width": "container",
    }
    return vega.with_data(spec, data)
