"""The bake-off's "Costs and assumptions" tab: what each prototype uses as measured (compute,
time, size, effort), the assumptions behind the money figures (editable), and each money
figure's formula with the prototype's own numbers."""

from __future__ import annotations

import streamlit as st

from ui import bakeoff_tables
from ui.formatting import escape_markdown as escape
from ui.sections import bakeoff_assumptions
from ui.sections.bakeoff_session import BakeoffContext


def show(ctx: BakeoffContext) -> None:
    """The measured costs, the assumptions form and the formulas."""
    st.subheader("What each prototype uses, as measured")
    maintenance = [
        bakeoff_tables.maintenance_text(ctx.owned[name], ctx.metas[name])
        for name in ctx.table["prototype"]
    ]
    st.table(bakeoff_tables.escape_table(bakeoff_tables.costs_view(ctx.shown, maintenance)))
    st.caption(
        escape(f"Costs assume {bakeoff_tables.assumptions_text(ctx.assumptions.to_dict())}.")
    )
    first = ctx.ws.prototype(ctx.sprint, ctx.prototypes[0])
    bakeoff_assumptions.assumptions_form(
        ctx.path,
        ctx.assumptions,
        ctx.role,
        task=ctx.task,
        class_names=first.class_names,
        positive=first.meta.get("positive_class"),
        noun=ctx.noun,
    )
    with st.expander("How each prototype's money figures are computed"):
        errors = {c.name: c.errors for c in ctx.costs}
        st.table(
            bakeoff_tables.escape_table(
                bakeoff_tables.ownership_formulas(ctx.owned, errors, ctx.recommendation.table)
            ),
            hide_index=True,
        )
        st.table(
            bakeoff_tables.escape_table(
                bakeoff_tables.cost_formulas(
                    {name: ctx.metas[name] for name in ctx.prototypes}, ctx.assumptions
                )
            ),
            hide_index=True,
        )
