"""Sprint demo: the MVP, its metrics against last sprint's, and its explained predictions.

Each section is a function of ``ui.sections``; a rerun reads cached chart specs and one page
of rows, so nothing here grows with the demo set.
"""

import streamlit as st

from ui import cached, session
from ui.sections import followup, sprint_demo

WARMED_KEY = "demo_warmed_bakeoff"

session.require_app()
ws = session.workspace()
path = str(ws.path)
sprint = session.sprint()

proto = sprint_demo.demo_header(ws, sprint)
if sprint != ws.sprints()[0]:
    followup.followup_panel(path, sprint, proto.name, proto.content_id)
# Side by side, or (presenter mode, whose larger chart text needs the width) one under another.
presenting = session.presenting()
importance_column, dependence_column = (
    (st.container(), st.container()) if presenting else st.columns(2, gap="medium")
)
with importance_column:
    sprint_demo.global_importance(path, proto)
with dependence_column:
    sprint_demo.dependence(path, proto)
table_column, explanation_column = (
    (st.container(), st.container()) if presenting else st.columns([6, 7], gap="small")
)
with table_column:
    rows, event = sprint_demo.predictions_table(path, proto)
with explanation_column:
    sprint_demo.row_explanation(path, proto, rows, event)
if st.session_state.get(WARMED_KEY) != sprint:  # once a visit: the stamp costs file reads
    st.session_state[WARMED_KEY] = sprint
    cached.warm_up_bakeoff(ws, sprint)  # the Bake-off page's bootstrap, while people read
