"""The bake-off's decision: the form that records the group's decision with a snapshot of the
figures it saw (the chosen prototype becomes the MVP), drawn under the recommendation, and the
"Decision" tab with the decisions recorded before."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from model import access
from ui import bakeoff_tables, cached, formatting, session, sprint_summary
from ui.formatting import escape_markdown as escape
from ui.sections.bakeoff_session import BakeoffContext

FLASH_KEY = "bake_off_flash"


def republished(ctx: BakeoffContext) -> None:
    """One line when the last decision was taken on versions re-published since, suggesting
    to record it again to whoever may."""
    if not ctx.decisions:
        return
    line = cached.republished_lines(ctx.path, ctx.stamp, ctx.sprint)[-1]
    if line is None:
        return
    if access.can(ctx.role, "record_decision"):
        line += " If the group keeps its choice, record the decision again below."
    st.warning(escape(line), icon=":material/history:")


def form(ctx: BakeoffContext) -> None:
    """The decision form (for scientists), or why this user cannot record one, under the line
    saying when the last decision predates a re-publish."""
    republished(ctx)
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        # Recorded: start the next decision from empty fields (set, not popped, so the
        # browser's copies of the widgets are cleared too).
        st.session_state["decision_rationale"] = ""
        st.session_state["decision_attendees"] = ""
    if not access.can(ctx.role, "record_decision"):
        st.info(escape(access.refusal(ctx.role, "record_decision")), icon=":material/lock:")
    else:
        if st.session_state.get("decision_chosen") not in ctx.prototypes:
            st.session_state["decision_chosen"] = (
                ctx.mvp if ctx.mvp in ctx.prototypes else ctx.prototypes[0]
            )
        with st.form("decision_form", clear_on_submit=False):
            st.markdown("**Record the decision**")
            first, second, third = st.columns([2, 1.3, 2.7])
            chosen = first.selectbox("Chosen prototype", ctx.prototypes, key="decision_chosen")
            decided_on = second.date_input("Decided on", value=dt.date.today(), key="decision_date")
            attendees = third.text_input(
                "Attendees (comma-separated)", key="decision_attendees", max_chars=1000
            )
            rationale = st.text_area(
                "Why this one?", key="decision_rationale", max_chars=5000, height=68
            )
            submitted = st.form_submit_button("Record decision", type="primary")
        st.caption(
            "The figures on this page (the recommendation, outcomes, costs and their "
            "assumptions, and the technical details) are stored with the decision, and the "
            "chosen prototype becomes the MVP."
        )
        if flash:
            st.success(flash)
        if submitted:
            recorder = session.reviewer()
            if not recorder:
                st.error("Enter your name in the sidebar first: the decision is recorded under it.")
            else:
                try:
                    ctx.ws.record_decision(
                        ctx.sprint,
                        chosen,
                        rationale,
                        attendees,
                        decided_on=decided_on.isoformat(),
                        recorded_by=recorder,
                        snapshot=bakeoff_tables.decision_snapshot(
                            ctx.table,
                            ctx.shown,
                            ctx.assumptions.to_dict(),
                            recommendation=ctx.recommendation.text,
                        ),
                    )
                except ValueError as error:
                    st.error(escape(formatting.one_line(error)))
                else:
                    st.session_state[FLASH_KEY] = f"Decision recorded: {escape(chosen)} is the MVP."
                    st.rerun()


def show(ctx: BakeoffContext) -> None:
    """The sprint's decisions, the latest first."""
    st.subheader("Decisions")
    if not ctx.decisions:
        st.caption("No decision recorded for this sprint yet.")
    lines = (
        cached.republished_lines(ctx.path, ctx.stamp, ctx.sprint, "the figures above these tabs")
        if ctx.decisions
        else []
    )
    for decision, line in zip(reversed(ctx.decisions), reversed(lines), strict=True):
        when, body, attendees_text = sprint_summary.decision_text(decision)
        with st.container(border=True):
            st.caption(escape(when))
            st.text(body)
            if line:
                st.caption(escape(line))
            if attendees_text:
                st.caption("Attendees: " + escape(attendees_text))
            figures, caption = bakeoff_tables.snapshot_view(decision.get("snapshot"))
            with st.expander("Technical details: the figures shown when it was decided"):
                st.caption(escape(caption))
                st.table(bakeoff_tables.escape_table(figures))
