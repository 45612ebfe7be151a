"""The Bake-off opens on something to compare: on the sidebar's default sprint with a single
prototype (the demo's Sprint 3), it shows the latest sprint with prototypes to compare and
says so in one line; a sprint chosen in the sidebar or in a link is shown as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import open_link
from demo_like import SPRINT_2, build_demo_like

import model
from model.recommend import sprint_recommendation
from ui.bakeoff_sprint import OpeningSprint, opening_sprint

DEMO = [("Sprint 1", 1), ("Sprint 2", 4), ("Sprint 3", 1)]
NOTE = (
    "Showing Sprint 2, the latest sprint with prototypes to compare: Sprint 3 has one prototype "
    "(choose it in the sidebar to see it)."
)


# -- the choice ----------------------------------------------------------------------------------


def test_a_default_sprint_with_one_prototype_opens_on_the_latest_with_several():
    assert opening_sprint(DEMO, "Sprint 3") == OpeningSprint("Sprint 2", NOTE)


def test_the_latest_of_several_comparable_sprints_is_chosen():
    counts = [("A", 3), ("B", 2), ("C", 1), ("D", 0)]
    assert opening_sprint(counts, "D").sprint == "B"
    assert "D has no prototype yet" in opening_sprint(counts, "D").note


def test_a_sprint_with_prototypes_to_compare_is_kept():
    assert opening_sprint(DEMO, "Sprint 2") == OpeningSprint("Sprint 2")
    assert opening_sprint([("A", 2), ("B", 2)], "B") == OpeningSprint("B")


def test_without_any_sprint_to_compare_the_default_is_kept():
    assert opening_sprint([("A", 1), ("B", 1)], "B") == OpeningSprint("B")
    assert opening_sprint([], "B") == OpeningSprint("B")


# -- the page ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_like(tmp_path_factory) -> Path:
    return build_demo_like(tmp_path_factory.mktemp("demo_like") / "workspace").path


def captions(at) -> list[str]:
    return [c.value.replace("\\", "") for c in at.main.caption]


def test_the_default_url_opens_the_bake_off_on_the_demos_comparison(demo_like, open_app):
    at = open_app(demo_like)
    assert at.sidebar.selectbox(key="sprint").value == "Sprint 3"
    at.switch_page("pages/bake_off.py").run()
    assert not at.exception
    assert at.title[0].value == "Bake-off: Sprint 2"
    assert NOTE in captions(at)
    assert at.sidebar.selectbox(key="sprint").value == "Sprint 2"
    # A reload or a link shows the same sprint.
    assert at.query_params["sprint"] in ("Sprint 2", ["Sprint 2"])
    assert not [i for i in at.main.info if "one prototype" in i.value]
    # The recommendation says which to choose and why, at the top.
    expected = sprint_recommendation(model.open_workspace(demo_like), "Sprint 2").text
    assert any(expected in m.value.replace("\\", "") for m in at.main.markdown)
    assert any(name in expected for name in SPRINT_2)


def test_a_sprint_chosen_in_the_sidebar_is_shown_even_with_one_prototype(demo_like, open_app):
    at = open_app(demo_like, page="bake_off")
    assert at.title[0].value == "Bake-off: Sprint 2"
    at.sidebar.selectbox(key="sprint").set_value("Sprint 3").run()
    assert not at.exception
    assert at.title[0].value == "Bake-off: Sprint 3"
    assert any("This sprint has one prototype" in i.value for i in at.main.info)
    assert NOTE not in captions(at)
    at.switch_page("pages/overview.py").run()
    at.switch_page("pages/bake_off.py").run()
    assert at.title[0].value == "Bake-off: Sprint 3"  # chosen, so never moved again


def test_a_link_naming_a_sprint_of_one_prototype_shows_that_sprint(demo_like, monkeypatch):
    at = open_link(monkeypatch, demo_like, "bake_off", sprint="Sprint 3")
    assert not at.exception
    assert at.title[0].value == "Bake-off: Sprint 3"
    assert any("This sprint has one prototype" in i.value for i in at.main.info)
    assert NOTE not in captions(at)


def test_a_link_naming_the_comparison_shows_it_without_the_note(demo_like, monkeypatch):
    at = open_link(monkeypatch, demo_like, "bake_off", sprint="Sprint 2")
    assert not at.exception
    assert at.title[0].value == "Bake-off: Sprint 2"
    assert NOTE not in captions(at)


def test_other_pages_keep_the_default_sprint(demo_like, open_app):
    at = open_app(demo_like, page="sprint_demo")
    assert not at.exception
    assert at.sidebar.selectbox(key="sprint").value == "Sprint 3"
