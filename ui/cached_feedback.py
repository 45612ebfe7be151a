"""The verdicts' cached loaders: the store, its stamp, a reviewer's own verdicts and the tags;
the Feedback page's figures (the filters' outline, the selection, agreement, conflicts,
resolved labels, the training export, the disputes chart); and the follow-up of earlier
sprints' flagged cases.

Each figure about the verdicts takes ``stamp``, ``verdicts_stamp(store(path))``: a record, edit
or withdrawal is a new key, and a rerun without one reads what was computed.
"""

from __future__ import annotations

from typing import NamedTuple

import pandas as pd
import streamlit as st

import feedback_store
from model import followup as _followup
from model import known_values as _known_values
from model.export_names import class_names_in_scope, feature_kinds_in_scope, targets_in_scope
from model.workspace import open_workspace
from ui import charts as _charts
from ui import followup_table as _followup_table
from ui import verdict_tables as _verdict_tables
from ui.cached_prototype import shared_predictions
from ui.cached_workspace import headline_spec, own_rows_note, workspace_stamp

__all__ = [
    "agreement",
    "conflicts",
    "dispute_spec",
    "followup",
    "known_values",
    "own_case_names",
    "pairwise_agreement",
    "resolved_labels",
    "reviewer_verdicts",
    "store",
    "TrainingRequest",
    "training_export",
    "training_file",
    "training_manifest",
    "verdict_outline",
    "verdict_selection",
    "verdict_tags",
    "verdicts_stamp",
    "warm_up_overview",
]


@st.cache_resource(show_spinner=False)
def store(path: str) -> feedback_store.FeedbackStore:
    """The workspace's verdict store; it opens a connection per call, so sharing it is safe."""
    return feedback_store.open(path)


def verdicts_stamp(store: feedback_store.FeedbackStore) -> tuple[int, int]:
    """How many verdicts the store holds and the id of its newest version
    (``FeedbackStore.stamp``, one query that reads no verdict): a record, an edit or a
    withdrawal changes it, so caches keyed by it are read again only after one."""
    return store.stamp()


def followup(
    path: str, sprint: str, prototype: str, content_id: str, stamp: tuple
) -> tuple[pd.DataFrame, dict]:
    """``model.followup.rescore_flagged`` and its ``followup_summary``; ``stamp`` is
    ``verdicts_stamp(store(path))``. A binary prototype is decided at its cheapest cut-off
    where one is known (``ui.case_cutoff.cheapest_cutoff``), as its pages say "Flagged", so
    "now right" means what they show; a change of the cost assumptions is a new key."""
    return _followup_at(
        path, sprint, prototype, content_id, stamp, _cutoff(path, sprint, prototype)
    )


def _cutoff(path: str, sprint: str, prototype: str):
    from ui.case_cutoff import cheapest_cutoff  # it reads the Bake-off's cached costs

    ws = open_workspace(path, create=False)
    try:
        proto = ws.prototype(sprint, prototype)
    except ValueError:  # rescore_flagged says in one line what is missing
        return None
    return cheapest_cutoff(ws, proto)


@st.cache_data(show_spinner="Re-scoring earlier sprints' flagged cases…", max_entries=32)
def _followup_at(
    path: str, sprint: str, prototype: str, content_id: str, stamp: tuple, cutoff
) -> tuple[pd.DataFrame, dict]:
    frame = _followup.rescore_flagged(
        open_workspace(path, create=False), store(path), sprint, prototype, cutoff
    )
    return frame, _followup.followup_summary(frame)


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


@st.cache_data(show_spinner=False, max_entries=16)
def own_case_names(path: str, stamp: tuple) -> dict[str, str]:
    """Each own case's name ("own case, 5 Dec 10:41": ``verdict_tables.own_case_names``);
    ``stamp`` is ``verdicts_stamp(store(path))``."""
    return _verdict_tables.own_case_names(store(path).own_cases())


# -- Feedback: figures about the verdicts, computed once per change to them ---------------------
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
    cases = own_case_names(path, stamp)
    table = _verdict_tables.verdicts_table(chosen, cases)
    table.insert(table.columns.get_loc("Row") + 1, "Source", chosen["source"].to_numpy())
    labels = {
        int(v.verdict_id): f"#{v.verdict_id} · {_row_label(v.row_id, cases)} · {v.reviewer}"
        f" · {v.verdict}"
        for v in chosen.itertuples()
    }
    return {"counts": _verdict_tables.count_verdicts(chosen), "table": table, "labels": labels}


def _row_label(row_id: str, cases: dict[str, str]) -> str:
    """ "row 4711", or an own case's name."""
    text = _verdict_tables.row_text(row_id, cases)
    return text if text != str(row_id) else f"row {row_id}"


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
def conflicts(
    path: str, stamp: tuple, sprint: str | None, prototype: str | None, names: dict | None = None
) -> dict:
    """``feedback_store.conflicts`` as the page shows them: ``table``
    (``verdict_tables.conflicts_table``, classes named by ``names``) and ``rows``, how many
    rows reviewers disagree on."""
    labels = _labels(path, stamp, sprint, prototype)
    frame = feedback_store.conflicts(store(path), sprint, prototype, labels=labels)
    rows = frame[["sprint", "prototype", "row_id"]].drop_duplicates().shape[0]
    table = _verdict_tables.conflicts_table(frame, names, own_case_names(path, stamp))
    return {"table": table, "rows": rows}


@st.cache_data(show_spinner=False, max_entries=32)
def resolved_labels(
    path: str,
    stamp: tuple,
    sprint: str | None,
    prototype: str | None,
    rule: str,
    lead: str | None,
    names: dict | None = None,
    versions: tuple = (),
) -> dict:
    """``feedback_store.resolve_labels`` as the page shows them: ``table``
    (``verdict_tables.resolved_table``, classes named by ``names``, and where a regression's
    label came from), ``rows`` (reviewed rows) and ``settled`` (those with a label). A
    regression's row reviewers called correct takes its known value, as the training export of
    the same scope does: ``versions`` are ``TrainingRequest.demo_versions``."""
    frame = feedback_store.resolve_labels(
        store(path), sprint, prototype, rule=rule, lead=lead,
        labels=_labels(path, stamp, sprint, prototype),
        known_values=known_values(path, stamp, sprint, prototype, versions), provenance=True,
    )  # fmt: skip
    return {
        "table": _verdict_tables.resolved_table(frame, names, own_case_names(path, stamp)),
        "rows": len(frame),
        "settled": int((~frame["unresolved"]).sum()),
    }


@st.cache_resource(show_spinner=False, max_entries=16)
def known_values(
    path: str, stamp: tuple, sprint: str | None, prototype: str | None, versions: tuple
) -> dict | None:
    """``model.known_values.known_values_or_none``: the known value of each reviewed demo row of
    the regression prototypes in scope, read from one column of their predictions; shared, read
    only, by the Labels table and the training export so that both give a row the same label.
    ``versions`` (``TrainingRequest.demo_versions``) make a re-publish a new key."""
    return _known_values.known_values_or_none(open_workspace(path), store(path), sprint, prototype)


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
        ids = shared_predictions(request.path, *key).index.astype(str)
        demo_ids.update(ids[ids.isin(reviewed)].tolist())
    ws = open_workspace(request.path)
    names = class_names_in_scope(ws, request.sprint, request.prototype)
    kinds = feature_kinds_in_scope(ws, request.sprint, request.prototype)
    return _verdict_tables.training_export_bytes(
        store(request.path), request.format, request.sprint, request.prototype,
        rule=request.rule, lead=request.lead, demo_row_ids=demo_ids, class_names=names,
        feature_kinds=kinds, targets=targets_in_scope(ws, request.sprint, request.prototype),
        known_values=known_values(
            request.path, request.stamp, request.sprint, request.prototype,
            request.demo_versions,
        ),
    )  # fmt: skip


@st.cache_data(show_spinner=False, max_entries=64)
def training_manifest(request: TrainingRequest) -> dict:
    """The manifest of ``training_export(request)`` alone, so a rerun does not copy the file."""
    return training_export(request)[1]


def training_file(request: TrainingRequest) -> bytes:
    """The file of ``training_export(request)``: for a download button to call when clicked,
    so the file is the one its manifest describes."""
    return training_export(request)[0]


def _spec(chart) -> dict:
    # Built and validated once; its data already in the form Streamlit sends to the browser.
    return _charts.with_arrow_datasets(_charts.chart_spec(chart))


@st.cache_data(show_spinner=False, max_entries=32)
def dispute_spec(counts: pd.DataFrame) -> dict:
    """The Vega-Lite spec of ``verdict_tables.dispute_chart`` for ``FeedbackStore.dispute_counts``'s
    frame (disputes are not in the verdicts' stamp: the frame itself is the key)."""
    return _spec(_verdict_tables.dispute_chart(counts))


def warm_up_overview(path: str) -> None:
    """Compute what the Overview first shows for the workspace at ``path``, if it has sprints:
    the summary, its headline chart and the note under it, and the latest MVP's follow-up of
    earlier verdicts. Run when the server starts, so the first visitor's Overview reads them."""
    ws = open_workspace(path, create=False)
    if not ws.sprints():
        return
    stamp = workspace_stamp(ws)
    headline_spec(path, stamp)
    own_rows_note(path, stamp)
    latest = _followup_table.latest_mvp(ws)
    if latest:
        sprint, mvp = latest
        content_id = ws.prototype(sprint, mvp).content_id
        followup(path, sprint, mvp, content_id, verdicts_stamp(store(path)))
