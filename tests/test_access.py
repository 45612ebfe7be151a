"""Roles: each includes the one before; the access list maps e-mails to roles."""

import json

import pytest

from model.access import AccessError, can, load_access_list, refusal, role_for


@pytest.mark.parametrize(
    ("role", "action", "allowed"),
    [
        ("viewer", "view", True),
        ("viewer", "record_verdict", False),
        ("sme", "record_verdict", True),
        ("sme", "export", False),
        ("sme", "record_decision", False),
        ("scientist", "record_decision", True),
        ("scientist", "publish", True),
        (None, "view", False),
        ("admin", "view", False),
    ],
)
def test_each_role_can_do_what_it_includes(role, action, allowed):
    assert can(role, action) is allowed


def test_unknown_actions_are_a_programming_error():
    with pytest.raises(ValueError):
        can("scientist", "launch")


def test_the_access_list_maps_emails_case_insensitively(tmp_path):
    (tmp_path / "access.json").write_text(
        json.dumps({"users": {"Ana@Plant.example": "sme"}, "default_role": "viewer"})
    )
    access = load_access_list(tmp_path)
    assert role_for("ana@plant.EXAMPLE", access) == "sme"
    assert role_for("stranger@elsewhere.example", access) == "viewer"
    assert role_for(None, access) == "viewer"


def test_no_access_list_means_viewers_only(tmp_path):
    assert role_for("ana@plant.example", load_access_list(tmp_path)) == "viewer"


def test_a_bad_role_in_the_list_is_named(tmp_path):
    (tmp_path / "access.json").write_text(json.dumps({"users": {"a@b.c": "boss"}}))
    with pytest.raises(AccessError, match="boss"):
        load_access_list(tmp_path)


def test_the_refusal_says_which_role_is_needed():
    assert "scientist role" in refusal("sme", "export")


def test_the_identity_is_the_case_folded_e_mail_and_none_without_one():
    from model.access import identity

    assert identity("  Ana@Plant.Example ") == "ana@plant.example"
    assert identity("STRASSE@plant.example") == identity("strasse@Plant.example")
    assert identity("") is None and identity(None) is None and identity("   ") is None
