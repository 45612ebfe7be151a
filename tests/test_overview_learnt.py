"""The Overview where a sprint's MVP learnt some of its demo rows: trial R's Sprint 3 learnt
13, two huge outliers among them, and its point halved the error on the line (787 after
1,554) while on the 987 rows it did not learn it went from 294 to 792, with no word."""

import pandas as pd
from test_learnt_headline import fair_scores
from test_pages_sprint_demo_learnt import LEARNT, learnt_workspace, texts  # noqa: F401

from ui import sprint_summary
from ui.learnt_line import LearntPoint, mark_learnt, point_note, score_cells

POINT = LearntPoint(
    "Sprint 3", "m + SME labels", "rmse", 786.7, 13, 1000, "cases", None,
    ("Sprint 2", "m"), 987, 791.5, 294.0,
)  # fmt: skip


def summary() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sprint": ["Sprint 2", "Sprint 3"],
            "prototype": ["m", "m + SME labels"],
            "mvp": [True, True],
            "target": ["units", "units"],
            "metric": ["RMSE", "RMSE"],
            "value": [1554.0, 786.7],
        }
    )


def test_the_note_says_what_it_learnt_and_both_scores_on_the_rows_it_did_not():
    assert point_note(POINT) == (
        "Sprint 3's MVP: 13 of these 1,000 demo cases were in this model's training data (the "
        "SMEs' corrected labels), so its point, 787, flatters it: it is drawn hollow, the line "
        "into it dashed. Measured fairly, 792 against 294 for Sprint 2's MVP, m, on the 987 "
        "cases it did not learn: 498 worse."
    )


def test_its_point_is_hollow_and_the_line_into_it_dashed():
    spec = sprint_summary.headline_spec(summary(), ["Sprint 2", "Sprint 3"])
    marked = mark_learnt(spec, (POINT,))
    (values,) = marked["datasets"].values()
    assert [row["learnt"] for row in values] == [False, True]
    segments, plain, hollow = marked["layer"][:3]
    assert segments["mark"]["type"] == "rule"
    assert segments["encoding"]["strokeDash"]["condition"]["test"] == "datum.learnt"
    assert plain["transform"] == [{"filter": "!datum.learnt"}]
    assert hollow["mark"]["filled"] is False and hollow["transform"] == [{"filter": "datum.learnt"}]
    assert mark_learnt(spec, ()) is spec  # no learnt MVP: the chart as before


def test_the_table_cell_says_it_learnt_rows_and_its_score_on_the_others():
    table = pd.DataFrame({"Sprint": ["Sprint 2", "Sprint 3"], "MVP score": ["1,554", "787"]})
    cells = score_cells(table, (POINT,))["MVP score"].tolist()
    assert cells == [
        "1,554",
        "787 (learnt 13 of its demo cases; on the 987 others 792, Sprint 2's MVP 294)",
    ]


def test_the_overview_marks_the_mvp_that_learnt_demo_rows(
    learnt_workspace,  # noqa: F811 (the fixture imported above)
    open_app,
):
    earlier, later, _ = fair_scores(learnt_workspace)
    at = open_app(learnt_workspace, page="overview")
    assert not at.exception
    rows = 300 - LEARNT
    note = [c for c in texts(at, "caption") if c.startswith("Sprint 2's MVP: ")]
    assert len(note) == 1, texts(at, "caption")
    assert note[0].startswith(
        f"Sprint 2's MVP: {LEARNT} of these 300 demo machines were in this model's training data"
    )
    assert note[0].endswith(
        f"{later} against {earlier} for Sprint 1's MVP, tool-wear rule, on the {rows} machines "
        "it did not learn: " + note[0].rsplit(": ", 1)[1]
    )
    cell = at.dataframe[0].value.set_index("Sprint").loc["Sprint 2", "MVP score"]
    assert cell.endswith(
        f"(learnt {LEARNT} of its demo machines; on the {rows} others {later}, "
        f"Sprint 1's MVP {earlier})"
    )
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert "datum.learnt" in spec
