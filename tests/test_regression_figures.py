"""A regression's figures as a house-price team read them: each error figure named for what it
is, money rounded one way that tells prototypes apart, the headline change said in words,
one number format per chart, an error axis from zero, and what maintaining a prototype
takes."""

from __future__ import annotations

import pandas as pd

from model.money import round_money, whole_money_sum
from model.outcomes import outcome_sentence, regression_outcome
from ui import bakeoff_money, chart_numbers, explanations, metric_change, sprint_summary


def test_prototypes_whose_error_costs_differ_are_told_apart_in_money():
    # Sprint 1's three prototypes: at two figures all three were "about $300,000,000"
    costs = [302_015_389.75, 301_598_217.35, 301_864_653.27]
    assert len({round_money(cost) for cost in costs}) == 3


def test_the_present_slide_says_a_cost_as_the_bake_off_does():
    # Present step 1 said "$311,256,904", the Bake-off "$310,000,000"
    (errors, _), _ = whole_money_sum([311_256_903.94, 870.0])
    assert errors == round_money(311_256_903.94) == "$311,300,000"


def test_the_median_error_is_not_called_typical():
    result = regression_outcome([100_000, 200_000, 300_000], [110_000, 190_000, 330_000])
    sentence = outcome_sentence(result, noun="houses", unit="USD")
    assert sentence.startswith("Half the houses are predicted to within 10,000 USD, 9 in 10 to")
    assert "Typically" not in sentence


def test_the_rmse_is_named_for_what_it_is():
    assert sprint_summary.plain_metric_name("RMSE").startswith(
        "Typical size of an error, large misses weighing more"
    )


def test_a_worse_regression_says_so_in_words():
    (delta,) = sprint_summary.metric_deltas(
        {"rmse": 39_398.37}, {"rmse": 38_052.34}, "regression", keys=["rmse"]
    )
    name = sprint_summary.plain_metric_name("RMSE").split(" (")[0]
    text = metric_change.change_text(name, delta, ("Sprint 1", "gradient boosting"), "USD")
    assert text == (
        "Typical size of an error, large misses weighing more: 39,398 USD, 1,346 USD worse "
        "than Sprint 1's MVP, gradient boosting."
    )


def _errors(values: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sprint": [f"Sprint {i + 1}" for i in range(len(values))],
            "prototype": ["a", "b", "c"][: len(values)],
            "mvp": True,
            "target": "Sale price [USD]",
            "metric": "RMSE",
            "value": values,
        }
    )


def test_an_error_chart_starts_at_zero_and_labels_as_its_axis_does():
    summary = _errors([38_052.3, 39_398.4, 38_744.8])
    spec = sprint_summary.headline_spec(summary, ["Sprint 1", "Sprint 2", "Sprint 3"])
    y = spec["layer"][0]["encoding"]["y"]
    assert y["scale"]["zero"] is True  # from 38,000 a 3.5% change looked like a spike
    rows = spec["datasets"][spec["data"]["name"]]
    assert [row["text"] for row in rows] == ["38,052 USD", "39,398 USD", "38,745 USD"]


def test_a_label_goes_under_a_point_the_line_comes_down_to():
    # "38,700 USD" sat on the line coming down from Sprint 2's higher point
    assert chart_numbers.labels_below([38_052.3, 39_398.4, 38_744.8]) == [True, False, True]


def test_importance_labels_share_one_number_format():
    meta = {"task": "regression", "global_importance": {"a": 86_643.2, "b": 747.09, "c": 557.24}}
    texts = list(explanations.global_importance_data(meta)["text"])
    assert texts == ["86,643", "747", "557"]


def test_waterfall_labels_share_one_number_format():
    row = {
        "base_value": 180_000.0,
        "output": 179_919.3,
        "contributions": {"Living area": -80.7},
        "feature_values": {"Living area": 1_200},
        "unit": "value",
    }
    texts = list(explanations.waterfall_data(row)["text"])
    assert texts == ["180,000", "-81", "179,919"]


def test_the_maintenance_row_says_engineer_hours_not_the_publish_notes():
    shown = pd.DataFrame({"Prototype": ["ridge"], "Effort (person-days)": ["1.0"]})
    owned = {"maintenance_hours_per_month": 8.0}
    said = bakeoff_money.maintenance_text(owned, {"notes": "ridge baseline on 3,000 listings"})
    table = bakeoff_money.costs_view(shown, [said])
    assert table.loc[bakeoff_money.MAINTENANCE_ROW, "ridge"] == "8 (assumed)"
    own = bakeoff_money.maintenance_text(
        {"maintenance_hours_per_month": 12.0}, {"maintenance_hours_per_month": 12.0}
    )
    assert own == "12 (its own estimate)"
