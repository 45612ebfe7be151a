"""The workspace as a whole, cached: its stamp (what the comparisons and summary depend on), the
summary across sprints and its headline chart, and the Overview's warm-up at server start.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from model.decision_versions import current_prototypes, republished_line
from model.prototype import read_parquet
from model.workspace import Workspace, open_workspace
from ui import charts as _charts
from ui import comparison_words as _comparison_words
from ui import review_card as _review_card
from ui import sprint_summary as _sprint_summary

__all__ = ["headline_spec", "own_rows_note", "republished_lines", "summary", "workspace_stamp"]


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


@st.cache_data(show_spinner=False, max_entries=16)
def own_rows_note(path: str, stamp: tuple) -> str | None:
    """``comparison_words.own_rows_note`` for the MVPs on the Overview's line: their labelled
    demo row ids read once per workspace stamp (one column of each predictions file), named
    as the latest one's rows are ("machines")."""
    ws = open_workspace(path, create=False)
    line = _sprint_summary.on_the_line(summary(path, stamp), ws.sprints())
    rows, noun = {}, "rows"
    for sprint, name in zip(line["sprint"], line["prototype"], strict=True):
        proto = ws.prototype(sprint, name)
        actual = read_parquet(proto.path / "predictions.parquet", columns=["actual"])["actual"]
        rows[sprint] = actual.index[actual.notna().to_numpy()]
        noun = _review_card.reason_wording(proto.meta)[1]
    return _comparison_words.own_rows_note(rows, noun)


@st.cache_data(show_spinner=False, max_entries=64)
def republished_lines(
    path: str, stamp: tuple, sprint: str, figures: str = "the figures on this page"
) -> list[str | None]:
    """``model.decision_versions.republished_line`` of each of ``sprint``'s decisions, in the
    order recorded: worked out once per workspace stamp (``workspace_stamp``, which changes
    with a decision or a re-publish), not on every rerun, since each reads every prototype
    of the sprint."""
    ws = open_workspace(path, create=False)
    current = current_prototypes(ws, sprint)
    return [republished_line(decision, current, figures) for decision in ws.decisions(sprint)]
