"""Bake-off: which prototype should the business take?

Every prototype's score with its 95% interval and its comparison with the MVP on the same rows,
what it costs in money under the workspace's shared assumptions, the trade-offs in words and on
a Pareto chart; below, costs and assumptions, the score per segment, where the prototypes
disagree, and the group's decision with a snapshot of the figures it saw.

Each section is a module of ``ui.sections``.
"""

import streamlit as st

from ui import session
from ui.sections import (
    bakeoff_costs,
    bakeoff_decision,
    bakeoff_disagreements,
    bakeoff_figures,
    bakeoff_models,
    bakeoff_segments,
    bakeoff_session,
)

TAB_KEY = "bake_off_tab"
#: The detail tabs; the first is open when the page opens.
TABS = ["Costs and assumptions", "Per segment", "Where they disagree", "Decision", "Models"]

session.require_app()
bake_off = bakeoff_session.start()
bakeoff_figures.comparison(bake_off)
bakeoff_figures.tradeoffs(bake_off)

# Tabs that rerun when the user switches: the segments, the disagreements and the models are
# computed when their tab is opened, not on every open of the page (at 100,000 demo rows they
# took more time than all the rest). The two tabs with forms are drawn whichever is open, so
# what someone typed there and did not save yet survives a look at another tab.
costs_tab, segments_tab, disagree_tab, decision_tab, models_tab = st.tabs(
    TABS, key=TAB_KEY, on_change="rerun"
)
with costs_tab:
    bakeoff_costs.show(bake_off)
if segments_tab.open:
    with segments_tab:
        bakeoff_segments.show(bake_off)
if disagree_tab.open:
    with disagree_tab:
        bakeoff_disagreements.show(bake_off)
with decision_tab:
    bakeoff_decision.show(bake_off)
if models_tab.open:
    with models_tab:
        bakeoff_models.show(bake_off)
