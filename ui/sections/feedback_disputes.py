"""The Feedback page's "Disputes" tab: the features whose contributions reviewers disputed
("right answer, wrong reason"), counted, charted and listed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import cached, session, verdict_tables
from ui.sections.feedback_filters import FeedbackContext


def show_disputes(ctx: FeedbackContext) -> None:
    """The features whose contributions reviewers disputed, counted, charted and listed."""
    dispute_counts = verdict_tables.in_sprint_order(
        ctx.store.dispute_counts(**ctx.shared_scope), ctx.sprints
    )
    if dispute_counts.empty:
        st.info(
            "No disputes yet. On the SME review page, reviewers can flag a feature whose "
            "contribution looks wrong under “Right answer, wrong reason?”."
        )
    else:
        st.caption(
            "Features whose contribution reviewers disputed: the model may be right for the "
            "wrong reason. Each reviewer's dispute of a feature on a row counts once, over"
            " every version of the prototype; the list below names the version of each."
        )
        session.chart(cached.dispute_spec(dispute_counts))
        st.dataframe(
            verdict_tables.dispute_counts_table(dispute_counts), hide_index=True, width="stretch"
        )
        with st.expander("Every dispute, with comments"):
            every = verdict_tables.in_sprint_order(
                ctx.store.disputes(**ctx.shared_scope), ctx.sprints
            )
            detail = verdict_tables.disputes_table(every, unit=None)
            detail.insert(0, "Prototype version", _versions(every["prototype_version"]))
            detail.insert(0, "Row", every["row_id"].astype(str).to_numpy())
            detail.insert(0, "Prototype", every["prototype"].astype(str).to_numpy())
            detail.insert(0, "Sprint", every["sprint"].astype(str).to_numpy())
            st.dataframe(detail, hide_index=True, width="stretch")


def _versions(versions: pd.Series) -> list[str]:
    """Each dispute's prototype version as the verdicts table writes it ("unknown" before
    versions were kept)."""
    return [verdict_tables.VERSION_UNKNOWN if pd.isna(v) else str(int(v)) for v in versions]
