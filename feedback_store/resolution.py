"""One label per reviewed row, from the reviewers' labels, by a rule everyone can read.

Rules:

- ``"majority"``: the label most reviewers gave. A tie leaves the row unresolved (no label,
  ``unresolved`` true), to be settled by talking, not by chance.
- ``"lead"``: the lead reviewer's label where they gave one, else the majority.

"unsure" never wins: unsure verdicts abstain. They count in ``n_reviewers`` and lower the
``agreement`` share, but one label next to an unsure resolves to that label. A row with only
unsure verdicts is unresolved. Labels are those of ``feedback_store.agreement``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pandas as pd

from feedback_store.agreement import AS_PREDICTED, ROW_KEY, UNSURE, reviewer_labels
from feedback_store.store import FeedbackStore, InvalidVerdict

__all__ = ["RULES", "resolve_labels", "resolve_frame"]

RULES = ("majority", "lead")
_COLUMNS = [
    "sprint", "prototype", "row_id", "source", "resolved_label", "unresolved", "reason", "rule",
    "n_reviewers", "agreement", "reviewers", "labels", "verdict_ids", "shown", "task",
]  # fmt: skip


def resolve_labels(
    store: FeedbackStore,
    sprint: str | None = None,
    prototype: str | None = None,
    rule: str = "majority",
    lead: str | None = None,
) -> pd.DataFrame:
    """One row per reviewed (sprint, prototype, row_id) with its resolved label.

    Columns: sprint, prototype, row_id, source, resolved_label (None when unresolved),
    unresolved (bool), reason (why unresolved, else None), rule (the rule applied to this row:
    "lead" or "majority"), n_reviewers, agreement (share of reviewers whose label is the
    resolved one; for an unresolved row, the share of the most given label), reviewers,
    labels and verdict_ids (lists, in the same order), shown (the prediction shown), task.
    """
    check_rule(rule, lead)
    labels = reviewer_labels(store, sprint, prototype)
    check_lead(labels, lead)
    return resolve_frame(labels, rule, lead)


def check_rule(rule: Any, lead: Any) -> None:
    """Raise InvalidVerdict unless ``rule`` and ``lead`` go together."""
    if rule not in RULES:
        raise InvalidVerdict(f"rule must be one of {', '.join(RULES)}; got {rule!r}")
    if rule == "lead" and (not isinstance(lead, str) or not lead.strip()):
        raise InvalidVerdict("rule 'lead' needs lead: the name of the lead reviewer")
    if rule == "majority" and lead is not None:
        raise InvalidVerdict("lead is only used with rule 'lead'; drop it or use rule='lead'")


def check_lead(labels: pd.DataFrame, lead: str | None) -> None:
    """Raise InvalidVerdict when ``lead`` reviewed none of the rows (most likely a typo)."""
    if lead is None or labels.empty or lead.strip() in set(labels["reviewer"]):
        return
    known = ", ".join(sorted(set(labels["reviewer"])))
    raise InvalidVerdict(
        f"lead {lead.strip()!r} has no current verdict on these rows; reviewers are {known}"
    )


def resolve_frame(
    labels: pd.DataFrame, rule: str = "majority", lead: str | None = None
) -> pd.DataFrame:
    """``resolve_labels`` on a frame from ``feedback_store.agreement.reviewer_labels``."""
    check_rule(rule, lead)
    lead = lead.strip() if lead else None
    rows = [_resolve(group, rule, lead) for _, group in labels.groupby(ROW_KEY, sort=False)]
    frame = pd.DataFrame(rows, columns=_COLUMNS)
    for column in ("resolved_label", "reason", "shown"):
        frame[column] = frame[column].astype(object)
    frame["unresolved"] = frame["unresolved"].astype(bool)
    frame["n_reviewers"] = frame["n_reviewers"].astype("int64")
    frame["agreement"] = frame["agreement"].astype("float64")
    return frame


def _resolve(group: pd.DataFrame, rule: str, lead: str | None) -> dict[str, Any]:
    group = group.sort_values("verdict_id")
    given = dict(zip(group["reviewer"], group["label"], strict=True))
    counts = Counter(label for label in given.values() if label != UNSURE)
    label: str | None = None
    reason: str | None = None
    applied = "majority"
    if rule == "lead" and given.get(lead, UNSURE) != UNSURE:
        label, applied = given[lead], "lead"
    elif not counts:
        reason = "only unsure verdicts"
    else:
        top = max(counts.values())
        winners = sorted((c for c, n in counts.items() if n == top), key=str)
        if len(winners) > 1:
            reason = f"tie between {' and '.join(winners)}"
        else:
            label = winners[0]
    if label == AS_PREDICTED:
        label, reason = None, "the prediction shown was not recorded with the verdicts"
    n = len(group)
    if label is not None:
        share = sum(v == label for v in given.values()) / n
    else:
        share = max(counts.values(), default=0) / n
    first = group.iloc[0]
    return {
        "sprint": first["sprint"],
        "prototype": first["prototype"],
        "row_id": first["row_id"],
        "source": first["source"],
        "resolved_label": label,
        "unresolved": label is None,
        "reason": reason,
        "rule": applied,
        "n_reviewers": n,
        "agreement": share,
        "reviewers": list(group["reviewer"]),
        "labels": list(group["label"]),
        "verdict_ids": [int(v) for v in group["verdict_id"]],
        "shown": next((s for s in group["shown"] if s is not None), None),
        "task": next((t for t in group["task"] if isinstance(t, str)), None),
    }
