"""The follow-up when the new sprint's prototype is a hand-written model, which cannot be
loaded back from its file: the demo rows are followed up from its stored predictions, and the
cases it would have to predict anew (own cases, rows outside its demo set) are said, in one
plain line, not to have been re-scored and why."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from conftest import open_link
from test_followup import WEAR, flag, rows_where, statuses
from test_pages_sme_review import plain
from test_publish_contract import NUMERIC, ScoreClassifier

import feedback_store
import model
from model.demo import TARGET, load_demo_data
from model.followup import followup_summary, rescore_flagged, untried_note

NEW = ("Sprint 2", "hand-written")
WHY = (
    "hand-written's model cannot be loaded back from its file: its class ScoreClassifier is "
    "not one the app may load from a file (a file from outside must not run code); publish a "
    "scikit-learn, XGBoost, LightGBM or CatBoost model, or a scikit-learn Pipeline of them (a "
    "FunctionTransformer with a NumPy function such as np.log1p, not one of your own) to "
    "enable it"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Sprint 1: a tool-wear rule (loadable). Sprint 2: the hand-written classifier, its MVP,
    whose demo set leaves out the two most worn of Sprint 1's rows."""
    demo = load_demo_data().groupby(TARGET).sample(20, random_state=2)
    X, y = demo[NUMERIC], demo[TARGET]
    ws = model.open_workspace(tmp_path_factory.mktemp("followup_unloadable") / "ws")
    ws.publish("Sprint 1", "wear 200", model.ToolWearRule(200).fit(X, y), X, y)
    held_out = X[WEAR].nlargest(2).index
    ws.publish(*NEW, ScoreClassifier().fit(X, y), X.drop(held_out), y.drop(held_out))
    ws.set_mvp(*NEW)
    return ws.path, X, y


@pytest.fixture
def case(built, tmp_path):
    """``(ws, store, X, y)`` on a private copy of the workspace, with three flagged cases: a demo
    row in the new demo set, a row held out of it, and an own case."""
    path = tmp_path / "ws"
    shutil.copytree(built[0], path)
    ws, store, X, y = model.open_workspace(path), feedback_store.open(path), *built[1:]
    flag(store, X, rows_where(X, 0, 150)[0], "ana", "wrong", "1")
    flag(store, X, X[WEAR].idxmax(), "ana", "wrong", "0", shown="1")
    values = X.loc[rows_where(X, 150, 200)[0]].to_dict()
    store.record(sprint="Sprint 1", prototype="wear 200", row_id=feedback_store.own_case_id(values),
                 reviewer="ana", verdict="wrong", corrected_label="1", features=values,
                 source="own", prediction={"label": "0"})  # fmt: skip
    return ws, store, X, y


def test_demo_rows_are_followed_up_and_the_cases_to_predict_anew_are_not_tried(case):
    ws, store, X, _ = case
    demo_row, held_out = rows_where(X, 0, 150)[0], X[WEAR].idxmax()
    frame = rescore_flagged(ws, store, *NEW).set_index("row_id")
    assert len(frame) == 3
    scored = frame.loc[demo_row]
    assert scored["scored_from"] == "demo predictions" and scored["status"] != "not scored"
    assert pd.isna(scored["untried_because"])
    untried = frame.drop(demo_row)
    assert set(untried["source"]) == {"demo", "own"} and held_out in untried.index
    assert (untried["status"] == "not scored").all()
    assert untried["scored_from"].isna().all() and untried["new_prediction"].isna().all()
    assert (untried["untried_because"] == WHY).all()


def test_the_summary_says_which_cases_were_not_re_scored_and_why_in_one_line(case):
    ws, store, _, _ = case
    frame = rescore_flagged(ws, store, *NEW)
    summary = followup_summary(frame)
    assert (summary["flagged"], summary["not_scored"]) == (3, 2)
    assert summary["sentence"].endswith("; 2 could not be scored.")
    assert untried_note(frame) == (
        f"1 own case and 1 reviewed row outside the new demo set were not re-scored, because {WHY}."
    )
    assert "\n" not in untried_note(frame)


def test_a_loadable_new_model_tries_them_and_leaves_no_note(case):
    ws, store, X, y = case
    ws.publish("Sprint 3", "wear 150", model.ToolWearRule(150).fit(X, y), X, y)
    frame = rescore_flagged(ws, store, "Sprint 3", "wear 150")
    assert "not scored" not in statuses(frame).values()
    assert frame["untried_because"].isna().all()
    assert untried_note(frame) is None


@pytest.mark.parametrize("page", ["sprint_demo", "overview"])
def test_the_pages_follow_up_the_demo_rows_and_say_the_rest_in_one_plain_line(
    case, monkeypatch, page
):
    ws = case[0]
    at = open_link(monkeypatch, ws.path, page, sprint=NEW[0])
    assert not at.exception, at.exception[0].message
    assert not at.error
    assert "What came of earlier feedback" in [s.value for s in at.subheader]
    note = untried_note(rescore_flagged(ws, feedback_store.open(ws.path), *NEW))
    assert note and note in [plain(c.value) for c in at.caption]
    (listed,) = [d.value for d in at.dataframe if "Then → now" in d.value.columns]
    assert listed["Status"].tolist().count("not scored") == 2 and len(listed) == 3


def test_the_note_refuses_a_frame_not_from_rescore_flagged():
    with pytest.raises(ValueError, match="frame must come from rescore_flagged; it lacks"):
        untried_note(pd.DataFrame({"status": ["fixed"]}))
