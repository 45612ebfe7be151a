"""The bake-off's technical details, in one expander: the metric the prototypes are scored on,
each one's score with its interval and verdict against the reference, the statistics behind the
verdicts, the trade-offs in words and the chart of score against compute cost."""

from __future__ import annotations

import streamlit as st

from model import bakeoff, bakeoff_sentences
from model.stats import metric_info
from ui import bakeoff_tables, bakeoff_words, cached, session
from ui.formatting import escape_markdown as escape
from ui.sections.bakeoff_session import METRIC_KEY, BakeoffContext

TECHNICAL = "Technical details: scores, statistics and trade-offs"


def technical(ctx: BakeoffContext) -> None:
    """Everything a data scientist checks, behind one expander the room can leave closed."""
    with st.expander(TECHNICAL):
        options = bakeoff_tables.bakeoff_metrics(ctx.task)
        st.selectbox(
            "Metric",
            options,
            format_func=lambda key: metric_info(key).label,
            key=METRIC_KEY,
            help=_metric_help(options),
            width=360,
        )
        comparison(ctx)
        tradeoffs(ctx)


def _metric_help(options: list[str]) -> str:
    lines = [
        f"**{metric_info(key).label}**: {bakeoff_tables.METRIC_HELP[key]}"
        for key in options
        if key in bakeoff_tables.METRIC_HELP
    ]
    return "What the prototypes are scored on; the first is the task's usual one.\n\n" + (
        "\n\n".join(lines)
    )


def comparison(ctx: BakeoffContext) -> None:
    """The score, its interval and verdict, and the compute costs of every prototype."""
    attrs, label = ctx.attrs, ctx.label
    reference = attrs.get("reference") or "the reference"
    st.markdown(f"**{escape(label)} and compute cost, compared with {escape(reference)}**")
    help_texts = bakeoff_tables.cost_help(ctx.assumptions)
    view = bakeoff_words.applicable_rows(bakeoff_tables.comparison_view(ctx.shown), ctx.task)
    st.table(bakeoff_tables.escape_table(view))
    st.caption(escape(bakeoff_words.statistics_caption(attrs, label, reference, ctx.task)))
    st.caption(
        escape(
            f"Running cost per month = {help_texts['Running cost / month']} (compute alone; "
            f"what owning each prototype costs is above). One-off cost = "
            f"{help_texts['One-off cost']}."
        )
    )


def tradeoffs(ctx: BakeoffContext) -> None:
    """The trade-offs in words and the Pareto chart of score against compute cost."""
    st.markdown("**Trade-offs**")
    sentences = bakeoff.tradeoff_sentences(ctx.table)
    first = ctx.prototypes[0]
    majority = bakeoff_sentences.majority_sentence(
        ctx.metric_key,
        bakeoff_sentences.actual_counts(ctx.metas.get(first) or {}),
        ctx.noun,
        ctx.class_names(first),
    )
    if majority:  # beside "majority (always no) scores best on Accuracy: 0.909"
        sentences.insert(1, majority)
    st.markdown("\n".join(f"- {escape(sentence)}" for sentence in sentences))
    session.chart(
        cached.pareto_spec(
            ctx.path, ctx.sprint, ctx.metric_key, ctx.assumptions.to_dict(), ctx.stamp
        ),
        width="content",
    )
