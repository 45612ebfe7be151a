"""The Overview's figures: counts with thousands separators, a mixed-metric score column
naming its metric once."""

import json

import feedback_store
import model
from tests.conftest import split_data


def test_the_verdict_counts_beside_the_chart_have_thousands_separators(workspace_copy, open_app):
    ws = model.open_workspace(workspace_copy)
    store = feedback_store.open(ws.path)
    rows = ws.prototype("Sprint 2", "random forest").predictions().index
    for reviewer in ("cy", "di", "ed", "fa"):
        for row in rows:
            store.record(sprint="Sprint 2", prototype="random forest", row_id=row,
                         reviewer=reviewer, verdict="correct", task="binary")  # fmt: skip
    correct = store.counts()["correct"]
    assert correct > 999
    at = open_app(workspace_copy, page="overview")
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Correct"] == f"{correct:,}"  # was "1201", where the caption said "1,204"
    sprints = next(d for d in at.dataframe if "Correct" in d.value.columns)
    formats = {
        n: c.get("type_config", {}).get("format")
        for n, c in json.loads(sprints.proto.columns).items()
    }
    assert formats["Correct"] == "localized"  # the table said "1201" too


def test_a_mixed_score_column_names_the_latest_metric_once_and_others_in_their_row(
    workspace_copy, open_app
):
    from sklearn.linear_model import LinearRegression

    X, _, X_demo, _ = split_data()
    features = [c for c in X.select_dtypes("number").columns if c != "Tool wear [min]"]
    ws = model.open_workspace(workspace_copy)
    wear = LinearRegression().fit(X[features], X["Tool wear [min]"])
    ws.publish("Sprint 3", "wear in minutes", wear, X_demo[features],
               X_demo["Tool wear [min]"], mvp=True)  # fmt: skip
    at = open_app(workspace_copy, page="overview")
    assert not at.exception
    sprints = next(d for d in at.dataframe if "MVP score" in d.value.columns)
    table = sprints.value.set_index("Sprint")
    # every cell said "Typical size of an error, large misses weighing more (lower is
    # better): 61.1 min", the metric repeated in each row measured by it
    assert table.loc["Sprint 3", "MVP score"].removesuffix(" min").replace(".", "").isdigit()
    assert table.loc["Sprint 2", "MVP score"].startswith("Score at ranking real cases first")
    labels = [c.get("label") for c in json.loads(sprints.proto.columns).values()]
    assert "MVP score: typical size of an error, large misses weighing more" in labels
