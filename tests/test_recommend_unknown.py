"""A prototype published without its training time: the recommendation is made on what is
known and says what is not, instead of "No prototype's monthly total is known"."""

from __future__ import annotations

import pandas as pd
from test_recommend import BEST, NO_TRAINING_TIME, WORSE

import model
from model.costs import CostAssumptions, round_money
from model.recommend import PrototypeCost, recommend, sprint_recommendation
from model.recommend_unknown import KnownPart
from model.threshold import percentile_interval

#: Hosting and maintenance known ($870 a month); each hour of one training adds $0.10 a month.
KNOWN = KnownPart(870.0, 0.10)


def _without_training_time(cost: PrototypeCost) -> PrototypeCost:
    return PrototypeCost(cost.name, None, cost.errors, running_unknown=NO_TRAINING_TIME,
                         known_part=KNOWN)  # fmt: skip


def test_the_only_prototype_without_a_training_time_is_priced_at_least():
    """ws_codes: "No prototype's monthly total is known: what lgbtxt would cost to run is
    unknown", although its errors ($865,000 a month) were known."""
    alone = _without_training_time(WORSE)
    result = recommend([alone])
    floor = WORSE.errors.monthly + 870.0
    low, high = percentile_interval(WORSE.errors.replicates + 870.0, 0.95)
    assert result.text == (
        f"Physics rules is the only prototype: at least about {round_money(floor)} a month "
        f"including its errors (95% interval {round_money(low)}–{round_money(high)}), plus its "
        f"retraining, unknown as {NO_TRAINING_TIME}; there is nothing to compare it with."
    )
    assert result.table.loc[0, "total_at_least"] == floor


def test_one_left_out_that_costs_clearly_more_without_retraining_leaves_the_order_known():
    result = recommend([BEST, _without_training_time(WORSE)], mvp="gradient boosting")
    assert result.best == "gradient boosting" and result.not_compared == ("physics rules",)
    more = WORSE.errors.monthly + 870.0 - BEST.total
    assert result.text.startswith(
        "Gradient boosting is the only prototype whose monthly total is known: about "
    )
    assert "nothing to compare" not in result.text
    assert (
        f"Physics rules is left out, as {NO_TRAINING_TIME}: without its retraining it costs "
        f"about {round_money(WORSE.errors.monthly + 870.0)} a month with its errors, already "
        f"about {round_money(more)} more than gradient boosting (95% interval "
    ) in result.text
    assert result.text.endswith(
        "so its retraining, whatever it costs, cannot make it cheaper than gradient boosting."
    )
    assert "is not compared" not in result.text


def test_one_left_out_that_could_be_cheaper_says_how_long_its_training_may_take():
    result = recommend([WORSE, _without_training_time(BEST)], mvp="physics rules")
    less = WORSE.total - (BEST.errors.monthly + 870.0)  # $500,000
    hours = f"{less / 0.10:,.0f}"
    assert (
        f"Gradient boosting is left out, as {NO_TRAINING_TIME}: without its retraining it "
        f"costs about {round_money(BEST.errors.monthly + 870.0)} a month with its errors, about "
        f"{round_money(less)} less than physics rules (95% interval "
    ) in result.text
    assert result.text.endswith(
        f"it would cost clearly less, unless one training takes more than {hours} hours of "
        "compute. Record its training time to compare them."
    )


def test_a_sprint_with_one_prototype_without_training_time_is_still_recommended(tmp_path):
    """Through the workspace: two prototypes, one published without ``train_seconds``."""
    from conftest import _pipeline, split_data
    from sklearn.tree import DecisionTreeClassifier

    X, y, X_demo, y_demo = split_data()
    ws = model.open_workspace(tmp_path / "ws")
    for name, depth, seconds in (("stump", 1, None), ("tree", 4, 2.0)):
        estimator = _pipeline(DecisionTreeClassifier(max_depth=depth, random_state=0), False)
        estimator.fit(X, y)
        ws.publish("S1", name, estimator, X_demo, y_demo, deck_size=20, train_seconds=seconds)
    result = sprint_recommendation(ws, "S1", CostAssumptions())
    assert not result.text.startswith("No prototype's monthly total is known")
    assert "Stump is left out, as the training time was not recorded" in result.text
    stump = result.table.set_index("prototype").loc["stump"]
    assert stump["total_at_least"] > 0 and pd.isna(stump["total_per_month"])


def test_the_costs_table_shows_what_the_total_is_at_least():
    """The table's total said "unknown" beside a known $865,000 of errors."""
    from model.costs import ownership
    from ui.bakeoff_money import ownership_view

    assumptions = CostAssumptions()
    owned = ownership({"latency_ms_per_1000_p50": 5.0}, assumptions)  # no train_seconds
    assert owned["retrain_cost_per_month"] is None
    result = recommend([BEST, _without_training_time(WORSE)])
    view = ownership_view({"physics rules": owned}, result.table, mvp=None)
    floor = round_money(WORSE.errors.monthly + 870.0)
    assert view.loc[0, "Total / month"] == f"at least {floor}"
