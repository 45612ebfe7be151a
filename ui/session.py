"""The session's choices: the session-state keys ``app.py`` sets (workspace, sprint, reviewer,
role) and what every page reads from them.

Keys of one page's own widgets live with that page's sections in ``ui.sections``.
"""

from __future__ import annotations

import sqlite3
import sys
from collections.abc import Callable, Collection
from pathlib import Path

import streamlit as st

from model.workspace import Workspace, open_workspace
from ui import charts

__all__ = [
    "PRESENT_KEY",
    "REVIEWER_KEY",
    "ROLE_STATE_KEY",
    "SPRINT_KEY",
    "REVIEWER_ADOPTED_KEY",
    "UNKNOWN_SPRINT_KEY",
    "adopt_known_spelling",
    "adopted_spelling_note",
    "unknown_sprint_note",
    "WORKSPACE_KEY",
    "chart",
    "from_url",
    "keep_widget_state",
    "open_after_start",
    "presenting",
    "presenter_from_url",
    "require_app",
    "resume_deep_link",
    "reviewer",
    "role",
    "sprint",
    "to_url",
    "url_writer",
    "workspace",
]

#: Session-state keys set by ``app.py`` and read by every page.
WORKSPACE_KEY = "workspace"
SPRINT_KEY = "sprint"
REVIEWER_KEY = "reviewer"
#: Where app.py keeps the session's role (``model.access``) for the pages to check.
ROLE_STATE_KEY = "sprint_review_role"
#: Presenter mode (the sidebar's toggle, or ``?present=1`` in the URL): no sidebar notices,
#: larger chart text, the sprint told on the Present page.
PRESENT_KEY = "present"
#: The page a deep link asked for, and its query parameters, kept while ``app.py`` starts.
DEEP_LINK_KEY = "deep_link"
#: Set while the session's sprint is the sidebar's default (the latest), not one the user chose
#: (a link's ``?sprint=`` or the sidebar): the Bake-off may then open on another sprint.
SPRINT_DEFAULTED_KEY = "sprint_defaulted"
#: The name typed that was replaced by the spelling of earlier verdicts, until the sidebar says so.
REVIEWER_ADOPTED_KEY = "reviewer_adopted_from"
#: The sprint a link asked for that the workspace does not have, until the page has said so.
UNKNOWN_SPRINT_KEY = "sprint_unknown_in_link"


def require_app() -> None:
    """Send the user through ``app.py`` if Streamlit ran a page without it.

    On a server's very first run Streamlit may still treat ``pages/`` as a legacy multipage
    folder and run a page file on its own (no sidebar, no workspace) until ``app.py`` has
    called ``st.navigation`` once.

    On a deep link (``/sme_review?sprint=Sprint+2`` as a session's first visit) that run is
    the page asked for: it is remembered, with its query parameters, and ``app.py`` opens it
    once it has started (:func:`resume_deep_link`) instead of leaving the user on the Overview.
    """
    if WORKSPACE_KEY not in st.session_state or SPRINT_KEY not in st.session_state:
        page = Path(sys._getframe(1).f_globals.get("__file__", ""))
        if page.parent.name == "pages" and page.suffix == ".py":
            open_after_start(f"pages/{page.name}")
        st.switch_page("app.py")


def open_after_start(page: str) -> None:
    """Have ``app.py`` open ``page`` (``pages/<name>.py``) once the sidebar is drawn, with the
    URL's query parameters: a callback cannot change page itself."""
    st.session_state[DEEP_LINK_KEY] = (
        page,
        {k: st.query_params.get_all(k) for k in st.query_params},
    )


def resume_deep_link() -> None:
    """Open the page a session's first visit asked for (see :func:`require_app`), with the
    query parameters of its link; called by ``app.py`` once it has declared the pages."""
    link = st.session_state.pop(DEEP_LINK_KEY, None)
    if link is not None:
        page, query = link
        st.switch_page(page, query_params={k: v[-1] for k, v in query.items() if v})


# -- state in the URL ---------------------------------------------------------------------------
# Sprint, reviewer, prototype, row and presenter mode live in the query string so that any view
# can be linked and reloaded. Streamlit drops the query string when the user changes page, so
# ``app.py`` writes the session's choices back on every run; a widget's on_change writes its new
# value at once (``url_writer``), before the run that would otherwise read the old one back.
def from_url(key: str, valid: Collection[str] | None = None) -> str | None:
    """The query parameter ``key`` when it is present (and in ``valid``, if given), put in
    session state under the same key; None otherwise."""
    value = st.query_params.get(key)
    if value is None or (valid is not None and value not in valid):
        return None
    st.session_state[key] = value
    return value


def to_url(key: str, value: object) -> None:
    """Write ``value`` to the query parameter ``key`` (remove it when empty)."""
    text = "" if value is None else str(value).strip()
    if text:
        if st.query_params.get(key) != text:
            st.query_params[key] = text
    elif key in st.query_params:
        del st.query_params[key]


def url_writer(key: str) -> Callable[[], None]:
    """An on_change callback writing widget ``key``'s new value to the query parameter ``key``."""
    return lambda: to_url(key, st.session_state.get(key))


def presenter_from_url() -> bool:
    """Presenter mode, switched on by ``?present=1`` (off by ``?present=0``); kept in the URL
    while on, so a link copied from the projector opens in presenter mode too."""
    value = st.query_params.get(PRESENT_KEY)
    if value is not None:
        st.session_state[PRESENT_KEY] = value.strip().lower() in {"1", "true", "yes", "on"}
    on = presenting()
    to_url(PRESENT_KEY, "1" if on else None)
    return on


def presenting() -> bool:
    """True in presenter mode."""
    return bool(st.session_state.get(PRESENT_KEY))


def chart(spec: dict, **options) -> None:
    """Draw the Vega-Lite ``spec`` (``options`` as ``st.vega_lite_chart`` takes them, default
    ``width="stretch"``) in the session's style: presenter mode's larger text when on."""
    options.setdefault("width", "stretch")
    st.vega_lite_chart(charts.presented(spec, presenting()), **options)


def workspace() -> Workspace:
    """The workspace ``app.py`` opened for this session."""
    return open_workspace(st.session_state[WORKSPACE_KEY], create=False)


def sprint() -> str:
    """The sprint chosen in the sidebar."""
    return st.session_state[SPRINT_KEY]


def sprint_defaulted() -> bool:
    """True while the session's sprint is the sidebar's default, not one the user chose."""
    return bool(st.session_state.get(SPRINT_DEFAULTED_KEY))


def sprint_chosen() -> None:
    """The sidebar's sprint was chosen: into the URL, and no longer the default."""
    st.session_state.pop(SPRINT_DEFAULTED_KEY, None)
    to_url(SPRINT_KEY, st.session_state.get(SPRINT_KEY))


def open_on_sprint(sprint_name: str) -> None:
    """Make ``sprint_name`` the session's sprint and run the page again: through the URL,
    which ``app.py`` reads before it draws the sidebar's selectbox (drawn already in this
    run, so its value cannot change now)."""
    st.query_params[SPRINT_KEY] = sprint_name
    st.rerun()


def reviewer() -> str:
    """The reviewer's name from the sidebar, stripped ("" when none was entered)."""
    return (st.session_state.get(REVIEWER_KEY) or "").strip()


def adopted_spelling_note() -> str | None:
    """Once, after :func:`adopt_known_spelling` replaced the name typed: what it did."""
    return _said_once(
        REVIEWER_ADOPTED_KEY,
        lambda typed: (
            f"Recorded as “{reviewer()}”, the spelling of your earlier verdicts (you "
            f"typed “{typed}”)."
        ),
    )


def unknown_sprint_note() -> str | None:
    """Once, after a link asked for a sprint the workspace does not have: which is shown."""
    return _said_once(
        UNKNOWN_SPRINT_KEY,
        lambda asked: (
            f"The link asks for sprint {asked!r}, which this workspace does not "
            f"have: showing {sprint()}."
        ),
    )


def _said_once(key: str, words: Callable[[str], str]) -> str | None:
    """``words`` of the value kept under ``key`` until said, taken out of session state."""
    value = st.session_state.pop(key, None)
    return None if value is None else words(value)


def adopt_known_spelling(open_store: Callable[[], object]) -> None:
    """Use the spelling a reviewer's earlier verdicts were recorded under when the name typed
    differs only in letter case or spacing ("Ana " for "ana",
    ``FeedbackStore.known_reviewer`` of the store ``open_store`` opens): she would otherwise
    start over as a new reviewer and be counted as agreeing with herself. The name typed is
    kept to say so. A store that cannot be read leaves the name as typed: the page says what
    is wrong with the store."""
    typed = reviewer()
    if not typed:
        return
    try:
        known = open_store().known_reviewer(typed)
    except (sqlite3.DatabaseError, OSError):
        return
    if known is not None and known != typed:
        st.session_state[REVIEWER_KEY] = known
        st.session_state[REVIEWER_ADOPTED_KEY] = typed


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
