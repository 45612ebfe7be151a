"""A publish with ``mvp=True`` / ``--mvp`` does not undo the group's recorded decision.

Trial (claims triage): re-running last week's publish command, which carried ``--mvp``, made
CatBoost the MVP again after the sprint review had recorded "Chose text + tabular LR": exit 0,
no note, and the next sprint's comparison moved to a model nobody chose.
"""

from __future__ import annotations

import json
import warnings

import pytest
import skops.io as sio

import model
from model.cli import main
from model.mvp_decisions import MvpDecidedWarning, decided_mvp
from tests.conftest import split_data


def _publish_again(ws: model.Workspace, name: str, **options):
    X, y, X_demo, y_demo = split_data()
    estimator = ws.prototype("Sprint 2", name).estimator()
    return ws.publish("Sprint 2", name, estimator, X_demo, y_demo, **options)


def test_a_publish_asking_for_the_mvp_keeps_the_decisions_choice_and_says_so(workspace_copy):
    ws = model.open_workspace(workspace_copy)
    assert ws.mvp("Sprint 2") == "random forest"  # the recorded decision's choice
    with pytest.warns(MvpDecidedWarning) as caught:
        published = _publish_again(ws, "logistic regression", mvp=True)
    assert published.version == 2  # the publish itself happened
    assert ws.mvp("Sprint 2") == "random forest"
    message = str(caught[0].message)
    assert "decision of 2024-05-17 chose 'random forest'" in message
    assert "'logistic regression' was published but not made the MVP" in message
    assert "\n" not in message


def test_the_decided_prototype_itself_and_a_sprint_without_decision_take_the_mvp(workspace_copy):
    ws = model.open_workspace(workspace_copy)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MvpDecidedWarning)
        _publish_again(ws, "random forest", mvp=True)
    assert ws.mvp("Sprint 2") == "random forest"
    assert decided_mvp(ws.sprint_info("Sprint 1")) is None  # Sprint 1 has no decision


def test_an_mvp_set_deliberately_after_the_decision_lets_publishes_choose_again(workspace_copy):
    ws = model.open_workspace(workspace_copy)
    ws.set_mvp("Sprint 2", "physics rules")  # a deliberate change: the decision no longer holds
    assert decided_mvp(ws.sprint_info("Sprint 2")) is None
    with warnings.catch_warnings():
        warnings.simplefilter("error", MvpDecidedWarning)
        _publish_again(ws, "logistic regression", mvp=True)
    assert ws.mvp("Sprint 2") == "logistic regression"


def test_the_cli_says_it_in_a_note_and_keeps_the_decision(workspace_copy, tmp_path, capsys):
    ws = model.open_workspace(workspace_copy)
    X, y, X_demo, y_demo = split_data()
    sio.dump(ws.prototype("Sprint 2", "logistic regression").estimator(), tmp_path / "lr.skops")
    X_demo.assign(**{"Machine failure": y_demo}).rename_axis("UDI").reset_index().to_csv(
        tmp_path / "demo.csv", index=False
    )
    code = main(
        [
            "publish", "--workspace", str(workspace_copy), "--sprint", "Sprint 2",
            "--name", "logistic regression", "--model", str(tmp_path / "lr.skops"),
            "--data", str(tmp_path / "demo.csv"), "--target", "Machine failure",
            "--id-column", "UDI", "--mvp",
        ]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 0, err
    assert "note: the group's decision of 2024-05-17 chose 'random forest'" in err
    info = json.loads((workspace_copy / "sprints" / "Sprint 2" / "sprint.json").read_text())
    assert info["mvp"] == "random forest"
