"""Versions never go backwards and every publish has its own content id."""

from __future__ import annotations

import json

import pytest

import model
from model.demo import FEATURES, TARGET, load_demo_data


@pytest.fixture(scope="module")
def machines():
    data = load_demo_data().iloc[:300]
    return data[FEATURES], data[TARGET]


def publish_rule(ws, machines, threshold=200, name="rule"):
    X, y = machines
    return ws.publish("S1", name, model.ToolWearRule(threshold=threshold).fit(X, y), X, y)


def test_a_publish_after_deleting_continues_the_version(tmp_path, machines):
    ws = model.open_workspace(tmp_path)
    first = publish_rule(ws, machines)
    second = publish_rule(ws, machines, threshold=150)
    ws.delete_prototype("S1", "rule")
    third = publish_rule(ws, machines)
    assert [first.version, second.version, third.version] == [1, 2, 3]
    assert len({first.content_id, second.content_id, third.content_id}) == 3


def test_a_workspace_without_a_high_water_mark_takes_it_from_the_deleted_prototype(
    tmp_path, machines
):
    ws = model.open_workspace(tmp_path)
    publish_rule(ws, machines)
    publish_rule(ws, machines)
    sprint_file = tmp_path / "sprints" / "S1" / "sprint.json"
    info = json.loads(sprint_file.read_text())
    del info["version_high_water"]  # as a workspace published before the mark existed
    sprint_file.write_text(json.dumps(info))
    ws.delete_prototype("S1", "rule")
    assert publish_rule(ws, machines).version == 3


def test_the_same_content_published_twice_gets_two_content_ids(tmp_path, machines):
    ws = model.open_workspace(tmp_path)
    first = publish_rule(ws, machines)
    second = publish_rule(ws, machines)
    assert first.content_id != second.content_id
    assert len(first.content_id) == 32 and int(first.content_id, 16) >= 0
    assert first.published_at < second.published_at
    stored = json.loads((second.path / "prototype.json").read_text())
    assert stored["content_id"] == second.content_id
    assert stored["published_at"] == second.published_at


def test_a_prototype_published_before_content_ids_gets_one_from_version_and_time(
    tmp_path, machines
):
    ws = model.open_workspace(tmp_path)
    proto = publish_rule(ws, machines)
    meta = {k: v for k, v in proto.meta.items() if k != "content_id"}
    (proto.path / "prototype.json").write_text(json.dumps(meta))
    legacy = ws.prototype("S1", "rule")
    assert legacy.content_id == f"v1-{legacy.published_at}"


def test_a_decision_stores_the_versions_it_was_made_on(tmp_path, machines):
    ws = model.open_workspace(tmp_path)
    publish_rule(ws, machines)
    publish_rule(ws, machines, threshold=150)
    other = publish_rule(ws, machines, name="other")
    decision = ws.record_decision("S1", "rule", "ranks best", ["ana"])
    rule = ws.prototype("S1", "rule")
    assert decision["prototype_versions"] == {
        "rule": {"version": 2, "content_id": rule.content_id, "published_at": rule.published_at},
        "other": {
            "version": 1,
            "content_id": other.content_id,
            "published_at": other.published_at,
        },
    }
    assert ws.decisions("S1")[0]["prototype_versions"] == decision["prototype_versions"]


def test_a_decision_on_a_prototype_deleted_meanwhile_is_refused(tmp_path, machines, monkeypatch):
    ws = model.open_workspace(tmp_path)
    publish_rule(ws, machines)
    publish_rule(ws, machines, name="other")
    comparison = ws.comparison("S1")
    ws.delete_prototype("S1", "other")
    with pytest.raises(model.WorkspaceError, match="no prototype 'other'"):
        ws.record_decision("S1", "other", "why", ["ana"], snapshot=comparison.to_dict("records"))
    assert ws.decisions("S1") == []
