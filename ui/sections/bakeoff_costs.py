"""The bake-off's "Costs and assumptions" tab: what each prototype costs, the assumptions behind
the money figures (editable), and each prototype's formula with its own numbers."""

from __future__ import annotations

import streamlit as st

from ui import bakeoff_tables
from ui.formatting import escape_markdown as escape
from ui.sections import bakeoff_assumptions
from ui.sections.bakeoff_session import BakeoffContext


def show(ctx: BakeoffContext) -> None:
    """The costs table, the assumptions form and the formulas."""
    st.subheader("What each prototype costs")
    notes = [ctx.metas[name].get("notes", "") for name in ctx.table["prototype"]]
    st.table(bakeoff_tables.escape_table(bakeoff_tables.costs_view(ctx.shown, notes)))
    st.caption(
        escape(f"Costs assume {bakeoff_tables.assumptions_text(ctx.assumptions.to_dict())}.")
    )
    bakeoff_assumptions.assumptions_form(ctx.path, ctx.assumptions, ctx.role)
    with st.expander("How each prototype's money figures are computed"):
        st.table(
            bakeoff_tables.escape_table(
                bakeoff_tables.cost_formulas(
                    {name: ctx.metas[name] for name in ctx.prototypes}, ctx.assumptions
                )
            ),
            hide_index=True,
        )
