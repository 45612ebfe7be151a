"""A prototype's cached data: its demo rows' predictions and features (read once and shared,
read-only, by every session), a page of the predictions table, one row, its explanations and
the specs of its charts.

Every loader is keyed by the workspace path (so a cache never serves one workspace's data to
another, which matters when cached data outlive one ``AppTest``), the sprint, the prototype and
its ``content_id`` (``Prototype.content_id``: every publish gets a new one, so no key repeats for
different content, not even in a workspace rebuilt or restored at the same path). Reruns then
read each parquet file once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from model import review as _review
from model.costs import CostAssumptions
from model.metrics import metrics_on_rows
from model.shared_rows import (
    Rule,
    SharedCounts,
    TooFewToCompare,
    counted_on_shared_rows,
    shared_labelled_rows,
    too_few_to_compare,
)
from model.trained_rows import counted_on_rows_not_learnt, metrics_on_rows_not_learnt
from model.workspace import Prototype, open_workspace
from ui import charts as _charts
from ui import explanations as _explanations
from ui import predictions_table as _predictions_table
from ui import sprint_summary as _sprint_summary

__all__ = [
    "SharedMetrics",
    "demo_row_ids",
    "dependence_spec",
    "explanation",
    "feature_percentiles",
    "importance_spec",
    "open_prototype",
    "outcome_summary",
    "outcomes_on_shared_rows",
    "prediction_page",
    "prediction_row",
    "predictions_outline",
    "row_words",
    "shared_features",
    "shared_predictions",
    "waterfall_spec",
]


def open_prototype(path: str, sprint: str, prototype: str) -> Prototype:
    """The published ``prototype`` of ``sprint`` in the workspace at ``path`` (not cached: it
    holds its metadata and reads its tables when asked)."""
    return open_workspace(path, create=False).prototype(sprint, prototype)


@st.cache_data(show_spinner=False, max_entries=512)
def explanation(path: str, sprint: str, prototype: str, content_id: str, row_id: str) -> dict:
    """``Workspace.explain(sprint, prototype, row_id)``."""
    return open_workspace(path, create=False).explain(sprint, prototype, row_id)


# -- the sprint demo's table and charts: a rerun reads a page of rows and two cached specs ------
@st.cache_resource(show_spinner=False, max_entries=8)
def shared_predictions(path: str, sprint: str, prototype: str, content_id: str) -> pd.DataFrame:
    """``Prototype.predictions()``, one read-only copy for every session: st.cache_data would
    unpickle all 100,000 rows on every rerun. Only the cached loaders read it, and none of them
    changes it."""
    return open_prototype(path, sprint, prototype).predictions()


@st.cache_data(show_spinner=False, max_entries=64)
def predictions_outline(path: str, sprint: str, prototype: str, content_id: str) -> dict:
    """What the table's controls need without the rows: ``rows`` (how many), ``columns`` and
    ``precomputed`` (how many rows were explained when publishing; None if not recorded)."""
    frame = shared_predictions(path, sprint, prototype, content_id)
    precomputed = (
        int(frame["precomputed"].to_numpy(dtype=bool, na_value=False).sum())
        if "precomputed" in frame.columns
        else None
    )
    return {"rows": len(frame), "columns": list(frame.columns), "precomputed": precomputed}


@st.cache_data(show_spinner=False, max_entries=64)
def _filtered_positions(
    path: str, sprint: str, prototype: str, content_id: str, filters: tuple
) -> np.ndarray:
    frame = shared_predictions(path, sprint, prototype, content_id)
    return np.flatnonzero(_predictions_table.prediction_mask(frame, *filters))


# A resource, not data: a rerun gets the same read-only frame back instead of unpickling a
# copy, and the sprint demo's largest per-rerun cost after Streamlit's own is gone.
@st.cache_resource(show_spinner=False, max_entries=256)
def prediction_page(
    path: str,
    sprint: str,
    prototype: str,
    content_id: str,
    filters: tuple,
    page: int,
    page_size: int = _predictions_table.TABLE_PAGE_SIZE,
) -> tuple[pd.DataFrame, _predictions_table.TablePage]:
    """One page of the predictions that pass ``filters`` (the arguments of
    ``predictions_table.prediction_mask`` after the predictions: classes, confidence range,
    correctness, precomputed only), and where it lies (``predictions_table.TablePage``; ``page``
    is clamped to the pages there are). The filtered positions are cached apart, so turning a
    page does not filter again. The frame is shared between sessions: do not modify it."""
    positions = _filtered_positions(path, sprint, prototype, content_id, filters)
    frame = shared_predictions(path, sprint, prototype, content_id)
    bounds = _predictions_table.table_page(len(positions), len(frame), page, page_size)
    return frame.iloc[positions[bounds.start : bounds.stop]], bounds


@st.cache_resource(show_spinner=False, max_entries=8)
def shared_features(path: str, sprint: str, prototype: str, content_id: str) -> pd.DataFrame:
    """``Prototype.features()``, shared read-only like ``shared_predictions``: a row's
    percentiles need every demo row."""
    return open_prototype(path, sprint, prototype).features()


@st.cache_data(show_spinner=False, max_entries=512)
def feature_percentiles(
    path: str, sprint: str, prototype: str, content_id: str, row_id: str
) -> dict[str, float]:
    """``model.review.feature_percentiles`` of one demo row, computed once per row instead of
    over every demo row on every rerun."""
    frame = shared_features(path, sprint, prototype, content_id)
    return _review.feature_percentiles(frame, str(row_id))


@st.cache_resource(show_spinner=False, max_entries=16)
def demo_row_ids(path: str, sprint: str, prototype: str, content_id: str) -> frozenset[str]:
    """The prototype's demo row ids, shared by every session (a frozenset cannot be changed),
    for pages that need the ids but not the 100,000 rows behind them."""
    frame = shared_predictions(path, sprint, prototype, content_id)
    # tolist: iterating 100,000 text ids one by one took four times as long.
    return frozenset(frame.index.astype(str).tolist())


class SharedMetrics(NamedTuple):
    """Two MVPs' metrics on the same labelled demo rows (``metrics_on_shared_rows``)."""

    earlier: dict
    now: dict
    #: How many rows they are measured on.
    rows: int
    #: Why those rows cannot compare the two (then ``earlier`` and ``now`` are empty).
    why: TooFewToCompare | None = None
    #: How many of the rows both were shown the later one learnt from, left out (0: none).
    learnt: int = 0


@st.cache_data(show_spinner=False, max_entries=32)
def metrics_on_shared_rows(
    path: str, earlier: tuple[str, str, str], now: tuple[str, str, str]
) -> SharedMetrics | None:
    """Two MVPs' metrics on the labelled demo rows both were shown, ``(earlier, now, rows,
    None)``, when their demo sets differ (None when they are the same rows): each set's own
    metrics made a model look better for rows that left the set. Where the later one learnt
    some of those rows (its ``trained_on``), on the others only, with ``learnt`` saying how
    many were left out (``model.trained_rows.metrics_on_rows_not_learnt``): trial M's Sprint
    3 learnt 41 of its 600 demo rows, 40 of them Sprint 2's errors, and read "0.380 better" for
    +0.344 on the 559 others. When those rows cannot compare the two (none, too few, or a
    class missing: ``model.shared_rows.too_few_to_compare``), ``({}, {}, rows, why)``: no
    change is measured, as "+0.000" on 53 rows without a failure measured nothing.
    ``earlier`` and ``now`` are ``(sprint, prototype, content id)``."""
    before, after = shared_predictions(path, *earlier), shared_predictions(path, *now)
    earlier_meta = open_prototype(path, *earlier[:2]).meta
    now_meta = open_prototype(path, *now[:2]).meta
    fair = metrics_on_rows_not_learnt(before, earlier_meta, after, now_meta)
    if fair is not None:
        learnt = len(shared_labelled_rows(before, after)) - fair[2]
        return SharedMetrics(*fair, learnt=learnt)
    if set(before.index) == set(after.index):
        return None
    rows = shared_labelled_rows(before, after)
    if len(rows) == 0:
        return SharedMetrics({}, {}, 0)
    if "actual" in after.columns:
        lacking = too_few_to_compare(after.loc[rows, "actual"], now_meta)
        if lacking is not None:
            return SharedMetrics({}, {}, len(rows), lacking)
    return SharedMetrics(
        metrics_on_rows(earlier_meta, before, rows),
        metrics_on_rows(now_meta, after, rows),
        len(rows),
    )


@st.cache_data(show_spinner=False, max_entries=32)
def outcomes_on_shared_rows(
    path: str,
    earlier: tuple[str, str, str],
    now: tuple[str, str, str],
    rules: tuple[tuple[float | None] | None, tuple[float | None] | None],
    assumptions: dict,
) -> SharedCounts | TooFewToCompare | None:
    """``model.shared_rows.counted_on_shared_rows`` of two MVPs: both counted and priced on
    the labelled demo rows both were shown, each at its rule (``(threshold,)`` as its own
    demo set is priced, ``ErrorCost.threshold``; None: counted at its published labels,
    unpriced) under ``assumptions`` (``CostAssumptions.to_dict()``). Where the later one
    learnt some of those rows (its ``trained_on``), on the others only, ``learnt`` saying
    how many were left out (``model.trained_rows.counted_on_rows_not_learnt``: trial M's
    Sprint 3 read "Right on 474 of 600" beside Sprint 2's 281, 440 beside 280 on the 559
    rows it did not learn). None when their demo sets are the same rows and it learnt
    none, or they share no labelled row; why not when those rows are too few or lack a
    class. ``earlier`` and ``now`` are ``(sprint, prototype, content id)``."""
    counted = (
        shared_predictions(path, *earlier), open_prototype(path, *earlier[:2]).meta,
        shared_predictions(path, *now), open_prototype(path, *now[:2]).meta,
        (Rule(*rules[0]) if rules[0] else None, Rule(*rules[1]) if rules[1] else None),
        CostAssumptions.from_dict(assumptions),
    )  # fmt: skip
    fair = counted_on_rows_not_learnt(*counted)
    return fair if fair is not None else counted_on_shared_rows(*counted)


@st.cache_data(show_spinner=False, max_entries=64)
def importance_spec(path: str, sprint: str, prototype: str, content_id: str) -> dict:
    """The Vega-Lite spec of ``explanations.global_importance_spec``: built once per
    publish, not on every rerun."""
    meta = open_prototype(path, sprint, prototype).meta
    return _charts.with_arrow_datasets(_explanations.global_importance_spec(meta))


@st.cache_data(show_spinner=False, max_entries=512)
def row_words(
    path: str, sprint: str, prototype: str, content_id: str, row_id: str, explained_class
) -> list[dict]:
    """The words of a free-text reading of one row and how much each moved the prediction of
    ``explained_class`` (``explain_text.word_contributions``: read for a deck row, explained
    once for another); empty for a prototype without free text."""
    proto = open_prototype(path, sprint, prototype)
    if not proto.meta.get("text_columns"):
        return []
    from model.explain_text import word_contributions  # imports the model's libraries

    return word_contributions(proto, row_id, explained_class).to_dict("records")


@st.cache_data(show_spinner=False, max_entries=512)
def waterfall_spec(path: str, sprint: str, prototype: str, content_id: str, row_id: str) -> dict:
    """The Vega-Lite spec of ``explanations.waterfall_spec`` for one row (explaining it first if it
    was not explained when publishing)."""
    meta = open_prototype(path, sprint, prototype).meta
    row = explanation(path, sprint, prototype, content_id, row_id)
    return _charts.with_arrow_datasets(_explanations.waterfall_spec(row, meta))


@st.cache_data(show_spinner=False, max_entries=1024)
def prediction_row(
    path: str, sprint: str, prototype: str, content_id: str, row_id: str
) -> pd.Series:
    """One demo row of ``Prototype.predictions()`` by its id (as text): what a card shows,
    without copying every demo row on every rerun. A KeyError names an unknown id."""
    frame = shared_predictions(path, sprint, prototype, content_id)
    position = _review.row_position(frame, row_id)
    if position is None:
        raise KeyError(str(row_id))
    return frame.iloc[position]


# -- words for the room: outcomes in counts, one reading's effect ------------------------------
@st.cache_data(show_spinner=False, max_entries=64)
def outcome_summary(
    path: str,
    sprint: str,
    prototype: str,
    content_id: str,
    noun: str = "cases",
    most_classes: int | None = None,
) -> _sprint_summary.OutcomeSummary | None:
    """``sprint_summary.outcome_summary``: the prototype's outcome in counts and words."""
    return _sprint_summary.outcome_summary(
        open_prototype(path, sprint, prototype), noun, most_classes
    )


@st.cache_data(show_spinner=False, max_entries=64)
def dependence_spec(
    path: str,
    sprint: str,
    prototype: str,
    content_id: str,
    feature: str,
    explained_class: str | None = None,
) -> dict:
    """``explanations.dependence_spec`` from the stored SHAP values (read, never computed) of
    ``explained_class`` (default: the first explained)."""
    proto = open_prototype(path, sprint, prototype)
    features = shared_features(path, sprint, prototype, content_id)
    spec = _explanations.dependence_spec(
        features, proto.shap_values(explained_class), feature, proto.meta, explained_class
    )
    return _charts.with_arrow_datasets(spec)
