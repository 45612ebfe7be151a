"""What the recommendation says of prototypes whose monthly total is not fully known.

A prototype published without its training time has every figure but its retraining: hosting,
maintenance and the cost of its errors are known, so its total is known to be *at least* their
sum (retraining can only add to it). That is enough to recommend when the unknown part cannot
change the order: a prototype that already costs clearly more than the cheapest without its
retraining stays more expensive whatever its retraining costs. When it could be cheaper, the
sentence says by how much, and how long one training would have to take to lose that lead
(what an hour of training adds a month is the compute price times the retrains a month), so
the room can judge it before the training time is recorded.

One prototype published without its training time blanked the whole recommendation ("No
prototype's monthly total is known: what lgbtxt would cost to run is unknown") although its
errors, $865,000 a month, were known.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from model.costs import CostAssumptions
from model.money import format_number, round_money
from model.outcomes import capital
from model.threshold import percentile_interval

if TYPE_CHECKING:
    from model.recommend import PrototypeCost

__all__ = ["KnownPart", "known_part", "names", "money_range", "unknown_parts"]

#: Amounts closer than this (half a cent a month) are the same.
SAME = 0.005


@dataclass(frozen=True)
class KnownPart:
    """What is known of a month's running cost when only the training time is not:
    ``known`` (hosting and maintenance) and ``per_training_hour`` (what each hour one
    training takes adds a month: the compute price per hour × the retrains a month)."""

    known: float
    per_training_hour: float


def known_part(owned: Mapping, assumptions: CostAssumptions) -> KnownPart | None:
    """The :class:`KnownPart` of ``model.costs.ownership``'s figures when only the
    retraining is unknown; ``None`` when it is known, or hosting is unknown too."""
    if owned["retrain_cost_per_month"] is not None or owned["hosting_cost_per_month"] is None:
        return None
    known = owned["hosting_cost_per_month"] + owned["maintenance_cost_per_month"]
    return KnownPart(known, assumptions.compute_price_per_hour * assumptions.retrains_per_month)


def names(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def money_range(low: float, high: float, currency: str) -> str:
    """``$1,000–$2,000``, or ``-$1,000 to $2,000`` when it starts below zero."""
    if low < 0:
        return f"{round_money(low, currency)} to {round_money(high, currency)}"
    return f"{round_money(low, currency)}–{round_money(high, currency)}"


def unknown_parts(costs: Sequence[PrototypeCost]) -> str:
    """What is unknown of each prototype, said once for those it shares a reason with."""
    groups: dict[tuple[str, str], list[str]] = {}
    for c in costs:
        if c.errors is None:
            groups.setdefault(("errors", ""), []).append(c.name)
        elif c.running is None:
            why = c.running_unknown or "their latency or training time was not measured"
            groups.setdefault(("running", why), []).append(c.name)
    parts = [
        f"what {names(items)} would cost to run is unknown, as {why}"
        if kind == "running"
        else f"what the errors of {names(items)} cost is unknown, as "
        f"{'it was' if len(items) == 1 else 'they were'} published without the demo set's labels"
        for (kind, why), items in groups.items()
    ]
    return "; ".join(parts)


def bounded(costs: Sequence[PrototypeCost]) -> list[PrototypeCost]:
    """Those of ``costs`` whose total is unknown but known to be at least a figure: their
    errors are priced and only their retraining is unknown."""
    return [c for c in costs if at_least(c) is not None]


def at_least(cost: PrototypeCost) -> float | None:
    """The least ``cost``'s month can cost when only its retraining is unknown (its errors,
    hosting and maintenance); ``None`` when its total is known or more of it is unknown."""
    if cost.total is not None or cost.errors is None or cost.known_part is None:
        return None
    return cost.errors.monthly + cost.known_part.known


def _floor_replicates(cost: PrototypeCost) -> np.ndarray:
    return cost.errors.replicates + cost.known_part.known


def _why(cost: PrototypeCost) -> str:
    return cost.running_unknown or "its training time was not recorded"


def alone_text(
    cost: PrototypeCost, only: bool, money: Callable[[float], str], currency: str, confidence: float
) -> str:
    """The sentence for the one prototype that can be priced, if only at least: its total
    before retraining, with its interval, and that its retraining comes on top."""
    low, high = percentile_interval(_floor_replicates(cost), confidence)
    alone = "the only prototype" if only else "the only prototype that can be priced"
    return (
        f"{capital(cost.name)} is {alone}: at least about {money(at_least(cost))} a month "
        f"including its errors ({confidence:.0%} interval {money_range(low, high, currency)}), "
        f"plus its retraining, unknown as {_why(cost)}; there is nothing to compare it with."
    )


def left_out_text(
    cost: PrototypeCost,
    best: PrototypeCost,
    money: Callable[[float], str],
    currency: str,
    confidence: float,
) -> str:
    """The sentence for a prototype left out of the comparison as only its retraining is
    unknown: whether it could still cost less than ``best`` (the cheapest of those priced),
    by the paired interval of its total before retraining minus ``best``'s."""
    floor = at_least(cost)
    low, high = percentile_interval(_floor_replicates(cost) - best.replicates, confidence)
    more = floor - best.total
    head = (
        f"{capital(cost.name)} is left out, as {_why(cost)}: without its retraining it costs "
        f"about {money(floor)} a month with its errors"
    )
    interval = f"{confidence:.0%} interval {money_range(low, high, currency)}"
    if low > 0 and more > SAME:
        return (
            f"{head}, already about {money(more)} more than {best.name} ({interval}), so "
            f"its retraining, whatever it costs, cannot make it cheaper than {best.name}."
        )
    if more >= -SAME:
        return (
            f"{head}, within the uncertainty of {best.name} ({interval}), and its retraining "
            "can only add to that."
        )
    hours = -more / cost.known_part.per_training_hour if cost.known_part.per_training_hour else 0
    unless = (
        f"unless one training takes more than {format_number(hours)} hours of compute"
        if hours
        else "as retraining costs nothing at these assumptions"
    )
    clearly = "clearly " if high < 0 else ""
    return (
        f"{head}, about {money(-more)} less than {best.name} ({interval}): it would cost "
        f"{clearly}less, {unless}. Record its training time to compare them."
    )


def bounded_text(
    costs: Sequence[PrototypeCost],
    priced: Sequence[PrototypeCost],
    best: PrototypeCost | None,
    currency: str,
    confidence: float,
) -> str | None:
    """The sentences for the prototypes only known to cost at least a figure, or ``None``
    when there are none or no sentence can be said of them (several and none priced)."""
    partial = bounded(costs)

    def money(amount: float) -> str:
        return round_money(amount, currency)

    if not partial:
        return None
    if best is None:
        if len(partial) != 1:
            return None
        return alone_text(partial[0], len(costs) == 1, money, currency, confidence)
    return " ".join(left_out_text(c, best, money, currency, confidence) for c in partial)
