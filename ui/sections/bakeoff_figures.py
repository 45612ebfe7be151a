"""The bake-off's decision figures: each prototype's score with its interval and verdict against
the reference, its costs, and the trade-offs in words and on the Pareto chart."""

from __future__ import annotations

import streamlit as st

from model import bakeoff
from ui import bakeoff_tables, cached
from ui.formatting import escape_markdown as escape
from ui.sections.bakeoff_session import BakeoffContext


def comparison(ctx: BakeoffContext) -> None:
    """The score, its interval and verdict, and the costs of every prototype, explained."""
    attrs, label = ctx.attrs, ctx.label
    reference = attrs.get("reference") or "the reference"
    st.subheader(f"{label} and cost, compared with {escape(reference)}")
    help_texts = bakeoff_tables.cost_help(ctx.assumptions)
    st.table(bakeoff_tables.escape_table(bakeoff_tables.comparison_view(ctx.shown)))
    st.caption(
        escape(
            f"{label} on all {attrs['n_rows']:,} demo rows with its {attrs['confidence']:.0%} "
            f"interval ({attrs['method']}, {attrs['n_resamples']:,} resamples). "
            f"vs {reference}: the difference on the same rows and the interval of that paired "
            "difference; the verdict says better or worse only when that interval excludes zero. "
            "McNemar p: how likely the two would differ this much in which rows they get right "
            "if they were equally good. The two answer different questions: the verdict is about "
            f"{label}, McNemar about right and wrong labels at each prototype's threshold, so a "
            "small p beside “no detectable difference” means they get different rows right "
            f"without a clear difference in {label}."
        )
    )
    st.caption(
        escape(
            f"Running cost per month = {help_texts['Running cost / month']}. One-off cost = "
            f"{help_texts['One-off cost']}. Each prototype's formula with its own numbers is "
            "under Costs and assumptions."
        )
    )


def tradeoffs(ctx: BakeoffContext) -> None:
    """The trade-offs in words and the Pareto chart of score against running cost."""
    st.subheader("Trade-offs")
    sentences = bakeoff.tradeoff_sentences(ctx.table)
    st.markdown("\n".join(f"- {escape(sentence)}" for sentence in sentences))
    st.vega_lite_chart(
        cached.pareto_spec(
            ctx.path, ctx.sprint, ctx.metric_key, ctx.assumptions.to_dict(), ctx.stamp
        ),
        width="content",
    )
