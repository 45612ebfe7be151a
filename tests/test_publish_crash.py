"""A publish killed at any step on disk leaves the old version or the new one, never neither.

A driver process imports everything once, then forks one child per step: the child publishes
and ``os._exit``s just before its Nth step on disk (a file written, a folder renamed). The
test then opens each workspace, as the app would after the crash, and reads the prototype.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import model
from model.demo import FEATURES, TARGET, load_demo_data

CRASHED = 75

DRIVER = textwrap.dedent(
    """
    import json, os, shutil, sys, traceback
    from pathlib import Path

    import model
    import model.deck, model.explain  # imported once here, not in every child
    import model.atomic_files as atomic_files
    from model.demo import FEATURES, TARGET, load_demo_data

    template, root, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    if mode == "renames":  # a kernel or file system that cannot exchange two folders
        atomic_files._renameat2 = lambda: None
    data = load_demo_data().iloc[:200]
    X, y = data[FEATURES], data[TARGET]
    rule = model.ToolWearRule(threshold=150).fit(X, y)
    # Warm up (lazy imports, first-call costs) once, so that each child only publishes.
    model.open_workspace(root / "warm-up").publish("S1", "rule", rule, X, y)

    def publish_crashing_at(step, folder):
        steps = []

        def disk_step(what):
            steps.append(what)
            if len(steps) == step:
                os._exit(75)

        atomic_files.disk_step = disk_step
        try:
            model.open_workspace(folder).publish("S1", "rule", rule, X, y, notes="new")
            (folder.parent / (folder.name + ".steps")).write_text(json.dumps(steps))
        except BaseException:
            traceback.print_exc()
            sys.stderr.flush()
            os._exit(1)
        os._exit(0)

    def run(step):
        folder = root / str(step)
        if template.exists():
            shutil.copytree(template, folder, ignore=shutil.ignore_patterns(".lock"))
        pid = os.fork()
        if pid == 0:
            publish_crashing_at(step, folder)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])

    statuses = {0: run(0)}
    n_steps = len(json.loads((root / "0.steps").read_text()))
    for step in range(1, n_steps + 1):
        statuses[step] = run(step)
    print(json.dumps({"steps": n_steps, "statuses": statuses}))
    """
)


@pytest.fixture(scope="module")
def machines():
    data = load_demo_data().iloc[:200]
    return data[FEATURES], data[TARGET]


@pytest.fixture(scope="module")
def template(tmp_path_factory, machines):
    """A workspace holding version 1 of the prototype (threshold 200, notes "old")."""
    X, y = machines
    path = tmp_path_factory.mktemp("template") / "workspace"
    rule = model.ToolWearRule(threshold=200).fit(X, y)
    model.open_workspace(path).publish("S1", "rule", rule, X, y, notes="old")
    return path


def crash_at_every_step(template: Path, root: Path, mode: str) -> dict:
    script = root / "driver.py"
    script.write_text(DRIVER)
    project = str(Path(model.__file__).parent.parent)
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([project, os.environ.get("PYTHONPATH", "")]),
        "OMP_NUM_THREADS": "1",
        "SPRINT_REVIEW_SHAP_JOBS": "1",
    }
    result = subprocess.run(
        [sys.executable, str(script), str(template), str(root), mode],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        cwd=project,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    failed = [step for step, status in report["statuses"].items() if status not in (0, CRASHED)]
    assert not failed, result.stderr[-3000:]
    assert report["statuses"]["0"] == 0
    return report


def assert_whole(proto: model.Prototype, machines, threshold: int) -> None:
    """Every file of the prototype reads back, and they all belong to one version."""
    X, y = machines
    estimator = proto.estimator()
    assert estimator.threshold == threshold
    predictions = proto.predictions()
    np.testing.assert_allclose(
        predictions["p:1"].to_numpy(), estimator.predict_proba(X)[:, 1], atol=1e-12
    )
    assert proto.features().shape == X.shape
    total = proto.base_value() + proto.shap_values().astype(float).sum(axis=1)
    np.testing.assert_allclose(total.to_numpy(), predictions["p:1"].to_numpy(), atol=1e-6)


def leftovers(path: Path) -> list[str]:
    return sorted(p.name for p in (path / "sprints" / "S1" / "prototypes").iterdir())


@pytest.mark.parametrize("mode", ["exchange", "renames"])
def test_a_republish_killed_at_any_step_leaves_one_whole_version(
    tmp_path, template, machines, mode
):
    report = crash_at_every_step(template, tmp_path, mode)
    assert report["steps"] >= 8  # every artifact, the metadata and the move into place
    seen = set()
    for step in range(1, report["steps"] + 1):
        assert report["statuses"][str(step)] == CRASHED, step
        path = tmp_path / str(step)
        ws = model.open_workspace(path)
        proto = ws.prototype("S1", "rule")
        seen.add(proto.meta["notes"])
        assert_whole(proto, machines, 200 if proto.meta["notes"] == "old" else 150)
        assert leftovers(path) == ["rule"], step
        X, y = machines
        again = ws.publish("S1", "rule", model.ToolWearRule(threshold=100).fit(X, y), X, y)
        high_water = ws.sprint_info("S1")["version_high_water"]["rule"]
        assert again.version == high_water > proto.version, step
    # Killed before the move the old version remains; killed after it, the new one.
    assert seen == {"old", "new"}


def test_a_first_publish_killed_at_any_step_leaves_nothing_or_the_whole_prototype(
    tmp_path, machines
):
    report = crash_at_every_step(tmp_path / "no-template", tmp_path, "exchange")
    # Only the last step, the rename into place, makes a first publish visible.
    assert_whole(model.open_workspace(tmp_path / "0").prototype("S1", "rule"), machines, 150)
    for step in range(1, report["steps"] + 1):
        assert report["statuses"][str(step)] == CRASHED, step
        path = tmp_path / str(step)
        ws = model.open_workspace(path)
        if (path / "sprints" / "S1").is_dir():
            assert ws.prototypes("S1") == [] and leftovers(path) == [], step


def test_opening_puts_back_a_version_left_aside_and_removes_staging(tmp_path, template):
    shutil.copytree(template, tmp_path / "ws")
    prototypes = tmp_path / "ws" / "sprints" / "S1" / "prototypes"
    os.replace(prototypes / "rule", prototypes / ".retired-0123")
    (prototypes / ".staging-4567").mkdir()
    (prototypes / ".staging-4567" / "features.parquet").write_bytes(b"half")
    ws = model.open_workspace(tmp_path / "ws")
    assert ws.prototypes("S1") == ["rule"]
    assert ws.prototype("S1", "rule").meta["notes"] == "old"
    assert leftovers(tmp_path / "ws") == ["rule"]


def test_a_version_left_aside_beside_its_replacement_is_removed(tmp_path, template, machines):
    shutil.copytree(template, tmp_path / "ws")
    prototypes = tmp_path / "ws" / "sprints" / "S1" / "prototypes"
    shutil.copytree(prototypes / "rule", prototypes / ".retired-0123")
    X, y = machines
    model.Workspace(tmp_path / "ws").publish(
        "S1", "rule", model.ToolWearRule(threshold=150).fit(X, y), X, y, notes="new"
    )
    ws = model.open_workspace(tmp_path / "ws")
    assert ws.prototype("S1", "rule").meta["notes"] == "new"
    assert leftovers(tmp_path / "ws") == ["rule"]


def test_a_deleted_prototype_left_half_removed_stays_deleted(tmp_path, template):
    shutil.copytree(template, tmp_path / "ws")
    prototypes = tmp_path / "ws" / "sprints" / "S1" / "prototypes"
    os.replace(prototypes / "rule", prototypes / ".deleted-0123")
    ws = model.open_workspace(tmp_path / "ws")
    assert ws.prototypes("S1") == []
    assert leftovers(tmp_path / "ws") == []


def test_staging_of_a_publish_under_way_in_another_process_is_kept(tmp_path, template):
    shutil.copytree(template, tmp_path / "ws")
    staging = tmp_path / "ws" / "sprints" / "S1" / "prototypes" / ".staging-4567"
    staging.mkdir()
    with open(tmp_path / "ws" / ".lock", "a+") as lock:  # as a publishing process holds it
        fcntl.flock(lock, fcntl.LOCK_EX)
        model.open_workspace(tmp_path / "ws")
        assert staging.is_dir()
        fcntl.flock(lock, fcntl.LOCK_UN)
    model.open_workspace(tmp_path / "ws")
    assert not staging.exists()


def test_a_read_only_workspace_with_leftovers_still_opens(tmp_path, template):
    shutil.copytree(template, tmp_path / "ws")
    prototypes = tmp_path / "ws" / "sprints" / "S1" / "prototypes"
    (prototypes / ".staging-4567").mkdir()
    (tmp_path / "ws" / ".lock").unlink(missing_ok=True)
    for folder in [tmp_path / "ws", prototypes]:
        folder.chmod(0o555)
    try:
        ws = model.open_workspace(tmp_path / "ws")
        assert ws.prototypes("S1") == ["rule"]
    finally:
        for folder in [tmp_path / "ws", prototypes]:
            folder.chmod(0o755)
