"""One label per reviewed row, from the reviewers' labels, by a rule everyone can read.

Rules:

- ``"majority"``: the label most reviewers gave. A tie leaves the row unresolved (no label,
  ``unresolved`` true), to be settled by talking, not by chance.
- ``"lead"``: the lead reviewer's label where they gave one, else the majority.

"unsure" never wins: unsure verdicts abstain. They count in ``n_reviewers`` and lower the
``agreement`` share, but one label next to an unsure resolves to that label. A row with only
unsure verdicts is unresolved. Labels are those of ``feedback_store.agreement``.

A regression's rows are decided on the verdicts, not on the values (see
``feedback_store.agreement.VALUE_RULE``): the rule picks "wrong" or "correct" ("tie between
correct and wrong verdicts" otherwise). Where "wrong" wins, the label is the median of the
right values given, unless they are far apart (the row is then unresolved and says why);
under the lead rule, the lead's own right value. Where "correct" wins, the label is the row's
known value when the caller gives ``known_values`` (the reviewers accepted the prediction; the
truth is still the truth), else the prediction shown to six significant figures: never the
model's unrounded output. ``label_source`` says which, row by row.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from feedback_store.agreement import (
    AS_PREDICTED,
    ROW_KEY,
    UNSURE,
    combined_value,
    reviewer_labels,
    right_value,
    sensible_value,
    values_apart,
)
from feedback_store.reading import VerdictReader
from feedback_store.validation import InvalidVerdict

__all__ = ["KnownValues", "LABEL_SOURCES", "RULES", "resolve_labels", "resolve_frame"]

#: A regression's known (true) value per ``(sprint, prototype, row_id)``: the demo rows'
#: recorded outcomes, which the store does not hold.
KnownValues = Mapping[tuple[str, str, str], float]
#: Where a resolved label came from (``label_source``), in words for the manifest.
LABEL_SOURCES = {
    "reviewers": "the label the reviewers gave or confirmed (a classifier)",
    "right value": "the right value one reviewer gave (regression)",
    "median of right values": "the median of the right values the reviewers gave (regression)",
    "known value": "the row's known value; the reviewers said the prediction was correct",
    "prediction accepted": "the prediction shown, to six significant figures; the reviewers "
    "said it was correct and no known value was given",
}

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
    known_values: KnownValues | None = None,
    provenance: bool = False,
) -> pd.DataFrame:
    """One row per reviewed (sprint, prototype, row_id) with its resolved label.

    Columns: sprint, prototype, row_id, source, resolved_label (None when unresolved),
    unresolved (bool), reason (why unresolved, else None), rule (the rule applied to this row:
    "lead" or "majority"), n_reviewers, agreement (share of reviewers whose label is the
    resolved one; for an unresolved row, the share of the most given label), reviewers,
    labels and verdict_ids (lists, in the same order), shown (the prediction shown), task.
    ``labels``: ``reviewer_labels(store, sprint, prototype)`` if the caller has it (read only).
    ``known_values``: a regression's known values (see the module docstring). ``provenance``
    adds ``label_source`` (a key of ``LABEL_SOURCES``, None when unresolved) and
    ``right_values`` (a regression's right values given, as numbers; else empty).
    """
    check_rule(rule, lead)
    if labels is None:
        labels = reviewer_labels(store, sprint, prototype)
    check_lead(labels, lead)
    return resolve_frame(labels, rule, lead, known_values=known_values, provenance=provenance)


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
    labels: pd.DataFrame,
    rule: str = "majority",
    lead: str | None = None,
    *,
    known_values: KnownValues | None = None,
    provenance: bool = False,
) -> pd.DataFrame:
    """``resolve_labels`` on a frame from ``feedback_store.agreement.reviewer_labels``.

    Works on whole columns (one sort, one count of each row's labels) rather than row by row,
    so it keeps up with 100,000 verdicts; only tied rows go through Python, for their reason.
    """
    check_rule(rule, lead)
    lead = lead.strip() if lead else None
    verdicts, row = _in_row_order(labels)
    if verdicts.empty:
        return _frame(None, provenance)
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
    row_shown = _first(shown, [s is not None for s in shown], starts, ends)
    row_task = _first(task, [isinstance(t, str) for t in task], starts, ends)
    sources = np.where(has_label, "reviewers", None).astype(object)
    numbers: list[list[float]] = [[] for _ in range(n_rows)]
    regressions = [at for at, kind in enumerate(row_task) if kind == "regression"]
    if regressions and "verdict" in verdicts.columns:
        keys = verdicts[ROW_KEY].iloc[starts].itertuples(index=False, name=None)
        regression = _Regression(
            label=label.tolist(),
            kind=["correct" if v == "correct" else "wrong" for v in verdicts["verdict"]],
            reviewer=reviewer.tolist(),
            current=current.tolist(),
            lead=lead if rule == "lead" else None,
            known=known_values or {},
        )
        for at, key in zip(range(n_rows), keys, strict=True):
            if row_task[at] != "regression":
                continue
            settled = regression.settle(int(starts[at]), int(ends[at]), key, row_shown[at])
            (resolved[at], reason[at], by_lead[at], agreeing_votes[at], sources[at],
             numbers[at]) = settled  # fmt: skip
        has_label = resolved != None  # noqa: E711 (elementwise, on an object array)
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
        shown=row_shown,
        task=row_task,
    )
    if provenance:
        columns.update(label_source=sources.tolist(), right_values=numbers)
    return _frame(columns, provenance)


class _Regression:
    """A regression row's label from its verdicts, decided on "correct" or "wrong" (see the
    module docstring); the verdicts of the frame being resolved, as lists."""

    def __init__(
        self,
        label: list[Any],
        kind: list[str],
        reviewer: list[Any],
        current: list[bool],
        lead: str | None,
        known: KnownValues,
    ) -> None:
        self.label, self.kind, self.reviewer = label, kind, reviewer
        self.current, self.lead, self.known = current, lead, known

    def settle(
        self, start: int, end: int, key: tuple[str, str, str], shown: Any
    ) -> tuple[str | None, str | None, bool, int, str | None, list[float]]:
        """``(label, reason, decided by the lead, agreeing votes, label_source, right values)``
        for the row whose verdicts are ``start:end``."""
        at = [i for i in range(start, end) if self.current[i] and self.label[i] != UNSURE]
        given = [right_value(self.label[i]) for i in at if self.kind[i] == "wrong"]
        values = [v for v in given if v is not None]
        if not at:
            return None, "only unsure verdicts", False, 0, None, values
        wrong = sum(self.kind[i] == "wrong" for i in at)
        by_lead = [i for i in at if self.lead is not None and self.reviewer[i] == self.lead]
        if by_lead:
            winner = self.kind[by_lead[-1]]
        elif 2 * wrong == len(at):
            reason = "tie between correct and wrong verdicts"
            return None, reason, False, wrong, None, values
        else:
            winner = "wrong" if 2 * wrong > len(at) else "correct"
        votes = wrong if winner == "wrong" else len(at) - wrong
        if winner == "correct":
            label, source = self._accepted(key, shown)
            if label is None:
                reason = "the prediction shown was not recorded with the verdicts"
                return None, reason, bool(by_lead), votes, None, values
            return label, None, bool(by_lead), votes, source, values
        if by_lead:
            chosen = right_value(self.label[by_lead[-1]])
            if chosen is None:
                return None, "the lead's right value is not a number", True, votes, None, values
            return repr(chosen), None, True, votes, "right value", values
        if not values:
            return None, "no right value is a number", False, votes, None, values
        apart = values_apart(values, right_value(shown))
        if apart is not None:
            return None, apart, False, votes, None, values
        source = "right value" if len(values) == 1 else "median of right values"
        return repr(combined_value(values)), None, False, votes, source, values

    def _accepted(self, key: tuple[str, str, str], shown: Any) -> tuple[str | None, str]:
        """The label of a row the reviewers called correct, and where it came from."""
        known = right_value(self.known.get(key))
        if known is not None:
            return repr(known), "known value"
        prediction = right_value(shown)
        if prediction is None:
            return None, "prediction accepted"
        return repr(sensible_value(prediction)), "prediction accepted"


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


def _frame(columns: dict[str, Any] | None, provenance: bool = False) -> pd.DataFrame:
    # Built from Python values like the per-row version was, so pandas infers the same dtypes
    # (text columns become "str", with NaN where a row has no value).
    names = [*_COLUMNS, "label_source", "right_values"] if provenance else _COLUMNS
    frame = pd.DataFrame(columns if columns else [], columns=names)
    if provenance:
        frame["label_source"] = frame["label_source"].astype(object)
    for column in ("resolved_label", "reason", "shown"):
        frame[column] = frame[column].astype(object)
    frame["unresolved"] = frame["unresolved"].astype(bool)
    frame["n_reviewers"] = frame["n_reviewers"].astype("int64")
    frame["agreement"] = frame["agreement"].astype("float64")
    return frame
