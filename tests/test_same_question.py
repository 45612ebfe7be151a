"""Whether two prototypes predict the same thing: the same task, and the same target by name
or, where the names differ (one may be incidental: "actual"), by their labels."""

from __future__ import annotations

import pytest
from conftest import split_data
from sklearn.linear_model import LinearRegression

import model
from model.export_names import targets_in_scope
from model.prototype import canonical_targets, predicts_the_same


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    """S1: a failure rule. S2: the same labels named "actual"; an overheating rule with
    other labels. S3: a model of tool wear in minutes (a sprint of its own since publishing
    refuses a regression beside classifiers)."""
    X, y, X_demo, y_demo = split_data()
    workspace = model.open_workspace(tmp_path_factory.mktemp("same") / "ws")
    workspace.publish("S1", "failure", model.ToolWearRule().fit(X, y), X_demo, y_demo)
    rule = model.ToolWearRule(150).fit(X, y)
    workspace.publish("S2", "renamed", rule, X_demo, y_demo.rename("actual"))
    gap = X_demo["Process temperature [K]"] - X_demo["Air temperature [K]"]
    hot = (gap < gap.median()).astype(int).rename("Overheating")
    workspace.publish("S2", "overheating", rule, X_demo, hot)
    numbers = [c for c in X.select_dtypes("number").columns if c != "Tool wear [min]"]
    wear = LinearRegression().fit(X[numbers], X["Tool wear [min]"])
    workspace.publish("S3", "wear", wear, X_demo[numbers], X_demo["Tool wear [min]"])
    return workspace


def test_the_same_labels_under_another_name_are_the_same_target(ws):
    failure, renamed = ws.prototype("S1", "failure"), ws.prototype("S2", "renamed")
    assert predicts_the_same(failure, renamed) and predicts_the_same(renamed, failure)


def test_other_labels_or_another_task_are_another_question(ws):
    failure = ws.prototype("S1", "failure")
    assert not predicts_the_same(failure, ws.prototype("S2", "overheating"))
    assert not predicts_the_same(failure, ws.prototype("S3", "wear"))


def test_targets_are_named_as_their_first_prototype_names_them(ws):
    expected = {
        ("S1", "failure"): "Machine failure",
        ("S2", "renamed"): "Machine failure",
        ("S2", "overheating"): "Overheating",
        ("S3", "wear"): "Tool wear [min]",
    }
    protos = [ws.prototype(s, n) for s in ws.sprints() for n in ws.prototypes(s)]
    assert canonical_targets(protos) == expected
    assert targets_in_scope(ws) == expected
    summary = ws.summary().set_index("prototype")
    assert summary.loc["renamed", "target"] == "Machine failure"
