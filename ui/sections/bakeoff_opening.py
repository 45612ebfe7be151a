"""Before the Bake-off's first section: open on a sprint with prototypes to compare when the
sprint is only the sidebar's default (``ui.bakeoff_sprint``), and say so in one line."""

from __future__ import annotations

import streamlit as st

from ui import bakeoff_sprint, session
from ui.formatting import escape_markdown as escape

#: The sprint the page moved to on its own, and the line saying why.
NOTE_KEY = "bake_off_opening_note"


def choose() -> None:
    """Move to the latest sprint with two prototypes or more when the session's sprint is the
    default and holds fewer; a sprint the user chose (link or sidebar) is kept as it is."""
    if not session.sprint_defaulted():
        return
    ws = session.workspace()
    counts = [(sprint, len(ws.prototypes(sprint))) for sprint in ws.sprints()]
    opening = bakeoff_sprint.opening_sprint(counts, session.sprint())
    if opening.note is not None:
        st.session_state[NOTE_KEY] = (opening.sprint, opening.note)
        session.open_on_sprint(opening.sprint)


def note() -> None:
    """The line saying why the page shows the sprint it moved to, while it shows that one."""
    moved = st.session_state.get(NOTE_KEY)
    if moved is None:
        return
    if moved[0] != session.sprint():  # the user has chosen another sprint since
        del st.session_state[NOTE_KEY]
        return
    st.caption(escape(moved[1]))
