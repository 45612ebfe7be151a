"""Sprint demo: the MVP, its metrics against last sprint's, and its explained predictions.

Each section is a function of ``ui.panels``; a rerun reads cached chart specs and one page
of rows, so nothing here grows with the demo set.
"""

import streamlit as st

from ui import cached, panels

WARMED_KEY = "demo_warmed_bakeoff"

cached.require_app()
ws = cached.workspace()
path = str(ws.path)
sprint = cached.sprint()

proto = panels.demo_header(ws, sprint)
if sprint != ws.sprints()[0]:
    panels.followup_panel(path, sprint, proto.name, proto.version)
panels.global_importance(path, proto)
table_column, explanation_column = st.columns([6, 7], gap="small")
with table_column:
    rows, event = panels.predictions_table(path, proto)
with explanation_column:
    panels.row_explanation(path, proto, rows, event)
if st.session_state.get(WARMED_KEY) != sprint:  # once a visit: the stamp costs file reads
    st.session_state[WARMED_KEY] = sprint
    cached.warm_up_bakeoff(ws, sprint)  # the Bake-off page's bootstrap, while people read
