"""Money as people read it: a formula's figure (``$0.0012``, ``$1,234.50``), a table's whole
units (``$870``, "under $0.01"), a sum whose parts add up as shown, and an amount as people
say it (``$41,240``). The currency's symbol for a few codes, else the code after the amount.

Every amount a page states (not a formula's) is rounded one way, :data:`FIGURES` significant
figures and never below the whole unit, so a month's cost reads the same on the Bake-off and
on the Present slides, and two prototypes whose costs differ by a few tenths of a percent are
told apart ("$301,600,000" and "$302,000,000"; at two figures both were "$300,000,000").
"""

from __future__ import annotations

import math
from collections.abc import Sequence

__all__ = [
    "FIGURES",
    "SYMBOLS",
    "UNITS",
    "format_money",
    "format_number",
    "round_money",
    "whole_money",
    "whole_money_sum",
]

SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}
#: The whole unit of each currency with a symbol, in words ("to the dollar").
UNITS = {"USD": "dollar", "EUR": "euro", "GBP": "pound", "JPY": "yen", "INR": "rupee"}
#: Significant figures of every amount a page states, whole units below them ("$870").
FIGURES = 4


def format_number(value: float) -> str:
    """A figure for a formula: thousands separators, three significant digits below 100."""
    if value == 0:
        return "0"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:.3g}"


def format_money(amount: float | None, currency: str = "USD") -> str:
    """``$1,234.50``, ``$0.0012`` (two significant digits below one), ``12.00 CHF``."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "unknown"
    symbol = SYMBOLS.get(currency.upper(), "")
    if amount == 0:
        text = "0.00"
    elif abs(amount) >= 1:
        text = f"{amount:,.2f}"
    elif abs(amount) < 1e-6:
        return f"<{symbol}0.000001" if symbol else f"<0.000001 {currency}"
    else:
        # two significant digits, never in scientific notation: 0.0012, 0.000028
        digits = 1 - math.floor(math.log10(abs(amount)))
        text = f"{amount:.{digits}f}"
    return f"{symbol}{text}" if symbol else f"{text} {currency}"


def whole_money(amount: float | None, currency: str = "USD") -> str:
    """A figure worked out from the assumptions, as a table of monthly costs shows it: whole
    units from 1 ("$870", "$10,440"), :data:`FIGURES` significant figures from 10,000
    ("$311,300,000"), cents below 1 ("$0.43"), and "under $0.01" for what rounds to no cent
    (retraining a small model: "$0.0000068" a month said nothing)."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "unknown"
    if abs(amount) >= 1:
        return _with_symbol(f"{_rounded(amount):,.0f}", currency)
    if 0 < abs(amount) < 0.005:
        return f"under {_with_symbol('0.01', currency)}"
    return _with_symbol(f"{amount:.2f}", currency)


def whole_money_sum(parts: Sequence[float], currency: str = "USD") -> tuple[list[str], str]:
    """``parts`` as :func:`whole_money` says them and their total worked out from the parts as
    shown, to the unit, so a reader who adds them up gets it: ``$311,300,000 + $870 =
    $311,300,870``, where two significant figures said ``$310,000,000 + $870 =
    $310,000,000``. The total is within the parts' rounding of the exact sum."""
    shown = [_rounded(part) if abs(part) >= 1 else round(part, 2) for part in parts]
    total = sum(shown)
    text = f"{total:,.0f}" if abs(total) >= 1 else None
    said = _with_symbol(text, currency) if text else whole_money(total, currency)
    return [whole_money(part, currency) for part in parts], said


def _with_symbol(text: str, currency: str) -> str:
    symbol = SYMBOLS.get(currency.upper(), "")
    if not symbol:
        return f"{text} {currency}"
    return f"-{symbol}{text[1:]}" if text.startswith("-") else f"{symbol}{text}"


def round_money(amount: float | None, currency: str = "USD") -> str:
    """Money as a page states it: ``$41,240`` for 41,237.18, ``$312`` for 312, ``$37`` for
    37.4, ``$301,600,000`` for 301,598,217.35.

    :data:`FIGURES` significant figures, whole units below them, :func:`format_money` below 1
    (where the digits are all there is to say): as :func:`whole_money` rounds, so a figure
    reads the same in a sentence and in a table.
    """
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "unknown"
    if abs(amount) < 1:
        return format_money(amount, currency)
    return _with_symbol(f"{_rounded(amount):,.0f}", currency)


def _rounded(amount: float) -> float:
    """``amount`` (1 or more) to :data:`FIGURES` significant figures and at least whole units,
    halves away from zero, as people round (Python's round takes halves to even)."""
    digits = max(0, math.floor(math.log10(abs(amount))) + 1 - FIGURES)
    units = math.floor(abs(amount) / 10**digits + 0.5) * 10**digits
    return math.copysign(units, amount)
