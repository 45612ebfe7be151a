"""Bake-off: which prototype should the business take?

The recommendation in a sentence or two and the decision form first; then what each prototype
would do with the demo rows in counts, at a decision threshold the user may move, with what
its errors cost; what each costs to own; the technical details behind one expander; and the
detail tabs: costs and assumptions, the score per segment, where the prototypes disagree, the
decisions recorded, the models. On the default sprint with one prototype, it opens on the
latest sprint with prototypes to compare. Each section is a module of ``ui.sections``.
"""

import streamlit as st

from ui import session
from ui.sections import (
    bakeoff_costs,
    bakeoff_decision,
    bakeoff_disagreements,
    bakeoff_figures,
    bakeoff_models,
    bakeoff_opening,
    bakeoff_outcomes,
    bakeoff_recommendation,
    bakeoff_running,
    bakeoff_segments,
    bakeoff_session,
)

TAB_KEY = "bake_off_tab"
#: The detail tabs; the first is open when the page opens.
TABS = ["Costs and assumptions", "Per segment", "Where they disagree", "Decision", "Models"]

session.require_app()
bakeoff_opening.choose()  # the sidebar's default sprint may have nothing to compare
bake_off = bakeoff_session.start()
bakeoff_opening.note()
bakeoff_recommendation.show(bake_off)
bakeoff_outcomes.show(bake_off)
bakeoff_running.show(bake_off)
bakeoff_figures.technical(bake_off)

# Tabs that rerun when the user switches: the segments, the disagreements and the models are
# computed when their tab is opened, not on every open of the page. The costs tab holds a form
# and is drawn whichever tab is open, so what someone typed and did not save yet survives.
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
