"""The bake-off's "Models" tab: each prototype's model and explainer, for the data scientist,
behind a "Technical details" expander."""

from __future__ import annotations

import streamlit as st

from ui import bakeoff_tables, cached
from ui.sections.bakeoff_session import BakeoffContext


def show(ctx: BakeoffContext) -> None:
    """The tab, computed only when it is open."""
    show_models(ctx.path, ctx.sprint, ctx.stamp)


def show_models(path: str, sprint: str, stamp: tuple) -> None:
    """Each prototype's model and explainer, behind an expander."""
    st.subheader("Models")
    st.caption(
        "What each prototype is built from, and how the reasons shown for its predictions are "
        "computed: the details a data scientist checks."
    )
    with st.expander("Technical details: each prototype's model and explainer"):
        comparison = cached.comparison(path, sprint, stamp)
        # a table, not a grid: a tuned pipeline's description is long, and wraps here
        details = bakeoff_tables.model_details(comparison).set_index("Prototype")
        st.table(bakeoff_tables.escape_table(details))
