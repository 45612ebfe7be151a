"""Which published prototypes a filter of sprint and prototype name covers, as the exports,
their names and their known values read them."""

from __future__ import annotations

from collections.abc import Iterator

from model.workspace import Prototype, Workspace

__all__ = ["prototypes_in_scope"]


def prototypes_in_scope(
    ws: Workspace, sprint: str | None, prototype: str | None
) -> Iterator[Prototype]:
    """The readable prototypes of ``sprint`` (every sprint when None) named ``prototype``
    (any when None); an unreadable one is skipped (its verdicts keep what they have)."""
    for sprint_name in ws.sprints():  # a filter naming no sprint (or an odd one) matches none
        if sprint is not None and sprint_name != sprint:
            continue
        for name in ws.prototypes(sprint_name):
            if prototype is not None and name != prototype:
                continue
            try:
                yield ws.prototype(sprint_name, name)
            except (ValueError, OSError):
                continue
