"""The overview page, opened through app.py."""

import pandas as pd

import model
from model import recommend
from model.demo import FEATURES, TARGET, load_demo_data


def test_overview_shows_sprints_mvps_headline_chart_and_counts(small_workspace, open_app):
    at = open_app(small_workspace, page="overview")
    assert not at.exception
    assert at.title[0].value == "Sprint Review"
    assert len(at.get("vega_lite_chart")) == 1
    table = at.dataframe[0].value
    assert table["Sprint"].tolist() == ["Sprint 1", "Sprint 2"]
    assert table["MVP"].tolist() == ["tool-wear rule", "random forest"]
    assert table["MVP score"].str.match(r"^0\.\d{3}$").all()  # was "MVP PR AUC" (jargon)
    sprint2 = table.set_index("Sprint").loc["Sprint 2"]
    assert sprint2["Decision"] == "random forest"
    assert (sprint2["Correct"], sprint2["Wrong"], sprint2["Unsure"]) == (1, 1, 1)
    assert sprint2["Reviewers"] == 2
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Correct": "2", "Wrong": "1", "Unsure": "1", "Reviewers": "2"}


def test_overview_shows_the_latest_decision_as_plain_text(small_workspace, open_app):
    at = open_app(small_workspace, page="overview")
    assert [t.value for t in at.text if "Best PR AUC" in t.value] == [
        "Chose random forest: Best PR AUC at an acceptable latency."
    ]
    captions = [c.value for c in at.caption]
    assert "Sprint 2 · decided on 2024-05-17 · recorded by dana" in captions
    assert "Attendees: ana, bo, dana" in captions


def test_an_overturned_decision_is_said_to_be_replaced_not_dropped(workspace_copy, open_app):
    """The Overview showed only the last decision: the one it overturned was gone."""
    model.open_workspace(workspace_copy).record_decision(
        "Sprint 2", "logistic regression", "Cheaper to run.", ["ana"], recorded_by="bo"
    )
    at = open_app(workspace_copy, page="overview")
    assert not at.exception
    assert [t.value for t in at.text if t.value.startswith("Chose ")] == [
        "Chose logistic regression: Cheaper to run."
    ]
    assert (
        "It replaces 1 earlier decision of Sprint 2: all are under the Bake-off's Decision tab."
        in [c.value.replace("\\", "") for c in at.caption]
    )


def test_overview_is_the_default_page(small_workspace, open_app):
    at = open_app(small_workspace)
    assert not at.exception
    assert at.title[0].value == "Sprint Review"


def test_overview_says_what_the_latest_mvp_made_of_earlier_flags(flagged_workspace, open_app):
    at = open_app(flagged_workspace, page="overview")
    assert not at.exception
    assert "What came of earlier feedback" in [s.value for s in at.subheader]
    assert [i.value.replace("\\", "") for i in at.main.info] == [
        "Sprint 2's MVP, random forest: 3 of 4 cases the reviewers marked wrong in Sprint 1 are "
        "now right "
        "when the new model flags from 6.2%, its cheapest cut-off (whether the new model was "
        "trained on these cases was not recorded when it was "
        "published); 1 other reviewed case has no settled label (the prediction they judged "
        "was not recorded), so nothing to follow up."
    ]
    listed = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    assert listed["Status"].value_counts().to_dict() == {
        "fixed": 3, "still wrong": 1, "no agreed label": 1
    }  # fmt: skip
    assert "The 5 cases reviewed before Sprint 2" in [e.label for e in at.expander]
    # The sprints table is still the first table.
    assert at.dataframe[0].value["Sprint"].tolist() == ["Sprint 1", "Sprint 2"]


def test_the_overview_counts_one_sprint_and_one_prototype_in_the_singular(tmp_path, open_app):
    data = load_demo_data().head(300)
    X, y = data[FEATURES], data[TARGET]
    model.open_workspace(tmp_path).publish("S1", "rule", model.ToolWearRule().fit(X, y), X, y)
    at = open_app(tmp_path, page="overview")
    assert not at.exception
    assert at.caption[0].value == "1 sprint · 1 prototype · 0 verdicts from 0 reviewers"


def test_overview_without_earlier_flags_says_so_briefly(small_workspace, open_app):
    """Sprint 1's one verdict (bo's "correct", recorded without the prediction he judged)
    settles no label: it is said, not dropped, and nothing was flagged."""
    at = open_app(small_workspace, page="overview")
    assert [i.value.replace("\\", "") for i in at.main.info] == [
        "Sprint 2's MVP, random forest: No case was marked wrong by the reviewers in earlier "
        "sprints; 1 "
        "other reviewed case has no settled label (the prediction they judged was not "
        "recorded), so nothing to follow up."
    ]


def test_the_headline_chart_shows_each_sprints_mvp_and_is_redrawn_after_a_publish(
    workspace_copy, open_app, chart_data
):
    import model

    at = open_app(workspace_copy, page="overview")
    (points,) = chart_data(at.get("vega_lite_chart")[0])
    assert points["prototype"].tolist() == ["tool-wear rule", "random forest"]
    ws = model.open_workspace(workspace_copy)
    rule = ws.prototype("Sprint 1", "tool-wear rule")
    ws.publish(
        "Sprint 3", "rule again", rule.estimator(), rule.features(),
        rule.predictions()["actual"], mvp=True,  # a target named "actual": the same labels
    )  # fmt: skip
    at.run()
    assert not at.exception
    (points,) = chart_data(at.get("vega_lite_chart")[0])
    assert points["sprint"].tolist() == ["Sprint 1", "Sprint 2", "Sprint 3"]


def test_the_mvp_s_counts_are_the_bake_off_s_at_its_cheapest_threshold(small_workspace, open_app):
    at = open_app(small_workspace)
    costs = recommend.sprint_costs(model.open_workspace(small_workspace), "Sprint 2")
    outcome = next(c.errors.outcome for c in costs if c.name == "random forest")
    lines = [m.value.replace("\\", "") for m in at.markdown]
    counted = f"**Sprint 2, random forest: Caught {outcome.caught} of {outcome.positives} "
    assert any(line.startswith(counted) for line in lines), lines
    assert any("the threshold at which its errors cost least" in c.value for c in at.caption)


def test_overview_leaves_an_mvp_of_another_score_off_the_line_and_names_it(
    workspace_copy, open_app
):
    # Sprint 3 predicts tool wear in minutes: its error has no place on a line of PR AUCs
    from sklearn.linear_model import LinearRegression

    from tests.conftest import split_data

    X, _, X_demo, _ = split_data()
    features = [c for c in X.select_dtypes("number").columns if c != "Tool wear [min]"]
    ws = model.open_workspace(workspace_copy)
    ws.publish(
        "Sprint 3",
        "wear in minutes",
        LinearRegression().fit(X[features], X["Tool wear [min]"]),
        X_demo[features],
        X_demo["Tool wear [min]"],
        mvp=True,
    )
    at = open_app(workspace_copy, page="overview")
    assert not at.exception
    (spec,) = [chart.proto.spec for chart in at.get("vega_lite_chart")]
    assert '"Sprint 1' not in spec and '"Sprint 3' in spec
    (line,) = [
        c.value.replace("\\", "") for c in at.caption if c.value.startswith("Not on the line")
    ]
    assert "Sprint 1 (score at ranking real cases first: " in line
    assert "Sprint 2 (score at ranking real cases first: " in line
    table = at.dataframe[0].value.set_index("Sprint")
    assert table.loc["Sprint 3", "MVP score"].endswith(" min")  # an error in minutes
    assert table.loc["Sprint 2", "MVP score"].startswith("Score at ranking real cases first")
    # the failures flagged in Sprint 2 are no cases for a model of minutes of wear
    assert "No verdicts from earlier sprints to follow up yet." in [c.value for c in at.caption]


NAMES = {"0": "No failure", "1": "Failure"}


def test_the_follow_up_names_classes_in_words_not_codes(flagged_workspace, open_app):
    ws = model.open_workspace(flagged_workspace)
    for sprint, name in (("Sprint 1", "tool-wear rule"), ("Sprint 2", "random forest")):
        proto = ws.prototype(sprint, name)
        truth = proto.predictions()["actual"].rename(TARGET)
        ws.publish(sprint, name, proto.estimator(), proto.features(), truth,
                   mvp=ws.mvp(sprint) == name, train_seconds=0.5, class_names=NAMES)  # fmt: skip
    at = open_app(flagged_workspace, page="overview")
    assert not at.exception
    listed = next(d.value for d in at.dataframe if "Status" in d.value.columns)
    assert listed.loc[listed["Status"] == "no agreed label", "Reviewers' label"].tolist() == [
        "none agreed"
    ]
    listed = listed[listed["Status"] != "no agreed label"]
    assert set(listed["Reviewers' label"]) <= set(NAMES.values())
    then_now = {tuple(text.split(" → ")) for text in listed["Then → now"]}
    assert then_now <= {(a, b) for a in NAMES.values() for b in NAMES.values()}
    assert ("Failure", "No failure") in then_now or ("No failure", "Failure") in then_now


def test_the_line_says_when_its_mvps_were_scored_on_different_demo_rows(workspace_copy, open_app):
    """Rows SMEs flag leave the next demo set, so two points on the line were two sets of
    rows, and nothing under the chart said so."""
    from tests.conftest import split_data

    at = open_app(workspace_copy, page="overview")
    said = [c.value.replace("\\", "") for c in at.caption]
    assert not [c for c in said if "own sprint's demo" in c]  # both sprints: the same rows
    X, y, X_demo, y_demo = split_data()
    kept = X_demo.index[40:]
    ws = model.open_workspace(workspace_copy)
    ws.publish("Sprint 3", "tool-wear rule", model.ToolWearRule().fit(X, y), X_demo.loc[kept],
               y_demo.loc[kept], mvp=True)  # fmt: skip
    at = open_app(workspace_copy, page="overview")
    assert not at.exception
    said = [c.value.replace("\\", "") for c in at.caption]
    (note,) = [c for c in said if "own sprint's demo" in c]
    rows = len(X_demo)
    assert note.startswith(
        f"Each MVP is scored on its own sprint's demo machines ({rows:,}, {rows:,} and "
        f"{rows - 40:,}); the machines SMEs flagged leave the next sprint's set"
    )


def test_a_line_of_many_sprints_names_each_sprint_under_its_point():
    """Twelve sprints with their MVPs' names wrapped under each point left room for three of
    the twelve labels (Sprint 1, 5 and 10); beyond six, each sprint is named alone (by its
    number where all are "Sprint N"), and the MVP's name is in the tooltip."""
    from ui import sprint_summary

    def summary(n: int) -> pd.DataFrame:
        return pd.DataFrame({
            "sprint": [f"Sprint {i}" for i in range(1, n + 1)],
            "prototype": [f"random forest, 100 trees of depth 8, take {i}" for i in range(n)],
            "mvp": True, "task": "binary", "target": "Machine failure", "metric": "PR AUC",
            "value": [0.5 + i / 100 for i in range(n)],
        })  # fmt: skip

    for n, named in ((6, True), (12, False)):
        spec = sprint_summary.headline_spec(summary(n), [f"Sprint {i}" for i in range(1, n + 1)])
        (values,) = spec["datasets"].values()
        labels = [row["axis_label"] for row in values]
        x = spec["layer"][0]["encoding"]["x"]
        if named:
            assert all("\n" in label for label in labels), labels
        else:  # "Sprint 1" … "Sprint 12" by their numbers, under the axis's title "Sprint"
            assert labels == [str(i) for i in range(1, 13)] and x["title"] == "Sprint"
        assert x["axis"]["labelAngle"] == 0
    # names that are not "<word> <number>": each alone, slanted
    names = [f"Week {i}a" for i in range(1, 9)]
    spec = sprint_summary.headline_spec(summary(8).assign(sprint=names), names)
    (values,) = spec["datasets"].values()
    assert [row["axis_label"] for row in values] == names
    assert spec["layer"][0]["encoding"]["x"]["axis"]["labelAngle"] == -40


def test_the_note_under_the_line_gives_many_sets_sizes_in_a_few_words():
    """Twelve sprints of 300 rows each read '(300, 300, 300, … and 300)'."""
    from ui.comparison_words import own_rows_note

    sets = {f"Sprint {i}": pd.Index([str(j) for j in range(i, 300 + i)]) for i in range(12)}
    assert "(300 each)" in own_rows_note(sets, "machines")
    sets["Sprint 11"] = sets["Sprint 11"][:280]
    assert "(from 280 to 300)" in own_rows_note(sets, "machines")
