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

**A cost of errors is never below zero**, so no replicate is either. The basic bootstrap
reflects a resample's cost about the estimate; where errors are rare and a resample draws many
of them (a right-skewed cost), the reflection lands below zero: Sprint 9 of a trial gave
"$75,640 a month (95% interval -$60,000–$146,700)", 8.7% of its resamples below $0, which a
manager reads as a possible saving. Each replicate is therefore clipped at zero
(:meth:`_Pricing.result`). That is the interval intersected with the costs that can be: it
covers the true cost whenever the unclipped one did (the true cost is not negative), and
clipping is monotone, so the percentiles of the clipped replicates are the clipped
percentiles, and the paired differences ``model.recommend`` takes stay between costs that can
be. The estimate is not clipped: the apparent cost and the optimism are both 0 or more.

Measured with the simulation of ``tests/test_threshold.py`` (costs $2,000 a miss, $200 an
alarm), on 300 demo sets of 150 positives and 850 negatives: at a fixed threshold the 95%
interval covered the true cost 96% of the time; at the threshold chosen on the rows, 87%, and
the correction removed about 60% of the optimism (17% of the cost before, 7% after). On 200
sets of 60 positives and 940 negatives: 96% and 92%. So a chosen threshold's interval is a
little narrow and its estimate still a little flattering.

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
from model.regression_prices import is_one_price, pricing_words, regression_row_costs
from model.stats import resample_weights

__all__ = [
    "BEST",
    "ErrorCost",
    "best_threshold",
    "cost_matrix",
    "error_cost",
    "error_costs",
    "percentile_interval",
    "prototype_error_cost",
    "threshold_costs",
]

#: ``threshold=BEST``: the threshold that minimises the cost of errors on the demo rows.
BEST = "best"
#: On each bootstrap resample the cheapest threshold is re-chosen among at most this many.
BOOTSTRAP_CANDIDATES = 1024


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
    cases scoring at least that), or the ``candidates`` given, plus one above them all (flag
    nothing)."""

    def __init__(self, positive: np.ndarray, scores: np.ndarray, candidates=None):
        scores = np.asarray(scores, dtype=float)
        if not np.isfinite(scores).all():
            raise ValueError("the probabilities must be finite numbers")
        self.positive = np.asarray(positive, dtype=bool)
        ascending = np.unique(scores if candidates is None else candidates)
        self.distinct = ascending[::-1]
        self.m = len(ascending)
        # How many candidates lie above each row's score: candidate j flags it when j ≥ that.
        above = self.m - np.searchsorted(ascending, scores, side="right")
        self.groups = np.where(self.positive, self.m + 1 + above, above)

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
        width = self.m + 1  # the last group: rows below every candidate
        grouped = np.empty((len(w), 2 * width))
        for b, weights in enumerate(w):
            grouped[b] = np.bincount(self.groups, weights=weights, minlength=2 * width)
        negatives, positives = grouped[:, :width], grouped[:, width:]
        caught = np.cumsum(positives, axis=1)
        false_alarms = np.cumsum(negatives, axis=1)
        # Candidate 0 flags nothing; candidate j + 1 flags the rows of groups 0..j.
        caught[:, 1:], caught[:, 0] = caught[:, :-1].copy(), 0
        false_alarms[:, 1:], false_alarms[:, 0] = false_alarms[:, :-1].copy(), 0
        return caught, false_alarms, positives.sum(axis=1), w.sum(axis=1)

    def per_case(self, w: np.ndarray, missed_cost: float, false_alarm_cost: float) -> np.ndarray:
        caught, false_alarms, positives, rows = self.counts(w)
        total = missed_cost * (positives[:, None] - caught) + false_alarm_cost * false_alarms
        return total / np.maximum(rows, 1)[:, None]


def _cheapest(per_case: np.ndarray, false_alarm_cost: float):
    """The cheapest candidate (per row of ``per_case``, candidates highest threshold first).
    Of equal costs the highest threshold, with the fewest alarms; but where alarms cost
    nothing, the lowest: flagging more is then free, and the highest threshold that misses
    nothing on these rows misses a case scored a little lower on the next (with a missed
    failure at ¥1e9 and free alarms, prototypes missing nothing were costed at ¥2.8e9 a month
    from that alone)."""
    if false_alarm_cost > 0:
        return np.argmin(per_case, axis=-1)
    return per_case.shape[-1] - 1 - np.argmin(per_case[..., ::-1], axis=-1)


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
    """The threshold of least cost on these rows (of equals, the highest: fewest alarms; the
    lowest where alarms cost nothing)."""
    table = threshold_costs(actual, scores, positive_class, missed_cost, false_alarm_cost)
    chosen = _cheapest(table["cost"].to_numpy(), false_alarm_cost)
    return float(table["threshold"].iloc[int(chosen)])


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
    return error_costs(
        {"": predictions}, task, assumptions, classes=classes, positive_class=positive_class,
        thresholds={"": threshold}, truth=truth, n_resamples=n_resamples, seed=seed,
        confidence=confidence,
    )[""]  # fmt: skip


def error_costs(
    predictions: Mapping[str, pd.DataFrame],
    task: str,
    assumptions: CostAssumptions,
    *,
    classes: list[str] | None = None,
    positive_class: str | None = None,
    thresholds: Mapping[str, float | str | None] | None = None,
    truth=None,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = 0.95,
) -> dict[str, ErrorCost]:
    """:func:`error_cost` of several prototypes' predictions of the same rows, keyed as
    ``predictions``, on one pass over the bootstrap resamples (drawing them is most of the
    work on large demo sets). ``thresholds`` maps a name to its threshold (default ``BEST``).
    Without ``truth`` every frame's ``actual`` column must be the same.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, e.g. 0.95; got {confidence}")
    if task not in (BINARY, MULTICLASS, REGRESSION):
        raise ValueError(f"unknown task {task!r}; use binary, multiclass or regression")
    if not predictions:
        raise ValueError("no predictions to price: pass at least one")
    actual = _truth(predictions, truth)
    n = len(actual)
    labels = None if task == REGRESSION else label_strings(actual)
    pricing = _Pricing(task, assumptions, n_resamples, seed, confidence)
    thresholds = dict(thresholds or {})
    plans = {
        name: pricing.plan(frame, actual, labels, classes, positive_class,
                           thresholds.get(name, BEST))
        for name, frame in predictions.items()
    }  # fmt: skip
    for w in resample_weights(n, labels, n_resamples, seed):
        for plan in plans.values():
            plan.update(w)
    return {name: plan.finish() for name, plan in plans.items()}


def _truth(predictions: Mapping[str, pd.DataFrame], truth) -> np.ndarray:
    """The labels every prototype is priced against, checked against every frame's length."""
    if truth is None:
        labelled = [frame["actual"] for frame in predictions.values() if "actual" in frame]
        if len(labelled) < len(predictions):
            raise ValueError(
                "these predictions were published without labels: the cost of errors is unknown"
            )
        truth = labelled[0]
        first = label_strings(np.asarray(truth))
        if any(not np.array_equal(label_strings(np.asarray(t)), first) for t in labelled[1:]):
            raise ValueError("the prototypes' labels differ: pass the truth to price them against")
    actual = np.asarray(truth)
    for frame in predictions.values():
        if len(actual) == 0 or len(frame) != len(actual):
            raise ValueError(f"{len(actual)} labels for {len(frame)} predictions")
    return actual


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
    """One call's task, assumptions and bootstrap settings."""

    task: str
    assumptions: CostAssumptions
    n_resamples: int
    seed: int
    confidence: float

    def plan(self, predictions, actual, labels, classes, positive_class, threshold):
        """What to compute on each resample for one prototype's ``predictions``."""
        a, n = self.assumptions, len(actual)
        if self.task == REGRESSION:  # a unit too high and one too low at their own prices
            predicted = predictions["predicted"].to_numpy(dtype=float)
            if is_one_price(a):
                error = np.abs(predicted - actual.astype(float))
                describe = _regression_formula(a, float(error.mean()), n)
            else:
                describe = pricing_words(a, predicted, actual)
            return _Fixed(self, regression_row_costs(a, predicted, actual), describe)
        decided = label_strings(predictions["predicted"].to_numpy())
        classes = [str(c) for c in (classes or [])] or sorted(set(labels) | set(decided))
        if self.task == MULTICLASS:
            per_row = _row_costs(cost_matrix(a, classes), labels, decided, a.wrong_class_cost)
            mistakes = int((labels != decided).sum())
            return _Fixed(self, per_row, _multiclass_formula(a, mistakes, float(per_row.sum()), n))
        positive = str(positive_class) if positive_class is not None else classes[-1]
        negative = next((c for c in classes if c != positive), "0")
        if threshold == BEST:
            return _Cheapest(self, predictions, labels, positive, negative)
        if isinstance(threshold, str):
            raise ValueError(
                f"threshold must be a probability, None or {BEST!r}; got {threshold!r}"
            )
        decided = decided_labels(predictions, positive, threshold)
        result = binary_outcome(labels, decided, positive, negative, threshold)
        matrix = cost_matrix(a, [negative, positive], positive)
        per_row = _row_costs(matrix, labels, decided, a.false_alarm_cost)
        return _Fixed(self, per_row, _binary_formula(a, result, n), threshold, result)

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
        """The :class:`ErrorCost` of per-case ``apparent`` cost, ``optimism`` and bootstrap
        ``replicates`` (per case), a month.

        Replicates below zero are clipped at zero: a cost of errors cannot be negative (every
        cost assumption is 0 or more), and only the basic bootstrap's reflection of a
        right-skewed cost gives one (see the module's docstring). The interval is then the
        unclipped one intersected with the costs that can be, so it loses no coverage.
        """
        a = self.assumptions
        monthly_replicates = np.maximum(replicates * a.cases_per_month, 0.0)
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


class _Fixed:
    """Decisions fixed in advance: their mean cost per case on each resample."""

    def __init__(self, pricing, per_row, describe, threshold=None, result=None):
        self.pricing, self.per_row, self.describe = pricing, per_row, describe
        self.threshold, self.outcome = threshold, result
        self.values: list[np.ndarray] = []

    def update(self, w: np.ndarray) -> None:
        self.values.append(w @ self.per_row / w.sum(axis=1))

    def finish(self) -> ErrorCost:
        return self.pricing.result(
            len(self.per_row), float(self.per_row.mean()), 0.0, np.concatenate(self.values),
            self.describe, self.threshold, self.outcome,
        )  # fmt: skip


class _Cheapest:
    """The cheapest threshold, re-chosen on every resample, plus the optimism of choosing it
    on the rows it is scored on (Efron's optimism bootstrap).

    On each resample the threshold is re-chosen among at most ``BOOTSTRAP_CANDIDATES``
    candidates: every distinct score if there are no more, else quantiles of the positives'
    and of all scores, and the threshold chosen on the demo rows. With 100,000 distinct
    scores, every one of them would cost a thousand times 100,000 sums.
    """

    def __init__(self, pricing: _Pricing, predictions, labels, positive: str, negative: str):
        column = PROBABILITY_PREFIX + positive
        if column not in predictions.columns:
            raise ValueError(f"the predictions have no {column!r} column to choose a threshold on")
        self.pricing, self.n = pricing, len(labels)
        a = pricing.assumptions
        self.costs = (a.missed_positive_cost, a.false_alarm_cost)
        is_positive = labels == positive
        scores = predictions[column].to_numpy(dtype=float)
        curve = _Curve(is_positive, scores)
        on_demo = curve.per_case(np.ones((1, self.n)), *self.costs)[0]
        chosen = int(_cheapest(on_demo, a.false_alarm_cost))
        self.apparent = float(on_demo[chosen])
        self.threshold = float(curve.thresholds[chosen])
        decided = decided_labels(predictions, positive, self.threshold)
        self.outcome = binary_outcome(labels, decided, positive, negative, self.threshold)
        self.candidates = curve
        if curve.m > BOOTSTRAP_CANDIDATES:
            picked = [] if chosen == 0 else [curve.distinct[chosen - 1]]
            self.candidates = _Curve(is_positive, scores, _candidates(scores, is_positive, picked))
        self.on_demo = self.candidates.per_case(np.ones((1, self.n)), *self.costs)[0]
        self.in_bag: list[np.ndarray] = []
        self.on_demo_picked: list[np.ndarray] = []

    def update(self, w: np.ndarray) -> None:
        per_case = self.candidates.per_case(w, *self.costs)
        picks = _cheapest(per_case, self.costs[1])
        self.in_bag.append(per_case[np.arange(len(w)), picks])
        self.on_demo_picked.append(self.on_demo[picks])

    def finish(self) -> ErrorCost:
        # Per resample: what the threshold chosen on it costs on the demo rows minus what it
        # cost on the resample. Its mean is the optimism; its spread, around the corrected
        # estimate, the interval (a basic bootstrap of the corrected cost).
        flattery = np.concatenate(self.on_demo_picked) - np.concatenate(self.in_bag)
        optimism = max(0.0, float(np.mean(flattery)))
        replicates = self.apparent + optimism + (flattery - np.mean(flattery))
        describe = _binary_formula(self.pricing.assumptions, self.outcome, self.n)
        return self.pricing.result(
            self.n, self.apparent, optimism, replicates, describe, self.threshold, self.outcome,
            chosen=True,
        )  # fmt: skip


def _candidates(scores: np.ndarray, positive: np.ndarray, picked: list[float]) -> np.ndarray:
    """At most ``BOOTSTRAP_CANDIDATES`` scores to re-choose the threshold among: quantiles
    of the positives' scores and of all scores (actual scores, not interpolated), and
    ``picked``."""
    levels = np.linspace(0, 1, BOOTSTRAP_CANDIDATES // 2 - 1)
    parts = [np.quantile(scores, levels, method="inverted_cdf"), np.asarray(picked, float)]
    if positive.any():
        parts.append(np.quantile(scores[positive], levels, method="inverted_cdf"))
    return np.unique(np.concatenate(parts))


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
        f"{money(a.false_alarm_cost, a.currency)} × {result.false_alarms:,} false "
        f"alarm{'' if result.false_alarms == 1 else 's'}) ÷ "
        f"{n:,} demo rows"
    )


def _multiclass_formula(a: CostAssumptions, mistakes: int, total: float, n: int) -> str:
    return (
        f"{mistakes:,} wrong classes costing {format_money(total, a.currency)} in all ÷ "
        f"{n:,} demo rows"
    )


def _regression_formula(a: CostAssumptions, mean_error: float, n: int) -> str:
    return (
        f"{format_money(a.over_price, a.currency)} per unit of error × "
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
