"""A decision taken on a prototype re-published since says so wherever it is shown: the trial
team's Sprint 5 chose random forest at version 1 (PR AUC 0.556), re-published it to version 5
(0.543), and the Overview, the Sprints table and the Bake-off showed version 5's figures under
that decision without a word."""

from types import SimpleNamespace

from conftest import _pipeline, split_data
from sklearn.ensemble import RandomForestClassifier

import model
from model.decision_versions import republished_line, republished_since

CHOSEN = "random forest"


def _decision(**versions: int) -> dict:
    snapshot = [
        {"prototype": CHOSEN, "version": 1, "pr_auc": 0.5555555},
        {"prototype": "logistic regression", "version": 1, "pr_auc": 0.2272},
    ]
    return {
        "chosen": CHOSEN,
        "snapshot": snapshot,
        "prototype_versions": {
            name: {"version": v, "content_id": f"{name}-{v}"} for name, v in versions.items()
        },
    }


def _now(version: int, pr_auc: float, name: str = CHOSEN) -> SimpleNamespace:
    return SimpleNamespace(
        version=version, content_id=f"{name}-{version}", headline=("pr_auc", pr_auc)
    )


def test_a_chosen_prototype_re_published_since_is_said_with_both_scores():
    decision = _decision(**{CHOSEN: 1, "logistic regression": 1})
    current = {CHOSEN: _now(5, 0.543), "logistic regression": _now(1, 0.227, "x")}
    current["logistic regression"].content_id = "logistic regression-1"
    assert republished_line(decision, current) == (
        "Decided on version 1 (score 0.556); random forest is now version 5 (0.543): "
        "the figures on this page are version 5's."
    )


def test_nothing_is_said_when_every_version_is_the_one_decided_on():
    decision = _decision(**{CHOSEN: 1})
    assert republished_line(decision, {CHOSEN: _now(1, 0.556)}) is None
    assert republished_since(decision, {CHOSEN: _now(1, 0.556)}) == []


def test_a_compared_prototype_re_published_is_named_with_its_versions():
    decision = _decision(**{CHOSEN: 1, "logistic regression": 1})
    current = {CHOSEN: _now(1, 0.556), "logistic regression": _now(2, 0.3, "logistic regression")}
    assert republished_line(decision, current) == (
        "random forest is still version 1, as decided. Re-published since, of the prototypes "
        "it was compared with: logistic regression (version 1, now 2)."
    )


def test_a_chosen_prototype_removed_since_is_said_removed():
    decision = _decision(**{CHOSEN: 1, "logistic regression": 1})
    current = {"logistic regression": _now(1, 0.227, "logistic regression")}
    assert republished_line(decision, current) == (
        "Decided on version 1 (score 0.556); random forest has been removed since."
    )


def test_a_decision_recorded_on_the_bake_off_gives_its_estimate_as_the_score():
    decision = _decision(**{CHOSEN: 2})
    decision["snapshot"] = [{"prototype": CHOSEN, "metric": "pr_auc", "estimate": 0.61}]
    line = republished_line(decision, {CHOSEN: _now(3, 0.58)}, figures="the table's figures")
    assert line == (
        "Decided on version 2 (score 0.610); random forest is now version 3 (0.580): "
        "the table's figures are version 3's."
    )


def _republish_forest(path) -> None:
    X, y, X_demo, y_demo = split_data()
    forest = _pipeline(
        RandomForestClassifier(n_estimators=5, max_depth=2, random_state=1), scale=False
    ).fit(X, y)
    model.open_workspace(path).publish(
        "Sprint 2", CHOSEN, forest, X_demo, y_demo, train_seconds=0.5, effort_days=5.0
    )


def _said(at) -> list[str]:
    kinds = ("caption", "warning")
    return [e.value.replace("\\", "") for kind in kinds for e in getattr(at, kind)]


def test_the_overview_says_the_decision_predates_a_re_publish(workspace_copy, open_app):
    _republish_forest(workspace_copy)
    at = open_app(workspace_copy, page="overview")
    assert not at.exception
    said = [line for line in _said(at) if "Decided on version 1" in line]
    assert len(said) == 2, said  # under the Sprints table and in the decision
    assert said[0].startswith("Sprint 2's decision: Decided on version 1 (score 0.")
    assert "random forest is now version 2" in said[0]
    assert said[0].endswith("the table's figures are version 2's.")
    assert said[1].endswith("the figures on this page are version 2's.")


def test_the_bake_off_says_it_and_suggests_recording_the_decision_again(workspace_copy, open_app):
    _republish_forest(workspace_copy)
    at = open_app(workspace_copy, page="bake_off", reviewer="dana")
    assert not at.exception
    warnings = [w.value.replace("\\", "") for w in at.warning if "Decided on" in w.value]
    assert len(warnings) == 1
    assert warnings[0].startswith("Decided on version 1 (score 0.")
    assert "random forest is now version 2" in warnings[0]
    assert warnings[0].endswith("record the decision again below.")
    in_tab = [c for c in _said(at) if "these tabs" in c]
    assert len(in_tab) == 1 and in_tab[0].endswith("the figures above these tabs are version 2's.")
