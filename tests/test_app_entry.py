"""``app.py`` is both the app's script and the ASGI app ``streamlit run app.py`` serves it with
(``st.App``): imported outside a script run, it imports what every page needs and, when the
server starts, computes the Overview's first screen, so a server's first visitor does not wait
for either."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from recording import record_calls
from streamlit.web.server.app_discovery import discover_asgi_app

from model import followup as followup_module
from model.config import WORKSPACE_ENV_VAR
from model.workspace import Workspace
from ui import cached

PROJECT = Path(__file__).resolve().parents[1]


def test_streamlit_run_serves_app_py_as_an_asgi_app():
    found = discover_asgi_app(PROJECT / "app.py")
    assert found.is_asgi_app and found.import_string == "app:app"


def run_python(code: str, workspace: Path) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh Python in the project, on ``workspace``; it must print "ok"."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT,
        env={"PATH": "/usr/bin:/bin", WORKSPACE_ENV_VAR: str(workspace)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "ok"
    return done


def test_imported_outside_a_script_run_app_py_is_an_st_app_and_logs_nothing(small_workspace):
    code = textwrap.dedent(
        """
        import streamlit as st
        import app

        assert isinstance(app.app, st.App), type(app.app)
        assert app.SERVING
        print("ok")
        """
    )
    done = run_python(code, small_workspace)
    assert done.stderr == ""  # no "No runtime found" per cached function, no missing context


def test_the_servers_warm_up_does_not_warn_of_a_missing_script_context(small_workspace):
    # "Thread 'Thread-1 (_warm_up_overview)': missing ScriptRunContext!" at every start
    code = textwrap.dedent(
        f"""
        import app

        app.start_warm_up({str(small_workspace)!r}).join()
        print("ok")
        """
    )
    done = run_python(code, small_workspace)
    # (outside a server the caches also say "No runtime found"; a server has one)
    assert "missing ScriptRunContext" not in done.stderr
    assert "No runtime found" in done.stderr  # the log was written to, so it was read


def overview_sources(monkeypatch) -> list[str]:
    """Record the Overview's first-screen computations: the summary and the follow-up."""
    return record_calls(monkeypatch, [(Workspace, "summary"), (followup_module, "rescore_flagged")])


def test_an_overview_after_the_servers_warm_up_computes_nothing(
    flagged_workspace, open_app, monkeypatch
):
    cached.warm_up_overview(str(flagged_workspace))
    calls = overview_sources(monkeypatch)
    at = open_app(flagged_workspace)
    assert not at.exception
    assert at.title[0].value == "Sprint Review"
    assert calls == []


def test_without_the_warm_up_the_overview_computes_its_first_screen(
    flagged_workspace, open_app, monkeypatch
):
    calls = overview_sources(monkeypatch)
    at = open_app(flagged_workspace)
    assert not at.exception
    assert sorted(set(calls)) == ["rescore_flagged", "summary"]


def test_the_warm_up_leaves_an_empty_workspace_to_the_demo_build(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    cached.warm_up_overview(str(empty))
    assert list(empty.iterdir()) == []
