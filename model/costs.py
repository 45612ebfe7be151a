"""What a prototype costs in the business's units: money a month to run, money once to build.

The measured figures come from publishing (latency per 1,000 predictions, training seconds)
and from the team (effort in person-days). The assumptions that turn them into money (volume,
price of compute, day rate) belong to the business, are stored in the workspace and are shown
next to every figure, with the formula and its numbers filled in, so nobody has to trust a
magic number.
"""

from __future__ import annotations

import json
import math
import os
import uuid
from dataclasses import asdict, dataclass, fields
from pathlib import Path

__all__ = [
    "ASSUMPTIONS_FILE",
    "COST_FIGURES",
    "CostAssumptions",
    "costs",
    "format_money",
    "format_number",
    "load_assumptions",
    "save_assumptions",
]

ASSUMPTIONS_FILE = "cost_assumptions.json"
SECONDS_PER_HOUR = 3600
BATCH = 1000  # latency is measured per 1,000 predictions

#: The money figures :func:`costs` returns, each with a formula of the same key.
COST_FIGURES = (
    "prediction_cost_per_month",
    "retrain_cost_per_month",
    "running_cost_per_month",
    "one_off_cost",
)

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


@dataclass
class CostAssumptions:
    """The business's assumptions that turn measured seconds and days into money."""

    predictions_per_month: float = 1_000_000
    retrains_per_month: float = 1
    compute_price_per_hour: float = 0.10
    engineer_day_rate: float = 800.0
    currency: str = "USD"

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
            # bool is an int subclass: True predictions a month is a typo, not a number.
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"{field.name} must be a number, got {value!r}")
            if not math.isfinite(value) or value < 0:
                raise ValueError(f"{field.name} must be a non-negative finite number, got {value}")

    def to_dict(self) -> dict:
        """The assumptions as plain JSON-ready values."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> CostAssumptions:
        """Assumptions from ``data``; missing fields take their defaults.

        Raises ``ValueError`` naming the field that is unknown or not a non-negative number.
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
        return _SYMBOLS.get(self.currency, "")


def load_assumptions(workspace_path: str | Path) -> CostAssumptions:
    """The workspace's cost assumptions, or the defaults if none are stored yet.

    A file that exists but is not valid raises ``ValueError`` naming the file: silently
    falling back to defaults would show the business numbers it never agreed to.
    """
    path = Path(workspace_path) / ASSUMPTIONS_FILE
    if not path.is_file():
        return CostAssumptions()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return CostAssumptions.from_dict(data)
    except (ValueError, TypeError) as error:
        raise ValueError(f"{path} is not valid: {error}") from None


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
    symbol = _SYMBOLS.get(currency.upper(), "")
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
            "unknown: the training time was not recorded (publish with train_seconds=…)"
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
