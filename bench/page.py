"""Section d: the sprint demo page rerun against a bare ``st.dataframe`` script."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from bench.data import fit_model, resampled_rows
from bench.report import Row, median_seconds, timed
from model.config import PROJECT_DIR, WORKSPACE_ENV_VAR
from model.workspace import open_workspace

__all__ = ["bench_page", "build_page_workspace"]

APP = PROJECT_DIR / "app.py"
PAGE = "pages/sprint_demo.py"
SPRINT, PROTOTYPE = "Sprint 1", "small forest"
COLUMNS = ["predicted", "confidence", "actual"]
BARE_SCRIPT = """
import pandas as pd
import streamlit as st

@st.cache_data
def load(path):
    return pd.read_parquet(path)

predictions = load({path!r})
st.dataframe(predictions[{columns!r}], height=330, width="stretch")
"""


def build_page_workspace(path: Path, n: int) -> float:
    """A workspace whose one sprint's MVP is a small forest published on ``n`` rows; seconds."""
    pipeline = fit_model("small-rf")
    X, y = resampled_rows(n)
    ws = open_workspace(path)
    return timed(lambda: ws.publish(SPRINT, PROTOTYPE, pipeline, X, y, mvp=True))


@contextlib.contextmanager
def _app_environment(workspace: Path) -> Iterator[None]:
    """What the tests' fixtures do: the workspace in the environment, fresh caches, and
    pages run through ``app.py``'s ``st.navigation`` (AppTest would otherwise run a switched-to
    page file on its own)."""
    import streamlit as st
    from streamlit.logger import set_log_level
    from streamlit.runtime.pages_manager import PagesManager

    set_log_level("error")  # "No runtime found": true outside a server, and not news

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    previous = os.environ.get(WORKSPACE_ENV_VAR)
    os.environ[WORKSPACE_ENV_VAR] = str(workspace)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        with mock.patch.object(PagesManager, "__init__", init):
            yield
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        if previous is None:
            os.environ.pop(WORKSPACE_ENV_VAR, None)
        else:
            os.environ[WORKSPACE_ENV_VAR] = previous


def _check(at, n: int, what: str) -> None:
    if at.exception:
        raise RuntimeError(f"{what} failed: {at.exception[0].message}")
    shown = len(at.dataframe[0].value)
    if shown != n:
        raise RuntimeError(f"{what} showed {shown} rows, not {n}")


def bench_page(n: int, repeats: int, workdir: Path, log=print) -> list[Row]:
    """Warm reruns of the sprint demo page (through app.py) and of the bare script."""
    from streamlit.testing.v1 import AppTest

    workspace = workdir / f"page-{n}"
    built = build_page_workspace(workspace, n)
    proto = open_workspace(workspace).prototype(SPRINT, PROTOTYPE)
    predictions = proto.path / "predictions.parquet"
    with _app_environment(workspace):
        page = AppTest.from_file(str(APP), default_timeout=900)
        page.run()
        first = timed(lambda: page.switch_page(PAGE).run())
        ours, _ = median_seconds(page.run, repeats)
        _check(page, n, "the sprint demo page")
        bare_app = AppTest.from_string(
            BARE_SCRIPT.format(path=str(predictions), columns=COLUMNS), default_timeout=900
        )
        bare_first = timed(bare_app.run)
        bare, _ = median_seconds(bare_app.run, repeats)
        _check(bare_app, n, "the bare script")
    log(f"  page {n:,} rows: rerun {ours:.2f} s, bare {bare:.2f} s")
    return [
        Row(
            "d page",
            f"sprint demo rerun, {n:,} rows (warm cache)",
            ours,
            bare,
            "s",
            ("<=", 1.5),
            f"first (cold) run {first:.2f} s vs bare {bare_first:.2f} s; "
            f"workspace published in {built:.1f} s",
        )
    ]
