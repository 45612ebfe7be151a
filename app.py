"""Sprint Review: the Streamlit entry point.

Run with ``streamlit run app.py``; the workspace folder is ``$SPRINT_REVIEW_WORKSPACE`` (default
``./workspace``). An empty workspace gets the bundled demo. The sidebar's sprint and reviewer
are shared by every page through session state (keys in ``model.cached``).
"""

from __future__ import annotations

import importlib

import streamlit as st

from model import cached, views
from model.config import workspace_from_env
from model.workspace import open_workspace

st.set_page_config(layout="wide", page_title="Sprint Review")

BOOTED_KEY = "booted"
PAGES = [
    st.Page("pages/overview.py", title="Overview", icon=":material/timeline:", default=True),
    st.Page("pages/sprint_demo.py", title="Sprint demo", icon=":material/slideshow:"),
    st.Page("pages/bake_off.py", title="Bake-off", icon=":material/leaderboard:"),
    st.Page("pages/sme_review.py", title="SME review", icon=":material/rate_review:"),
    st.Page("pages/feedback.py", title="Feedback", icon=":material/download:"),
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
        bar.progress(min(max(float(fraction), 0.0), 1.0), text=views.escape_markdown(message))

    demo.build_demo(path, progress=progress)
    st.rerun()


def sidebar(ws, sprints: list[str]) -> None:
    if st.session_state.get(cached.SPRINT_KEY) not in sprints:
        st.session_state[cached.SPRINT_KEY] = sprints[-1]
    with st.sidebar:
        st.selectbox("Sprint", sprints, key=cached.SPRINT_KEY)
        st.text_input(
            "Your name",
            key=cached.REVIEWER_KEY,
            placeholder="e.g. ana",
            help="Recorded with your verdicts and decisions.",
            max_chars=100,
        )
        st.caption("Workspace")
        st.text(str(ws.path))


def main() -> None:
    if not st.session_state.get(BOOTED_KEY):
        # A session's first run may be Streamlit's legacy pages/-folder mode, whose widget ids
        # differ from st.navigation's; declaring the pages and starting over avoids a session
        # that loses every widget's state.
        st.session_state[BOOTED_KEY] = True
        st.navigation(PAGES, position="hidden")
        st.rerun()
    path = workspace_from_env()
    try:
        ws = open_workspace(path)
        st.session_state[cached.WORKSPACE_KEY] = str(ws.path)
        sprints = ws.sprints()
        if not sprints:
            build_demo(ws.path)
            return
        sidebar(ws, sprints)
        page = st.navigation(PAGES)
        page.run()
    except ValueError as error:
        st.error(views.escape_markdown(views.one_line(error)))


main()
