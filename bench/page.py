"""Section d: the pages at scale.

- The sprint demo page rerun against a bare page that shows the same predictions with
  ``st.dataframe`` and nothing else, every row of them, as a naive page would.
- Every page's first open (empty caches) against its warm rerun, on a workspace of four
  prototypes in two sprints with verdicts, with AppTest: what the first open computes. Whether
  a user sees a spinner is measured in a browser by section g (``bench/browser.py``).
"""

from __future__ import annotations

import contextlib
import os
import statistics
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

from bench.data import fit_model, resampled_rows
from bench.report import Row, median_seconds, timed
from model.config import PROJECT_DIR, SHAP_JOBS_ENV_VAR, WORKSPACE_ENV_VAR
from model.workspace import open_workspace
from ui.predictions_table import TABLE_PAGE_SIZE

__all__ = [
    "bench_page",
    "bench_pages",
    "build_page_workspace",
    "build_pages_workspace",
    "scale_row",
]

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
#: The pages in the order of the app's navigation.
PAGES = ("overview", "sprint_demo", "bake_off", "sme_review", "feedback")
PAGE_NAMES = {
    "overview": "Overview",
    "sprint_demo": "Sprint demo",
    "bake_off": "Bake-off",
    "sme_review": "SME review",
    "feedback": "Feedback",
}
#: For information, no goal: "no spinner longer than a rerun" is judged on what a browser shows
#: (section g, ``bench/browser.py``; Streamlit shows a spinner only once a run has lasted 0.5 s).
#: These rows are the first open's computing time with AppTest, in this process.
FIRST_OPEN_GOAL = None
REVIEWER = "bench"


@contextlib.contextmanager
def _no_shap_workers() -> Iterator[None]:
    """Publish in-process: SHAP worker processes started here would still be importing shap
    while the pages are timed, on the same cores."""
    with mock.patch.dict(os.environ, {SHAP_JOBS_ENV_VAR: "1"}):
        yield


def build_page_workspace(path: Path, n: int) -> float:
    """A workspace whose one sprint's MVP is a small forest published on ``n`` rows; seconds."""
    pipeline = fit_model("small-rf")
    X, y = resampled_rows(n)
    ws = open_workspace(path)
    with _no_shap_workers():
        return timed(lambda: ws.publish(SPRINT, PROTOTYPE, pipeline, X, y, mvp=True))


def build_pages_workspace(path: Path, n: int, quick: bool = False) -> float:
    """Two sprints on the same ``n`` rows: Sprint 1's MVP, a small forest, with 20 verdicts on
    its mistakes; Sprint 2's small forest (MVP), gradient boosting (10 trees) and a forest
    (100 trees of depth 8; 10 of depth 4 if ``quick``), with 10 verdicts. Published with the
    default demo deck. Returns the seconds it took."""
    import feedback_store

    X, y = resampled_rows(n)
    ws = open_workspace(path)
    models = {
        "Sprint 1": {"small forest": fit_model("small-rf")},
        "Sprint 2": {
            "small forest": fit_model("small-rf"),
            "boosting": fit_model("gb", quick=True),
            "forest": fit_model("rf", quick=quick),
        },
    }

    def build() -> None:
        for sprint, prototypes in models.items():
            for name, pipeline in prototypes.items():
                ws.publish(
                    sprint, name, pipeline, X, y, mvp=name == "small forest",
                    train_seconds=1.0, effort_days=2.0,
                )  # fmt: skip
        store = feedback_store.open(path)
        for sprint, count in (("Sprint 1", 20), ("Sprint 2", 10)):
            proto = ws.prototype(sprint, "small forest")
            predictions = proto.predictions()
            wrong = predictions[predictions["predicted"] != predictions["actual"]]
            rows = (wrong if len(wrong) >= count else predictions).head(count)
            classes = [str(c) for c in proto.meta["classes"]]
            for row_id, row in rows.iterrows():
                # "wrong" needs a label other than the prediction (the store refuses the same):
                # the truth where the forest missed it, else the other class.
                shown = str(row["predicted"])
                label = next(c for c in [str(row["actual"]), *classes] if c != shown)
                store.record(
                    sprint=sprint, prototype="small forest", row_id=str(row_id),
                    reviewer="ana", verdict="wrong", corrected_label=label,
                    task="binary", prediction={"label": shown},
                    prototype_version=proto.version, prototype_content=proto.content_id,
                )  # fmt: skip

    with _no_shap_workers():
        return timed(build)


@contextlib.contextmanager
def _app_environment(workspace: Path) -> Iterator[None]:
    """What the tests' fixtures do: the workspace in the environment, fresh caches, and
    pages run through ``app.py``'s ``st.navigation`` (AppTest would otherwise run a switched-to
    page file on its own)."""
    from streamlit.logger import set_log_level
    from streamlit.runtime.pages_manager import PagesManager

    set_log_level("error")  # "No runtime found": true outside a server, and not news

    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    previous = os.environ.get(WORKSPACE_ENV_VAR)
    os.environ[WORKSPACE_ENV_VAR] = str(workspace)
    _clear_caches()
    try:
        with mock.patch.object(PagesManager, "__init__", init):
            yield
    finally:
        _clear_caches()
        if previous is None:
            os.environ.pop(WORKSPACE_ENV_VAR, None)
        else:
            os.environ[WORKSPACE_ENV_VAR] = previous


def _wait_for_warm_ups() -> float:
    """Wait until the pages' background warm-ups (the bake-off's) are done; seconds waited."""
    from ui import cached_bakeoff

    return timed(lambda: cached_bakeoff._WARM_UP_POOL.submit(lambda: None).result())


def _clear_caches() -> None:
    """Empty caches, as in a server that has just started: Streamlit's, and the record of
    bake-off warm-ups asked for (after waiting for any under way)."""
    import streamlit as st

    from model import bakeoff, stats, workspace
    from ui import cached_bakeoff

    _wait_for_warm_ups()
    with cached_bakeoff._WARM_UPS_LOCK:
        cached_bakeoff._WARM_UPS.clear()
    st.cache_data.clear()
    st.cache_resource.clear()
    # The in-process caches below Streamlit's: sprints read for the bake-off, bootstrap
    # weights, loaded models.
    for function in (bakeoff._read_sprint, stats._cached_weights, workspace._loaded_estimator):
        function.cache_clear()


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
        _wait_for_warm_ups()  # warm: the bake-off warm-up the page started is done
        bare_app = AppTest.from_string(
            BARE_SCRIPT.format(path=str(predictions), columns=COLUMNS), default_timeout=900
        )
        bare_first = timed(bare_app.run)
        # Taking turns, so that a burst of load from elsewhere on the machine falls on both.
        ours_times, bare_times = [], []
        for _ in range(max(1, repeats)):
            ours_times.append(timed(page.run))
            bare_times.append(timed(bare_app.run))
        ours, bare = statistics.median(ours_times), statistics.median(bare_times)
        _check(page, min(n, TABLE_PAGE_SIZE), "the sprint demo page")
        _check(bare_app, n, "the bare script")
    log(f"  page {n:,} rows: rerun {ours:.3f} s, bare {bare:.3f} s")
    return [
        Row(
            "d page",
            f"sprint demo rerun, {n:,} rows (warm cache)",
            ours,
            bare,
            "s",
            ("<=", 1.5),
            f"ours sends {min(n, TABLE_PAGE_SIZE):,} rows (a page), the bare page all {n:,} "
            f"with st.dataframe, as a naive page would; first (cold) run {first:.2f} s vs "
            f"bare {bare_first:.2f} s; workspace published in {built:.1f} s",
        )
    ]


def scale_row(rows: list[Row]) -> list[Row]:
    """The sprint demo's rerun at the largest size against the smallest (goal: at most twice
    as long), from ``bench_page``'s rows; none with a single size."""
    demo = [row for row in rows if row.name.startswith("sprint demo rerun")]
    if len(demo) < 2:
        return []
    sizes = [int(row.name.split(", ")[1].split()[0].replace(",", "")) for row in demo]
    small, large = demo[sizes.index(min(sizes))], demo[sizes.index(max(sizes))]
    return [
        Row(
            "d page",
            f"sprint demo rerun, {max(sizes):,} rows against {min(sizes):,}",
            large.ours,
            small.ours,
            "s",
            ("<=", 2.0),
            "the same page's warm rerun at both sizes, from the rows above",
        )
    ]


def _open(reviewer: str):
    """A new session on the app: its first run shows the Overview, the default page."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=900)
    at.session_state["reviewer"] = reviewer
    at.run()
    return at


def _first_open_and_rerun(page: str, repeats: int) -> tuple[float, float]:
    """Seconds of ``page``'s first open with every cache empty, and of its warm rerun."""
    at = _open(REVIEWER)
    _clear_caches()  # nothing left by the Overview's run, its bake-off warm-up included
    first = timed(lambda: at.switch_page(f"pages/{page}.py").run())
    if at.exception:
        raise RuntimeError(f"the {page} page failed: {at.exception[0].message}")
    _wait_for_warm_ups()  # warm: any bake-off warm-up the page started is done
    rerun, _ = median_seconds(at.run, repeats)
    return first, rerun


def bench_pages(n: int, repeats: int, workdir: Path, quick: bool = False, log=print) -> list[Row]:
    """Each page's first open (caches empty, as in a server just started) and warm rerun, on
    a workspace of ``n`` demo rows; and the Bake-off opened after the Overview, at once and
    once the Overview's warm-up is done."""
    workspace = workdir / f"pages-{n}"
    built = build_pages_workspace(workspace, n, quick)
    rows = []
    with _app_environment(workspace):
        for page in PAGES:
            first, rerun = _first_open_and_rerun(page, repeats)
            log(f"  {page} {n:,} rows: first open {first:.3f} s, rerun {rerun:.3f} s")
            rows.append(
                Row(
                    "d page",
                    f"{PAGE_NAMES[page]}: first open vs warm rerun, {n:,} rows",
                    first,
                    rerun,
                    "s",
                    FIRST_OPEN_GOAL,
                    "first open: every cache empty, as in a server just started; "
                    f"workspace of 4 prototypes in 2 sprints, built in {built:.0f} s",
                )
            )
        _clear_caches()
        at = _open(REVIEWER)  # the Overview starts the bake-off's bootstrap
        at_once = timed(lambda: at.switch_page("pages/bake_off.py").run())
        _wait_for_warm_ups()
        rerun, _ = median_seconds(at.run, repeats)
        _clear_caches()
        at = _open(REVIEWER)
        warm_up = _wait_for_warm_ups()
        after_warm_up = timed(lambda: at.switch_page("pages/bake_off.py").run())
    log(f"  bake_off after the overview: at once {at_once:.3f} s, after {warm_up:.1f} s "
        f"{after_warm_up:.3f} s")  # fmt: skip
    note = (
        "a new session's first page is the Overview, which starts the bake-off's bootstrap "
        "(and what else the Bake-off first shows) in the background"
    )
    return [
        *rows,
        Row(
            "d page",
            f"Bake-off opened at once after the Overview, {n:,} rows",
            at_once,
            rerun,
            "s",
            FIRST_OPEN_GOAL,
            f"{note}; the Bake-off is opened with no pause",
        ),
        Row(
            "d page",
            f"Bake-off opened {warm_up:.0f} s after the Overview, {n:,} rows",
            after_warm_up,
            rerun,
            "s",
            FIRST_OPEN_GOAL,
            f"{note}; opened when that had finished, {warm_up:.1f} s after the Overview",
        ),
    ]
