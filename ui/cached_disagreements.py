"""The Bake-off's "Where they disagree" tab, cached: each prototype's cheapest cut-off (as the
counts, the SME card and SME review's disagreement queue flag a case from) and the rows and
agreement grid decided there (``model.bakeoff.disagreements``)."""

from __future__ import annotations

import streamlit as st

from model import bakeoff as _bakeoff
from model.cutoff_decisions import Cutoff
from model.workspace import Workspace, open_workspace
from ui import bakeoff_charts as _bakeoff_charts
from ui import case_cutoff
from ui import charts as _charts

__all__ = ["agreement_spec", "cutoffs_key", "disagreements", "sprint_cutoffs"]

#: ``(name, (positive, negative, threshold) or None)`` for each prototype: a cache key.
CutoffsKey = tuple[tuple[str, tuple[str, str, float] | None], ...]


def sprint_cutoffs(ws: Workspace, sprint: str, names: list[str]) -> dict[str, Cutoff | None]:
    """Each prototype's cheapest cut-off (``ui.case_cutoff.cheapest_cutoff``), None where the
    pages keep its own class (multiclass, no labels or costs)."""
    return {name: case_cutoff.cheapest_cutoff(ws, ws.prototype(sprint, name)) for name in names}


def cutoffs_key(cutoffs: dict[str, Cutoff | None]) -> CutoffsKey:
    """``cutoffs`` as plain tuples, to key the cache by."""
    return tuple(
        (name, None if c is None else (c.positive, c.negative, c.threshold))
        for name, c in cutoffs.items()
    )


def _cutoffs(key: CutoffsKey) -> dict[str, Cutoff | None]:
    return {name: None if c is None else Cutoff(*c) for name, c in key}


@st.cache_data(show_spinner=False, max_entries=16)
def disagreements(path: str, sprint: str, key: CutoffsKey, stamp: tuple) -> dict:
    """``bakeoff.disagreements`` at the cut-offs of ``key`` (``cutoffs_key``) with only the
    rows where the prototypes disagree (a rerun copies those, not every demo row); ``stamp``
    is ``workspace_stamp(ws, [sprint])``."""
    ws = open_workspace(path, create=False)
    split = _bakeoff.disagreements(ws, sprint, _cutoffs(key))
    rows = split["rows"]
    return {**split, "rows": rows[rows["split"] > 0].reset_index(drop=True)}


@st.cache_data(show_spinner=False, max_entries=16)
def agreement_spec(path: str, sprint: str, key: CutoffsKey, stamp: tuple) -> dict:
    """``bakeoff_charts.agreement_spec`` for ``disagreements(...)``, its data already in the
    form Streamlit sends to the browser."""
    split = disagreements(path, sprint, key, stamp)
    return _charts.with_arrow_datasets(_bakeoff_charts.agreement_spec(split["agreement"]))
