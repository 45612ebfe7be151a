"""The Bake-off page's opening: the title, the metric the prototypes are judged on, the
bake-off's table under the workspace's cost assumptions, the HTML report, and what every
section of the page shares (``BakeoffContext``)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from model import access
from model.costs import CostAssumptions, load_assumptions
from model.stats import metric_info
from model.workspace import Workspace
from ui import bakeoff_tables, cached, formatting, session
from ui.formatting import escape_markdown as escape
from ui.report import bakeoff_report_html
from ui.sections import bakeoff_assumptions

METRIC_KEY = "bake_off_metric"


@dataclass(frozen=True)
class BakeoffContext:
    """What the Bake-off page's sections share."""

    ws: Workspace
    path: str
    sprint: str
    prototypes: list[str]
    metas: dict[str, dict]
    mvp: str | None
    decisions: list[dict]
    stamp: tuple
    assumptions: CostAssumptions
    metric_key: str
    #: ``model.bakeoff.bakeoff_table`` for the metric, and as shown (``bakeoff_display``).
    table: pd.DataFrame
    shown: pd.DataFrame
    role: str | None

    @property
    def attrs(self) -> dict:
        return self.table.attrs

    @property
    def label(self) -> str:
        return self.table.attrs["metric_label"]


def start() -> BakeoffContext:
    """Everything above the figures; stops the page when the sprint has no prototype or the
    figures cannot be computed."""
    role = session.role()
    ws = session.workspace()
    path = str(ws.path)
    sprint = session.sprint()
    prototypes = ws.prototypes(sprint)

    st.title(f"Bake-off: {escape(sprint)}")
    if not prototypes:
        st.info("This sprint has no published prototypes yet.")
        st.stop()

    try:
        assumptions = load_assumptions(path)
    except ValueError as error:
        st.error(escape(formatting.one_line(error)))
        st.caption("Saving the assumptions below replaces the file.")
        bakeoff_assumptions.assumptions_form(path, CostAssumptions(), role)
        st.stop()

    metas = {name: ws.prototype(sprint, name).meta for name in prototypes}
    task = metas[prototypes[0]]["task"]
    mvp = ws.mvp(sprint)
    decisions = ws.decisions(sprint)
    stamp = cached.workspace_stamp(ws, [sprint])

    options = bakeoff_tables.bakeoff_metrics(task)
    # Set, not popped: a widget whose options changed (another sprint) must show the new value.
    if st.session_state.get(METRIC_KEY) not in options:
        st.session_state[METRIC_KEY] = options[0]
    controls = st.columns([2, 3, 2], vertical_alignment="bottom")
    metric_key = controls[0].selectbox(
        "Metric",
        options,
        format_func=lambda key: metric_info(key).label,
        key=METRIC_KEY,
        help="What the prototypes are judged on. The first is the task's headline metric.",
    )

    try:
        table = cached.bakeoff(path, sprint, metric_key, assumptions.to_dict(), stamp)
    except ValueError as error:
        st.error(escape(formatting.one_line(error)))
        st.stop()
    attrs = table.attrs
    shown = bakeoff_tables.bakeoff_display(table)

    status = [f"MVP: {escape(mvp)}" if mvp else "No MVP yet"]
    if decisions:
        last = decisions[-1]
        chosen, decided_on = last.get("chosen", ""), last.get("decided_on", "")
        status.append(f"last decision: {escape(chosen)} on {escape(decided_on)}")
    status.append(f"{attrs['n_rows']:,} demo rows")
    controls[1].caption(" · ".join(status))
    controls[2].download_button(
        "Report (HTML)",
        data=functools.partial(
            bakeoff_report_html, ws, sprint, metric_key, assumptions, table=table
        ),
        file_name=f"bake-off-{re.sub(r'[^A-Za-z0-9]+', '-', sprint).strip('-').lower()}.html",
        mime="text/html",
        on_click="ignore",
        icon=":material/download:",
        disabled=not access.can(role, "export"),
        help=(
            "One self-contained HTML file with every figure on this page, to send to whoever "
            "was not in the room."
            if access.can(role, "export")
            else access.refusal(role, "export")
        ),
    )
    for note in attrs.get("notes", []):
        st.info(escape(note))
    if len(table) < 2:
        st.info("This sprint has one prototype: publish others to it to compare them here.")
    return BakeoffContext(
        ws=ws,
        path=path,
        sprint=sprint,
        prototypes=prototypes,
        metas=metas,
        mvp=mvp,
        decisions=decisions,
        stamp=stamp,
        assumptions=assumptions,
        metric_key=metric_key,
        table=table,
        shown=shown,
        role=role,
    )
