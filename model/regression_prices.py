"""What a regression's errors cost when a unit predicted too high and a unit predicted too low
have different prices (a grocery's wasted stock against its lost sales).

A case's cost is ``over_price × units predicted too high + under_price × units predicted too
low``, so a prototype's cost per case is ``over_price × mean over-prediction + under_price ×
mean under-prediction`` (each mean over every demo row, the rows erring the other way or not
at all counting 0). With one price for both it is the old ``price × mean absolute error``, to
the cent.

Nothing here imports ``model.threshold``, so it can price a regression's rows with these.
"""

from __future__ import annotations

import numpy as np

from model.costs import CostAssumptions, format_money, format_number

__all__ = [
    "is_one_price",
    "mean_over_under",
    "pricing_words",
    "regression_row_costs",
]


def mean_over_under(predicted, actual) -> tuple[float, float]:
    """``(mean units predicted too high, mean units predicted too low)`` over every row."""
    error = np.asarray(predicted, dtype=float) - np.asarray(actual, dtype=float)
    if error.size == 0:
        return 0.0, 0.0
    return float(np.maximum(error, 0.0).mean()), float(np.maximum(-error, 0.0).mean())


def regression_row_costs(assumptions: CostAssumptions, predicted, actual) -> np.ndarray:
    """Each row's cost of error: its units too high at the over price, too low at the under
    price."""
    error = np.asarray(predicted, dtype=float) - np.asarray(actual, dtype=float)
    a = assumptions
    return np.where(error > 0, a.over_price * error, a.under_price * -error)


def pricing_words(assumptions: CostAssumptions, predicted, actual) -> str:
    """How a prototype's cost per case is worked out, in words with its numbers: ``EUR 1.20
    a unit too high × 80.0 units too high on average + EUR 3.50 a unit too low × 12.5 units
    too low on average, over 500 demo rows``."""
    a = assumptions

    def money(amount: float) -> str:
        return format_money(amount, a.currency)

    over, under = mean_over_under(predicted, actual)
    return (
        f"{money(a.over_price)} a unit too high × {format_number(over)} units too high on "
        f"average + {money(a.under_price)} a unit too low × {format_number(under)} units "
        f"too low on average, over {len(np.asarray(actual)):,} demo rows"
    )


def is_one_price(assumptions: CostAssumptions) -> bool:
    """Whether a unit too high and a unit too low cost the same."""
    return assumptions.over_price == assumptions.under_price
