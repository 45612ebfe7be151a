"""What each prototype costs the business: hosting, retraining and maintenance a month, what
owning it costs a month and a year beside the one-off cost, what its errors cost, and the
payback against the MVP; every figure's formula on hover."""

from __future__ import annotations

import streamlit as st

from ui import bakeoff_charts, bakeoff_tables, session
from ui.formatting import escape_markdown as escape
from ui.sections.bakeoff_session import BakeoffContext


def show(ctx: BakeoffContext) -> None:
    """The table of money figures (each header's formula on hover) and the stacked bars of
    each month's total (each part's formula, with its numbers, on hover)."""
    st.subheader("What each prototype costs")
    view = bakeoff_tables.ownership_view(ctx.owned, ctx.recommendation.table, ctx.mvp)
    help_texts = bakeoff_tables.ownership_help(ctx.assumptions, ctx.task, ctx.noun)
    # Two tables of six columns rather than one of ten, so each fits a projector's width.
    for columns, key in (
        (bakeoff_tables.MONEY_COLUMNS, "bake_off_money"),
        (bakeoff_tables.OWNING_COLUMNS, "bake_off_owning"),
    ):
        st.dataframe(
            view[list(columns)],
            hide_index=True,
            width="stretch",
            column_config={
                "Prototype": st.column_config.TextColumn(pinned=True),
                **{
                    column: st.column_config.TextColumn(help=help_texts[column])
                    for column in columns[1:]
                },
            },
            key=key,
        )
        if key == "bake_off_money":  # "$130,000 + $870 = $130,000" read as a slip
            st.caption(escape(bakeoff_tables.rounding_note(ctx.assumptions.currency)))
    errors = {c.name: c.errors for c in ctx.costs}
    session.chart(bakeoff_charts.monthly_cost_spec(ctx.owned, errors, ctx.mvp), width="stretch")
    st.caption(
        escape(
            "Hover a column's name or a bar for how it is computed. The assumptions behind "
            "these figures are under Costs and assumptions, below."
        )
    )
