"""The Overview's figures: the MVP's headline metric per sprint, metrics against the previous
sprint's MVP, the sprints table and decisions in words.
"""

from __future__ import annotations

import math
import textwrap
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from model import outcomes
from model.metrics import (
    BINARY,
    ERROR_METRICS,
    METRICS,
    MULTICLASS,
    REGRESSION,
    format_metric,
    three_figures,
)
from model.prototype import predicts_the_same
from model.right_values import target_unit
from model.workspace import Prototype, Workspace
from ui import chart_numbers, vega
from ui.charts import DOWN_COLOR, FONT_SIZE, chart_config
from ui.explanations import short_text
from ui.review_card import DEMO_ROWS_NOUN

if TYPE_CHECKING:  # Altair takes 0.25 s to import; the pages draw specs written as dicts
    import altair as alt

__all__ = [
    "PLAIN_METRIC_NAMES",
    "SCORE_COLUMN",
    "metric_key",
    "plain_metric_name",
    "binary_summary",
    "different_rows_note",
    "shared_rows_note",
    "flagged_at_caption",
    "MetricDelta",
    "OutcomeSummary",
    "outcome_summary",
    "target_unit",
    "decision_text",
    "SlideDecision",
    "slide_decision",
    "headline_by_sprint",
    "headline_chart",
    "measured_differently",
    "off_the_line_text",
    "metric_deltas",
    "overview_table",
    "previous_mvp",
]

#: Metrics shown on the sprint demo page, per task, when the prototype has them.
DEMO_METRICS = {
    BINARY: ["pr_auc", "roc_auc", "f1", "precision", "recall", "log_loss"],
    MULTICLASS: ["macro_f1", "accuracy", "balanced_accuracy", "roc_auc", "log_loss"],
    REGRESSION: ["rmse", "mae", "r2"],
}


#: Each metric's name in words a manager reads, for the Overview's chart and table; the
#: technical name sits behind "Technical details".
PLAIN_METRIC_NAMES = {
    "pr_auc": "Score at ranking real cases first (1 = perfect)",
    "roc_auc": "Score at ranking the cases (1 = perfect, 0.5 = guessing)",
    "recall@p90": "Share caught when 9 in 10 flags are right",
    "f1": "Balance of cases caught and flags right (1 = perfect)",
    "precision": "Share of flags that are right",
    "recall": "Share of real cases caught",
    "accuracy": "Share of cases given the right label",
    "balanced_accuracy": "Share right, each class counting equally",
    "log_loss": "Error of its probabilities (lower is better)",
    "brier": "Error of its probabilities (lower is better)",
    "macro_f1": "Balance of caught and right flags over the classes (1 = perfect)",
    "rmse": "Typical size of an error, large misses weighing more (lower is better)",
    "mae": "Average size of an error (lower is better)",
    "r2": "Share of the variation explained (1 = perfect)",
}
#: Sprints the Overview's line names each MVP of under its point; beyond, the sprint alone.
NAMED_POINTS = 6
#: Metrics of the size of an error: a chart of them starts at 0, so a 3% change is not drawn
#: as a spike.
FROM_ZERO_METRICS = (*ERROR_METRICS, "log_loss", "brier")
#: The Overview table's column of the MVP's headline metric, in words.
SCORE_COLUMN = "MVP score"


def plain_metric_name(label: str | None) -> str:
    """A metric's label ("PR AUC") in words a manager reads; "score" for an unknown one."""
    return PLAIN_METRIC_NAMES.get(_metric_key(label) or "", "Score")


def headline_by_sprint(summary: pd.DataFrame, sprints: list[str]) -> pd.DataFrame:
    """Each sprint's MVP and its headline metric, in sprint order (sprints without one left out)."""
    mvps = summary[summary["mvp"].astype(bool)].copy()
    order = {name: i for i, name in enumerate(sprints)}
    mvps["order"] = mvps["sprint"].map(order)
    mvps = mvps.dropna(subset=["order"]).sort_values("order")
    if "target" not in mvps:  # a summary from before targets were listed
        mvps["target"] = None
    columns = ["sprint", "prototype", "target", "metric", "value", "order"]
    return mvps[columns].reset_index(drop=True)


def _like_the_latest(data: pd.DataFrame) -> pd.Series:
    """Which MVPs are measured like the latest scored one: its metric and, where both name
    one, its target (two failure models' PR AUC, not a failure and an overheating model's)."""
    scored = data[data["metric"].notna()]
    if scored.empty:
        return pd.Series(False, index=data.index)
    latest = scored.iloc[-1]
    same_target = (
        data["target"].isna() | pd.isna(latest["target"]) | (data["target"] == latest["target"])
    )
    return (data["metric"] == latest["metric"]) & same_target


def measured_differently(summary: pd.DataFrame, sprints: list[str]) -> pd.DataFrame:
    """The MVPs :func:`headline_spec` leaves off its line: those measured by another metric
    than the latest MVP (a sprint whose model predicted a class before one predicting a
    value), or of another target. Columns as :func:`headline_by_sprint`'s."""
    data = headline_by_sprint(summary, sprints)
    other = data["metric"].notna() & ~_like_the_latest(data)
    return data[other].reset_index(drop=True)


def on_the_line(summary: pd.DataFrame, sprints: list[str]) -> pd.DataFrame:
    """The MVPs :func:`headline_spec` draws on its line, in sprint order (columns as
    :func:`headline_by_sprint`'s)."""
    data = headline_by_sprint(summary, sprints)
    return data[data["metric"].notna() & _like_the_latest(data)].reset_index(drop=True)


def off_the_line_text(summary: pd.DataFrame, sprints: list[str]) -> str | None:
    """The Overview's line naming the MVPs :func:`headline_spec` leaves off (
    :func:`measured_differently`) with their score, "Not on the line, … : Sprint 3 (average
    size of an error: 61.1)"; None where every MVP is on it."""
    others = measured_differently(summary, sprints)
    if others.empty:
        return None
    scores = [
        f"{sprint} ({plain_metric_name(metric).split(' (')[0].lower()}: "
        f"{format_metric(metric_key(metric) or '', value)})"
        for sprint, metric, value in zip(
            others["sprint"], others["metric"], others["value"], strict=True
        )
    ]
    listed = ", ".join(scores[:-1]) + (" and " if len(scores) > 1 else "") + scores[-1]
    return (
        "Not on the line, measured by another score or of another target than the latest "
        f"MVP: {listed}."
    )


def _axis_format(data: pd.DataFrame) -> str:
    """Two decimals for scores between 0 and 1; whole numbers with separators for errors in
    the target's units from 1,000 up ("26,000", not "26000.00"); else three figures."""
    keys = [_metric_key(label) for label in data["metric"].dropna().unique()]
    if all(key in METRICS and METRICS[key].is_fraction for key in keys):  # none: as scores
        # as many decimals as the ticks need to differ: scores of 0.999 and 1.000 had an
        # axis of "1.00, 1.00, 1.00, 1.00" (five ticks over the span, at most four decimals)
        values = pd.to_numeric(data["value"], errors="coerce").dropna()
        span = float(values.max() - values.min()) if len(values) else 0.0
        decimals = 2 if not span > 0 else math.ceil(-math.log10(span / 4))
        return f".{min(max(decimals, 2), 4)}f"
    high = data["value"].abs().max()
    return ",.0f" if high >= 1000 else ".3~g"


def sprint_axis(data: pd.DataFrame) -> tuple[list[str], str | None, int]:
    """The Overview line's labels, axis title and label angle for ``headline_by_sprint``'s
    rows: each sprint over its MVP's wrapped name; beyond ``NAMED_POINTS`` (twelve left room
    for three labels) the sprint alone, by number under its word where all are "Sprint N"."""
    if len(data) <= NAMED_POINTS:
        labels = [
            "\n".join([sprint, *textwrap.wrap(str(prototype), 18)])
            for sprint, prototype in zip(data["sprint"], data["prototype"], strict=True)
        ]
        return labels, None, 0
    numbered = chart_numbers.numbered(list(data["sprint"]))
    if numbered is None:
        return list(data["sprint"]), None, -40
    return numbered[1], numbered[0], 0


def headline_spec(summary: pd.DataFrame, sprints: list[str]) -> dict:
    """The MVP's headline metric per sprint: a line with each value above its point and the
    sprint and MVP names (wrapped) under the axis, for the MVPs measured like the latest MVP:
    its metric and its target (:func:`measured_differently` are the others); an error in the
    target's units says them. A Vega-Lite spec (see ``ui.vega``)."""
    data = headline_by_sprint(summary, sprints)
    # A line from a share (0.81) to an error in euros (26,000) on one axis means nothing: the
    # line holds the MVPs measured like the latest one (the Overview names the others).
    data = data[_like_the_latest(data)].reset_index(drop=True)
    # An error in the target's units says them: "61.1 min", "24,600 $" (not a bare 61.1).
    latest = data.iloc[-1] if len(data) else None
    unit = target_unit({"target": latest["target"]}) if latest is not None else None
    in_units = latest is not None and _metric_key(latest["metric"]) in ERROR_METRICS
    suffix = f" {unit}" if unit and in_units else ""
    high = float(data["value"].abs().max()) if len(data) else 0.0
    data["text"] = [
        chart_numbers.point_text(_metric_key(label), value, high, ERROR_METRICS) + suffix
        for label, value in zip(data["metric"], data["value"], strict=True)
    ]
    data["below"] = chart_numbers.labels_below([float(v) for v in data["value"]])
    from_zero = latest is not None and _metric_key(latest["metric"]) in FROM_ZERO_METRICS
    data["axis_label"], axis_title, angle = sprint_axis(data)
    title = plain_metric_name(data["metric"].iloc[-1] if len(data) else None)
    if suffix:
        title = title.replace(" (", f", in {unit} (", 1) if " (" in title else f"{title}, {unit}"
    title = textwrap.wrap(title, 24) if len(title) > 24 else title  # lines fit the axis
    position = {
        "x": vega.field(
            "axis_label",
            "nominal",
            axis={
                "labelAngle": angle,
                "labelExpr": "split(datum.label, '\\n')",
                "labelPadding": 8,
            },
            sort=list(data["axis_label"]),
            title=axis_title,
        ),
        "y": vega.field(
            "value",
            "quantitative",
            axis={"format": _axis_format(data), "tickCount": 5},
            # an error from 0, where a 3.5% change from 38,000 up looked like a spike
            scale={"zero": True} if from_zero else {"padding": 30, "zero": False},
            title=title,
        ),
    }
    tooltip = [
        vega.field("sprint", "nominal"),
        vega.field("prototype", "nominal", title="MVP"),
        vega.field("text", "nominal", title="Score"),
    ]
    layers = [
        {"mark": {"type": "line", "color": DOWN_COLOR, "strokeWidth": 3}, "encoding": position},
        {
            "mark": {"type": "point", "color": DOWN_COLOR, "filled": True, "size": 140},
            "encoding": {"tooltip": tooltip, **position},
        },
        *(
            {
                "mark": {"type": "text", "dy": dy, "fontSize": FONT_SIZE, "fontWeight": "bold"},
                "encoding": {"text": vega.field("text", "nominal"), **position},
                "transform": [{"filter": f"{'' if below else '!'}datum.below"}],
            }
            for dy, below in ((-18, False), (20, True))
        ),
    ]
    return vega.with_data({"config": chart_config(), "layer": layers, "height": 320}, data)


def headline_chart(summary: pd.DataFrame, sprints: list[str]) -> alt.LayerChart:
    """:func:`headline_spec` as an Altair chart."""
    import altair as alt

    return alt.LayerChart.from_dict(headline_spec(summary, sprints))


def metric_key(label: str | None) -> str | None:
    """The ``model.metrics.METRICS`` key of a metric's label ("PR AUC" → "pr_auc")."""
    for key, info in METRICS.items():
        if info.label == label:
            return key
    return None


_metric_key = metric_key


def previous_mvp(
    ws: Workspace, sprint: str, like: Prototype | None = None
) -> tuple[str, str] | None:
    """``(sprint, prototype)`` of the MVP of the nearest earlier sprint that has one; given
    ``like``, the nearest whose MVP predicts what ``like`` does (its task and target: a
    failure model is not compared with a model of tool wear)."""
    sprints = ws.sprints()
    if sprint not in sprints:
        return None
    for earlier in reversed(sprints[: sprints.index(sprint)]):
        mvp = ws.mvp(earlier)
        if not mvp or mvp not in ws.prototypes(earlier):
            continue
        if like is None or predicts_the_same(ws.prototype(earlier, mvp), like):
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
    now_on_shared: Mapping[str, float] | None = None,
) -> list[MetricDelta]:
    """The task's metrics with their change since ``previous``, aware of which way is better.

    With ``now_on_shared`` (these metrics on the rows both MVPs were shown; ``previous`` then
    the earlier MVP's on the same rows) the change is measured there, like for like.
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
        compared = value if now_on_shared is None else now_on_shared.get(key)
        if previous and previous.get(key) is not None and compared is not None:
            delta = float(compared) - float(previous[key])
            digits = f"{delta:+.3f}" if info.is_fraction else three_figures(delta, signed=True)
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

    The headline column is :data:`SCORE_COLUMN`, an error in the target's units saying them;
    when the sprints' MVPs are scored by different metrics, each value is given after its
    metric's plain name.
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
        text = format_metric(key, value) if key else "—"
        unit = target_unit({"target": mine.iloc[0].get("target")}) if len(mine) else None
        if key in ERROR_METRICS and unit:  # an error in the target's units: "61.1 min"
            text += f" {unit}"
        decisions = ws.decisions(sprint)
        latest = decisions[-1] if decisions else {}
        count = counts.get(sprint, {})
        rows.append(
            {
                "Sprint": sprint,
                "MVP": mvp or "—",
                "Headline": (metric, text),
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
    else:
        table["Headline"] = [
            f"{plain_metric_name(metric)}: {value}" if metric else value
            for metric, value in table["Headline"]
        ]
    return table.rename(columns={"Headline": SCORE_COLUMN})


def decision_text(decision: Mapping, sprint: str | None = None) -> tuple[str, str, str]:
    """A decision as plain text: when and by whom, what and why, and who attended."""
    when = f"decided on {decision.get('decided_on', '')} · recorded by "
    when += decision.get("recorded_by") or "unknown"
    if sprint:
        when = f"{sprint} · {when}"
    body = f"Chose {decision.get('chosen', '')}: {decision.get('rationale', '')}"
    return when, body, ", ".join(decision.get("attendees", []))


#: A decision on a slide: two lines of its reason at 1280 px, and one line saying when, by
#: whom and who attended (as many names as fit); the rest is a click away. A 5,000-character
#: reason ran a slide to 904 px.
SLIDE_REASON_CHARS = 200
SLIDE_CAPTION_CHARS = 120


@dataclass(frozen=True)
class SlideDecision:
    """A decision cut to fit a slide: ``body`` ("Chose …: why", on one line), ``caption``
    (when, by whom, the attendees that fit and how many more), and ``whole`` (the reason and
    every attendee as recorded) when anything was cut, else None."""

    body: str
    caption: str
    whole: str | None


def slide_decision(decision: Mapping, sprint: str | None = None) -> SlideDecision:
    """``decision`` as :func:`decision_text` says it, its reason cut to
    :data:`SLIDE_REASON_CHARS` and its caption to :data:`SLIDE_CAPTION_CHARS`, so that a
    slide holds it whatever was typed."""
    when, body, _ = decision_text(decision, sprint)
    body_cut = short_text(body, _chars_within(" ".join(body.split()), SLIDE_REASON_CHARS))
    attendees = [" ".join(str(name).split()) for name in decision.get("attendees", [])]
    caption = short_text(when, _chars_within(when, SLIDE_CAPTION_CHARS))
    named = 0
    for count in range(len(attendees), 0, -1):
        more = len(attendees) - count
        said = f"{caption} · attendees: {', '.join(attendees[:count])}"
        said += f" and {more:,} more" if more else ""
        if _chars_within(said, SLIDE_CAPTION_CHARS) == len(said):
            caption, named = said, count
            break
    if attendees and not named:
        caption += f" · {len(attendees):,} attendee{'' if len(attendees) == 1 else 's'}"
    cut = body_cut != " ".join(body.split()) or named < len(attendees)
    whole = None
    if cut:
        whole = body + (f"\n\nAttendees: {', '.join(attendees)}." if attendees else "")
    return SlideDecision(body_cut, caption, whole)


def _chars_within(text: str, width: int) -> int:
    """How many of ``text``'s characters take at most ``width`` columns, a wide character
    (Chinese, Japanese, Korean, most emoji) taking two: 200 of those fill four lines, not two."""
    used = 0
    for index, char in enumerate(text):
        used += 2 if unicodedata.east_asian_width(char) in "WF" else 1
        if used > width:
            return index
    return len(text)


@dataclass(frozen=True)
class OutcomeSummary:
    """A prototype's outcome on the demo rows in words: ``sentences`` ("Caught 50 of 68
    failures (74%); 7 false alarms among the 1,932 healthy machines."), and for a classifier
    ``confusion``, the confusion matrix in counts with words in each cell."""

    sentences: list[str]
    confusion: pd.DataFrame | None


def outcome_summary(
    proto: Prototype, noun: str = "cases", most_classes: int | None = None
) -> OutcomeSummary | None:
    """What ``proto``'s own decisions did on its demo rows, in counts and words (a multiclass
    model's classes one by one, or beyond ``most_classes`` those recognised least and a line
    for the others: ``model.outcomes.outcome_sentences``); None when the demo rows were
    published without labels."""
    predictions = proto.predictions()
    if "actual" not in predictions.columns or predictions["actual"].isna().all():
        return None
    predictions = predictions[predictions["actual"].notna()]
    meta = proto.meta
    result = outcomes.outcome(
        predictions, proto.task, meta.get("classes"), meta.get("positive_class")
    )
    names = proto.class_names
    classes = [str(c) for c in meta.get("classes") or []]
    if isinstance(result, outcomes.BinaryOutcome):
        return binary_summary(result, classes, names, noun)
    sentences = outcomes.outcome_sentences(result, names, noun, target_unit(meta), most_classes)
    if proto.task == REGRESSION:
        return OutcomeSummary(sentences, None)
    table = outcomes.confusion_table(
        predictions["actual"], predictions["predicted"], classes, names
    )
    return OutcomeSummary(sentences, table.reset_index())


def binary_summary(
    result: outcomes.BinaryOutcome, classes: list[str], names: Mapping, noun: str = "cases"
) -> OutcomeSummary:
    """A binary outcome (at the published labels or at a threshold) in sentences, and its
    confusion matrix with a count and its words in each cell, the positive class first as on
    the Bake-off's cards (caught and missed in the first row)."""
    sentences = outcomes.outcome_sentences(result, names, noun)
    ordered = [result.positive, *(c for c in classes if c != result.positive)]
    shown = [outcomes.class_name(c, names) for c in ordered]
    table = pd.DataFrame(
        index=pd.Index([f"Actually {n}" for n in shown], name="Actual"),
        columns=pd.Index([f"Predicted {n}" for n in shown], name="Predicted"),
        dtype=object,
    )
    for cell in outcomes.binary_cells(result, names, noun).itertuples():
        table.loc[f"Actually {cell.actual}", f"Predicted {cell.decided}"] = (
            f"{cell.count:,} {cell.words}"
        )
    return OutcomeSummary(sentences, table.reset_index())


def flagged_at_caption(noun: str, positive: str, threshold: float) -> str:
    """What the Sprint demo's counts are counted at, and that each case is shown at it too
    (the table's Flagged column, SME review, Present, the follow-up of earlier flags)."""
    return (
        f"Counted as on the Bake-off: a {noun} is flagged when the chance of "
        f"{outcomes.class_in_sentence(positive)} is at least {threshold:.1%}, the threshold at "
        "which its errors cost least under the cost assumptions (on the Bake-off you may try "
        f"others). The predictions table's Flagged column, SME review and Present flag each "
        f"{noun} there too."
    )


def different_rows_note(before: int, now: int, shared: int, noun: str, why: str = "") -> str:
    """Under two MVPs' counts taken on different demo rows: they are not one set of rows,
    and the metrics' changes are measured on the rows in both (with none in both, or ``why``
    those in both compare nothing, there are no changes to measure)."""
    noun = _demo_noun(noun)
    if why:
        return (
            f"Each is counted on its own sprint's demo {noun} ({before:,} and {now:,}), so the "
            f"two are not one set of {noun}, and the metrics' changes are not measured: {why}."
        )
    if shared == 0:
        return (
            f"Each is counted on its own sprint's demo {noun} ({before:,} and {now:,}, none in "
            f"both), so the two are not one set of {noun}, and the metrics' changes are not "
            "measured."
        )
    return (
        f"Each is counted on its own sprint's demo {noun} ({before:,} and {now:,}, {shared:,} "
        f"in both), so the two are not one set of {noun}; the metrics' changes are measured on "
        f"the {shared:,} in both."
    )


def shared_rows_note(rows: int, noun: str, thresholds_chosen: bool = False) -> str:
    """Under two MVPs' counts and money taken on the demo rows both were shown: one line
    saying so, and (``thresholds_chosen``) that their money has no allowance for it."""
    said = f"Both are counted on the {rows:,} demo {_demo_noun(noun)} both were shown, as are "
    if thresholds_chosen:  # a model without an error there costs $0, not its allowance
        return (
            said + "the metrics' changes; their money is what their errors there cost, with "
            "no allowance for choosing each alarm threshold on its own rows as on the Bake-off."
        )
    return said + "the metrics' changes."


def changes_caption(previous: tuple[str, str], shared: tuple | None, noun: str, why="") -> str:
    """Under the metrics' changes: against which MVP, on which rows (none: ``why`` not)."""
    noun = _demo_noun(noun)
    said = f"Changes against {previous[0]}'s MVP, {previous[1]}"
    if shared is None:
        return said + "."
    if why:
        return said + f": not measured, as {why} (each figure is on its own sprint's demo rows)."
    if shared[2] == 0:
        return said + f": none, as the two were shown no demo {noun} in common."
    return (
        said + f", measured on the {shared[2]:,} demo {noun} both were shown (each figure is "
        "on its own sprint's demo rows)."
    )


def _demo_noun(noun: str) -> str:
    """ "rows" for the generic "rows in the demo set" (else "demo rows in the demo set")."""
    return "rows" if noun == DEMO_ROWS_NOUN else noun
