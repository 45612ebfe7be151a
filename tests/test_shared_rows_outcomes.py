"""Last sprint's MVP and this sprint's, counted and priced on the demo rows both were shown.

Present's step 2 said "Before: caught 57 of 68 failures, $163,000 a month" beside "Now: caught
43 of 54, $137,000" on the bundled demo: each on its own sprint's demo rows, where the 20 rows
SMEs flagged had left the second set. On the 1,980 rows both were shown, both catch 43 of 54.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import APP, split_data
from streamlit.testing.v1 import AppTest

import model
from model.config import WORKSPACE_ENV_VAR
from model.costs import CostAssumptions, load_assumptions, round_money
from model.outcomes import MulticlassOutcome, RegressionOutcome
from model.recommend import sprint_costs
from model.shared_rows import Rule, count_on_rows, counted_on_shared_rows, shared_labelled_rows
from ui import sprint_summary

BINARY_META = {"task": "binary", "classes": ["0", "1"], "positive_class": "1"}
A = CostAssumptions(cases_per_month=1_000, missed_positive_cost=100.0, false_alarm_cost=10.0)


def binary_frame(ids, actual, chance) -> pd.DataFrame:
    """A binary prototype's predictions as ``Prototype.predictions()`` reads them."""
    chance = np.asarray(chance, dtype=float)
    return pd.DataFrame(
        {
            "actual": actual,
            "predicted": np.where(chance >= 0.5, "1", "0"),
            "p:0": 1 - chance,
            "p:1": chance,
        },
        index=pd.Index([str(i) for i in ids], name="row_id"),
    )


def test_shared_rows_are_those_both_were_shown_and_labelled_in_both():
    before = binary_frame(range(6), ["1", "0", "1", "0", "1", "0"], [0.9] * 6)
    after = binary_frame(range(2, 9), ["1", None, "1", "0", "1", "0", "1"], [0.9] * 7)
    assert list(shared_labelled_rows(before, after)) == ["2", "4", "5"]


def test_both_are_counted_on_the_shared_rows_against_one_truth():
    before = binary_frame(range(8), ["1", "1", "1", "0", "0", "0", "1", "0"], [0.9] * 8)
    # rows 0 and 1 left the set; row 2 was relabelled "0" since
    after = binary_frame(range(2, 8), ["0", "0", "0", "0", "1", "0"], [0.2] * 6)
    shared = counted_on_shared_rows(
        before, BINARY_META, after, BINARY_META, (None, None), A, minimum=1
    )
    assert shared.rows == 6
    assert (shared.before.outcome.positives, shared.now.outcome.positives) == (1, 1)
    assert (shared.before.outcome.caught, shared.before.outcome.false_alarms) == (1, 5)
    assert (shared.now.outcome.caught, shared.now.outcome.false_alarms) == (0, 0)
    assert shared.before.monthly is None  # no rule: its published labels, unpriced


def test_each_is_counted_at_its_own_threshold_not_one_chosen_on_the_shared_rows():
    chance = [0.1, 0.3, 0.5, 0.7, 0.9, 0.95]
    frame = binary_frame(range(6), ["0", "0", "1", "0", "1", "1"], chance)
    truth = frame["actual"]
    strict = count_on_rows(frame, BINARY_META, frame.index, truth, Rule(0.92), A)
    loose = count_on_rows(frame, BINARY_META, frame.index, truth, Rule(0.2), A)
    assert (strict.outcome.caught, strict.outcome.false_alarms) == (1, 0)
    assert (loose.outcome.caught, loose.outcome.false_alarms) == (3, 2)
    assert strict.outcome.threshold == 0.92


def test_money_a_month_is_the_cost_a_case_on_the_rows_times_cases_a_month():
    """Scaled per case, so 6 rows and 600 rows of the same mix cost the same a month; no
    allowance for choosing the threshold on its own rows is added (model.shared_rows)."""
    actual, chance = ["0", "0", "1", "0", "1", "1"], [0.1, 0.3, 0.5, 0.7, 0.9, 0.95]
    small = binary_frame(range(6), actual, chance)
    large = binary_frame(range(600), actual * 100, chance * 100)
    rule = Rule(0.8)
    counted = [
        count_on_rows(frame, BINARY_META, frame.index, frame["actual"], rule, A)
        for frame in (small, large)
    ]
    # one failure missed (0.5 < 0.8), no false alarm: $100 over 6 rows, × 1,000
    expected = 100.0 / 6 * 1_000
    assert counted[0].monthly == pytest.approx(expected)
    assert counted[1].monthly == pytest.approx(expected)
    assert counted[0].currency == "USD"


def test_multiclass_and_regression_are_counted_and_priced_on_the_shared_rows():
    meta = {"task": "multiclass", "classes": ["a", "b", "c"]}
    ids = [str(i) for i in range(4)]
    before = pd.DataFrame(
        {"actual": ["a", "b", "c", "a"], "predicted": ["a", "a", "c", "b"]}, index=ids
    )
    after = before.iloc[1:].assign(predicted=["b", "c", "c"])
    shared = counted_on_shared_rows(before, meta, after, meta, (Rule(), Rule()), A, minimum=1)
    assert isinstance(shared.before.outcome, MulticlassOutcome)
    assert (shared.rows, shared.before.outcome.correct, shared.now.outcome.correct) == (3, 1, 2)
    assert shared.before.monthly == pytest.approx(2 * 500.0 / 3 * 1_000)  # wrong_class_cost
    assert shared.now.monthly == pytest.approx(500.0 / 3 * 1_000)
    numbers = {"task": "regression"}
    before = pd.DataFrame({"actual": [1.0, 2.0, 3.0], "predicted": [2.0, 2.0, 5.0]}, index=ids[:3])
    after = before.iloc[1:].assign(predicted=[2.0, 3.0])
    shared = counted_on_shared_rows(before, numbers, after, numbers, (Rule(), Rule()), A, minimum=1)
    assert isinstance(shared.now.outcome, RegressionOutcome)
    assert shared.before.monthly == pytest.approx((0 + 2) / 2 * 1.0 * 1_000)
    assert shared.now.monthly == 0


def test_the_same_demo_rows_or_none_in_common_are_left_to_each_set():
    frame = binary_frame(range(4), ["1", "0", "1", "0"], [0.9, 0.1, 0.2, 0.6])
    other = binary_frame(range(10, 14), ["1", "0", "1", "0"], [0.9, 0.1, 0.2, 0.6])
    assert counted_on_shared_rows(frame, BINARY_META, frame, BINARY_META, (None, None), A) is None
    assert counted_on_shared_rows(frame, BINARY_META, other, BINARY_META, (None, None), A) is None


def test_the_notes_under_before_and_now():
    assert sprint_summary.shared_rows_note(1_980, "machines") == (
        "Both are counted on the 1,980 demo machines both were shown, as are the metrics' changes."
    )
    assert sprint_summary.different_rows_note(2_000, 200, 0, "machines") == (
        "Each is counted on its own sprint's demo machines (2,000 and 200, none in both), so "
        "the two are not one set of machines, and the metrics' changes are not measured."
    )


# -- the Present page ---------------------------------------------------------------------------
def present_step_2(monkeypatch, workspace, sprint: str) -> AppTest:
    """Present's step 2 of ``sprint``, opened from a link."""
    monkeypatch.setenv(WORKSPACE_ENV_VAR, str(workspace))
    at = AppTest.from_file(str(APP), default_timeout=120)
    params = {"present": "1", "sprint": sprint, "step": "2"}
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    for key, value in params.items():
        at.query_params[key] = value
    return at.switch_page("pages/present.py").run()


def lines_of(at: AppTest) -> dict[str, str]:
    """The Before and Now lines, by their bold lead."""
    lines = [block.value.replace("\\", "") for block in at.markdown]
    return {
        line.split(":**")[0].strip("*"): line.split(":**")[1].strip()
        for line in lines
        if line.startswith("**Before") or line.startswith("**Now")
    }


def expected_line(ws, sprint: str, rows, truth) -> str:
    """What the sprint's MVP's line must say on ``rows``: counted at the threshold it is
    priced at on its own demo set, its errors a case there (no allowance for choosing that
    threshold) times the cases a month; worked out here from the rows, not by
    ``model.shared_rows``."""
    a = load_assumptions(ws.path)
    proto = ws.prototype(sprint, ws.mvp(sprint))
    errors = {c.name: c.errors for c in sprint_costs(ws, sprint, a)}[proto.name]
    flagged = proto.predictions().loc[rows, "p:1"].to_numpy() >= errors.threshold
    failed = truth.loc[rows].astype(str).to_numpy() == "1"
    caught, missed, alarms = (
        int((flagged & failed).sum()), int((~flagged & failed).sum()),
        int((flagged & ~failed).sum()),
    )  # fmt: skip
    cost = (missed * a.missed_positive_cost + alarms * a.false_alarm_cost) / len(rows)
    monthly = cost * a.cases_per_month
    return (
        f"Caught {caught} of {int(failed.sum())} machines labelled 1 "
        f"({caught / failed.sum():.0%}); {alarms} false alarms among the "
        f"{len(rows) - int(failed.sum()):,} machines labelled 0. Its errors cost about "
        f"{round_money(monthly, a.currency)} a month."
    )


def test_before_and_now_are_counted_and_priced_on_the_demo_rows_both_were_shown(
    workspace_copy, monkeypatch
):
    X, y, X_demo, y_demo = split_data()
    ws = model.open_workspace(workspace_copy)
    rows = X_demo.index[:200]
    ws.publish(
        "Sprint 3", "rule", model.ToolWearRule(180).fit(X, y), X_demo.loc[rows],
        y_demo.loc[rows], mvp=True, train_seconds=0.01,
    )  # fmt: skip
    at = present_step_2(monkeypatch, workspace_copy, "Sprint 3")
    assert not at.exception
    truth = y_demo.loc[rows]
    assert lines_of(at) == {
        "Before (random forest)": expected_line(ws, "Sprint 2", rows, truth),
        "Now (rule)": expected_line(ws, "Sprint 3", rows, truth),
    }
    said = [c.value.replace("\\", "") for c in at.caption]
    assert sprint_summary.shared_rows_note(200, "machines", thresholds_chosen=True) in said
    assert not [c for c in said if "own sprint" in c]


def test_with_no_demo_row_in_common_each_is_counted_on_its_own_and_said_so(
    workspace_copy, monkeypatch
):
    X, y, _, _ = split_data()
    ws = model.open_workspace(workspace_copy)
    ws.publish(
        "Sprint 3", "rule", model.ToolWearRule(180).fit(X, y), X.iloc[:300], y.iloc[:300],
        mvp=True, train_seconds=0.01,
    )  # fmt: skip
    at = present_step_2(monkeypatch, workspace_copy, "Sprint 3")
    assert not at.exception
    before = len(ws.prototype("Sprint 2", "random forest").predictions())
    assert len(lines_of(at)) == 2
    said = [c.value.replace("\\", "") for c in at.caption]
    note = (
        f"Each is counted on its own sprint's demo machines ({before:,} and 300, none in "
        "both), so the two are not one set of machines, and the metrics' changes are not "
        "measured."
    )
    assert said.count(note) == 1
    assert not [c for c in said if c.startswith("Both are counted")]
