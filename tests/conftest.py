"""Shared fixtures: a small two-sprint workspace built once per session, and AppTest helpers."""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import streamlit as st
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

import feedback_store
import model
from model.config import DEMO_DATA_FILE, WORKSPACE_ENV_VAR

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "app.py"
TARGET = "Machine failure"
FEATURES = [
    "Type",
    "Air temperature [K]",
    "Process temperature [K]",
    "Rotational speed [rpm]",
    "Torque [Nm]",
    "Tool wear [min]",
]
DEMO_ROWS = 300
#: A sign-in configuration for AppTest: st.login is never called against it.
AUTH_SECRETS = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-only",
        "client_id": "test",
        "client_secret": "test",
        "server_metadata_url": "https://identity.invalid/.well-known/openid-configuration",
    }
}
SEED = 7


def load_data() -> pd.DataFrame:
    data = pd.read_csv(DEMO_DATA_FILE)
    data.index = pd.Index(data.pop("UDI").astype(str), name="row_id")
    return data.drop(columns=["Product ID", "TWF", "HDF", "PWF", "OSF", "RNF"])


def _pipeline(step, scale: bool) -> Pipeline:
    numeric = FEATURES[1:]
    prep = ColumnTransformer(
        [
            ("type", OneHotEncoder(handle_unknown="ignore"), ["Type"]),
            ("sensors", StandardScaler() if scale else "passthrough", numeric),
        ]
    )
    return Pipeline([("prep", prep), ("model", step)])


def build_small_workspace(path: Path) -> model.Workspace:
    """Sprint 1: the tool-wear rule (MVP). Sprint 2: physics rules, logistic regression and a
    small random forest, with a recorded decision for the forest. A few verdicts."""
    data = load_data()
    train, demo = train_test_split(
        data, test_size=DEMO_ROWS, stratify=data[TARGET], random_state=SEED
    )
    X, y = train[FEATURES], train[TARGET]
    X_demo, y_demo = demo[FEATURES], demo[TARGET]
    ws = model.open_workspace(path)
    ws.publish(
        "Sprint 1", "tool-wear rule", model.ToolWearRule().fit(X, y), X_demo, y_demo,
        mvp=True, train_seconds=0.01, effort_days=1.0, notes="Replace the tool at 200 minutes.",
    )  # fmt: skip
    candidates = {
        "physics rules": (model.PhysicsRules().fit(X, y), 2.0),
        "logistic regression": (
            _pipeline(LogisticRegression(max_iter=500), scale=True).fit(X, y),
            3.0,
        ),
        "random forest": (
            _pipeline(
                RandomForestClassifier(n_estimators=20, max_depth=4, random_state=SEED),
                scale=False,
            ).fit(X, y),
            5.0,
        ),
    }
    for name, (estimator, effort) in candidates.items():
        ws.publish("Sprint 2", name, estimator, X_demo, y_demo, train_seconds=0.5,
                   effort_days=effort)  # fmt: skip
    ws.record_decision(
        "Sprint 2",
        "random forest",
        rationale="Best PR AUC at an acceptable latency.",
        attendees=["ana", "bo", "dana"],
        decided_on="2024-05-17",
        recorded_by="dana",
    )
    store = feedback_store.open(ws.path)
    predictions = ws.prototype("Sprint 2", "random forest").predictions()
    least_confident = predictions.sort_values("confidence").index
    seeded = [
        ("Sprint 2", "random forest", least_confident[0], "ana", "wrong", "1", ["tool wear"]),
        ("Sprint 2", "random forest", least_confident[1], "ana", "correct", None, []),
        ("Sprint 2", "random forest", least_confident[0], "bo", "unsure", None, ["sensor"]),
        ("Sprint 1", "tool-wear rule", X_demo.index[0], "bo", "correct", None, []),
    ]
    for sprint, prototype, row_id, reviewer, verdict, label, tags in seeded:
        store.record(
            sprint=sprint, prototype=prototype, row_id=row_id, reviewer=reviewer,
            verdict=verdict, corrected_label=label, comment=f"seeded by {reviewer}", tags=tags,
            task="binary",
        )  # fmt: skip
    return ws


#: Test files whose tests take long: browsers, many processes, large data. Every test in them,
#: and every ``browser`` test elsewhere, is marked ``slow``, so ``pytest -m "not slow"`` is a
#: quick check while CI runs everything.
SLOW_FILES = frozenset(
    {
        "test_browser.py",
        "test_server_concurrency.py",
        "test_feedback_store_reliability.py",
        "test_feedback_store_concurrency.py",
        "test_feedback_store_agreement_scale.py",
        "test_feedback_store_resolution_scale.py",
        "test_dask_backend.py",
        "test_publish_crash.py",
        "test_import_cost.py",
    }
)


#: Files that take longest, longest first. The run starts them first so that, with the two
#: pytest-xdist workers of ``addopts``, no long file is left to end the run alone on one worker.
LONGEST_FIRST = (
    "test_demo.py",
    "test_model_cli.py",
    "test_bench.py",
    "test_readonly_workspace.py",
    "test_publish_crash.py",
    "test_hostile_model_files.py",
    "test_feedback_store_agreement_scale.py",
    "test_model_deck.py",
    "test_estimate.py",
    "test_feedback_store_reliability.py",
)
#: The xdist group of every browser test: one worker runs them one after another (two
#: Chromiums and two servers at once on two cores made their timeouts flaky).
BROWSER_GROUP = "browser"


def _run_order(item: pytest.Item) -> int:
    if item.get_closest_marker("browser"):
        return -1
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    """Mark the slow tests, group every test by file for pytest-xdist (a module's fixtures are
    built once, on one worker) with the browser tests in one group, and run the longest first."""
    for item in items:
        if item.path.name in SLOW_FILES or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
        group = BROWSER_GROUP if item.get_closest_marker("browser") else item.path.name
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=_run_order)  # stable: a file's tests stay together and in their order


@pytest.fixture(scope="session")
def small_workspace(tmp_path_factory) -> Path:
    """The small workspace, built once. Tests that write must use ``workspace_copy``."""
    path = tmp_path_factory.mktemp("shared") / "workspace"
    build_small_workspace(path)
    return path


def copy_workspace(source: Path, target: Path) -> Path:
    """A copy of a workspace that other tests may be reading: its ``feedback.db`` through
    SQLite's backup API, since a reader closing its connection meanwhile checkpoints the WAL
    and deletes the ``-wal`` and ``-shm`` files a plain file copy is in the middle of."""
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".lock", "feedback.db*"))
    database = source / "feedback.db"
    if database.exists():
        with (
            contextlib.closing(sqlite3.connect(database)) as src,
            contextlib.closing(sqlite3.connect(target / "feedback.db")) as dst,
        ):
            src.backup(dst)
    return target


@pytest.fixture
def workspace_copy(small_workspace, tmp_path) -> Path:
    """A private copy of the small workspace for a test that writes to it."""
    return copy_workspace(small_workspace, tmp_path / "workspace")


@pytest.fixture(autouse=True)
def clear_streamlit_caches():
    """Cached data and resources outlive one AppTest: start every test without them."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def navigation_through_app(monkeypatch):
    """Run every AppTest page through ``app.py``'s ``st.navigation``, as the server does.

    AppTest resets Streamlit's legacy "pages/ folder" flag before every run and, because our
    pages live in ``pages/``, would then run a switched-to page file on its own, without
    ``app.py`` and its sidebar. A server clears that flag on its first ``st.navigation`` call
    and keeps it cleared; this does the same for AppTest.
    """
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    monkeypatch.setattr(PagesManager, "__init__", init)


@pytest.fixture
def chart_data():
    """``chart_data(element)``: the DataFrames an AppTest vega_lite_chart element carries."""

    def frames(element) -> list[pd.DataFrame]:
        out = []
        for dataset in element.proto.datasets:
            reader = pa.ipc.open_stream(dataset.data.data)
            out.append(reader.read_pandas())
        return out

    return frames


def open_link(monkeypatch, workspace: Path, page: str, **params) -> AppTest:
    """``pages/<page>.py`` opened on a link carrying ``params`` (a reload of that URL)."""
    monkeypatch.setenv(WORKSPACE_ENV_VAR, str(workspace))
    at = AppTest.from_file(str(APP), default_timeout=60)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    for key, value in params.items():  # a page switch in AppTest starts from a bare URL
        at.query_params[key] = value
    return at.switch_page(f"pages/{page}.py").run()


@pytest.fixture
def open_app(monkeypatch):
    """``open_app(workspace, page=None, reviewer=None)``: the app run on ``workspace``."""

    def run(workspace: Path, page: str | None = None, reviewer: str | None = None) -> AppTest:
        monkeypatch.setenv(WORKSPACE_ENV_VAR, str(workspace))
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        if reviewer is not None:
            at.sidebar.text_input(key="reviewer").set_value(reviewer)
            at.run()
        if page is not None:
            at.switch_page(f"pages/{page}.py").run()
        return at

    return run


@pytest.fixture
def flagged_workspace(workspace_copy) -> Path:
    """``workspace_copy`` with Sprint 1 verdicts calling four of the tool-wear rule's mistakes
    wrong: the Sprint 2 forest, on the same demo rows, gets three of them right."""
    ws = model.open_workspace(workspace_copy)
    before = ws.prototype("Sprint 1", "tool-wear rule").predictions()
    after = ws.prototype("Sprint 2", "random forest").predictions()
    mistakes = before[before["predicted"] != before["actual"]]
    fixed = mistakes[after.loc[mistakes.index, "predicted"] == mistakes["actual"]].index[:3]
    still = mistakes[after.loc[mistakes.index, "predicted"] != mistakes["actual"]].index[:1]
    store = feedback_store.open(workspace_copy)
    for row_id in [*fixed, *still]:
        store.record(
            sprint="Sprint 1", prototype="tool-wear rule", row_id=row_id, reviewer="ana",
            verdict="wrong", corrected_label=str(before.loc[row_id, "actual"]), task="binary",
            prediction={"label": str(before.loc[row_id, "predicted"])},
        )  # fmt: skip
    return workspace_copy


@pytest.fixture
def downloads(monkeypatch):
    """``downloads(button)``: the bytes an AppTest download button would send."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load_and_get_id(self, path_or_data, mimetype, kind, filename=None):
        file_id = original(self, path_or_data, mimetype, kind, filename)
        if isinstance(path_or_data, bytes):
            files[file_id] = path_or_data
        return file_id

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load_and_get_id)

    def data(button) -> bytes:
        return files[button.proto.url.rsplit("/", 1)[-1].split(".")[0]]

    return data


@pytest.fixture
def deferred_downloads(monkeypatch):
    """``deferred_downloads(button)``: the bytes of a download button whose ``data`` is a
    callable, made by calling it as the server does when the button is clicked."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    callables: dict[str, object] = {}
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        callables[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)

    def data(button) -> bytes:
        made = callables[button.proto.deferred_file_id]()
        return made.encode("utf-8") if isinstance(made, str) else made

    return data


@pytest.fixture
def open_signed_in(monkeypatch):
    """``open_signed_in(workspace, email, role, page)``: the app with sign-in configured and
    ``email`` signed in with ``role`` in the workspace's access list."""
    import json

    def run(workspace: Path, email: str, role: str, page: str) -> AppTest:
        (Path(workspace) / "access.json").write_text(
            json.dumps({"users": {email: role}, "default_role": "viewer"}), encoding="utf-8"
        )
        monkeypatch.setenv(WORKSPACE_ENV_VAR, str(workspace))
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.secrets = AUTH_SECRETS
        at.user = {"is_logged_in": True, "email": email}
        at.run()
        at.switch_page(f"pages/{page}.py").run()
        return at

    return run
