"""The bundled demo, built for real once: three sprints that tell a team's story."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import feedback_store
import model
from model.demo import DEMO_SPRINTS, build_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
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
