"""The bundled demo, built for real once: three sprints that tell a team's story.

The build checked is the one the browser suite's first start made, when it is part of the run
(``tests/shared_demo.py``): one demo build per test run. Run on its own, this module builds it.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import shared_demo
from cli_support import run_script

import feedback_store
import model
from model.demo import DEMO_SPRINTS, build_demo


@pytest.fixture(scope="module")
def demo(request, tmp_path_factory):
    """The demo workspace (read only: tests that write make their own) and the progress
    ``build_demo`` reported on it."""
    path = shared_demo.built_demo(request, tmp_path_factory)
    if path is None:
        path = tmp_path_factory.mktemp("demo") / "workspace"
    steps = []
    ws = build_demo(path, progress=lambda fraction, message: steps.append((fraction, message)))
    return ws, steps


def test_three_sprints_with_their_mvps(demo):
    ws, _ = demo
    assert ws.sprints() == list(DEMO_SPRINTS)
    assert ws.mvp("Sprint 1") == "tool-wear rule"
    assert ws.mvp("Sprint 2") == "gradient boosting"
    assert ws.mvp("Sprint 3") == "gradient boosting + SME physics"


def test_sprint_2_is_a_bake_off_with_a_recorded_decision(demo):
    ws, _ = demo
    assert set(ws.prototypes("Sprint 2")) == {
        "physics rules",
        "logistic regression",
        "random forest",
        "gradient boosting",
    }
    comparison = ws.comparison("Sprint 2")
    assert (comparison["latency_ms_per_1000_p50"] > 0).all()
    assert (comparison["model_size_bytes"] > 0).all()
    assert comparison["train_seconds"].notna().all()
    (decision,) = ws.decisions("Sprint 2")
    assert decision["chosen"] == "gradient boosting" and len(decision["snapshot"]) == 4


def test_every_demo_row_is_explained_additively(demo):
    ws, _ = demo
    for sprint in ws.sprints():
        for name in ws.prototypes(sprint):
            proto = ws.prototype(sprint, name)
            total = proto.base_value() + proto.shap_values().sum(axis=1)
            np.testing.assert_allclose(total, proto.predictions()["p:1"], atol=1e-6)


def test_seeded_verdicts_come_from_several_reviewers(demo):
    ws, _ = demo
    counts = feedback_store.open(ws.path).counts()
    assert counts["total"] >= 30 and counts["reviewers"] >= 2
    assert counts["wrong"] > 0 and counts["correct"] > 0


def test_sprint_3_trains_on_feedback_and_is_not_scored_on_it(demo):
    ws, _ = demo
    import json

    trained_on = set(json.loads((ws.path / "demo.json").read_text())["feedback_rows_trained_on"])
    resolved = feedback_store.resolve_labels(feedback_store.open(ws.path), sprint="Sprint 2")
    resolved = resolved[~resolved["unresolved"]].set_index("row_id")
    predicted = ws.prototype("Sprint 2", "gradient boosting").predictions()["predicted"]
    corrected = resolved.index[resolved["resolved_label"] != predicted.loc[resolved.index]]
    assert trained_on == set(corrected)
    sprint_3_rows = set(ws.prototype("Sprint 3", ws.mvp("Sprint 3")).predictions().index)
    assert trained_on and not trained_on & sprint_3_rows


def test_progress_is_reported_and_building_again_is_a_no_op(demo):
    ws, steps = demo
    assert steps[-1] == (1.0, "demo ready")
    assert [f for f, _ in steps] == sorted(f for f, _ in steps)
    before = feedback_store.open(ws.path).counts()
    versions = {n: ws.prototype("Sprint 2", n).version for n in ws.prototypes("Sprint 2")}
    result = subprocess.run(
        [sys.executable, "-m", "model", "demo", "--workspace", str(ws.path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert feedback_store.open(ws.path).counts() == before
    assert versions == {n: ws.prototype("Sprint 2", n).version for n in ws.prototypes("Sprint 2")}
    assert isinstance(model.open_workspace(ws.path), model.Workspace)


RESUME_DRIVER = """
import os, sys
import model.demo as demo
import model.atomic_files as atomic_files

path, stop = sys.argv[1], sys.argv[2]
if stop.startswith("disk step "):  # killed in the middle of a publish
    steps = []
    def disk_step(what):
        steps.append(what)
        if len(steps) == int(stop.split()[-1]):
            os._exit(75)
    atomic_files.disk_step = disk_step
elif stop == "between the decision and the verdicts":
    seed = demo._seed_verdicts
    def seed_verdicts(ws, sprint, *args, **kwargs):
        if sprint == "Sprint 2":
            os._exit(75)
        seed(ws, sprint, *args, **kwargs)
    demo._seed_verdicts = seed_verdicts
elif stop == "among the verdicts":
    import feedback_store.writing as writing
    record = writing.VerdictWriter.record
    calls = []
    def record_some(self, **kwargs):
        calls.append(1)
        if len(calls) == 20:
            os._exit(75)
        return record(self, **kwargs)
    writing.VerdictWriter.record = record_some
def progress(fraction, message):
    if message == stop:
        os._exit(75)
demo.build_demo(path, progress=progress)
"""


def test_a_demo_build_killed_at_several_points_resumes_and_records_nothing_twice(demo, tmp_path):
    """Killed mid-publish, between the decision and the verdicts, among the verdicts and
    before Sprint 3, each run resumes the last; the result matches a build never stopped."""
    built, _ = demo
    path = tmp_path / "workspace"
    script = tmp_path / "driver.py"
    script.write_text(RESUME_DRIVER)
    stops = [
        "disk step 30",  # inside the second bake-off publish
        "between the decision and the verdicts",
        "among the verdicts",
        "Sprint 3: retraining with the SMEs' feedback",
    ]
    for stop in stops:
        result = run_script(script, str(path), stop, timeout=600)
        assert result.returncode == 75, (stop, result.stderr[-2000:])
        assert not (path / "demo.json").exists()
    steps = []
    ws = build_demo(path, progress=lambda fraction, message: steps.append((fraction, message)))
    assert steps[-1] == (1.0, "demo ready")
    assert [f for f, _ in steps] == sorted(f for f, _ in steps) and len(steps) > 1
    assert (path / "demo.json").is_file()
    assert len(ws.decisions("Sprint 2")) == 1
    for sprint in DEMO_SPRINTS:
        assert ws.prototypes(sprint) == built.prototypes(sprint)
        assert ws.mvp(sprint) == built.mvp(sprint)
    counts = feedback_store.open(ws.path).counts()
    assert counts == feedback_store.open(built.path).counts()


def test_every_demo_prototype_speaks_the_plants_language(demo):
    ws, _ = demo
    for sprint in ws.sprints():
        for name in ws.prototypes(sprint):
            proto = ws.prototype(sprint, name)
            assert proto.class_names == {"0": "No failure", "1": "Failure"}
            assert "L low, M medium, H high" in proto.feature_description("Type")
            for column in ("Air temperature [K]", "Process temperature [K]"):
                assert proto.display_unit(column).format(300.15) == "300.1 K (27.0 °C)"
            assert proto.display_unit("Rotational speed [rpm]").unit == "rpm"
            assert proto.display_unit("Torque [Nm]").unit == "Nm"
            assert proto.display_unit("Tool wear [min]").unit == "min"
            assert all(proto.feature_description(c) for c in proto.meta["features"])
