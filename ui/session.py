"""The session's choices: the session-state keys ``app.py`` sets (workspace, sprint, reviewer,
role) and what every page reads from them.

Keys of one page's own widgets live with that page's sections in ``ui.sections``.
"""

from __future__ import annotations

import streamlit as st

from model.workspace import Workspace, open_workspace

__all__ = [
    "REVIEWER_KEY",
    "ROLE_STATE_KEY",
    "SPRINT_KEY",
    "WORKSPACE_KEY",
    "keep_widget_state",
    "require_app",
    "reviewer",
    "role",
    "sprint",
    "workspace",
]

#: Session-state keys set by ``app.py`` and read by every page.
WORKSPACE_KEY = "workspace"
SPRINT_KEY = "sprint"
REVIEWER_KEY = "reviewer"
#: Where app.py keeps the session's role (``model.access``) for the pages to check.
ROLE_STATE_KEY = "sprint_review_role"


def require_app() -> None:
    """Send the user through ``app.py`` if Streamlit ran a page without it.

    On a server's very first run Streamlit may still treat ``pages/`` as a legacy multipage
    folder and run a page file on its own (no sidebar, no workspace) until ``app.py`` has
    called ``st.navigation`` once.
    """
    if WORKSPACE_KEY not in st.session_state or SPRINT_KEY not in st.session_state:
        st.switch_page("app.py")


def workspace() -> Workspace:
    """The workspace ``app.py`` opened for this session."""
    return open_workspace(st.session_state[WORKSPACE_KEY], create=False)


def sprint() -> str:
    """The sprint chosen in the sidebar."""
    return st.session_state[SPRINT_KEY]


def reviewer() -> str:
    """The reviewer's name from the sidebar, stripped ("" when none was entered)."""
    return (st.session_state.get(REVIEWER_KEY) or "").strip()


# -- loaders ------------------------------------------------------------------------------------


def role() -> str | None:
    """The session's role (``model.access.ROLES``), set by ``app.py``."""
    return st.session_state.get(ROLE_STATE_KEY)


def keep_widget_state(*keys: str) -> None:
    """Keep the values of widgets this run does not draw (those in a closed tab that is only
    computed when open): Streamlit forgets a widget's value after a run that does not draw
    it, and the widget would come back at its default. Setting the value through Session
    State is what keeps it (Streamlit's documented way)."""
    for key in keys:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]
