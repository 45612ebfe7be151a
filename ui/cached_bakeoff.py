"""The bake-off's cached loaders: the comparison, the bootstrap figures and the table under a set
of cost assumptions, segments, each prototype's errors priced and the recommendation, their
charts (the disagreements, at each prototype's cut-off: ``ui.cached_disagreements``); and the
warm-up that computes the page's first view in the background.
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import streamlit as st

from model import bakeoff as _bakeoff
from model import outcomes as _outcomes
from model import recommend as _recommend
from model.costs import CostAssumptions, load_assumptions
from model.metrics import REGRESSION
from model.workspace import Workspace, open_workspace
from ui import bakeoff_charts as _bakeoff_charts
from ui import bakeoff_tables as _bakeoff_tables
from ui import charts as _charts
from ui.cached_workspace import workspace_stamp

__all__ = [
    "bakeoff",
    "bakeoff_figures",
    "comparison",
    "pareto_spec",
    "recommendation",
    "segments",
    "sprint_costs",
    "sprint_outcomes",
    "warm_up_bakeoff",
]


@st.cache_data(show_spinner=False, max_entries=32)
def comparison(path: str, sprint: str, stamp: tuple) -> pd.DataFrame:
    """``Workspace.comparison(sprint)``; ``stamp`` is ``workspace_stamp(ws, [sprint])``."""
    return open_workspace(path, create=False).comparison(sprint)


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


@st.cache_data(show_spinner=False, max_entries=32)
def pareto_spec(path: str, sprint: str, metric_key: str, assumptions: dict, stamp: tuple) -> dict:
    """``bakeoff.pareto_spec`` for ``bakeoff(...)``'s table, its data already in the form
    Streamlit sends to the browser."""
    table = bakeoff(path, sprint, metric_key, assumptions, stamp)
    return _charts.with_arrow_datasets(_bakeoff_charts.pareto_spec(table))


# -- the bake-off in money: each prototype's errors priced, and the recommendation -------------
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
