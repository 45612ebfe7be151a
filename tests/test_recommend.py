"""The recommendation: one or two sentences that claim no more than the paired intervals allow."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

import model
from model.costs import CostAssumptions, round_money
from model.recommend import PrototypeCost, recommend, sprint_recommendation
from model.threshold import error_cost, percentile_interval

ROWS, POSITIVES = 2000, 100
ASSUMPTIONS = CostAssumptions()  # $2,000 a miss, $200 a false alarm, 10,000 cases a month


def _priced(name: str, missed: int, alarms: int, running: float) -> PrototypeCost:
    """A prototype on the shared 2,000 rows that misses the first ``missed`` positives and
    raises ``alarms`` false alarms, with that running cost a month."""
    actual = np.arange(ROWS) < POSITIVES
    flagged = actual.copy()
    flagged[:missed] = False
    flagged[POSITIVES : POSITIVES + alarms] = True
    frame = pd.DataFrame({"predicted": np.where(flagged, "1", "0"),
                          "actual": np.where(actual, "1", "0")})  # fmt: skip
    errors = error_cost(frame, "binary", ASSUMPTIONS, classes=["0", "1"], positive_class="1",
                        threshold=None)  # fmt: skip
    return PrototypeCost(name, running, errors)


# errors a month: (missed × $2,000 + alarms × $200) ÷ 2,000 rows × 10,000 cases
BEST = _priced("gradient boosting", 10, 20, 1170.0)  # $120,000 + $1,170
CLOSE = _priced("random forest", 12, 20, 870.0)  # two more misses: within the uncertainty
WORSE = _priced("physics rules", 60, 20, 870.0)  # $620,000 + $870


def _interval(result, name: str) -> str:
    versus = next(c for c in result.comparisons if c.against == name)
    assert versus.low > 0  # the sentence may only claim a saving the interval supports
    return f"{round_money(versus.low)}–{round_money(versus.high)}"


def _monthly(cost: PrototypeCost) -> str:
    """How the sentences give a prototype's monthly total with its interval."""
    low, high = percentile_interval(cost.replicates, 0.95)
    return (
        f"about {round_money(cost.total)} a month with its errors, 95% interval "
        f"{round_money(low)}–{round_money(high)}"
    )


def test_errors_that_cost_nothing_leave_no_prototype_clearly_cheaper_by_a_fraction_of_a_cent():
    """With free alarms every prototype's errors cost nothing, and ¥0.000092 of compute made
    one "clearly cheaper" ("95% interval ¥0.000092–¥0.000092")."""
    extras = {"physics rules": 0.0, "random forest": 0.000007, "gbm": 0.000092}
    flawless = [_priced(name, 0, 0, 870.0 + extra) for name, extra in extras.items()]
    result = recommend(flawless, mvp="gbm")
    assert result.clearly_cheaper_than == ()
    assert result.text.startswith(
        "No prototype is clearly cheaper once errors are counted: physics rules, random forest "
        "and gbm all cost about $870 a month. Choose on other grounds"
    )
    assert result.text.endswith(
        "If nothing else decides, keep gbm (about $870 a month with its errors): the others "
        "cost the same to run, and it is already in use."
    )


def test_a_prototype_between_the_cheapest_and_the_mvp_is_named_too():
    """With the MVP within the uncertainty of the cheapest, a third prototype also within it
    was in no sentence (and its 'Pays back' cell said 'in under a day?')."""
    mvp = _priced("rules", 13, 20, 870.0)
    result = recommend([BEST, CLOSE, mvp, WORSE], mvp="rules")
    assert "random forest" not in result.clearly_cheaper_than and "rules" not in (
        result.clearly_cheaper_than
    )
    assert result.text.startswith("Keep the current MVP, rules (")
    assert (
        "Against gradient boosting, random forest is within the uncertainty too. Physics rules "
        "costs clearly more." in result.text
    )


def test_a_clear_winner_saves_against_the_mvp_and_says_what_it_costs_to_run():
    result = recommend([BEST, WORSE], mvp="physics rules")
    assert result.best == "gradient boosting"
    assert result.clearly_cheaper_than == ("physics rules",)
    assert result.text == (
        "Gradient boosting saves about $499,700 a month against the current MVP, physics rules "
        f"(95% interval {_interval(result, 'physics rules')}), for $300 more to run."
    )


def test_a_runner_up_within_the_uncertainty_is_named_as_such():
    result = recommend([WORSE, BEST, CLOSE], mvp="physics rules")
    assert result.within_uncertainty == ("random forest",)
    assert result.text == (
        "Gradient boosting saves about $499,700 a month against the current MVP, physics rules "
        f"(95% interval {_interval(result, 'physics rules')}), for $300 more to run; against "
        "random forest the difference is within the uncertainty."
    )


def test_when_all_are_within_the_uncertainty_it_says_to_choose_on_other_grounds():
    result = recommend([BEST, CLOSE], mvp=None)
    assert result.clearly_cheaper_than == ()
    assert result.text == (
        "No prototype is clearly cheaper once errors are counted: gradient boosting and random "
        "forest cost between about $121,200 and $140,900 a month, and the differences are "
        "within the uncertainty. Choose on other grounds: what the reviewers found, the "
        "effort, the risk. If nothing else decides, choose random forest "
        f"({_monthly(CLOSE)}): it costs least to run, $300 a month less than gradient boosting."
    )


def test_an_mvp_within_the_uncertainty_of_the_cheapest_is_not_declared_beaten():
    result = recommend([BEST, CLOSE, WORSE], mvp="random forest")
    versus = next(c for c in result.comparisons if c.against == "random forest")
    assert versus.low <= 0
    assert result.text == (
        f"Keep the current MVP, random forest ({_monthly(CLOSE)}). Gradient boosting might "
        "cost less, but the difference from random forest is within the uncertainty (about "
        f"{round_money(versus.saving)} a month, 95% interval {round_money(versus.low)} to "
        f"{round_money(versus.high)}), it costs $300 a month more to run. Physics rules costs "
        "clearly more."
    )


def test_an_mvp_that_stays_the_cheapest_says_so():
    result = recommend([BEST, WORSE], mvp="gradient boosting")
    assert result.text == (
        "The current MVP, gradient boosting, stays the cheapest: physics rules would cost about "
        f"$499,700 a month more (95% interval {_interval(result, 'physics rules')})."
    )


def test_an_mvp_cheapest_only_on_the_figures_does_not_say_it_stays_the_cheapest():
    """With a rival within the uncertainty it said "stays the cheapest" all the same."""
    result = recommend([BEST, WORSE, CLOSE], mvp="gradient boosting")
    assert result.text.startswith(
        "The current MVP, gradient boosting, costs least on these figures: physics rules would "
        "cost about $499,700 a month more"
    )
    assert result.text.endswith("; against random forest the difference is within the uncertainty.")
    assert "stays the cheapest" not in result.text


def test_without_an_mvp_the_saving_is_against_the_nearest_prototype_clearly_beaten():
    far = _priced("rule of thumb", 90, 0, 870.0)
    result = recommend([far, WORSE, BEST], mvp=None)
    assert result.text.startswith(
        "Gradient boosting saves about $499,700 a month against physics rules (95% interval "
    )
    assert result.text.endswith("; it is clearly cheaper than rule of thumb too.")


def test_regression_prototypes_are_compared_on_their_cost_per_unit_of_error():
    rng = np.random.default_rng(4)
    actual = rng.normal(50, 10, 1000)
    a = CostAssumptions(cost_per_unit_error=2.0, cases_per_month=5000)

    def priced(name: str, spread: float) -> PrototypeCost:
        frame = pd.DataFrame({"predicted": actual + rng.normal(0, spread, 1000),
                              "actual": actual})  # fmt: skip
        return PrototypeCost(name, 500.0, error_cost(frame, "regression", a))

    sharp, blunt = priced("boosted trees", 1.0), priced("linear model", 3.0)
    result = recommend([blunt, sharp], mvp="linear model")
    assert result.best == "boosted trees"
    saving = next(c for c in result.comparisons if c.against == "linear model").saving
    assert result.text == (
        f"Boosted trees saves about {round_money(saving)} a month against the current MVP, "
        f"linear model (95% interval {_interval(result, 'linear model')}), at the same "
        "running cost."
    )


def test_a_sprint_with_one_prototype_has_nothing_to_compare():
    result = recommend([BEST])
    low, high = np.percentile(BEST.replicates, [2.5, 97.5])
    assert result.text == (
        "Gradient boosting is the only prototype: about $121,200 a month including "
        f"its errors (95% interval {round_money(low)}–{round_money(high)}); there is nothing "
        "to compare it with."
    )


def test_prototypes_without_labels_are_compared_on_running_cost_only():
    result = recommend([PrototypeCost("a", 1170.0, None), PrototypeCost("b", 870.0, None)])
    assert result.best is None
    assert result.text == (
        "What the prototypes' errors cost is unknown: none was published with the demo set's "
        "labels. On running cost alone, b is the cheapest, at about $870 a month."
    )


def test_a_prototype_without_labels_is_named_and_left_out():
    result = recommend([BEST, PrototypeCost("logistic regression", 870.0, None)])
    assert result.not_compared == ("logistic regression",)
    assert result.text.startswith("Gradient boosting is the only prototype that can be priced")
    assert result.text.endswith(
        "Logistic regression is not compared: published without the demo set's labels, so the "
        "cost of its errors is unknown."
    )


def test_no_prototype_at_all():
    assert recommend([]).text == "No prototype is published in this sprint yet."


def test_money_in_the_sentences_is_rounded():
    for costs in ([BEST, WORSE], [WORSE, BEST, CLOSE], [BEST, CLOSE], [BEST]):
        text = recommend(costs, mvp="physics rules").text
        assert not re.search(r"\$[\d,]+\.\d", text), text


def test_prototypes_priced_on_different_resamples_are_refused():
    other = PrototypeCost("x", 1.0, BEST.errors.__class__(**{
        **BEST.errors.__dict__, "replicates": BEST.errors.replicates[:10]}))  # fmt: skip
    with pytest.raises(ValueError, match="same bootstrap resamples"):
        recommend([BEST, other])


def test_a_real_sprint_recommends_the_cheapest_total(small_workspace):
    ws = model.open_workspace(small_workspace)
    result = sprint_recommendation(ws, "Sprint 2", CostAssumptions(), n_resamples=200)
    table = result.table.set_index("prototype")
    assert set(table.index) == {"physics rules", "logistic regression", "random forest"}
    assert result.best == table["total_per_month"].astype(float).idxmin()
    for row in table.itertuples():
        assert row.total_low <= row.total_per_month <= row.total_high
    mentioned = [c for c in result.comparisons if c.against in result.text]
    assert mentioned and all(c.clear == (c.against in result.clearly_cheaper_than)
                             for c in result.comparisons)  # fmt: skip
    single = sprint_recommendation(ws, "Sprint 1", CostAssumptions(), n_resamples=200)
    assert single.text.startswith("Tool-wear rule is the only prototype: about")


def test_the_table_gives_the_payback_against_the_mvp():
    cheap = PrototypeCost("gradient boosting", BEST.running, BEST.errors, one_off=50_000.0)
    close = PrototypeCost("random forest", CLOSE.running, CLOSE.errors, one_off=40_000.0)
    result = recommend([cheap, close, WORSE], mvp="physics rules")
    table = result.table.set_index("prototype")
    saving = WORSE.total - cheap.total  # $620,870 − $121,170 = $499,700 a month
    assert table.loc["gradient boosting", "payback_months"] == pytest.approx(50_000 / saving)
    assert table.loc["gradient boosting", "payback_formula"].startswith(
        "$50,000.00 one-off ÷ $499,700.00 saved a month"
    )
    assert pd.isna(table.loc["physics rules", "payback_months"])
    assert pd.isna(table.loc["gradient boosting", "more_than_best"])
    assert table.loc["physics rules", "more_than_best"] == pytest.approx(saving)


def test_real_multiclass_and_regression_sprints_are_priced(tmp_path):
    from sklearn.datasets import load_diabetes, load_iris
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

    ws = model.open_workspace(tmp_path / "workspace")
    for sprint, data, candidates in [
        ("Species", load_iris(as_frame=True),
         {"logistic": LogisticRegression(max_iter=500), "stump": DecisionTreeClassifier(
             max_depth=1, random_state=0)}),
        ("Progression", load_diabetes(as_frame=True),
         {"linear": LinearRegression(), "deep tree": DecisionTreeRegressor(random_state=0)}),
    ]:  # fmt: skip
        X, y = data.data, data.target
        X.index = y.index = X.index.astype(str).rename("row_id")
        train, demo = X.index[::2], X.index[1::2]
        for name, estimator in candidates.items():
            estimator.fit(X.loc[train], y.loc[train])
            ws.publish(sprint, name, estimator, X.loc[demo], y.loc[demo], train_seconds=1.0,
                       effort_days=1.0)  # fmt: skip
    species = sprint_recommendation(
        ws, "Species", CostAssumptions(wrong_class_cost=50.0, cases_per_month=1000),
        n_resamples=200,
    )  # fmt: skip
    table = species.table.set_index("prototype")
    stump = ws.prototype("Species", "stump").predictions()
    wrong = int((stump["predicted"].astype(str) != stump["actual"].astype(str)).sum())
    # every wrong species costs $50: the stump (one split) gets a third of them wrong
    assert table.loc["stump", "errors_per_month"] == pytest.approx(50.0 * wrong / len(stump) * 1000)
    assert species.best == "logistic" and "logistic" in species.text.lower()
    progression = sprint_recommendation(
        ws, "Progression", CostAssumptions(cost_per_unit_error=10.0), n_resamples=200
    )
    assert progression.best == "linear"
    assert progression.text.startswith("Linear saves about ")


def test_no_sentence_claims_a_saving_or_a_clear_gap_the_interval_does_not_support():
    rng = np.random.default_rng(12)
    checked = 0
    for trial in range(25):
        k = int(rng.integers(2, 5))
        costs = [
            _priced(f"model {i}", int(rng.integers(0, 40)), int(rng.integers(0, 60)),
                    float(rng.choice([870.0, 1170.0])))
            for i in range(k)
        ]  # fmt: skip
        mvp = f"model {int(rng.integers(0, k))}" if trial % 2 else None
        result = recommend(costs, mvp=mvp)
        by_name = {c.against: c for c in result.comparisons}
        names = r"((?:model \d(?:, | and )?)+)"
        claimed = re.findall(r"saves about \S+ a month against (?:the current MVP, )?(model \d)",
                             result.text)  # fmt: skip
        claimed += re.findall(
            r"(?:stays the cheapest|costs least on these figures): (model \d) would cost",
            result.text,
        )
        claimed += re.findall(r"clearly cheaper than " + names, result.text)
        claimed += re.findall(
            names + r" costs? clearly more", result.text.replace("Model", "model")
        )
        tied = re.findall(r"against " + names + r" the difference is within", result.text)
        tied += re.findall(r"the difference from (model \d) is within", result.text)
        for group, clear in ((claimed, True), (tied, False)):
            for each in re.findall(r"model \d", " ".join(group)):
                assert by_name[each].clear == clear, result.text
                checked += 1
        if result.text.startswith("No prototype is clearly cheaper once"):
            assert not any(c.clear for c in result.comparisons)
    assert checked > 25  # the sentences named that many comparisons


# -- what to do when the differences are within the uncertainty ----------------------------------


def _uncertain_interval(versus) -> str:
    """An interval as the sentences write it: "to" when it starts below zero, else a dash."""
    join = " to " if versus.low < 0 else "–"
    return f"{round_money(versus.low)}{join}{round_money(versus.high)}"


def _with(cost: PrototypeCost, name: str, running: float, one_off: float | None = None):
    return PrototypeCost(name, running, cost.errors, one_off)


def test_an_mvp_within_the_uncertainty_is_kept_when_switching_costs_as_much_to_run():
    best = _with(BEST, "gradient boosting", 870.0, one_off=1600.0)
    result = recommend([best, CLOSE, WORSE], mvp="random forest")
    versus = next(c for c in result.comparisons if c.against == "random forest")
    assert versus.low <= 0 < versus.saving
    assert result.text == (
        f"Keep the current MVP, random forest ({_monthly(CLOSE)}). Gradient boosting might "
        "cost less, but the difference from random forest is within the uncertainty (about "
        f"{round_money(versus.saving)} a month, 95% interval {_uncertain_interval(versus)}), "
        "it costs the same to run, and putting it into production would cost about $1,600 "
        "once. Physics rules costs clearly more."
    )


def test_a_cheaper_to_run_prototype_within_the_uncertainty_of_the_mvp_is_chosen():
    best = _with(BEST, "gradient boosting", 870.0)
    mvp = _priced("random forest", 11, 10, 1170.0)  # a miss more, ten alarms fewer
    result = recommend([best, mvp, WORSE], mvp="random forest")
    assert result.within_uncertainty == ("random forest",)
    versus = next(c for c in result.comparisons if c.against == "random forest")
    assert result.text == (
        f"Choose gradient boosting ({_monthly(best)}): it costs $300 a month less to run "
        "than the current MVP, random forest, a saving that does not depend on its errors; "
        "with its errors counted, the difference from random forest is within the "
        f"uncertainty (about {round_money(versus.saving)} a month, 95% interval "
        f"{_uncertain_interval(versus)}). Physics rules costs "
        "clearly more."
    )


def test_when_all_tie_and_run_at_the_same_cost_the_mvp_is_kept():
    close = _with(CLOSE, "random forest", 1170.0)
    result = recommend([BEST, close], mvp="random forest")
    assert result.clearly_cheaper_than == ()
    assert result.text.endswith(
        f"If nothing else decides, keep random forest ({_monthly(close)}): the others cost "
        "the same to run, and it is already in use."
    )


def test_when_all_tie_without_an_mvp_the_cheapest_to_put_into_production_is_chosen():
    best = _with(BEST, "gradient boosting", 870.0, one_off=4000.0)
    close = _with(CLOSE, "random forest", 870.0, one_off=1600.0)
    result = recommend([best, close])
    assert result.text.endswith(
        f"If nothing else decides, choose random forest ({_monthly(close)}): they cost the "
        "same to run, and it is the cheapest to put into production (about $1,600 once)."
    )
    same = recommend([best, _with(CLOSE, "random forest", 870.0, one_off=4000.0)])
    assert same.text.endswith(
        f"If nothing else decides, choose gradient boosting ({_monthly(best)}): they cost "
        "the same to run, and its estimate is the lowest, though not by a clear margin."
    )


def test_the_advice_never_claims_a_clear_saving_when_every_difference_is_uncertain():
    rng = np.random.default_rng(3)
    for _ in range(20):
        costs = [
            _priced(f"model {i}", 10 + int(rng.integers(0, 3)), 20 + int(rng.integers(0, 5)),
                    float(rng.choice([870.0, 1170.0])))
            for i in range(3)
        ]  # fmt: skip
        result = recommend(costs, mvp=str(rng.choice(["model 0", None])))
        if result.clearly_cheaper_than:
            continue
        assert "If nothing else decides, " in result.text
        assert "saves about" not in result.text and "clearly cheaper than" not in result.text


def _unpriced(cost: PrototypeCost, why: str) -> PrototypeCost:
    """``cost`` with its running cost unknown for ``why``."""
    return PrototypeCost(cost.name, None, cost.errors, running_unknown=why)


NO_TRAINING_TIME = (
    "the training time was not recorded (publish with train_seconds=… or --train-seconds)"
)


def test_without_running_costs_the_cost_of_errors_alone_is_compared_and_said_so():
    best, worse, close = (_unpriced(c, NO_TRAINING_TIME) for c in (BEST, WORSE, CLOSE))
    result = recommend([worse, best, close], mvp="physics rules")
    assert result.best is None  # no monthly total is known: nothing is recommended as cheapest
    difference = worse.errors.replicates - best.errors.replicates
    low, high = percentile_interval(difference, 0.95)
    assert low > 0
    saving = worse.errors.monthly - best.errors.monthly
    assert result.text == (
        "No prototype's monthly total is known: what physics rules, gradient boosting and "
        "random forest would cost to run is unknown, as the training time was not recorded "
        "(publish with train_seconds=… or --train-seconds). Counting only what their errors "
        "cost, gradient "
        f"boosting's errors cost least: about {round_money(best.errors.monthly)} a month, about "
        f"{round_money(saving)} less than those of the current MVP, physics rules (95% "
        f"interval {round_money(low)}–{round_money(high)}); against random forest the "
        "difference is within the uncertainty."
    )


def test_unknown_running_costs_and_missing_labels_are_each_said_once():
    result = recommend(
        [_unpriced(BEST, NO_TRAINING_TIME), PrototypeCost("rules", None, None)], mvp="rules"
    )
    assert result.text == (
        "No prototype's monthly total is known: what gradient boosting would cost to run is "
        "unknown, as the training time was not recorded (publish with train_seconds=… or "
        "--train-seconds); what "
        "the errors of rules cost is unknown, as it was published without the demo set's labels."
    )


def test_a_sprint_published_without_training_times_names_what_is_missing(tmp_path):
    """Through the workspace: the reason is the cost formula's own, not a guess."""
    from conftest import _pipeline, split_data
    from sklearn.tree import DecisionTreeClassifier

    X, y, X_demo, y_demo = split_data()
    ws = model.open_workspace(tmp_path / "ws")
    for name, depth in (("stump", 1), ("tree", 4)):
        estimator = _pipeline(DecisionTreeClassifier(max_depth=depth, random_state=0), False)
        estimator.fit(X, y)
        ws.publish("S1", name, estimator, X_demo, y_demo, deck_size=20)
    result = sprint_recommendation(ws, "S1")
    assert result.text.startswith(
        "No prototype's monthly total is known: what stump and tree would cost to run is "
        "unknown, as the training time was not recorded (publish with train_seconds=… or "
        "--train-seconds). "
        "Counting only what their errors cost, "
    )
    assert set(result.table["not_compared_because"]) == {
        "its running cost is unknown, as " + NO_TRAINING_TIME
    }
