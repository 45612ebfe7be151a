"""Sprint Review: the Streamlit entry point.

Run with ``streamlit run app.py``; the workspace folder is ``$SPRINT_REVIEW_WORKSPACE`` (default
``./workspace``). An empty workspace gets the bundled demo. The sidebar's sprint and reviewer
are shared by every page through session state (keys in ``ui.session``).

This file is both the app's script and, imported by ``streamlit run``, the ASGI app that serves
it (``st.App``, at the end): the server then imports what every page needs and computes the
Overview's first screen when it starts, not while its first visitor waits.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import sqlite3
import threading
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

#: True when ``streamlit run app.py`` imports this file to serve it (see the end of the file),
#: False when Streamlit runs it as the app's script.
SERVING = get_script_run_ctx(suppress_warning=True) is None

_cache_log = logging.getLogger("streamlit.runtime.caching.cache_data_api")
_cache_log_level = _cache_log.level
if SERVING:  # imported before Streamlit's runtime starts, every st.cache_data decorator of the
    _cache_log.setLevel(logging.ERROR)  # modules below logs "No runtime found"; no harm done:
    # their caches are created on first use, inside the runtime.
from model import access  # noqa: E402
from model.config import workspace_from_env  # noqa: E402
from model.workspace import open_workspace  # noqa: E402
from ui import cached, cached_feedback, formatting, session  # noqa: E402
from ui.sections import review_verdict  # noqa: E402

_cache_log.setLevel(_cache_log_level)

BOOTED_KEY = "booted"


#: What a session sees when the workspace it opened is no longer there.
WORKSPACE_GONE = (
    "The workspace {path} is no longer there (deleted, moved or unmounted while the app ran): "
    "nothing was saved. Put it back or restore a backup, then reload; what you typed stays "
    "in the form."
)
#: What a workspace this session opened still holds, unless it went away.
WORKSPACE_MARKS = ("workspace.json", "sprints")


def pages() -> list:
    """The app's pages, for ``st.navigation`` (built in a script run, where they belong)."""
    return [
        st.Page("pages/overview.py", title="Overview", icon=":material/timeline:", default=True),
        st.Page("pages/sprint_demo.py", title="Sprint demo", icon=":material/slideshow:"),
        st.Page("pages/bake_off.py", title="Bake-off", icon=":material/leaderboard:"),
        st.Page("pages/sme_review.py", title="SME review", icon=":material/rate_review:"),
        st.Page("pages/feedback.py", title="Feedback", icon=":material/download:"),
        st.Page("pages/present.py", title="Present", icon=":material/co_present:"),
    ]


def build_demo(path) -> None:
    """Fill an empty workspace with the bundled demo, showing its progress, then rerun."""
    try:
        demo = importlib.import_module("model.demo")
    except ImportError:
        st.info(
            "This workspace has no sprints yet, and the bundled demo is not available. "
            "Publish a prototype from a notebook with ws.publish(...) and reload."
        )
        st.stop()
    st.title("Sprint Review")
    st.write("This workspace is empty, so the bundled demo is being built (about a minute).")
    bar = st.progress(0.0, text="Starting")

    def progress(fraction: float, message: str) -> None:
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=formatting.escape_markdown(message))

    demo.build_demo(path, progress=progress)
    st.rerun()


def auth_configured() -> bool:
    """True when ``.streamlit/secrets.toml`` has an ``[auth]`` section for st.login."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all: local mode
        return False


def sign_in(ws) -> str | None:
    """The signed-in user's role, asking them to sign in first; None in local mode."""
    if not auth_configured():
        st.session_state[session.ROLE_STATE_KEY] = "scientist"
        return None
    if not st.user.is_logged_in:
        st.title("Sprint Review")
        st.write("Sign in to open this workspace.")
        st.button("Sign in", on_click=st.login, type="primary")
        st.stop()
    # One reviewer whatever the case their identity provider gives the address in.
    email = access.identity(st.user.get("email"))
    if email is None:
        st.title("Sprint Review")
        st.warning(access.NO_EMAIL)
        st.button("Sign out", on_click=st.logout)
        st.stop()
    role = access.role_for(email, access.load_access_list(ws.path))
    st.session_state[session.ROLE_STATE_KEY] = role
    # Verdicts and decisions carry the signed-in identity, not a name anyone could type.
    st.session_state[session.REVIEWER_KEY] = email
    return email


def url_state(ws, sprints: list[str], email: str | None) -> None:
    """The sprint and, in local mode, the reviewer's name from the URL, so a link or a reload
    opens the same view (the name in the URL rather than a cookie: Streamlit can read cookies
    but not set them, and a link then says whose review it is)."""
    before = st.session_state.get(session.SPRINT_KEY)
    if session.from_url(session.SPRINT_KEY, sprints) not in (None, before):
        st.session_state.pop(session.SPRINT_DEFAULTED_KEY, None)  # a link chose it
    asked = st.query_params.get(session.SPRINT_KEY)
    if asked is not None and asked not in sprints:  # said on the page, not silently replaced
        st.session_state[session.UNKNOWN_SPRINT_KEY] = asked
    if email is None and not session.reviewer() and session.from_url(session.REVIEWER_KEY):
        session.adopt_known_spelling(lambda: cached_feedback.store(str(ws.path)))


def reviewer_typed(ws):
    """The name box's on_change: the spelling of earlier verdicts, then the URL."""

    def changed() -> None:
        session.adopt_known_spelling(lambda: cached_feedback.store(str(ws.path)))
        session.to_url(session.REVIEWER_KEY, session.reviewer())

    return changed


def write_url_state(email: str | None) -> None:
    """The session's sprint and name back in the URL: Streamlit drops the query string when
    the user changes page."""
    session.to_url(session.SPRINT_KEY, session.sprint())
    if email is None:
        session.to_url(session.REVIEWER_KEY, session.reviewer())


def presenter_toggle() -> None:
    """The sidebar's presenter-mode switch: on, it opens the Present page."""

    def switched() -> None:
        session.to_url(session.PRESENT_KEY, "1" if session.presenting() else None)
        if session.presenting():
            session.open_after_start("pages/present.py")

    st.toggle(
        "Presenter mode",
        key=session.PRESENT_KEY,
        on_change=switched,
        help="For the projector: no notices in the sidebar, and the sprint told step by step "
        "on the Present page, in large type. Also ?present=1 in the URL.",
    )


def page_links(app_pages: list, email: str | None) -> None:
    """The pages, as links that carry the sprint, the name and presenter mode. Streamlit's own
    navigation drops the query string, and writing it back made one entry in the browser's
    history per parameter: three presses of Back to return to the page before."""
    carried = {session.SPRINT_KEY: session.sprint()}
    if email is None and session.reviewer():
        carried[session.REVIEWER_KEY] = session.reviewer()
    if session.presenting():
        carried[session.PRESENT_KEY] = "1"
    for app_page in app_pages:
        st.page_link(app_page, query_params=carried)


def sidebar(ws, sprints: list[str], email: str | None, app_pages: list) -> None:
    url_state(ws, sprints, email)
    if st.session_state.get(session.SPRINT_KEY) not in sprints:
        st.session_state[session.SPRINT_KEY] = sprints[-1]
        st.session_state[session.SPRINT_DEFAULTED_KEY] = True
    with st.sidebar:
        page_links(app_pages, email)
        st.html(
            "<hr style='margin:0.75rem 0'>"
        )  # as the navigation's own rule, not st.divider's 3rem
        st.selectbox("Sprint", sprints, key=session.SPRINT_KEY, on_change=session.sprint_chosen)
        if email is None:
            st.text_input(
                "Your name",
                key=session.REVIEWER_KEY,
                placeholder="e.g. ana",
                help="Recorded with your verdicts and decisions.",
                max_chars=100,
                on_change=reviewer_typed(ws),
            )
            adopted = session.adopted_spelling_note()
            if adopted:
                st.caption(formatting.escape_markdown(adopted))
        presenter_toggle()
        if email is None:
            if not session.presenting():  # the loudest thing on a projector
                st.info(
                    "Local mode: no sign-in is configured, so everyone who can open this app "
                    "may record, export and decide. Configure [auth] in .streamlit/secrets.toml "
                    "to use roles.",
                    icon=":material/lock_open:",
                )
        else:
            role = st.session_state[session.ROLE_STATE_KEY]
            st.caption("Signed in as")
            st.text(f"{email} ({role})")
            st.button("Sign out", on_click=st.logout)
        if not session.presenting():
            st.caption("Workspace")
            st.text(str(ws.path))
    write_url_state(email)


@contextlib.asynccontextmanager
async def warm_up(app):
    """When the server starts: compute the Overview's first screen for the workspace, in a
    thread, so the server answers at once (a first visit reads what is ready and waits for
    what is under way)."""
    path = workspace_from_env()
    if path.is_dir():
        start_warm_up(str(path))
    yield


#: The warm-up thread's name, which Streamlit's "missing ScriptRunContext" warning names.
WARM_UP_THREAD = "sprint-review-warm-up"


class _NoContextExpected(logging.Filter):
    """Drop Streamlit's "Thread '…': missing ScriptRunContext!" for the warm-up thread: it
    fills caches outside any session on purpose, and the warning was the one line every start
    printed to the server log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.args and record.args[0] == WARM_UP_THREAD)


def start_warm_up(path: str) -> threading.Thread:
    """Compute the Overview's first screen for the workspace at ``path`` in a thread."""
    logging.getLogger(get_script_run_ctx.__module__).addFilter(_NoContextExpected())
    thread = threading.Thread(
        target=_warm_up_overview, args=(path,), name=WARM_UP_THREAD, daemon=True
    )
    thread.start()
    return thread


def _warm_up_overview(path: str) -> None:
    with contextlib.suppress(Exception):  # the page meets the error and shows it
        cached.warm_up_overview(path)


def main() -> None:
    if not st.session_state.get(BOOTED_KEY):
        # A session's first run may be Streamlit's legacy pages/-folder mode, whose widget ids
        # differ from st.navigation's; declaring the pages and starting over avoids a session
        # that loses every widget's state.
        st.session_state[BOOTED_KEY] = True
        st.navigation(pages(), position="hidden")
        st.rerun()
    path = workspace_from_env()
    opened = st.session_state.get(session.WORKSPACE_KEY)
    if opened is not None and not any(Path(opened, n).exists() for n in WORKSPACE_MARKS):
        # Deleted, moved or unmounted (an empty mount point) while the app runs: say so, and
        # build no demo into it.
        review_verdict.keep_typed()
        st.error(formatting.escape_markdown(WORKSPACE_GONE.format(path=opened)))
        return
    try:
        new_workspace = not path.exists() or (path.is_dir() and not any(path.iterdir()))
        ws = open_workspace(path)
        st.session_state[session.WORKSPACE_KEY] = str(ws.path)
        email = sign_in(ws)
        sprints = ws.sprints()
        demo_under_way = (ws.path / ".demo.lock").exists() and not (ws.path / "demo.json").exists()
        if new_workspace or demo_under_way:
            build_demo(ws.path)
            return
        if not sprints:
            st.title("Sprint Review")
            st.info(
                f"The workspace {ws.path} has no sprints yet. Publish a prototype from a "
                "notebook with ws.publish(...) or with python -m model publish, then reload."
            )
            return
        session.presenter_from_url()
        app_pages = pages()
        page = st.navigation(app_pages, position="hidden")  # the sidebar links to them
        sidebar(ws, sprints, email, app_pages)
        session.resume_deep_link()
        unknown = session.unknown_sprint_note()  # after a deep link's page switch
        if unknown:
            st.warning(formatting.escape_markdown(unknown))
        page.run()
    except (ValueError, OSError) as error:
        review_verdict.keep_typed()
        st.error(formatting.escape_markdown(formatting.one_line(error)))
    except sqlite3.DatabaseError as error:
        # A damaged feedback.db ("file is not a database", "malformed"): nothing is written to
        # it, and restoring a backup is the way out.
        st.error(
            formatting.escape_markdown(
                f"The verdicts database in {path} cannot be read ({formatting.one_line(error)}): "
                f"restore a backup with python -m feedback_store restore --workspace {path} "
                "--backup FILE --force (the damaged file is kept beside it)"
            )
        )


if SERVING:
    # `streamlit run app.py` finds this ASGI app and serves this file with it (Streamlit's
    # st.App): the modules every page needs are imported above, and the Overview's first
    # screen computed by warm_up, before or while the server accepts its first visitor.
    app = st.App(__file__, lifespan=warm_up)
else:
    st.set_page_config(layout="wide", page_title="Sprint Review")
    main()
