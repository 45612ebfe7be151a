"""Every page on a regression and on a multiclass workspace, not only on binary ones.

The bundled demo and ``small_workspace`` are binary classification; these workspaces publish
real models on the same AI4I rows for the two other tasks and go through every page, recording
one verdict with a corrected value or class through the SME review form.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import feedback_store
import model
from tests.conftest import FEATURES, copy_workspace, load_data, open_link
from ui.formatting import format_number

PAGES = ["overview", "sprint_demo", "bake_off", "sme_review", "feedback"]
ROWS = 200
SEED = 11
NUMERIC = [f for f in FEATURES if f != "Type"]


def _prep(columns: list[str]) -> ColumnTransformer:
    numeric = [c for c in columns if c != "Type"]
    parts = [("sensors", StandardScaler(), numeric)]
    if "Type" in columns:
        parts.insert(0, ("type", OneHotEncoder(handle_unknown="ignore"), ["Type"]))
    return ColumnTransformer(parts)


def _publish_two_sprints(path: Path, X: pd.DataFrame, y: pd.Series, first, second) -> Path:
    train, demo = X.index[:-ROWS], X.index[-ROWS:]
    ws = model.open_workspace(path)
    for sprint, candidates in (("Sprint 1", first), ("Sprint 2", second)):
        for name, step in candidates.items():
            estimator = Pipeline([("prep", _prep(list(X.columns))), ("model", step)])
            estimator.fit(X.loc[train], y.loc[train])
            ws.publish(sprint, name, estimator, X.loc[demo], y.loc[demo], train_seconds=0.2,
                       effort_days=1.0)  # fmt: skip
        ws.set_mvp(sprint, next(iter(candidates)))
    return path


@pytest.fixture(scope="module")
def regression_workspace(tmp_path_factory) -> Path:
    """Predicting the torque from the other sensors and the product type."""
    data = load_data().sample(2000, random_state=SEED)
    X = data[[f for f in FEATURES if f != "Torque [Nm]"]]
    y = data["Torque [Nm]"].rename("Torque [Nm]")
    return _publish_two_sprints(
        tmp_path_factory.mktemp("regression") / "workspace", X, y,
        {"linear": LinearRegression()},
        {"forest": RandomForestRegressor(n_estimators=20, max_depth=5, random_state=SEED),
         "linear": LinearRegression()},
    )  # fmt: skip


@pytest.fixture(scope="module")
def multiclass_workspace(tmp_path_factory) -> Path:
    """Predicting the product quality type (L / M / H) from the sensors."""
    data = load_data().sample(2000, random_state=SEED)
    X, y = data[NUMERIC], data["Type"].rename("Type")
    return _publish_two_sprints(
        tmp_path_factory.mktemp("multiclass") / "workspace", X, y,
        {"logistic": LogisticRegression(max_iter=500)},
        {"forest": RandomForestClassifier(n_estimators=20, max_depth=5, random_state=SEED),
         "logistic": LogisticRegression(max_iter=500)},
    )  # fmt: skip


@pytest.fixture(scope="module")
def many_classes_workspace(tmp_path_factory) -> Path:
    """Predicting the tool's wear in seven bands from the other sensors: more classes than a
    confusion table can show."""
    data = load_data().sample(2000, random_state=SEED)
    X = data[[f for f in NUMERIC if f != "Tool wear [min]"]]
    bands = pd.cut(data["Tool wear [min]"], 7, labels=[f"wear band {i}" for i in range(1, 8)])
    y = bands.astype(str).rename("Wear band")
    forest = {"forest": RandomForestClassifier(n_estimators=10, max_depth=4, random_state=SEED)}
    return _publish_two_sprints(
        tmp_path_factory.mktemp("many") / "workspace", X, y, forest,
        {**forest, "shallow": RandomForestClassifier(n_estimators=5, max_depth=2,
                                                      random_state=SEED)},
    )  # fmt: skip


def _confusion_grids(at, chart_data) -> list[pd.DataFrame]:
    return [chart_data(c)[0] for c in at.get("vega_lite_chart") if "predicted as" in c.proto.spec]


@pytest.mark.parametrize(("page", "prototypes"), [("sprint_demo", 1), ("bake_off", 2)])
def test_seven_classes_are_counted_in_a_grid_not_a_table_cut_off(
    page, prototypes, many_classes_workspace, open_app, chart_data
):
    at = open_app(many_classes_workspace, page=page)
    assert not at.exception
    tables = [t.value for t in at.table]
    assert not any(
        any(str(label).startswith("Actually ") for label in [*t.index, *t.iloc[:, 0]])
        for t in tables
    ), "no confusion table"
    grids = _confusion_grids(at, chart_data)
    assert len(grids) == prototypes
    for grid in grids:
        assert grid["count"].sum() == ROWS
        assert set(grid["actual"]) == {f"wear band {i}" for i in range(1, 8)}
        assert len(grid) == 49


def test_the_overview_sums_up_a_many_class_mvp_and_the_sprint_demo_lists_every_class(
    many_classes_workspace, open_app
):
    listed = {}
    for page in ("overview", "sprint_demo"):
        at = open_app(many_classes_workspace, page=page)
        assert not at.exception
        outcomes = [m.value.replace("\\", "") for m in at.markdown if "Right on " in m.value]
        listed[page] = [line for o in outcomes for line in o.split("\n") if line.startswith("- ")]
    # two MVPs on the Overview: three classes each and a line for the other four
    assert len(listed["overview"]) == 2 * 4
    assert sum("The other 4 classes: " in line for line in listed["overview"]) == 2
    assert len(listed["sprint_demo"]) == 7


def test_present_lists_the_classes_recognised_least_and_one_line_for_the_rest(
    many_classes_workspace, monkeypatch
):
    at = open_link(monkeypatch, many_classes_workspace, "present", step="1", present="1")
    assert not at.exception
    (big,) = [m.value for m in at.markdown if "font-size:1.6rem" in m.value]
    items = big.split("<li>")[1:]
    assert len(items) == 4  # the three classes recognised least, then the others in one line
    assert items[-1].startswith("The other 4 classes: ") and "recognised" in items[-1]


def test_the_dependence_chart_of_a_multiclass_model_shows_the_class_chosen(
    multiclass_workspace, open_app, chart_data
):
    at = open_app(multiclass_workspace, page="sprint_demo")
    proto = model.open_workspace(multiclass_workspace).prototype("Sprint 2", "forest")
    picker = at.selectbox(key="demo_dependence_class")
    assert list(picker.options) == ["H", "L", "M"] and picker.value == "H"
    assert picker.label == "Chance of"  # "Score for" on a boosting model's own scale
    feature = at.selectbox(key="demo_dependence").value
    for label in ("M", "L"):
        at.selectbox(key="demo_dependence_class").set_value(label).run()
        assert not at.exception
        chart = at.get("vega_lite_chart")[1]  # the importance, the dependence, the waterfall
        title = json.loads(chart.proto.spec)["layer"][1]["encoding"]["y"]["title"]
        assert " ".join([title] if isinstance(title, str) else title) == (
            f"moves the chance of Type being {label} by"
        )
        points = chart_data(chart)[0]
        stored = proto.shap_values(label)[feature]
        assert sorted(points["contribution"]) == pytest.approx(sorted(stored.dropna()))


def test_on_a_boosting_model_s_own_scale_the_class_picker_says_score_for(tmp_path, open_app):
    xgboost = pytest.importorskip("xgboost")
    data = load_data().sample(600, random_state=SEED)
    X, y = data[NUMERIC], data["Type"].map({"L": 0, "M": 1, "H": 2})
    X = X.rename(columns=lambda c: c.replace("[", "(").replace("]", ")"))  # XGBoost's rule
    # native categories keep the model on its own scale (log-odds), as boosting libraries do
    X = X.assign(line=pd.Categorical(np.where(np.arange(len(X)) % 2, "A", "B")))
    estimator = xgboost.XGBClassifier(n_estimators=10, max_depth=3, enable_categorical=True)
    estimator.fit(X.iloc[:400], y.iloc[:400])
    ws = model.open_workspace(tmp_path)
    proto = ws.publish("S1", "xgb", estimator, X.iloc[400:], y.iloc[400:], mvp=True)
    assert proto.meta["unit"] == "log-odds"
    at = open_app(tmp_path, page="sprint_demo")
    assert not at.exception
    assert at.selectbox(key="demo_dependence_class").label == "Score for"


def test_a_binary_model_s_dependence_chart_has_no_class_to_choose(open_app, small_workspace):
    at = open_app(small_workspace, page="sprint_demo")
    assert at.selectbox(key="demo_dependence")
    assert not [s for s in at.selectbox if s.key == "demo_dependence_class"]


def _page_text(at) -> str:
    parts = [e.value for kind in ("title", "subheader", "caption", "markdown", "info", "warning")
             for e in at.get(kind) if isinstance(getattr(e, "value", None), str)]  # fmt: skip
    return "\n".join(parts)


@pytest.mark.parametrize("task", ["regression", "multiclass"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_opens_without_an_error(
    task, page, regression_workspace, multiclass_workspace, open_app
):
    workspace = regression_workspace if task == "regression" else multiclass_workspace
    at = open_app(workspace, page=page, reviewer="ana")
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title, "the page shows its title"
    if page in ("sprint_demo", "sme_review"):
        assert at.get("vega_lite_chart"), "the page explains a prediction with a chart"


def test_sprint_demo_explains_a_regression_in_the_target_unit(regression_workspace, open_app):
    at = open_app(regression_workspace, page="sprint_demo")
    proto = model.open_workspace(regression_workspace).prototype("Sprint 2", "forest")
    assert proto.task == "regression"
    metrics = {m.label for m in at.metric}
    assert metrics, "the regression metrics are shown"
    row_id = str(proto.predictions().index[0])
    explanation = model.open_workspace(regression_workspace).explain("Sprint 2", "forest", row_id)
    assert explanation["unit"] == "value"
    assert explanation["output"] == pytest.approx(proto.predictions().loc[row_id, "predicted"])
    assert f"Row {row_id}" in _page_text(at)
    # the row's known value with the target's unit ("actual outcome: 40.2" had none)
    actual = proto.predictions().loc[row_id, "actual"]
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert any(c.startswith(f"Actual value: {format_number(actual)} Nm") for c in captions)


def test_sprint_demo_explains_the_predicted_class_of_a_multiclass_row(
    multiclass_workspace, open_app
):
    at = open_app(multiclass_workspace, page="sprint_demo")
    assert not at.exception
    proto = model.open_workspace(multiclass_workspace).prototype("Sprint 2", "forest")
    row_id = str(proto.predictions().index[0])
    predicted = proto.predictions().loc[row_id, "predicted"]
    explanation = model.open_workspace(multiclass_workspace).explain("Sprint 2", "forest", row_id)
    assert explanation["explained_class"] == predicted
    assert explanation["output"] == pytest.approx(
        proto.predictions().loc[row_id, f"p:{predicted}"], abs=1e-5
    )


def _record_through_the_form(at, verdict: str, label) -> None:
    card = dict(at.session_state["review_card"])
    key = card["key"]
    at.segmented_control(key=f"review_verdict_{key}").set_value(verdict)
    if label is not None:
        widget = next(
            w for kind in ("selectbox", "number_input")
            for w in at.get(kind) if w.key == f"review_label_{key}"
        )  # fmt: skip
        widget.set_value(label)
    at.text_area(key=f"review_comment_{key}").set_value("checked on the shop floor")
    at.button(key=f"FormSubmitter:review_form_{key}-Submit verdict").click().run()


def test_a_multiclass_verdict_stores_the_corrected_class(multiclass_workspace, open_app, tmp_path):
    workspace = copy_workspace(multiclass_workspace, tmp_path / "workspace")
    at = open_app(workspace, page="sme_review", reviewer="ana")
    row_id = dict(at.session_state["review_card"])["row_id"]
    predicted = model.open_workspace(workspace).prototype("Sprint 2", "forest").predictions()
    other = next(c for c in ("L", "M", "H") if c != predicted.loc[row_id, "predicted"])
    _record_through_the_form(at, "wrong", other)
    assert not at.exception and not at.error, [e.value for e in at.error]
    stored = feedback_store.open(workspace).verdicts()
    assert len(stored) == 1
    assert stored.iloc[0]["row_id"] == row_id
    assert stored.iloc[0]["corrected_label"] == other


def test_a_regression_verdict_stores_the_corrected_value(regression_workspace, open_app, tmp_path):
    workspace = copy_workspace(regression_workspace, tmp_path / "workspace")
    at = open_app(workspace, page="sme_review", reviewer="ana")
    row_id = dict(at.session_state["review_card"])["row_id"]
    _record_through_the_form(at, "wrong", 42.5)
    assert not at.exception and not at.error, [e.value for e in at.error]
    stored = feedback_store.open(workspace).verdicts()
    assert len(stored) == 1
    assert stored.iloc[0]["row_id"] == row_id
    assert float(stored.iloc[0]["corrected_label"]) == pytest.approx(42.5)
    at.switch_page("pages/feedback.py").run()
    assert not at.exception and not at.error
    assert np.isfinite(float(stored.iloc[0]["corrected_label"]))


@pytest.mark.parametrize("task", ["regression", "multiclass"])
def test_no_threshold_is_mentioned_where_the_model_has_none(
    task, regression_workspace, multiclass_workspace, open_app
):
    # only a binary model has an alarm threshold; the Bake-off and Present spoke of one
    workspace = regression_workspace if task == "regression" else multiclass_workspace
    bake_off = _page_text(open_app(workspace, page="bake_off"))
    assert "monthly total is what it costs to own" in bake_off
    present = _page_text(open_app(workspace, page="present"))
    assert "Counted as on the Bake-off" in present
    assert "threshold" not in bake_off.split("Recommendation.")[1].split("Record the decision")[0]
    assert "threshold" not in present


def test_present_says_a_regression_s_error_in_the_target_s_unit_and_its_values_as_numbers(
    regression_workspace, open_app
):
    """Step 1 said "Typically off by 32,147 value" (the explanation's unit, not the target's)
    and step 4 "actually: 612100.0"."""
    import re

    present = _page_text(open_app(regression_workspace, page="present"))
    assert re.search(r"predicted to within [\d.,]+ Nm, 9 in 10 ", present), present
    assert " value" not in present
    at = open_app(regression_workspace, page="present")
    at.query_params["step"] = "4"
    at.switch_page("pages/present.py").run()
    shown = [c.value.replace("\\", "") for c in at.caption if c.value.startswith("Actually")]
    assert shown and re.fullmatch(r"Actually: -?[\d,]+(\.\d+)? Nm", shown[0].split(" · ")[0])
    assert not shown[0].split(" · ")[0].endswith(".0")


def test_bake_off_cards_leave_room_for_a_column_per_class():
    # three cards of a three-class sprint cut the last class's column off at 1280 pixels
    from ui.sections.bakeoff_outcomes import PER_ROW, cards_per_row

    assert cards_per_row("binary", 2) == cards_per_row("regression", 0) == PER_ROW
    assert cards_per_row("multiclass", 3) == 2
    assert cards_per_row("multiclass", 5) == 1 and cards_per_row("multiclass", 40) == 1
