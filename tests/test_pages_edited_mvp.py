"""A sprint.json whose MVP was edited by hand to a path: no page shows it as the MVP."""

from __future__ import annotations

import json

from tests.test_pages_bad_input import MVP_DIR, PAGES, shown_errors


def texts(at) -> str:
    return "\n".join(
        str(e.value) for kind in ("markdown", "caption", "info", "subheader", "title", "warning")
        for e in getattr(at, kind)
    )  # fmt: skip


def test_an_mvp_edited_to_a_path_is_no_mvp_on_every_page(workspace_copy, open_app):
    sprint_json = workspace_copy / MVP_DIR.parent.parent / "sprint.json"
    info = json.loads(sprint_json.read_text())
    info["mvp"] = "../../../etc"
    sprint_json.write_text(json.dumps(info))
    shown = {}
    for page in PAGES:
        at = open_app(workspace_copy, page, "zoe")
        assert shown_errors(at) == [], page
        shown[page] = texts(at)
        assert "etc" not in shown[page], (page, shown[page])
    assert "No MVP is marked for this sprint" in shown["sprint_demo"]
    assert "This sprint has no MVP" in shown["bake_off"]
