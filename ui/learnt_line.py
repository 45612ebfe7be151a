"""The Overview's "How good each sprint's MVP is" and Sprints table where an MVP learnt some of
its demo rows (published with ``trained_on=`` the SMEs' labels): trial R's Sprint 3 learnt 13
of them, two huge outliers among them, and its point (787) halved the error on the line while
on the 987 rows it did not learn it went from 294 to 792, with no word on the Overview. Its
point is drawn hollow, the line into it dashed, and the words beside the chart and in its
table cell give both MVPs' scores on the rows it did not learn, as the Sprint demo and
Present step 2 do (``ui.learnt_rows``).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import streamlit as st

from model.followup_rows import TRAINED_ON_KEY
from model.trained_rows import learnt_demo_rows
from model.workspace import open_workspace
from ui import cached, review_card, sprint_summary, vega
from ui.charts import HIGHLIGHT_COLOR, with_arrow_datasets
from ui.metric_change import on_rows_not_learnt, said_value

__all__ = [
    "LearntPoint",
    "headline_spec",
    "learnt_points",
    "mark_learnt",
    "point_note",
    "score_cells",
]


@dataclass(frozen=True)
class LearntPoint:
    """A sprint's MVP that learnt ``learnt`` of its ``demo_rows`` demo rows; ``now`` and
    ``earlier`` its and the previous MVP's (``previous``, (sprint, MVP)) scores of the metric
    ``key`` on the ``rows`` demo rows both were shown that it did not learn (None where there
    is no previous MVP or those rows cannot compare them)."""

    sprint: str
    prototype: str
    key: str
    value: float
    learnt: int
    demo_rows: int
    noun: str
    unit: str | None = None
    previous: tuple[str, str] | None = None
    rows: int = 0
    now: float | None = None
    earlier: float | None = None


@st.cache_data(show_spinner=False, max_entries=16)
def learnt_points(path: str, stamp: tuple) -> tuple[LearntPoint, ...]:
    """The MVPs with a score (``sprint_summary.headline_by_sprint``) that learnt some of their
    demo rows, in sprint order, once per workspace stamp (``cached.workspace_stamp``)."""
    ws = open_workspace(path, create=False)
    points = []
    data = sprint_summary.headline_by_sprint(cached.summary(path, stamp), ws.sprints())
    for sprint, name, metric, value in zip(
        data["sprint"], data["prototype"], data["metric"], data["value"], strict=True
    ):
        proto = ws.prototype(sprint, name)
        key = sprint_summary.metric_key(metric)
        if not proto.meta.get(TRAINED_ON_KEY) or key is None:
            continue
        ids = cached.demo_row_ids(path, sprint, name, proto.content_id)
        learnt = len(learnt_demo_rows(proto.meta[TRAINED_ON_KEY], sorted(ids)))
        if not learnt:
            continue
        noun = review_card.cases_noun(review_card.reason_wording(proto.meta)[1])
        point = {"sprint": sprint, "prototype": name, "key": key, "value": float(value)}
        point |= {"learnt": learnt, "demo_rows": len(ids), "noun": noun}
        point["unit"] = sprint_summary.target_unit(proto.meta)
        previous = sprint_summary.previous_mvp(ws, sprint, like=proto)
        if previous:
            earlier = ws.prototype(*previous)
            shared = cached.metrics_on_shared_rows(
                path,
                (earlier.sprint, earlier.name, earlier.content_id),
                (sprint, name, proto.content_id),
            )
            point["previous"] = previous
            if shared and shared.learnt and shared.why is None and key in shared.now:
                point |= {"rows": shared.rows, "now": shared.now[key]}
                point["earlier"] = shared.earlier.get(key)
        points.append(LearntPoint(**point))
    return tuple(points)


def point_note(point: LearntPoint) -> str:
    """Beside the chart: how many of its demo rows the MVP learnt, that its point flatters it,
    and both MVPs' scores on the rows it did not learn: "Sprint 3's MVP: 13 of these 1,000
    demo cases were in this model's training data (the SMEs' corrected labels), so its point,
    787, flatters it, drawn hollow. On the rows it did not learn: 792 against 294 for Sprint
    2's MVP, m, on the 987 cases it did not learn: 498 worse."."""
    were = "was" if point.learnt == 1 else "were"
    said = (
        f"{point.sprint}'s MVP: {point.learnt:,} of these {point.demo_rows:,} demo "
        f"{point.noun} {were} in this model's training data (the SMEs' corrected labels), so "
        f"its point, {said_value(point.key, point.value, point.unit)}, flatters it: it is "
        "drawn hollow, the line into it dashed."
    )
    if point.previous and point.now is not None and point.earlier is not None:
        fair = on_rows_not_learnt(
            point.key, point.now, point.earlier, point.previous, point.rows, point.noun,
            point.unit,
        )  # fmt: skip
        said += f" Measured fairly, {fair}."
    return said


def score_cells(table: pd.DataFrame, points: tuple[LearntPoint, ...]) -> pd.DataFrame:
    """The Sprints table (``sprint_summary.overview_table``) with the score of each MVP of
    ``points`` saying it learnt some of its demo rows, and its score on the others beside the
    previous MVP's: "787 (learnt 13 of its demo cases; on the 987 others 792, Sprint 2's MVP
    294)"."""
    column = sprint_summary.SCORE_COLUMN
    if not points or column not in table:
        return table
    cells = dict(zip(table["Sprint"], table[column], strict=True))
    for point in points:
        if point.sprint not in cells:
            continue
        said = f"learnt {point.learnt:,} of its demo {point.noun}"
        if point.previous and point.now is not None and point.earlier is not None:
            scale = max(abs(point.now), abs(point.earlier))
            said += (
                f"; on the {point.rows:,} others {said_value(point.key, point.now, None, scale)}, "
                f"{point.previous[0]}'s MVP {said_value(point.key, point.earlier, None, scale)}"
            )
        cells[point.sprint] = f"{cells[point.sprint]} ({said})"
    return table.assign(**{column: [cells[s] for s in table["Sprint"]]})


def mark_learnt(spec: dict, points: tuple[LearntPoint, ...]) -> dict:
    """``sprint_summary.headline_spec``'s ``spec`` (its data inlined, not yet Arrow) with the
    points of the MVPs in ``points`` hollow and orange, and the line into each dashed, so a
    point flattered by rows it learnt is not drawn as a plain gain; ``spec`` itself where none
    of them is on the line."""
    learnt = {point.sprint for point in points}
    ((name, values),) = spec["datasets"].items()
    if not learnt & {row["sprint"] for row in values}:
        return spec
    rows = []
    for i, row in enumerate(values):
        before = values[i - 1] if i else row
        rows.append(
            {
                **row,
                "learnt": row["sprint"] in learnt,
                "from_label": before["axis_label"],
                "from_value": before["value"],
            }
        )
    line, point, *texts = spec["layer"]
    position = point["encoding"]
    x, y = position["x"], position["y"]
    segments = {
        "mark": {**line["mark"], "type": "rule"},
        "encoding": {
            "x": vega.field("from_label", "nominal", **_but_field(x)),
            "y": vega.field("from_value", "quantitative", **_but_field(y)),
            "x2": {"field": "axis_label"},
            "y2": {"field": "value"},
            "strokeDash": {"condition": {"test": "datum.learnt", "value": [6, 4]}, "value": [1, 0]},
        },
    }
    plain = {**point, "transform": [{"filter": "!datum.learnt"}]}
    hollow = {
        "mark": {**point["mark"], "filled": False, "color": HIGHLIGHT_COLOR, "strokeWidth": 3},
        "encoding": point["encoding"],
        "transform": [{"filter": "datum.learnt"}],
    }
    frame = pd.DataFrame(rows)
    return vega.with_data({**spec, "layer": [segments, plain, hollow, *texts]}, frame)


def _but_field(encoding: dict) -> dict:
    """An encoding's options (axis, scale, sort, title) without its field and type."""
    return {k: v for k, v in encoding.items() if k not in ("field", "type")}


@st.cache_data(show_spinner=False, max_entries=16)
def headline_spec(path: str, stamp: tuple) -> dict:
    """``cached.headline_spec`` with the MVPs of :func:`learnt_points` marked
    (:func:`mark_learnt`), built once per workspace stamp."""
    ws = open_workspace(path, create=False)
    spec = sprint_summary.headline_spec(cached.summary(path, stamp), ws.sprints())
    return with_arrow_datasets(mark_learnt(spec, learnt_points(path, stamp)))
