"""What the pages show, computed without Streamlit: charts, tables, filters, the review queue.

Every function takes plain data (dicts, DataFrames, a ``Workspace``) and returns plain data or
an Altair chart, so it can be unit-tested on its own. The pages only lay these out.

Charts are sized for a projector at 1280×720: fonts of at least 13 px and label limits wide
enough for the longest AI4I feature name, "Process temperature [K]" with its value.
"""

from __future__ import annotations

import re
import tempfile
import textwrap
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from model.metrics import BINARY, METRICS, MULTICLASS, REGRESSION, format_metric
from model.workspace import Workspace

__all__ = [
    "MetricDelta",
    "comparison_table",
    "cost_scatter",
    "count_verdicts",
    "decision_text",
    "escape_markdown",
    "escape_table",
    "existing_tags",
    "export_bytes",
    "feature_label",
    "feature_values_table",
    "filter_predictions",
    "filter_verdicts",
    "global_importance_chart",
    "history_table",
    "headline_chart",
    "headline_by_sprint",
    "metric_deltas",
    "model_details",
    "one_line",
    "overview_table",
    "percent",
    "prediction_in_words",
    "previous_mvp",
    "probability_label",
    "review_queue",
    "verdicts_table",
    "waterfall_caption",
    "waterfall_chart",
    "waterfall_data",
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


def waterfall_chart(explanation: Mapping, meta: Mapping, max_features: int = 10) -> alt.Chart:
    """Horizontal waterfall of one row's SHAP contributions, in the model's output units."""
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
    y = alt.Y("label:N", sort=list(data["label"]), title=None)
    base = alt.Chart(data).encode(y=y)
    bars = base.mark_bar(size=24).encode(
        x=alt.X(
            "start:Q",
            title=f"contribution to {target}",
            scale=alt.Scale(domain=domain, nice=False),
            axis=alt.Axis(format=axis_format, tickCount=6),
        ),
        x2="end:Q",
        color=alt.Color("kind:N", scale=alt.Scale(domain=kinds, range=colors), legend=None),
        tooltip=[
            alt.Tooltip("label:N", title="step"),
            alt.Tooltip("text:N", title="value"),
        ],
    )
    labels = base.mark_text(align="left", dx=6, fontSize=FONT_SIZE, color=TEXT_COLOR).encode(
        x="text_at:Q", text="text:N"
    )
    height = 44 * len(data) + 40
    return _styled((bars + labels).properties(height=height))


# -- global importance --------------------------------------------------------------------------
def global_importance_chart(meta: Mapping) -> alt.Chart:
    """Mean |SHAP contribution| per feature over the demo rows, largest first."""
    importance = pd.Series(meta.get("global_importance") or {}, dtype=float)
    data = (
        importance.sort_values(ascending=False)
        .rename_axis("feature")
        .reset_index(name="importance")
    )
    probability = meta.get("task") != REGRESSION
    data["text"] = [f"{v * 100:.1f}%" if probability else f"{v:.3g}" for v in data["importance"]]
    target = probability_label(meta) if meta.get("task") != MULTICLASS else "class probabilities"
    y = alt.Y("feature:N", sort=list(data["feature"]), title=None)
    high = float(data["importance"].max()) if len(data) else 1.0
    x = alt.X(
        "importance:Q",
        title=f"average |contribution| to {target}",
        scale=alt.Scale(domain=[0, (high or 1.0) * 1.2], nice=False),
        axis=alt.Axis(format=_percent_format(high) if probability else ".3g", tickCount=5),
    )
    bars = (
        alt.Chart(data)
        .mark_bar(size=24, color=NEUTRAL_COLOR)
        .encode(y=y, x=x, tooltip=["feature:N", alt.Tooltip("text:N", title="importance")])
    )
    labels = (
        alt.Chart(data)
        .mark_text(align="left", dx=6, fontSize=FONT_SIZE, color=TEXT_COLOR)
        .encode(y=y, x="importance:Q", text="text:N")
    )
    return _styled((bars + labels).properties(height=36 * max(len(data), 1) + 50))


# -- sprints ------------------------------------------------------------------------------------
def headline_by_sprint(summary: pd.DataFrame, sprints: list[str]) -> pd.DataFrame:
    """Each sprint's MVP and its headline metric, in sprint order (sprints without one left out)."""
    mvps = summary[summary["mvp"].astype(bool)].copy()
    order = {name: i for i, name in enumerate(sprints)}
    mvps["order"] = mvps["sprint"].map(order)
    mvps = mvps.dropna(subset=["order"]).sort_values("order")
    return mvps[["sprint", "prototype", "metric", "value", "order"]].reset_index(drop=True)


def headline_chart(summary: pd.DataFrame, sprints: list[str]) -> alt.Chart:
    """The MVP's headline metric per sprint: a line with each value above its point and the
    sprint and MVP names (wrapped) under the axis."""
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
    x = alt.X(
        "axis_label:N",
        sort=list(data["axis_label"]),
        title=None,
        axis=alt.Axis(labelAngle=0, labelPadding=8, labelExpr="split(datum.label, '\\n')"),
    )
    y = alt.Y(
        "value:Q",
        title=f"MVP {title}",
        scale=alt.Scale(zero=False, padding=30),
        axis=alt.Axis(format=".2f", tickCount=5),
    )
    base = alt.Chart(data).encode(x=x, y=y)
    tooltip = [
        alt.Tooltip("sprint:N"),
        alt.Tooltip("prototype:N", title="MVP"),
        alt.Tooltip("text:N", title=title),
    ]
    line = base.mark_line(strokeWidth=3, color=DOWN_COLOR)
    points = base.mark_point(size=140, filled=True, color=DOWN_COLOR).encode(tooltip=tooltip)
    values = base.mark_text(dy=-18, fontSize=FONT_SIZE, fontWeight="bold").encode(text="text:N")
    return _styled((line + points + values).properties(height=320))


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


# -- predictions and the review queue -----------------------------------------------------------
def filter_predictions(
    predictions: pd.DataFrame,
    classes: Iterable[str] | None = None,
    confidence: tuple[float, float] = (0.0, 1.0),
    correctness: str = "all",
) -> pd.DataFrame:
    """Rows whose predicted class is in ``classes`` (all if None or empty), whose confidence
    lies in the closed range ``confidence``, and that are right or wrong as ``correctness`` asks
    ("all", "correct" or "wrong"; ignored for predictions without known outcomes)."""
    if correctness not in CORRECTNESS:
        raise ValueError(f"correctness must be one of {', '.join(CORRECTNESS)}")
    mask = pd.Series(True, index=predictions.index)
    chosen = [str(c) for c in classes] if classes else []
    if chosen:
        mask &= predictions["predicted"].astype(str).isin(chosen)
    if "confidence" in predictions.columns:
        low, high = confidence
        # A little slack so the slider's rounded ends keep rows exactly on the boundary.
        mask &= predictions["confidence"].between(low - 1e-9, high + 1e-9)
    if correctness != "all" and "correct" in predictions.columns:
        mask &= predictions["correct"].astype(bool) == (correctness == "correct")
    return predictions[mask]


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
