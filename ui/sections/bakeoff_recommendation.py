"""The top of the Bake-off: which prototype to choose, in one or two sentences that claim no
more than the intervals allow, then the form that records the group's decision."""

from __future__ import annotations

import streamlit as st

from model.costs import example_assumptions_note
from model.metrics import BINARY
from model.money_and_scores import money_and_score_differ
from ui.case_words import positive_case
from ui.formatting import escape_markdown as escape
from ui.sections import bakeoff_decision
from ui.sections.bakeoff_session import BakeoffContext


def show(ctx: BakeoffContext) -> None:
    """The recommendation, how it was reached in one line, and the decision form."""
    with st.container(border=True):
        st.markdown(f"**Recommendation.** {escape(ctx.recommendation.text)}")
        at = "the thresholds set below" if ctx.moved else "its cheapest threshold"
        at = f", each at {at}" if ctx.task == BINARY else ""  # only binary has a threshold
        st.caption(
            escape(
                "Each prototype's monthly total is what it costs to own (hosting, retraining, "
                f"maintenance) plus what its errors cost{at}; the intervals come "
                f"from resampling the {ctx.attrs['n_rows']:,} demo {ctx.noun}."
            )
        )
        differ = money_and_score_differ(ctx.costs, ctx.table)
        if differ:  # "xgboost costs least" beside "ridge is better" needs its reason
            st.markdown(escape(differ))
        meta = ctx.metas[ctx.prototypes[0]]
        note = example_assumptions_note(
            ctx.path, ctx.task, positive_case(meta), "below, under Costs and assumptions,"
        )
        if note:  # the room must not take placeholder money for the business's
            st.warning(escape(note))
    bakeoff_decision.form(ctx)
