"""The feedback page: verdicts filtered, counted, their history, and exports."""


def test_feedback_lists_every_verdict_with_counts(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    assert not at.exception
    assert at.title[0].value == "Feedback"
    assert at.selectbox(key="feedback_sprint").value == "All"
    table = at.dataframe[0].value
    assert sorted(table["Verdict"]) == ["correct", "correct", "unsure", "wrong"]
    assert sorted(table["Sprint"]) == ["Sprint 1", "Sprint 2", "Sprint 2", "Sprint 2"]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        "Correct": "2",
        "Wrong": "1",
        "Unsure": "1",
        "Verdicts": "4",
        "Reviewers": "2",
    }
    assert "4 of 4 verdicts." in [c.value for c in at.caption]


def test_feedback_for_one_sprint_leaves_out_the_sprint_column(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    at.selectbox(key="feedback_sprint").set_value("Sprint 2").run()
    assert not at.exception
    table = at.dataframe[0].value
    assert "Sprint" not in table.columns
    assert sorted(table["Verdict"]) == ["correct", "unsure", "wrong"]
    assert "3 of 4 verdicts." in [c.value for c in at.caption]


def test_feedback_filters_by_sprint_reviewer_and_verdict(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    assert len(at.dataframe[0].value) == 4
    at.selectbox(key="feedback_reviewer").set_value("ana").run()
    assert set(at.dataframe[0].value["Reviewer"]) == {"ana"}
    at.multiselect(key="feedback_verdicts").set_value(["wrong"]).run()
    assert not at.exception
    table = at.dataframe[0].value
    assert table[["Reviewer", "Verdict", "Right label", "Tags"]].values.tolist() == [
        ["ana", "wrong", "1", "tool wear"]
    ]


def test_feedback_shows_a_verdicts_history(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    first = int(at.dataframe[0].value["ID"].iloc[0])
    at.selectbox(key="feedback_history").set_value(first).run()
    assert not at.exception
    history = at.dataframe[1].value
    assert history["Version"].tolist() == [1]
    assert history["Reviewer"].tolist() == ["ana"]


def test_feedback_offers_csv_parquet_and_jsonl_downloads(small_workspace, open_app):
    at = open_app(small_workspace, page="feedback")
    buttons = at.get("download_button")
    assert [b.proto.label for b in buttons] == [
        "Download CSV",
        "Download Parquet",
        "Download JSON Lines",
    ]
