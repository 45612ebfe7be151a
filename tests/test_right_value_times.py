"""A regression's right value many times the row's own values asks for a second look.

trialR: an SME typed 6,080 for a row the demo set records as 608 (predicted 777.9); it was
stored at once as the next model's training label, because the check compared it only with
the model's largest miss, which a few outliers in sales data make ~33,000.
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import feedback_store
import model
from model import review, right_values
from model.review_versions import UnusualValue
from ui.dispute_words import dispute_placeholder

SALES = pd.DataFrame(
    {"actual": [608.0, 214.0, 33_750.0, 150.0, 10.0], "predicted": [777.9, 239.1, 900.0, 160, 12]},
    index=pd.Index(["a", "b", "c", "d", "e"], name="row_id"),
)


def test_ten_times_the_row_s_actual_and_prediction_is_asked_about_in_words():
    reason = right_values.unusual_value_reason(6080, 777.9, SALES, {}, actual=608)
    assert reason == (
        "6,080 is 10× this row's recorded value in the demo set (608) and 7.8× its prediction"
        " (777.9)"
    )
    smaller = right_values.unusual_value_reason(60.8, 777.9, SALES, {}, actual=608)
    assert smaller == (
        "60.8 is 10× smaller than this row's recorded value in the demo set (608) and 13×"
        " smaller than its prediction (777.9)"
    )
    # without the row's actual (an own case), the prediction alone
    assert right_values.unusual_value_reason(2140, 239.1, SALES, {}) == (
        "2,140 is 9.0× its prediction (239.1)"
    )


@pytest.mark.parametrize(
    ("typed", "predicted", "actual"),
    [
        (700, 777.9, 608),  # a plain correction
        (2500, 777.9, 2400),  # the recorded actual, which the model missed by three times
        (700, 777.9, 50),  # the prediction, against a recorded actual the SME disputes
        (2000, 600, None),  # 3.3× the prediction, but within the model's usual miss of it
    ],
)
def test_a_value_near_the_row_s_actual_or_prediction_or_within_a_usual_miss_is_not_asked(
    typed, predicted, actual
):
    usual = pd.DataFrame({"actual": [0.0, 3000.0], "predicted": [1500.0, 4500.0]})
    predictions = SALES if typed != 2000 else usual
    assert (
        right_values.unusual_value_reason(typed, predicted, predictions, {}, actual=actual) is None
    )


def test_zero_or_a_sign_change_is_far_and_zero_for_a_recorded_zero_is_not():
    assert right_values.times_away_reason(0, 777.9, 608, 20.0) == (
        "far from this row's recorded value in the demo set (608) and far from its prediction"
        " (777.9)"
    )
    assert right_values.times_away_reason(0, 5.0, 0.0, 20.0) is None


def test_row_actual_reads_the_demo_row_s_recorded_value():
    assert right_values.row_actual(SALES, "a") == 608.0
    assert right_values.row_actual(SALES, "zz") is None
    assert right_values.row_actual(SALES, None) is None
    assert right_values.row_actual(SALES.drop(columns="actual"), "a") is None


@pytest.fixture(scope="module")
def sales_workspace(tmp_path_factory) -> Path:
    """Daily sales with two outliers of 30,000 in the demo set, as in the trial's grocery data."""
    from sklearn.ensemble import HistGradientBoostingRegressor

    rng = np.random.default_rng(0)
    n = 400
    X = pd.DataFrame(
        {"lag_7": rng.gamma(2, 150, n)}, index=pd.Index([f"r{i}" for i in range(n)], name="row_id")
    )
    y = (X.lag_7 * rng.lognormal(0, 0.2, n)).round()
    y.iloc[[201, 202]] = 30_000
    fitted = HistGradientBoostingRegressor(max_iter=20).fit(X[:200], y[:200])
    path = tmp_path_factory.mktemp("sales") / "workspace"
    model.open_workspace(path).publish("S2", "sales", fitted, X[200:], y[200:])
    return path


def _typo_for(proto, row: str) -> tuple[float, str]:
    predicted = float(proto.predictions().loc[row, "predicted"])
    return predicted, str(round(predicted * 10))


def test_the_api_asks_for_value_confirmed_for_ten_times_the_prediction(sales_workspace, tmp_path):
    from tests.conftest import copy_workspace

    path = copy_workspace(sales_workspace, tmp_path / "workspace")
    ws, store = model.open_workspace(path), feedback_store.open(path)
    proto = ws.prototype("S2", "sales")
    version, content = review.shown_version(proto)
    predicted, typo = _typo_for(proto, "r300")
    given = dict(sprint="S2", prototype="sales", version=version, content_id=content,
                 row_id="r300", reviewer="maria", verdict="wrong",
                 corrected_label=typo)  # fmt: skip
    with pytest.raises(UnusualValue, match=r"10× its prediction") as raised:
        review.record_verdict(store, ws, **given)
    assert "value_confirmed=True" in str(raised.value)
    assert store.verdicts().empty
    review.record_verdict(store, ws, **given, value_confirmed=True)
    assert store.verdicts()["corrected_label"].tolist() == [typo]


def test_the_page_asks_to_confirm_ten_times_the_prediction(sales_workspace, open_app, tmp_path):
    from tests.conftest import copy_workspace
    from tests.test_pages_sme_review import card, fill, plain, submit

    path = copy_workspace(sales_workspace, tmp_path / "workspace")
    at = open_app(path, page="sme_review", reviewer="maria")
    row, key = card(at)["row_id"], card(at)["key"]
    proto = model.open_workspace(path).prototype("S2", "sales")
    predicted, typo = _typo_for(proto, row)
    fill(at, "wrong", comment="sold 608")
    at.number_input(key=f"review_label_{key}").set_value(float(typo))
    submit(at)
    assert not at.exception
    (line,) = [plain(e.value) for e in at.error]
    assert f"{right_values._number(float(typo))} is " in line
    assert f"× its prediction ({right_values._number(predicted)})" in line
    assert line.endswith(
        "Nothing was saved: check the number, or tick “This value is right” and submit again."
    )
    assert feedback_store.open(path).verdicts().empty
    at.checkbox(key=f"review_confirm_{key}").check().run()
    submit(at)
    assert not at.error, [e.value for e in at.error]
    (stored,) = feedback_store.open(path).verdicts()["corrected_label"]
    assert float(stored) == pytest.approx(float(typo))


def test_the_dispute_placeholder_speaks_of_the_prototype_s_own_feature():
    """trialR: a grocery card's dispute form said "e.g. torque this low never causes failures"."""
    said = dispute_placeholder("lag_7", {"lag_7": "units sold a week before, per store"})
    assert (
        said == "e.g. what you know about units sold a week before (lag_7) that the model does not"
    )
    assert "torque" not in dispute_placeholder("lag_7", None)
    assert dispute_placeholder(None, None) == (
        "e.g. what you know about this case that the model does not"
    )


def test_the_row_s_recorded_actual_is_consulted(sales_workspace, tmp_path):
    """Needs model/review_versions.py to pass the demo row's id to the check."""
    from tests.conftest import copy_workspace

    path = copy_workspace(sales_workspace, tmp_path / "workspace")
    ws, store = model.open_workspace(path), feedback_store.open(path)
    proto = ws.prototype("S2", "sales")
    version, content = review.shown_version(proto)
    rows = proto.predictions()
    row = "r202"  # recorded 30,000, predicted a few hundred: the SME confirms the actual
    given = dict(sprint="S2", prototype="sales", version=version, content_id=content,
                 row_id=row, reviewer="maria", verdict="wrong")  # fmt: skip
    review.record_verdict(store, ws, **given, corrected_label="30000")
    typo = str(round(rows.loc["r300", "actual"] * 10))
    with pytest.raises(UnusualValue, match=r"this row's recorded value in the demo set"):
        review.record_verdict(store, ws, **{**given, "row_id": "r300"}, corrected_label=typo)


def test_the_dispute_form_s_placeholder_names_the_card_s_own_feature(
    sales_workspace, open_app, tmp_path
):
    """Needs ui/sections/review_explanation.py to use ui.dispute_words."""
    from tests.conftest import copy_workspace

    path = copy_workspace(sales_workspace, tmp_path / "workspace")
    at = open_app(path, page="sme_review", reviewer="maria")
    (field,) = [t for t in at.text_input if t.key.startswith("review_dispute_comment_")]
    assert field.placeholder == "e.g. what you know about lag_7 that the model does not"
