"""Two prototypes counted and priced on the demo rows both were shown, like with like.

The rows SMEs flag leave the next sprint's demo set, so last sprint's MVP and this sprint's
are each counted on a different set: "caught 52 of 68 failures" beside "caught 50 of 60"
compares two sets of machines as much as two models. :func:`counted_on_shared_rows` counts
both on the labelled rows in both sets, against one truth (the later MVP's labels, the
latest the team has), each at the rule it is counted at on its own set (:class:`Rule`: its
decision threshold and the correction for having chosen it there), and prices their errors a
month the way ``model.threshold`` does: the cost a case on these rows times
``cases_per_month``, so the number of rows scales neither figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from model.costs import CostAssumptions
from model.outcomes import BinaryOutcome, MulticlassOutcome, RegressionOutcome, outcome
from model.threshold import error_cost

__all__ = [
    "CountedOnRows",
    "Rule",
    "SharedCounts",
    "count_on_rows",
    "counted_on_shared_rows",
    "shared_labelled_rows",
]


@dataclass(frozen=True)
class Rule:
    """How a prototype's decisions are counted and priced on its own demo rows, to count it
    the same way on others: ``threshold``, the probability of the positive class from which a
    case is flagged (binary; None: the published labels), and ``optimism``, the cost a case
    added for having chosen that threshold on the rows it was priced on
    (``ErrorCost.optimism``; zero for a threshold not chosen there)."""

    threshold: float | None = None
    optimism: float = 0.0


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
    """An earlier and a later prototype counted on the ``rows`` demo rows both were shown."""

    before: CountedOnRows
    now: CountedOnRows
    rows: int


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
    errors on these rows cost a month: their cost a case plus ``rule.optimism``, times
    ``cases_per_month``. Without a rule it is counted at its published labels, unpriced."""
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
    monthly = (cost.apparent_cost_per_case + rule.optimism) * cost.cases_per_month
    return CountedOnRows(result, monthly, cost.currency, len(frame))


def counted_on_shared_rows(
    before: pd.DataFrame,
    before_meta: Mapping,
    after: pd.DataFrame,
    after_meta: Mapping,
    rules: tuple[Rule | None, Rule | None],
    assumptions: CostAssumptions,
) -> SharedCounts | None:
    """An earlier prototype's and a later one's predictions counted and priced on the
    labelled demo rows both were shown (:func:`shared_labelled_rows`), against the later
    one's labels, each at its own ``rules`` entry (:func:`count_on_rows`). None when their
    demo sets are the same rows (each set's own counts are then like with like) or when
    they share no labelled row."""
    if set(before.index) == set(after.index):
        return None
    rows = shared_labelled_rows(before, after)
    if len(rows) == 0 or "actual" not in after.columns:
        return None
    truth = after["actual"]
    return SharedCounts(
        count_on_rows(before, before_meta, rows, truth, rules[0], assumptions),
        count_on_rows(after, after_meta, rows, truth, rules[1], assumptions),
        len(rows),
    )
