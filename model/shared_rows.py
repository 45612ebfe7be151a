"""Two prototypes counted and priced on the demo rows both were shown, like with like.

The rows SMEs flag leave the next sprint's demo set, so last sprint's MVP and this sprint's
are each counted on a different set: "caught 52 of 68 failures" beside "caught 50 of 60"
compares two sets of machines as much as two models. :func:`counted_on_shared_rows` counts
both on the labelled rows in both sets, against one truth (the later MVP's labels, the
latest the team has), each at the decision threshold it is counted at on its own set
(:class:`Rule`), and prices their errors a month the way ``model.threshold`` does: the cost a
case on these rows times ``cases_per_month``, so the number of rows scales neither figure.

Two things keep the comparison honest:

- No allowance for having chosen the threshold. On its own set a binary model's cost carries
  ``ErrorCost.optimism``, a cost a case added because its threshold was chosen on those very
  rows. Carried onto the shared rows it priced models that made no error there at $27,200 and
  $17,330 a month (trial L, Sprint 12: 53 shared rows, no failure among them), and a constant
  a case says nothing about which of the two errs less on the same rows. The shared rows are
  priced at what the errors made there cost, and the page says so.
- Enough rows to compare on (:func:`too_few_to_compare`): at least ``MIN_SHARED_ROWS``, and
  every class a comparison needs (a binary model's positive and negative class, two classes
  of a multiclass one). On 53 rows without a failure, recall and precision are 0/0 and both
  models "catch 0 of 0": a change of +0.000 there is no measurement. The caller then shows
  each model on its own set and says why no change is measured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from model.costs import CostAssumptions
from model.outcomes import BinaryOutcome, MulticlassOutcome, RegressionOutcome, outcome
from model.threshold import error_cost

__all__ = [
    "MIN_SHARED_ROWS",
    "CountedOnRows",
    "Rule",
    "SharedCounts",
    "TooFewToCompare",
    "count_on_rows",
    "counted_on_shared_rows",
    "shared_labelled_rows",
    "too_few_to_compare",
]

#: Fewest shared demo rows two models are compared on. Below it one row more or less moves a
#: rate by several points (1 row of 30 is 3%), so a change would say more about which rows
#: were shared than about the models.
MIN_SHARED_ROWS = 30


@dataclass(frozen=True)
class Rule:
    """How a prototype's decisions are counted on its own demo rows, to count it the same way
    on others: ``threshold``, the probability of the positive class from which a case is
    flagged (binary; None: the published labels). Its errors there are priced without the
    allowance for having chosen the threshold (``ErrorCost.optimism``; see the module's
    docstring)."""

    threshold: float | None = None


@dataclass(frozen=True)
class CountedOnRows:
    """A prototype's outcome on some rows, and what its errors there cost a month
    (``monthly``, None when it is not priced: no :class:`Rule` was given)."""

    outcome: BinaryOutcome | MulticlassOutcome | RegressionOutcome
    monthly: float | None
    currency: str | None
    rows: int


@dataclass(frozen=True)
class SharedCounts:
    """An earlier and a later prototype counted on the ``rows`` demo rows both were shown
    (less the ``learnt`` of them the later one was trained on, left out: 0, none)."""

    before: CountedOnRows
    now: CountedOnRows
    rows: int
    learnt: int = 0


@dataclass(frozen=True)
class TooFewToCompare:
    """Why two prototypes are not compared on the ``rows`` demo rows both were shown:
    ``lacking`` is ``"rows"`` (fewer than ``minimum``), ``"positive"`` or ``"negative"`` (a
    binary model's positive class, or every other, is missing from them) or ``"classes"``
    (a multiclass model's rows hold one class only: ``only``)."""

    rows: int
    lacking: str
    minimum: int = MIN_SHARED_ROWS
    only: str | None = None


def too_few_to_compare(
    truth: pd.Series, meta: Mapping, minimum: int = MIN_SHARED_ROWS
) -> TooFewToCompare | None:
    """None when the labels ``truth`` of the shared rows can compare two prototypes of
    ``meta``'s task: at least ``minimum`` rows and, for a binary task, both its positive
    class and another, for a multiclass one at least two classes; else why not. A
    regression needs the rows only."""
    known = truth.dropna()
    rows = len(known)
    if rows < max(minimum, 1):
        return TooFewToCompare(rows, "rows", minimum)
    task = str(meta.get("task"))
    labels = set(known.astype(str))
    if task == "binary":
        classes = [str(c) for c in meta.get("classes") or []]
        positive = meta.get("positive_class")
        positive = str(positive) if positive is not None else (classes[1] if classes else None)
        if positive not in labels:
            return TooFewToCompare(rows, "positive", minimum)
        if labels == {positive}:
            return TooFewToCompare(rows, "negative", minimum)
    elif task == "multiclass" and len(labels) < 2:
        return TooFewToCompare(rows, "classes", minimum, only=next(iter(labels)))
    return None


def shared_labelled_rows(before: pd.DataFrame, after: pd.DataFrame) -> pd.Index:
    """The row ids in both predictions frames (``Prototype.predictions()``) that are labelled
    in both, in ``before``'s order; every shared row when either has no ``actual`` column."""
    rows = before.index.intersection(after.index, sort=False)
    if "actual" in before.columns and "actual" in after.columns:
        labelled = before.loc[rows, "actual"].notna().to_numpy()
        rows = rows[labelled & after.loc[rows, "actual"].notna().to_numpy()]
    return rows


def count_on_rows(
    predictions: pd.DataFrame,
    meta: Mapping,
    rows: pd.Index,
    truth: pd.Series,
    rule: Rule | None,
    assumptions: CostAssumptions,
) -> CountedOnRows:
    """A published prototype's outcome on ``rows`` of its ``predictions`` against ``truth``
    (labels by row id), at ``rule``'s threshold (a binary one), and with a rule, what its
    errors on these rows cost a month: their cost a case, times ``cases_per_month`` (no
    allowance for having chosen the threshold: a model without an error here costs $0).
    Without a rule it is counted at its published labels, unpriced."""
    # by position: a text index makes numpy look up attributes among 100,000 row ids
    frame = predictions.loc[rows].reset_index(drop=True)
    frame["actual"] = truth.loc[rows].to_numpy()
    task = str(meta.get("task"))
    classes = [str(c) for c in meta.get("classes") or []] or None
    positive = meta.get("positive_class")
    threshold = rule.threshold if rule is not None else None
    result = outcome(frame, task, classes, positive, threshold)
    if rule is None:
        return CountedOnRows(result, None, None, len(frame))
    # Only the estimate is used, at a threshold already chosen: its interval would take a
    # thousand resamples for nothing.
    cost = error_cost(
        frame, task, assumptions, classes=classes, positive_class=positive,
        threshold=threshold, n_resamples=1,
    )  # fmt: skip
    monthly = cost.apparent_cost_per_case * cost.cases_per_month
    return CountedOnRows(result, monthly, cost.currency, len(frame))


def counted_on_shared_rows(
    before: pd.DataFrame,
    before_meta: Mapping,
    after: pd.DataFrame,
    after_meta: Mapping,
    rules: tuple[Rule | None, Rule | None],
    assumptions: CostAssumptions,
    minimum: int = MIN_SHARED_ROWS,
    rows: pd.Index | None = None,
) -> SharedCounts | TooFewToCompare | None:
    """An earlier prototype's and a later one's predictions counted and priced on the
    labelled demo rows both were shown (:func:`shared_labelled_rows`), or on ``rows`` of
    them when given (``model.trained_rows.rows_not_learnt``: those the later one did not
    learn from), against the later one's labels, each at its own ``rules`` entry
    (:func:`count_on_rows`). Without ``rows``, None when their demo sets are the same rows
    (each set's own counts are then like with like) or when they share no labelled row; why
    not (:func:`too_few_to_compare`, with ``minimum``) when the rows are too few or lack a
    class."""
    if "actual" not in after.columns:
        return None
    if rows is None:
        if set(before.index) == set(after.index):
            return None
        rows = shared_labelled_rows(before, after)
        if len(rows) == 0:
            return None
    truth = after["actual"]
    lacking = too_few_to_compare(truth.loc[rows], after_meta, minimum)
    if lacking is not None:
        return lacking
    return SharedCounts(
        count_on_rows(before, before_meta, rows, truth, rules[0], assumptions),
        count_on_rows(after, after_meta, rows, truth, rules[1], assumptions),
        len(rows),
    )
