"""Shared fixtures: a small two-sprint workspace built once per session, and AppTest helpers."""

from __future__ import annotations

import contextlib
import hashlib
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


def split_data() -> tuple[pd.DataFrame, pd.Series, pd.DataFrame, pd.Series]:
    """The AI4I rows split into training and ``DEMO_ROWS`` demo rows: ``X, y, X_demo, y_demo``."""
    data = load_data()
    train, demo = train_test_split(
        data, test_size=DEMO_ROWS, stratify=data[TARGET], random_state=SEED
    )
    return train[FEATURES], train[TARGET], demo[FEATURES], demo[TARGET]


def build_small_workspace(path: Path) -> model.Workspace:
    """Sprint 1: the tool-wear rule (MVP). Sprint 2: physics rules, logistic regression and a
    small random forest, with a recorded decision for the forest. A few verdicts."""
    X, y, X_demo, y_demo = split_data()
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


#: Test files whose tests take long: browsers, many processes, large data, the demo's builds, the
#: bench's runs. Every test in them, every test in ``SLOW_TESTS`` and every ``browser`` test
#: elsewhere is marked ``slow``, so ``pytest -m "not slow"`` is a
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
        "test_demo.py",
        "test_bench.py",
    }
)
#: Single tests (all their parameters) that took over 2 s on the two-core CI machine
#: (``--durations=0``): out of the quick check too. The architecture rule, every page opening
#: and the bake-off's recommendation-first layout stay in it however long they take.
SLOW_TESTS = frozenset(
    {
        "test_bakeoff.py::test_the_pareto_spec_is_the_chart_altair_builds",
        "test_bench_estimate.py::test_a_quick_estimate_section_reports_three_rows_per_model",
        "test_bench_explainers.py::test_every_library_and_case_has_a_row_in_the_printed_table",
        "test_estimate.py::test_estimates_of_wide_models_agree_with_a_high_budget_reference",
        "test_explain_boosting.py::test_an_xgboost_regression_of_300_trees_adds_up_within_1e6_after_storage",
        "test_explain_boosting.py::test_rows_the_tree_explainer_gets_wrong_get_the_exact_explainer_and_only_they",
        "test_explain_estimate.py::test_published_values_agree_with_a_high_budget_reference_within_the_error",
        "test_explain_text.py::test_the_cli_publishes_a_text_model_from_a_skops_file",
        "test_explain_text.py::test_the_estimate_is_within_its_stated_error_of_the_exact_values",
        "test_export_names.py::test_model_export_errors_are_one_line_and_exit_2",
        "test_export_names.py::test_the_names_in_scope_are_those_of_the_published_classifiers",
        "test_feedback_store_cli.py::test_cli_errors_exit_2_with_one_error_line",
        "test_hostile_model_files.py::test_the_cli_refuses_each_hostile_file_in_one_line_and_runs_nothing",
        "test_model_cli.py::test_a_model_file_needing_a_missing_library_is_one_line_and_exit_2",
        "test_model_cli.py::test_publish_accepts_the_libraries_own_model_files",
        "test_model_cli.py::test_publishing_onto_a_really_full_disk_is_one_line_and_leaves_nothing",
        "test_model_cli.py::test_the_entry_point_runs_from_a_fresh_interpreter",
        "test_model_deck.py::test_an_off_deck_row_gets_the_values_a_full_publish_gives_it",
        "test_model_deck.py::test_deck_publish_stores_float64_values_for_the_deck_rows_only",
        "test_model_deck.py::test_two_processes_explaining_different_rows_both_store_them",
        "test_model_explain.py::test_tree_shap_values_from_workers_equal_one_call",
        "test_model_persistence.py::test_a_model_needing_a_missing_library_names_it_in_one_line",
        "test_model_persistence.py::test_a_published_boosting_model_loads_back_from_the_workspace",
        "test_model_persistence.py::test_boosting_models_load_back_with_identical_predictions",
        "test_model_publish.py::test_reading_a_prototype_while_it_is_re_published_gets_one_whole_version",
        "test_pages_bad_input.py::test_a_damaged_parquet_file_is_one_line_naming_it_on_every_page",
        "test_pages_bad_input.py::test_a_damaged_verdicts_database_is_one_line_saying_how_to_restore",
        "test_pages_bad_input.py::test_a_hostile_model_file_runs_nothing_when_an_sme_tries_their_own_case",
        "test_pages_bad_input.py::test_a_name_no_page_can_trust_is_one_line_and_nothing_is_written_outside",
        "test_pages_bad_input.py::test_a_prototype_name_with_markup_emoji_and_hebrew_is_shown_as_typed",
        "test_pages_bad_input.py::test_own_case_refuses_a_number_that_is_empty_or_outside_the_demo_range",
        "test_pages_bad_input.py::test_typed_text_in_any_script_is_stored_as_typed_and_shown_inert",
        "test_pages_bake_off.py::test_a_multiclass_bake_off_counts_per_class_and_prices_a_cost_matrix",
        "test_pages_bake_off.py::test_the_html_export_holds_every_prototype_and_the_figures_shown",
        "test_pages_bake_off_default.py::test_the_default_url_opens_the_bake_off_on_the_demos_comparison",
        "test_pages_feedback.py::test_a_tab_is_computed_when_chosen_and_only_it",
        "test_pages_security.py::test_hostile_text_renders_inert",
        "test_pages_sme_review.py::test_a_version_number_used_again_after_a_restore_never_serves_the_other_model_s_data",
        "test_publish_contract_cli.py::test_a_hand_written_classifier_publishes_through_the_cli",
        "test_publish_contract_cli.py::test_a_hand_written_model_has_every_row_explained_and_the_cli_explains_any",
        "test_publish_contract_cli.py::test_a_row_beyond_the_rows_explained_is_one_line_and_exit_2",
        "test_readonly_workspace.py::test_a_really_full_disk_is_one_line_from_the_api_and_the_page",
        "test_readonly_workspace.py::test_publishing_into_a_read_only_workspace_is_one_line_and_exit_2",
        "test_readonly_workspace.py::test_the_app_reads_a_read_only_workspace_and_refuses_a_verdict_in_one_line",
        "test_readonly_workspace.py::test_the_feedback_cli_lists_and_exports_from_a_read_only_workspace",
        "test_readonly_workspace.py::test_the_folder_is_really_read_only_even_for_root",
        "test_rerun_feedback_and_review.py::test_a_feedback_rerun_reads_no_verdicts_exports_or_demo_rows",
        "test_threshold.py::test_the_chosen_thresholds_interval_mostly_covers_and_its_estimate_is_less_flattering",
    }
)


#: Files that take longest, longest first. The run starts them first so that, with the two
#: pytest-xdist workers of ``addopts``, no long file is left to end the run alone on one worker.
LONGEST_FIRST = (
    "test_model_cli.py",
    "test_bench.py",
    "test_readonly_workspace.py",
    "test_publish_crash.py",
    "test_hostile_model_files.py",
    "test_feedback_store_agreement_scale.py",
    "test_model_deck.py",
    "test_estimate.py",
    "test_feedback_store_reliability.py",
    # Late enough for the browser's first start to have built the demo it checks.
    "test_demo.py",
)
#: The xdist group of every browser test: one worker runs them one after another (two
#: Chromiums and two servers at once on two cores made their timeouts flaky).
BROWSER_GROUP = "browser"


def _run_order(item: pytest.Item) -> int:
    if item.get_closest_marker("browser"):  # the first start, which builds the demo, first
        return -2 if item.path.name == "test_browser.py" else -1
    name = item.path.name
    return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    """Mark the slow tests, group every test by file for pytest-xdist (a module's fixtures are
    built once, on one worker) with the browser tests in one group, and run the longest first."""
    for item in items:
        test = f"{item.path.name}::{item.originalname}"
        if item.path.name in SLOW_FILES or test in SLOW_TESTS or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
        group = BROWSER_GROUP if item.get_closest_marker("browser") else item.path.name
        item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=_run_order)  # stable: a file's tests stay together and in their order


@pytest.fixture(scope="session")
def small_workspace(tmp_path_factory) -> Path:
    """The small workspace, built once. Tests that write must use ``workspace_copy``: one that
    writes here changes what the tests after it on the same worker see (which ones depends on
    how the suite is split), so the session ends with an error if anything was written."""
    path = tmp_path_factory.mktemp("shared") / "workspace"
    build_small_workspace(path)
    built = _recorded_state(path)
    yield path
    assert _recorded_state(path) == built, (
        "a test wrote verdicts, decisions, prototypes or other files to the shared "
        "small_workspace: "
        "give it workspace_copy"
    )


#: Files reading a shared workspace may write: on-demand explanations the pages store, the
#: workspace's lock, SQLite's journal.
_WRITTEN_BY_READERS = ("shap-ondemand.parquet", ".lock", "feedback.db", "feedback.db-wal",
                       "feedback.db-shm")  # fmt: skip


def _recorded_state(path: Path) -> tuple:
    """What tests may not change in a shared workspace: its verdicts' versions and every
    other file in it (its digest), but for what reading writes (``_WRITTEN_BY_READERS``)."""
    with contextlib.closing(sqlite3.connect(path / "feedback.db")) as connection:
        verdicts = connection.execute("SELECT count(*) FROM verdict_versions").fetchone()[0]
    files = sorted(f for f in path.rglob("*") if f.is_file() and f.name not in _WRITTEN_BY_READERS)
    return verdicts, [
        (str(f.relative_to(path)), hashlib.sha256(f.read_bytes()).hexdigest()) for f in files
    ]


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
