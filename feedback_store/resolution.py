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

from typing import Any

import numpy as np
import pandas as pd

from feedback_store.agreement import AS_PREDICTED, ROW_KEY, UNSURE, reviewer_labels
from feedback_store.reading import VerdictReader
from feedback_store.validation import InvalidVerdict

__all__ = ["RULES", "resolve_labels", "resolve_frame"]

RULES = ("majority", "lead")
_COLUMNS = [
    "sprint", "prototype", "row_id", "source", "resolved_label", "unresolved", "reason", "rule",
    "n_reviewers", "agreement", "reviewers", "labels", "verdict_ids", "shown", "task",
]  # fmt: skip


def resolve_labels(
    store: VerdictReader,
    sprint: str | None = None,
    prototype: str | None = None,
    rule: str = "majority",
    lead: str | None = None,
    *,
    labels: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """One row per reviewed (sprint, prototype, row_id) with its resolved label.

    Columns: sprint, prototype, row_id, source, resolved_label (None when unresolved),
    unresolved (bool), reason (why unresolved, else None), rule (the rule applied to this row:
    "lead" or "majority"), n_reviewers, agreement (share of reviewers whose label is the
    resolved one; for an unresolved row, the share of the most given label), reviewers,
    labels and verdict_ids (lists, in the same order), shown (the prediction shown), task.
    ``labels``: ``reviewer_labels(store, sprint, prototype)`` if the caller has it (read only).
    """
    check_rule(rule, lead)
    if labels is None:
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
    """``resolve_labels`` on a frame from ``feedback_store.agreement.reviewer_labels``.

    Works on whole columns (one sort, one count of each row's labels) rather than row by row,
    so it keeps up with 100,000 verdicts; only tied rows go through Python, for their reason.
    """
    check_rule(rule, lead)
    lead = lead.strip() if lead else None
    verdicts, row = _in_row_order(labels)
    if verdicts.empty:
        return _frame(None)
    n_rows = int(row[-1]) + 1
    starts = np.flatnonzero(np.r_[True, row[1:] != row[:-1]])
    sizes = np.diff(np.r_[starts, len(row)])
    label = verdicts["label"].to_numpy(dtype=object)
    reviewer = verdicts["reviewer"]
    # A reviewer's later verdict on a row stands for them; the store keeps one, but be sure.
    current = ~pd.DataFrame({"row": row, "reviewer": reviewer.to_numpy()}).duplicated(keep="last")
    current = current.to_numpy()
    votes = current & (verdicts["label"] != UNSURE).to_numpy(dtype=bool)

    resolved, reason, top = _majority(row[votes], label[votes], n_rows)
    by_lead = np.zeros(n_rows, dtype=bool)
    if rule == "lead":
        lead_votes = votes & (reviewer == lead).to_numpy(dtype=bool)
        by_lead[row[lead_votes]] = True
        resolved[row[lead_votes]] = label[lead_votes]
        reason[by_lead] = None
    as_predicted = resolved == AS_PREDICTED
    resolved[as_predicted] = None
    reason[as_predicted] = "the prediction shown was not recorded with the verdicts"

    has_label = resolved != None  # noqa: E711 (elementwise, on an object array)
    agreeing = current & (label == resolved[row]).astype(bool)
    agreeing_votes = np.where(has_label, np.bincount(row[agreeing], minlength=n_rows), top)
    ends = starts + sizes
    shown = verdicts["shown"].tolist()
    task = verdicts["task"].tolist()
    verdict_ids = [int(v) for v in verdicts["verdict_id"].tolist()]
    columns: dict[str, Any] = {
        column: verdicts[column].iloc[starts].tolist()
        for column in ("sprint", "prototype", "row_id", "source")
    }
    columns.update(
        resolved_label=resolved.tolist(),
        unresolved=~has_label,
        reason=reason.tolist(),
        rule=np.where(by_lead, "lead", "majority").tolist(),
        n_reviewers=sizes,
        agreement=agreeing_votes / sizes,
        reviewers=_slices(reviewer.tolist(), starts, ends),
        labels=_slices(label.tolist(), starts, ends),
        verdict_ids=_slices(verdict_ids, starts, ends),
        shown=_first(shown, [s is not None for s in shown], starts, ends),
        task=_first(task, [isinstance(t, str) for t in task], starts, ends),
    )
    return _frame(columns)


def _majority(
    rows: np.ndarray, labels: np.ndarray, n_rows: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the label with the most votes (None on a tie or without votes), why there is
    none, and how many votes the most given label has (0 without votes)."""
    counts = (
        pd.DataFrame({"row": rows, "label": labels})
        .groupby(["row", "label"], sort=False, dropna=False)
        .size()
        .reset_index(name="votes")
    )
    counted_rows = counts["row"].to_numpy()
    top = np.zeros(n_rows, dtype=np.int64)
    np.maximum.at(top, counted_rows, counts["votes"].to_numpy())
    winners = counts[counts["votes"].to_numpy() == top[counted_rows]]
    winner_rows = winners["row"].to_numpy()
    n_winners = np.bincount(winner_rows, minlength=n_rows)
    winner_labels = winners["label"].to_numpy(dtype=object)
    single = n_winners[winner_rows] == 1

    resolved = np.full(n_rows, None, dtype=object)
    resolved[winner_rows[single]] = winner_labels[single]
    reason = np.full(n_rows, None, dtype=object)
    reason[top == 0] = "only unsure verdicts"
    for tied_row, text in _ties(winner_rows[~single], winner_labels[~single]):
        reason[tied_row] = text
    return resolved, reason, top


def _in_row_order(labels: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """The verdicts with rows in order of first appearance, each row's oldest verdict first,
    and each verdict's row number (0, 1, ...)."""
    row = labels.groupby(ROW_KEY, sort=False).ngroup()
    # ngroup numbers a key with a missing part NaN: groupby leaves such verdicts out.
    kept = np.flatnonzero(row.notna().to_numpy())
    keys = pd.DataFrame(
        {"row": row.to_numpy()[kept], "verdict_id": labels["verdict_id"].to_numpy()[kept]}
    )
    order = kept[keys.sort_values(["row", "verdict_id"], kind="stable").index.to_numpy()]
    verdicts = labels.iloc[order].reset_index(drop=True)
    return verdicts, row.to_numpy()[order].astype(np.int64)


def _ties(rows: np.ndarray, labels: np.ndarray) -> list[tuple[int, str]]:
    """``(row, "tie between A and B")`` for each tied row, the labels sorted as text."""
    tied: dict[int, list[Any]] = {}
    for row, label in zip(rows.tolist(), labels.tolist(), strict=True):
        tied.setdefault(row, []).append(label)
    return [(row, f"tie between {' and '.join(sorted(ls, key=str))}") for row, ls in tied.items()]


def _slices(values: list[Any], starts: np.ndarray, ends: np.ndarray) -> list[list[Any]]:
    return [values[start:end] for start, end in zip(starts.tolist(), ends.tolist(), strict=True)]


def _first(
    values: list[Any], wanted: list[bool], starts: np.ndarray, ends: np.ndarray
) -> list[Any]:
    """Per row, its first value that is wanted, else None."""
    positions = np.where(wanted, np.arange(len(values)), len(values))
    first = np.minimum.reduceat(positions, starts)
    return [
        values[at] if at < end else None
        for at, end in zip(first.tolist(), ends.tolist(), strict=True)
    ]


def _frame(columns: dict[str, Any] | None) -> pd.DataFrame:
    # Built from Python values like the per-row version was, so pandas infers the same dtypes
    # (text columns become "str", with NaN where a row has no value).
    frame = pd.DataFrame(columns if columns else [], columns=_COLUMNS)
    for column in ("resolved_label", "reason", "shown"):
        frame[column] = frame[column].astype(object)
    frame["unresolved"] = frame["unresolved"].astype(bool)
    frame["n_reviewers"] = frame["n_reviewers"].astype("int64")
    frame["agreement"] = frame["agreement"].astype("float64")
    return frame
