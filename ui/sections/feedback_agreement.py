"""The Feedback page's "Agreement" tab: how far reviewers agree, per sprint and per pair, and
the rows they differ on."""

from __future__ import annotations

import streamlit as st

from feedback_store.agreement import VALUE_SPREAD_SHARE
from ui import cached, formatting, verdict_tables
from ui.sections.feedback_filters import FeedbackContext, chosen, shared_class_names

#: What the same answer is for the reviewers of a regression (``feedback_store.agreement``).
REGRESSION_NOTE = (
    " Where a prototype predicts a number, the same verdict (correct or wrong) is the same "
    "answer and the agreement beyond chance compares verdicts; right values within "
    f"{VALUE_SPREAD_SHARE:.0%} of each other count as one value."
)


def regression(names: dict) -> bool:
    """Whether a prototype in scope predicts a value (``shared_class_names`` marks it so)."""
    return any(verdict_tables.REGRESSION_UNIT in (n or {}) for n in names.values())


def show_agreement(ctx: FeedbackContext) -> None:
    """How far reviewers agree: per sprint, per pair of reviewers, and the rows they differ on."""
    names = shared_class_names(ctx)
    st.caption(
        "Rows that two or more reviewers judged: how often they gave the same answer, and "
        "their agreement beyond what chance would give (1 is perfect, 0 is chance), both on "
        "every such row. An “unsure” counts as an answer of its own."
        + (REGRESSION_NOTE if regression(names) else "")
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
    conflicts = cached.conflicts(ctx.path, ctx.stamp, **ctx.shared_scope, names=names)
    n = conflicts["rows"]
    if not n:
        st.caption("No row has reviewers giving different answers.")
    else:
        st.caption(
            f"{n} {'row' if n == 1 else 'rows'} where reviewers gave different answers: "
            "worth a conversation."
        )
        st.dataframe(conflicts["table"], hide_index=True, width="stretch")
