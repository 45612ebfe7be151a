"""The Feedback page's "Agreement" tab: how far reviewers agree, per sprint and per pair, and
the rows they differ on."""

from __future__ import annotations

import streamlit as st

from ui import cached, formatting, verdict_tables
from ui.sections.feedback_filters import FeedbackContext, chosen, shared_class_names


def show_agreement(ctx: FeedbackContext) -> None:
    """How far reviewers agree: per sprint, per pair of reviewers, and the rows they differ on."""
    st.caption(
        "Rows that two or more reviewers judged: how often they gave the same answer, and "
        "κ, the agreement beyond what chance would give (1 is perfect, 0 is chance). An "
        "“unsure” counts as an answer of its own."
    )
    shown_sprints = [chosen(ctx.sprint)] if chosen(ctx.sprint) else ctx.reviewed_sprints
    results = {
        s: cached.agreement(ctx.path, ctx.stamp, s, chosen(ctx.prototype)) for s in shown_sprints
    }
    if results:
        st.dataframe(verdict_tables.agreement_table(results), hide_index=True, width="stretch")
        for name, result in results.items():
            st.markdown(formatting.escape_markdown(f"{name}: {result['sentence']}"))
    else:
        st.info("No verdicts yet.")

    st.subheader("Pairs of reviewers")
    pairs = cached.pairwise_agreement(ctx.path, ctx.stamp, **ctx.shared_scope)
    if pairs.empty:
        st.caption("No two reviewers have judged the same row yet.")
    else:
        st.dataframe(verdict_tables.pairwise_table(pairs), hide_index=True, width="stretch")
    st.subheader("Conflicts")
    conflicts = cached.conflicts(
        ctx.path, ctx.stamp, **ctx.shared_scope, names=shared_class_names(ctx)
    )
    n = conflicts["rows"]
    if not n:
        st.caption("No row has reviewers giving different answers.")
    else:
        st.caption(
            f"{n} {'row' if n == 1 else 'rows'} where reviewers gave different answers: "
            "worth a conversation."
        )
        st.dataframe(conflicts["table"], hide_index=True, width="stretch")
