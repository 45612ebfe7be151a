"""The entry point: sidebar, shared state, the demo for an empty workspace, errors."""

import sys
import types
from pathlib import Path

import model
from model import access


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


def test_a_link_to_a_sprint_the_workspace_lacks_says_which_it_shows(small_workspace, monkeypatch):
    """It opened the latest sprint without a word: a presenter could show the wrong one."""
    from streamlit.testing.v1 import AppTest

    from model.config import WORKSPACE_ENV_VAR

    monkeypatch.setenv(WORKSPACE_ENV_VAR, str(small_workspace))
    at = AppTest.from_file(str(Path(__file__).parents[1] / "app.py"), default_timeout=60)
    at.query_params["sprint"] = "Sprint 9"
    at.run()
    assert not at.exception
    assert [w.value.replace("\\", "") for w in at.main.warning] == [
        "The link asks for sprint 'Sprint 9', which this workspace does not have: showing Sprint 2."
    ]
    assert at.query_params["sprint"] in ("Sprint 2", ["Sprint 2"])  # a reload: no warning
    assert not at.run().main.warning


def test_a_name_typed_another_way_is_the_reviewer_of_the_earlier_verdicts(workspace_copy, open_app):
    """ "Ana " after "ana" was a new reviewer: 0 reviewed, her rows again, and Feedback's
    agreement counted her agreeing with herself."""
    import feedback_store

    store = feedback_store.open(workspace_copy)
    store.record(sprint="Sprint 2", prototype="gbm", row_id="1", reviewer="ana", verdict="correct")
    at = open_app(workspace_copy)
    at.sidebar.text_input(key="reviewer").set_value("Ana ").run()
    assert not at.exception
    assert at.sidebar.text_input(key="reviewer").value == "ana"
    assert at.query_params["reviewer"] in ("ana", ["ana"])
    assert [c.value for c in at.sidebar.caption if "spelling" in c.value] == [
        "Recorded as “ana”, the spelling of your earlier verdicts (you typed “Ana”)."
    ]
    at.sidebar.text_input(key="reviewer").set_value("bo").run()  # a new name is kept
    assert at.sidebar.text_input(key="reviewer").value == "bo"


def fake_demo(monkeypatch, build):
    module = types.ModuleType("model.demo")
    module.build_demo = build
    monkeypatch.setitem(sys.modules, "model.demo", module)
    if "demo" in vars(model):  # imported already; otherwise model's __getattr__ finds the fake
        monkeypatch.delattr(model, "demo")


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


def signed_in_app(workspace, monkeypatch, user):
    from conftest import APP, AUTH_SECRETS
    from streamlit.testing.v1 import AppTest

    from model.config import WORKSPACE_ENV_VAR

    monkeypatch.setenv(WORKSPACE_ENV_VAR, str(workspace))
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets = AUTH_SECRETS
    at.user = user
    return at


def test_without_sign_in_configured_the_app_says_it_is_in_local_mode(small_workspace, open_app):
    at = open_app(small_workspace)
    assert any("Local mode" in box.value for box in at.sidebar.info)
    assert at.session_state["sprint_review_role"] == "scientist"


def test_with_sign_in_configured_a_signed_out_user_sees_only_the_sign_in(
    small_workspace, monkeypatch
):
    at = signed_in_app(small_workspace, monkeypatch, {"is_logged_in": False})
    at.run()
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.selectbox  # no sprint, no data before signing in


def test_a_signed_in_user_gets_the_role_of_the_access_list(workspace_copy, monkeypatch):
    import json

    (workspace_copy / "access.json").write_text(
        json.dumps({"users": {"ana@plant.example": "sme"}, "default_role": "viewer"})
    )
    at = signed_in_app(
        workspace_copy, monkeypatch, {"is_logged_in": True, "email": "Ana@plant.example"}
    )
    at.run()
    assert not at.exception
    assert at.session_state["sprint_review_role"] == "sme"
    # The identity is the case-folded e-mail: one reviewer whatever case the provider sends.
    assert at.session_state["reviewer"] == "ana@plant.example"
    assert not at.sidebar.text_input  # the name comes from the sign-in, not a text box
    assert not any("Local mode" in box.value for box in at.sidebar.info)


def test_someone_not_on_the_list_is_a_viewer(workspace_copy, monkeypatch):
    at = signed_in_app(
        workspace_copy, monkeypatch, {"is_logged_in": True, "email": "visitor@elsewhere.example"}
    )
    at.run()
    assert at.session_state["sprint_review_role"] == "viewer"


def test_a_sign_in_without_an_e_mail_is_told_what_to_do_about_it(workspace_copy, monkeypatch):
    at = signed_in_app(workspace_copy, monkeypatch, {"is_logged_in": True})
    at.run()
    assert not at.exception
    (box,) = at.warning
    assert box.value == access.NO_EMAIL
    assert "e-mail claim" in box.value and "sign out and in again" in box.value
    assert "Your name" not in box.value  # no name box in signed-in mode to point at
    assert [b.label for b in at.button] == ["Sign out"]
    assert not at.sidebar.selectbox  # no data under an empty identity


def test_a_workspace_deleted_while_the_app_runs_says_so_builds_nothing_keeps_the_verdict(
    workspace_copy, open_app, monkeypatch
):
    import feedback_store

    def no_demo(*args, **kwargs):
        raise AssertionError("the demo was built into the vanished workspace")

    monkeypatch.setattr("model.demo.build_demo", no_demo)
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    key = at.session_state["review_card"]["key"]
    at.segmented_control(key=f"review_verdict_{key}").set_value("unsure")
    at.text_area(key=f"review_comment_{key}").set_value("the spindle sounded odd")
    aside = workspace_copy.with_name("moved-away")
    workspace_copy.rename(aside)  # deleted, moved or unmounted while the reviewer types
    at.button(key=f"FormSubmitter:review_form_{key}-Submit verdict").click().run()
    assert not at.exception
    (line,) = [e.value.replace("\\", "") for e in at.error]
    assert line.startswith(f"The workspace {workspace_copy} is no longer there")
    assert "nothing was saved" in line and "\n" not in line
    assert not workspace_copy.exists()  # nothing built or created in its place

    aside.rename(workspace_copy)  # put back: the form comes back with what was typed
    at.run()
    assert not at.exception and not at.error
    assert at.session_state["review_card"]["key"] == key
    assert at.segmented_control(key=f"review_verdict_{key}").value == "unsure"
    assert at.text_area(key=f"review_comment_{key}").value == "the spindle sounded odd"
    assert feedback_store.open(workspace_copy).verdicts(reviewer="zoe").empty
    at.button(key=f"FormSubmitter:review_form_{key}-Submit verdict").click().run()
    (verdict,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["verdict"], verdict["comment"]) == ("unsure", "the spindle sounded odd")


def test_a_workspace_unmounted_to_an_empty_folder_builds_no_demo_and_keeps_the_verdict(
    workspace_copy, open_app, monkeypatch
):
    def no_demo(*args, **kwargs):
        raise AssertionError("the demo was built into the unmounted workspace")

    monkeypatch.setattr("model.demo.build_demo", no_demo)
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    key = at.session_state["review_card"]["key"]
    at.text_area(key=f"review_comment_{key}").set_value("kept")
    aside = workspace_copy.with_name("unmounted")
    workspace_copy.rename(aside)
    workspace_copy.mkdir()  # the empty mount point left behind
    at.button(key=f"FormSubmitter:review_form_{key}-Submit verdict").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "is no longer there" in at.error[0].value
    assert not any(workspace_copy.iterdir())  # nothing built or written into it
    workspace_copy.rmdir()
    aside.rename(workspace_copy)
    at.run()
    assert not at.error
    assert at.text_area(key=f"review_comment_{key}").value == "kept"
