"""What a prototype costs in the business's units: money a month to run, money once to build.

The measured figures come from publishing (latency per 1,000 predictions, training seconds)
and from the team (effort in person-days). The assumptions that turn them into money (volume,
price of compute, day rate) belong to the business, are stored in the workspace and are shown
next to every figure, with the formula and its numbers filled in, so nobody has to trust a
magic number.

Two views of running cost. :func:`costs` gives the compute a prototype's predictions and
retraining use (fractions of a cent for most models: compute is not what a model costs).
:func:`ownership` gives what the business pays: hosting (at least one always-on instance
unless the model is served serverless), retraining compute and the engineers' maintenance
hours, per month and per year, beside the one-off cost; :func:`payback_months` sets the
one-off cost against the monthly saving over the current MVP. The cost of a prediction's
errors (missed positives, false alarms) is priced by ``model.threshold``.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path

# The checks live in model.assumption_checks; these names stay importable from here.
from model.assumption_checks import (
    HOURS_PER_MONTH,
    MAX_ASSUMPTION,
    assumption_problem,
    checked_matrix,
)

# The money's wording lives in model.money; these names stay importable from here.
from model.money import (
    SYMBOLS,
    format_money,
    format_number,
    round_money,
    whole_money,
    whole_money_sum,
)

__all__ = [
    "ASSUMPTIONS_FILE",
    "COST_FIGURES",
    "MAX_ASSUMPTION",
    "OWNERSHIP_FIGURES",
    "CostAssumptions",
    "assumption_problem",
    "costs",
    "example_assumptions_note",
    "format_money",
    "whole_money",
    "whole_money_sum",
    "format_number",
    "load_assumptions",
    "ownership",
    "payback_months",
    "round_money",
    "save_assumptions",
]

ASSUMPTIONS_FILE = "cost_assumptions.json"
SECONDS_PER_HOUR = 3600
BATCH = 1000  # latency is measured per 1,000 predictions
HOURS_PER_DAY = 8  # an engineer's hour costs the day rate ÷ 8
MONTHS_PER_YEAR = 12
#: An instance is sized to be busy at most this share of its hours (p95 latency), leaving
#: room for peaks: above it, another always-on instance is added.
INSTANCE_UTILISATION = 0.5

#: The money figures :func:`costs` returns, each with a formula of the same key.
COST_FIGURES = (
    "prediction_cost_per_month",
    "retrain_cost_per_month",
    "running_cost_per_month",
    "one_off_cost",
)
#: The money figures of :func:`ownership`, each with a formula of the same key.
OWNERSHIP_FIGURES = (
    "hosting_cost_per_month",
    "retrain_cost_per_month",
    "maintenance_cost_per_month",
    "ownership_cost_per_month",
    "ownership_cost_per_year",
    "one_off_cost",
)

#: A regression's prices of a unit predicted too high and too low; unset, each follows
#: ``cost_per_unit_error``.
ONE_SIDED_PRICES = ("over_prediction_cost", "under_prediction_cost")
#: A saved assumptions file is a few hundred bytes; one far larger was not written by the app.
MAX_ASSUMPTIONS_FILE_BYTES = 1_000_000


@dataclass
class CostAssumptions:
    """The business's assumptions that turn measured seconds, days and errors into money.

    The defaults, stated here and nowhere else, are those of a small team on a public cloud:

    - ``predictions_per_month`` (1,000,000) served, ``retrains_per_month`` (1);
    - ``compute_price_per_hour`` ($0.10: one small cloud vCPU; also the serverless price);
    - ``engineer_day_rate`` ($800, so an engineer's hour costs $100);
    - ``instance_price_per_month`` ($70: one small always-on instance, 2 vCPU and 4-8 GB);
      ``serverless`` (False: at least one instance is always on);
    - ``maintenance_hours_per_month`` (8: a day a month of monitoring, fixes and upgrades; a
      prototype's ``maintenance_hours_per_month`` in its metadata replaces it);
    - the cost of errors: ``cases_per_month`` (10,000 cases decided on, e.g. machines
      checked), ``missed_positive_cost`` ($2,000: an unplanned failure's downtime and scrap),
      ``false_alarm_cost`` ($200: two hours of a technician on a healthy machine). For
      multiclass, ``cost_matrix`` (actual label → predicted label → cost) with
      ``wrong_class_cost`` ($500) for every mistake it does not list; for regression,
      ``cost_per_unit_error`` ($1 per unit of the target, per case), which
      ``over_prediction_cost`` (a unit predicted too high, e.g. wasted stock) and
      ``under_prediction_cost`` (a unit predicted too low, e.g. lost sales) replace when set;
      unset (``None``, as in every file saved before they existed) they follow it.

    These are placeholders for the business to replace: the figures shown with them say so.
    """

    predictions_per_month: float = 1_000_000
    retrains_per_month: float = 1
    compute_price_per_hour: float = 0.10
    engineer_day_rate: float = 800.0
    currency: str = "USD"
    cases_per_month: float = 10_000
    missed_positive_cost: float = 2_000.0
    false_alarm_cost: float = 200.0
    wrong_class_cost: float = 500.0
    cost_matrix: dict[str, dict[str, float]] | None = None
    cost_per_unit_error: float = 1.0
    instance_price_per_month: float = 70.0
    serverless: bool = False
    maintenance_hours_per_month: float = 8.0
    over_prediction_cost: float | None = None
    under_prediction_cost: float | None = None

    def __post_init__(self) -> None:
        for field in fields(self):
            value = getattr(self, field.name)
            if field.name == "currency":
                if not isinstance(value, str) or not value.strip() or len(value.strip()) > 8:
                    raise ValueError(
                        f"currency must be a short code such as 'USD' or 'EUR', got {value!r}"
                    )
                self.currency = value.strip().upper()
                continue
            if field.name == "serverless":
                if not isinstance(value, bool):
                    raise ValueError(f"serverless must be true or false, got {value!r}")
                continue
            if field.name == "cost_matrix":
                self.cost_matrix = checked_matrix(value)
                continue
            if field.name in ONE_SIDED_PRICES and value is None:
                continue
            problem = assumption_problem(field.name, value)
            if problem:
                raise ValueError(problem)

    def to_dict(self) -> dict:
        """The assumptions as plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> CostAssumptions:
        """Assumptions from ``data``; missing fields take their defaults.

        Raises ``ValueError`` naming the field that is unknown or out of bounds
        (:func:`assumption_problem`).
        """
        if not isinstance(data, dict):
            raise ValueError(f"cost assumptions must be a mapping, got {type(data).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown cost assumption {unknown[0]!r}; "
                f"expected some of {', '.join(sorted(known))}"
            )
        return cls(**data)

    @property
    def symbol(self) -> str:
        """``$`` for USD and a few others; otherwise empty (the code follows the amount)."""
        return SYMBOLS.get(self.currency, "")

    @property
    def over_price(self) -> float:
        """What a regression's unit predicted too high costs: ``over_prediction_cost``, else
        ``cost_per_unit_error``."""
        if self.over_prediction_cost is None:
            return self.cost_per_unit_error
        return self.over_prediction_cost

    @property
    def under_price(self) -> float:
        """What a regression's unit predicted too low costs: ``under_prediction_cost``, else
        ``cost_per_unit_error``."""
        if self.under_prediction_cost is None:
            return self.cost_per_unit_error
        return self.under_prediction_cost

    @property
    def engineer_hour_rate(self) -> float:
        """The day rate ÷ 8 hours."""
        return self.engineer_day_rate / HOURS_PER_DAY


def load_assumptions(workspace_path: str | Path) -> CostAssumptions:
    """The workspace's cost assumptions, or the defaults if none are stored yet.

    A file that exists but is not valid raises ``ValueError`` naming the file: silently
    falling back to defaults would show the business numbers it never agreed to.
    """
    path = Path(workspace_path) / ASSUMPTIONS_FILE
    if not path.is_file():
        return CostAssumptions()
    try:
        if path.stat().st_size > MAX_ASSUMPTIONS_FILE_BYTES:
            raise ValueError(
                f"it is over {MAX_ASSUMPTIONS_FILE_BYTES:,} bytes, where the app writes a few "
                "hundred: save the assumptions on the Bake-off again"
            )
        data = json.loads(path.read_text(encoding="utf-8"))
        return CostAssumptions.from_dict(data)
    except (ValueError, TypeError, RecursionError) as error:
        raise ValueError(f"{path} is not valid: {error}") from None
    except OSError as error:
        raise ValueError(f"{path} cannot be read: {error.strerror or error}") from None


def example_assumptions_note(
    workspace_path: str | Path,
    task: str,
    positive: str = "positive case",
    where: str = "on the Bake-off, under Costs and assumptions,",
) -> str | None:
    """One line saying that the money shown comes from the example assumptions, which of
    them decide the cost of errors for ``task``, and ``where`` to set them; None once the
    workspace has its own (``ASSUMPTIONS_FILE``, saved from the Bake-off's form or written
    by hand)."""
    if (Path(workspace_path) / ASSUMPTIONS_FILE).is_file():
        return None
    a = CostAssumptions()

    def money(amount: float) -> str:
        return round_money(amount, a.currency)

    if task == "regression":
        errors = f"each unit of error costs {money(a.cost_per_unit_error)}"
    elif task == "multiclass":
        errors = f"any wrong class costs {money(a.wrong_class_cost)}"
    else:
        errors = (
            f"a missed {positive} costs {money(a.missed_positive_cost)}, a false alarm "
            f"{money(a.false_alarm_cost)}"
        )
    return (
        f"These money figures use example assumptions, not your business's ({errors}, "
        f"{a.cases_per_month:,.0f} cases a month): set your own {where} before deciding on "
        "them."
    )


def save_assumptions(workspace_path: str | Path, assumptions: CostAssumptions) -> Path:
    """Store ``assumptions`` in the workspace atomically; return the file written."""
    folder = Path(workspace_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ASSUMPTIONS_FILE
    # Validate before writing: the file must always be loadable.
    checked = CostAssumptions.from_dict(assumptions.to_dict())
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        temporary.write_text(json.dumps(checked.to_dict(), indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()
    return path


def _known(meta: dict, key: str) -> float | None:
    value = meta.get(key)
    if value is None or isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def costs(meta: dict, assumptions: CostAssumptions) -> dict:
    """Monthly running cost and one-off cost of a prototype, with the formula of each.

    ``meta`` is a prototype's metadata (``Prototype.meta``). Running cost = compute hours for
    the month's predictions (p50 latency per 1,000) plus compute hours for the month's
    retraining, times the price per hour. One-off cost = effort in person-days times the day
    rate. A figure whose input is missing is ``None`` and its formula says "unknown: …"; it
    is never taken as zero.

    Returns ``prediction_hours_per_month``, ``retrain_hours_per_month`` and the money figures
    of :data:`COST_FIGURES`, plus ``currency`` and ``formulas`` (figure key → text).
    """
    a = assumptions

    def money(amount: float | None) -> str:
        return format_money(amount, a.currency)

    price = f"{money(a.compute_price_per_hour)}/h"
    formulas: dict[str, str] = {}

    latency_ms = _known(meta, "latency_ms_per_1000_p50")
    if latency_ms is None:
        prediction_hours = prediction_cost = None
        formulas["prediction_cost_per_month"] = (
            "unknown: the prototype has no measured latency (publish it again to measure it)"
        )
    else:
        seconds_per_batch = latency_ms / 1000
        prediction_hours = seconds_per_batch * a.predictions_per_month / BATCH / SECONDS_PER_HOUR
        prediction_cost = prediction_hours * a.compute_price_per_hour
        formulas["prediction_cost_per_month"] = (
            f"{format_number(seconds_per_batch)} s per 1,000 predictions × "
            f"({format_number(a.predictions_per_month)} predictions ÷ 1,000) ÷ 3,600 s/h × "
            f"{price} = {money(prediction_cost)}"
        )

    train_seconds = _known(meta, "train_seconds")
    if a.retrains_per_month == 0:
        # No retraining costs nothing, whatever training would take.
        retrain_hours, retrain_cost = 0.0, 0.0
        formulas["retrain_cost_per_month"] = f"0 retrains per month = {money(0.0)}"
    elif train_seconds is None:
        retrain_hours = retrain_cost = None
        formulas["retrain_cost_per_month"] = (
            "unknown: the training time was not recorded (publish with train_seconds=… or "
            "--train-seconds)"
        )
    else:
        retrain_hours = train_seconds / SECONDS_PER_HOUR * a.retrains_per_month
        retrain_cost = retrain_hours * a.compute_price_per_hour
        formulas["retrain_cost_per_month"] = (
            f"{format_number(train_seconds)} s per training ÷ 3,600 s/h × "
            f"{format_number(a.retrains_per_month)} retrains per month × {price} = "
            f"{money(retrain_cost)}"
        )

    if prediction_cost is None or retrain_cost is None:
        running_cost = None
        missing = "latency" if prediction_cost is None else "training time"
        formulas["running_cost_per_month"] = f"unknown: the {missing} is not known"
    else:
        running_cost = prediction_cost + retrain_cost
        formulas["running_cost_per_month"] = (
            f"{money(prediction_cost)} predicting + {money(retrain_cost)} retraining = "
            f"{money(running_cost)} per month"
        )

    effort_days = _known(meta, "effort_days")
    if effort_days is None:
        one_off_cost = None
        formulas["one_off_cost"] = (
            "unknown: the effort to production was not recorded (publish with effort_days=…)"
        )
    else:
        one_off_cost = effort_days * a.engineer_day_rate
        formulas["one_off_cost"] = (
            f"{format_number(effort_days)} person-days × {money(a.engineer_day_rate)}/day = "
            f"{money(one_off_cost)}"
        )

    return {
        "prediction_hours_per_month": prediction_hours,
        "retrain_hours_per_month": retrain_hours,
        "prediction_cost_per_month": prediction_cost,
        "retrain_cost_per_month": retrain_cost,
        "running_cost_per_month": running_cost,
        "one_off_cost": one_off_cost,
        "currency": a.currency,
        "formulas": formulas,
    }


def _hosting(meta: dict, a: CostAssumptions) -> tuple[float | None, int | None, str]:
    """Hosting a month: always-on instances sized by p95 latency, or serverless compute."""

    def money(amount: float) -> str:
        return format_money(amount, a.currency)

    volume = f"{format_number(a.predictions_per_month)} predictions"
    if a.serverless:
        latency_ms = _known(meta, "latency_ms_per_1000_p50")
        if latency_ms is None:
            return None, None, "unknown: the prototype has no measured latency"
        hours = latency_ms / 1000 * a.predictions_per_month / BATCH / SECONDS_PER_HOUR
        cost = hours * a.compute_price_per_hour
        return (
            cost,
            0,
            (
                f"serverless: {format_number(latency_ms / 1000)} s per 1,000 predictions (p50) × "
                f"{volume} ÷ 1,000 ÷ 3,600 s/h × {money(a.compute_price_per_hour)}/h = "
                f"{money(cost)}"
            ),
        )
    latency_ms = _known(meta, "latency_ms_per_1000_p95")
    if latency_ms is None:
        latency_ms = _known(meta, "latency_ms_per_1000_p50")
    if latency_ms is None:
        return None, None, "unknown: the prototype has no measured latency"
    busy_hours = latency_ms / 1000 * a.predictions_per_month / BATCH / SECONDS_PER_HOUR
    capacity = HOURS_PER_MONTH * INSTANCE_UTILISATION
    instances = max(1, math.ceil(busy_hours / capacity))
    cost = instances * a.instance_price_per_month
    plural = "" if instances == 1 else "s"
    return (
        cost,
        instances,
        (
            f"{instances} always-on instance{plural} × {money(a.instance_price_per_month)}/month = "
            f"{money(cost)} ({volume} a month keep an instance busy {format_number(busy_hours)} h "
            f"at {format_number(latency_ms / 1000)} s per 1,000 (p95); one instance serves "
            f"{format_number(capacity)} h a month at most {INSTANCE_UTILISATION:.0%} busy)"
        ),
    )


def ownership(meta: dict, assumptions: CostAssumptions) -> dict:
    """What owning a prototype costs a month and a year, beside its one-off cost.

    Hosting (``hosting_cost_per_month``, ``instances``): always-on instances at
    ``instance_price_per_month``, as many as the month's predictions need at p95 latency with
    each instance at most 50% busy, and never fewer than one; with ``serverless``, only the
    compute the predictions use (p50 latency × volume × ``compute_price_per_hour``).
    Retraining (``retrain_cost_per_month``) and ``one_off_cost`` as :func:`costs` gives them.
    Maintenance (``maintenance_cost_per_month``): the prototype's
    ``maintenance_hours_per_month`` if its metadata has one, else the assumption's, × the
    engineer's hour rate (day rate ÷ 8). ``ownership_cost_per_month`` is their sum and
    ``ownership_cost_per_year`` twelve times that.

    Every money figure of :data:`OWNERSHIP_FIGURES` has a formula of the same key in
    ``formulas``: in words, with its numbers filled in, for a hover. A figure whose input is
    missing is ``None`` and its formula starts "unknown:".
    """
    a = assumptions
    compute = costs(meta, a)

    def money(amount: float | None) -> str:
        return format_money(amount, a.currency)

    formulas = {
        "retrain_cost_per_month": compute["formulas"]["retrain_cost_per_month"],
        "one_off_cost": compute["formulas"]["one_off_cost"],
    }
    hosting, instances, formulas["hosting_cost_per_month"] = _hosting(meta, a)

    own_hours = _known(meta, "maintenance_hours_per_month")
    hours = a.maintenance_hours_per_month if own_hours is None else own_hours
    maintenance = hours * a.engineer_hour_rate
    formulas["maintenance_cost_per_month"] = (
        f"{format_number(hours)} engineer hours a month"
        f"{' (this prototype’s estimate)' if own_hours is not None else ''} × "
        f"{money(a.engineer_hour_rate)}/h (day rate ÷ {HOURS_PER_DAY}) = {money(maintenance)}"
    )

    retrain = compute["retrain_cost_per_month"]
    if hosting is None or retrain is None:
        monthly = yearly = None
        missing = "hosting" if hosting is None else "retraining"
        formulas["ownership_cost_per_month"] = f"unknown: the {missing} cost is not known"
        formulas["ownership_cost_per_year"] = formulas["ownership_cost_per_month"]
    else:
        monthly = hosting + retrain + maintenance
        yearly = monthly * MONTHS_PER_YEAR
        formulas["ownership_cost_per_month"] = (
            f"{money(hosting)} hosting + {money(retrain)} retraining + {money(maintenance)} "
            f"maintenance = {money(monthly)} a month"
        )
        formulas["ownership_cost_per_year"] = (
            f"{money(monthly)} a month × {MONTHS_PER_YEAR} = {money(yearly)} a year"
        )
    return {
        "instances": instances,
        "hosting_cost_per_month": hosting,
        "retrain_cost_per_month": retrain,
        "maintenance_hours_per_month": hours,
        "maintenance_cost_per_month": maintenance,
        "ownership_cost_per_month": monthly,
        "ownership_cost_per_year": yearly,
        "one_off_cost": compute["one_off_cost"],
        "currency": a.currency,
        "formulas": formulas,
    }


def payback_months(
    one_off_cost: float | None,
    monthly_cost: float | None,
    mvp_monthly_cost: float | None,
    currency: str = "USD",
    saving_interval: tuple[float, float] | None = None,
) -> tuple[float | None, str]:
    """``(months, formula)``: how long the monthly saving over the MVP takes to repay the
    one-off cost. Monthly costs are totals (ownership plus the cost of errors, if known).

    ``None`` when an input is unknown or nothing is saved (the formula says which). With
    ``saving_interval`` (the 95% interval of MVP − this, a month) including zero, the formula
    says the saving, and so the payback, is within the uncertainty. A saving under half a cent
    a month is none: the two cost the same, and "$4,000 ÷ $0.000012 = 320,118,679 months"
    claimed a payback where there is nothing to pay back with.
    """
    if one_off_cost is None or monthly_cost is None or mvp_monthly_cost is None:
        return None, "unknown: the one-off cost or a monthly cost is not known"
    saving = mvp_monthly_cost - monthly_cost
    versus = (
        f"(the MVP {format_money(mvp_monthly_cost, currency)} − this "
        f"{format_money(monthly_cost, currency)} a month)"
    )
    if 0 < saving < 0.005:
        return None, (
            f"never: it saves {whole_money(saving, currency)} a month against the MVP "
            f"{versus}, so the {format_money(one_off_cost, currency)} one-off cost is not "
            "paid back"
        )
    if saving <= 0:
        return None, (
            f"never: it saves nothing a month against the MVP {versus}, so the "
            f"{format_money(one_off_cost, currency)} one-off cost is not paid back"
        )
    months = one_off_cost / saving
    # "5.63e-07 months" said nothing: under a day (a month of 30 days) is said so
    took = "under a day" if months < 1 / 30 else f"{format_number(months)} months"
    formula = (
        f"{format_money(one_off_cost, currency)} one-off ÷ {format_money(saving, currency)} "
        f"saved a month {versus} = {took}"
    )
    if saving_interval is not None and not saving_interval[0] > 0:
        formula += "; the saving is within the uncertainty, so it may never pay back"
    return months, formula
