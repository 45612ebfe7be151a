"""The Bake-off of a regression: a price for each unit predicted too high and too low, and the
sentence saying why the money and the RMSE can name different prototypes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression

import model
from model.costs import CostAssumptions, load_assumptions, round_money, save_assumptions
from model.recommend import sprint_costs

SAVE_ASSUMPTIONS = "FormSubmitter:assumptions_form-Save assumptions"
OVER, UNDER = "assume_over_prediction_cost", "assume_under_prediction_cost"


@pytest.fixture(scope="module")
def weekly_sales(tmp_path_factory) -> Path:
    """Units sold a week, with a few huge weeks (outliers) in every set. "clean fit" learnt
    the ordinary weeks only: right on them, far short on the huge ones. "mean fit" learnt
    the huge weeks too: about 120 units too many on every ordinary week, a little less short
    on the huge ones, so its squared errors (RMSE) are smaller and its units of error more."""
    rng = np.random.default_rng(7)

    def weeks(n: int, huge: int) -> tuple[pd.DataFrame, pd.Series]:
        x = rng.uniform(0, 100, n)
        y = 3 * x + 20 + rng.normal(0, 2, n)
        y[:huge] = 5000.0
        index = pd.Index([f"w{i:04d}" for i in range(n)], name="row_id")
        return pd.DataFrame({"last_week": x}, index=index), pd.Series(y, index, name="units")

    X_train, y_train = weeks(800, 20)
    X_demo, y_demo = weeks(400, 10)
    ordinary = y_train < 5000
    ws = model.open_workspace(tmp_path_factory.mktemp("sales") / "workspace")
    for name, fit in {
        "clean fit": LinearRegression().fit(X_train[ordinary], y_train[ordinary]),
        "mean fit": LinearRegression().fit(X_train, y_train),
    }.items():
        ws.publish("Week 1", name, fit, X_demo, y_demo, mvp=name == "clean fit",
                   train_seconds=1.0, effort_days=1.0)  # fmt: skip
    save_assumptions(ws.path, CostAssumptions(currency="EUR", cost_per_unit_error=2.35))
    return Path(ws.path)


def _errors(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("Its errors would cost")]


def _differ(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("Money counts every unit")]


def test_the_form_asks_a_price_for_each_unit_too_high_and_too_low(weekly_sales, open_app):
    at = open_app(weekly_sales, page="bake_off")
    assert not at.exception
    over, under = at.number_input(key=OVER), at.number_input(key=UNDER)
    assert over.label == "Cost of each unit predicted too high (e.g. wasted stock)"
    assert under.label == "Cost of each unit predicted too low (e.g. lost sales)"
    assert (over.value, under.value) == (2.35, 2.35)  # the one price the file holds
    assert "× units too high" in over.help and "× units too low" in under.help


def test_saved_prices_for_each_direction_price_the_errors(weekly_sales, open_app, tmp_path):
    from conftest import copy_workspace

    workspace = copy_workspace(weekly_sales, tmp_path / "sales")
    at = open_app(workspace, page="bake_off")
    one_price = _errors(at)
    ws = model.open_workspace(workspace)
    costs = {c.name: c.errors for c in sprint_costs(ws, "Week 1")}
    assert f"about {round_money(costs['clean fit'].monthly, 'EUR')} a month" in one_price[0]
    at.number_input(key=OVER).set_value(1.20)
    at.number_input(key=UNDER).set_value(3.50)
    at.button(key=SAVE_ASSUMPTIONS).click().run()
    assert not at.exception
    saved = load_assumptions(workspace)
    assert (saved.over_price, saved.under_price, saved.cost_per_unit_error) == (1.2, 3.5, 2.35)
    priced = {c.name: c.errors for c in sprint_costs(ws, "Week 1")}
    predictions = ws.prototype("Week 1", "mean fit").predictions()
    error = predictions["predicted"] - predictions["actual"]
    per_case = 1.2 * error.clip(lower=0).mean() + 3.5 * (-error).clip(lower=0).mean()
    assert priced["mean fit"].cost_per_case == pytest.approx(per_case)
    now = _errors(at)
    assert f"about {round_money(priced['clean fit'].monthly, 'EUR')} a month" in now[0]
    assert now != one_price
    rule = [c.value for c in at.caption if "units predicted too high" in c.value]
    rule += [
        str(cell)
        for table in at.table
        for cell in table.value.to_numpy().ravel()
        if "units predicted too high" in str(cell) or "a unit too high" in str(cell)
    ]
    assert any("€1.20" in text and "€3.50" in text for text in rule)


def test_the_page_says_why_the_cheapest_is_not_the_best_scored(weekly_sales, open_app):
    at = open_app(weekly_sales, page="bake_off")
    assert not at.exception
    table = model.bakeoff.bakeoff_table(model.open_workspace(weekly_sales), "Week 1", "rmse")
    rmse = table.set_index("prototype")["rmse"]
    assert rmse["mean fit"] < rmse["clean fit"]  # RMSE prefers the fit that learnt the huge weeks
    assert at.markdown[0].value.startswith("**Recommendation.** The current MVP, clean fit")
    (sentence,) = _differ(at)
    assert sentence == (
        "Money counts every unit of error at its price; the scores below weigh large misses "
        "more (RMSE), which is why mean fit scores better there while clean fit's errors cost "
        "less."
    )
    markdowns = [m.value for m in at.markdown]
    assert markdowns.index(sentence) < 3  # with the recommendation, above the decision form
