"""The Bake-off page's opening: the title, the sprint's status and the HTML report; what every
section of the page shares (``BakeoffContext``): the bake-off's table for the metric chosen
under "Technical details", each prototype's errors priced at its threshold, what owning it
costs and the recommendation."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from model import access
from model.costs import CostAssumptions, load_assumptions
from model.recommend import PrototypeCost, Recommendation
from model.workspace import Workspace
from ui import bakeoff_tables, cached, formatting, review_card, session
from ui.formatting import escape_markdown as escape
from ui.report import bakeoff_report_html
from ui.sections import bakeoff_assumptions, bakeoff_thresholds

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
    #: Each prototype's errors priced at its threshold (``model.recommend.sprint_costs``), the
    #: recommendation from them, and the thresholds the user moved ((name, threshold) pairs).
    costs: list[PrototypeCost]
    recommendation: Recommendation
    moved: tuple
    #: ``model.costs.ownership`` of each prototype, by name.
    owned: dict[str, dict]
    #: What a demo row is, in the plural ("machines").
    noun: str

    @property
    def attrs(self) -> dict:
        return self.table.attrs

    @property
    def label(self) -> str:
        return self.table.attrs["metric_label"]

    @property
    def task(self) -> str:
        return self.metas[self.prototypes[0]]["task"]

    def class_names(self, name: str) -> dict[str, str]:
        """Prototype ``name``'s class labels and the names people know them by."""
        return self.ws.prototype(self.sprint, name).class_names


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
    # The selectbox itself sits under "Technical details", drawn after the figures it picks.
    if st.session_state.get(METRIC_KEY) not in options:
        st.session_state[METRIC_KEY] = options[0]
    metric_key = st.session_state[METRIC_KEY]

    try:
        table = cached.bakeoff(path, sprint, metric_key, assumptions.to_dict(), stamp)
        best = cached.sprint_costs(path, sprint, assumptions.to_dict(), (), stamp)
        moved = bakeoff_thresholds.moved(sprint, best)
        costs = (
            cached.sprint_costs(path, sprint, assumptions.to_dict(), moved, stamp)
            if moved
            else best
        )
        recommendation = cached.recommendation(path, sprint, assumptions.to_dict(), moved, stamp)
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
    controls = st.columns([4, 1], vertical_alignment="center")
    controls[0].caption(" · ".join(status))
    controls[1].download_button(
        "Report (HTML)",
        data=functools.partial(
            bakeoff_report_html,
            ws,
            sprint,
            metric_key,
            assumptions,
            table=table,
            costs=costs,
            recommendation=recommendation,
        ),  # fmt: skip
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
        costs=costs,
        recommendation=recommendation,
        moved=moved,
        owned=bakeoff_tables.ownership_rows(metas, assumptions),
        noun=review_card.reason_wording(metas[prototypes[0]])[1],
    )
