"""Validation of the names users give to sprints and prototypes.

Names become folder names inside the workspace, so anything that could escape the folder
(``..``, slashes) or confuse a terminal (control characters) is refused with a message that
says what to change.
"""

from __future__ import annotations

import unicodedata

MAX_NAME_LENGTH = 64


def validate_name(name: object, what: str = "name") -> str:
    """Return ``name`` stripped of surrounding spaces and in Unicode's composed form (NFC), or
    raise ``ValueError`` saying why not.

    "café" typed with a composed é and with e + a combining accent look the same on every
    page: both are one name, so they are one folder and one prototype."""
    if not isinstance(name, str):
        raise ValueError(f"{what} must be text, got {type(name).__name__}")
    cleaned = unicodedata.normalize("NFC", name.strip())
    if not cleaned:
        raise ValueError(f"{what} is empty: give it a short name such as 'Sprint 4'")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValueError(f"{what} is {len(cleaned)} characters long; use at most {MAX_NAME_LENGTH}")
    if any(unicodedata.category(ch).startswith("C") for ch in cleaned):
        raise ValueError(f"{what} {cleaned!r} contains control characters; use letters and digits")
    if "/" in cleaned or "\\" in cleaned:
        raise ValueError(
            f"{what} {cleaned!r} contains a slash; use letters, digits, spaces, - or _"
        )
    if cleaned.startswith(".") or ".." in cleaned:
        raise ValueError(f"{what} {cleaned!r} must not start with '.' or contain '..'")
    return cleaned
