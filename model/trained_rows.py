"""Demo rows a model learnt from: its figures on them are optimistic.

A model retrained on the SMEs' corrected labels is published with ``trained_on=`` (those
rows' ids). When it is published on a demo set that holds them, it is scored on cases whose
answers it was given: trial M's Sprint 3 learnt 41 of its 600 demo rows, was right on 83% of
those and 79% of the others, and its headline "0.380 better than Sprint 2's MVP" grew (an
accuracy gain of 0.322 shown, 0.286 on the 559 rows neither model trained on; the 41 were all
Sprint 2's errors). Publishing said nothing.

- :func:`warn_if_trained_on_demo_rows`: publish (and the CLI, as a ``note:`` line) warns in
  one line.
- :func:`learnt_rows_note`: the Sprint demo's words beside its headline.
- :func:`rows_not_learnt`: the labelled rows two MVPs share minus those the later one learnt,
  to measure the change against last sprint on rows it did not learn from
  (:func:`metrics_on_rows_not_learnt`), and to count and price both there
  (:func:`counted_on_rows_not_learnt`: Present step 2 read "Right on 474 of 600" beside
  Sprint 2's 281 of 600; on the 559 it did not learn, 440 beside 280).
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterable, Mapping

import pandas as pd

from model.costs import CostAssumptions
from model.followup_rows import TRAINED_ON_KEY
from model.metrics import metrics_on_rows
from model.shared_rows import (
    Rule,
    SharedCounts,
    TooFewToCompare,
    counted_on_shared_rows,
    shared_labelled_rows,
    too_few_to_compare,
)

__all__ = [
    "TrainedOnDemoRowsWarning",
    "counted_on_rows_not_learnt",
    "learnt_demo_rows",
    "learnt_rows_note",
    "learnt_rows_warning",
    "metrics_on_rows_not_learnt",
    "rows_not_learnt",
    "warn_if_trained_on_demo_rows",
]


class TrainedOnDemoRowsWarning(UserWarning):
    """Some of the demo rows were in the model's training data (``trained_on=``)."""


def learnt_demo_rows(trained: Iterable | None, row_ids: Iterable) -> pd.Index:
    """The ids of ``row_ids`` (a demo set's, as text) that are among ``trained``."""
    ids = pd.Index([str(row) for row in row_ids])
    if not trained:
        return ids[:0]
    return ids[ids.isin({str(row) for row in trained})]


def learnt_rows_warning(learnt: int, rows: int) -> str:
    """The one line publish warns with when ``learnt`` of the ``rows`` demo rows were in the
    model's training data."""
    were = "was" if learnt == 1 else "were"
    return (
        f"{learnt:,} of the {rows:,} demo rows {were} in this model's training data "
        "(trained_on=): its figures on them are optimistic; publish rows it did not learn "
        "from, or compare it with earlier models on the other "
        f"{rows - learnt:,} (the Sprint demo says how many it learnt)"
    )


def warn_if_trained_on_demo_rows(trained: Iterable | None, row_ids: Iterable) -> int:
    """Warn (:class:`TrainedOnDemoRowsWarning`) when rows of ``trained`` are among the demo
    rows ``row_ids``; returns how many are."""
    ids = list(row_ids)
    learnt = len(learnt_demo_rows(trained, ids))
    if learnt:
        warnings.warn(learnt_rows_warning(learnt, len(ids)), TrainedOnDemoRowsWarning, stacklevel=3)
    return learnt


def learnt_rows_note(meta: Mapping, row_ids: Iterable, noun: str = "cases") -> str | None:
    """For the Sprint demo, beside the headline: how many of the demo ``row_ids`` the
    prototype of ``meta`` learnt from (its ``trained_on`` rows), and that its figures on them
    are optimistic; None when it learnt none of them or that was not recorded."""
    ids = list(row_ids)
    learnt = len(learnt_demo_rows(meta.get(TRAINED_ON_KEY), ids))
    if not learnt:
        return None
    were = "was" if learnt == 1 else "were"
    return (
        f"{learnt:,} of these {len(ids):,} demo {noun} {were} in this model's training data "
        "(the SMEs' corrected labels): it was given their answers, so its scores here, and "
        f"its gain over last sprint, flatter it; expect less on new {noun}."
    )


def rows_not_learnt(
    before: pd.DataFrame, after: pd.DataFrame, after_meta: Mapping
) -> pd.Index | None:
    """The labelled rows both predictions frames share (``model.shared_rows
    .shared_labelled_rows``) minus those the later prototype (``after_meta``) learnt from, to
    compare the two on cases neither was trained on; None when it learnt none of them (the
    comparison on the shared rows is then already fair)."""
    rows = shared_labelled_rows(before, after)
    learnt = learnt_demo_rows(after_meta.get(TRAINED_ON_KEY), rows)
    if len(learnt) == 0:
        return None
    return rows[~pd.Index(rows.astype(str)).isin(set(learnt))]


def metrics_on_rows_not_learnt(
    before: pd.DataFrame, before_meta: Mapping, after: pd.DataFrame, after_meta: Mapping
) -> tuple[dict, dict, int, TooFewToCompare | None] | None:
    """Two MVPs' metrics on the labelled rows both were shown that the later one did not
    learn from (:func:`rows_not_learnt`), ``(before, after, rows, None)``, in the shape of the
    Sprint demo's comparison on shared rows; ``({}, {}, rows, why)`` when those rows cannot
    compare them (``model.shared_rows.too_few_to_compare``); None when it learnt none of the
    shared rows."""
    rows = rows_not_learnt(before, after, after_meta)
    if rows is None:
        return None
    if "actual" in after.columns:
        lacking = too_few_to_compare(after.loc[rows, "actual"], after_meta)
        if lacking is not None:
            return {}, {}, len(rows), lacking
    return (
        metrics_on_rows(dict(before_meta), before, rows),
        metrics_on_rows(dict(after_meta), after, rows),
        len(rows),
        None,
    )


def counted_on_rows_not_learnt(
    before: pd.DataFrame,
    before_meta: Mapping,
    after: pd.DataFrame,
    after_meta: Mapping,
    rules: tuple[Rule | None, Rule | None],
    assumptions: CostAssumptions,
) -> SharedCounts | TooFewToCompare | None:
    """Two MVPs counted and priced (``model.shared_rows.counted_on_shared_rows``) on the
    labelled rows both were shown that the later one did not learn from
    (:func:`rows_not_learnt`), with ``learnt`` saying how many were left out; why not when
    those rows cannot compare them; None when it learnt none of the shared rows (or the rows
    are unlabelled)."""
    rows = rows_not_learnt(before, after, after_meta)
    if rows is None:
        return None
    counted = counted_on_shared_rows(
        before, before_meta, after, after_meta, rules, assumptions, rows=rows
    )
    if isinstance(counted, SharedCounts):
        learnt = len(shared_labelled_rows(before, after)) - len(rows)
        return dataclasses.replace(counted, learnt=learnt)
    return counted
