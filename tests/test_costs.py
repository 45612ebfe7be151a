"""Costs in the business's units: formulas checked against hand-computed figures."""

from __future__ import annotations

import json
import math

import pytest

from model.costs import (
    ASSUMPTIONS_FILE,
    CostAssumptions,
    costs,
    format_money,
    load_assumptions,
    save_assumptions,
)

META = {
    "latency_ms_per_1000_p50": 42.0,  # 0.042 s per 1,000 predictions
    "train_seconds": 360.0,
    "effort_days": 2.5,
}


def test_default_assumptions_are_the_documented_ones():
    a = CostAssumptions()
    assert (a.predictions_per_month, a.retrains_per_month) == (1_000_000, 1)
    assert (a.compute_price_per_hour, a.engineer_day_rate, a.currency) == (0.10, 800.0, "USD")


def test_prediction_cost_is_latency_times_volume_times_price():
    # 0.042 s × 1,000 batches = 42 s = 0.011667 h; × $0.10 = $0.0011667
    figures = costs(META, CostAssumptions())
    assert figures["prediction_hours_per_month"] == pytest.approx(42 / 3600)
    assert figures["prediction_cost_per_month"] == pytest.approx(0.0011666667)
    assert figures["formulas"]["prediction_cost_per_month"] == (
        "0.042 s per 1,000 predictions × (1,000,000 predictions ÷ 1,000) ÷ 3,600 s/h × "
        "$0.10/h = $0.0012"
    )


def test_retrain_cost_is_training_hours_times_retrains_times_price():
    # 360 s = 0.1 h; × 4 retrains = 0.4 h; × $0.10 = $0.04
    figures = costs(META, CostAssumptions(retrains_per_month=4))
    assert figures["retrain_hours_per_month"] == pytest.approx(0.4)
    assert figures["retrain_cost_per_month"] == pytest.approx(0.04)
    assert figures["formulas"]["retrain_cost_per_month"] == (
        "360 s per training ÷ 3,600 s/h × 4 retrains per month × $0.10/h = $0.040"
    )


def test_running_cost_adds_predicting_and_retraining():
    # 10 M predictions at 0.5 s per 1,000 = 5,000 s; 2 retrains of 1,800 s = 3,600 s;
    # 8,600 s = 2.3889 h at $2/h = $4.7778
    meta = {"latency_ms_per_1000_p50": 500.0, "train_seconds": 1800.0, "effort_days": 1}
    assumptions = CostAssumptions(
        predictions_per_month=10_000_000, retrains_per_month=2, compute_price_per_hour=2.0
    )
    figures = costs(meta, assumptions)
    assert figures["prediction_cost_per_month"] == pytest.approx(5000 / 3600 * 2)
    assert figures["retrain_cost_per_month"] == pytest.approx(2.0)
    assert figures["running_cost_per_month"] == pytest.approx(8600 / 3600 * 2)
    assert figures["formulas"]["running_cost_per_month"] == (
        "$2.78 predicting + $2.00 retraining = $4.78 per month"
    )


def test_one_off_cost_is_effort_times_day_rate():
    figures = costs(META, CostAssumptions())
    assert figures["one_off_cost"] == pytest.approx(2000.0)
    assert figures["formulas"]["one_off_cost"] == "2.5 person-days × $800.00/day = $2,000.00"


def test_missing_training_time_makes_running_cost_unknown_not_zero():
    figures = costs({"latency_ms_per_1000_p50": 42.0, "train_seconds": None}, CostAssumptions())
    assert figures["retrain_cost_per_month"] is None
    assert figures["running_cost_per_month"] is None
    assert figures["prediction_cost_per_month"] == pytest.approx(0.0011666667)
    assert figures["formulas"]["retrain_cost_per_month"].startswith("unknown: ")
    assert figures["formulas"]["running_cost_per_month"].startswith("unknown: ")


def test_missing_effort_makes_one_off_cost_unknown():
    figures = costs({"latency_ms_per_1000_p50": 1.0}, CostAssumptions())
    assert figures["one_off_cost"] is None
    assert figures["formulas"]["one_off_cost"].startswith("unknown: ")


def test_no_retraining_costs_nothing_even_without_a_training_time():
    figures = costs({"latency_ms_per_1000_p50": 42.0}, CostAssumptions(retrains_per_month=0))
    assert figures["retrain_cost_per_month"] == 0
    assert figures["running_cost_per_month"] == pytest.approx(0.0011666667)


def test_formulas_use_the_currency_of_the_assumptions():
    figures = costs(META, CostAssumptions(currency="eur", engineer_day_rate=1000))
    assert figures["currency"] == "EUR"
    assert figures["formulas"]["one_off_cost"] == "2.5 person-days × €1,000.00/day = €2,500.00"
    other = costs(META, CostAssumptions(currency="CHF"))
    assert other["formulas"]["one_off_cost"].endswith("= 2,000.00 CHF")


@pytest.mark.parametrize(
    ("amount", "text"),
    [(0, "$0.00"), (0.0011667, "$0.0012"), (2.82e-5, "$0.000028"), (1234.5, "$1,234.50")],
)
def test_money_is_shown_with_two_significant_digits_below_one(amount, text):
    assert format_money(amount) == text


def test_unknown_money_is_shown_as_unknown():
    assert format_money(None) == "unknown"
    assert format_money(math.nan) == "unknown"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("predictions_per_month", -1),
        ("retrains_per_month", math.nan),
        ("compute_price_per_hour", math.inf),
        ("engineer_day_rate", "800"),
        ("predictions_per_month", True),
    ],
)
def test_invalid_assumption_is_refused_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        CostAssumptions.from_dict({field: value})


def test_unknown_assumption_is_refused_naming_it():
    with pytest.raises(ValueError, match="price_per_hour"):
        CostAssumptions.from_dict({"price_per_hour": 1.0})


def test_assumptions_round_trip_through_a_dict():
    a = CostAssumptions(predictions_per_month=5, retrains_per_month=0.5, currency="GBP")
    assert CostAssumptions.from_dict(a.to_dict()) == a


def test_missing_file_loads_the_defaults(tmp_path):
    assert load_assumptions(tmp_path) == CostAssumptions()


def test_saved_assumptions_load_back_and_leave_no_temporary_file(tmp_path):
    a = CostAssumptions(predictions_per_month=250_000, engineer_day_rate=650.0)
    path = save_assumptions(tmp_path, a)
    assert path == tmp_path / ASSUMPTIONS_FILE
    assert load_assumptions(tmp_path) == a
    assert json.loads(path.read_text())["engineer_day_rate"] == 650.0
    assert [p.name for p in tmp_path.iterdir()] == [ASSUMPTIONS_FILE]


def test_a_broken_assumptions_file_is_reported_not_replaced_by_defaults(tmp_path):
    (tmp_path / ASSUMPTIONS_FILE).write_text('{"engineer_day_rate": -5}')
    with pytest.raises(ValueError, match="engineer_day_rate"):
        load_assumptions(tmp_path)
    (tmp_path / ASSUMPTIONS_FILE).write_text("not json")
    with pytest.raises(ValueError, match=ASSUMPTIONS_FILE):
        load_assumptions(tmp_path)
