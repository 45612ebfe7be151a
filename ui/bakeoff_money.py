"""The bake-off in money, as text and tables: the cost assumptions in a line, every cost of
each prototype, how each is computed (with the assumptions and each prototype's own numbers
filled in), what its errors cost a month, what owning it costs and when it pays back.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import pandas as pd

from model import money
from model.costs import (
    CostAssumptions,
    costs,
    format_money,
    format_number,
    ownership,
    round_money,
    whole_money,
    whole_money_sum,
)
from model.metrics import BINARY, REGRESSION
from model.threshold import ErrorCost
from ui.bakeoff_comparison import MEASURED_COLUMNS, optional_number
from ui.bakeoff_words import singular

__all__ = [
    "COST_FORMULA_ROWS",
    "MAINTENANCE_ROW",
    "MONEY_COLUMNS",
    "OWNERSHIP_COLUMNS",
    "OWNERSHIP_FORMULA_ROWS",
    "OWNING_COLUMNS",
    "PLAIN_COST_NAMES",
    "assumptions_text",
    "cost_formulas",
    "cost_help",
    "costs_view",
    "error_cost_text",
    "maintenance_text",
    "ownership_formulas",
    "ownership_help",
    "ownership_rows",
    "ownership_view",
]


#: The names ``costs_view`` gives the technical table's columns, in words.
PLAIN_COST_NAMES = {
    "Running cost / month": "Compute / month (predicting and retraining)",
    "Latency p50 / p95 (ms per 1,000)": "Milliseconds for 1,000 predictions (typical / slow)",
}


#: The row of :func:`costs_view` saying what maintaining each prototype takes.
MAINTENANCE_ROW = "Maintenance (engineer hours a month)"


def maintenance_text(owned: Mapping, meta: Mapping) -> str:
    """What maintaining a prototype takes (``owned``: its ``model.costs.ownership``; ``meta``:
    what publishing stored): "12 (its own estimate)" where publishing gave one, else the
    cost assumption's "8 (assumed)"."""
    hours = format_number(owned["maintenance_hours_per_month"])
    own = meta.get("maintenance_hours_per_month") is not None
    return f"{hours} ({'its own estimate' if own else 'assumed'})"


def costs_view(shown: pd.DataFrame, maintenance: Iterable[str]) -> pd.DataFrame:
    """Every cost of each prototype, in money and as measured, with the engineer hours a
    month maintaining it takes (``maintenance``, one text a prototype, as
    :func:`maintenance_text` says it); one column per prototype."""
    wanted = [
        "Prototype",
        "Running cost / month",
        "One-off cost",
        "Latency p50 / p95 (ms per 1,000)",
        *MEASURED_COLUMNS,
    ]
    figures = shown[[c for c in wanted if c in shown.columns]].copy()
    figures[MAINTENANCE_ROW] = [str(text or "") for text in maintenance]
    figures = figures.rename(columns=PLAIN_COST_NAMES)
    table = figures.set_index("Prototype").T
    table.columns = [str(c) for c in table.columns]
    table.index.name = "Figure"
    return table


def _money(amount: float, currency: str) -> str:
    return format_money(amount, currency)


def assumptions_text(assumptions: Mapping) -> str:
    """The cost assumptions in one line, for a caption."""
    a = CostAssumptions.from_dict(dict(assumptions))
    retrains = format_number(a.retrains_per_month)
    return (
        f"{format_number(a.predictions_per_month)} predictions and {retrains} "
        f"retrain{'' if a.retrains_per_month == 1 else 's'} a month, compute at "
        f"{_money(a.compute_price_per_hour, a.currency)} an hour, engineers at "
        f"{_money(a.engineer_day_rate, a.currency)} a day ({a.currency})"
    )


def cost_help(assumptions: CostAssumptions) -> dict[str, str]:
    """How the running and one-off costs are computed, with these assumptions filled in."""
    a = assumptions
    price = _money(a.compute_price_per_hour, a.currency)
    return {
        "Running cost / month": (
            "p50 latency (seconds per 1,000 predictions) × "
            f"{format_number(a.predictions_per_month)} predictions ÷ 1,000 ÷ 3,600 s/h × "
            f"{price}/h, plus training time (s) ÷ 3,600 s/h × "
            f"{format_number(a.retrains_per_month)} "
            f"retrain{'' if a.retrains_per_month == 1 else 's'} × {price}/h"
        ),
        "One-off cost": (
            f"effort (person-days) × {_money(a.engineer_day_rate, a.currency)} per day"
        ),
    }


#: The rows of :func:`cost_formulas`: the label of each formula of ``model.costs.costs``.
COST_FORMULA_ROWS = {
    "prediction_cost_per_month": "Predicting, per month",
    "retrain_cost_per_month": "Retraining, per month",
    "running_cost_per_month": "Running cost, per month",
    "one_off_cost": "One-off cost",
}


def cost_formulas(metas: Mapping[str, Mapping], assumptions: CostAssumptions) -> pd.DataFrame:
    """Each prototype's money figures as formulas with its own numbers, one row per figure."""
    rows = []
    for name, meta in metas.items():
        formulas = costs(dict(meta), assumptions)["formulas"]
        for key, label in COST_FORMULA_ROWS.items():
            rows.append({"Prototype": name, "Figure": label, "Formula": formulas[key]})
    return pd.DataFrame(rows, columns=["Prototype", "Figure", "Formula"])


def error_cost_text(errors: ErrorCost) -> str:
    """ "about $41,000 a month (95% interval $28,000–$55,000)", rounded as people say it."""
    low, high = round_money(errors.low, errors.currency), round_money(errors.high, errors.currency)
    return (
        f"about {round_money(errors.monthly, errors.currency)} a month "
        f"({errors.confidence:.0%} interval {low}–{high})"
    )


# -- what owning each prototype costs, and when it pays back ----------------------------------
#: The columns of :func:`ownership_view`: the figure of ``model.costs.ownership`` behind each.
OWNERSHIP_COLUMNS = {
    "Hosting / month": "hosting_cost_per_month",
    "Retraining / month": "retrain_cost_per_month",
    "Maintenance / month": "maintenance_cost_per_month",
    "To own / month": "ownership_cost_per_month",
    "To own / year": "ownership_cost_per_year",
    "One-off cost": "one_off_cost",
}


def rounding_note(currency: str) -> str:
    """Under the money table: why its totals need not add up to the last unit of money."""
    unit = money.UNITS.get(currency.upper(), f"whole {currency.upper()}")
    return (
        f"Money is rounded to {money.FIGURES} figures (to the {unit} below 10,000); each total "
        "is the sum of the errors and the owning cost as shown."
    )


#: The columns of :func:`ownership_view` a decision weighs, and those that make up owning one.
MONEY_COLUMNS = (
    "Prototype", "Errors / month", "To own / month", "Total / month", "One-off cost", "Pays back"
)  # fmt: skip
OWNING_COLUMNS = (
    "Prototype", "Hosting / month", "Retraining / month", "Maintenance / month",
    "To own / month", "To own / year",
)  # fmt: skip


def ownership_rows(metas: Mapping[str, Mapping], assumptions: CostAssumptions) -> dict[str, dict]:
    """``model.costs.ownership`` of each prototype, by name."""
    return {name: ownership(dict(meta), assumptions) for name, meta in metas.items()}


def ownership_view(
    owned: Mapping[str, Mapping], recommendation_table: pd.DataFrame, mvp: str | None
) -> pd.DataFrame:
    """What each prototype costs the business, one row each: hosting, retraining and
    maintenance a month, what owning it costs a month and a year, the one-off cost, what its
    errors cost a month (with the interval), the total a month, and the payback against the
    MVP ("in 2 months?" when the saving's interval includes zero); money as text."""
    by_name = recommendation_table.set_index("prototype")
    rows = []
    for name, figures in owned.items():
        currency = figures["currency"]
        row = {"Prototype": f"{name} (MVP)" if name == mvp else name}
        for column, key in OWNERSHIP_COLUMNS.items():
            row[column] = whole_money(figures[key], currency)
        priced = by_name.loc[name] if name in by_name.index else None
        errors = optional_number(priced["errors_per_month"]) if priced is not None else None
        if errors is None:
            row["Errors / month"] = "unknown"
        else:
            low, high = priced["errors_low"], priced["errors_high"]
            row["Errors / month"] = (
                f"{round_money(errors, currency)} ({round_money(low, currency)}–"
                f"{round_money(high, currency)})"
            )
        total = optional_number(priced["total_per_month"]) if priced is not None else None
        row["Total / month"] = _total(errors, figures["ownership_cost_per_month"], total, currency)
        floor = optional_number(priced.get("total_at_least")) if priced is not None else None
        if total is None and floor is not None:  # only its retraining is unknown
            row["Total / month"] = f"at least {round_money(floor, currency)}"
        months = optional_number(priced["payback_months"]) if priced is not None else None
        if name == mvp:
            row["Pays back"] = "the MVP"
        elif months is not None:
            uncertain = "within the uncertainty" in str(priced["payback_formula"])
            row["Pays back"] = f"in {_months(months)}{'?' if uncertain else ''}"
        else:
            formula = str(priced["payback_formula"]) if priced is not None else ""
            row["Pays back"] = "never" if formula.startswith("never") else "unknown"
        rows.append(row)
    return pd.DataFrame(rows)


def _total(errors: float | None, owning: float | None, total: float | None, currency: str) -> str:
    """A month's total as the sum of its errors and owning cost as the table shows them, as
    the Present slide adds them up (``whole_money_sum``)."""
    if total is None:
        return "unknown"
    if errors is None or owning is None:
        return round_money(total, currency)
    return whole_money_sum([errors, owning], currency)[1]


def _months(months: float) -> str:
    if months < 1 / 30:
        return "under a day"
    if months < 1:
        days = max(1, round(months * 30))
        return f"{days} day{'' if days == 1 else 's'}"
    return f"{format_number(round(months, 1))} months"


def ownership_help(
    assumptions: CostAssumptions, task: str = BINARY, noun: str = "cases"
) -> dict[str, str]:
    """How each column of :func:`ownership_view` is computed, with the assumptions filled in:
    the help shown when hovering its header."""
    a = assumptions

    def money(amount: float) -> str:
        return format_money(amount, a.currency)

    volume = f"{format_number(a.predictions_per_month)} predictions a month"
    hosting = (
        f"Serverless: the compute the predictions use (typical time per prediction × {volume})"
        f" × {money(a.compute_price_per_hour)} an hour."
        if a.serverless
        else f"Always-on instances × {money(a.instance_price_per_month)} a month; at least one, "
        f"more when {volume} would keep one over half busy."
    )
    return {
        "Hosting / month": hosting,
        "Retraining / month": (
            f"Training time × {format_number(a.retrains_per_month)} retrains a month × "
            f"{money(a.compute_price_per_hour)} an hour of compute."
        ),
        "Maintenance / month": (
            f"{format_number(a.maintenance_hours_per_month)} engineer hours a month (unless the "
            f"prototype states its own) × {money(a.engineer_hour_rate)} an hour (the day rate "
            "÷ 8)."
        ),
        "To own / month": "Hosting + retraining + maintenance, a month.",
        "To own / year": "What it costs to own a month × 12.",
        "One-off cost": (
            f"Effort to production (person-days) × {money(a.engineer_day_rate)} a day."
        ),
        "Errors / month": (
            f"{_error_rule(a, task, noun)} × {format_number(a.cases_per_month)} {noun} a month; "
            "in brackets the 95% interval."
        ),
        "Total / month": "To own a month + what its errors cost a month.",
        "Pays back": (
            "The one-off cost ÷ what it saves a month against the MVP (the MVP's total a "
            "month − its total a month). A question mark: the saving is within the "
            "uncertainty, so it may never pay back."
        ),
    }


def _error_rule(a: CostAssumptions, task: str, noun: str) -> str:
    """How one case's errors are priced, in words."""
    money = functools.partial(format_money, currency=a.currency)
    if task == BINARY:
        return (
            f"(missed × {money(a.missed_positive_cost)} + false alarms × "
            f"{money(a.false_alarm_cost)}) per demo {singular(noun)}, at each prototype's "
            "threshold,"
        )
    if task == REGRESSION:
        if a.over_price == a.under_price:
            return f"{money(a.over_price)} per unit of error, averaged over the demo {noun},"
        return (
            f"({money(a.over_price)} × units predicted too high + {money(a.under_price)} × "
            f"units predicted too low), averaged over the demo {noun},"
        )
    return (
        f"each wrong class at its cost in the cost matrix ({money(a.wrong_class_cost)} where it "
        f"lists none), averaged over the demo {noun},"
    )


#: The rows of :func:`ownership_formulas`: the ``model.costs.ownership`` figure behind each.
OWNERSHIP_FORMULA_ROWS = {
    "Hosting, per month": "hosting_cost_per_month",
    "Retraining, per month": "retrain_cost_per_month",
    "Maintenance, per month": "maintenance_cost_per_month",
    "To own, per month": "ownership_cost_per_month",
    "To own, per year": "ownership_cost_per_year",
    "One-off cost": "one_off_cost",
}


def ownership_formulas(
    owned: Mapping[str, Mapping],
    errors: Mapping[str, ErrorCost | None],
    recommendation_table: pd.DataFrame,
) -> pd.DataFrame:
    """Each prototype's money figures as formulas with its own numbers, one row per figure:
    what owning it costs, what its errors cost and its payback against the MVP."""
    payback = dict(
        zip(recommendation_table["prototype"], recommendation_table["payback_formula"], strict=True)
    )
    rows = []
    for name, figures in owned.items():
        for label, key in OWNERSHIP_FORMULA_ROWS.items():
            rows.append({"Prototype": name, "Figure": label, "Formula": figures["formulas"][key]})
        cost = errors.get(name)
        rows.append(
            {
                "Prototype": name,
                "Figure": "Errors, per month",
                "Formula": cost.formula
                if cost is not None
                else "unknown: published without labels",
            }
        )
        if isinstance(payback.get(name), str) and payback[name]:  # the MVP has none (NaN)
            rows.append({"Prototype": name, "Figure": "Pays back", "Formula": payback[name]})
    return pd.DataFrame(rows, columns=["Prototype", "Figure", "Formula"])
