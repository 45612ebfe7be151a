"""The cached loaders every page shares: the workspace's and the feedback store's data.

Every loader is a thin wrapper over a ``Workspace`` method, keyed by the workspace path (so a
cache never serves one workspace's data to another, which matters when cached data outlive
one ``AppTest``), the sprint, the prototype and its ``content_id`` (``Prototype.content_id``:
every publish gets a new one, so no key repeats for different content, not even in a workspace
rebuilt or restored at the same path). Reruns then read each parquet file once.
"""

from __future__ import annotations

import contextlib
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

import feedback_store
from model import bakeoff as _bakeoff
from model import followup as _followup
from model import outcomes as _outcomes
from model import recommend as _recommend
from model import review as _review
from model.costs import CostAssumptions, load_assumptions
from model.metrics import REGRESSION
from model.workspace import Workspace, open_workspace
from ui import bakeoff_charts as _bakeoff_charts
from ui import bakeoff_tables as _bakeoff_tables
from ui import charts as _charts
from ui import explanations as _explanations
from ui import followup_table as _followup_table
from ui import predictions_table as _predictions_table
from ui import sprint_summary as _sprint_summary
from ui import verdict_tables as _verdict_tables

__all__ = [
    "bakeoff",
    "agreement_spec",
    "bakeoff_figures",
    "comparison",
    "demo_row_ids",
    "disagreements",
    "explanation",
    "feature_percentiles",
    "headline_spec",
    "followup",
    "importance_spec",
    "input_schema",
    "own_case",
    "pareto_spec",
    "prediction_page",
    "predictions_outline",
    "segments",
    "store",
    "summary",
    "verdicts_stamp",
    "warm_up_bakeoff",
    "warm_up_overview",
    "waterfall_spec",
    "workspace_stamp",
]


def _prototype(path: str, sprint: str, prototype: str):
    return open_workspace(path, create=False).prototype(sprint, prototype)


@st.cache_data(show_spinner=False, max_entries=512)
def explanation(path: str, sprint: str, prototype: str, content_id: str, row_id: str) -> dict:
    """``Workspace.explain(sprint, prototype, row_id)``."""
    return open_workspace(path, create=False).explain(sprint, prototype, row_id)


def _spec(chart) -> dict:
    # Built and validated once; its data already in the form Streamlit sends to the browser.
    return _charts.with_arrow_datasets(_charts.chart_spec(chart))


# -- the sprint demo's table and charts: a rerun reads a page of rows and two cached specs ------
@st.cache_resource(show_spinner=False, max_entries=8)
def _shared_predictions(path: str, sprint: str, prototype: str, content_id: str) -> pd.DataFrame:
    # One read-only copy for every session: st.cache_data would unpickle all 100,000 rows on
    # every rerun. Only the functions below read it, and none of them changes it.
    return _prototype(path, sprint, prototype).predictions()


@st.cache_data(show_spinner=False, max_entries=64)
def predictions_outline(path: str, sprint: str, prototype: str, content_id: str) -> dict:
    """What the table's controls need without the rows: ``rows`` (how many), ``columns`` and
    ``precomputed`` (how many rows were explained when publishing; None if not recorded)."""
    frame = _shared_predictions(path, sprint, prototype, content_id)
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
    frame = _shared_predictions(path, sprint, prototype, content_id)
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
    frame = _shared_predictions(path, sprint, prototype, content_id)
    bounds = _predictions_table.table_page(len(positions), len(frame), page, page_size)
    return frame.iloc[positions[bounds.start : bounds.stop]], bounds


@st.cache_resource(show_spinner=False, max_entries=8)
def _shared_features(path: str, sprint: str, prototype: str, content_id: str) -> pd.DataFrame:
    # Read-only, like _shared_predictions: a row's percentiles need every demo row.
    return _prototype(path, sprint, prototype).features()


@st.cache_data(show_spinner=False, max_entries=512)
def feature_percentiles(
    path: str, sprint: str, prototype: str, content_id: str, row_id: str
) -> dict[str, float]:
    """``model.review.feature_percentiles`` of one demo row, computed once per row instead of
    over every demo row on every rerun."""
    frame = _shared_features(path, sprint, prototype, content_id)
    return _review.feature_percentiles(frame, str(row_id))


@st.cache_resource(show_spinner=False, max_entries=16)
def demo_row_ids(path: str, sprint: str, prototype: str, content_id: str) -> frozenset[str]:
    """The prototype's demo row ids, shared by every session (a frozenset cannot be changed),
    for pages that need the ids but not the 100,000 rows behind them."""
    frame = _shared_predictions(path, sprint, prototype, content_id)
    # tolist: iterating 100,000 text ids one by one took four times as long.
    return frozenset(frame.index.astype(str).tolist())


@st.cache_data(show_spinner=False, max_entries=64)
def importance_spec(path: str, sprint: str, prototype: str, content_id: str) -> dict:
    """The Vega-Lite spec of ``explanations.global_importance_spec``: built once per
    publish, not on every rerun."""
    meta = _prototype(path, sprint, prototype).meta
    return _charts.with_arrow_datasets(_explanations.global_importance_spec(meta))


@st.cache_data(show_spinner=False, max_entries=512)
def waterfall_spec(path: str, sprint: str, prototype: str, content_id: str, row_id: str) -> dict:
    """The Vega-Lite spec of ``explanations.waterfall_spec`` for one row (explaining it first if it
    was not explained when publishing)."""
    meta = _prototype(path, sprint, prototype).meta
    row = explanation(path, sprint, prototype, content_id, row_id)
    return _charts.with_arrow_datasets(_explanations.waterfall_spec(row, meta))


def workspace_stamp(ws: Workspace, sprints: list[str] | None = None) -> tuple:
    """What the comparison and summary depend on: per sprint, its MVP, how many decisions it
    has and each prototype's content id. A change to any of them is a new cache key."""
    stamp = []
    for name in ws.sprints() if sprints is None else sprints:
        info = ws.sprint_info(name)
        versions = tuple(
            (proto, ws.prototype(name, proto).content_id) for proto in ws.prototypes(name)
        )
        stamp.append((name, info.get("mvp"), len(info.get("decisions", [])), versions))
    return tuple(stamp)


@st.cache_data(show_spinner=False, max_entries=32)
def comparison(path: str, sprint: str, stamp: tuple) -> pd.DataFrame:
    """``Workspace.comparison(sprint)``; ``stamp`` is ``workspace_stamp(ws, [sprint])``."""
    return open_workspace(path, create=False).comparison(sprint)


@st.cache_data(show_spinner=False, max_entries=16)
def summary(path: str, stamp: tuple) -> pd.DataFrame:
    """``Workspace.summary()``; ``stamp`` is ``workspace_stamp(ws)``."""
    return open_workspace(path, create=False).summary()


@st.cache_data(show_spinner=False, max_entries=16)
def headline_spec(path: str, stamp: tuple) -> dict:
    """The Vega-Lite spec of ``sprint_summary.headline_spec`` for ``summary(path, stamp)``, built
    once per workspace stamp instead of on every rerun of the Overview."""
    ws = open_workspace(path, create=False)
    return _charts.with_arrow_datasets(
        _sprint_summary.headline_spec(summary(path, stamp), ws.sprints())
    )


@st.cache_data(show_spinner=False, max_entries=32)
def bakeoff_figures(path: str, sprint: str, metric_key: str, stamp: tuple) -> pd.DataFrame:
    """``bakeoff.bootstrap_figures``: the bootstrap, which no cost assumption changes, computed
    once per ``stamp`` (``workspace_stamp(ws, [sprint])``). ``warm_up_bakeoff`` may already
    be computing it: Streamlit then waits for that result instead of computing it again."""
    ws = open_workspace(path, create=False)
    return _bakeoff.bootstrap_figures(ws, sprint, metric_key)


@st.cache_data(show_spinner="Computing the bootstrap intervals…", max_entries=32)
def bakeoff(
    path: str, sprint: str, metric_key: str, assumptions: dict, stamp: tuple
) -> pd.DataFrame:
    """``bakeoff.bakeoff_table`` for ``metric_key`` under ``assumptions`` (a
    ``CostAssumptions.to_dict()``); ``stamp`` is ``workspace_stamp(ws, [sprint])``. The
    bootstrap (``bakeoff_figures``) is shared by every set of assumptions, so editing one
    recomputes only the costs."""
    figures = bakeoff_figures(path, sprint, metric_key, stamp)
    ws = open_workspace(path, create=False)
    return _bakeoff.bakeoff_table(
        ws, sprint, metric_key, CostAssumptions.from_dict(assumptions), figures=figures
    )


#: Bake-off figures asked for in the background, so a warm-up starts once per stamp and metric.
_WARM_UPS: set[tuple] = set()
_WARM_UPS_LOCK = threading.Lock()
_MAX_WARM_UPS = 1024
_WARM_UP_POOL = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sprint-review-warm-up")


def warm_up_bakeoff(ws: Workspace, sprint: str, stamp: tuple | None = None) -> bool:
    """Start computing what the Bake-off page first shows for ``sprint`` (the bootstrap for
    its headline metric, the table under the saved assumptions and its Pareto chart, each
    prototype's errors priced and the recommendation) in a background thread, so the page
    finds it cached instead of computing while the user waits; the detail tabs (segments,
    disagreements) are computed when opened, not here.
    ``stamp`` is ``workspace_stamp(ws, [sprint])`` if the caller has it. Returns True when a
    warm-up was started, False when one was already asked for (or there is nothing to
    compare). A failure is left for the page to meet and show in its own words."""
    prototypes = ws.prototypes(sprint)
    if not prototypes:
        return False
    meta = ws.prototype(sprint, prototypes[0]).meta
    metric_key = _bakeoff_tables.bakeoff_metrics(meta["task"])[0]
    stamp = workspace_stamp(ws, [sprint]) if stamp is None else stamp
    key = (str(ws.path), sprint, metric_key, stamp)
    with _WARM_UPS_LOCK:
        if key in _WARM_UPS:
            return False
        if len(_WARM_UPS) >= _MAX_WARM_UPS:  # forgetting one only costs a warm-up
            _WARM_UPS.clear()
        _WARM_UPS.add(key)
    _WARM_UP_POOL.submit(_warm_up, *key)
    return True


def _warm_up(path: str, sprint: str, metric_key: str, stamp: tuple) -> None:
    # The same cached calls as the page's, so the page reads what this computed (Streamlit
    # makes a page that asks meanwhile wait for this result rather than compute it again).
    # pareto_spec computes the table (``bakeoff``) first.
    with contextlib.suppress(Exception):  # the page meets the error and shows it
        assumptions = load_assumptions(path).to_dict()
        pareto_spec(path, sprint, metric_key, assumptions, stamp)
        recommendation(path, sprint, assumptions, (), stamp)


@st.cache_data(show_spinner=False, max_entries=64)
def segments(path: str, sprint: str, metric_key: str, feature: str, stamp: tuple) -> pd.DataFrame:
    """``bakeoff.segment_table``; ``stamp`` is ``workspace_stamp(ws, [sprint])``."""
    ws = open_workspace(path, create=False)
    return _bakeoff.segment_table(ws, sprint, metric_key, feature)


@st.cache_data(show_spinner=False, max_entries=16)
def disagreements(path: str, sprint: str, stamp: tuple) -> dict:
    """``bakeoff.disagreements`` with only the rows where the prototypes disagree (a rerun
    copies those, not every demo row); ``stamp`` is ``workspace_stamp(ws, [sprint])``."""
    split = _bakeoff.disagreements(open_workspace(path, create=False), sprint)
    rows = split["rows"]
    return {**split, "rows": rows[rows["split"] > 0].reset_index(drop=True)}


@st.cache_data(show_spinner=False, max_entries=32)
def pareto_spec(path: str, sprint: str, metric_key: str, assumptions: dict, stamp: tuple) -> dict:
    """``bakeoff.pareto_spec`` for ``bakeoff(...)``'s table, its data already in the form
    Streamlit sends to the browser."""
    table = bakeoff(path, sprint, metric_key, assumptions, stamp)
    return _charts.with_arrow_datasets(_bakeoff_charts.pareto_spec(table))


# -- the bake-off in money: each prototype's errors priced, and the recommendation -------------
__all__ += ["recommendation", "sprint_costs", "sprint_outcomes"]


@st.cache_data(show_spinner="Pricing each prototype's errors…", max_entries=32)
def sprint_costs(
    path: str, sprint: str, assumptions: dict, thresholds: tuple, stamp: tuple
) -> list[_recommend.PrototypeCost]:
    """``model.recommend.sprint_costs`` under ``assumptions`` (a ``CostAssumptions.to_dict()``);
    ``thresholds`` holds ``(prototype, threshold)`` pairs the user moved (the others at their
    cheapest); ``stamp`` is ``workspace_stamp(ws, [sprint])``."""
    return _recommend.sprint_costs(
        open_workspace(path, create=False), sprint, CostAssumptions.from_dict(assumptions),
        dict(thresholds),
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=32)
def recommendation(
    path: str, sprint: str, assumptions: dict, thresholds: tuple, stamp: tuple
) -> _recommend.Recommendation:
    """``model.recommend.recommend`` for ``sprint_costs(...)``, against the sprint's MVP."""
    costs = sprint_costs(path, sprint, assumptions, thresholds, stamp)
    mvp = open_workspace(path, create=False).mvp(sprint)
    return _recommend.recommend(costs, mvp, CostAssumptions.from_dict(assumptions).currency)


@st.cache_data(show_spinner=False, max_entries=16)
def sprint_outcomes(path: str, sprint: str, stamp: tuple) -> dict[str, dict]:
    """Each labelled prototype's outcome at its published labels on the rows the sprint's
    prototypes share (multiclass and regression; a binary one's depends on its threshold and
    comes with its cost): ``{"outcome": …, "confusion": DataFrame or None}``."""
    data = _bakeoff.load_sprint(open_workspace(path, create=False), sprint, need_labels=False)
    truth, frames = data.by_position()
    out = {}
    for name, frame in frames.items():
        if truth is None or "actual" not in frame.columns:
            continue
        proto = data.prototypes[name]
        if data.task == REGRESSION:
            out[name] = {"outcome": _outcomes.regression_outcome(truth, frame["predicted"])}
            continue
        classes = [str(c) for c in proto.meta.get("classes", [])]
        out[name] = {
            "outcome": _outcomes.multiclass_outcome(truth, frame["predicted"], classes),
            "confusion": _outcomes.confusion_table(
                truth, frame["predicted"], classes, proto.class_names
            ),
        }
    return out


@st.cache_data(show_spinner=False, max_entries=16)
def agreement_spec(path: str, sprint: str, stamp: tuple) -> dict:
    """``bakeoff.agreement_spec`` for ``disagreements(...)``, its data already in the form
    Streamlit sends to the browser."""
    split = disagreements(path, sprint, stamp)
    return _charts.with_arrow_datasets(_bakeoff_charts.agreement_spec(split["agreement"]))


@st.cache_resource(show_spinner=False)
def store(path: str) -> feedback_store.FeedbackStore:
    """The workspace's verdict store; it opens a connection per call, so sharing it is safe."""
    return feedback_store.open(path)


# -- SME review and closing the loop --------------------------------------------------------------
def verdicts_stamp(store: feedback_store.FeedbackStore) -> tuple[int, int]:
    """How many verdicts the store holds and the id of its newest version
    (``FeedbackStore.stamp``, one query that reads no verdict): a record, an edit or a
    withdrawal changes it, so caches keyed by it are read again only after one."""
    return store.stamp()


@st.cache_data(show_spinner="Re-scoring earlier sprints' flagged cases…", max_entries=32)
def followup(
    path: str, sprint: str, prototype: str, content_id: str, stamp: tuple
) -> tuple[pd.DataFrame, dict]:
    """``model.followup.rescore_flagged`` and its ``followup_summary``; ``stamp`` is
    ``verdicts_stamp(store(path))``."""
    frame = _followup.rescore_flagged(
        open_workspace(path, create=False), store(path), sprint, prototype
    )
    return frame, _followup.followup_summary(frame)


@st.cache_data(show_spinner=False, max_entries=64)
def input_schema(path: str, sprint: str, prototype: str, content_id: str) -> list[dict]:
    """``model.review.input_schema``: the fields of the "try your own case" form, from the
    demo rows the cards' percentiles already read."""
    frame = _shared_features(path, sprint, prototype, content_id)
    return _review.input_schema(_prototype(path, sprint, prototype), features=frame)


@st.cache_data(show_spinner="Explaining your case…", max_entries=128)
def own_case(path: str, sprint: str, prototype: str, content_id: str, case: str) -> dict:
    """``model.review.explain_own_case`` for ``case``, the entered values as sorted JSON."""
    return _review.explain_own_case(_prototype(path, sprint, prototype), json.loads(case))


# -- SME review: a rerun reads one row, its cached specs and the reviewer's own verdicts --------
__all__ += [
    "own_case_percentiles",
    "own_case_waterfall_spec",
    "prediction_row",
    "review_queue",
    "reviewer_verdicts",
    "verdict_tags",
]


@st.cache_data(show_spinner=False, max_entries=1024)
def prediction_row(
    path: str, sprint: str, prototype: str, content_id: str, row_id: str
) -> pd.Series:
    """One demo row of ``Prototype.predictions()`` by its id (as text): what a card shows,
    without copying every demo row on every rerun. A KeyError names an unknown id."""
    frame = _shared_predictions(path, sprint, prototype, content_id)
    position = _review.row_position(frame, row_id)
    if position is None:
        raise KeyError(str(row_id))
    return frame.iloc[position]


def review_queue(
    path: str,
    sprint: str,
    prototype: str,
    content_id: str,
    kind: str,
    other_versions: dict[str, str] | None = None,
    **options,
) -> list[str]:
    """``model.review.review_queue`` on the demo rows already in memory for the cards (not
    read again), and for "disagreement" on those of the sprint's other prototypes
    (``other_versions``: name to content id); ``options`` are its other arguments."""
    others = {
        name: _shared_predictions(path, sprint, name, other)
        for name, other in (other_versions or {}).items()
    }
    return _review.review_queue(
        _prototype(path, sprint, prototype),
        kind,
        other_predictions=others or None,
        predictions=_shared_predictions(path, sprint, prototype, content_id),
        **options,
    )


@st.cache_data(show_spinner=False, max_entries=128)
def own_case_percentiles(
    path: str, sprint: str, prototype: str, content_id: str, case: str
) -> dict[str, float]:
    """``model.review.feature_percentiles`` of the case ``own_case`` explained (``case`` is
    the entered values as sorted JSON) within the demo rows."""
    explained = own_case(path, sprint, prototype, content_id, case)
    frame = _shared_features(path, sprint, prototype, content_id)
    return _review.feature_percentiles(frame, explained["feature_values"])


@st.cache_data(show_spinner=False, max_entries=128)
def own_case_waterfall_spec(
    path: str, sprint: str, prototype: str, content_id: str, case: str
) -> dict:
    """The Vega-Lite spec of ``explanations.waterfall_spec`` for ``own_case(...)``."""
    meta = _prototype(path, sprint, prototype).meta
    row = own_case(path, sprint, prototype, content_id, case)
    return _charts.with_arrow_datasets(_explanations.waterfall_spec(row, meta))


@st.cache_data(show_spinner=False, max_entries=16)
def verdict_tags(path: str, stamp: tuple) -> list[str]:
    """Every tag on a current verdict (``FeedbackStore.tags``); ``stamp`` is
    ``verdicts_stamp(store(path))``, so the verdicts are read again only after a change."""
    return store(path).tags()


@st.cache_data(show_spinner=False, max_entries=64)
def reviewer_verdicts(
    path: str, stamp: tuple, sprint: str, prototype: str, reviewer: str
) -> dict[str, dict]:
    """``reviewer``'s verdicts on ``prototype`` by row id, withdrawn ones included; ``stamp``
    is ``verdicts_stamp(store(path))``."""
    frame = store(path).verdicts(
        sprint=sprint, prototype=prototype, reviewer=reviewer, include_withdrawn=True
    )
    return {str(v["row_id"]): v for v in frame.to_dict(orient="records")}


# -- Feedback: figures about the verdicts, computed once per change to them ---------------------
# Each takes ``stamp``, ``verdicts_stamp(store(path))``: a record, edit or withdrawal is a new
# key, and a rerun without one reads what was computed.
__all__ += [
    "agreement",
    "conflicts",
    "dispute_spec",
    "pairwise_agreement",
    "resolved_labels",
    "TrainingRequest",
    "training_export",
    "training_file",
    "training_manifest",
    "verdict_outline",
    "verdict_selection",
]


@st.cache_data(show_spinner=False, max_entries=16)
def verdict_outline(path: str, stamp: tuple) -> pd.DataFrame:
    """What the filters offer, without the verdicts: one row per sprint, prototype and
    reviewer with current verdicts, and ``verdicts``, how many."""
    frame = store(path).verdicts()
    return (
        frame.groupby(["sprint", "prototype", "reviewer"], sort=True)
        .size()
        .rename("verdicts")
        .reset_index()
    )


@st.cache_data(show_spinner=False, max_entries=64)
def verdict_selection(
    path: str,
    stamp: tuple,
    sprint: str | None,
    prototype: str | None,
    reviewer: str | None,
    verdict: str | None,
) -> dict:
    """The current verdicts matching the filters (None: any), as the Feedback page shows them:
    ``counts`` (``verdict_tables.count_verdicts``), ``table`` (``verdict_tables.verdicts_table``
    with the ``Source`` after the ``Row``) and ``labels``, each verdict's id and its line in the
    history box (``#id · row · reviewer · verdict``)."""
    chosen = store(path).verdicts(sprint=sprint, prototype=prototype, reviewer=reviewer)
    chosen = _verdict_tables.filter_verdicts(chosen, [verdict] if verdict else None)
    table = _verdict_tables.verdicts_table(chosen)
    table.insert(table.columns.get_loc("Row") + 1, "Source", chosen["source"].to_numpy())
    labels = {
        int(v.verdict_id): f"#{v.verdict_id} · row {v.row_id} · {v.reviewer} · {v.verdict}"
        for v in chosen.itertuples()
    }
    return {"counts": _verdict_tables.count_verdicts(chosen), "table": table, "labels": labels}


@st.cache_resource(show_spinner=False, max_entries=8)
def _labels(path: str, stamp: tuple, sprint: str | None, prototype: str | None) -> pd.DataFrame:
    # Read once per change to the verdicts and shared, read-only, by agreement, pairs,
    # conflicts and resolved labels: each used to read and label every verdict itself
    # (about 2 s at 100,000 verdicts).
    return feedback_store.reviewer_labels(store(path), sprint, prototype)


@st.cache_data(show_spinner=False, max_entries=64)
def agreement(path: str, stamp: tuple, sprint: str | None, prototype: str | None) -> dict:
    """``feedback_store.agreement``."""
    return feedback_store.agreement(
        store(path), sprint, prototype, labels=_labels(path, stamp, sprint, prototype)
    )


@st.cache_data(show_spinner=False, max_entries=32)
def pairwise_agreement(
    path: str, stamp: tuple, sprint: str | None, prototype: str | None
) -> pd.DataFrame:
    """``feedback_store.pairwise_agreement``."""
    return feedback_store.pairwise_agreement(
        store(path), sprint, prototype, labels=_labels(path, stamp, sprint, prototype)
    )


@st.cache_data(show_spinner=False, max_entries=32)
def conflicts(path: str, stamp: tuple, sprint: str | None, prototype: str | None) -> dict:
    """``feedback_store.conflicts`` as the page shows them: ``table``
    (``verdict_tables.conflicts_table``) and ``rows``, how many rows reviewers disagree on."""
    labels = _labels(path, stamp, sprint, prototype)
    frame = feedback_store.conflicts(store(path), sprint, prototype, labels=labels)
    rows = frame[["sprint", "prototype", "row_id"]].drop_duplicates().shape[0]
    return {"table": _verdict_tables.conflicts_table(frame), "rows": rows}


@st.cache_data(show_spinner=False, max_entries=32)
def resolved_labels(
    path: str, stamp: tuple, sprint: str | None, prototype: str | None, rule: str, lead: str | None
) -> dict:
    """``feedback_store.resolve_labels`` as the page shows them: ``table``
    (``verdict_tables.resolved_table``), ``rows`` (reviewed rows) and ``settled`` (those with a
    label)."""
    frame = feedback_store.resolve_labels(
        store(path), sprint, prototype, rule=rule, lead=lead,
        labels=_labels(path, stamp, sprint, prototype),
    )  # fmt: skip
    return {
        "table": _verdict_tables.resolved_table(frame),
        "rows": len(frame),
        "settled": int((~frame["unresolved"]).sum()),
    }


class TrainingRequest(NamedTuple):
    """What a training export is made from: ``FeedbackStore.export_training``'s arguments,
    the store's ``stamp`` and ``demo_versions``, ``(sprint, prototype, content id)`` of each
    published prototype the verdicts are about (their demo rows are the ``demo_row_ids``, so
    a re-publish is a new request)."""

    path: str
    stamp: tuple
    format: str
    sprint: str | None
    prototype: str | None
    rule: str
    lead: str | None
    demo_versions: tuple


@st.cache_data(show_spinner=False, max_entries=16)
def training_export(request: TrainingRequest) -> tuple[bytes, dict]:
    """``verdict_tables.training_export_bytes`` for ``request``: the file's bytes and its
    manifest."""
    # Only whether a reviewed row is a demo row matters: the demo ids among the reviewed rows
    # (those of the export's verdicts), not a set of every demo row of every prototype.
    labels = _labels(request.path, request.stamp, request.sprint, request.prototype)
    reviewed = pd.unique(labels["row_id"].astype(str))
    demo_ids: set[str] = set()
    for key in request.demo_versions:
        ids = _shared_predictions(request.path, *key).index.astype(str)
        demo_ids.update(ids[ids.isin(reviewed)].tolist())
    return _verdict_tables.training_export_bytes(
        store(request.path), request.format, request.sprint, request.prototype,
        rule=request.rule, lead=request.lead, demo_row_ids=demo_ids,
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=64)
def training_manifest(request: TrainingRequest) -> dict:
    """The manifest of ``training_export(request)`` alone, so a rerun does not copy the file."""
    return training_export(request)[1]


def training_file(request: TrainingRequest) -> bytes:
    """The file of ``training_export(request)``: for a download button to call when clicked,
    so the file is the one its manifest describes."""
    return training_export(request)[0]


@st.cache_data(show_spinner=False, max_entries=32)
def dispute_spec(counts: pd.DataFrame) -> dict:
    """The Vega-Lite spec of ``verdict_tables.dispute_chart`` for ``FeedbackStore.dispute_counts``'s
    frame (disputes are not in the verdicts' stamp: the frame itself is the key)."""
    return _spec(_verdict_tables.dispute_chart(counts))


def warm_up_overview(path: str) -> None:
    """Compute what the Overview first shows for the workspace at ``path``, if it has sprints:
    the summary, its headline chart and the latest MVP's follow-up of earlier verdicts. Run
    when the server starts, so the first visitor's Overview reads them."""
    ws = open_workspace(path, create=False)
    if not ws.sprints():
        return
    stamp = workspace_stamp(ws)
    headline_spec(path, stamp)
    latest = _followup_table.latest_mvp(ws)
    if latest:
        sprint, mvp = latest
        content_id = ws.prototype(sprint, mvp).content_id
        followup(path, sprint, mvp, content_id, verdicts_stamp(store(path)))


# -- words for the room: outcomes in counts, one reading's effect ------------------------------
__all__ += ["dependence_spec", "outcome_summary", "what_if_spec"]


@st.cache_data(show_spinner=False, max_entries=64)
def outcome_summary(
    path: str, sprint: str, prototype: str, content_id: str, noun: str = "cases"
) -> _sprint_summary.OutcomeSummary | None:
    """``sprint_summary.outcome_summary``: the prototype's outcome in counts and words."""
    return _sprint_summary.outcome_summary(_prototype(path, sprint, prototype), noun)


@st.cache_data(show_spinner=False, max_entries=64)
def dependence_spec(path: str, sprint: str, prototype: str, content_id: str, feature: str) -> dict:
    """``explanations.dependence_spec`` from the stored SHAP values (read, never computed)."""
    proto = _prototype(path, sprint, prototype)
    features = _shared_features(path, sprint, prototype, content_id)
    spec = _explanations.dependence_spec(features, proto.shap_values(), feature, proto.meta)
    return _charts.with_arrow_datasets(spec)


@st.cache_data(show_spinner="Moving one reading across its range…", max_entries=128)
def what_if_spec(
    path: str, sprint: str, prototype: str, content_id: str, case: str, feature: str
) -> dict:
    """``explanations.what_if_spec`` of ``model.review.what_if`` for the entered case (sorted
    JSON) and one feature: a small grid of model calls."""
    proto = _prototype(path, sprint, prototype)
    explained = own_case(path, sprint, prototype, content_id, case)
    label = explained.get("explained_class") if proto.task != REGRESSION else None
    curve = _review.what_if(proto, json.loads(case), feature, explained_class=label)
    return _charts.with_arrow_datasets(
        _explanations.what_if_spec(curve, feature, proto.meta, label)
    )
