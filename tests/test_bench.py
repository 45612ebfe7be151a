"""``python -m bench --quick`` runs and prints every row of the table (no timing asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.report import Row, format_table
from bench.run import SECTIONS as ALL_SECTIONS

PROJECT = Path(__file__).resolve().parents[1]
#: The browser section starts nine servers: it has a smoke test of its own below; the
#: explainers and estimate sections have their own in test_bench_explainers.py and
#: test_bench_estimate.py.
QUICK_SECTIONS = [
    section for section in ALL_SECTIONS if section not in ("browser", "explainers", "estimate")
]
SECTIONS = {
    # two models, one size, one and two workers; boosting of 6 features, exact probability
    "a publish": 5,
    "b verdicts": 3,  # one writer; sixteen writers' median and p99
    "c export": 1,
    "d page": 1 + 5 + 2,  # sprint demo vs bare; each page's first open; bake-off after overview
    "e memory": 2,
    "f dashboard": 1,  # at least: "skipped" when explainerdashboard is not installed
}


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory) -> tuple[str, dict]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    sections = ",".join(QUICK_SECTIONS)
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--json", str(out), "--sections", sections],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout, json.loads(out.read_text())


def test_quick_run_has_every_section_and_prints_each_row(quick_run):
    stdout, result = quick_run
    counts: dict[str, int] = {}
    for row in result["rows"]:
        counts[row["section"]] = counts.get(row["section"], 0) + 1
        assert row["name"] in stdout
    assert all(counts.get(section, 0) >= n for section, n in SECTIONS.items()), counts


def test_every_compared_row_has_a_ratio_and_a_result(quick_run):
    _, result = quick_run
    compared = [row for row in result["rows"] if row["goal"] is not None]
    # publish 5, verdicts 1, export 1 and the sprint demo's rerun; the pages' first opens with
    # AppTest are for information (the browser section judges the spinner).
    assert len(compared) == 5 + 1 + 1 + 1
    for row in compared:
        assert row["ratio"] is not None and row["ratio"] > 0
        assert row["result"] == "met" or row["result"].startswith("missed by")


def test_each_publish_row_names_the_explainer_its_baseline_is_for(quick_run):
    # the wide boosting model takes the tree path in log-odds, compared with shap's
    # interventional raw output; on the 6 source features it gets the exact explainer in
    # probability, compared with shap's Exact on the same rows
    from model.config import INTERVENTIONAL_TREE, PATH_DEPENDENT_TREE
    from model.explanation import EXACT

    _, result = quick_run
    notes = {row["name"]: row["note"] for row in result["rows"] if row["section"] == "a publish"}
    for workers in ("1 worker", "2 workers"):
        assert notes[f"RandomForest 300 rows, {workers}"].startswith(f"{PATH_DEPENDENT_TREE};")
        wide = notes[f"GradientBoosting (9 features) 300 rows, {workers}"]
        assert wide.startswith(f"{INTERVENTIONAL_TREE};")
    exact = notes["GradientBoosting (6 features, exact probability) 300 rows"]
    assert exact.startswith(f"{EXACT}, probability;")
    assert "baseline: shap Exact (Independent masker, the same 50 background rows)" in exact


def test_sixteen_writers_record_without_errors(quick_run):
    _, result = quick_run
    p99 = next(row for row in result["rows"] if row["name"].endswith("p99 latency"))
    assert p99["note"].endswith("yes")


def test_the_run_prints_the_machine_and_the_command(quick_run):
    stdout, _ = quick_run
    for heading in ("Command: python -m bench --quick", "cores: ", "cpu: ", "shap: "):
        assert heading in stdout


def test_results_say_how_far_a_goal_is_missed():
    slow = Row("a publish", "x", ours=3.0, baseline=2.0, unit="s", goal=("<=", 1.25))
    fast = Row("b verdicts", "y", ours=400.0, baseline=500.0, unit="rec/s", goal=(">=", 0.5))
    assert slow.result == "missed by 20%"
    assert fast.result == "met"
    assert "| 1.50× | ≤ 1.25× | missed by 20%" in format_table([slow, fast])


def test_every_page_has_a_first_open_and_a_rerun(quick_run):
    _, result = quick_run
    pages = [row for row in result["rows"] if "first open vs warm rerun" in row["name"]]
    assert [row["name"].split(":")[0] for row in pages] == [
        "Overview",
        "Sprint demo",
        "Bake-off",
        "SME review",
        "Feedback",
    ]
    demo = next(row for row in result["rows"] if row["name"].startswith("sprint demo rerun"))
    assert "the bare page all 300 with st.dataframe" in demo["note"]


def test_the_sprint_demo_at_the_largest_size_is_compared_with_the_smallest():
    from bench.page import scale_row

    rows = [
        Row("d page", "sprint demo rerun, 10,000 rows (warm cache)", 0.030, 0.020, "s"),
        Row("d page", "sprint demo rerun, 100,000 rows (warm cache)", 0.075, 0.300, "s"),
    ]
    (row,) = scale_row(rows)
    assert row.name == "sprint demo rerun, 100,000 rows against 10,000"
    assert (row.ours, row.baseline, row.result) == (0.075, 0.030, "missed by 25%")
    assert scale_row(rows[:1]) == []


def test_a_row_compared_by_difference_can_meet_a_zero_baseline():
    none = Row("g browser", "x", ours=0.0, baseline=0.0, unit="ms", goal=("<=", 0.0),
               compare="difference")  # fmt: skip
    some = Row("g browser", "y", ours=540.0, baseline=0.0, unit="ms", goal=("<=", 0.0),
               compare="difference")  # fmt: skip
    assert (none.result, none.ratio, none.difference) == ("met", None, 0.0)
    assert some.result == "missed by 540.0 ms"
    assert "| +540.0 ms | ≤ +0.0 ms | missed by 540.0 ms" in format_table([none, some])
    assert some.as_dict()["difference"] == 540.0


def test_spinner_time_counts_overlapping_spinners_once_and_only_after_the_click():
    from bench.browser import spinner_intervals

    icon, spinner = "stStatusWidgetRunningIcon", "stSpinner"
    events = [
        [100.0, icon, "on"],  # before the click: not this visit's
        [200.0, icon, "off"],
        [900.0, spinner, "on"],  # shown at the click
        [1500.0, icon, "on"],
        [1600.0, spinner, "off"],
        [2000.0, icon, "off"],
        [2600.0, "state", "notRunning"],
        [2700.0, spinner, "on"],  # still shown at the end
    ]
    total, intervals = spinner_intervals(events, since=1000.0, until=2800.0)
    assert total == 600.0 + 400.0 + 100.0
    assert intervals == [(spinner, 0.0, 0.6), (icon, 0.5, 1.0), (spinner, 1.7, 1.8)]
    assert spinner_intervals(events, since=2100.0, until=2600.0) == (0.0, [])


@pytest.mark.browser
def test_the_browser_section_opens_every_page_on_a_tiny_workspace(tmp_path):
    """``python -m bench --quick --sections browser``: nine fresh servers in Chromium, and a
    tenth serving every page for its peak memory."""
    from browser_support import require_chromium

    require_chromium()
    out = tmp_path / "browser.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--sections", "browser", "--json", str(out)],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    rows = json.loads(out.read_text())["rows"]
    pages = ["Overview"] + [
        f"{page}: {how}"
        for page in ("Sprint demo", "Bake-off", "SME review", "Feedback")
        for how in ("at once after the Overview", "1 s after the Overview")
    ]
    expected = [
        f"{page if ':' in page else page + ': first visit'}, {what}, 300 rows"
        for page in pages
        for what in ("time to content", "spinner shown")
    ]
    memory = rows.pop()
    assert [row["name"] for row in rows] == expected
    assert memory["name"] == (
        "server serving a 300-row sprint, every page opened: peak RSS vs arrays"
    )
    assert memory["unit"] == "MB" and memory["ours"] > 0 and memory["baseline"] > 0
    for timing, spinner in zip(rows[::2], rows[1::2], strict=True):
        assert timing["unit"] == "s" and timing["ours"] > 0 and timing["baseline"] > 0
        assert spinner["unit"] == "ms" and spinner["compare"] == "difference"
        assert spinner["ours"] >= 0 and spinner["baseline"] >= 0
        assert spinner["goal"] == ["<=", 0.0]
        assert spinner["result"] == "met" or spinner["result"].startswith("missed by")
        assert spinner["name"] in done.stdout


def test_the_browser_section_says_it_skipped_without_chromium(monkeypatch, tmp_path):
    from bench import browser

    monkeypatch.setattr(browser, "CHROMIUM", str(tmp_path / "no-chromium"))
    (row,) = browser.bench_browser(300, 1, tmp_path, quick=True, log=lambda message: None)
    assert (row.section, row.ours, row.result) == ("g browser", None, "-")
    assert row.note.startswith(f"skipped: no Chromium at {tmp_path / 'no-chromium'}")
    assert not (tmp_path / "pages-300").exists()  # nothing built for nothing


def test_the_publish_rows_baseline_explains_over_publishings_own_background_rows():
    """The "same 50 background rows": shap's side gets the rows publishing chose by the
    model's outputs (model.background), not a random sample of its own."""
    from bench.data import fit_model, resampled_rows
    from bench.publish import _background
    from model.publishing import compute_artifacts

    pipeline = fit_model("gb", quick=True)
    X, y = resampled_rows(300)
    published = compute_artifacts(pipeline, X, y, deck_size=10)
    assert list(_background(pipeline, X).index) == published.meta["background_rows"]
