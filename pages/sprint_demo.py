"""Sprint demo: the MVP, its metrics against last sprint's, and its explained predictions.

Each section is a function of ``model.panels``; a rerun reads cached chart specs and one page
of rows, so nothing here grows with the demo set.
"""

import streamlit as st

from model import cached, panels

cached.require_app()
ws = cached.workspace()
path = str(ws.path)
sprint = cached.sprint()

proto = panels.demo_header(ws, sprint)
if sprint != ws.sprints()[0]:
    panels.followup_panel(path, sprint, proto.name, proto.version)
panels.global_importance(path, proto)
table_column, explanation_column = st.columns([5, 7], gap="small")
with table_column:
    rows, event = panels.predictions_table(path, proto)
with explanation_column:
    panels.row_explanation(path, proto, rows, event)
