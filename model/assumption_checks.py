"""The checks every cost assumption passes, one line naming the figure and what to enter
instead (moved out of ``model.costs``, which re-exports them)."""

from __future__ import annotations

import math

__all__ = [
    "MAX_ASSUMPTION",
    "MAX_RETRAINS_PER_MONTH",
    "VOLUMES",
    "assumption_problem",
    "checked_matrix",
]

HOURS_PER_MONTH = 730  # 24 h × 365 days ÷ 12: an always-on instance's month

#: The largest figure an assumption may be, money or a month's volume: a trillion. Beyond it
#: a figure is a slip of the keyboard (a false alarm at 1e15), and the figures worked out
#: from it are nonsense said with confidence.
MAX_ASSUMPTION = 1e12
#: Retraining more often than once a minute is serving, not retraining.
MAX_RETRAINS_PER_MONTH = HOURS_PER_MONTH * 60
#: The assumptions that count what happens in a month: with none, every cost a month is
#: nothing, and the recommendation compares nothing with nothing.
VOLUMES = ("predictions_per_month", "cases_per_month")


def assumption_problem(field: str, value: object, name: str | None = None) -> str | None:
    """What is wrong with ``value`` as the assumption ``field``, in one line that names it
    (as ``name``, a form's label, else as ``field``) and says what to enter instead; None
    when it will do.

    A number, finite, 0 or more and at most :data:`MAX_ASSUMPTION`; a month's volume
    (:data:`VOLUMES`) at least 1; retraining at most once a minute.
    """
    name = name or field
    if value is None:
        return f"{name} is empty: enter a number"
    # bool is an int subclass: True predictions a month is a typo, not a number.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{name} must be a number, got {_shown_value(value)}"
    if isinstance(value, float) and not math.isfinite(value):
        return f"{name} must be a finite number, got {value}"
    shown = _shown_value(value)
    if value < 0:
        return f"{name} cannot be negative, got {shown}: enter 0 or more"
    if field in VOLUMES and value < 1:
        return (
            f"{name} must be at least 1, got {shown}: enter how many you expect a month "
            "(fewer than one makes every cost a month next to nothing)"
        )
    if field == "retrains_per_month" and value > MAX_RETRAINS_PER_MONTH:
        return f"{name} must be at most {MAX_RETRAINS_PER_MONTH:,} (once a minute), got {shown}"
    if value > MAX_ASSUMPTION:
        return (
            f"{name} must be at most {MAX_ASSUMPTION:,.0f} (a trillion), got {shown}: "
            "check for extra zeros"
        )
    return None


def _shown_value(value: object) -> str:
    """``value`` as a line of a message says it: ``1,000,000,000,000,000``, ``-0.5``, ``1e+300``,
    a repr cut to 40 characters."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        text = repr(value)
        return text if len(text) <= 40 else text[:39] + "…"
    try:
        number = float(value)
    except OverflowError:  # an int too large for a float: a hand-edited file
        return f"a number of about {int(value.bit_length() * math.log10(2)) + 1:,} digits"
    if number.is_integer() and abs(number) < 1e18:
        return f"{number:,.0f}"
    return f"{number:g}"


def checked_matrix(value) -> dict[str, dict[str, float]] | None:
    """``cost_matrix`` with its labels as strings, or ``ValueError`` naming what is wrong."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(
            "cost_matrix must map each actual label to {predicted label: cost}, "
            f"got {type(value).__name__}"
        )
    checked: dict[str, dict[str, float]] = {}
    for actual, row in value.items():
        if not isinstance(row, dict):
            raise ValueError(f"cost_matrix[{actual!r}] must map predicted labels to costs")
        for predicted, cost in row.items():
            problem = assumption_problem(
                "wrong_class_cost", cost, f"cost_matrix[{actual!r}][{predicted!r}]"
            )
            if problem:
                raise ValueError(problem)
            checked.setdefault(str(actual), {})[str(predicted)] = float(cost)
    return checked
