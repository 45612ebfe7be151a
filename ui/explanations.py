"""A row's SHAP waterfall, the global importance bars and one feature's dependence, as
Vega-Lite specs (and as Altair charts, for whoever renders them with Altair's tools), and what
the pages say about them in plain words: which scale the values are on, whether they are
approximate and by how much, and the technical details kept for an expander (those notes live
in ``ui.explanation_notes``, the importance chart in ``ui.importance_chart``; both are
re-exported here).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model.feature_words import chart_names, cut_text, said_name
from model.metrics import BINARY, REGRESSION
from model.stored_features import is_missing
from ui import case_words, chart_numbers, vega
from ui.charts import DOWN_COLOR, NEUTRAL_COLOR, UP_COLOR, chart_config, value_labels
from ui.explanation_notes import (
    LOG_ODDS,
    estimate_error,
    estimate_note,
    honesty_notes,
    scale_note,
    technical_details,
    unit_change_note,
)
from ui.explanation_values import axis_format as _axis_format
from ui.explanation_values import target_words as _target
from ui.explanation_values import value_text as _text
from ui.formatting import feature_label, percent, probability_label, value_in_units
from ui.importance_chart import (
    global_importance_chart,
    global_importance_data,
    global_importance_spec,
    importance_caption,
    top_features,
)
from ui.what_if_names import reading_name

if TYPE_CHECKING:  # Altair takes 0.25 s to import; the pages draw specs written as dicts
    import altair as alt

__all__ = [
    "contribution_text",
    "dependence_data",
    "dependence_spec",
    "estimate_error",
    "estimate_note",
    "global_importance_chart",
    "global_importance_data",
    "global_importance_spec",
    "honesty_notes",
    "importance_caption",
    "largest_words_text",
    "scale_note",
    "unit_change_note",
    "short_text",
    "technical_details",
    "top_features",
    "waterfall_caption",
    "waterfall_chart",
    "waterfall_data",
    "within_error_note",
    "what_if_spec",
    "words_table",
]


#: The first bar: where every explanation starts. Not "the average over the demo set": the
#: explainer's reference rows (a sample of them, or a tree's training data) set it.
BASE_LABEL = "The model's average"
OUTPUT_LABEL = "This prediction"

KIND_BASE, KIND_UP, KIND_DOWN, KIND_OUTPUT = "average", "pushes up", "pushes down", "prediction"
#: An estimated step no larger than the estimate's stated error: its direction is not known.
KIND_WITHIN_ERROR = "within the error"
#: Its colour: a grey lighter than the average's bar, neither red nor blue.
WITHIN_ERROR_COLOR = "#b0bec5"

#: Features a waterfall shows one by one; the rest are one "N other features" bar.
MAX_FEATURES = 10
#: Characters of a free-text reading a waterfall's label shows; the whole text is on hover.
TEXT_LABEL_CHARS = 32
#: Where a waterfall's label goes on to a second line (a free-text reading's).
LINE_BREAK = "\n"
#: Points a dependence chart draws at most (a seeded sample of the stored rows beyond that).
MAX_DEPENDENCE_POINTS = 2000


def contribution_text(value: float, unit: str | None) -> str:
    """A contribution as the waterfall shows it: "+12.3%" of chance, or "+0.42"."""
    return _text(float(value), unit, signed=True)


def short_text(text: object, limit: int = TEXT_LABEL_CHARS) -> str:
    """``text`` on one line, cut to about ``limit`` characters at a word's end, with "…"
    where it was cut."""
    return cut_text(" ".join(str(text).split()), limit)


def _step_labels(
    feature: str, value: object, meta: Mapping | None, name: str | None = None
) -> tuple[str, str]:
    """A waterfall step's label and the full label for its tooltip: a free-text reading is
    cut short in the label, on a line of its own under the column's name (``note =`` and
    ``“Broken seal, the pump was…”``: :data:`LINE_BREAK` between them), and whole on hover.
    ``name`` is what the axis calls the column (:func:`model.feature_words.chart_names`:
    "blood urea nitrogen = missing", read from the back of a room where there is no hover);
    the tooltip says it as the "Why" sentences do, "blood urea nitrogen (bun) = missing"."""
    missing = is_missing(value)  # None, NaN, pd.NA, NaT
    descriptions = (meta or {}).get("feature_descriptions")
    if feature in ((meta or {}).get("text_columns") or []) and not missing:
        whole = " ".join(str(value).split())
        said = said_name(feature, descriptions)
        return f"{name or feature} ={LINE_BREAK}“{short_text(whole)}”", f"{said} = “{whole}”"
    label = feature_label(feature, value, meta)
    shown = label[label.index(" = ") :]  # the name is a column's, the value may hold " = "
    plain = label[: len(label) - len(shown)]  # the name without its unit: "Torque"
    if name is None or name == feature:
        return label, f"{said_name(feature, descriptions, plain)}{shown}"
    return f"{name}{shown}", f"{said_name(feature, descriptions, plain)}{shown}"


def _largest_first(words: list[Mapping]) -> pd.DataFrame:
    """Word records as a frame, the largest contribution (either sign) first."""
    frame = pd.DataFrame(list(words))
    return frame.reindex(frame["contribution"].abs().sort_values(ascending=False).index)


def words_table(words: list[Mapping] | None, unit: str | None) -> pd.DataFrame | None:
    """A free-text reading's words and how much each moved the prediction ("+12.3%"),
    largest first: columns ``Reading``, ``Word`` and ``Moves it by``; a word's stated error
    where it has one ("−4.1% ± 0.9%"). ``words`` is what ``explain_own_case`` returns under
    ``"words"``; None when there are none (a model without free text)."""
    if not words:
        return None
    frame = _largest_first(words)

    def moves(row) -> str:
        text = contribution_text(row["contribution"], unit)
        error = row.get("error")
        if error is None or not error > 0:
            return text
        bound = _text(float(error), unit, signed=False)
        if not any(digit in bound for digit in "123456789"):  # "0.0%": rounded away
            bound = "under " + _text(0.001, unit, signed=False) if unit == "probability" else bound
        return f"{text} ± {bound}"

    return pd.DataFrame(
        {
            "Reading": frame["column"].astype(str).tolist(),
            "Word": frame["word"].astype(str).tolist(),
            "Moves it by": [moves(row) for _, row in frame.iterrows()],
        }
    )


def largest_words_text(words: list[Mapping] | None, unit: str | None, count: int = 3) -> str | None:
    """The ``count`` words that moved a free-text reading most, in one line for a slide:
    "“tracking” +44.5%, “delivery” +34.8%, “quote” -33.1%"; None without words."""
    if not words:
        return None
    frame = _largest_first(words)
    return ", ".join(
        f"“{row['word']}” {contribution_text(row['contribution'], unit)}"
        for _, row in frame.head(count).iterrows()
    )


def waterfall_data(
    explanation: Mapping, max_features: int = MAX_FEATURES, meta: Mapping | None = None
) -> pd.DataFrame:
    """One bar per step from the model's average to this row's output, largest
    contribution first.

    Columns: ``label``, ``kind`` (average / pushes up / pushes down / within the error /
    prediction: an estimated step no larger than its stated error, whose direction is not
    known, is :data:`KIND_WITHIN_ERROR`, whichever its sign), ``value``
    (the step's size; the average and output for the end bars), ``start`` and ``end`` (the
    bar's extent), ``text`` and ``full`` (the label for the tooltip). Features beyond
    ``max_features`` are summed into one "N other features" bar, so the steps always add up
    to the output. With ``meta``, values are shown in the units publishing gave them ("300.1
    K (27.0 °C)"), and a free-text column's reading (``meta["text_columns"]``) is cut to
    ``TEXT_LABEL_CHARS`` in ``label``, whole in ``full``.
    """
    base = float(explanation["base_value"])
    output = float(explanation["output"])
    contributions = pd.Series(explanation["contributions"], dtype=float)
    values = explanation.get("feature_values", {})
    unit = explanation.get("unit")
    error = estimate_error(meta or {}, explanation) or 0.0  # exact values: none
    order = contributions.abs().sort_values(ascending=False, kind="stable").index
    names = chart_names(order, (meta or {}).get("feature_descriptions"))
    steps = [
        (*_step_labels(f, values.get(f), meta, names[f]), float(contributions[f])) for f in order
    ]
    if len(steps) > max_features:
        rest = steps[max_features - 1 :]
        steps = steps[: max_features - 1]
        other = f"{len(rest)} other features"
        steps.append((other, other, sum(v for *_, v in rest)))

    # one number format for the chart: the decimals its largest value needs
    values = [base, output, *(v for *_, v in steps)]
    high = max((abs(v) for v in values if np.isfinite(v)), default=0.0)

    def text(value: float, signed: bool) -> str:
        if unit in ("probability", LOG_ODDS):
            return _text(value, unit, signed)
        return chart_numbers.chart_texts([value], signed, high)[0]

    rows = [dict(label=BASE_LABEL, kind=KIND_BASE, value=base, start=0.0, end=base)]
    rows[0]["text"] = text(base, signed=False)
    rows[0]["full"] = BASE_LABEL
    running = base
    for label, full, value in steps:
        rows.append(
            dict(
                label=label,
                kind=KIND_WITHIN_ERROR
                if abs(value) <= error
                else (KIND_UP if value >= 0 else KIND_DOWN),
                value=value,
                start=running,
                end=running + value,
                text=text(value, signed=True),
                full=full,
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
            full=OUTPUT_LABEL,
        )
    )
    frame = pd.DataFrame(rows)
    frame["order"] = range(len(frame))
    return frame


def waterfall_caption(explanation: Mapping, meta: Mapping) -> str:
    """How to read the waterfall, with this row's numbers."""
    unit = explanation.get("unit")
    target = _target(meta, explanation.get("explained_class"), unit)
    base = _text(float(explanation["base_value"]), unit, signed=False)
    output = _text(float(explanation["output"]), unit, signed=False)
    over = _averaged_over(explanation, meta)
    if unit == LOG_ODDS and meta.get("task") == BINARY:
        # a two-class score is the chance's log-odds exactly: say the chance beside it
        over += f"; a {percent(_chance(explanation['base_value']))} chance"
        output += f" (a {percent(_chance(explanation['output']))} chance)"
    one = case_words.demo_cases(meta, one=True, generic="rows")  # "patient", else "row"
    said = (
        f"Each bar shows how one reading moves {target} from the model's average, {base} "
        f"({over}), to {output} for this {one}. Red bars push it up, blue bars push it down."
    )
    grey = within_error_note(explanation, meta)
    return f"{said} {grey}" if grey else said


def _chance(score: float) -> float:
    """The chance a two-class model's score (its log-odds) stands for."""
    return float(1.0 / (1.0 + np.exp(-float(score))))


def within_error_note(
    explanation: Mapping, meta: Mapping, max_features: int = MAX_FEATURES
) -> str | None:
    """The sentence "Grey: smaller than the estimate's error, direction not known." where the
    waterfall of ``explanation`` (``max_features`` steps) draws such a step; None where it
    does not (exact values, or every step larger than the error)."""
    if not estimate_error(meta, explanation):  # exact values, or an error not measured
        return None
    kinds = waterfall_data(explanation, max_features=max_features, meta=meta)["kind"]
    if not (kinds == KIND_WITHIN_ERROR).any():
        return None
    return "Grey: smaller than the estimate's error, direction not known."


def _averaged_over(explanation: Mapping, meta: Mapping) -> str:
    """What the starting point is the average of: a tree explained along its own paths
    starts from its training data; every other explainer from its reference rows."""
    if "path-dependent" in str(explanation.get("explainer") or meta.get("explainer") or ""):
        return "over the data it was trained on"
    return case_words.reference_cases(meta, meta.get("background_size"))


def waterfall_spec(explanation: Mapping, meta: Mapping, max_features: int = MAX_FEATURES) -> dict:
    """Horizontal waterfall of one row's SHAP contributions, in the model's output units: a
    Vega-Lite spec (see ``ui.vega``)."""
    data = waterfall_data(explanation, max_features=max_features, meta=meta)
    data["text_at"] = data[["start", "end"]].max(axis=1)
    target = _target(meta, explanation.get("explained_class"), explanation.get("unit"))
    low = min(0.0, float(data[["start", "end"]].min().min()))
    high = float(data[["start", "end"]].max().max())
    span = (high - low) or 1.0
    clip = False
    if explanation.get("unit") == "value":
        # Hours left around 12,000 moved by tens to hundreds: an axis from 0 drew the steps as
        # slivers. Where 0 is far from every step, the axis starts near them and the bars of
        # the average and the prediction, drawn from 0, are cut at its left edge.
        steps = data[~data["kind"].isin([KIND_BASE, KIND_OUTPUT])]
        reached = np.concatenate([data["end"].to_numpy(float), steps["start"].to_numpy(float)])
        near_low, near_high = float(reached.min()), float(reached.max())
        near_span = (near_high - near_low) or abs(near_high) or 1.0
        if near_low > near_span:  # from 0, the steps would fill less than half the axis
            low, high = near_low - 0.25 * near_span, near_high
            span, clip = high - low, True
    # Room on the right for the value written after the rightmost end of each bar.
    domain = [low - 0.02 * span if low < 0 and not clip else low, high + 0.5 * span]
    axis_format = _axis_format(explanation.get("unit"), span)
    # labelFlush: a tick label within 30 px of the plot's ends is aligned inside it; centred,
    # the last ("30%") was cut to "30" at the edge of the review card's narrow column.
    x_axis = {"format": axis_format, "tickCount": 6, "titleAnchor": "end", "labelFlush": 30}
    if explanation.get("unit") == "probability":
        # The room kept for the value labels would carry the axis past 100%: no "120%" chance.
        x_axis["labelExpr"] = "datum.value > 1.000001 ? '' : datum.label"
    kinds = [KIND_BASE, KIND_UP, KIND_DOWN, KIND_WITHIN_ERROR, KIND_OUTPUT]
    colors = [NEUTRAL_COLOR, UP_COLOR, DOWN_COLOR, WITHIN_ERROR_COLOR, "#263238"]
    y = vega.field("label", "nominal", sort=list(data["label"]), title=None)
    # A free-text reading is cut short on the axis, on a second line, and whole on hover.
    row_height = 44
    if data["label"].str.contains(LINE_BREAK, regex=False).any():
        row_height = 56  # room for the label's second line
        y["axis"] = {"labelExpr": "split(datum.label, '\\n')", "labelOverlap": False}  # LINE_BREAK
    bars = {
        "mark": {"type": "bar", "size": 24, "clip": clip},
        "encoding": {
            "color": vega.field(
                "kind", "nominal", legend=None, scale={"domain": kinds, "range": colors}
            ),
            "tooltip": [
                vega.field("full", "nominal", title="step"),
                vega.field("text", "nominal", title="value"),
            ],
            "x": vega.field(
                "start",
                "quantitative",
                # Ends under the bars' right end: centred, a long title is cut off in a narrow
                # column.
                axis=x_axis,
                scale={"domain": domain, "nice": False},
                title=f"how much each reading moves {target}",
            ),
            "x2": {"field": "end"},
            "y": y,
        },
    }
    labels = value_labels("text_at", y)
    spec = {
        "config": chart_config(),
        "layer": [bars, labels],
        "height": row_height * len(data) + 40,
    }
    return vega.with_data(spec, data)


def waterfall_chart(
    explanation: Mapping, meta: Mapping, max_features: int = MAX_FEATURES
) -> alt.LayerChart:
    """:func:`waterfall_spec` as an Altair chart (validated against the Vega-Lite schema)."""
    import altair as alt

    return alt.LayerChart.from_dict(waterfall_spec(explanation, meta, max_features))


def dependence_data(
    features: pd.DataFrame, shap_values: pd.DataFrame, feature: str, meta: Mapping | None = None
) -> pd.DataFrame:
    """One point per stored row: ``value`` of ``feature`` (numeric, or the category as text),
    its ``contribution``, and ``text`` (the value in its units). Rows without stored values
    are left out; beyond ``MAX_DEPENDENCE_POINTS`` a seeded sample is kept."""
    rows = shap_values.index.intersection(features.index)
    frame = pd.DataFrame(
        {
            "value": features.loc[rows, feature],
            "contribution": shap_values.loc[rows, feature].astype(float),
        }
    ).dropna()
    if len(frame) > MAX_DEPENDENCE_POINTS:
        frame = frame.sample(MAX_DEPENDENCE_POINTS, random_state=0)
    numeric = pd.api.types.is_numeric_dtype(frame["value"]) and not pd.api.types.is_bool_dtype(
        frame["value"]
    )
    if not numeric:
        frame["value"] = frame["value"].astype(str)
    frame["text"] = [value_in_units(v, meta, feature) for v in frame["value"]]
    return frame.reset_index(drop=True)


def dependence_spec(
    features: pd.DataFrame,
    shap_values: pd.DataFrame,
    feature: str,
    meta: Mapping,
    explained_class: str | None = None,
) -> dict:
    """How one reading moves the prediction across the demo rows: each row's contribution of
    ``feature`` against the feature's value (a strip of points per category for a category),
    ``shap_values`` being those of ``explained_class`` (default: the first explained, which
    the y title names). A Vega-Lite spec (see ``ui.vega``)."""
    data = dependence_data(features, shap_values, feature, meta)
    unit = meta.get("unit") or ("value" if meta.get("task") == REGRESSION else "probability")
    numeric = pd.api.types.is_numeric_dtype(data["value"])
    target = _target(meta, explained_class, unit)
    descriptions = meta.get("feature_descriptions")
    # The axis names the reading as people read it ("admissions in the past year"); the
    # tooltip keeps the column's code ("... (num_prior_admissions)"), the page's caption the
    # whole description.
    title = chart_names([feature], descriptions)[feature]
    x = vega.field(
        "value",
        "quantitative" if numeric else "nominal",
        axis={"labelAngle": 0} if not numeric else {"tickCount": 6},
        scale={"zero": False} if numeric else None,
        title=title,
    )
    if x.get("scale") is None:
        x.pop("scale")
    y = vega.field(
        "contribution",
        "quantitative",
        axis={
            "format": ".0%" if unit == "probability" else _axis_format(unit, 1.0),
            "tickCount": 5,
        },  # fmt: skip
        title=f"moves {target} by",
    )
    points = {
        "mark": {"type": "circle", "size": 36, "opacity": 0.5, "color": DOWN_COLOR},
        "encoding": {
            "tooltip": [
                vega.field("text", "nominal", title=said_name(feature, descriptions)),
                vega.field(
                    "contribution",
                    "quantitative",
                    format={"probability": "+.1%", LOG_ODDS: "+.2f"}.get(unit, ",.4~g"),
                    title="moves it by",
                ),
            ],
            "x": x,
            "y": y,
        },
    }
    zero = {
        "mark": {"type": "rule", "color": NEUTRAL_COLOR, "strokeDash": [4, 4]},
        "encoding": {"y": {"datum": 0}},
    }
    spec = {"config": chart_config(), "layer": [zero, points], "height": 300}
    return vega.with_data(spec, data)


def what_if_spec(
    curve: pd.DataFrame, feature: str, meta: Mapping, explained_class: str | None = None
) -> dict:
    """How a case's prediction changes as one reading moves (``model.review.what_if``): a
    line over a numeric reading's range, or one bar per category, with the value entered
    marked. A Vega-Lite spec (see ``ui.vega``)."""
    data = curve.copy()
    probability = meta.get("task") != REGRESSION
    data["text"] = [_text(v, "probability" if probability else "value", False) for v in
                    data["output"]]  # fmt: skip
    data["shown"] = [value_in_units(v, meta, feature) for v in data["value"]]
    numeric = pd.api.types.is_numeric_dtype(data["value"])
    if not numeric:
        data["value"] = data["value"].astype(str)
    target = probability_label(meta, explained_class)
    # the reading named as the card names it: its description, the code in the tooltip
    descriptions = (meta or {}).get("feature_descriptions")
    x = vega.field(
        "value",
        "quantitative" if numeric else "nominal",
        axis={"tickCount": 6} if numeric else {"labelAngle": 0},
        title=reading_name(feature, meta),
    )
    if numeric:
        x["scale"] = {"zero": False}
    y = vega.field(
        "output",
        "quantitative",
        axis={"format": ".0%" if probability else "~s", "tickCount": 5},
        scale={"domain": [0, 1]} if probability else {"zero": False},
        title=target[:1].upper() + target[1:],
    )
    tooltip = [
        vega.field("shown", "nominal", title=said_name(feature, descriptions)),
        vega.field("text", "nominal", title=target),
    ]
    if numeric:
        line = {
            "mark": {"type": "line", "color": DOWN_COLOR, "strokeWidth": 3},
            "encoding": {"x": x, "y": y, "tooltip": tooltip},
        }
    else:
        line = {
            "mark": {"type": "bar", "color": NEUTRAL_COLOR, "size": 28},
            "encoding": {"x": x, "y": y, "tooltip": tooltip},
        }
    entered = {
        "transform": [{"filter": "datum.entered"}],
        "mark": {"type": "point", "filled": True, "size": 160, "color": UP_COLOR},
        "encoding": {"x": x, "y": y, "tooltip": tooltip},
    }
    spec = {"config": chart_config(), "layer": [line, entered], "height": 260}
    return vega.with_data(spec, data)
