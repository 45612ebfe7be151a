"""What came of earlier sprints' feedback: a section of the Overview and the Sprint demo."""

from __future__ import annotations

import streamlit as st

from model.followup import right_rule, untried_note
from model.workspace import open_workspace
from ui import cached, followup_table, formatting, verdict_tables


def followup_panel(path: str, sprint: str, prototype: str, content_id: str, lead: str = "") -> None:
    """What came of earlier sprints' feedback for ``prototype``: sentence, caveat, case list."""
    st.subheader("What came of earlier feedback")
    store = cached.store(path)
    try:
        followed, summary = cached.followup(
            path, sprint, prototype, content_id, cached.verdicts_stamp(store)
        )
    except ValueError as error:
        st.error(formatting.escape_markdown(formatting.one_line(error)))
        return
    if followed.empty:
        st.caption("No verdicts from earlier sprints to follow up yet.")
        return
    st.info(
        formatting.escape_markdown(f"{lead}{summary['sentence']}"),
        icon=":material/published_with_changes:",
    )
    notes = (
        right_rule(followed),  # a regression's "now right" is a tolerance: say which
        untried_note(followed),
        followup_table.trained_on_caption(followed),
    )
    for note in notes:
        if note:
            st.caption(formatting.escape_markdown(note))
    cases = "The case" if len(followed) == 1 else f"The {len(followed):,} cases"
    with st.expander(f"{cases} reviewed before {sprint}"):
        names = verdict_tables.class_names_of(
            open_workspace(path, create=False),
            [*followed["sprint"], sprint],
            [*followed["prototype"], prototype],
        )
        cases = cached.own_case_names(path, cached.verdicts_stamp(store))
        table = followup_table.followup_table(
            followed, names, names.get((sprint, prototype)), cases
        )
        st.dataframe(table, hide_index=True, width="stretch")
