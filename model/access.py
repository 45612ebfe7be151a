"""Who may do what: roles, the workspace's access list, and the checks pages make.

Three roles, each including the one before:

- ``viewer``: sees every page;
- ``sme``: also records verdicts, disputes and own cases;
- ``scientist``: also publishes, exports, deletes, edits cost assumptions, sends rows to
  review and records decisions.

With sign-in configured (``[auth]`` in ``.streamlit/secrets.toml``), the signed-in user's
e-mail is looked up in ``<workspace>/access.json``::

    {"users": {"ana@plant.example": "sme", "dana@plant.example": "scientist"},
     "default_role": "viewer"}

Without sign-in the app runs in local mode: whoever can reach it is a scientist, and every
page says so in a banner.
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = [
    "ROLES",
    "ACTIONS",
    "ACCESS_FILE",
    "AccessError",
    "NO_EMAIL",
    "can",
    "identity",
    "load_access_list",
    "role_for",
    "refusal",
]

ROLES = ("viewer", "sme", "scientist")
ACCESS_FILE = "access.json"

#: The least role each action needs.
ACTIONS = {
    "view": "viewer",
    "record_verdict": "sme",
    "dispute": "sme",
    "record_decision": "scientist",
    "edit_assumptions": "scientist",
    "send_to_review": "scientist",
    "export": "scientist",
    "publish": "scientist",
    "delete": "scientist",
}

_ACTION_WORDS = {
    "record_verdict": "record verdicts",
    "dispute": "dispute explanations",
    "record_decision": "record decisions",
    "edit_assumptions": "change the cost assumptions",
    "send_to_review": "send rows to review",
    "export": "export feedback",
    "publish": "publish prototypes",
    "delete": "delete prototypes",
}


class AccessError(ValueError):
    """The access list cannot be used; the message says which entry is wrong."""


def can(role: str | None, action: str) -> bool:
    """True if ``role`` may perform ``action`` (an unknown role may do nothing)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(ACTIONS[action])


def refusal(role: str | None, action: str) -> str:
    """The sentence shown when ``role`` may not perform ``action``."""
    needed = ACTIONS[action]
    return (
        f"Your role ({role or 'none'}) cannot {_ACTION_WORDS.get(action, action)}; "
        f"ask the workspace's owner for the {needed} role."
    )


def load_access_list(workspace: str | Path) -> dict:
    """The workspace's access list: ``{"users": {email: role}, "default_role": role}``.

    A missing file means nobody is listed and everyone signed in is a viewer.
    """
    path = Path(workspace) / ACCESS_FILE
    if not path.is_file():
        return {"users": {}, "default_role": "viewer"}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise AccessError(f"{path} cannot be read: {error}") from None
    users = data.get("users", {})
    default = data.get("default_role", "viewer")
    if not isinstance(users, dict):
        raise AccessError(f"{path}: 'users' must map e-mail addresses to roles")
    for email, role in [*users.items(), ("default_role", default)]:
        if role not in ROLES:
            raise AccessError(f"{path}: {email} has unknown role {role!r}; use one of {ROLES}")
    return {"users": {str(k).strip().lower(): v for k, v in users.items()}, "default_role": default}


def role_for(email: str | None, access: dict) -> str:
    """The role of ``email`` in ``access`` (case-insensitive), else the default role."""
    if not email:
        return access.get("default_role", "viewer")
    return access["users"].get(email.strip().lower(), access.get("default_role", "viewer"))


#: What a signed-in user whose sign-in gave no e-mail address is told: there is no name box
#: in signed-in mode, so the way out is the sign-in's configuration.
NO_EMAIL = (
    "You are signed in, but your sign-in did not give an e-mail address, and Sprint Review "
    "records verdicts and decisions under it: ask whoever set up sign-in to include the "
    'e-mail claim (scope "openid email"), then sign out and in again.'
)


def identity(email: str | None) -> str | None:
    """The identity verdicts and decisions are recorded under: the e-mail case-folded
    (``Ana@plant.example`` and ``ana@plant.example`` are one reviewer), or None without one."""
    text = (email or "").strip().casefold()
    return text or None
