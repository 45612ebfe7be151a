"""Which prototype to choose, in one or two sentences that claim no more than the data allow.

Each prototype's monthly total is what it costs to own (``model.costs.ownership``: hosting,
retraining, maintenance) plus what its errors cost (``model.threshold.error_cost``, at its
cheapest threshold unless another is given). The errors are priced on the same demo rows and
the same bootstrap resamples for every prototype, so the difference between two totals has a
paired bootstrap interval: one prototype is "clearly cheaper" than another only when that
interval excludes zero. Otherwise the sentence says the difference is within the uncertainty,
unless the two cost the same to the cent (the estimate and the interval of the difference all
under half a cent a month): then it says they cost the same. "Within the uncertainty (about
$0.000012 a month, 95% interval $0.000012–$0.000012)" said there was doubt where there was none.

Money is rounded as people say it (about $41,000, not $41,237.18); the exact figures and their
formulas are in the :class:`Recommendation`'s ``table`` and in ``ErrorCost.formula``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.bakeoff import load_sprint
from model.config import BOOTSTRAP_RESAMPLES, BOOTSTRAP_SEED
from model.costs import (
    CostAssumptions,
    load_assumptions,
    ownership,
    payback_months,
    round_money,
    whole_money,
)
from model.outcomes import capital
from model.recommend_unknown import (
    KnownPart,
    at_least,
    bounded,
    bounded_text,
    known_part,
    unknown_parts,
)
from model.recommend_unknown import money_range as _range
from model.recommend_unknown import names as _names
from model.threshold import ErrorCost, error_costs, percentile_interval

__all__ = [
    "Comparison",
    "PrototypeCost",
    "Recommendation",
    "recommend",
    "sprint_costs",
    "sprint_recommendation",
]


@dataclass(frozen=True)
class PrototypeCost:
    """A prototype's monthly cost: to own (``running``) and of its errors (``errors``).

    ``running`` is ``None`` when an input is missing; ``errors`` is ``None`` when the
    prototype was published without labels. ``reason`` says why it cannot be compared.
    ``one_off`` (the cost to build, if known) gives the payback against the MVP.
    """

    name: str
    running: float | None
    errors: ErrorCost | None
    one_off: float | None = None
    #: Why ``running`` is unknown, when it is: "the training time was not recorded (…)".
    running_unknown: str | None = None
    #: What is known of ``running`` when only the retraining is not: the total is at least that.
    known_part: KnownPart | None = None

    @property
    def total(self) -> float | None:
        if self.running is None or self.errors is None:
            return None
        return self.running + self.errors.monthly

    @property
    def replicates(self) -> np.ndarray:
        """The monthly total on each bootstrap resample (running cost is fixed)."""
        if self.total is None:
            raise ValueError(f"{self.name}'s monthly total is unknown: {self.reason}")
        return self.errors.replicates + self.running

    @property
    def reason(self) -> str | None:
        if self.errors is None:
            return "published without the demo set's labels, so the cost of its errors is unknown"
        if self.running is None:
            why = self.running_unknown or "its latency or training time was not measured"
            return f"its running cost is unknown, as {why}"
        return None


@dataclass(frozen=True)
class Comparison:
    """``against`` minus ``name``, a month: what ``name`` saves (negative: costs more)."""

    name: str
    against: str
    saving: float
    low: float
    high: float

    @property
    def clear(self) -> bool:
        """``name`` is clearly cheaper: the interval of the saving excludes zero, and the
        saving is not less than half a cent a month (with free alarms, every prototype's
        errors cost nothing and ¥0.000092 of compute made one "clearly cheaper")."""
        return self.low > 0 and self.saving > _SAME_RUNNING

    @property
    def same(self) -> bool:
        """The two cost the same to the cent: the difference and its interval are all under
        half a cent a month (two prototypes with the same errors on every resample, whose
        compute differs by $0.000012 a month, or every cost under a cent)."""
        return max(abs(self.saving), abs(self.low), abs(self.high)) < _SAME_RUNNING


@dataclass(frozen=True)
class Recommendation:
    """The sentences, the prototype that costs least (``None`` when none can be priced),
    those it is clearly cheaper than and those not (``within_uncertainty``; of these,
    ``same_cost`` cost the same as it to the cent), those not compared, the comparisons with
    it, and a table of every prototype's figures.

    ``table`` has one row per prototype: ``prototype``, ``running_per_month``,
    ``errors_per_month`` with ``errors_low``/``errors_high``, ``threshold``,
    ``total_per_month`` with ``total_low``/``total_high``, ``more_than_best`` with its paired
    interval ``more_than_best_low``/``more_than_best_high``, ``one_off``, ``payback_months``
    and ``payback_formula`` (against the MVP, with the paired interval of the saving), and
    ``not_compared_because``. Unknown figures are missing (NaN or None).
    """

    text: str
    best: str | None
    clearly_cheaper_than: tuple[str, ...]
    within_uncertainty: tuple[str, ...]
    not_compared: tuple[str, ...]
    comparisons: tuple[Comparison, ...]
    table: pd.DataFrame
    same_cost: tuple[str, ...] = ()


def _table(
    costs: Sequence[PrototypeCost],
    comparisons: Mapping[str, Comparison],
    mvp: str | None,
    currency: str,
    confidence: float,
) -> pd.DataFrame:
    reference = next((c for c in costs if c.name == mvp and c.total is not None), None)
    rows = []
    for c in costs:
        low = high = None
        if c.total is not None:
            low, high = percentile_interval(c.replicates, confidence)
        months, payback = None, None
        if reference is not None and c is not reference and c.total is not None:
            saved = percentile_interval(reference.replicates - c.replicates, confidence)
            months, payback = payback_months(c.one_off, c.total, reference.total, currency, saved)
        versus = comparisons.get(c.name)
        rows.append(
            {
                "prototype": c.name,
                "running_per_month": c.running,
                "errors_per_month": c.errors.monthly if c.errors else None,
                "errors_low": c.errors.low if c.errors else None,
                "errors_high": c.errors.high if c.errors else None,
                "threshold": c.errors.threshold if c.errors else None,
                "total_per_month": c.total,
                "total_low": low,
                "total_high": high,
                "total_at_least": at_least(c),
                "more_than_best": versus.saving if versus else None,
                "more_than_best_low": versus.low if versus else None,
                "more_than_best_high": versus.high if versus else None,
                "one_off": c.one_off,
                "payback_months": months,
                "payback_formula": payback,
                "not_compared_because": c.reason,
            }
        )
    return pd.DataFrame(rows)


def recommend(
    costs: Sequence[PrototypeCost],
    mvp: str | None = None,
    currency: str = "USD",
    confidence: float = 0.95,
) -> Recommendation:
    """One or two sentences saying which prototype costs least a month, errors included.

    ``costs`` must have been priced on the same rows and bootstrap resamples (as
    :func:`sprint_costs` does). The cheapest by its estimate is compared with each other
    prototype by the paired interval of the difference of their totals: the sentence claims a
    saving only where that interval excludes zero, against the current MVP (``mvp``) when it
    is among them, else against the nearest prototype it clearly beats; the others within
    the uncertainty are named as such. When none is clearly cheaper it says so and to choose
    on other grounds, and what to choose if nothing else decides: the cheapest to run (its
    running cost is known exactly), else the current MVP. When the MVP is within the
    uncertainty of the cheapest, it says to keep the MVP unless the cheapest costs less to
    run. Prototypes that cannot be priced are named and left out.
    """
    costs = list(costs)
    priced = [c for c in costs if c.total is not None]
    left_out = tuple(c.name for c in costs if c.total is None)
    lengths = {len(c.replicates) for c in priced}
    if len(lengths) > 1:
        raise ValueError("the prototypes were not priced on the same bootstrap resamples")
    best = min(priced, key=lambda c: c.total) if priced else None
    comparisons: dict[str, Comparison] = {}
    if best is not None:
        for c in priced:
            if c is best:
                continue
            low, high = percentile_interval(c.replicates - best.replicates, confidence)
            comparisons[c.name] = Comparison(best.name, c.name, c.total - best.total, low, high)
    clear = tuple(n for n, v in comparisons.items() if v.clear)
    tied = tuple(n for n, v in comparisons.items() if not v.clear)
    text = _text(costs, priced, best, comparisons, mvp, currency, confidence)
    bounds = bounded_text(costs, priced, best, currency, confidence)
    if bounds:  # only the retraining is unknown: recommend on what is known, say what is not
        text = bounds if best is None else f"{text} {bounds}"
    said = {c.name for c in bounded(costs)} if bounds else set()
    if left_out and priced and set(left_out) - said:
        reasons = {c.name: c.reason for c in costs if c.total is None and c.name not in said}
        text += (
            " "
            + capital(
                "; ".join(f"{name} is not compared: {reason}" for name, reason in reasons.items())
            )
            + "."
        )
    return Recommendation(
        text=text,
        best=best.name if best else None,
        clearly_cheaper_than=clear,
        within_uncertainty=tied,
        not_compared=left_out,
        comparisons=tuple(comparisons.values()),
        table=_table(costs, comparisons, mvp, currency, confidence),
        same_cost=tuple(n for n, v in comparisons.items() if v.same),
    )


def _text(costs, priced, best, comparisons, mvp, currency, confidence) -> str:
    def money(amount: float) -> str:
        return round_money(amount, currency)

    pct = f"{confidence:.0%}"  # "95%", as every other interval the pages give
    if not costs:
        return "No prototype is published in this sprint yet."
    if best is None:
        running = [c for c in costs if c.running is not None]
        if all(c.errors is None for c in costs):
            text = (
                "What the prototypes' errors cost is unknown: none was published with the "
                "demo set's labels."
            )
        else:
            text = f"No prototype's monthly total is known: {unknown_parts(costs)}."
            known = [c for c in costs if c.errors is not None]
            if len(known) > 1:
                text += " " + _errors_only(known, mvp, money, currency, confidence)
        if running:
            cheapest = min(running, key=lambda c: c.running)
            text += (
                f" On running cost alone, {cheapest.name} is the cheapest, at about "
                f"{money(cheapest.running)} a month."
            )
        return text

    def monthly(c: PrototypeCost) -> str:
        low, high = percentile_interval(c.replicates, confidence)
        if money(low) == money(high):  # errors that cost nothing on every resample
            return f"about {money(c.total)} a month with its errors"
        return (
            f"about {money(c.total)} a month with its errors, {pct} interval "
            f"{_range(low, high, currency)}"
        )

    low, high = percentile_interval(best.replicates, confidence)
    if len(priced) == 1:
        alone = "the only prototype" if len(costs) == 1 else "the only prototype that can be priced"
        if bounded(costs):  # the others are compared with it by what they cost at least
            alone = "the only prototype whose monthly total is known"
        return (
            # not "this sprint": Present tells an earlier sprint's bake-off with these words
            f"{capital(best.name)} is {alone}: about {money(best.total)} a month "
            f"including its errors ({pct} interval {_range(low, high, currency)})"
            + ("." if bounded(costs) else "; there is nothing to compare it with.")
        )
    clear = [comparisons[n] for n in comparisons if comparisons[n].clear]
    tied = [n for n in comparisons if not comparisons[n].clear]
    if not clear:
        totals = [c.total for c in priced]
        if money(min(totals)) == money(max(totals)):
            spread = f"all cost about {money(min(totals))} a month"
        elif all(v.same for v in comparisons.values()):  # "$0.000012" and "$0.0000068"
            top = max(totals)
            amount = whole_money(top, currency) if top < _SAME_RUNNING else money(best.total)
            spread = f"all cost the same to the cent, {'' if top < _SAME_RUNNING else 'about '}"
            spread += f"{amount} a month"
        else:
            spread = (
                f"cost between about {money(min(totals))} and {money(max(totals))} a month, "
                "and the differences are within the uncertainty"
            )
        return (
            "No prototype is clearly cheaper once errors are counted: "
            f"{_names([c.name for c in priced])} {spread}. "
            "Choose on other grounds: what the reviewers found, the effort, the risk. "
            + _tie_break(priced, best, mvp, money, monthly)
        )
    if mvp in tied:
        versus = comparisons[mvp]
        others = [c.against for c in clear]
        current = next(c for c in priced if c.name == mvp)
        if versus.same:
            lead = _same_as_mvp(best, current, money, monthly, currency)
        else:
            uncertain = (
                f"the difference from {mvp} is within the uncertainty (about "
                f"{money(versus.saving)} a month, {pct} interval "
                f"{_range(versus.low, versus.high, currency)})"
            )
            lead = _keep_or_switch(best, current, uncertain, money, monthly)
        # Every prototype is named: one between the cheapest and the MVP was left out.
        between = [name for name in tied if name != mvp]
        return (
            lead
            + _alike(between, comparisons, best.name, too=not versus.same)
            + f" {capital(_names(others))} cost{'s' if len(others) == 1 else ''} clearly more."
        )
    running = {c.name: c.running for c in priced}
    if mvp == best.name:
        versus = min(clear, key=lambda v: v.saving)
        # With a rival within the uncertainty, "stays the cheapest" claims more than it knows.
        lead = "costs least on these figures" if tied else "stays the cheapest"
        text = (
            f"The current MVP, {mvp}, {lead}: {versus.against} would cost about "
            f"{money(versus.saving)} a month more ({pct} interval "
            f"{_range(versus.low, versus.high, currency)})"
        )
    else:
        by_name = {v.against: v for v in clear}
        versus = by_name.get(mvp) or min(clear, key=lambda v: v.saving)
        against = f"the current MVP, {mvp}" if versus.against == mvp else versus.against
        extra = running[best.name] - running[versus.against]
        if abs(extra) < 0.005:
            run = "at the same running cost"
        elif extra > 0:
            run = f"for {money(extra)} more to run"
        else:
            run = f"and costs {money(-extra)} less to run"
        text = (
            f"{capital(best.name)} saves about {money(versus.saving)} a month against "
            f"{against} ({pct} interval {_range(versus.low, versus.high, currency)}), {run}"
        )
    also = [v.against for v in clear if v is not versus]
    if also:
        text += f"; it is clearly cheaper than {_names(also)} too"
    unsure = [name for name in tied if not comparisons[name].same]
    if unsure:
        text += f"; against {_names(unsure)} the difference is within the uncertainty"
    same = [name for name in tied if comparisons[name].same]
    if same:
        text += f"; {_names(same)} {_costs(same)} the same as {best.name}, to the cent"
    return text + "."


def _costs(names: Sequence[str]) -> str:
    return "costs" if len(names) == 1 else "cost"


def _alike(
    names: Sequence[str], comparisons: Mapping[str, Comparison], best: str, too: bool
) -> str:
    """Sentences naming, of ``names``, those within the uncertainty of ``best`` (``too``: as
    another was just said to be) and those that cost the same as it to the cent."""
    unsure = [name for name in names if not comparisons[name].same]
    same = [name for name in names if comparisons[name].same]
    text = ""
    if unsure:
        text += (
            f" Against {best}, {_names(unsure)} {'is' if len(unsure) == 1 else 'are'} "
            f"within the uncertainty{' too' if too else ''}."
        )
    if same:
        text += f" {capital(_names(same))} {_costs(same)} the same as {best}, to the cent."
    return text


def _same_as_mvp(best: PrototypeCost, mvp: PrototypeCost, money, monthly, currency: str) -> str:
    """What to do when the cheapest estimate costs the same as the MVP to the cent: keep the
    MVP (a switch saves nothing), and what a switch would cost once."""
    once = (
        f", and putting it into production would cost about {money(best.one_off)} once"
        if best.one_off
        else ""
    )
    return (
        f"Keep the current MVP, {mvp.name} ({monthly(mvp)}). {capital(best.name)} costs the "
        f"same, errors included ({whole_money(0.001, currency)} a month apart){once}."
    )


def _errors_only(
    known: Sequence[PrototypeCost], mvp: str | None, money, currency: str, confidence: float
) -> str:
    """What can be said when running costs are unknown: whose errors cost least a month, and
    against whom that is clear by the paired interval of the difference (the MVP first, else
    the nearest it clearly beats) or within the uncertainty."""
    pct = f"{confidence:.0%}"  # "95%", as every other interval the pages give
    best = min(known, key=lambda c: c.errors.monthly)
    clear: dict[str, tuple[float, float, float]] = {}
    tied: list[str] = []
    same: list[str] = []
    for c in known:
        if c is best:
            continue
        difference = c.errors.replicates - best.errors.replicates
        low, high = percentile_interval(difference, confidence)
        saving = c.errors.monthly - best.errors.monthly
        if max(abs(saving), abs(low), abs(high)) < _SAME_RUNNING:
            same.append(c.name)
        elif low > 0:
            clear[c.name] = (saving, low, high)
        else:
            tied.append(c.name)
    text = (
        f"Counting only what their errors cost, {best.name}'s errors cost least: about "
        f"{money(best.errors.monthly)} a month"
    )
    if clear:
        against = mvp if mvp in clear else min(clear, key=lambda name: clear[name][0])
        saving, low, high = clear[against]
        who = f"the current MVP, {against}" if against == mvp else against
        text += (
            f", about {money(saving)} less than those of {who} ({pct} interval "
            f"{_range(low, high, currency)})"
        )
        also = [name for name in clear if name != against]
        if also:
            text += f", and clearly less than {_names(also)}"
    if tied:
        text += f"; against {_names(tied)} the difference is within the uncertainty"
    if same:
        text += f"; those of {_names(same)} cost the same, to the cent"
    return text + "."


#: Running costs closer than this (a cent) are the same.
_SAME_RUNNING = 0.005


def _keep_or_switch(best: PrototypeCost, mvp: PrototypeCost, uncertain: str, money, monthly) -> str:
    """What to do, said first, when the cheapest estimate is within the uncertainty of the MVP
    (``uncertain`` says so with the figures): running costs are known exactly, so a lower one is
    a certain saving; otherwise keep the MVP."""
    extra = best.running - mvp.running
    once = (
        f", and putting it into production would cost about {money(best.one_off)} once"
        if best.one_off
        else ""
    )
    if extra < -_SAME_RUNNING:
        return (
            f"Choose {best.name} ({monthly(best)}): it costs {money(-extra)} a month less to run "
            f"than the current MVP, {mvp.name}, a saving that does not depend on its errors; "
            f"with its errors counted, {uncertain}{once}."
        )
    runs = "the same" if extra <= _SAME_RUNNING else f"{money(extra)} a month more"
    return (
        f"Keep the current MVP, {mvp.name} ({monthly(mvp)}). {capital(best.name)} might cost "
        f"less, but {uncertain}, it costs {runs} to run{once}."
    )


def _tie_break(priced: Sequence[PrototypeCost], best, mvp: str | None, money, monthly) -> str:
    """What to choose when every difference is within the uncertainty: the cheapest to run
    (known exactly); among equals the current MVP, else the lowest one-off cost, else the
    lowest estimate (said to be no clear difference)."""
    cheapest = min(c.running for c in priced)
    equal = [c for c in priced if c.running - cheapest <= _SAME_RUNNING]
    if len(equal) == 1:
        (pick,) = equal
        others = [c for c in priced if c is not pick]
        runner = min(others, key=lambda c: c.running)
        return (
            f"If nothing else decides, choose {pick.name} ({monthly(pick)}): it costs least "
            f"to run, {money(runner.running - pick.running)} a month less than {runner.name}."
        )
    if mvp in [c.name for c in equal]:
        kept = next(c for c in equal if c.name == mvp)
        return (
            f"If nothing else decides, keep {mvp} ({monthly(kept)}): the others cost the same "
            "to run, and it is already in use."
        )
    one_offs = {c.one_off for c in equal}
    if None not in one_offs and len(one_offs) > 1:
        pick = min(equal, key=lambda c: c.one_off)
        return (
            f"If nothing else decides, choose {pick.name} ({monthly(pick)}): they cost the "
            f"same to run, and it is the cheapest to put into production (about "
            f"{money(pick.one_off)} once)."
        )
    pick = best if best in equal else min(equal, key=lambda c: c.total)
    return (
        f"If nothing else decides, choose {pick.name} ({monthly(pick)}): they cost the same "
        "to run, and its estimate is the lowest, though not by a clear margin."
    )


def sprint_costs(
    ws,
    sprint: str,
    assumptions: CostAssumptions | None = None,
    thresholds: Mapping[str, float | str | None] | None = None,
    *,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
    confidence: float = 0.95,
) -> list[PrototypeCost]:
    """Every prototype of ``sprint`` priced on the rows they all share, against one truth.

    ``thresholds`` maps a prototype to its decision threshold (binary; default
    ``model.threshold.BEST``, the cheapest). ``assumptions`` default to the workspace's. All
    are priced on one pass over the bootstrap resamples, so their replicates pair up.
    """
    assumptions = assumptions if assumptions is not None else load_assumptions(ws.path)
    data = load_sprint(ws, sprint, need_labels=False)
    truth, frames = data.by_position()
    labelled = {
        name: frame
        for name, frame in frames.items()
        if truth is not None and "actual" in frame.columns
    }
    errors = {}
    if labelled:
        first = data.prototypes[next(iter(labelled))].meta
        resampling = {"n_resamples": n_resamples, "seed": seed, "confidence": confidence}
        # a regression's units too high and too low at their own prices (model.threshold)
        errors = error_costs(
            labelled, data.task, assumptions, classes=first.get("classes"),
            positive_class=data.positive_class, thresholds=thresholds, truth=truth,
            **resampling,
        )  # fmt: skip
    out = []
    for name, proto in data.prototypes.items():
        owned = ownership(proto.meta, assumptions)
        running, one_off = owned["ownership_cost_per_month"], owned["one_off_cost"]
        unknown = [
            owned["formulas"][key].removeprefix("unknown: ")
            for key in ("hosting_cost_per_month", "retrain_cost_per_month")
            if owned[key] is None
        ]
        why = "; ".join(dict.fromkeys(unknown)) or None
        part = known_part(owned, assumptions)
        out.append(PrototypeCost(name, running, errors.get(name), one_off, why, part))
    return out


def sprint_recommendation(
    ws,
    sprint: str,
    assumptions: CostAssumptions | None = None,
    thresholds: Mapping[str, float | str | None] | None = None,
    **options,
) -> Recommendation:
    """:func:`recommend` for a sprint's prototypes, against its MVP."""
    assumptions = assumptions if assumptions is not None else load_assumptions(ws.path)
    costs = sprint_costs(ws, sprint, assumptions, thresholds, **options)
    confidence = options.get("confidence", 0.95)
    return recommend(costs, ws.mvp(sprint), assumptions.currency, confidence)
