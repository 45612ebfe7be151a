"""The cost of a prototype's errors, and the decision threshold that makes it smallest.

A missed failure and a false alarm cost the business different amounts
(``CostAssumptions.missed_positive_cost``, ``false_alarm_cost``; a cost matrix for multiclass,
a cost per unit of error for regression). Priced on the labelled demo rows, the cost of a
prototype's errors per case, times ``cases_per_month``, is what its errors cost a month.

For a binary task the decision threshold matters: flagging every case with a probability of
failure of at least 0.1 rather than 0.5 catches more failures and raises more false alarms.
:func:`threshold_costs` prices every threshold that changes a decision, :func:`best_threshold`
picks the cheapest, and :func:`error_cost` gives the monthly cost at the cheapest threshold, at
one the user picks, or at the published labels, with a bootstrap interval.

**Choosing the threshold on the rows it is scored on flatters it.** The cheapest threshold on
2,000 demo rows is partly cheapest by luck on those rows. :func:`error_cost` therefore
re-chooses the threshold on every bootstrap resample (so the interval includes the
uncertainty of the choice) and measures the optimism as Efron's bootstrap does: the mean, over
the resamples, of what the threshold chosen on a resample costs on the demo rows minus what it
cost on the resample it was chosen on. That optimism is added to the estimate
(``ErrorCost.optimism``, shown in the formula), and the interval is the spread of that
per-resample optimism around the corrected estimate (a basic bootstrap of the corrected cost).
A threshold the user picks, or the published labels, involve no choice on these rows and get no
correction: their interval is the percentile interval of the cost on the resamples.

Measured (``tests/test_threshold.py``, 300 simulated demo sets of 150 positives and 850
negatives): at a fixed threshold the 95% interval covered the true cost 96% of the time; at
the threshold chosen on the rows, 87%, and the correction removed about 60% of the optimism
(17% of the cost before, 7% after). So a chosen threshold's interval is a little narrow and its
estimate still a little flattering; with fewer positives, more so.

The bootstrap is the project's (``model.stats.resample_weights``, ``BOOTSTRAP_RESAMPLES``
resamples, ``BOOTSTRAP_SEED``): stratified by class for classification, as the demo set was
drawn, so the interval holds the demo rows' class mix fixed and does not include uncertainty
about how often positives occur in production. Resamples depend only on the rows' number,
truth and the seed, so the replicates of prototypes scored on the same rows pair up
(``model.recommend`` uses their paired differences).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from model.config import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from model.costs import CostAssumptions, format_money, format_number
from model.labels import PROBABILITY_PREFIX, label_strings
from model.metrics import BINARY, MULTICLASS, REGRESSION
from model.outcomes import BinaryOutcome, binary_outcome, decided_labels
from model.stats import resample_weights

__all__ = [
    "BEST",
    "ErrorCost",
    "best_threshold",
    "cost_matrix",
    "error_cost",
    "percentile_interval",
    "prototype_error_cost",
    "threshold_costs",
]

#: ``threshold=BEST``: the threshold that minimises the cost of errors on the demo rows.
BEST = "best"


@dataclass(frozen=True)
class ErrorCost:
    """What a prototype's errors cost a month, with its bootstrap interval.

    ``threshold``: the binary decision threshold used (``None``: the published labels, and
    always for multiclass and regression); ``chosen``: it was chosen here to minimise cost.
    ``cost_per_case`` and ``monthly`` include ``optimism`` (per case; zero unless ``chosen``).
    ``replicates`` are the monthly cost on each bootstrap resample, paired with those of any
    prototype scored on the same rows and truth. ``outcome``: the counts at the threshold
    (binary only). ``formula``: how ``monthly`` was computed, in words, with its numbers.
    """

    task: str
    threshold: float | None
    chosen: bool
    cost_per_case: float
    apparent_cost_per_case: float
    optimism: float
    cases_per_month: float
    monthly: float
    low: float
    high: float
    confidence: float
    n_rows: int
    currency: str
    formula: str
    outcome: BinaryOutcome | None = None
    replicates: np.ndarray = field(default_factory=lambda: np.empty(0), repr=False)


def cost_matrix(
    assumptions: CostAssumptions, classes: list[str], positive_class: str | None = None
) -> pd.DataFrame:
    """The cost of deciding each label (columns) for a case of each label (rows).

    Binary (``positive_class`` given): a missed positive costs ``missed_positive_cost``, a
    false alarm ``false_alarm_cost``. Multiclass: ``assumptions.cost_matrix`` where it lists
    the pair, ``wrong_class_cost`` for any other mistake. A right decision costs nothing.
    """
    classes = [str(c) for c in classes]
    a = assumptions
    matrix = pd.DataFrame(0.0, index=classes, columns=classes)
    matrix.index.name, matrix.columns.name = "actual", "decided"
    for actual in classes:
        for decided in classes:
            if actual == decided:
                continue
            if positive_class is not None:
                is_miss = actual == str(positive_class)
                matrix.loc[actual, decided] = (
                    a.missed_positive_cost if is_miss else a.false_alarm_cost
                )
            else:
                listed = (a.cost_matrix or {}).get(actual, {})
                matrix.loc[actual, decided] = listed.get(decided, a.wrong_class_cost)
    return matrix


# -- binary thresholds --------------------------------------------------------------------------
class _Curve:
    """Counts of every threshold at once: the candidates are the distinct scores (flag the
    cases scoring at least that), plus one above them all (flag nothing)."""

    def __init__(self, positive: np.ndarray, scores: np.ndarray):
        scores = np.asarray(scores, dtype=float)
        if not np.isfinite(scores).all():
            raise ValueError("the probabilities must be finite numbers")
        self.positive = np.asarray(positive, dtype=bool)
        descending, inverse = np.unique(-scores, return_inverse=True)
        self.distinct = -descending
        self.m = len(self.distinct)
        self.groups = np.where(self.positive, self.m + inverse, inverse)

    @property
    def thresholds(self) -> np.ndarray:
        """A threshold per candidate, midway between the lowest score it flags and the next
        lower one, so that a score near it on new cases is decided as on these."""
        s = self.distinct
        top = s[0] if self.m else 1.0
        nothing = (top + 1.0) / 2 if top < 1 else np.nextafter(top, np.inf)
        lower = np.append(s[1:], min(0.0, s[-1]) if self.m else 0.0)
        middle = (s + lower) / 2
        # Two neighbouring floats have no float between them: then the score itself.
        return np.concatenate([[nothing], np.where(middle > lower, middle, s)])

    def counts(self, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``caught``, ``false_alarms`` (resamples × candidates), ``positives``, ``rows``."""
        grouped = np.empty((len(w), 2 * self.m))
        for b, weights in enumerate(w):
            grouped[b] = np.bincount(self.groups, weights=weights, minlength=2 * self.m)
        zero = np.zeros((len(w), 1))
        negatives, positives = grouped[:, : self.m], grouped[:, self.m :]
        caught = np.hstack([zero, np.cumsum(positives, axis=1)])
        false_alarms = np.hstack([zero, np.cumsum(negatives, axis=1)])
        return caught, false_alarms, positives.sum(axis=1), w.sum(axis=1)

    def per_case(self, w: np.ndarray, missed_cost: float, false_alarm_cost: float) -> np.ndarray:
        caught, false_alarms, positives, rows = self.counts(w)
        total = missed_cost * (positives[:, None] - caught) + false_alarm_cost * false_alarms
        return total / np.maximum(rows, 1)[:, None]


def _binary_inputs(actual, scores, positive_class) -> tuple[np.ndarray, np.ndarray]:
    positive = label_strings(np.asarray(actual)) == str(positive_class)
    scores = np.asarray(scores, dtype=float)
    if len(positive) != len(scores):
        raise ValueError(f"{len(positive)} labels for {len(scores)} probabilities")
    return positive, scores


def threshold_costs(
    actual, scores, positive_class: str, missed_cost: float, false_alarm_cost: float
) -> pd.DataFrame:
    """The cost of errors at every threshold that changes a decision, highest threshold first.

    A case is flagged when its probability of ``positive_class`` (``scores``) is at least the
    threshold. Columns: ``threshold``, ``flagged``, ``caught``, ``missed``, ``false_alarms``,
    ``cost`` (on these rows) and ``cost_per_case``. Any threshold between two rows' thresholds
    gives the counts of the row below it (the next lower threshold).
    """
    positive, scores = _binary_inputs(actual, scores, positive_class)
    curve = _Curve(positive, scores)
    caught, false_alarms, positives, rows = curve.counts(np.ones((1, len(scores))))
    caught, false_alarms = caught[0].astype(int), false_alarms[0].astype(int)
    missed = int(positives[0]) - caught
    cost = missed_cost * missed + false_alarm_cost * false_alarms
    return pd.DataFrame(
        {
            "threshold": curve.thresholds,
            "flagged": caught + false_alarms,
            "caught": caught,
            "missed": missed,
            "false_alarms": false_alarms,
            "cost": cost.astype(float),
            "cost_per_case": cost / max(int(rows[0]), 1),
        }
    )


def best_threshold(
    actual, scores, positive_class: str, missed_cost: float, false_alarm_cost: float
) -> float:
    """The threshold of least cost on these rows (of equals, the highest: fewest alarms)."""
    table = threshold_costs(actual, scores, positive_class, missed_cost, false_alarm_cost)
    return float(table["threshold"].iloc[int(np.argmin(table["cost"].to_numpy()))])


# -- the cost of errors -------------------------------------------------------------------------
def percentile_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """The central ``confidence`` share of bootstrap ``values``: ``(low, high)``."""
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail])
    return float(low), float(high)


def error_cost(
    predictions: pd.DataFrame,
    task: str,
    assumptions: CostAssumptions,
    *,
    classes: list[str] | None = None,
    positive_class: str | None = None,
    threshold: float | str | None = BEST,
    truth=None,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = 0.95,
) -> ErrorCost:
    """The monthly cost of a prototype's errors on its labelled demo predictions.

    ``predictions`` is ``Prototype.predictions()`` (or its rows shared with other prototypes);
    ``truth`` replaces its ``actual`` column (the bake-off scores every prototype against one
    truth). ``threshold`` (binary only): ``BEST`` (the cheapest on these rows, corrected for
    choosing it on them; see the module's docstring), a probability the user picks, or
    ``None`` (the published labels). Multiclass and regression have no threshold.

    Raises ``ValueError`` with one line if the predictions have no labels.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, e.g. 0.95; got {confidence}")
    if truth is None:
        if "actual" not in predictions.columns:
            raise ValueError(
                "these predictions were published without labels: the cost of errors is unknown"
            )
        truth = predictions["actual"]
    actual = np.asarray(truth)
    n = len(actual)
    if n == 0 or n != len(predictions):
        raise ValueError(f"{n} labels for {len(predictions)} predictions")
    pricing = _Pricing(task, assumptions, n_resamples, seed, confidence)
    a = assumptions
    if task == REGRESSION:
        error = np.abs(predictions["predicted"].to_numpy(dtype=float) - actual.astype(float))
        describe = _regression_formula(a, float(error.mean()), n)
        return pricing.fixed(a.cost_per_unit_error * error, None, describe)
    labels = label_strings(actual)
    classes = [str(c) for c in (classes or [])] or sorted(
        set(labels) | set(label_strings(predictions["predicted"].to_numpy()))
    )
    if task == MULTICLASS:
        decided = label_strings(predictions["predicted"].to_numpy())
        per_row = _row_costs(cost_matrix(a, classes), labels, decided, a.wrong_class_cost)
        describe = _multiclass_formula(a, int((labels != decided).sum()), float(per_row.sum()), n)
        return pricing.fixed(per_row, labels, describe)
    if task != BINARY:
        raise ValueError(f"unknown task {task!r}; use binary, multiclass or regression")

    positive = str(positive_class) if positive_class is not None else classes[-1]
    negative = next((c for c in classes if c != positive), "0")
    if threshold == BEST:
        return pricing.cheapest(predictions, labels, positive, negative)
    if isinstance(threshold, str):
        raise ValueError(f"threshold must be a probability, None or {BEST!r}; got {threshold!r}")
    decided = decided_labels(predictions, positive, threshold)
    result = binary_outcome(labels, decided, positive, negative, threshold)
    matrix = cost_matrix(a, [negative, positive], positive)
    per_row = _row_costs(matrix, labels, decided, a.false_alarm_cost)
    return pricing.fixed(per_row, labels, _binary_formula(a, result, n), threshold, result)


def _row_costs(matrix: pd.DataFrame, actual: np.ndarray, decided: np.ndarray, other: float):
    """Each row's cost; a label outside the matrix costs ``other`` when it is a mistake."""
    classes = list(matrix.index)
    rows = pd.Categorical(actual, categories=classes).codes
    columns = pd.Categorical(decided, categories=classes).codes
    known = (rows >= 0) & (columns >= 0)
    costs = np.where(actual == decided, 0.0, other)
    costs[known] = matrix.to_numpy()[rows[known], columns[known]]
    return costs


@dataclass(frozen=True)
class _Pricing:
    """One :func:`error_cost` call's task, assumptions and bootstrap settings."""

    task: str
    assumptions: CostAssumptions
    n_resamples: int
    seed: int
    confidence: float

    def resamples(self, n: int, strata: np.ndarray | None):
        return resample_weights(n, strata, self.n_resamples, self.seed)

    def fixed(
        self,
        per_row: np.ndarray,
        strata: np.ndarray | None,
        describe: str,
        threshold: float | None = None,
        result: BinaryOutcome | None = None,
    ) -> ErrorCost:
        """The cost of decisions fixed in advance: its mean per case, bootstrapped."""
        replicates = np.concatenate(
            [w @ per_row / w.sum(axis=1) for w in self.resamples(len(per_row), strata)]
        )
        return self.result(
            len(per_row), float(per_row.mean()), 0.0, replicates, describe, threshold, result
        )

    def cheapest(self, predictions, labels, positive: str, negative: str) -> ErrorCost:
        """The cost at the cheapest threshold, re-chosen on every resample, plus the optimism
        of choosing it on the rows it is scored on (Efron's optimism bootstrap)."""
        column = PROBABILITY_PREFIX + positive
        if column not in predictions.columns:
            raise ValueError(f"the predictions have no {column!r} column to choose a threshold on")
        curve = _Curve(labels == positive, predictions[column].to_numpy(dtype=float))
        n = len(labels)
        miss, alarm = self.assumptions.missed_positive_cost, self.assumptions.false_alarm_cost
        on_demo_rows = curve.per_case(np.ones((1, n)), miss, alarm)[0]
        in_bag, on_demo = [], []
        for w in self.resamples(n, labels):
            per_case = curve.per_case(w, miss, alarm)
            picks = np.argmin(per_case, axis=1)
            in_bag.append(per_case[np.arange(len(w)), picks])
            on_demo.append(on_demo_rows[picks])
        # Per resample: what the threshold chosen on it costs on the demo rows minus what it
        # cost on the resample. Its mean is the optimism; its spread, reflected around the
        # corrected estimate, is the interval (a basic bootstrap of the corrected cost).
        flattery = np.concatenate(on_demo) - np.concatenate(in_bag)
        optimism = max(0.0, float(np.mean(flattery)))
        replicates = float(on_demo_rows.min()) + optimism + (flattery - np.mean(flattery))
        chosen = int(np.argmin(on_demo_rows))
        threshold = float(curve.thresholds[chosen])
        decided = decided_labels(predictions, positive, threshold)
        result = binary_outcome(labels, decided, positive, negative, threshold)
        describe = _binary_formula(self.assumptions, result, n)
        return self.result(
            n, float(on_demo_rows[chosen]), optimism, replicates, describe, threshold,
            result, chosen=True,
        )  # fmt: skip

    def result(
        self,
        n: int,
        apparent: float,
        optimism: float,
        replicates: np.ndarray,
        describe: str,
        threshold: float | None,
        result: BinaryOutcome | None,
        chosen: bool = False,
    ) -> ErrorCost:
        a = self.assumptions
        monthly_replicates = replicates * a.cases_per_month
        low, high = percentile_interval(monthly_replicates, self.confidence)
        monthly = (apparent + optimism) * a.cases_per_month
        return ErrorCost(
            task=self.task,
            threshold=threshold,
            chosen=chosen,
            cost_per_case=apparent + optimism,
            apparent_cost_per_case=apparent,
            optimism=optimism,
            cases_per_month=a.cases_per_month,
            monthly=monthly,
            low=low,
            high=high,
            confidence=self.confidence,
            n_rows=n,
            currency=a.currency,
            formula=_monthly_formula(describe, a, apparent, optimism, monthly),
            outcome=result,
            replicates=monthly_replicates,
        )


def _monthly_formula(describe: str, a: CostAssumptions, apparent, optimism, monthly) -> str:
    def money(amount: float) -> str:
        return format_money(amount, a.currency)

    text = f"{describe} = {money(apparent)} a case"
    if optimism > 0:
        text += (
            f", + {money(optimism)} a case because the threshold was chosen on these rows "
            f"(measured by the bootstrap) = {money(apparent + optimism)}"
        )
    return text + f"; × {format_number(a.cases_per_month)} cases a month = {money(monthly)} a month"


def _binary_formula(a: CostAssumptions, result: BinaryOutcome, n: int) -> str:
    money = format_money
    return (
        f"({money(a.missed_positive_cost, a.currency)} × {result.missed:,} missed + "
        f"{money(a.false_alarm_cost, a.currency)} × {result.false_alarms:,} false alarms) ÷ "
        f"{n:,} demo rows"
    )


def _multiclass_formula(a: CostAssumptions, mistakes: int, total: float, n: int) -> str:
    return (
        f"{mistakes:,} wrong classes costing {format_money(total, a.currency)} in all ÷ "
        f"{n:,} demo rows"
    )


def _regression_formula(a: CostAssumptions, mean_error: float, n: int) -> str:
    return (
        f"{format_money(a.cost_per_unit_error, a.currency)} per unit of error × "
        f"{format_number(mean_error)} mean absolute error over {n:,} demo rows"
    )


def prototype_error_cost(
    proto, assumptions: CostAssumptions, threshold: float | str | None = BEST, **options
) -> ErrorCost:
    """:func:`error_cost` of a published prototype (``model.workspace.Prototype``) on all
    its demo rows; ``options`` as :func:`error_cost` takes them (``n_resamples``, ``seed``,
    ``confidence``, ``truth``)."""
    meta: Mapping = proto.meta
    return error_cost(
        proto.predictions(),
        proto.task,
        assumptions,
        classes=meta.get("classes"),
        positive_class=meta.get("positive_class"),
        threshold=threshold,
        **options,
    )
