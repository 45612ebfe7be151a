"""The sprint demo page: the MVP, its metrics against last sprint's, explained predictions."""

import json

import pytest

import feedback_store
import model
from model.metrics import format_metric


@pytest.fixture
def demo(small_workspace, open_app):
    return open_app(small_workspace, page="sprint_demo")


def waterfall_labels(at, chart_data) -> list[str]:
    charts = at.get("vega_lite_chart")
    (frame,) = chart_data(charts[-1])
    return frame["label"].tolist()


def test_demo_names_the_mvp_its_model_and_explainer(demo):
    assert not demo.exception
    assert demo.title[0].value == "Sprint demo: Sprint 2"
    assert "MVP: random forest" in [s.value for s in demo.subheader]
    assert "RandomForestClassifier" in demo.caption[0].value
    assert "tree" in demo.caption[0].value


def test_demo_metrics_show_deltas_against_the_previous_sprints_mvp(demo, small_workspace):
    ws = model.open_workspace(small_workspace)
    now = ws.prototype("Sprint 2", "random forest").metrics
    before = ws.prototype("Sprint 1", "tool-wear rule").metrics
    metrics = {m.label: m for m in demo.metric}
    assert metrics["PR AUC"].value == format_metric("pr_auc", now["pr_auc"])
    assert metrics["PR AUC"].delta == f"{now['pr_auc'] - before['pr_auc']:+.3f}"
    assert any("Sprint 1's MVP" in c.value for c in demo.caption)


def colour(metric) -> str:
    field = metric.proto.DESCRIPTOR.fields_by_name["color"]
    return field.enum_type.values_by_number[metric.proto.color].name


def test_a_fall_is_green_for_log_loss_and_red_for_recall(demo):
    metrics = {m.label: m for m in demo.metric}
    assert metrics["Log loss"].delta.startswith("-")
    assert colour(metrics["Log loss"]) == "GREEN"
    assert metrics["Recall"].delta.startswith("-")
    assert colour(metrics["Recall"]) == "RED"


def test_demo_shows_importance_and_a_waterfall_for_the_first_row(demo, chart_data):
    charts = demo.get("vega_lite_chart")
    assert len(charts) == 2
    table = demo.dataframe[0].value
    assert len(table) == 300
    assert "Showing 300 of 300 rows. Click a row to explain it." in [c.value for c in demo.caption]
    first = table.index[0]
    assert any(s.value.startswith(f"Row {first}: ") for s in demo.subheader)
    labels = waterfall_labels(demo, chart_data)
    assert labels[0] == "Average prediction (base value)"
    assert labels[-1] == "This prediction"


def test_selecting_a_row_shows_its_waterfall_and_feature_values(demo, chart_data, small_workspace):
    table = demo.dataframe[0].value
    row_id = table.index[5]
    demo.session_state["demo_table"] = {"selection": {"rows": [5], "columns": []}}
    demo.run()
    assert not demo.exception
    assert any(s.value.startswith(f"Row {row_id}: ") for s in demo.subheader)
    features = model.open_workspace(small_workspace).prototype("Sprint 2", "random forest")
    torque = features.features().loc[row_id, "Torque [Nm]"]
    assert f"Torque [Nm] = {torque:.5g}" in waterfall_labels(demo, chart_data)
    values = demo.dataframe[-1].value.set_index("Feature")["Value"]
    assert values["Torque [Nm]"] == f"{torque:.5g}"


def test_filters_narrow_the_table_and_say_how_many_rows_are_shown(demo):
    demo.segmented_control(key="demo_correctness").set_value("wrong").run()
    assert not demo.exception
    shown = demo.dataframe[0].value
    assert len(shown) < 300
    assert (shown["predicted"] != shown["actual"]).all()
    assert f"Showing {len(shown)} of 300 rows. Click a row to explain it." in [
        c.value for c in demo.caption
    ]
    demo.multiselect(key="demo_classes").set_value(["1"]).run()
    assert (demo.dataframe[0].value["predicted"] == "1").all()


def test_a_filter_matching_nothing_says_so(demo):
    demo.slider(key="demo_confidence").set_range(0.0, 0.05).run()
    assert not demo.exception
    assert "No prediction matches these filters." in [i.value for i in demo.info]


def test_first_sprint_has_no_deltas(small_workspace, open_app):
    at = open_app(small_workspace)
    at.sidebar.selectbox(key="sprint").set_value("Sprint 1").run()
    at.switch_page("pages/sprint_demo.py").run()
    assert not at.exception
    assert "MVP: tool-wear rule" in [s.value for s in at.subheader]
    assert all(not m.delta for m in at.metric)


def followup_sentence(workspace, sprint="Sprint 2", prototype="random forest") -> str:
    from model.followup import followup_summary, rescore_flagged

    ws = model.open_workspace(workspace)
    frame = rescore_flagged(ws, feedback_store.open(workspace), sprint, prototype)
    return followup_summary(frame)["sentence"]


def test_the_demo_says_what_came_of_the_cases_flagged_last_sprint(flagged_workspace, open_app):
    at = open_app(flagged_workspace, page="sprint_demo")
    assert not at.exception
    assert "What came of earlier feedback" in [s.value for s in at.subheader]
    sentence = "3 of 4 cases flagged in Sprint 1 are now right."
    assert followup_sentence(flagged_workspace) == sentence
    assert [i.value.replace("\\", "") for i in at.main.info] == [sentence]
    listed = at.dataframe[0].value
    assert listed["Status"].tolist() == ["fixed", "fixed", "fixed", "still wrong"]
    assert set(listed["Reviewed in"]) == {"Sprint 1 · tool-wear rule"}
    assert listed["In training data"].tolist() == ["", "", "", ""]
    assert all(" → " in change for change in listed["Then → now"])
    # The predictions table still follows.
    assert len(at.dataframe[1].value) == 300


def test_fixes_on_rows_the_model_was_trained_on_are_labelled(flagged_workspace, open_app):
    store = feedback_store.open(flagged_workspace)
    fixed = store.verdicts(sprint="Sprint 1", reviewer="ana")["row_id"].tolist()[0]
    (flagged_workspace / "demo.json").write_text(
        json.dumps({"feedback_rows_trained_on": [fixed]}), encoding="utf-8"
    )
    at = open_app(flagged_workspace, page="sprint_demo")
    assert not at.exception
    assert at.main.info[0].value.endswith(
        "3 of 4 cases flagged in Sprint 1 are now right (1 of the 3 was in the new model's "
        "training data)."
    )
    captions = [c.value for c in at.caption]
    assert any(
        c.startswith("1 of these 4 cases was in the new model's training data")
        for c in captions
    )
    listed = at.dataframe[0].value.set_index("Row")
    assert listed.loc[fixed, "In training data"] == "yes"


def test_the_follow_up_is_read_again_after_a_new_verdict(flagged_workspace, open_app):
    at = open_app(flagged_workspace, page="sprint_demo")
    assert "3 of 4 cases" in at.main.info[0].value
    before = model.open_workspace(flagged_workspace).prototype("Sprint 1", "tool-wear rule")
    predictions = before.predictions()
    right = predictions[predictions["predicted"] == predictions["actual"]].index[5]
    feedback_store.open(flagged_workspace).record(
        sprint="Sprint 1", prototype="tool-wear rule", row_id=right, reviewer="dana",
        verdict="wrong", corrected_label="1" if predictions.loc[right, "actual"] == "0" else "0",
        task="binary", prediction={"label": str(predictions.loc[right, "predicted"])},
    )  # fmt: skip
    at.run()
    assert not at.exception
    assert "of 5 cases flagged in Sprint 1" in at.main.info[0].value


def test_the_first_sprint_has_no_earlier_feedback_to_follow(flagged_workspace, open_app):
    at = open_app(flagged_workspace)
    at.sidebar.selectbox(key="sprint").set_value("Sprint 1").run()
    at.switch_page("pages/sprint_demo.py").run()
    assert not at.exception
    assert "What came of earlier feedback" not in [s.value for s in at.subheader]
    assert not at.main.info
