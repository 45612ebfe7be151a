"""The Sprint demo, the Overview and the explanation parts of SME review speak the room's
language: class names, units and plain words instead of codes and jargon (issue 14), wide and
regression prototypes shown readably (issue 12), one reading's effect, and "try your own case"
that refuses what it cannot take.

A workspace published with words (class names, feature descriptions, display units) holds a
six-feature forest (the MVP), a 60-feature forest and a regression with outputs around
500,000.
"""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from conftest import FEATURES, TARGET, _pipeline, load_data
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.model_selection import train_test_split
from streamlit.testing.v1.element_tree import Expander

import feedback_store
import model
from model import review
from model.feature_words import chart_names
from ui import charts, explanations

SPRINT, MVP, WIDE, PRICE = "Sprint 1", "random forest", "wide forest", "price"
WORDS = {
    "class_names": {0: "No failure", 1: "Failure"},
    "feature_descriptions": {
        "Type": "quality variant: L low, M medium, H high",
        "Tool wear [min]": "minutes the tool has cut, since it was fitted",
    },
    "display_units": {
        "Air temperature [K]": {"unit": "K", "also": "°C", "offset": -273.15},
        "Process temperature [K]": {"unit": "K", "also": "°C", "offset": -273.15},
        "Rotational speed [rpm]": "rpm",
        "Torque [Nm]": "Nm",
    },
}
#: Words that must not greet a manager or an SME outside a "Technical details" expander.
JARGON = re.compile(
    r"base value|shap|log[- ]odds|pipeline\(|\bP\(|\bpoints\b|RandomForest", re.IGNORECASE
)
DEMO_ROWS = 200


@pytest.fixture(scope="module")
def words_workspace(tmp_path_factory):
    path = tmp_path_factory.mktemp("words")
    data = load_data()
    train, demo = train_test_split(data, test_size=DEMO_ROWS, stratify=data[TARGET],
                                   random_state=3)  # fmt: skip
    ws = model.open_workspace(path)
    forest = _pipeline(RandomForestClassifier(n_estimators=15, max_depth=4, random_state=3),
                       scale=False).fit(train[FEATURES], train[TARGET])  # fmt: skip
    ws.publish(SPRINT, MVP, forest, demo[FEATURES], demo[TARGET], mvp=True, **WORDS)

    rng = np.random.default_rng(3)
    wide = pd.DataFrame(rng.normal(size=(600, 60)), columns=[f"sensor {i:02d}" for i in range(60)])
    wide.index = pd.Index([str(i) for i in range(600)], name="row_id")
    label = (wide.iloc[:, :5].sum(axis=1) + rng.normal(size=600) > 0).astype(int)
    wide_model = RandomForestClassifier(n_estimators=15, max_depth=4, random_state=3)
    wide_model.fit(wide.iloc[:400], label.iloc[:400])
    ws.publish(SPRINT, WIDE, wide_model, wide.iloc[400:], label.iloc[400:],
               class_names={0: "Healthy", 1: "Faulty"})  # fmt: skip

    numeric = FEATURES[1:]
    price = 400_000 + 900 * train["Torque [Nm]"] + 60 * train["Tool wear [min]"]
    regressor = RandomForestRegressor(n_estimators=15, max_depth=5, random_state=3)
    regressor.fit(train[numeric], price.rename("Price [EUR]"))
    demo_price = 400_000 + 900 * demo["Torque [Nm]"] + 60 * demo["Tool wear [min]"]
    ws.publish("Sprint 2", PRICE, regressor, demo[numeric], demo_price.rename("Price [EUR]"),
               mvp=True, display_units=WORDS["display_units"])  # fmt: skip
    feedback_store.open(path)
    return path


def open_page(open_app, workspace, page, sprint=SPRINT, reviewer=None):
    at = open_app(workspace, page=page, reviewer=reviewer)
    if at.session_state["sprint"] != sprint:
        at.selectbox(key="sprint").set_value(sprint).run()
    assert not at.exception
    return at


def specs(at) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def chart_frames(at, chart_data) -> list[pd.DataFrame]:
    return [chart_data(chart)[0] for chart in at.get("vega_lite_chart")]


def visible_text(node, inside_expander: bool = False) -> list[str]:
    """Every text a page shows outside expanders: titles, captions, markdown, alerts, labels,
    table headers and cells, and the titles and labels of its charts."""
    if isinstance(node, Expander):
        return []
    texts = []
    for child in getattr(node, "children", {}).values():
        texts += visible_text(child)
    value = getattr(node, "value", None)
    kind = getattr(node, "type", "")
    if isinstance(value, str):
        texts.append(value)
    if isinstance(value, pd.DataFrame):
        texts += [str(c) for c in value.columns]
        texts += [str(v) for v in value.astype(str).to_numpy().ravel()]
    label = getattr(node, "label", None)
    if isinstance(label, str):
        texts.append(label)
    if kind == "arrow_vega_lite_chart" or hasattr(getattr(node, "proto", None), "spec"):
        spec = json.loads(node.proto.spec)
        for layer in spec.get("layer", [spec]):
            for channel in layer.get("encoding", {}).values():
                if isinstance(channel, dict) and isinstance(channel.get("title"), str):
                    texts.append(channel["title"])
    return texts


def jargon_in(at, chart_data=None) -> list[str]:
    """Jargon outside expanders, in the page's text and in its charts' labels."""
    texts = visible_text(at.main)
    for chart in at.get("vega_lite_chart") if chart_data else []:
        for frame in chart_data(chart):
            for column in ("label", "feature", "text"):
                if column in frame.columns:
                    texts += frame[column].astype(str).tolist()
    return [text for text in texts if JARGON.search(text)]


# -- words, not codes ---------------------------------------------------------------------------
def test_the_sprint_demo_names_classes_units_and_features(words_workspace, open_app, chart_data):
    at = open_page(open_app, words_workspace, "sprint_demo")
    table = at.dataframe[0].value
    assert set(table["predicted"]) <= {"Failure", "No failure"}
    assert set(table["actual"]) == {"Failure", "No failure"}
    classes = at.multiselect(key="demo_classes")
    assert [classes.format_func(o) for o in classes.options] == ["No failure", "Failure"]
    waterfall = chart_frames(at, chart_data)[-1]
    air = next(label for label in waterfall["label"] if label.startswith("Air temperature"))
    assert re.fullmatch(r"Air temperature = \d{3}\.\d K \(\d{2}\.\d °C\)", air)
    values = at.dataframe[-1].value.set_index("Feature")
    assert values.loc["Type", "What it is"] == "quality variant: L low, M medium, H high"
    assert values.loc["Torque [Nm]", "Value"].endswith(" Nm")
    heading = next(s.value for s in at.subheader if s.value.startswith("Row "))
    assert heading.endswith(("Failure predicted with", "probability")) and " 1 " not in heading


def test_the_sprint_demo_says_the_mvp_s_outcome_in_counts(words_workspace, open_app):
    at = open_page(open_app, words_workspace, "sprint_demo")
    proto = model.open_workspace(words_workspace).prototype(SPRINT, MVP)
    truth = proto.predictions()
    actual, predicted = truth["actual"].astype(str), truth["predicted"].astype(str)
    caught = int(((actual == "1") & (predicted == "1")).sum())
    failures = int((actual == "1").sum())
    headline = " ".join(m.value for m in at.markdown)
    assert f"Caught {caught} of {failures} failures" in headline
    assert "false alarm" in headline and "machines with no failure" in headline
    confusion = at.table[0].value
    # the positive class first, as on the Bake-off's cards (it was last here, first there)
    assert list(confusion.columns) == ["Predicted Failure", "Predicted No failure"]
    assert list(confusion.index) == ["Actually Failure", "Actually No failure"]
    assert confusion.loc["Actually Failure", "Predicted Failure"].startswith(f"{caught} ")
    assert confusion.loc["Actually Failure", "Predicted Failure"].endswith("failures caught")


def test_the_overview_says_each_mvp_s_outcome_in_counts(words_workspace, open_app):
    at = open_page(open_app, words_workspace, "overview")
    lines = [m.value.replace("\\", "") for m in at.markdown]
    assert any(line.startswith(f"**{SPRINT}, {MVP}: Caught ") for line in lines)
    assert any(line.startswith(f"**Sprint 2, {PRICE}: Half the ") for line in lines)
    assert "What each sprint's MVP gets right and wrong" in [s.value for s in at.subheader]


@pytest.mark.parametrize("page", ["sprint_demo", "overview", "sme_review"])
def test_no_jargon_outside_the_technical_details(words_workspace, open_app, chart_data, page):
    at = open_page(open_app, words_workspace, page, reviewer="ana")
    assert jargon_in(at, chart_data) == []
    if page != "overview":  # the jargon is there, in the expander, for the data scientist
        details = [e for e in at.get("expander") if e.label.startswith("Technical details")]
        assert details and any("SHAP" in c.value for c in details[0].caption)


def test_the_overview_names_its_score_in_words_and_the_metric_in_the_details(
    words_workspace, open_app
):
    at = open_page(open_app, words_workspace, "overview")
    shown = visible_text(at.main) + [json.dumps(json.loads(c.proto.spec)["layer"][0])
                                     for c in at.get("vega_lite_chart")]  # fmt: skip
    assert not [text for text in shown if "AUC" in text or "headline metric" in text]
    assert "MVP score" in at.dataframe[0].value.columns
    (details,) = [e for e in at.expander if e.label.startswith("Technical details: the metric")]
    assert any("PR AUC" in c.value for c in details.caption)


def test_the_own_case_has_no_jargon_either(words_workspace, open_app, chart_data):
    at = own_case(open_app, words_workspace)
    click_explain(at)
    at.toggle(key=f"own_what_if_on_{MVP}").set_value(True).run()
    assert not at.error
    assert jargon_in(at, chart_data) == []


def test_the_jargon_check_finds_jargon():
    class Node:
        def __init__(self, value, children=()):
            self.value, self.children = value, dict(enumerate(children))

    assert jargon_in(type("At", (), {"main": Node(None, [Node("Average (base value)")])})())


# -- wide and regression data -------------------------------------------------------------------
def test_a_wide_prototype_shows_its_top_features_and_the_rest_as_one_bar(
    words_workspace, open_app, chart_data
):
    at = open_app(words_workspace, page="sprint_demo")
    ws = model.open_workspace(words_workspace)
    ws.record_decision(SPRINT, WIDE, rationale="wide", attendees=["x"], decided_on="2024-05-17",
                       recorded_by="x")  # fmt: skip
    try:
        at = open_page(open_app, words_workspace, "sprint_demo")
        importance = specs(at)[0]
        frames = chart_frames(at, chart_data)
        bars = frames[0]["feature"].tolist()
        assert len(bars) == explanations.MAX_FEATURES and bars[-1] == "51 other features together"
        steps = frames[-1]["label"].tolist()
        assert len(steps) == explanations.MAX_FEATURES + 2
        assert steps[-2] == "51 other features"
        assert importance["height"] < 500  # not a 3,800-pixel chart of 0.1% bars
        assert at.dataframe[0].value["predicted"].isin(["Healthy", "Faulty"]).all()
    finally:
        ws.record_decision(SPRINT, MVP, rationale="back", attendees=["x"], decided_on="2024-05-18",
                           recorded_by="x")  # fmt: skip


def test_a_regression_has_no_class_filter_and_readable_values(
    words_workspace, open_app, chart_data
):
    at = open_page(open_app, words_workspace, "sprint_demo", sprint="Sprint 2")
    assert "demo_classes" not in [m.key for m in at.multiselect]
    table = at.dataframe[0].value
    assert table["predicted"].between(300_000, 700_000).all()
    assert (table["predicted"] == table["predicted"].round()).all()  # 512,340, not 512,340.4031
    heading = next(s.value for s in at.subheader if s.value.startswith("Row ")).replace("\\", "")
    assert re.search(r"Predicted price: \d{3},\d{3} EUR$", heading), heading  # unit once
    outcome = " ".join(m.value for m in at.markdown)
    assert re.search(r"predicted to within [\d,.]+ EUR", outcome), outcome
    texts = chart_frames(at, chart_data)[-1]["text"].tolist()
    assert all(len(t.replace(",", "")) <= 9 for t in texts), texts


# -- one reading's effect -----------------------------------------------------------------------
def test_the_sprint_demo_shows_one_reading_s_contribution_against_its_value(
    words_workspace, open_app, chart_data
):
    at = open_page(open_app, words_workspace, "sprint_demo")
    proto = model.open_workspace(words_workspace).prototype(SPRINT, MVP)
    top = explanations.top_features(proto.meta)
    control = at.selectbox(key="demo_dependence")
    # the reading as people read it (trialN 4), by its description's first phrase
    names = chart_names(top, WORDS["feature_descriptions"])
    assert names["Tool wear [min]"] == "minutes the tool has cut"
    assert list(control.options) == [names[f] for f in top]
    control.set_value("Tool wear [min]").run()  # the value stays the column
    assert specs(at)[1]["layer"][1]["encoding"]["x"]["title"] == "minutes the tool has cut"
    numeric = next(f for f in top if f not in WORDS["feature_descriptions"])
    control.set_value(numeric).run()
    dependence = specs(at)[1]
    points = chart_frames(at, chart_data)[1]
    stored = proto.shap_values()[numeric]
    features = proto.features()[numeric]
    assert len(points) == len(stored)
    for _, point in points.head(20).iterrows():
        matches = stored[(features.loc[stored.index] == point["value"]).to_numpy()]
        assert np.isclose(matches.to_numpy(), point["contribution"]).any()
    assert dependence["layer"][1]["encoding"]["x"]["title"] == numeric


# -- try your own case --------------------------------------------------------------------------
def own_case(open_app, workspace):
    at = open_page(open_app, workspace, "sme_review", reviewer="ana")
    at.session_state["review_tab"] = "Try your own case"
    at.run()
    assert not at.exception
    return at


def field(at, name):
    return at.number_input(key=f"own_field_{MVP}_{name}")


def own_results(at) -> list[str]:
    """The own case's predictions in words on its tab (the queue's card is drawn too)."""
    return [s.value for s in at.tabs[1].subheader if "predicted with" in s.value]


def click_explain(at):
    at.button(key=f"FormSubmitter:own_case_form_{MVP}-Explain this case").click().run()
    assert not at.exception
    return at


def test_each_own_case_field_shows_its_allowed_range(words_workspace, open_app):
    at = own_case(open_app, words_workspace)
    proto = model.open_workspace(words_workspace).prototype(SPRINT, MVP)
    torque = next(f for f in review.input_schema(proto) if f["name"] == "Torque [Nm]")
    label = field(at, "Torque [Nm]").label
    assert label == f"Torque [Nm] ({torque['min']:.1f}–{torque['max']:.1f} Nm)"
    air = field(at, "Air temperature [K]").label
    assert re.fullmatch(
        r"Air temperature \[K\] \(\d{3}\.\d–\d{3}\.\d K \(\d\d\.\d–\d\d\.\d °C\)\)", air
    )


def test_an_out_of_range_value_is_explained_as_typed_with_a_note(words_workspace, open_app):
    """Trials (a EUR 60,000 claim, a EUR 14.99 product): a reading outside the demo data's
    range is the SME's unusual case; it is explained as typed, neither refused nor clamped,
    and one line says the model has not seen such values (6b2d924)."""
    at = own_case(open_app, words_workspace)
    field(at, "Torque [Nm]").set_value(500.0)
    click_explain(at)
    assert not at.error
    assert field(at, "Torque [Nm]").value == 500.0  # kept as typed
    assert own_results(at)
    notes = [w.value.replace("\\", "") for w in at.warning]
    assert any("Torque [Nm] of 500 Nm is above the demo data's range" in n for n in notes)


def test_an_empty_field_is_refused_and_stays_empty(words_workspace, open_app):
    at = own_case(open_app, words_workspace)
    field(at, "Tool wear [min]").set_value(None)
    click_explain(at)
    assert [e.value.replace("\\", "") for e in at.error] == ["enter a value for Tool wear [min]"]
    assert field(at, "Tool wear [min]").value is None  # never refilled with a default


def test_no_stale_result_under_new_numbers(words_workspace, open_app):
    at = own_case(open_app, words_workspace)
    click_explain(at)
    assert own_results(at)
    field(at, "Torque [Nm]").set_value(1e39)  # beyond what a model reads: refused
    click_explain(at)
    assert at.error
    assert not own_results(at)


def test_the_own_case_moves_one_reading_across_its_range(words_workspace, open_app, chart_data):
    at = own_case(open_app, words_workspace)
    field(at, "Torque [Nm]").set_value(60.0)
    click_explain(at)
    charts_before = len(at.get("vega_lite_chart"))
    at.toggle(key=f"own_what_if_on_{MVP}").set_value(True).run()
    at.selectbox(key=f"own_what_if_{MVP}").set_value("Torque [Nm]").run()
    assert not at.exception
    assert len(at.get("vega_lite_chart")) == charts_before + 1
    (curve,) = chart_data(at.get("vega_lite_chart")[-1])
    proto = model.open_workspace(words_workspace).prototype(SPRINT, MVP)
    schema = review.input_schema(proto)
    torque = next(f for f in schema if f["name"] == "Torque [Nm]")
    assert curve["value"].min() == pytest.approx(torque["min"])
    assert curve["value"].max() == pytest.approx(torque["max"])
    (entered,) = curve[curve["entered"]].itertuples()
    case = {f["name"]: f["default"] for f in schema} | {"Torque [Nm]": 60.0}
    expected = review.explain_own_case(proto, case)
    assert entered.value == 60.0
    assert entered.output == pytest.approx(expected["probabilities"]["1"])


# -- honest explanations and readable charts ----------------------------------------------------
def test_estimated_values_say_approximate_with_the_stated_error():
    meta = {"explainer": "permutation", "unit": "probability", "stated_error": 0.004}
    note = explanations.estimate_note(meta, {"explainer": "permutation", "unit": "probability"})
    assert note.startswith("These values are approximate (± 0.4% each")
    assert explanations.estimate_note({"explainer": "tree"}, {"explainer": "tree"}) is None
    unmeasured = explanations.estimate_note({"explainer": "permutation"})
    assert "not measured" in unmeasured
    from model.estimate import ESTIMATE_EXPLAINER  # what publishing records for an estimate

    published = {"explainer": "tree", "explainer_methods": {"tree": 90, ESTIMATE_EXPLAINER: 10},
                 "unit": "probability", "estimate_error": 0.006}  # fmt: skip
    assert "± 0.6% each" in explanations.estimate_note(published)
    row = {"explainer": ESTIMATE_EXPLAINER, "unit": "probability"}
    assert "± 0.6% each" in explanations.estimate_note(published, row)
    assert explanations.estimate_error(published, row) == 0.006  # what the "Why" allows for
    assert explanations.estimate_error(published, {"explainer": "tree"}) is None


def test_the_details_say_what_shaps_probability_tree_values_are():
    from model.explain_trees import INTERVENTIONAL_PROBABILITY_TREE, INTERVENTIONAL_TREE

    # a prototype published with shap's probability output before it was replaced
    meta = {"estimator": "GradientBoostingClassifier()",
            "explainer": INTERVENTIONAL_PROBABILITY_TREE, "unit": "probability"}  # fmt: skip
    details = " ".join(explanations.technical_details(meta))
    assert "not the exact Shapley values of the probability" in details
    exact = " ".join(explanations.technical_details(meta | {"explainer": "exact"}))
    assert "not the exact" not in exact
    # now: exact in log-odds, and the details say why not in probability
    trees = meta | {"explainer": INTERVENTIONAL_TREE, "unit": "log-odds"}
    details = " ".join(explanations.technical_details(trees))
    assert "not the exact" not in details and "values are exact" in details
    assert "rescales each background row's log-odds values" in details


def test_log_odds_are_said_in_plain_words_and_named_only_in_the_details():
    note = explanations.scale_note("log-odds")
    assert "model's own score scale" in note and not JARGON.search(note)
    assert explanations.scale_note("probability") is None
    # a multiclass model's score of a class: 0 is not even chances there
    multiclass = explanations.scale_note("log-odds", "multiclass")
    assert "even chances" not in multiclass and "highest score is predicted" in multiclass
    assert "own scale of a class's score" in multiclass and not JARGON.search(multiclass)
    meta = {"estimator": "LGBMClassifier()", "explainer": "lightgbm", "unit": "log-odds",
            "task": "binary", "explained_classes": ["1"],
            "class_names": {"1": "Failure"}}  # fmt: skip
    row = {"base_value": -3.0, "output": -1.0, "unit": "log-odds", "explained_class": "1",
           "contributions": {"Torque [Nm]": 2.0},
           "feature_values": {"Torque [Nm]": 60.0}}  # fmt: skip
    caption = explanations.waterfall_caption(row, meta)
    assert "the model's score for Failure" in caption
    # a two-class score is a chance's log-odds: the chance is said beside it
    assert "average, -3.00 (over reference rows; a 5% chance), to" in caption
    assert "to -1.00 (a 27% chance) for this row." in caption
    assert any("log odds" in line for line in explanations.technical_details(meta, row))
    # a class's score among three is not one chance on its own
    three = {**meta, "task": "multiclass"}
    assert "chance)" not in explanations.waterfall_caption(row, three)


def test_chart_text_is_readable_at_1280_and_larger_in_presenter_mode():
    normal, presenter = charts.chart_config(), charts.chart_config(presenter=True)
    assert normal["axis"]["labelFontSize"] >= 14 and normal["axis"]["titleFontSize"] >= 14
    assert presenter["axis"]["labelFontSize"] >= 18 and presenter["text"]["fontSize"] >= 18
    assert charts.value_labels("x", {}, presenter=True)["mark"]["fontSize"] >= 18


def test_a_regression_contribution_reads_with_three_significant_digits():
    """As the "Why" sentences give it: "+0.28089" ran past the waterfall's right edge."""
    assert explanations.contribution_text(0.28089, "value") == "+0.281"
    assert explanations.contribution_text(14.926, "value") == "+14.9"
    assert explanations.contribution_text(-0.023704, "value") == "-0.0237"
    assert explanations.contribution_text(-12_345.6, "value") == "-12,346"
    assert explanations.waterfall_caption(
        {"unit": "value", "base_value": 39.955, "output": 46.606}, {"task": "regression"}
    ).endswith("from the model's average, 40 (over reference rows), to 46.6 for this row."
               " Red bars push it up, blue bars push it down.")  # fmt: skip


def test_scores_on_the_models_own_scale_read_with_two_decimals_not_si_prefixes():
    assert explanations.contribution_text(0.51756, "log-odds") == "+0.52"
    assert explanations.contribution_text(-9.7987, "log-odds") == "-9.80"
    meta = {"task": "binary", "unit": "log-odds", "explained_classes": ["1"],
            "global_importance": {"Tool wear [min]": 0.50499, "Torque [Nm]": 0.30809}}  # fmt: skip
    spec = explanations.global_importance_spec(meta)
    assert spec["layer"][0]["encoding"]["x"]["axis"]["format"] == ",.2~f"  # "0.2", not "200m"
    assert list(explanations.global_importance_data(meta)["text"]) == ["0.50", "0.31"]


def test_the_threshold_slider_of_a_generic_target_flags_a_case(tmp_path, open_app):
    """'Flag a rows in the demo set when the chance of 1 is at least': the generic noun made
    'singular', and a class without a name said by its code instead of the target's name."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(300, 2)), columns=["tenure", "calls"])
    X.index = pd.Index([f"c{i}" for i in range(300)], name="row_id")
    y = (X["calls"] + rng.normal(size=300) > 0.5).astype(int).rename("Churned")
    ws = model.open_workspace(tmp_path / "ws")
    ws.publish("S1", "logit", LogisticRegression().fit(X, y), X, y, mvp=True)
    at = open_app(tmp_path / "ws", page="bake_off")
    assert not at.exception
    assert at.slider[0].label == "Flag a case when the chance of Churned is at least"


def test_a_regression_waterfall_far_from_zero_starts_its_axis_near_the_steps():
    """Two trials: hours left around 12,000, moved by 69 to 825 hours, on an axis from 0 to
    30,000: every step a bar of one to three pixels."""
    row = {"unit": "value", "base_value": 12_000.0, "output": 12_600.0,
           "contributions": {"vibration": 825.0, "oil temperature": -294.0, "load": 69.0},
           "feature_values": {"vibration": 4.1, "oil temperature": 61.0, "load": 0.8}}  # fmt: skip
    spec = explanations.waterfall_spec(row, {"task": "regression"})
    bars = spec["layer"][0]
    low, high = bars["encoding"]["x"]["scale"]["domain"]
    assert 11_000 < low < 12_000 and high > 12_825
    assert bars["mark"]["clip"] is True  # the average's and prediction's bars start at 0
    # near zero, or in probability, the axis still starts at 0
    near = {**row, "base_value": 300.0, "output": 900.0}
    near_bars = explanations.waterfall_spec(near, {"task": "regression"})["layer"][0]
    assert near_bars["encoding"]["x"]["scale"]["domain"][0] == 0.0
    chance = {"unit": "probability", "base_value": 0.6, "output": 0.7,
              "contributions": {"load": 0.1}, "feature_values": {"load": 0.8}}  # fmt: skip
    spec = explanations.waterfall_spec(chance, {"task": "binary"})
    assert spec["layer"][0]["encoding"]["x"]["scale"]["domain"][0] == 0.0


def test_a_sum_a_hair_below_zero_reads_as_zero_not_minus_zero():
    """A trial's own case on a forest whose trees all say 0: "This prediction -0.0%", its
    base value plus contributions summing to about -1e-17, and a reading "= -0"."""
    from ui.explanation_values import value_text
    from ui.formatting import format_number, percent_to_a_tenth

    tiny = 0.0378 - 0.004 - 0.003 - 0.0308  # -3.5e-18
    assert tiny < 0
    assert value_text(tiny, "probability", signed=False) == "0.0%"
    assert value_text(tiny, "probability", signed=True) == "+0.0%"
    assert value_text(-1e-9, "log-odds", signed=False) == "0.00"
    assert percent_to_a_tenth(tiny) == "0.0%"
    assert format_number(-0.0) == "0"
    assert value_text(-0.0123, "probability", signed=True) == "-1.2%"
