"""Streamlit panels that more than one page shows, so each is written once.

Logic stays in ``model.views`` and ``model.followup``; these functions only lay it out.
"""

from __future__ import annotations

import streamlit as st

from model import cached, views


def followup_panel(path: str, sprint: str, prototype: str, version: int, lead: str = "") -> None:
    """What came of earlier sprints' feedback for ``prototype``: sentence, caveat, case list."""
    st.subheader("What came of earlier feedback")
    store = cached.store(path)
    try:
        followed, summary = cached.followup(
            path, sprint, prototype, version, cached.verdicts_stamp(store)
        )
    except ValueError as error:
        st.error(views.escape_markdown(views.one_line(error)))
        return
    if followed.empty:
        st.caption("No verdicts from earlier sprints to follow up yet.")
        return
    st.info(
        views.escape_markdown(f"{lead}{summary['sentence']}"),
        icon=":material/published_with_changes:",
    )
    trained = views.trained_on_caption(followed)
    if trained:
        st.caption(views.escape_markdown(trained))
    with st.expander(f"The {len(followed)} cases reviewed before {sprint}"):
        st.dataframe(views.followup_table(followed), hide_index=True, width="stretch")
