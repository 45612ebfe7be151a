"""Which of a prototype's demo rows an SME reviewer sees next: :func:`review_queue`."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from model.cutoff_decisions import Cutoff, least_sure_first
from model.metrics import REGRESSION
from model.prototype import Prototype
from model.review_reasons import quoted

__all__ = ["QUEUE_KINDS", "review_queue"]

QUEUE_KINDS = (
    "least confident",
    "disagreement",
    "stratified sample",
    "not yet reviewed by me",
    "by id",
)
_REGRESSION_STRATA = 4


def review_queue(
    proto: Prototype,
    kind: str,
    reviewer: str | None = None,
    reviewed: Iterable[str] = frozenset(),
    other_predictions: Mapping[str, pd.DataFrame] | None = None,
    seed: int = 0,
    size: int | None = None,
    *,
    row_id: str | None = None,
    predictions: pd.DataFrame | None = None,
    cutoff: Cutoff | None = None,
    other_cutoffs: Mapping[str, Cutoff | None] | None = None,
) -> list[str]:
    """Row ids of ``proto``'s demo rows in the order a reviewer should see them.

    Kinds (``QUEUE_KINDS``):

    - "least confident": lowest confidence first (ties in row order). Regression has no
      confidence: largest absolute error first when the demo set has labels, else a seeded
      random order.
    - "disagreement": rows on which the sprint's prototypes predict differently, most split
      first (then least confident). ``other_predictions`` maps the other prototypes' names to
      their ``predictions()`` frames; rows they lack are compared among the rest. Regression:
      rows by the spread (standard deviation) of the predictions, largest first.
    - "stratified sample": a seeded random order that takes the predicted classes in turn,
      rarest class first, so any first n rows hold as equal a number per class as the classes
      allow. The same seed gives every reviewer the same order, so their reviews overlap and
      agreement can be measured. Regression: quartiles of the prediction are the classes.
    - "not yet reviewed by me": the least confident rows not in ``reviewed``; needs
      ``reviewer`` (whose verdicts ``reviewed`` holds).
    - "by id": just ``row_id``, checked to be a demo row (``reviewed`` is not applied).

    With ``cutoff`` (a binary model's threshold, ``model.cutoff_decisions``), "least
    confident" and "not yet reviewed by me" put the rows closest to that threshold first
    (``cutoff_decisions.sureness``), and "stratified sample" takes the classes decided there in
    turn: the cases the counts flag, not the model's own 50 % class. "disagreement" compares
    each prototype's decision at its own cut-off (``cutoff``, and ``other_cutoffs`` by name
    for the others), where one is known: a forest flagging from 6 % and a rule flagging from
    20 % disagree on a 10 % case, though both put it under 50 %. Without ``other_cutoffs``
    every prototype's own 50 % class is compared.

    Every other kind leaves out the row ids in ``reviewed``. ``size`` keeps the first rows.
    ``predictions`` is ``proto.predictions()`` if the caller has it already (it is not
    changed); otherwise they are read.
    """
    if kind not in QUEUE_KINDS:
        raise ValueError(f"unknown review queue {kind!r}; choose one of {', '.join(QUEUE_KINDS)}")
    if size is not None and (
        isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1
    ):
        raise ValueError(f"size must be a whole number of rows, at least 1; got {size!r}")
    done = _row_ids("reviewed", reviewed)
    if predictions is None:
        predictions = proto.predictions()
    predictions = predictions.set_axis(predictions.index.astype(str))
    if kind == "by id":
        return [_demo_row(proto, predictions, row_id)]
    if kind == "not yet reviewed by me" and not (isinstance(reviewer, str) and reviewer.strip()):
        raise ValueError("the 'not yet reviewed by me' queue needs reviewer: your name")
    remaining = predictions[~predictions.index.isin(done)] if done else predictions
    if kind == "disagreement":
        # Decisions are compared at cut-offs only when the others' are given too: one model
        # at 6 % against the rest at 50 % would split every case between.
        at = (cutoff, other_cutoffs) if other_cutoffs is not None else (None, None)
        order = _most_split(proto, remaining, other_predictions, *at)
    elif kind == "stratified sample":
        order = _stratified(proto, _decided(remaining, cutoff), seed)
    elif cutoff is not None and cutoff.column in remaining.columns:
        order = least_sure_first(remaining, cutoff)
    else:
        order = _least_confident(proto, remaining, seed)
    # The ids of the rows kept, in one call: a Python loop over 100,000 ids took longer than
    # ordering them.
    return (order if size is None else order[: int(size)]).tolist()


def _row_ids(field: str, values: Iterable[str]) -> set[str]:
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValueError(
            f"{field} must be a set of row ids such as {{'4711'}}, got {quoted(values)}"
        )
    return {str(v) for v in values}


def _demo_row(proto: Prototype, predictions: pd.DataFrame, row_id: Any) -> str:
    if row_id is None or not str(row_id).strip():
        raise ValueError("the 'by id' queue needs row_id: the id of the row to review")
    wanted = str(row_id).strip()
    if wanted not in predictions.index:
        raise ValueError(
            f"row {quoted(wanted)} is not among the {len(predictions):,} demo rows of"
            f" {proto.name}; check the id"
        )
    return wanted


def _decided(rows: pd.DataFrame, cutoff: Cutoff | None) -> pd.DataFrame:
    """``rows`` with ``predicted`` the class decided at ``cutoff`` (as they are without one)."""
    if cutoff is None or cutoff.column not in rows.columns:
        return rows
    flagged = rows[cutoff.column].to_numpy(dtype=float, na_value=np.nan) >= cutoff.threshold
    return rows.assign(predicted=np.where(flagged, cutoff.positive, cutoff.negative))


# The orders below are row ids (an Index of text), first first.
def _least_confident(proto: Prototype, rows: pd.DataFrame, seed: int) -> pd.Index:
    if "confidence" in rows.columns:
        return rows["confidence"].sort_values(kind="stable").index
    if "error" in rows.columns and rows["error"].notna().any():
        size = rows["error"].abs().fillna(-np.inf)
        return size.sort_values(ascending=False, kind="stable").index
    return rows.index[np.random.default_rng(seed).permutation(len(rows))]


def _most_split(
    proto: Prototype,
    rows: pd.DataFrame,
    others: Mapping[str, pd.DataFrame] | None,
    cutoff: Cutoff | None = None,
    other_cutoffs: Mapping[str, Cutoff | None] | None = None,
) -> pd.Index:
    if not others:
        raise ValueError(
            "the 'disagreement' queue needs the other prototypes' predictions: pass"
            " other_predictions={name: prototype.predictions()}"
        )
    columns = {proto.name: _decided(rows, cutoff)["predicted"]}
    for name, frame in others.items():
        if not isinstance(frame, pd.DataFrame) or "predicted" not in frame.columns:
            raise ValueError(
                f"other_predictions[{name!r}] must be a prototype's predictions() frame with a"
                " 'predicted' column"
            )
        predicted = _decided(frame, (other_cutoffs or {}).get(name))["predicted"].copy()
        predicted.index = predicted.index.astype(str)
        columns[str(name)] = predicted
    table = pd.DataFrame(columns).reindex(rows.index)
    counts = table.notna().sum(axis=1)
    if proto.task == REGRESSION:
        split = table.astype(float).std(axis=1, ddof=0)
        keep = counts >= 2
    else:
        given = table.stack().dropna().astype(str)
        rows_level = given.index.get_level_values(0)
        top = given.groupby([rows_level, given.to_numpy()]).size().groupby(level=0).max()
        top = top.reindex(table.index, fill_value=0)
        split = 1 - top / counts.where(counts > 0, 1)
        keep = (counts >= 2) & (split > 0)
    order = pd.DataFrame({"split": split[keep]})
    order["confidence"] = rows["confidence"] if "confidence" in rows.columns else 0.0
    if cutoff is not None and cutoff.column in rows.columns:  # ties: closest to the cut-off first
        closest = least_sure_first(rows, cutoff)
        order["confidence"] = pd.Series(np.arange(len(closest)), index=closest)
    order = order.sort_values(["split", "confidence"], ascending=[False, True], kind="stable")
    return order.index


def _stratified(proto: Prototype, rows: pd.DataFrame, seed: int) -> pd.Index:
    if rows.empty:
        return rows.index
    rng = np.random.default_rng(seed)
    if proto.task == REGRESSION:
        strata = pd.qcut(
            rows["predicted"].astype(float).rank(method="first"),
            q=min(_REGRESSION_STRATA, len(rows)),
            labels=False,
        ).astype(str)
    else:
        strata = rows["predicted"].astype(str)
    codes, labels = pd.factorize(strata, sort=True)
    counts = np.bincount(codes, minlength=len(labels))
    # Rarest class first; each class's rows shuffled (in that order, so a seed gives one
    # order), and each row's turn is its place in its class's shuffle. The queue takes turn
    # 0 of every class, then turn 1, and so on: numpy instead of a loop over every row.
    rank = np.empty(len(labels), dtype=np.int64)
    turn = np.empty(len(rows), dtype=np.int64)
    for place, group in enumerate(sorted(range(len(labels)), key=lambda g: (counts[g], labels[g]))):
        rank[group] = place
        members = np.flatnonzero(codes == group)
        turn[members[rng.permutation(len(members))]] = np.arange(len(members))
    return rows.index[np.lexsort((rank[codes], turn))]
