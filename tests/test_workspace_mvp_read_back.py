"""A sprint's MVP read back from sprint.json is a name publishing could have written."""

from __future__ import annotations

import json

import pytest

import model
from model.demo import FEATURES, TARGET, load_demo_data


@pytest.fixture
def ws(tmp_path):
    data = load_demo_data().iloc[:300]
    X, y = data[FEATURES], data[TARGET]
    workspace = model.open_workspace(tmp_path)
    workspace.publish("S1", "rule", model.ToolWearRule().fit(X, y), X, y, mvp=True)
    return workspace


def edit(path, **changes):
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


def test_an_mvp_edited_to_leave_the_workspace_is_no_mvp_with_a_warning_naming_the_file(ws):
    sprint_json = ws.path / "sprints" / "S1" / "sprint.json"
    edit(sprint_json, mvp="../../../etc")
    said = rf"{sprint_json}: MVP name '../../../etc' contains a slash: .* without an MVP"
    with pytest.warns(UserWarning, match=said):
        assert ws.mvp("S1") is None
    with pytest.warns(UserWarning):
        assert ws.summary()["mvp"].tolist() == [False]
    ws.set_mvp("S1", "rule")  # marking one again mends the file
    assert ws.mvp("S1") == "rule"


def test_the_cli_s_list_says_so_in_one_note(ws):
    from cli_support import run_cli

    sprint_json = ws.path / "sprints" / "S1" / "sprint.json"
    edit(sprint_json, mvp="../../../etc")
    result = run_cli("model", "list", "--workspace", str(ws.path))
    assert result.returncode == 0
    notes = [line for line in result.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1 and str(sprint_json) in notes[0] and "without an MVP" in notes[0]
    assert "etc" not in result.stdout
