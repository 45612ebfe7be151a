"""The Feedback page's sprint filter follows the sidebar's sprint, as the other pages do,
until the user chooses another on the page; "All" stays a choice."""

import pytest
from conftest import copy_workspace, split_data

import model
from ui.sections.feedback_filters import empty_sprint_note

SPRINT_FILTER = "feedback_sprint"


def sidebar_sprint(at, sprint: str):
    at.sidebar.selectbox(key="sprint").set_value(sprint)
    return at.run()


def test_the_page_opens_on_the_sidebar_s_sprint(small_workspace, open_app):
    """It opened on "All" (4 of 4 verdicts) while the sidebar showed Sprint 2."""
    at = open_app(small_workspace, page="feedback")
    assert not at.exception
    assert at.sidebar.selectbox(key="sprint").value == "Sprint 2"
    assert at.selectbox(key=SPRINT_FILTER).value == "Sprint 2"
    assert any(c.value.startswith("3 of 4 verdicts.") for c in at.caption)
    assert at.selectbox(key=SPRINT_FILTER).options[0] == "All"


def test_a_sprint_chosen_in_the_sidebar_is_followed(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    sidebar_sprint(at, "Sprint 1")
    assert not at.exception
    assert at.selectbox(key=SPRINT_FILTER).value == "Sprint 1"
    assert any(c.value.startswith("1 of 4 verdicts.") for c in at.caption)


def test_the_user_s_choice_on_the_page_is_kept_until_the_sidebar_changes(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    at.selectbox(key=SPRINT_FILTER).set_value("All").run()
    assert any(c.value.startswith("4 of 4 verdicts.") for c in at.caption)
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/feedback.py").run()
    assert not at.exception
    assert at.selectbox(key=SPRINT_FILTER).value == "All"
    sidebar_sprint(at, "Sprint 1")  # a newer choice: the page follows it again
    assert at.selectbox(key=SPRINT_FILTER).value == "Sprint 1"


@pytest.fixture
def sprint_without_verdicts(workspace_copy):
    X, y, X_demo, y_demo = split_data()
    ws = model.open_workspace(workspace_copy)
    ws.publish("Sprint 3", "tool-wear rule", model.ToolWearRule().fit(X, y), X_demo, y_demo)
    return copy_workspace(workspace_copy, workspace_copy.parent / "with_sprint_3")


def test_a_sidebar_sprint_without_verdicts_opens_on_every_sprint_and_says_so(
    sprint_without_verdicts, open_app
):
    """The demo's latest sprint has no verdicts yet: the page opens on all of them rather than
    on an empty table, and says why; choosing that sprint on the page says how to go back."""
    at = open_app(sprint_without_verdicts, page="feedback")
    assert not at.exception
    assert at.selectbox(key=SPRINT_FILTER).value == "All"
    notes = [i.value.replace("\\", "") for i in at.info]
    assert "No verdicts on Sprint 3 yet: showing the 4 verdicts of every sprint." in notes
    at.selectbox(key=SPRINT_FILTER).set_value("Sprint 3").run()
    notes = [i.value.replace("\\", "") for i in at.info]
    assert (
        "No verdicts on Sprint 3 yet. Choose “All” under Sprint to see the 4 verdicts of the "
        "other sprints." in notes
    )


def test_the_empty_sprint_note_is_said_only_when_other_sprints_have_verdicts():
    assert empty_sprint_note("All", 0, 4) is None
    assert empty_sprint_note("All", 4, 4, "Sprint 2", 3) is None
    assert empty_sprint_note("All", 4, 4, "Sprint 3", 0) == (
        "No verdicts on Sprint 3 yet: showing the 4 verdicts of every sprint."
    )
    assert empty_sprint_note("Sprint 2", 3, 4) is None
    assert empty_sprint_note("Sprint 3", 0, 0) is None
    assert empty_sprint_note("Sprint 3", 0, 1) == (
        "No verdicts on Sprint 3 yet. Choose “All” under Sprint to see the 1 verdict of the "
        "other sprints."
    )


def test_a_link_s_prototype_opens_the_sprints_that_judged_it(small_workspace, monkeypatch):
    """A link's prototype of the sidebar's sprint opens on that sprint; one judged in another
    sprint only opens on "All" rather than being dropped."""
    from conftest import open_link

    at = open_link(monkeypatch, small_workspace, "feedback", prototype="random forest")
    assert not at.exception
    assert at.selectbox(key=SPRINT_FILTER).value == "Sprint 2"
    assert at.selectbox(key="feedback_prototype").value == "random forest"
    other = open_link(monkeypatch, small_workspace, "feedback", prototype="tool-wear rule")
    assert other.selectbox(key=SPRINT_FILTER).value == "All"
    assert other.selectbox(key="feedback_prototype").value == "tool-wear rule"
    assert any(c.value.startswith("1 of 4 verdicts.") for c in other.caption)
