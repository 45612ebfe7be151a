"""A recorded decision keeps its MVP against a publish that asks for another one.

The group's decision on the Bake-off is the record of the sprint review: it names the MVP.
Re-running last week's publish command with ``--mvp`` (or ``mvp=True``) used to make that
prototype the MVP again, silently undoing the decision; Sprint 3's "what changed since the last
sprint" then compared against a model nobody chose. :func:`decided_mvp` says which decision is
in force, and publishing leaves the MVP to it and says so in one line
(:class:`MvpDecidedWarning`). Changing the MVP stays one deliberate step away: a new decision
on the Bake-off, or ``Workspace.set_mvp``.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["MvpDecidedWarning", "decided_mvp", "mvp_kept_words"]


class MvpDecidedWarning(UserWarning):
    """A publish asked to make its prototype the MVP of a sprint whose recorded decision chose
    another; the decision's MVP was kept."""


def decided_mvp(sprint_info: Mapping) -> Mapping | None:
    """The sprint's last recorded decision while its choice is still the MVP (no one has set
    another MVP since), else None."""
    decisions = sprint_info.get("decisions") or []
    if not decisions:
        return None
    last = decisions[-1]
    return last if last.get("chosen") == sprint_info.get("mvp") else None


def mvp_kept_words(sprint: str, name: str, decision: Mapping) -> str:
    """The one line a publish with ``mvp`` says when ``decision`` keeps another MVP."""
    on = f" of {decision['decided_on']}" if decision.get("decided_on") else ""
    return (
        f"the group's decision{on} chose {decision['chosen']!r} as {sprint}'s MVP, so "
        f"{name!r} was published but not made the MVP; to change it, record a new decision "
        f"on the Bake-off page (or call Workspace.set_mvp({sprint!r}, {name!r}))"
    )
