"""Bake-off: the sprint's prototypes side by side with their costs, and the group's decision."""

import datetime as dt

import streamlit as st

from model import cached, views

cached.require_app()
ws = cached.workspace()
path = str(ws.path)
sprint = cached.sprint()
prototypes = ws.prototypes(sprint)

st.title(f"Bake-off: {views.escape_markdown(sprint)}")
if not prototypes:
    st.info("This sprint has no published prototypes yet.")
    st.stop()

comparison = cached.comparison(path, sprint, cached.workspace_stamp(ws, [sprint]))
mvp = ws.mvp(sprint)
decisions = ws.decisions(sprint)
task = ws.prototype(sprint, prototypes[0]).task
metric_key, _ = ws.prototype(sprint, mvp or prototypes[0]).headline

flash = st.session_state.pop("bake_off_flash", None)
if flash:
    st.success(flash)

status = [f"MVP: {views.escape_markdown(mvp)}" if mvp else "No MVP yet"]
if decisions:
    last = decisions[-1]
    status.append(
        f"last decision: {views.escape_markdown(last['chosen'])} on "
        f"{views.escape_markdown(last['decided_on'])}"
    )
st.caption(" · ".join(status))

table = views.comparison_table(comparison, task, decisions)
st.table(views.escape_table(table))
st.caption("↑ higher is better, ↓ lower is better. Latency: milliseconds to score 1,000 rows.")
with st.expander("Models and explainers"):
    st.dataframe(views.model_details(comparison), hide_index=True, width="stretch")

chart_column, decision_column = st.columns([3, 2], gap="large")
with chart_column:
    st.subheader("Accuracy against cost")
    if metric_key and metric_key in comparison.columns:
        cost = st.segmented_control(
            "Cost",
            list(views.COST_AXES),
            default="latency",
            required=True,
            format_func={"latency": "Latency", "size": "Model size"}.get,
            key="bake_off_cost",
        )
        st.altair_chart(
            views.cost_scatter(comparison, metric_key, cost or "latency"), width="stretch"
        )
    else:
        st.info("These prototypes have no metrics: publish them with the demo set's labels.")

    st.subheader("Decisions")
    if not decisions:
        st.caption("No decision recorded for this sprint yet.")
    for decision in reversed(decisions):
        when, body, attendees = views.decision_text(decision)
        with st.container(border=True):
            st.caption(views.escape_markdown(when))
            st.text(body)
            if attendees:
                st.caption("Attendees: " + views.escape_markdown(attendees))

with decision_column:
    if st.session_state.get("decision_chosen") not in prototypes:
        st.session_state.pop("decision_chosen", None)
    st.subheader("Record a decision")
    with st.form("decision_form", clear_on_submit=False):
        chosen = st.selectbox(
            "Chosen prototype",
            prototypes,
            index=prototypes.index(mvp) if mvp in prototypes else 0,
            key="decision_chosen",
        )
        rationale = st.text_area("Why this one?", key="decision_rationale", max_chars=5000)
        attendees = st.text_input(
            "Attendees (comma-separated)", key="decision_attendees", max_chars=1000
        )
        decided_on = st.date_input("Decided on", value=dt.date.today(), key="decision_date")
        submitted = st.form_submit_button("Record decision", type="primary")

    if submitted:
        recorder = cached.reviewer()
        if not recorder:
            st.error("Enter your name in the sidebar first: the decision is recorded under it.")
        else:
            try:
                ws.record_decision(
                    sprint,
                    chosen,
                    rationale,
                    attendees,
                    decided_on=decided_on.isoformat(),
                    recorded_by=recorder,
                )
            except ValueError as error:
                st.error(views.escape_markdown(views.one_line(error)))
            else:
                st.session_state["bake_off_flash"] = (
                    f"Decision recorded: {views.escape_markdown(chosen)} is the MVP."
                )
                for key in ("decision_rationale", "decision_attendees"):
                    st.session_state.pop(key, None)
                st.rerun()
