"""The bake-off's "Models" tab: each prototype's model and explainer."""

from __future__ import annotations

import streamlit as st

from ui import bakeoff_tables, cached
from ui.sections.bakeoff_session import BakeoffContext


def show(ctx: BakeoffContext) -> None:
    """The tab, computed only when it is open."""
    show_models(ctx.path, ctx.sprint, ctx.stamp)


def show_models(path: str, sprint: str, stamp: tuple) -> None:
    """Each prototype's model and explainer."""
    st.subheader("Models and explainers")
    comparison = cached.comparison(path, sprint, stamp)
    st.dataframe(bakeoff_tables.model_details(comparison), hide_index=True, width="stretch")
