"""Overview: every sprint's MVP, its headline metric over time, decisions and verdict counts."""

import streamlit as st

from ui import cached, panels, views

cached.require_app()
ws = cached.workspace()
path = str(ws.path)
sprints = ws.sprints()
stamp = cached.workspace_stamp(ws)
summary = cached.summary(path, stamp)
store = cached.store(path)
counts = {sprint: store.counts(sprint) for sprint in sprints}
total = store.counts()

st.title("Sprint Review")
st.caption(
    f"{len(sprints)} sprints · {len(summary)} prototypes · {total['total']} verdicts from "
    f"{total['reviewers']} reviewers"
)

chart_column, counts_column = st.columns([2, 1], gap="large")
with chart_column:
    st.subheader("MVP headline metric per sprint")
    if summary["mvp"].any():
        st.vega_lite_chart(cached.headline_spec(path, stamp), width="stretch")
    else:
        st.info("No sprint has an MVP yet: choose one on the Bake-off page.")
with counts_column:
    st.subheader("SME verdicts, all sprints")
    first, second = st.columns(2)
    first.metric("Correct", total["correct"])
    second.metric("Wrong", total["wrong"])
    first.metric("Unsure", total["unsure"])
    second.metric("Reviewers", total["reviewers"])

st.subheader("Sprints")
st.dataframe(
    views.overview_table(ws, summary, counts),
    hide_index=True,
    width="stretch",
    column_config={
        name: st.column_config.NumberColumn(name, width=76)
        for name in ("Correct", "Wrong", "Unsure", "Reviewers")
    },
)

# -- closing the loop: the latest MVP on the cases flagged before it ----------------------------
latest = views.latest_mvp(ws)
if latest and latest[0] != sprints[0]:
    latest_sprint, latest_mvp = latest
    panels.followup_panel(
        path,
        latest_sprint,
        latest_mvp,
        ws.prototype(latest_sprint, latest_mvp).version,
        lead=f"{latest_sprint}'s MVP, {latest_mvp}: ",
    )

decided = [s for s in reversed(sprints) if ws.decisions(s)]
if decided:
    st.subheader("Decisions")
for sprint in decided:
    when, body, attendees = views.decision_text(ws.decisions(sprint)[-1], sprint)
    with st.container(border=True):
        st.caption(views.escape_markdown(when))
        st.text(body)
        if attendees:
            st.caption("Attendees: " + views.escape_markdown(attendees))

# The Bake-off page's bootstrap takes seconds on a large demo set: start it while people read.
chosen = cached.sprint()
cached.warm_up_bakeoff(ws, chosen, tuple(entry for entry in stamp if entry[0] == chosen))
