"""Which prototypes a recorded decision was taken on have been re-published (or removed) since,
and the one line that says so beside the decision.

A decision stores the versions on disk when it was recorded (``prototype_versions``) and the
figures the group saw (``snapshot``). Every page shows the prototypes' current versions, so a
decision on version 1 of a prototype now at version 5 reads as a choice of version 5 unless
the page says otherwise: :func:`republished_line` is that sentence.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from model.metrics import format_metric

if TYPE_CHECKING:
    from model.workspace import Prototype, Workspace

__all__ = ["Republished", "current_prototypes", "republished_line", "republished_since"]


class _Published(Protocol):
    """What is read of a prototype's current version (a ``model.workspace.Prototype``)."""

    version: int
    content_id: str
    headline: tuple[str | None, float | None]


@dataclass(frozen=True)
class Republished:
    """A prototype whose version differs from the one the decision was taken on."""

    prototype: str
    decided: int  # the version when the decision was recorded
    now: int | None  # None: removed since
    metric: str | None  # the headline metric's key, None without labels
    decided_score: float | None  # as the decision's snapshot recorded it, if it did
    now_score: float | None


def _decided_versions(decision: Mapping) -> dict[str, tuple[int, str | None]]:
    """``{prototype: (version, content id)}`` as the decision recorded them; decisions recorded
    before ``prototype_versions`` existed fall back to their snapshot's ``version``."""
    stored = decision.get("prototype_versions")
    if isinstance(stored, Mapping):
        return {
            str(name): (int(info["version"]), info.get("content_id"))
            for name, info in stored.items()
            if isinstance(info, Mapping) and info.get("version") is not None
        }
    return {
        str(row["prototype"]): (int(row["version"]), None)
        for row in decision.get("snapshot") or []
        if isinstance(row, Mapping) and row.get("prototype") and row.get("version") is not None
    }


def _snapshot_score(decision: Mapping, prototype: str, metric: str | None) -> float | None:
    """``metric`` of ``prototype`` as the decision's snapshot holds it: a column of its own
    (figures as published) or the bake-off's ``estimate`` when that was ``metric``."""
    if metric is None:
        return None
    for row in decision.get("snapshot") or []:
        if not isinstance(row, Mapping) or row.get("prototype") != prototype:
            continue
        value = row.get(metric)
        if value is None and row.get("metric") == metric:
            value = row.get("estimate")
        return float(value) if isinstance(value, int | float) else None
    return None


def _sprint_metric(decision: Mapping, current: Mapping[str, _Published]) -> str | None:
    """The headline metric of the sprint's other prototypes, else the bake-off's metric."""
    for proto in current.values():
        if proto.headline[0] is not None:
            return proto.headline[0]
    for row in decision.get("snapshot") or []:
        if isinstance(row, Mapping) and row.get("metric"):
            return str(row["metric"])
    return None


def republished_since(decision: Mapping, current: Mapping[str, _Published]) -> list[Republished]:
    """The prototypes of ``decision`` whose version is not the one it was taken on, the chosen
    one first; ``current`` maps each prototype's name to its current version (absent:
    removed). Empty when nothing changed or the decision recorded no versions."""
    chosen = decision.get("chosen")
    changed = []
    for name, (version, content_id) in _decided_versions(decision).items():
        proto = current.get(name)
        same_content = content_id is None or (proto is not None and proto.content_id == content_id)
        if proto is not None and proto.version == version and same_content:
            continue
        metric, now_score = proto.headline if proto is not None else (None, None)
        if metric is None:  # removed: the score it was chosen on is still worth saying
            metric = _sprint_metric(decision, current)
        changed.append(
            Republished(
                prototype=name,
                decided=version,
                now=proto.version if proto is not None else None,
                metric=metric,
                decided_score=_snapshot_score(decision, name, metric),
                now_score=now_score,
            )
        )
    return sorted(changed, key=lambda change: change.prototype != chosen)


def _score(change: Republished, value: float | None, word: str = "") -> str:
    if change.metric is None or value is None:
        return ""
    return f" ({word}{format_metric(change.metric, value)})"


def republished_line(
    decision: Mapping,
    current: Mapping[str, _Published],
    figures: str = "the figures on this page",
) -> str | None:
    """One line saying the decision was taken on versions re-published since, or ``None``.

    "Decided on version 1 (score 0.556); random forest is now version 5 (0.543): the figures
    on this page are version 5's." ``figures`` names what shows the current version.
    """
    changes = republished_since(decision, current)
    if not changes:
        return None
    chosen = decision.get("chosen")
    parts = []
    first, others = changes[0], changes[1:]
    if first.prototype == chosen:
        score = _score(first, first.decided_score, "score ")
        decided = f"Decided on version {first.decided}{score}"
        if first.now is None:
            parts.append(f"{decided}; {chosen} has been removed since.")
        else:
            parts.append(
                f"{decided}; {chosen} is now version {first.now}"
                f"{_score(first, first.now_score)}: {figures} are version {first.now}'s."
            )
    else:
        others = changes
        kept = _decided_versions(decision).get(str(chosen))
        parts.append(f"{chosen} is still version {kept[0]}, as decided." if kept else "")
    if others:
        said = [
            f"{change.prototype} (version {change.decided}, "
            + (f"now {change.now})" if change.now is not None else "removed since)")
            for change in others
        ]
        compared = "compared" if first.prototype == chosen else "it was compared with"
        parts.append(f"Re-published since, of the prototypes {compared}: {', '.join(said)}.")
    return " ".join(part for part in parts if part)


def current_prototypes(ws: Workspace, sprint: str) -> dict[str, Prototype]:
    """The sprint's prototypes as published now, by name: the ``current`` of the functions
    above."""
    return {name: ws.prototype(sprint, name) for name in ws.prototypes(sprint)}
