"""The Overview's and the Sprint demo's charts are Vega-Lite specs written as dicts
(``ui.vega``): each is the spec the same chart built with Altair gives, which Altair
validates against the Vega-Lite schema. The Altair charts below are the code the specs
replaced, kept verbatim as the reference."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import altair as alt
import pandas as pd
import pytest

import model
from model.metrics import MULTICLASS, REGRESSION, format_metric
from tests.test_views import BINARY_META, explanation
from ui import chart_numbers, charts, explanations, sprint_summary, vega
from ui.charts import DOWN_COLOR, FONT_SIZE, NEUTRAL_COLOR, TEXT_COLOR, UP_COLOR, styled
from ui.explanations import (
    KIND_BASE,
    KIND_DOWN,
    KIND_OUTPUT,
    KIND_UP,
    KIND_WITHIN_ERROR,
    WITHIN_ERROR_COLOR,
    waterfall_data,
)
from ui.formatting import percent_format, probability_label
from ui.sprint_summary import _metric_key, headline_by_sprint, plain_metric_name, sprint_axis


def altair_waterfall_chart(
    explanation: Mapping, meta: Mapping, max_features: int = 10
) -> alt.Chart:
    """Horizontal waterfall of one row's SHAP contributions, in the model's output units."""
    data = waterfall_data(explanation, max_features=max_features, meta=meta)
    data["text_at"] = data[["start", "end"]].max(axis=1)
    target = probability_label(meta, explanation.get("explained_class"))
    if explanation.get("unit") == "log-odds":
        target = "the model's score for " + target.removeprefix("the chance of ")
    probability = explanation.get("unit") == "probability"
    low = min(0.0, float(data[["start", "end"]].min().min()))
    high = float(data[["start", "end"]].max().max())
    span = (high - low) or 1.0
    clip = False
    if explanation.get("unit") == "value":  # far from 0: the axis starts near the steps
        steps = data[~data["kind"].isin([KIND_BASE, KIND_OUTPUT])]
        reached = [*data["end"], *steps["start"]]
        near_span = (max(reached) - min(reached)) or abs(max(reached)) or 1.0
        if min(reached) > near_span:
            low, high, clip = min(reached) - 0.25 * near_span, max(reached), True
            span = high - low
    domain = [low - 0.02 * span if low < 0 and not clip else low, high + 0.5 * span]
    log_odds = explanation.get("unit") == "log-odds"  # a score: "0.25", never "250m"
    axis_format = percent_format(span) if probability else ",.2~f" if log_odds else "~s"
    # a chance axis shows no label past 100% in the room kept for the value labels
    no_past_100 = {"labelExpr": "datum.value > 1.000001 ? '' : datum.label"} if probability else {}
    kinds = [KIND_BASE, KIND_UP, KIND_DOWN, KIND_WITHIN_ERROR, KIND_OUTPUT]
    colors = [NEUTRAL_COLOR, UP_COLOR, DOWN_COLOR, WITHIN_ERROR_COLOR, "#263238"]
    y = alt.Y("label:N", sort=list(data["label"]), title=None)
    base = alt.Chart(data).encode(y=y)
    bars = base.mark_bar(size=24, clip=clip).encode(
        x=alt.X(
            "start:Q",
            title=f"how much each reading moves {target}",
            scale=alt.Scale(domain=domain, nice=False),
            # Ends under the bars' right end: centred, a long title is cut off in a narrow column.
            axis=alt.Axis(
                format=axis_format, tickCount=6, titleAnchor="end", labelFlush=30, **no_past_100
            ),
        ),
        x2="end:Q",
        color=alt.Color("kind:N", scale=alt.Scale(domain=kinds, range=colors), legend=None),
        tooltip=[
            alt.Tooltip("full:N", title="step"),  # the step named as the "Why" sentences do
            alt.Tooltip("text:N", title="value"),
        ],
    )
    labels = base.mark_text(align="left", dx=6, fontSize=FONT_SIZE, color=TEXT_COLOR).encode(
        x="text_at:Q", text="text:N"
    )
    height = 44 * len(data) + 40
    return styled((bars + labels).properties(height=height))


def altair_global_importance_chart(meta: Mapping) -> alt.Chart:
    """Mean |SHAP contribution| per feature over the demo rows, largest first (the top ten)."""
    data = explanations.global_importance_data(meta)
    probability = meta.get("task") != REGRESSION
    y = alt.Y("label:N", sort=list(data["label"]), title=None)  # by description
    high = float(data["importance"].max()) if len(data) else 1.0
    longest = int(data["text"].str.len().max()) if len(data) else 4  # room for the label
    x = alt.X(
        "importance:Q",
        title="average effect",
        scale=alt.Scale(domain=[0, (high or 1.0) * (1.1 + 0.04 * longest)], nice=False),
        axis=alt.Axis(format=percent_format(high) if probability else "~s", tickCount=5),
    )
    tooltip = [
        "feature:N",
        alt.Tooltip("help:N", title="what it is"),
        alt.Tooltip("text:N", title="moves it by, on average"),
    ]
    bars = alt.Chart(data).mark_bar(size=24, color=NEUTRAL_COLOR).encode(y=y, x=x, tooltip=tooltip)
    labels = (
        alt.Chart(data)
        .mark_text(align="left", dx=6, fontSize=FONT_SIZE, color=TEXT_COLOR)
        .encode(y=y, x="importance:Q", text="text:N")
    )
    return styled((bars + labels).properties(height=36 * max(len(data), 4) + 50))


def altair_headline_chart(summary: pd.DataFrame, sprints: list[str]) -> alt.Chart:
    """The MVP's headline metric per sprint: a line with each value above its point and the
    sprint and MVP names (wrapped) under the axis."""
    data = headline_by_sprint(summary, sprints)
    data["text"] = [
        format_metric(_metric_key(label), value)
        for label, value in zip(data["metric"], data["value"], strict=True)
    ]
    data["below"] = chart_numbers.labels_below([float(v) for v in data["value"]])
    data["axis_label"], axis_title, angle = sprint_axis(data)  # the labels: as the app
    metrics = [m for m in data["metric"].dropna().unique()]
    title = plain_metric_name(metrics[0]) if len(metrics) == 1 else "Score"
    title = textwrap.wrap(title, 24) if len(title) > 24 else title  # lines fit the axis
    x = alt.X(
        "axis_label:N",
        sort=list(data["axis_label"]),
        title=axis_title,
        axis=alt.Axis(
            labelAngle=angle,
            labelPadding=8,
            labelExpr="split(datum.label, '\\n')",
        ),
    )
    y = alt.Y(
        "value:Q",
        title=title,
        scale=alt.Scale(zero=False, padding=30),
        axis=alt.Axis(format=".2f", tickCount=5),
    )
    base = alt.Chart(data).encode(x=x, y=y)
    tooltip = [
        alt.Tooltip("sprint:N"),
        alt.Tooltip("prototype:N", title="MVP"),
        alt.Tooltip("text:N", title="Score"),
    ]
    line = base.mark_line(strokeWidth=3, color=DOWN_COLOR)
    points = base.mark_point(size=140, filled=True, color=DOWN_COLOR).encode(tooltip=tooltip)
    above, below = (
        base.mark_text(dy=dy, fontSize=FONT_SIZE, fontWeight="bold")
        .encode(text="text:N")
        .transform_filter(f"{'' if under else '!'}datum.below")
        for dy, under in ((-18, False), (20, True))
    )
    return styled((line + points + above + below).properties(height=320))


def test_the_specs_use_altairs_schema():
    assert vega.SCHEMA_URL == alt.SCHEMA_URL


@pytest.mark.parametrize(
    "case",
    [
        {},
        {"unit": "log-odds", "output": -1.2, "base_value": -2.5},
        {"contributions": {f"f{i}": (-1) ** i * i / 100 for i in range(14)}, "base_value": 0.5},
        {"contributions": {"Torque [Nm]": -0.02, "Type": -0.01}, "base_value": 0.03},
        {"explained_class": None},
    ],
)
def test_the_waterfall_spec_is_the_altair_chart(case):
    row = explanation(**case)
    if "contributions" in case:
        row["output"] = row["base_value"] + sum(case["contributions"].values())
    for max_features in (10, 3):
        spec = explanations.waterfall_spec(row, BINARY_META, max_features)
        assert spec == charts.chart_spec(altair_waterfall_chart(row, BINARY_META, max_features))


@pytest.mark.parametrize(
    "meta",
    [
        BINARY_META,
        BINARY_META | {"task": REGRESSION, "global_importance": {"a": 12.5, "b": 0.0}},
        BINARY_META | {"task": MULTICLASS, "classes": ["a", "b", "c"]},
        BINARY_META | {"global_importance": {}},
        BINARY_META | {"global_importance": {"a": 0.0}},
    ],
)
def test_the_importance_spec_is_the_altair_chart(meta):
    spec = explanations.global_importance_spec(meta)
    assert spec == charts.chart_spec(altair_global_importance_chart(meta))


def test_the_headline_spec_is_the_altair_chart(small_workspace):
    ws = model.open_workspace(small_workspace)
    summary, sprints = ws.summary(), ws.sprints()
    long_name = summary.assign(prototype=summary["prototype"] + " with a rather long name")
    no_metric = summary.assign(value=float("nan"))
    for frame in (summary, long_name, no_metric, summary.iloc[:0]):
        spec = sprint_summary.headline_spec(frame, sprints)
        assert spec == charts.chart_spec(altair_headline_chart(frame, sprints))


def test_the_altair_charts_built_from_the_specs_validate():
    row = explanation()
    for chart in (
        explanations.waterfall_chart(row, BINARY_META),
        explanations.global_importance_chart(BINARY_META),
    ):
        assert chart.to_dict(validate=True)


def test_the_monthly_cost_spec_validates_and_its_parts_add_up_to_each_total(small_workspace):
    from model.costs import CostAssumptions
    from model.recommend import sprint_costs
    from ui import bakeoff_charts, bakeoff_tables

    ws = model.open_workspace(small_workspace)
    assumptions = CostAssumptions()
    metas = {name: ws.prototype("Sprint 2", name).meta for name in ws.prototypes("Sprint 2")}
    owned = bakeoff_tables.ownership_rows(metas, assumptions)
    costs = sprint_costs(ws, "Sprint 2", assumptions, n_resamples=100)
    errors = {c.name: c.errors for c in costs}
    spec = bakeoff_charts.monthly_cost_spec(owned, errors, ws.mvp("Sprint 2"))
    assert alt.Chart.from_dict(spec).to_dict(validate=True)
    data = bakeoff_charts.monthly_cost_data(owned, errors, ws.mvp("Sprint 2"))
    for cost in costs:
        label = f"{cost.name} (MVP)" if cost.name == ws.mvp("Sprint 2") else cost.name
        parts = data[data["prototype"] == label]
        assert parts["amount"].sum() == pytest.approx(cost.total)
        assert (parts["formula"].str.len() > 0).all()


def test_money_axes_read_0_as_0_and_billions_as_b():
    # Vega gave every tick the largest one's prefix: "$0M"; and SI's "G" for billions
    from ui.bakeoff_charts import money_axis

    def ticks(amounts: list[float], currency: str) -> list[str]:
        spec = {
            "data": {"values": [{"a": a, "p": str(i)} for i, a in enumerate(amounts)]},
            "mark": "bar",
            "encoding": {
                "x": {"field": "a", "type": "quantitative", "axis": money_axis(currency)},
                "y": {"field": "p", "type": "nominal", "axis": None},
            },
        }
        return rendered_texts(spec)[:-1]  # the axis title last

    assert ticks([0, 910_000], "USD") == ["$0", "$0.2M", "$0.4M", "$0.6M", "$0.8M", "$1M"]
    assert ticks([0, 2.4e9], "USD") == ["$0", "$0.5B", "$1B", "$1.5B", "$2B"]
    assert ticks([0, 910_000], "CHF")[0] == "0"


def test_presented_lifts_every_font_size_and_keeps_the_chart_otherwise():
    from ui import charts

    spec = {
        "config": {"axis": {"labelFontSize": 14, "labelLimit": 120}, "title": {"fontSize": 16}},
        "layer": [{"mark": {"type": "text", "fontSize": 15, "dx": 6}}, {"mark": "bar"}],
        "datasets": {"data-1": [{"fontSize": 3}]},
    }
    shown = charts.presented(spec)
    assert shown["layer"][0]["mark"] == {"type": "text", "fontSize": 18, "dx": 6}
    assert shown["config"]["axis"]["labelFontSize"] == 18
    assert shown["config"]["axis"]["labelLimit"] == 120  # the chart's own choice stays
    assert shown["config"]["legend"]["labelFontSize"] == 18  # Vega-Lite's default lifted too
    assert shown["datasets"] == spec["datasets"]  # data untouched
    assert charts.presented(spec, presenter=False) == spec
    assert spec["layer"][0]["mark"]["fontSize"] == 15  # the cached spec is not changed


def test_presented_makes_room_for_value_labels_and_wraps_a_long_y_title():
    from ui import charts

    title = "how much each reading moves the chance of Failure"
    spec = {"layer": [{"mark": "bar", "encoding": {"y": {"field": "v", "title": title}}}]}
    shown = charts.presented(spec)
    lines = shown["layer"][0]["encoding"]["y"]["title"]
    assert isinstance(lines, list) and " ".join(lines) == title
    assert all(len(line) <= charts.TITLE_WRAP for line in lines)
    assert shown["padding"]["right"] >= 40
    assert spec["layer"][0]["encoding"]["y"]["title"] == title  # the cached spec is unchanged


def test_a_y_title_longer_than_the_axis_is_wrapped_at_the_usual_size_too():
    from ui import charts

    title = "moves the chance of wear being new by"  # was cut after "b" on a 300-pixel axis
    spec = {"encoding": {"y": {"field": "v", "title": title}}, "height": 300}
    lines = charts.presented(spec, presenter=False)["encoding"]["y"]["title"]
    assert lines == ["moves the chance of", "wear being new by"]
    short = {"encoding": {"y": {"field": "v", "title": "moves the chance by"}}}
    assert charts.presented(short, presenter=False) == short


def test_an_x_title_wider_than_the_chart_is_wrapped_not_cut():
    from ui import charts
    from ui.explanations import waterfall_spec

    # a multiclass target with a named class: the waterfall's title lost its first word
    title = "how much each reading moves the model's score for tool state being old"
    spec = {"encoding": {"x": {"field": "v", "title": title}}}
    lines = charts.presented(spec, presenter=False)["encoding"]["x"]["title"]
    assert isinstance(lines, list) and len(lines) == 2 and " ".join(lines) == title
    assert all(len(line) <= charts.X_TITLE_WRAP_NORMAL for line in lines)
    presented = charts.presented(spec)["encoding"]["x"]["title"]
    assert all(len(line) <= charts.X_TITLE_WRAP for line in presented)
    short = {"encoding": {"x": {"field": "v", "title": "how much each reading moves it"}}}
    assert charts.presented(short, presenter=False) == short
    # the waterfall drawn: its x title, which sits in a layer
    meta = {"task": "multiclass", "target": "tool state", "classes": ["new", "old", "worn"]}
    explanation = {
        "contributions": {"tool wear (min)": 1.64, "machine type": 0.41},
        "feature_values": {"tool wear (min)": 119, "machine type": "low"},
        "base_value": -2.25, "output": -0.2, "unit": "log-odds", "explained_class": "old",
    }  # fmt: skip
    shown = charts.presented(waterfall_spec(explanation, meta), presenter=False)
    titles = [
        layer["encoding"]["x"]["title"]
        for layer in shown.get("layer", [shown])
        if isinstance(layer.get("encoding", {}).get("x", {}).get("title"), list | str)
    ]
    assert titles and all(
        isinstance(t, list) and all(len(line) <= charts.X_TITLE_WRAP_NORMAL for line in t)
        for t in titles
    )


def two_mvps(metric: str, values: list[float]) -> pd.DataFrame:
    """A summary of two sprints' MVPs scored by ``metric``, for the headline chart."""
    return pd.DataFrame(
        {
            "sprint": ["S1", "S2"],
            "prototype": ["first", "second"],
            "mvp": [True, True],
            "metric": [metric, metric],
            "value": values,
        }
    )


def rendered_texts(spec: dict) -> list[str]:
    """Every text Vega draws for ``spec`` (tick labels, titles), rendered by vl-convert."""
    import re

    vl_convert = pytest.importorskip("vl_convert")
    return re.findall(r"<text[^>]*>([^<]*)</text>", vl_convert.vegalite_to_svg(spec))


def test_the_headline_of_errors_in_the_hundreds_of_thousands_reads_as_people_write_numbers():
    summary = two_mvps("RMSE", [24_619.3, 16_412.8])
    spec = sprint_summary.headline_spec(summary, ["S1", "S2"])
    y = spec["layer"][0]["encoding"]["y"]
    assert y["axis"]["format"] == ",.0f"  # "26,000", not "26000.00"
    texts = [row["text"] for row in spec["datasets"][spec["data"]["name"]]]
    assert texts == ["24,619", "16,413"]  # not "2.46e+04"; as the axis writes numbers


def test_the_headline_axis_tells_close_scores_apart():
    # two MVPs scoring 0.999 and 1.000 had an axis of "1.00, 1.00, 1.00, 1.00"
    import re

    summary = two_mvps("PR AUC", [1.0, 0.9991])
    spec = sprint_summary.headline_spec(summary, ["S1", "S2"])
    ticks = [t for t in rendered_texts(spec) if re.fullmatch(r"[\d.]+", t)]
    axis = [t for t in ticks if t not in ("1.000", "0.999")]  # the points' own labels
    assert len(axis) >= 3 and len(set(axis)) == len(axis), axis
    usual = summary.assign(value=[0.62, 0.81])
    assert (
        sprint_summary.headline_spec(usual, ["S1", "S2"])["layer"][0]["encoding"]["y"]["axis"][
            "format"
        ]
        == ".2f"
    )


def test_a_change_of_error_in_the_target_units_is_signed_with_separators():
    deltas = sprint_summary.metric_deltas({"rmse": 16_412.8}, {"rmse": 24_619.3}, "regression")
    (rmse,) = [d for d in deltas if d.key == "rmse"]
    assert rmse.delta_text == "-8,210" and rmse.improved


def test_the_bake_off_gives_differences_of_errors_in_the_target_units_in_plain_figures():
    from model.bakeoff_sentences import _metric_phrase
    from model.metrics import METRICS
    from ui.bakeoff_comparison import interval_points

    phrase = _metric_phrase(-8_206.5, "rmse", "RMSE", METRICS["rmse"])
    assert phrase == "is 8,210 lower (better) on RMSE"
    assert interval_points(-8_206.5, -9_950.0, -6_420.0, False) == "-8,210 (-9,950 to -6,420)"
    assert interval_points(0.012, -0.004, 0.029, True) == "+1.2 (-0.4 to +2.9)"


def test_the_headline_line_holds_only_mvps_measured_like_the_latest():
    # a classifier's share (0.81) and a regression's error (26,000) were one line on one axis
    summary = pd.DataFrame(
        {
            "sprint": ["S1", "S2", "S3"],
            "prototype": ["rule", "forest", "boosting"],
            "mvp": [True, True, True],
            "metric": ["PR AUC", "RMSE", "RMSE"],
            "value": [0.81, 26_000.0, 24_000.0],
        }
    )
    spec = sprint_summary.headline_spec(summary, ["S1", "S2", "S3"])
    rows = spec["datasets"][spec["data"]["name"]]
    assert [row["sprint"] for row in rows] == ["S2", "S3"]
    assert spec["layer"][0]["encoding"]["y"]["title"] == textwrap.wrap(
        plain_metric_name("RMSE"), 24
    )
    left_off = sprint_summary.measured_differently(summary, ["S1", "S2", "S3"])
    assert list(left_off["sprint"]) == ["S1"] and list(left_off["metric"]) == ["PR AUC"]
    assert sprint_summary.off_the_line_text(summary, ["S1", "S2", "S3"]) == (
        "Not on the line, measured by another score or of another target than the latest "
        "MVP: S1 (score at ranking real cases first: 0.810)."
    )
    same = summary.assign(metric="PR AUC")
    assert sprint_summary.measured_differently(same, ["S1", "S2", "S3"]).empty
    assert sprint_summary.off_the_line_text(same, ["S1", "S2", "S3"]) is None
    # the same score of another target (overheating after failures) is off the line too
    targets = same.assign(target=["Machine failure", None, "Overheating"])
    left_off = sprint_summary.measured_differently(targets, ["S1", "S2", "S3"])
    assert list(left_off["sprint"]) == ["S1"]


def test_the_headline_of_an_error_in_the_targets_units_says_the_unit():
    summary = two_mvps("RMSE", [64.2, 61.1]).assign(target="Tool wear [min]")
    spec = sprint_summary.headline_spec(summary, ["S1", "S2"])
    texts = [row["text"] for row in spec["datasets"][spec["data"]["name"]]]
    assert texts == ["64.2 min", "61.1 min"]
    title = " ".join(spec["layer"][0]["encoding"]["y"]["title"])
    assert title == "Typical size of an error, large misses weighing more, in min (lower is better)"
    shares = two_mvps("PR AUC", [0.62, 0.81]).assign(target="Tool wear [min]")
    spec = sprint_summary.headline_spec(shares, ["S1", "S2"])
    assert [row["text"] for row in spec["datasets"][spec["data"]["name"]]] == ["0.620", "0.810"]
