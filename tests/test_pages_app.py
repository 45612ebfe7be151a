"""The entry point: sidebar, shared state, the demo for an empty workspace, errors."""

import sys
import types

import model


def test_sidebar_defaults_to_the_latest_sprint_and_shows_the_workspace(small_workspace, open_app):
    at = open_app(small_workspace)
    assert not at.exception
    assert at.sidebar.selectbox(key="sprint").value == "Sprint 2"
    assert at.sidebar.selectbox(key="sprint").options == ["Sprint 1", "Sprint 2"]
    assert str(small_workspace) in [t.value for t in at.sidebar.text]


def test_sprint_and_reviewer_are_kept_across_pages(small_workspace, open_app):
    at = open_app(small_workspace, reviewer="ana")
    at.sidebar.selectbox(key="sprint").set_value("Sprint 1").run()
    at.switch_page("pages/bake_off.py").run()
    assert not at.exception
    assert at.title[0].value == "Bake-off: Sprint 1"
    assert at.sidebar.text_input(key="reviewer").value == "ana"
    assert at.session_state["sprint"] == "Sprint 1"


def fake_demo(monkeypatch, build):
    module = types.ModuleType("model.demo")
    module.build_demo = build
    monkeypatch.setitem(sys.modules, "model.demo", module)
    monkeypatch.delattr(model, "demo", raising=False)


def test_an_empty_workspace_builds_the_demo_with_progress_then_shows_it(
    tmp_path, small_workspace, open_app, monkeypatch
):
    import shutil

    calls = []

    def build(path, progress=None):
        progress(0.0, "starting")
        progress(0.5, "Sprint 1: the tool-wear rule")
        shutil.copytree(small_workspace / "sprints", path / "sprints")
        progress(1.0, "demo ready")
        calls.append(str(path))
        return model.open_workspace(path)

    fake_demo(monkeypatch, build)
    empty = tmp_path / "empty"
    empty.mkdir()
    at = open_app(empty)
    assert not at.exception
    assert calls == [str(empty)]
    assert at.title[0].value == "Sprint Review"
    assert at.sidebar.selectbox(key="sprint").value == "Sprint 2"


def test_a_failing_demo_build_shows_one_line_not_a_traceback(tmp_path, open_app, monkeypatch):
    def build(path, progress=None):
        progress(0.1, "starting")
        raise model.PublishError("the demo data is missing\nsecond line")

    fake_demo(monkeypatch, build)
    at = open_app(tmp_path / "empty")
    assert not at.exception
    assert [e.value for e in at.error] == ["the demo data is missing"]


def test_a_workspace_path_that_is_a_file_shows_an_error(tmp_path, open_app):
    path = tmp_path / "file"
    path.write_text("not a folder")
    at = open_app(path)
    assert not at.exception
    assert "is a file, not a workspace folder" in at.error[0].value


def test_without_the_demo_module_an_empty_workspace_says_what_to_do(
    tmp_path, open_app, monkeypatch
):
    monkeypatch.setitem(sys.modules, "model.demo", None)
    at = open_app(tmp_path / "empty")
    assert not at.exception
    assert "no sprints yet" in at.info[0].value
