"""Which sprint the Bake-off opens on when nobody chose one: the sidebar's default is the latest
sprint, which may hold a single prototype (the demo's Sprint 3, a retrained MVP) and so nothing
to compare. Plain data in, plain data out; the page's section applies it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["OpeningSprint", "opening_sprint"]


@dataclass(frozen=True)
class OpeningSprint:
    """The sprint to show, and the one short line saying why when it is not the session's."""

    sprint: str
    note: str | None = None


def opening_sprint(counts: Sequence[tuple[str, int]], current: str) -> OpeningSprint:
    """The sprint the Bake-off opens on, given each sprint and how many prototypes it holds
    (``counts``, oldest first) and the session's default sprint ``current``.

    ``current`` when it has two prototypes or more, or when no sprint has; else the latest
    sprint that has, with a line naming it and why ("Sprint 3 has one prototype").
    """
    held = dict(counts)
    if held.get(current, 0) >= 2:
        return OpeningSprint(current)
    comparable = [sprint for sprint, n in counts if n >= 2]
    if not comparable:
        return OpeningSprint(current)
    chosen = comparable[-1]
    n = held.get(current, 0)
    has = "one prototype" if n == 1 else "no prototype yet"
    return OpeningSprint(
        chosen,
        f"Showing {chosen}, the latest sprint with prototypes to compare: {current} has {has} "
        "(choose it in the sidebar to see it).",
    )
