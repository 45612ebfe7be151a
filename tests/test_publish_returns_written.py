"""Two publishes of one name at once: each is told the version and figures it wrote."""

from __future__ import annotations

import pytest

import model
from model import workspace
from model.demo import FEATURES, TARGET, load_demo_data
from model.published_files import PrototypeReplacedWarning


@pytest.fixture(scope="module")
def machines():
    data = load_demo_data().iloc[:300]
    return data[FEATURES], data[TARGET]


def test_a_publish_overtaken_by_another_returns_its_own_version(tmp_path, machines, monkeypatch):
    X, y = machines
    ws = model.open_workspace(tmp_path)
    strict, loose = model.ToolWearRule(threshold=150), model.ToolWearRule(threshold=230)
    warn_before = workspace.warn_if_trained_on_demo_rows
    others = []

    def colleague_publishes_meanwhile(*args):
        # After our lock is released and before publish returns: the colleague's version.
        if not others:
            others.append(None)  # once: the colleague's own publish passes here too
            others[0] = ws.publish("S1", "rule", loose.fit(X, y), X, y)
        return warn_before(*args)

    monkeypatch.setattr(workspace, "warn_if_trained_on_demo_rows", colleague_publishes_meanwhile)
    with pytest.warns(PrototypeReplacedWarning, match="'rule' version 1 .* version 2 replaced"):
        mine = ws.publish("S1", "rule", strict.fit(X, y), X, y)

    (theirs,) = others
    assert (mine.version, theirs.version) == (1, 2)
    assert mine.content_id != theirs.content_id
    assert mine.metrics != theirs.metrics
    assert ws.prototype("S1", "rule").content_id == theirs.content_id
