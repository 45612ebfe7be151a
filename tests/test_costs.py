"""Costs in the business's units: formulas checked against hand-computed figures."""

from __future__ import annotations

import json
import math

import pytest

from model.costs import (
    ASSUMPTIONS_FILE,
    OWNERSHIP_FIGURES,
    CostAssumptions,
    costs,
    format_money,
    load_assumptions,
    ownership,
    payback_months,
    round_money,
    save_assumptions,
    whole_money,
    whole_money_sum,
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


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (870.0, "USD", "$870"),
        (10_440.0, "USD", "$10,440"),
        (311_256_903.94, "USD", "$311,300,000"),
        (1_599.6, "USD", "$1,600"),
        (0.43, "USD", "$0.43"),
        (6.8e-6, "USD", "under $0.01"),
        (0, "USD", "$0.00"),
        (-870.0, "EUR", "-€870"),
        (12.0, "CHF", "12 CHF"),
        (None, "USD", "unknown"),
    ],
)
def test_figures_from_the_assumptions_are_whole_units_and_nothing_below_a_cent(
    amount, currency, text
):
    assert whole_money(amount, currency) == text


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


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("cases_per_month", 0, "cases_per_month must be at least 1, got 0: enter how many"),
        ("predictions_per_month", 0.5, "predictions_per_month must be at least 1, got 0.5"),
        (
            "false_alarm_cost",
            1e15,
            "false_alarm_cost must be at most 1,000,000,000,000 (a trillion), got "
            "1,000,000,000,000,000: check for extra zeros",
        ),
        ("cases_per_month", 2e12, "cases_per_month must be at most 1,000,000,000,000"),
        pytest.param(
            "engineer_day_rate", 10**400, "got a number of about 401 digits", id="huge-int"
        ),
        ("retrains_per_month", 50_000, "retrains_per_month must be at most 43,800 (once a minute)"),
        ("missed_positive_cost", -5, "missed_positive_cost cannot be negative, got -5: enter 0"),
        ("compute_price_per_hour", None, "compute_price_per_hour is empty: enter a number"),
    ],
)
def test_absurd_assumptions_are_refused_in_one_line_saying_what_to_enter(field, value, said):
    with pytest.raises(ValueError, match=field) as refused:
        CostAssumptions.from_dict({field: value})
    assert said in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_cost_matrix_cell_over_a_trillion_is_refused_naming_the_cell():
    with pytest.raises(ValueError, match=r"cost_matrix\['a'\]\['b'\] must be at most"):
        CostAssumptions.from_dict({"cost_matrix": {"a": {"b": 1e13}}})


def test_free_compute_no_retraining_and_costless_errors_are_still_assumptions():
    a = CostAssumptions(
        compute_price_per_hour=0, retrains_per_month=0, false_alarm_cost=0, cases_per_month=1
    )
    assert a.false_alarm_cost == 0 and a.cases_per_month == 1
    assert CostAssumptions(missed_positive_cost=1e12).missed_positive_cost == 1e12


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


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('{"cases_per_month": 0, "false_alarm_cost": 1e15}', "cases_per_month must be at least 1"),
        ('{"false_alarm_cost": 1e15}', "false_alarm_cost must be at most"),
        ('{"engineer_day_rate": 1' + "0" * 400 + "}", "engineer_day_rate must be at most"),
        ('{"cost_matrix": ' + "[" * 100_000 + "]" * 100_000 + "}", "is not valid"),
        ("{" + '"currency": "USD", ' * 60_000 + '"serverless": false}', "over 1,000,000 bytes"),
    ],
    ids=["no-cases", "huge-cost", "huge-int", "deep-nesting", "huge-file"],
)
def test_a_hand_edited_assumptions_file_with_absurd_figures_is_one_line_naming_it(
    tmp_path, text, said
):
    (tmp_path / ASSUMPTIONS_FILE).write_text(text)
    with pytest.raises(ValueError, match=ASSUMPTIONS_FILE) as refused:
        load_assumptions(tmp_path)
    assert said in str(refused.value) and "\n" not in str(refused.value)


# -- what owning a prototype costs --------------------------------------------------------------
OWNED = {
    "latency_ms_per_1000_p50": 40.0,
    "latency_ms_per_1000_p95": 60.0,
    "train_seconds": 360.0,
    "effort_days": 10,
}


def test_assumptions_saved_before_the_new_fields_load_with_their_defaults(tmp_path):
    old = {
        "predictions_per_month": 250_000,
        "retrains_per_month": 2,
        "compute_price_per_hour": 0.2,
        "engineer_day_rate": 650.0,
        "currency": "EUR",
    }
    (tmp_path / ASSUMPTIONS_FILE).write_text(json.dumps(old))
    loaded = load_assumptions(tmp_path)
    assert loaded.predictions_per_month == 250_000 and loaded.currency == "EUR"
    defaults = CostAssumptions()
    assert loaded.instance_price_per_month == defaults.instance_price_per_month == 70.0
    assert loaded.serverless is False and loaded.cost_matrix is None
    assert (loaded.missed_positive_cost, loaded.false_alarm_cost) == (2000.0, 200.0)


def test_the_new_assumptions_round_trip_through_the_file(tmp_path):
    a = CostAssumptions(
        serverless=True,
        cases_per_month=500,
        cost_matrix={"heat": {"none": 900, "power": 50}},
        maintenance_hours_per_month=4,
    )
    save_assumptions(tmp_path, a)
    assert load_assumptions(tmp_path) == a


def test_a_small_team_defaults_one_instance_at_70_and_an_engineer_hour_at_100():
    a = CostAssumptions()
    assert a.instance_price_per_month == 70.0
    assert a.engineer_hour_rate == 100.0
    assert a.serverless is False


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("serverless", "yes"),
        ("cost_matrix", [1, 2]),
        ("cost_matrix", {"a": {"b": -1}}),
        ("cost_matrix", {"a": 3}),
        ("missed_positive_cost", -5),
        ("cases_per_month", math.nan),
    ],
)
def test_invalid_new_assumption_is_refused_naming_the_field(field, value):
    with pytest.raises(ValueError, match=field):
        CostAssumptions.from_dict({field: value})


def test_cost_matrix_labels_are_kept_as_strings():
    a = CostAssumptions.from_dict({"cost_matrix": {1: {0: 30}}})
    assert a.cost_matrix == {"1": {"0": 30.0}}


def test_hosting_is_at_least_one_always_on_instance():
    # 1,000,000 predictions at 0.06 s per 1,000 (p95) keep an instance busy 60 s a month
    figures = ownership(OWNED, CostAssumptions())
    assert figures["instances"] == 1
    assert figures["hosting_cost_per_month"] == 70.0
    assert figures["formulas"]["hosting_cost_per_month"].startswith(
        "1 always-on instance × $70.00/month = $70.00"
    )


def test_a_busy_model_needs_more_instances_sized_at_p95_and_half_load():
    # 2 s per 1,000 (p95) × 1e9 predictions ÷ 1,000 = 2,000,000 s = 555.6 h busy; an instance
    # serves 730 h × 50% = 365 h, so 2 instances
    meta = {**OWNED, "latency_ms_per_1000_p95": 2000.0}
    figures = ownership(meta, CostAssumptions(predictions_per_month=1e9))
    assert figures["instances"] == 2
    assert figures["hosting_cost_per_month"] == 140.0


def test_serverless_hosting_is_the_compute_the_predictions_use():
    # 0.04 s per 1,000 (p50) × 1,000 batches = 40 s = 0.01111 h × $0.10 = $0.001111
    figures = ownership(OWNED, CostAssumptions(serverless=True))
    assert figures["instances"] == 0
    assert figures["hosting_cost_per_month"] == pytest.approx(40 / 3600 * 0.10)
    assert figures["formulas"]["hosting_cost_per_month"].startswith("serverless: ")


def test_maintenance_is_hours_times_the_hour_rate_and_a_prototype_may_say_its_hours():
    figures = ownership(OWNED, CostAssumptions(maintenance_hours_per_month=6))
    assert figures["maintenance_cost_per_month"] == 600.0
    own = ownership({**OWNED, "maintenance_hours_per_month": 20}, CostAssumptions())
    assert own["maintenance_cost_per_month"] == 2000.0
    assert "this prototype’s estimate" in own["formulas"]["maintenance_cost_per_month"]


def test_cost_of_ownership_adds_hosting_retraining_and_maintenance():
    # $70 hosting + 0.1 h × 4 retrains × $0.10 = $0.04 + 8 h × $100 = $800 → $870.04
    figures = ownership(OWNED, CostAssumptions(retrains_per_month=4))
    assert figures["retrain_cost_per_month"] == pytest.approx(0.04)
    assert figures["ownership_cost_per_month"] == pytest.approx(870.04)
    assert figures["ownership_cost_per_year"] == pytest.approx(870.04 * 12)
    assert figures["one_off_cost"] == 8000.0
    formulas = figures["formulas"]
    assert formulas["ownership_cost_per_month"] == (
        "$70.00 hosting + $0.040 retraining + $800.00 maintenance = $870.04 a month"
    )
    assert formulas["ownership_cost_per_year"] == "$870.04 a month × 12 = $10,440.48 a year"
    assert set(formulas) == set(OWNERSHIP_FIGURES)


def test_unknown_latency_makes_hosting_and_ownership_unknown_not_zero():
    figures = ownership({"train_seconds": 1.0}, CostAssumptions())
    assert figures["hosting_cost_per_month"] is None
    assert figures["ownership_cost_per_month"] is None
    assert figures["formulas"]["ownership_cost_per_month"].startswith("unknown: ")


def test_payback_is_the_one_off_cost_over_the_monthly_saving():
    months, formula = payback_months(8000.0, 6000.0, 10000.0)
    assert months == 2.0
    assert formula == (
        "$8,000.00 one-off ÷ $4,000.00 saved a month (the MVP $10,000.00 − this $6,000.00 "
        "a month) = 2 months"
    )


def test_a_payback_of_under_a_day_is_said_so_not_in_powers_of_ten():
    # "= 5.63e-07 months"
    _, formula = payback_months(1.0, 870.0, 1_000_870.0, "JPY")
    assert formula.endswith("saved a month (the MVP ¥1,000,870.00 − this ¥870.00 a month) = "
                            "under a day")  # fmt: skip


def test_the_rounding_note_names_the_currency_of_the_figures():
    from ui.bakeoff_money import rounding_note

    assert rounding_note("USD").startswith("Money is rounded to 4 figures (to the dollar below")
    assert "to the yen" in rounding_note("JPY") and "to the whole CHF" in rounding_note("chf")


def test_no_saving_never_pays_back():
    months, formula = payback_months(8000.0, 12000.0, 10000.0)
    assert months is None and formula.startswith("never: ")
    assert payback_months(None, 1.0, 2.0)[0] is None


def test_a_saving_within_the_uncertainty_says_so():
    _, formula = payback_months(8000.0, 6000.0, 10000.0, saving_interval=(-500.0, 9000.0))
    assert formula.endswith("the saving is within the uncertainty, so it may never pay back")


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (41_237.18, "$41,240"),
        (312.0, "$312"),
        (37.4, "$37"),
        (-2_480.0, "-$2,480"),
        (0.0042, "$0.0042"),
        (1_234_567, "$1,235,000"),
        (42_505, "$42,510"),
        (2.5, "$3"),
        # three prototypes' errors a month: at two figures all three were "$300,000,000"
        (301_598_217.35, "$301,600,000"),
        (302_015_389.75, "$302,000,000"),
        (301_864_653.27, "$301,900,000"),
    ],
)
def test_rounded_money_is_what_people_say(amount, text):
    assert round_money(amount) == text


def test_rounded_money_in_another_currency_puts_the_code_after():
    assert round_money(41_237.18, "CHF") == "41,240 CHF"


@pytest.mark.parametrize(
    ("task", "drivers"),
    [
        ("binary", "a missed failure costs $2,000, a false alarm $200"),
        ("multiclass", "any wrong class costs $500"),
        ("regression", "each unit of error costs $1"),
    ],
)
def test_money_from_the_example_assumptions_says_so_until_the_workspace_has_its_own(
    tmp_path, task, drivers
):
    from model.costs import example_assumptions_note

    note = example_assumptions_note(tmp_path, task, "failure")
    assert note == (
        f"These money figures use example assumptions, not your business's ({drivers}, 10,000 "
        "cases a month): set your own on the Bake-off, under Costs and assumptions, before "
        "deciding on them."
    )
    save_assumptions(tmp_path, CostAssumptions())  # the same numbers, but chosen
    assert example_assumptions_note(tmp_path, task, "failure") is None


def test_a_sum_of_money_is_said_so_that_its_parts_add_up_as_shown():
    assert whole_money_sum([139_871.6, 870.4]) == (["$139,900", "$870"], "$140,770")
    # the Present slide's errors as the Bake-off says them, not "$311,256,904"
    assert whole_money_sum([311_256_903.94, 870.0]) == (
        ["$311,300,000", "$870"],
        "$311,300,870",
    )
    # each part rounded down: the total is the parts' sum, not the exact sum's rounding
    assert whole_money_sum([1.4, 1.4]) == (["$1", "$1"], "$2")
    assert whole_money_sum([5_000.2, 0.43], "CHF") == (["5,000 CHF", "0.43 CHF"], "5,000 CHF")
