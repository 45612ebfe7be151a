"""The bake-off page: prototypes side by side, the cost scatter, recording a decision."""

import model


def test_bake_off_compares_every_prototype_with_costs(small_workspace, open_app):
    at = open_app(small_workspace, page="bake_off")
    assert not at.exception
    assert at.title[0].value == "Bake-off: Sprint 2"
    table = at.table[0].value
    assert sorted(table.columns) == ["logistic regression", "physics rules", "random forest (MVP)"]
    for row in [
        "PR AUC ↑",
        "Log loss ↓",
        "Training (s)",
        "Latency p50 (ms/1k rows)",
        "Latency p95 (ms/1k rows)",
        "Model size (MB)",
        "Peak memory (MB)",
        "Effort (days)",
    ]:
        assert (table.loc[row] != "—").all(), row
    assert table.loc["Chosen on", "random forest (MVP)"] == "2024-05-17"
    assert "MVP: random forest" in at.caption[0].value


def test_bake_off_shows_the_scatter_for_either_cost(small_workspace, open_app):
    at = open_app(small_workspace, page="bake_off")
    assert len(at.get("vega_lite_chart")) == 1
    at.segmented_control(key="bake_off_cost").set_value("size").run()
    assert not at.exception
    assert "model size" in at.get("vega_lite_chart")[0].proto.spec


def test_bake_off_lists_the_recorded_decision(small_workspace, open_app):
    at = open_app(small_workspace, page="bake_off")
    texts = [t.value for t in at.text]
    assert "Chose random forest: Best PR AUC at an acceptable latency." in texts
    captions = [c.value for c in at.caption]
    assert "decided on 2024-05-17 · recorded by dana" in captions
    assert "Attendees: ana, bo, dana" in captions


def record(at, chosen, rationale, attendees="ana, bo"):
    at.selectbox(key="decision_chosen").set_value(chosen)
    at.text_area(key="decision_rationale").set_value(rationale)
    at.text_input(key="decision_attendees").set_value(attendees)
    at.button(key="FormSubmitter:decision_form-Record decision").click().run()
    return at


def test_recording_a_decision_needs_a_reviewer_name(workspace_copy, open_app):
    at = record(open_app(workspace_copy, page="bake_off"), "physics rules", "Cheapest.")
    assert not at.exception
    assert "Enter your name in the sidebar" in at.error[0].value
    assert len(model.open_workspace(workspace_copy).decisions("Sprint 2")) == 1


def test_recording_a_decision_without_rationale_shows_why_not(workspace_copy, open_app):
    at = record(open_app(workspace_copy, page="bake_off", reviewer="dana"), "physics rules", " ")
    assert not at.exception
    assert "needs a rationale" in at.error[0].value


def test_a_recorded_decision_makes_the_mvp_and_shows_on_the_overview(workspace_copy, open_app):
    at = open_app(workspace_copy, page="bake_off", reviewer="dana")
    rationale = "No training, [a link](http://x) and **bold** stay text."
    record(at, "physics rules", rationale, attendees="ana, eli")
    assert not at.exception
    assert at.success[0].value == "Decision recorded: physics rules is the MVP."
    ws = model.open_workspace(workspace_copy)
    assert ws.mvp("Sprint 2") == "physics rules"
    decision = ws.decisions("Sprint 2")[-1]
    assert (decision["recorded_by"], decision["attendees"]) == ("dana", ["ana", "eli"])

    at.switch_page("pages/overview.py").run()
    assert not at.exception
    sprint2 = at.dataframe[0].value.set_index("Sprint").loc["Sprint 2"]
    assert (sprint2["MVP"], sprint2["Decision"]) == ("physics rules", "physics rules")
    assert f"Chose physics rules: {rationale}" in [t.value for t in at.text]
