"""A regression's errors priced with one price for a unit predicted too high (wasted stock) and
another for a unit predicted too low (lost sales)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import model
from model.costs import ASSUMPTIONS_FILE, CostAssumptions, load_assumptions, save_assumptions
from model.recommend import sprint_recommendation
from model.regression_prices import regression_row_costs
from model.threshold import error_cost, error_costs

GROCERY = CostAssumptions(
    currency="EUR", cases_per_month=86_000, over_prediction_cost=1.20, under_prediction_cost=3.50
)


def _short_and_over() -> tuple[dict[str, pd.DataFrame], np.ndarray]:
    """The trial's two forecasts of 500 weeks: one always 80 units short, one always 100 over."""
    actual = np.random.default_rng(0).integers(100, 1000, 500).astype(float)
    frames = {
        "always short": pd.DataFrame({"predicted": actual - 80, "actual": actual}),
        "always over": pd.DataFrame({"predicted": actual + 100, "actual": actual}),
    }
    return frames, actual


def test_a_unit_too_high_and_a_unit_too_low_cost_their_own_prices():
    costs = regression_row_costs(GROCERY, [110.0, 90.0, 100.0], [100.0, 100.0, 100.0])
    assert costs.tolist() == pytest.approx([12.0, 35.0, 0.0])


def test_the_forecast_that_wastes_stock_is_cheaper_than_the_one_that_loses_sales():
    """With one price the always-short forecast looked cheaper (EUR 16.2M against 20.2M a
    month); the business pays 24.1M for it against 10.3M for the always-over one."""
    frames, actual = _short_and_over()
    priced = error_costs(frames, "regression", GROCERY, truth=actual, n_resamples=50)
    assert priced["always short"].monthly == pytest.approx(3.50 * 80 * 86_000)  # 24,080,000
    assert priced["always over"].monthly == pytest.approx(1.20 * 100 * 86_000)  # 10,320,000
    assert priced["always over"].formula.startswith(
        "€1.20 a unit too high × 100 units too high on average + €3.50 a unit too low × "
        "0 units too low on average, over 500 demo rows = €120.00 a case; × 86,000 cases a "
        "month = €10,320,000.00 a month"
    )


def test_cost_per_case_is_the_over_price_times_mean_over_plus_under_price_times_mean_under():
    rng = np.random.default_rng(3)
    actual = rng.gamma(2.0, 100.0, 400)
    predicted = actual + rng.normal(10.0, 60.0, 400)
    frames = {"forecast": pd.DataFrame({"predicted": predicted, "actual": actual})}
    cost = error_costs(frames, "regression", GROCERY, truth=actual, n_resamples=20)["forecast"]
    error = predicted - actual
    expected = 1.20 * np.maximum(error, 0).mean() + 3.50 * np.maximum(-error, 0).mean()
    assert cost.cost_per_case == pytest.approx(expected)
    assert cost.low <= cost.monthly <= cost.high


def test_one_price_for_both_gives_the_old_figures_to_the_cent():
    """An assumptions file of one price per unit of error prices as it did before the two
    prices: that price × the mean absolute error × cases a month, and two prices typed the
    same give the same figures and intervals."""
    frames, actual = _short_and_over()
    old = CostAssumptions(currency="EUR", cases_per_month=86_000, cost_per_unit_error=2.35)
    after = error_costs(frames, "regression", old, truth=actual, n_resamples=50)
    typed_twice = CostAssumptions(
        currency="EUR", cases_per_month=86_000, over_prediction_cost=2.35,
        under_prediction_cost=2.35,
    )  # fmt: skip
    for name, frame in frames.items():
        expected = 2.35 * np.abs(frame["predicted"] - actual).mean() * 86_000
        assert round(after[name].monthly, 2) == round(expected, 2)
        assert after[name].formula.startswith("€2.35 per unit of error × ")
        again = error_costs(frames, "regression", typed_twice, truth=actual, n_resamples=50)[name]
        assert round(again.monthly, 2) == round(expected, 2)
        assert (again.low, again.high) == (after[name].low, after[name].high)


def test_an_assumptions_file_saved_before_the_two_prices_loads_with_its_one_price(tmp_path):
    """The trial's file, written by an earlier version: no over or under price in it."""
    old = {
        "predictions_per_month": 1000000.0, "retrains_per_month": 1.0,
        "compute_price_per_hour": 0.1, "engineer_day_rate": 800.0, "currency": "EUR",
        "cases_per_month": 86000.0, "missed_positive_cost": 2000.0, "false_alarm_cost": 200.0,
        "wrong_class_cost": 500.0, "cost_matrix": None, "cost_per_unit_error": 2.35,
        "instance_price_per_month": 70.0, "serverless": False,
        "maintenance_hours_per_month": 8.0,
    }  # fmt: skip
    (tmp_path / ASSUMPTIONS_FILE).write_text(json.dumps(old))
    loaded = load_assumptions(tmp_path)
    assert (loaded.over_price, loaded.under_price) == (2.35, 2.35)
    assert loaded.over_prediction_cost is None and loaded.under_prediction_cost is None
    save_assumptions(tmp_path, loaded)
    assert load_assumptions(tmp_path) == loaded


def test_a_negative_price_is_refused_by_its_name():
    with pytest.raises(ValueError, match="under_prediction_cost cannot be negative"):
        CostAssumptions(under_prediction_cost=-3.5)


def test_the_recommendation_follows_the_prices_of_each_direction(tmp_path):
    """A model that forecasts too low and one that forecasts too high, by about as much: with
    one price the short one is cheaper, with lost sales dearer than waste the over one is."""
    from sklearn.datasets import load_diabetes
    from sklearn.dummy import DummyRegressor

    data = load_diabetes(as_frame=True)
    X, y = data.data, data.target
    X.index = y.index = X.index.astype(str).rename("row_id")
    ws = model.open_workspace(tmp_path / "workspace")
    for name, level in {"low": 0.2, "high": 0.85}.items():
        estimator = DummyRegressor(strategy="quantile", quantile=level).fit(X, y)
        ws.publish("Sales", name, estimator, X, y, train_seconds=1.0, effort_days=1.0)
    one_price = CostAssumptions(cost_per_unit_error=2.35)
    assert sprint_recommendation(ws, "Sales", one_price, n_resamples=50).best == "low"
    two_prices = CostAssumptions(over_prediction_cost=1.20, under_prediction_cost=3.50)
    assert sprint_recommendation(ws, "Sales", two_prices, n_resamples=50).best == "high"


def test_error_cost_prices_each_direction_as_the_bake_off_does():
    """Present's money step and the HTML report price through model.threshold.error_cost:
    the always-short forecast costs 3.50 × 80 a case there too, not the one price's."""
    frames, _ = _short_and_over()
    short = error_cost(frames["always short"], "regression", GROCERY, n_resamples=20)
    over = error_cost(frames["always over"], "regression", GROCERY, n_resamples=20)
    assert short.monthly == pytest.approx(3.50 * 80 * 86_000)
    assert over.monthly == pytest.approx(1.20 * 100 * 86_000)
    assert "€3.50 a unit too low" in short.formula


def test_the_report_lists_both_prices_of_a_regression(tmp_path):
    from sklearn.linear_model import LinearRegression

    from ui.report import _costs_section

    rng = np.random.default_rng(1)
    X = pd.DataFrame({"lag": rng.uniform(0, 500, 200)}, index=[f"r{i}" for i in range(200)])
    units = 2 * X["lag"] + rng.normal(0, 20, 200)
    ws = model.open_workspace(tmp_path / "ws")
    ws.publish("S", "linear", LinearRegression().fit(X, units), X, units)
    section = _costs_section(ws, "S", GROCERY)
    assert "Cost of each unit predicted too high</td><td>€1.20" in section.replace("\n", "")
    assert "Cost of each unit predicted too low</td><td>€3.50" in section.replace("\n", "")
    assert "Cost per unit of error" not in section
