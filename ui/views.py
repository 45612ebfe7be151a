"""What the pages show, computed without Streamlit: charts, tables, filters, the review queue.

Every function takes plain data (dicts, DataFrames, a ``Workspace``) and returns plain data or
an Altair chart, so it can be unit-tested on its own. The pages only lay these out.

Charts are sized for a projector at 1280×720: fonts of at least 13 px and label limits wide
enough for the longest AI4I feature name, "Process temperature [K]" with its value.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from model.costs import CostAssumptions, costs, format_money, format_number
from model.metrics import (
    BINARY,
    HEADLINE_METRIC,
    METRICS,
    MULTICLASS,
    REGRESSION,
    format_metric,
)
from model.stats import available_metrics
from model.workspace import Workspace
from ui import vega
from ui.bakeoff_display import display_table

if TYPE_CHECKING:  # Altair takes 0.25 s to import; the pages draw specs written as dicts
    import altair as alt

__all__ = [
    "MetricDelta",
    "TABLE_PAGE_SIZE",
    "TablePage",
    "agreement_table",
    "assumptions_text",
    "bakeoff_display",
    "bakeoff_metrics",
    "chart_spec",
    "comparison_table",
    "comparison_view",
    "confidence_in_words",
    "conflicts_table",
    "contribution_text",
    "cost_formulas",
    "cost_help",
    "cost_scatter",
    "costs_view",
    "count_verdicts",
    "decision_snapshot",
    "deck_rule",
    "default_row",
    "default_row_note",
    "decision_text",
    "disagreement_view",
    "dispute_chart",
    "dispute_counts_table",
    "disputes_table",
    "escape_markdown",
    "escape_table",
    "existing_tags",
    "explaining_message",
    "export_bytes",
    "feature_label",
    "feature_values_table",
    "filter_predictions",
    "filter_verdicts",
    "followup_table",
    "global_importance_chart",
    "importance_caption",
    "headline_by_sprint",
    "headline_chart",
    "history_table",
    "latest_mvp",
    "metric_deltas",
    "model_details",
    "one_line",
    "overview_table",
    "pairwise_table",
    "percent",
    "percentile_table",
    "precomputed_caption",
    "prediction_in_words",
    "prediction_mask",
    "previous_mvp",
    "probability_label",
    "queue_progress",
    "reason_wording",
    "resolved_table",
    "review_queue",
    "segment_features",
    "segment_view",
    "snapshot_view",
    "table_key",
    "table_page",
    "trained_on_caption",
    "training_export_bytes",
    "verdict_export_bytes",
    "verdict_summary",
    "verdicts_table",
    "waterfall_caption",
    "waterfall_chart",
    "waterfall_data",
    "with_arrow_datasets",
]

# -- projector-friendly chart styling -----------------------------------------------------------
FONT_SIZE = 15
TITLE_FONT_SIZE = 16
LABEL_LIMIT = 380
UP_COLOR = "#c62828"  # pushes the explained output up
DOWN_COLOR = "#1565c0"  # pushes it down
NEUTRAL_COLOR = "#546e7a"
TEXT_COLOR = "#212121"
HIGHLIGHT_COLOR = "#e65100"

CORRECTNESS = ("all", "correct", "wrong")

#: Metrics shown on the sprint demo page, per task, when the prototype has them.
DEMO_METRICS = {
    BINARY: ["pr_auc", "roc_auc", "f1", "precision", "recall", "log_loss"],
    MULTICLASS: ["macro_f1", "accuracy", "balanced_accuracy", "roc_auc", "log_loss"],
    REGRESSION: ["rmse", "mae", "r2"],
}

BASE_LABEL = "Average prediction (base value)"
OUTPUT_LABEL = "This prediction"
KIND_BASE, KIND_UP, KIND_DOWN, KIND_OUTPUT = "base value", "pushes up", "pushes down", "prediction"


def _styled(chart: alt.TopLevelMixin) -> alt.TopLevelMixin:
    return (
        chart.configure_axis(
            labelFontSize=FONT_SIZE,
            titleFontSize=FONT_SIZE,
            labelLimit=LABEL_LIMIT,
            titleLimit=600,
            labelColor=TEXT_COLOR,
            titleColor=TEXT_COLOR,
            titleFontWeight="normal",
        )
        .configure_legend(
            labelFontSize=FONT_SIZE,
            titleFontSize=FONT_SIZE,
            labelLimit=LABEL_LIMIT,
            labelColor=TEXT_COLOR,
        )
        .configure_title(fontSize=TITLE_FONT_SIZE)
        .configure_text(fontSize=FONT_SIZE)
        .configure_view(strokeWidth=0)
    )


def _config() -> dict:
    """What :func:`_styled` configures, as a Vega-Lite ``config``."""
    return {
        "view": {"strokeWidth": 0},
        "axis": {
            "labelColor": TEXT_COLOR,
            "labelFontSize": FONT_SIZE,
            "labelLimit": LABEL_LIMIT,
            "titleColor": TEXT_COLOR,
            "titleFontSize": FONT_SIZE,
            "titleFontWeight": "normal",
            "titleLimit": 600,
        },
        "legend": {
            "labelColor": TEXT_COLOR,
            "labelFontSize": FONT_SIZE,
            "labelLimit": LABEL_LIMIT,
            "titleFontSize": FONT_SIZE,
        },
        "text": {"fontSize": FONT_SIZE},
        "title": {"fontSize": TITLE_FONT_SIZE},
    }


def _value_labels(x_field: str, y: dict) -> dict:
    """A layer writing each row's ``text`` just right of ``x_field``: the values of bars."""
    mark = {"type": "text", "align": "left", "color": TEXT_COLOR, "dx": 6, "fontSize": FONT_SIZE}
    encoding = {
        "text": vega.field("text", "nominal"),
        "x": vega.field(x_field, "quantitative"),
        "y": y,
    }
    return {"mark": mark, "encoding": encoding}


def chart_spec(chart: alt.TopLevelMixin) -> dict:
    """The Vega-Lite spec of an Altair chart, for ``st.vega_lite_chart``: built and validated
    once, so a cached spec is drawn on a rerun without Altair's work.

    Drops the 300-pixel view size of Altair's default theme, as ``st.altair_chart`` does, so
    the page's ``width="stretch"`` decides the width.
    """
    spec = chart.to_dict()
    view = spec.get("config", {}).get("view", {})
    for key in ("continuousWidth", "continuousHeight"):
        view.pop(key, None)
    return spec


def with_arrow_datasets(spec: Mapping) -> dict:
    """``spec`` with each named dataset (a list of records) as Arrow IPC stream bytes, the form
    ``st.vega_lite_chart`` sends to the browser and passes through unchanged: a cached spec is
    then drawn without converting its data on every rerun."""
    datasets = {}
    for name, values in (spec.get("datasets") or {}).items():
        table = pa.Table.from_pandas(pd.DataFrame(values), preserve_index=False)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            writer.write_table(table)
        datasets[name] = sink.getvalue().to_pybytes()
    return {**spec, "datasets": datasets} if datasets else dict(spec)


# -- text ---------------------------------------------------------------------------------------
# Characters that start markdown syntax Streamlit renders: emphasis, code, links and images
# ("[" and "]"), HTML, headings, tables, strikethrough, LaTeX ("$"), emoji shortcodes and colour
# directives (":"), email autolinks ("@").
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~$:@])")
_WWW = re.compile(r"(?i)\b(www)\.")
_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))")


def escape_markdown(text: object) -> str:
    """``text`` as one line with the markdown Streamlit would interpret backslash-escaped.

    For user text shown in elements that render markdown (captions, alerts, headings): links,
    images, autolinks, emphasis, LaTeX, emoji shortcodes and colour directives (``:red[...]``)
    then show as typed.
    """
    line = " ".join(str(text).splitlines())
    line = _WWW.sub(r"\1\\.", _MARKDOWN_SPECIAL.sub(r"\\\1", line))

    def leading(match: re.Match) -> str:
        if match.group(2):
            return f"{match.group(1)}\\{match.group(2)}"
        return f"{match.group(1)}{match.group(3)}\\{match.group(4)}"

    return _LINE_START.sub(leading, line, count=1)


def one_line(error: BaseException) -> str:
    """The first line of an error's message, for ``st.error``."""
    message = str(error).strip()
    return message.splitlines()[0] if message else type(error).__name__


def percent(value: float) -> str:
    """A probability as people read it; never rounds a non-certain value to 0% or 100%."""
    if value is None or not np.isfinite(value):
        return "—"
    shown = round(value * 100)
    if shown >= 100 and value < 1:
        return ">99%"
    if shown <= 0 and value > 0:
        return "<1%"
    return f"{shown}%"


def _format_value(value: object) -> str:
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        if not np.isfinite(value):
            return "missing"
        return f"{float(value):.5g}"
    if value is None:
        return "missing"
    return str(value)


def feature_label(name: str, value: object) -> str:
    """``"Torque [Nm] = 65.2"``."""
    return f"{name} = {_format_value(value)}"


def target_name(meta: Mapping) -> str | None:
    """The name of what the model predicts, if the prototype's metadata records it."""
    name = meta.get("target") or meta.get("target_name")
    return str(name) if name else None


def probability_label(meta: Mapping, explained_class: str | None = None) -> str:
    """What a contribution is a contribution to: ``"P(Machine failure = 1)"`` or a value."""
    target = target_name(meta)
    if meta.get("task") == REGRESSION:
        return f"predicted {target}" if target else "predicted value"
    label = explained_class
    if label is None:
        explained = meta.get("explained_classes") or [None]
        label = explained[0]
    return f"P({target or 'class'} = {label})"


def prediction_in_words(predicted: object, confidence: float | None, meta: Mapping) -> str:
    """One sentence a non-specialist can read: "Machine failure predicted with 83% probability"."""
    task = meta.get("task")
    target = target_name(meta)
    if task == REGRESSION:
        return f"Predicted {target or 'value'}: {_format_value(predicted)}"
    label = str(predicted)
    if task == BINARY and target:
        positive = meta.get("positive_class")
        what = target if label == positive else f"No {target[:1].lower()}{target[1:]}"
    else:
        what = f"{target} = {label}" if target else f"Class {label}"
    if confidence is None:
        return f"{what} predicted"
    return f"{what} predicted with {percent(confidence)} probability"


def _percent_format(span: float) -> str:
    """An axis format for probabilities spread over ``span``: whole percents unless the ticks
    would repeat ("1%, 1%, 2%")."""
    return ".0%" if span >= 0.08 else ".1%"


# -- SHAP waterfall -----------------------------------------------------------------------------
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
    axis_format = _percent_format(span) if probability else ".3g"
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
    labels = _value_labels("text_at", y)
    spec = {"config": _config(), "layer": [bars, labels], "height": 44 * len(data) + 40}
    return vega.with_data(spec, data)


def waterfall_chart(explanation: Mapping, meta: Mapping, max_features: int = 10) -> alt.LayerChart:
    """:func:`waterfall_spec` as an Altair chart (validated against the Vega-Lite schema)."""
    import altair as alt

    return alt.LayerChart.from_dict(waterfall_spec(explanation, meta, max_features))


# -- global importance --------------------------------------------------------------------------
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
        axis={"format": _percent_format(high) if probability else ".3g", "tickCount": 5},
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
    labels = _value_labels("importance", y)
    spec = {"config": _config(), "layer": [bars, labels], "height": 36 * max(len(data), 1) + 50}
    return vega.with_data(spec, data)


def global_importance_chart(meta: Mapping) -> alt.LayerChart:
    """:func:`global_importance_spec` as an Altair chart."""
    import altair as alt

    return alt.LayerChart.from_dict(global_importance_spec(meta))


# -- sprints ------------------------------------------------------------------------------------
def headline_by_sprint(summary: pd.DataFrame, sprints: list[str]) -> pd.DataFrame:
    """Each sprint's MVP and its headline metric, in sprint order (sprints without one left out)."""
    mvps = summary[summary["mvp"].astype(bool)].copy()
    order = {name: i for i, name in enumerate(sprints)}
    mvps["order"] = mvps["sprint"].map(order)
    mvps = mvps.dropna(subset=["order"]).sort_values("order")
    return mvps[["sprint", "prototype", "metric", "value", "order"]].reset_index(drop=True)


def headline_spec(summary: pd.DataFrame, sprints: list[str]) -> dict:
    """The MVP's headline metric per sprint: a line with each value above its point and the
    sprint and MVP names (wrapped) under the axis. A Vega-Lite spec (see ``ui.vega``)."""
    data = headline_by_sprint(summary, sprints)
    data["text"] = [
        format_metric(_metric_key(label), value)
        for label, value in zip(data["metric"], data["value"], strict=True)
    ]
    # Names cannot hold control characters (model.naming), so a newline separates the lines.
    data["axis_label"] = [
        "\n".join([sprint, *textwrap.wrap(str(prototype), 18)])
        for sprint, prototype in zip(data["sprint"], data["prototype"], strict=True)
    ]
    metrics = [m for m in data["metric"].dropna().unique()]
    title = metrics[0] if len(metrics) == 1 else "headline metric"
    position = {
        "x": vega.field(
            "axis_label",
            "nominal",
            axis={"labelAngle": 0, "labelExpr": "split(datum.label, '\\n')", "labelPadding": 8},
            sort=list(data["axis_label"]),
            title=None,
        ),
        "y": vega.field(
            "value",
            "quantitative",
            axis={"format": ".2f", "tickCount": 5},
            scale={"padding": 30, "zero": False},
            title=f"MVP {title}",
        ),
    }
    tooltip = [
        vega.field("sprint", "nominal"),
        vega.field("prototype", "nominal", title="MVP"),
        vega.field("text", "nominal", title=title),
    ]
    layers = [
        {"mark": {"type": "line", "color": DOWN_COLOR, "strokeWidth": 3}, "encoding": position},
        {
            "mark": {"type": "point", "color": DOWN_COLOR, "filled": True, "size": 140},
            "encoding": {"tooltip": tooltip, **position},
        },
        {
            "mark": {"type": "text", "dy": -18, "fontSize": FONT_SIZE, "fontWeight": "bold"},
            "encoding": {"text": vega.field("text", "nominal"), **position},
        },
    ]
    return vega.with_data({"config": _config(), "layer": layers, "height": 320}, data)


def headline_chart(summary: pd.DataFrame, sprints: list[str]) -> alt.LayerChart:
    """:func:`headline_spec` as an Altair chart."""
    import altair as alt

    return alt.LayerChart.from_dict(headline_spec(summary, sprints))


def _metric_key(label: str | None) -> str | None:
    for key, info in METRICS.items():
        if info.label == label:
            return key
    return None


def previous_mvp(ws: Workspace, sprint: str) -> tuple[str, str] | None:
    """``(sprint, prototype)`` of the MVP of the nearest earlier sprint that has one."""
    sprints = ws.sprints()
    if sprint not in sprints:
        return None
    for earlier in reversed(sprints[: sprints.index(sprint)]):
        mvp = ws.mvp(earlier)
        if mvp and mvp in ws.prototypes(earlier):
            return earlier, mvp
    return None


@dataclass(frozen=True)
class MetricDelta:
    """One metric for ``st.metric``: its value and its change against a reference."""

    key: str
    label: str
    value: float
    formatted: str
    delta: float | None
    delta_text: str | None
    delta_color: str
    improved: bool | None


def metric_deltas(
    metrics: Mapping[str, float],
    previous: Mapping[str, float] | None,
    task: str,
    keys: Iterable[str] | None = None,
) -> list[MetricDelta]:
    """The task's metrics with their change since ``previous``, aware of which way is better.

    ``delta_color`` is ``"inverse"`` for metrics where lower is better (log loss, RMSE), so
    Streamlit paints a fall green; ``improved`` says the same in a word.
    """
    wanted = list(keys) if keys is not None else DEMO_METRICS.get(task, list(metrics))
    out = []
    for key in wanted:
        if key not in metrics or metrics[key] is None:
            continue
        info = METRICS[key]
        value = float(metrics[key])
        delta = delta_text = improved = None
        if previous and previous.get(key) is not None:
            delta = value - float(previous[key])
            digits = f"{delta:+.3f}" if info.is_fraction else f"{delta:+.3g}"
            delta_text = digits
            improved = None if delta == 0 else (delta > 0) == info.higher_is_better
        out.append(
            MetricDelta(
                key=key,
                label=info.label,
                value=value,
                formatted=format_metric(key, value),
                delta=delta,
                delta_text=delta_text,
                delta_color="normal" if info.higher_is_better else "inverse",
                improved=improved,
            )
        )
    return out


def overview_table(
    ws: Workspace, summary: pd.DataFrame, counts: Mapping[str, Mapping[str, int]]
) -> pd.DataFrame:
    """One row per sprint: MVP and its headline metric, latest decision, verdict counts.

    The headline column is named after the metric when every sprint's MVP has the same one.
    """
    rows, metrics = [], set()
    for sprint in ws.sprints():
        mvp = ws.mvp(sprint)
        mine = summary[(summary["sprint"] == sprint) & (summary["prototype"] == mvp)]
        metric, value = (
            (mine.iloc[0]["metric"], mine.iloc[0]["value"]) if len(mine) else (None, None)
        )
        key = _metric_key(metric)
        if key:
            metrics.add(metric)
        decisions = ws.decisions(sprint)
        latest = decisions[-1] if decisions else {}
        count = counts.get(sprint, {})
        rows.append(
            {
                "Sprint": sprint,
                "MVP": mvp or "—",
                "Headline": (metric, format_metric(key, value) if key else "—"),
                "Decision": latest.get("chosen", "—"),
                "Correct": count.get("correct", 0),
                "Wrong": count.get("wrong", 0),
                "Unsure": count.get("unsure", 0),
                "Reviewers": count.get("reviewers", 0),
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    if len(metrics) == 1:
        table["Headline"] = [value for _, value in table["Headline"]]
        table = table.rename(columns={"Headline": f"MVP {metrics.pop()}"})
    else:
        table["Headline"] = [
            f"{metric} {value}" if metric else value for metric, value in table["Headline"]
        ]
    return table


def decision_text(decision: Mapping, sprint: str | None = None) -> tuple[str, str, str]:
    """A decision as plain text: when and by whom, what and why, and who attended."""
    when = f"decided on {decision.get('decided_on', '')} · recorded by "
    when += decision.get("recorded_by") or "unknown"
    if sprint:
        when = f"{sprint} · {when}"
    body = f"Chose {decision.get('chosen', '')}: {decision.get('rationale', '')}"
    return when, body, ", ".join(decision.get("attendees", []))


# -- bake-off -----------------------------------------------------------------------------------
MEGABYTE = 1_000_000
COST_AXES = {
    "latency": ("latency_ms_per_1000_p50", "latency: ms per 1,000 rows (p50, log scale)"),
    "size": ("model_size_mb", "model size: MB (log scale)"),
}


def _number(value: object, digits: int) -> str:
    number = pd.to_numeric(value, errors="coerce")
    return "—" if pd.isna(number) else f"{float(number):,.{digits}f}"


def comparison_table(
    comparison: pd.DataFrame, task: str, decisions: list[Mapping] | None = None
) -> pd.DataFrame:
    """The prototypes side by side: one column each (the MVP's name marked), one row per metric
    or cost, every cell formatted as text. Metric rows say which way is better (↑ or ↓).
    Model and explainer descriptions are long: ``model_details`` lists them apart."""
    chosen_on: dict[str, str] = {}
    for decision in decisions or []:
        chosen_on[decision.get("chosen", "")] = decision.get("decided_on", "")
    metric_keys = [k for k in DEMO_METRICS.get(task, []) if k in comparison.columns]
    rows: dict[str, list[str]] = {}
    for key in metric_keys:
        info = METRICS[key]
        label = f"{info.label} {'↑' if info.higher_is_better else '↓'}"
        rows[label] = [format_metric(key, v) for v in comparison[key]]
    costs = {
        "Training (s)": (comparison["train_seconds"], 2),
        "Latency p50 (ms/1k rows)": (comparison["latency_ms_per_1000_p50"], 1),
        "Latency p95 (ms/1k rows)": (comparison["latency_ms_per_1000_p95"], 1),
        "Model size (MB)": (comparison["model_size_bytes"] / MEGABYTE, 2),
        "Peak memory (MB)": (comparison["peak_memory_bytes"] / MEGABYTE, 1),
        "Effort (days)": (comparison["effort_days"], 1),
    }
    for label, (values, digits) in costs.items():
        rows[label] = [_number(v, digits) for v in values]
    rows["Chosen on"] = [chosen_on.get(name, "") for name in comparison["prototype"]]
    columns = [
        f"{name} (MVP)" if mvp else name
        for name, mvp in zip(comparison["prototype"], comparison["mvp"].astype(bool), strict=True)
    ]
    table = pd.DataFrame.from_dict(rows, orient="index", columns=columns)
    table.index.name = "Prototype"
    return table


def model_details(comparison: pd.DataFrame) -> pd.DataFrame:
    """Each prototype's model, SHAP explainer and version, for ``st.dataframe``."""
    return pd.DataFrame(
        {
            "Prototype": comparison["prototype"],
            "Model": comparison["model"],
            "SHAP explainer": comparison["explainer"],
            "Version": comparison["version"],
        }
    )


def escape_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with its cells, header and index markdown-escaped, for ``st.table``."""
    escaped = table.map(escape_markdown)
    escaped.columns = [escape_markdown(c) for c in table.columns]
    escaped.index = pd.Index([escape_markdown(i) for i in table.index], name=table.index.name)
    return escaped


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
        axis=alt.Axis(format=".2f", tickCount=5),
    )
    color = alt.Color(
        "role:N",
        scale=alt.Scale(domain=["MVP", "prototype"], range=[HIGHLIGHT_COLOR, DOWN_COLOR]),
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
    labels = base.mark_text(align="left", dx=12, dy=-10, fontSize=FONT_SIZE).encode(
        text="prototype:N"
    )
    return _styled((points + labels).properties(height=340))


# -- bake-off: what the group decides on ---------------------------------------------------------
#: Metrics the bake-off offers for a binary task; other tasks get every metric they support.
BAKEOFF_METRICS = {
    BINARY: ["pr_auc", "roc_auc", "recall@p90", "f1", "precision", "recall", "accuracy"],
}
#: Columns of ``bakeoff.display_table`` shown with the other measured costs, not in the
#: decision table.
MEASURED_COLUMNS = ("Model size (MB)", "Peak memory (MB)", "Training (s)", "Effort (person-days)")
COST_FORMULA_ROWS = {
    "prediction_cost_per_month": "Predicting, per month",
    "retrain_cost_per_month": "Retraining, per month",
    "running_cost_per_month": "Running cost, per month",
    "one_off_cost": "One-off cost",
}


def bakeoff_metrics(task: str) -> list[str]:
    """The metric keys the bake-off offers for ``task``, the task's headline metric first."""
    offered = BAKEOFF_METRICS.get(task) or list(available_metrics(task))
    headline = HEADLINE_METRIC.get(task)
    if headline not in offered:
        return list(offered)
    return [headline, *(key for key in offered if key != headline)]


def segment_features(meta: Mapping) -> list[str]:
    """The features a bake-off can be split by, categorical ones first, from a prototype's
    metadata (empty when it was published without feature names)."""
    features = list(meta.get("features", []))
    categorical = [f for f in meta.get("categorical", {}) if f in features]
    return categorical + [f for f in features if f not in categorical]


def bakeoff_display(table: pd.DataFrame) -> pd.DataFrame:
    """``bakeoff.display_table`` with McNemar p-values as people read them ("<0.001")."""
    shown = display_table(table)
    shown["McNemar p"] = [_p_value(p) for p in table["mcnemar_p"].to_numpy(dtype=float)]
    return shown


def _p_value(p: float) -> str:
    if not np.isfinite(p):
        return "—"
    return "<0.001" if p < 0.001 else f"{p:.2g}"


def comparison_view(shown: pd.DataFrame) -> pd.DataFrame:
    """The decision figures of ``bakeoff.display_table`` with one column per prototype (so
    3–5 of them fit a projector without scrolling): the score and its interval, the
    comparison with the reference, money, latency and the Pareto status."""
    figures = shown.drop(columns=[c for c in MEASURED_COLUMNS if c in shown.columns])
    table = figures.set_index("Prototype").T
    table.columns = [str(c) for c in table.columns]
    table.index.name = "Figure"
    return table


def costs_view(shown: pd.DataFrame, notes: Iterable[str]) -> pd.DataFrame:
    """Every cost of each prototype, in money and as measured, with its maintainability note;
    one column per prototype."""
    wanted = [
        "Prototype",
        "Running cost / month",
        "One-off cost",
        "Latency p50 / p95 (ms per 1,000)",
        *MEASURED_COLUMNS,
    ]
    figures = shown[[c for c in wanted if c in shown.columns]].copy()
    figures["Maintainability"] = [str(note or "") for note in notes]
    table = figures.set_index("Prototype").T
    table.columns = [str(c) for c in table.columns]
    table.index.name = "Figure"
    return table


def _money(amount: float, currency: str) -> str:
    return format_money(amount, currency)


def assumptions_text(assumptions: Mapping) -> str:
    """The cost assumptions in one line, for a caption."""
    a = CostAssumptions.from_dict(dict(assumptions))
    retrains = format_number(a.retrains_per_month)
    return (
        f"{format_number(a.predictions_per_month)} predictions and {retrains} "
        f"retrain{'' if a.retrains_per_month == 1 else 's'} a month, compute at "
        f"{_money(a.compute_price_per_hour, a.currency)} an hour, engineers at "
        f"{_money(a.engineer_day_rate, a.currency)} a day ({a.currency})"
    )


def cost_help(assumptions: CostAssumptions) -> dict[str, str]:
    """How the running and one-off costs are computed, with these assumptions filled in."""
    a = assumptions
    price = _money(a.compute_price_per_hour, a.currency)
    return {
        "Running cost / month": (
            "p50 latency (seconds per 1,000 predictions) × "
            f"{format_number(a.predictions_per_month)} predictions ÷ 1,000 ÷ 3,600 s/h × "
            f"{price}/h, plus training time (s) ÷ 3,600 s/h × "
            f"{format_number(a.retrains_per_month)} "
            f"retrain{'' if a.retrains_per_month == 1 else 's'} × {price}/h"
        ),
        "One-off cost": (
            f"effort (person-days) × {_money(a.engineer_day_rate, a.currency)} per day"
        ),
    }


def cost_formulas(metas: Mapping[str, Mapping], assumptions: CostAssumptions) -> pd.DataFrame:
    """Each prototype's money figures as formulas with its own numbers, one row per figure."""
    rows = []
    for name, meta in metas.items():
        formulas = costs(dict(meta), assumptions)["formulas"]
        for key, label in COST_FORMULA_ROWS.items():
            rows.append({"Prototype": name, "Figure": label, "Formula": formulas[key]})
    return pd.DataFrame(rows, columns=["Prototype", "Figure", "Formula"])


def segment_view(table: pd.DataFrame) -> pd.DataFrame:
    """``bakeoff.segment_table`` as text: the segment, its rows and positives, then the metric
    per prototype ("—" where it is undefined, e.g. a segment without positives)."""
    key = table.attrs.get("metric_key", "")
    feature = table.attrs.get("feature") or table.index.name or "Segment"
    out = pd.DataFrame({feature: [str(s) for s in table.index]})
    out["Rows"] = [f"{int(n):,}" for n in table["rows"]]
    if table["positives"].notna().any():
        out["Positives"] = [_count(n) for n in table["positives"]]
    for name in table.columns.drop(["rows", "positives"]):
        out[name] = [format_metric(key, _finite(v)) for v in table[name]]
    return out


def _count(value: object) -> str:
    number = pd.to_numeric(value, errors="coerce")
    return "—" if pd.isna(number) else f"{int(number):,}"


def _finite(value: object) -> float | None:
    number = pd.to_numeric(value, errors="coerce")
    return None if pd.isna(number) or not np.isfinite(number) else float(number)


def disagreement_view(rows: pd.DataFrame, prototypes: Iterable[str]) -> pd.DataFrame:
    """The rows of ``bakeoff.disagreements`` as text: row id, the truth, then each prototype's
    prediction and probability."""
    out = pd.DataFrame({"Row": rows["row_id"].astype(str).to_numpy()})
    if "actual" in rows.columns:
        out["Truth"] = rows["actual"].astype(str).to_numpy()
    for name in prototypes:
        out[name] = rows[name].astype(str).to_numpy()
        for column in rows.columns:
            if column.startswith(f"{name}: "):
                out[column] = [percent(v) for v in rows[column]]
    return out


def _json_value(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if pd.isna(value):
        return None
    return str(value)


def decision_snapshot(table: pd.DataFrame, shown: pd.DataFrame, assumptions: Mapping) -> list[dict]:
    """The figures shown when a decision is taken, one JSON-ready dict per prototype.

    Each holds the bake-off table's row (the metric's ``estimate``, ``low`` and ``high``, the
    comparison with the reference, the money and measured costs; NaN as None), the metric and
    the assumptions behind it, and ``shown``: the row as the page displayed it.
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
    published = [{k: _format_value(v) for k, v in r.items()} for r in rows]
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


# -- predictions and the review queue -----------------------------------------------------------
def filter_predictions(
    predictions: pd.DataFrame,
    classes: Iterable[str] | None = None,
    confidence: tuple[float, float] = (0.0, 1.0),
    correctness: str = "all",
    precomputed_only: bool = False,
) -> pd.DataFrame:
    """Rows whose predicted class is in ``classes`` (all if None or empty), whose confidence
    lies in the closed range ``confidence``, and that are right or wrong as ``correctness`` asks
    ("all", "correct" or "wrong"; ignored for predictions without known outcomes); with
    ``precomputed_only``, only rows whose SHAP values were computed when publishing."""
    return predictions[
        prediction_mask(predictions, classes, confidence, correctness, precomputed_only)
    ]


def prediction_mask(
    predictions: pd.DataFrame,
    classes: Iterable[str] | None = None,
    confidence: tuple[float, float] = (0.0, 1.0),
    correctness: str = "all",
    precomputed_only: bool = False,
) -> np.ndarray:
    """``filter_predictions`` as a boolean array over the rows, computed on NumPy arrays so
    that filtering 100,000 rows takes milliseconds."""
    if correctness not in CORRECTNESS:
        raise ValueError(f"correctness must be one of {', '.join(CORRECTNESS)}")
    mask = np.ones(len(predictions), dtype=bool)
    chosen = [str(c) for c in classes] if classes else []
    if chosen:
        mask &= predictions["predicted"].astype(str).isin(chosen).to_numpy()
    if "confidence" in predictions.columns:
        low, high = confidence
        values = predictions["confidence"].to_numpy(dtype=float, na_value=np.nan)
        # A little slack so the slider's rounded ends keep rows exactly on the boundary.
        mask &= (values >= low - 1e-9) & (values <= high + 1e-9)
    if correctness != "all" and "correct" in predictions.columns:
        correct = predictions["correct"].to_numpy(dtype=bool, na_value=False)
        mask &= correct == (correctness == "correct")
    if precomputed_only and "precomputed" in predictions.columns:
        mask &= predictions["precomputed"].to_numpy(dtype=bool, na_value=False)
    return mask


# -- the predictions table: pages of rows, and which rows were explained in advance -------------
#: Rows of the predictions table sent to the browser at a time.
TABLE_PAGE_SIZE = 200


@dataclass(frozen=True)
class TablePage:
    """Which slice of the filtered rows a page of the table shows: rows ``start`` (0-based,
    inclusive) to ``stop`` (exclusive) of ``shown``, the page ``number`` (1-based) of
    ``pages``, and ``total`` rows before filtering."""

    number: int
    pages: int
    start: int
    stop: int
    shown: int
    total: int

    @property
    def caption(self) -> str:
        """ "Showing rows 201–400 of 5,120 (filtered from 100,000). Click a row to explain it." """
        if not self.shown:
            return f"No rows of {self.total:,} match these filters."
        text = f"Showing rows {self.start + 1:,}–{self.stop:,} of {self.shown:,}"
        if self.shown != self.total:
            text += f" (filtered from {self.total:,})"
        return text + ". Click a row to explain it."


def table_page(shown: int, total: int, number: int, page_size: int = TABLE_PAGE_SIZE) -> TablePage:
    """Page ``number`` (clamped to the pages there are) of ``shown`` filtered rows."""
    if page_size < 1:
        raise ValueError("page_size must be at least 1")
    pages = max(1, -(-shown // page_size))
    number = min(max(int(number), 1), pages)
    start = (number - 1) * page_size
    return TablePage(number, pages, start, min(start + page_size, shown), shown, total)


def table_key(prefix: str, *view: object) -> str:
    """A widget key for a table showing ``view`` (its filters and page): a row selected in one
    view is not carried to another, where the same position is a different row."""
    digest = hashlib.sha1(repr(view).encode("utf-8")).hexdigest()[:12]
    return f"{prefix}-{digest}"


def precomputed_caption(n_precomputed: int | None, n_rows: int, deck: Mapping | None) -> str | None:
    """How many rows were explained when publishing, and what selecting another one costs;
    None when every row was (or the predictions do not say, as in workspaces published before
    demo decks). ``deck_rule`` says which rows and why."""
    if n_precomputed is None or n_precomputed >= n_rows:
        return None
    text = (
        f"{n_precomputed:,} of {n_rows:,} rows were explained when publishing (ticked under "
        "Ready). Any other row is explained when you select it"
    )
    seconds = (deck or {}).get("seconds_per_row")
    if isinstance(seconds, int | float) and np.isfinite(seconds) and seconds > 0:
        text += f", the first time only: {_seconds(seconds)}"
    return text + "."


def deck_rule(deck: Mapping | None) -> str | None:
    """Which rows were explained when publishing, and why: the deck's ``rule``, on one line."""
    rule = " ".join(str((deck or {}).get("rule") or "").split())
    return rule or None


def importance_caption(meta: Mapping) -> str | None:
    """What the global importance averages over when only some rows were explained when
    publishing (the deck's ``importance``); None when it is the plain mean over every row."""
    deck = meta.get("deck") or {}
    if not deck or deck.get("precomputed") is None or deck["precomputed"] >= deck.get("rows", 0):
        return None
    how = str(deck.get("importance") or "").strip()
    return f"Importance is the {how}." if how else None


def _seconds(seconds: float) -> str:
    return "under a second" if seconds < 1 else f"about {seconds:.0f} s"


def default_row(rows: pd.DataFrame) -> int:
    """Position of the row to explain when none is selected: the first of the page explained
    in advance (its explanation is read), else the first."""
    if "precomputed" in rows.columns:
        ready = np.flatnonzero(rows["precomputed"].to_numpy(dtype=bool, na_value=False))
        if len(ready):
            return int(ready[0])
    return 0


def default_row_note(rows: pd.DataFrame, position: int) -> str:
    """Why that row is explained, for the caption under its heading."""
    if position == 0:
        return "no row selected, so the first row of this page is explained"
    return "no row selected, so the first row of this page explained in advance is shown"


def explaining_message(row_id: str, precomputed: object) -> str | None:
    """The spinner's text while a row not explained in advance is explained; None for a
    precomputed row (a read, with nothing to wait for)."""
    if precomputed is None or bool(precomputed):
        return None
    return f"Explaining row {row_id} (first time only)…"


def review_queue(predictions: pd.DataFrame, reviewed: Iterable[str]) -> list[str]:
    """Row ids not yet reviewed, least confident first (ties in row order)."""
    done = {str(r) for r in reviewed}
    remaining = predictions[~predictions.index.astype(str).isin(done)]
    if "confidence" in remaining.columns:
        remaining = remaining.sort_values("confidence", kind="stable")
    return [str(r) for r in remaining.index]


def feature_values_table(feature_values: Mapping[str, object]) -> pd.DataFrame:
    """Feature name and value as text, for ``st.dataframe``."""
    return pd.DataFrame(
        {
            "Feature": list(feature_values),
            "Value": [_format_value(v) for v in feature_values.values()],
        }
    )


# -- verdicts -----------------------------------------------------------------------------------
VERDICT_COLUMNS = {
    "verdict_id": "ID",
    "sprint": "Sprint",
    "prototype": "Prototype",
    "row_id": "Row",
    "reviewer": "Reviewer",
    "verdict": "Verdict",
    "corrected_label": "Right label",
    "tags": "Tags",
    "comment": "Comment",
    "recorded_at": "Recorded at",
    "version": "Version",
}


def filter_verdicts(verdicts: pd.DataFrame, kinds: Iterable[str] | None = None) -> pd.DataFrame:
    """Verdicts of the given kinds (all if None or empty)."""
    chosen = list(kinds or [])
    return verdicts[verdicts["verdict"].isin(chosen)] if chosen else verdicts


def count_verdicts(verdicts: pd.DataFrame) -> dict[str, int]:
    """Correct, wrong, unsure, total and distinct reviewers, like ``FeedbackStore.counts``."""
    counts = {k: int((verdicts["verdict"] == k).sum()) for k in ("correct", "wrong", "unsure")}
    counts["total"] = int(len(verdicts))
    counts["reviewers"] = int(verdicts["reviewer"].nunique())
    return counts


def verdicts_table(verdicts: pd.DataFrame) -> pd.DataFrame:
    """Verdicts with readable column names and tags joined, for ``st.dataframe``."""
    table = verdicts[list(VERDICT_COLUMNS)].rename(columns=VERDICT_COLUMNS).copy()
    table["Tags"] = [", ".join(tags or []) for tags in table["Tags"]]
    table["Right label"] = table["Right label"].fillna("")
    table["Recorded at"] = table["Recorded at"].astype(str).str.slice(0, 16).str.replace("T", " ")
    return table.reset_index(drop=True)


def history_table(history: pd.DataFrame) -> pd.DataFrame:
    """Every version of one verdict, oldest first: when, who, what and why."""
    table = verdicts_table(history)
    return table[
        ["Version", "Recorded at", "Reviewer", "Verdict", "Right label", "Tags", "Comment"]
    ]


def existing_tags(verdicts: pd.DataFrame) -> list[str]:
    """Every tag used so far, sorted case-insensitively."""
    tags = {tag for row in verdicts.get("tags", []) for tag in (row or [])}
    return sorted(tags, key=str.casefold)


def export_bytes(
    store,
    format: str,
    sprint: str | None = None,
    prototype: str | None = None,
    reviewer: str | None = None,
) -> bytes:
    """``FeedbackStore.export`` to a temporary file, returned as bytes for a download button."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"verdicts.{format}"
        store.export(target, format, sprint=sprint, prototype=prototype, reviewer=reviewer)
        return target.read_bytes()


# -- SME review: the card in words ---------------------------------------------------------------
#: (minimum sureness, words); sureness is the confidence rescaled so chance is 0 and certain is 1.
CONFIDENCE_WORDS = ((0.9, "very sure"), (0.6, "fairly sure"), (0.3, "not very sure"))
#: How reasons are worded for targets people know by name: (outcome, noun for the demo rows).
REASON_WORDS = {"machine failure": ("Failure risk", "machines")}
DEMO_ROWS_NOUN = "rows in the demo set"


def confidence_in_words(confidence: float | None, n_classes: int) -> str | None:
    """How sure the model is, as a sentence ("The model is fairly sure about this one."), or
    None without a confidence (regression)."""
    if confidence is None or not np.isfinite(confidence) or n_classes < 2:
        return None
    chance = 1 / n_classes
    sureness = (float(confidence) - chance) / (1 - chance)
    for limit, words in CONFIDENCE_WORDS:
        if sureness >= limit:
            return f"The model is {words} about this one."
    if n_classes == 2:
        return "The model is unsure: this one is close to a coin toss."
    return "The model is unsure: the likeliest classes are close."


def reason_wording(meta: Mapping) -> tuple[str | None, str]:
    """``(outcome, noun)`` for ``model.review.reason_sentences``: "Failure risk" and "machines"
    for a machine-failure target, else words built from the target's name (None: the
    library's own wording)."""
    target = target_name(meta)
    if target and target.strip().casefold() in REASON_WORDS:
        return REASON_WORDS[target.strip().casefold()]
    if target and meta.get("task") == BINARY:
        return f"The probability of {target}", DEMO_ROWS_NOUN
    if target and meta.get("task") == REGRESSION:
        return f"The predicted {target}", DEMO_ROWS_NOUN
    return None, DEMO_ROWS_NOUN


def _compared(percentile: float | None) -> str:
    if percentile is None or not np.isfinite(percentile):
        return ""
    if percentile >= 60:
        return f"higher than {int(np.floor(percentile))}%"
    if percentile <= 40:
        return f"lower than {int(np.floor(100 - percentile))}%"
    return "typical"


def percentile_table(
    feature_values: Mapping[str, object], percentiles: Mapping[str, float]
) -> pd.DataFrame:
    """Each feature's value with its percentile in the demo set (NaN for categories) and the
    same in words ("higher than 95%", "typical"), for ``st.dataframe``."""
    names = list(feature_values)
    shown = [percentiles.get(name) for name in names]
    return pd.DataFrame(
        {
            "Feature": names,
            "Value": [_format_value(v) for v in feature_values.values()],
            "Percentile": pd.Series(
                [np.nan if p is None else float(p) for p in shown], dtype="float64"
            ),
            "In the demo set": [_compared(p) for p in shown],
        }
    )


def queue_progress(position: int, total: int, reviewed: int) -> tuple[float, str]:
    """The progress bar's value and text: "Card 3 of 40 · 2 reviewed"."""
    if total <= 0:
        return 0.0, "This queue is empty"
    if position >= total:
        return 1.0, f"End of the queue · {reviewed} of {total} reviewed"
    return (position + 1) / total, f"Card {position + 1} of {total} · {reviewed} reviewed"


def verdict_summary(verdict: Mapping) -> str:
    """A reviewer's current verdict in one line: "Your verdict: wrong, right label 1
    (version 2, 2024-05-17 10:02)"."""
    text = f"Your verdict: {verdict['verdict']}"
    label = verdict.get("corrected_label")
    if isinstance(label, str) and label:
        text += f", right label {label}"
    when = str(verdict.get("recorded_at", ""))[:16].replace("T", " ")
    return f"{text} (version {verdict['version']}, {when})"


def contribution_text(value: float, unit: str | None) -> str:
    """A SHAP contribution as shown on the waterfall: "+12.3 points" or "+0.42"."""
    if unit == "probability":
        return f"{value * 100:+.1f} points"
    return f"{value:+.3g}"


# -- disputes: "right answer, wrong reason" ------------------------------------------------------
def disputes_table(disputes: pd.DataFrame, unit: str | None = "probability") -> pd.DataFrame:
    """One card's disputes: who disputed which feature, how, and the contribution shown."""
    return pd.DataFrame(
        {
            "Reviewer": disputes["reviewer"].astype(str).to_numpy(),
            "Feature": disputes["feature"].astype(str).to_numpy(),
            "Kind": disputes["kind"].astype(str).to_numpy(),
            "Contribution shown": [
                contribution_text(float(v), unit) for v in disputes["shap_value"]
            ],
            "Comment": disputes["comment"].fillna("").astype(str).to_numpy(),
            "Recorded at": [str(v)[:16].replace("T", " ") for v in disputes["recorded_at"]],
        }
    )


def dispute_counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    """``FeedbackStore.dispute_counts`` with readable column names."""
    return counts.rename(
        columns={
            "sprint": "Sprint",
            "prototype": "Prototype",
            "feature": "Feature",
            "kind": "Kind",
            "count": "Disputes",
            "rows": "Rows",
            "reviewers": "Reviewers",
        }
    ).reset_index(drop=True)


def dispute_chart(counts: pd.DataFrame) -> alt.Chart:
    """Disputes per feature (per prototype when there are several), stacked by kind."""
    import altair as alt

    data = counts.copy()
    several = data[["sprint", "prototype"]].drop_duplicates().shape[0] > 1
    data["label"] = (
        data["sprint"] + " · " + data["prototype"] + " · " + data["feature"]
        if several
        else data["feature"]
    )
    order = list(data.groupby("label")["count"].sum().sort_values(ascending=False).index)
    kinds = ["should not matter", "wrong direction", "too strong"]
    bars = (
        alt.Chart(data)
        .mark_bar(size=24)
        .encode(
            y=alt.Y("label:N", sort=order, title=None),
            x=alt.X("sum(count):Q", title="disputes", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=kinds, range=[NEUTRAL_COLOR, DOWN_COLOR, UP_COLOR]),
                legend=alt.Legend(orient="bottom", title=None),
            ),
            tooltip=[
                alt.Tooltip("sprint:N"),
                alt.Tooltip("prototype:N"),
                alt.Tooltip("feature:N"),
                alt.Tooltip("kind:N"),
                alt.Tooltip("count:Q", title="disputes"),
                alt.Tooltip("rows:Q"),
                alt.Tooltip("reviewers:Q"),
            ],
        )
    )
    return _styled(bars.properties(height=44 * max(len(order), 1) + 70))


# -- agreement and resolution --------------------------------------------------------------------
def _kappa_text(value: object) -> str:
    number = pd.to_numeric(value, errors="coerce")
    return "—" if pd.isna(number) or not np.isfinite(number) else f"{float(number):.2f}"


def agreement_table(results: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per sprint from ``feedback_store.agreement``: rows compared, % same answer, κ."""
    rows = []
    for sprint, result in results.items():
        method = {"cohen": "Cohen's κ", "fleiss": "Fleiss' κ"}.get(result.get("method"), "—")
        share = result.get("percent_agreement")
        rows.append(
            {
                "Sprint": sprint,
                "Rows with 2+ reviewers": int(result.get("rows", 0)),
                "Same answer": "—" if share is None else f"{share:.0f}%",
                "κ": _kappa_text(result.get("kappa")),
                "Method": method,
                "Strength": result.get("strength") or "—",
            }
        )
    return pd.DataFrame(
        rows,
        columns=["Sprint", "Rows with 2+ reviewers", "Same answer", "κ", "Method", "Strength"],
    )


def pairwise_table(pairs: pd.DataFrame) -> pd.DataFrame:
    """``feedback_store.pairwise_agreement`` for ``st.dataframe``."""
    return pd.DataFrame(
        {
            "Reviewer A": pairs["reviewer_a"].astype(str).to_numpy(),
            "Reviewer B": pairs["reviewer_b"].astype(str).to_numpy(),
            "Shared rows": pairs["shared_rows"].astype(int).to_numpy(),
            "Same answer": [f"{v:.0f}%" for v in pairs["percent_agreement"]],
            "Cohen's κ": [_kappa_text(v) for v in pairs["cohen_kappa"]],
        }
    )


def conflicts_table(conflicts: pd.DataFrame) -> pd.DataFrame:
    """``feedback_store.conflicts``: one line per reviewer of a row they disagree on."""
    return pd.DataFrame(
        {
            "Sprint": conflicts["sprint"].astype(str).to_numpy(),
            "Prototype": conflicts["prototype"].astype(str).to_numpy(),
            "Row": conflicts["row_id"].astype(str).to_numpy(),
            "Shown": conflicts["shown"].fillna("").astype(str).to_numpy(),
            "Reviewer": conflicts["reviewer"].astype(str).to_numpy(),
            "Verdict": conflicts["verdict"].astype(str).to_numpy(),
            "Their label": conflicts["label"].astype(str).to_numpy(),
            "Comment": conflicts["comment"].fillna("").astype(str).to_numpy(),
        }
    )


def resolved_table(resolved: pd.DataFrame) -> pd.DataFrame:
    """``feedback_store.resolve_labels``: each reviewed row's label, or why it has none."""
    return pd.DataFrame(
        {
            "Sprint": resolved["sprint"].astype(str).to_numpy(),
            "Prototype": resolved["prototype"].astype(str).to_numpy(),
            "Row": resolved["row_id"].astype(str).to_numpy(),
            "Source": resolved["source"].astype(str).to_numpy(),
            "Label": [
                "—" if unresolved else str(label)
                for label, unresolved in zip(
                    resolved["resolved_label"], resolved["unresolved"], strict=True
                )
            ],
            "Why": [
                str(reason) if unresolved else f"{rule} rule"
                for reason, unresolved, rule in zip(
                    resolved["reason"], resolved["unresolved"], resolved["rule"], strict=True
                )
            ],
            "Reviewers": [", ".join(r) for r in resolved["reviewers"]],
            "Their labels": [", ".join(map(str, labels)) for labels in resolved["labels"]],
            "Agreement": [percent(v) for v in resolved["agreement"]],
        }
    )


def verdict_export_bytes(
    store,
    format: str,
    sprint: str | None = None,
    prototype: str | None = None,
    reviewer: str | None = None,
    verdict: str | None = None,
) -> bytes:
    """``export_bytes`` that also keeps only one kind of verdict (``verdict``)."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / f"verdicts.{format}"
        store.export(
            target, format, sprint=sprint, prototype=prototype, reviewer=reviewer, verdict=verdict
        )
        return target.read_bytes()


def training_export_bytes(
    store,
    format: str,
    sprint: str | None = None,
    prototype: str | None = None,
    rule: str = "majority",
    lead: str | None = None,
    demo_row_ids: Iterable[str] | None = None,
) -> tuple[bytes, dict]:
    """``FeedbackStore.export_training`` to a temporary folder: the file's bytes and the
    manifest (a dict; its ``warnings`` are for the page to show)."""
    with tempfile.TemporaryDirectory() as folder:
        export = store.export_training(
            Path(folder) / f"training.{format}",
            format,
            sprint=sprint,
            prototype=prototype,
            rule=rule,
            lead=lead,
            demo_row_ids=demo_row_ids,
        )
        return export.path.read_bytes(), export.manifest


# -- closing the loop ----------------------------------------------------------------------------
FOLLOWUP_ORDER = ("fixed", "still wrong", "newly broken", "still right", "not scored")


def latest_mvp(ws: Workspace) -> tuple[str, str] | None:
    """``(sprint, prototype)`` of the latest sprint's MVP (the nearest earlier one with an MVP
    when the latest has none)."""
    for sprint in reversed(ws.sprints()):
        mvp = ws.mvp(sprint)
        if mvp and mvp in ws.prototypes(sprint):
            return sprint, mvp
    return None


def _prediction_text(value: object) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "—"
    text = str(value)
    if "." in text:
        try:
            return f"{float(text):.5g}"
        except ValueError:
            return text
    return text


def followup_table(frame: pd.DataFrame) -> pd.DataFrame:
    """``model.followup.rescore_flagged`` as text: flagged cases first, fixed ones on top."""
    order = {status: i for i, status in enumerate(FOLLOWUP_ORDER)}
    data = frame.assign(
        _order=frame["status"].map(order).fillna(len(order)), _flagged=~frame["flagged"]
    ).sort_values(["_flagged", "_order", "sprint"], kind="stable")
    return pd.DataFrame(
        {
            "Status": data["status"].astype(str).to_numpy(),
            "Row": [
                f"{row} (own case)" if source == "own" else str(row)
                for row, source in zip(data["row_id"], data["source"], strict=True)
            ],
            "Reviewed in": (data["sprint"] + " · " + data["prototype"]).to_numpy(),
            "Reviewers' label": [_prediction_text(v) for v in data["corrected_label"]],
            "Then → now": [
                f"{_prediction_text(old)} → {_prediction_text(new)}"
                for old, new in zip(data["old_prediction"], data["new_prediction"], strict=True)
            ],
            "In training data": ["yes" if v else "" for v in data["trained_on"]],
            "Reviewers": [", ".join(r) for r in data["reviewers"]],
        }
    )


def trained_on_caption(frame: pd.DataFrame) -> str | None:
    """ "3 of these 9 cases were in the new model's training data…", or None when none was."""
    trained = int(frame["trained_on"].sum()) if len(frame) else 0
    if not trained:
        return None
    verb = "was" if trained == 1 else "were"
    return (
        f"{trained} of these {len(frame)} cases {verb} in the new model's training data: it"
        " learned their labels, so getting them right is expected rather than evidence."
    )
