"""A multiclass card's "Why Billing? / Why not Account access?": the reasons and waterfall of
a class the model did not choose; and the own case's what-if chart naming its reading by its
description."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LinearRegression, LogisticRegression

import model
from model import review
from ui import class_choice, explanations, what_if_names

NAMES = {"billing": "Billing", "access": "Account access", "technical": "Technical"}
DESCRIPTIONS = {
    "a": "days since the last invoice",
    "b": "logins this month",
    "c": "open tickets, this quarter",
    "d": "plan price, USD",
}
RADIO = "Show the reasons for"


def _data() -> tuple[pd.DataFrame, pd.Series]:
    X, y = make_classification(
        n_samples=240, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
        random_state=0,
    )  # fmt: skip
    X = pd.DataFrame(X, columns=list(DESCRIPTIONS))
    y = pd.Series(list(NAMES), dtype=object).iloc[y].reset_index(drop=True)
    return X, y


@pytest.fixture(scope="module")
def queues(tmp_path_factory):
    """A workspace whose MVP sorts tickets into three named queues."""
    path = tmp_path_factory.mktemp("queues") / "workspace"
    X, y = _data()
    estimator = LogisticRegression(max_iter=500).fit(X[:160], y[:160])
    model.open_workspace(path).publish(
        "Sprint 1", "queues", estimator, X[160:], y[160:], mvp=True,
        class_names=NAMES, feature_descriptions=DESCRIPTIONS,
    )  # fmt: skip
    return path


def plain(text: str) -> str:
    return text.replace("\\", "")


def why_lines(at) -> list[str]:
    return [plain(m.value) for m in at.markdown if m.value.startswith("- ")]


# -- the logic below the page -------------------------------------------------------------------


def test_a_multiclass_card_offers_the_predicted_class_then_the_next_likeliest():
    chances = {"billing": 0.2, "access": 0.5, "technical": 0.25, "other": 0.05}
    assert class_choice.choices(chances, "access", "multiclass") == [
        "access", "technical", "billing",
    ]  # fmt: skip
    assert class_choice.choices({"0": 0.3, "1": 0.7}, "1", "binary") == []
    assert class_choice.choices({}, "1", "regression") == []


def test_the_choice_and_the_chances_are_said_with_the_class_names():
    meta = {"class_names": NAMES}
    assert class_choice.choice_label("billing", "billing", meta) == "Why Billing?"
    assert class_choice.choice_label("access", "billing", meta) == "Why not Account access?"
    chances = {"billing": 0.942, "access": 0.056, "technical": 0.002}
    said = class_choice.why_not_text("access", "billing", chances, meta)
    assert said.startswith("The model gives Account access a 6% chance against 94% for Billing")
    assert "towards Account access" in said
    assert class_choice.why_not_text("billing", "billing", chances, meta) is None


def test_the_explanation_of_another_class_is_that_class_s_own(queues):
    ws = model.open_workspace(queues, create=False)
    row_id = str(ws.prototype("Sprint 1", "queues").predictions().index[0])
    predicted = ws.explain("Sprint 1", "queues", row_id)
    other = next(c for c in NAMES if c != predicted["explained_class"])
    shown = class_choice.class_explanation(str(queues), "Sprint 1", "queues", row_id, other)
    assert shown["explained_class"] == other
    assert shown["row_id"] == row_id
    assert (
        shown["contributions"] == ws.explain("Sprint 1", "queues", row_id, other)["contributions"]
    )
    assert shown["contributions"] != predicted["contributions"]


def test_an_own_case_is_explained_for_the_class_chosen(queues):
    proto = model.open_workspace(queues, create=False).prototype("Sprint 1", "queues")
    case = {f["name"]: f["default"] for f in review.input_schema(proto)}
    entered = json.dumps(case, sort_keys=True)
    shown = class_choice.class_explanation(str(queues), "Sprint 1", "queues", "x", "technical",
                                           entered)  # fmt: skip
    assert shown["explained_class"] == "technical"
    assert (
        shown["contributions"] == review.explain_own_case(proto, case, "technical")["contributions"]
    )


def test_the_what_if_axis_names_the_reading_by_its_description():
    meta = {"task": "binary", "feature_descriptions": {"bun": "blood urea nitrogen, mg/dL"}}
    curve = pd.DataFrame({"value": [5.0, 10.0], "output": [0.2, 0.3], "entered": [True, False]})
    spec = explanations.what_if_spec(curve, "bun", meta)
    for layer in spec["layer"]:
        assert layer["encoding"]["x"]["title"] == "blood urea nitrogen"
        assert layer["encoding"]["tooltip"][0]["title"] == "blood urea nitrogen (bun)"
    assert what_if_names.reading_name("sodium", meta) == "sodium"


# -- the page -----------------------------------------------------------------------------------


def test_a_multiclass_card_shows_why_not_the_second_class(queues, open_app):
    at = open_app(queues, page="sme_review", reviewer="zoe")
    assert not at.exception
    (choice,) = [r for r in at.radio if r.label == RADIO]
    assert choice.options[0].startswith("Why ") and not choice.options[0].startswith("Why not")
    assert all(o.startswith("Why not ") for o in choice.options[1:])
    assert len(choice.options) == 3
    before = why_lines(at)
    predicted_name = choice.options[0][len("Why ") : -1]
    assert all(predicted_name in line for line in before)
    second = choice.options[1][len("Why not ") : -1]
    label = [c for c in NAMES if NAMES[c] == second][0]
    choice.set_value(label).run()
    assert not at.exception
    after = why_lines(at)
    assert after and after != before
    assert all(second in line for line in after)
    assert any(f"The model gives {second} a " in c.value for c in at.caption)


def test_only_a_multiclass_card_offers_a_choice_of_class(queues, small_workspace, tmp_path,
                                                         open_app):  # fmt: skip
    at = open_app(queues, page="sme_review", reviewer="zoe")
    assert [r for r in at.radio if r.label == RADIO]
    at = open_app(small_workspace, page="sme_review", reviewer="zoe")  # binary
    assert not at.exception
    assert why_lines(at)
    assert not [r for r in at.radio if r.label == RADIO]
    X, _ = _data()
    y = X["a"] * 3 + X["b"]
    ws = model.open_workspace(tmp_path / "workspace")
    ws.publish("Sprint 1", "price", LinearRegression().fit(X[:160], y[:160]), X[160:], y[160:],
               mvp=True)  # fmt: skip
    at = open_app(tmp_path / "workspace", page="sme_review", reviewer="zoe")
    assert not at.exception
    assert not [r for r in at.radio if r.label == RADIO]


def test_an_own_case_shows_why_not_the_second_class(queues, open_app):
    at = open_app(queues, page="sme_review", reviewer="zoe")
    at.session_state["review_tab"] = "Try your own case"
    at.run()
    at.button(key="FormSubmitter:own_case_form_queues-Explain this case").click().run()
    assert not at.exception
    # the queue's card is drawn too, whichever tab is open: the own case's choice comes last
    _queue_card, choice = [r for r in at.radio if r.label == RADIO]
    before = why_lines(at)
    second = [c for c in NAMES if f"Why not {NAMES[c]}?" == choice.options[1]][0]
    choice.set_value(second).run()
    after = why_lines(at)[len(why_lines(at)) - len(before) :]
    assert why_lines(at) != before
    assert any(NAMES[second] in line for line in after)


def test_the_own_case_what_if_names_the_reading_by_its_description(queues, open_app):
    at = open_app(queues, page="sme_review", reviewer="zoe")
    at.session_state["review_tab"] = "Try your own case"
    at.run()
    at.button(key="FormSubmitter:own_case_form_queues-Explain this case").click().run()
    at.toggle(key="own_what_if_on_queues").set_value(True).run()
    at.selectbox(key="own_what_if_queues").set_value("a").run()
    assert not at.exception
    assert "days since the last invoice" in at.selectbox(key="own_what_if_queues").options
    spec = json.loads(at.get("vega_lite_chart")[-1].proto.spec)
    (x,) = {json.dumps(layer["encoding"]["x"]) for layer in spec["layer"]}
    assert json.loads(x)["title"] == "days since the last invoice"
    tooltip = spec["layer"][0]["encoding"]["tooltip"][0]
    assert tooltip["title"] == "days since the last invoice (a)"
    assert any("your value of days since the last invoice" in c.value for c in at.caption)
