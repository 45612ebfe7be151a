"""Closing the loop: earlier sprints' flagged cases re-scored by a later prototype."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

import feedback_store
import model
from model.config import DEMO_DATA_FILE
from model.cutoff_decisions import Cutoff
from model.followup import followup_summary, rescore_flagged

FEATURES = ["Type", "Air temperature [K]", "Process temperature [K]", "Rotational speed [rpm]",
            "Torque [Nm]", "Tool wear [min]"]  # fmt: skip
WEAR = "Tool wear [min]"
NEW = ("Sprint 2", "wear 150")


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Sprint 1: a tool-wear rule at 200 minutes. Sprint 2: the rule at 150 minutes, whose
    demo set leaves out the two most worn of Sprint 1's rows. Sprint 3: empty but for a rule."""
    data = pd.read_csv(DEMO_DATA_FILE)
    data.index = data.pop("UDI").astype(str)
    failures = data[data["Machine failure"] == 1].sample(5, random_state=1)
    demo = pd.concat([data[data["Machine failure"] == 0].sample(35, random_state=1), failures])
    X, y = demo[FEATURES], demo["Machine failure"]
    ws = model.open_workspace(tmp_path_factory.mktemp("followup") / "ws")
    ws.publish("Sprint 1", "wear 200", model.ToolWearRule(200).fit(X, y), X, y)
    held_out = X[WEAR].nlargest(2).index
    ws.publish(*NEW, model.ToolWearRule(150).fit(X, y), X.drop(held_out), y.drop(held_out))
    ws.publish("Sprint 3", "wear 100", model.ToolWearRule(100).fit(X, y), X, y)
    return ws.path, X


@pytest.fixture
def case(built, tmp_path):
    """``(ws, store, X)``: a private copy of the workspace, its store and the demo rows."""
    path = tmp_path / "ws"
    shutil.copytree(built[0], path)
    return model.open_workspace(path), feedback_store.open(path), built[1]


def rows_where(X, low, high, n=1, skip=0):
    """Row ids whose tool wear lies in [low, high), as many as asked."""
    rows = X[(X[WEAR] >= low) & (X[WEAR] < high)].index
    return list(rows[skip : skip + n])


def flag(store, X, row_id, reviewer, verdict, label=None, shown="0", sprint="Sprint 1",
         features=True):  # fmt: skip
    return store.record(
        sprint=sprint, prototype="wear 200", row_id=row_id, reviewer=reviewer, verdict=verdict,
        corrected_label=label, prediction={"label": shown, "confidence": 0.7},
        features=X.loc[row_id].to_dict() if features else None, task="binary",
    )  # fmt: skip


def statuses(frame):
    return dict(zip(frame["row_id"], frame["status"], strict=True))


def test_flagged_rows_are_fixed_or_still_wrong_by_the_new_prediction(case):
    ws, store, X = case
    fixed = rows_where(X, 150, 200)[0]  # the new rule fires, the old did not
    still = rows_where(X, 0, 150)[0]
    flag(store, X, fixed, "ana", "wrong", "1")
    flag(store, X, still, "ana", "wrong", "1")
    frame = rescore_flagged(ws, store, *NEW)
    assert statuses(frame) == {fixed: "fixed", still: "still wrong"}
    row = frame.set_index("row_id").loc[fixed]
    assert (row["sprint"], row["prototype"], row["corrected_label"]) == (
        "Sprint 1", "wear 200", "1",
    )  # fmt: skip
    assert (row["old_prediction"], row["new_prediction"]) == ("0", "1")
    assert row["scored_from"] == "demo predictions" and row["flagged"]


def test_a_row_confirmed_correct_and_now_predicted_otherwise_is_newly_broken(case):
    ws, store, X = case
    broken, right = rows_where(X, 150, 200, n=2)
    flag(store, X, broken, "bo", "correct", shown="0")
    flag(store, X, right, "bo", "correct", shown="1")
    assert statuses(rescore_flagged(ws, store, *NEW)) == {broken: "newly broken",
                                                          right: "still right"}  # fmt: skip


def test_rows_outside_the_new_demo_set_are_scored_from_their_recorded_features(case):
    ws, store, X = case
    worn = X[WEAR].idxmax()  # held out of Sprint 2's demo set
    flag(store, X, worn, "ana", "wrong", "0", shown="1")
    row = rescore_flagged(ws, store, *NEW).set_index("row_id").loc[worn]
    assert (row["scored_from"], row["new_prediction"], row["status"]) == (
        "recorded features", "1", "still wrong",
    )  # fmt: skip


def test_a_row_without_recorded_features_outside_the_demo_set_is_not_scored(case):
    ws, store, X = case
    worn = X[WEAR].idxmax()
    flag(store, X, worn, "ana", "wrong", "0", shown="1", features=False)
    frame = rescore_flagged(ws, store, *NEW)
    assert statuses(frame) == {worn: "not scored"}
    assert followup_summary(frame)["sentence"] == (
        "0 of 1 case the reviewers marked wrong in Sprint 1 is now right; 1 could not be scored."
    )


def test_own_cases_are_rescored_from_their_features(case):
    ws, store, X = case
    values = X.loc[rows_where(X, 150, 200)[0]].to_dict()
    values[WEAR] = 170
    own = feedback_store.own_case_id(values)
    store.record(sprint="Sprint 1", prototype="wear 200", row_id=own, reviewer="ana",
                 verdict="wrong", corrected_label="1", features=values, source="own",
                 prediction={"label": "0"})  # fmt: skip
    row = rescore_flagged(ws, store, *NEW).set_index("row_id").loc[own]
    assert (row["source"], row["scored_from"], row["status"]) == (
        "own", "recorded features", "fixed",
    )  # fmt: skip


def test_only_earlier_sprints_count_and_a_tie_is_listed_with_no_agreed_label(case):
    """A tie used to vanish: the follow-up said "49 cases reviewed" where 51 were, and
    "39 in training data" where 41 were."""
    ws, store, X = case
    tie, later = rows_where(X, 150, 200, n=2)
    flag(store, X, tie, "ana", "wrong", "1")
    flag(store, X, tie, "bo", "correct")
    flag(store, X, later, "ana", "wrong", "1", sprint="Sprint 2")
    ws.prototype(*NEW).meta  # noqa: B018 - the prototype re-scoring them exists
    frame = rescore_flagged(ws, store, *NEW)
    assert frame[["row_id", "status", "flagged"]].values.tolist() == [
        [tie, "no agreed label", False]
    ]
    assert frame["unresolved_because"].tolist() == ["tie between 0 and 1"]
    assert frame["corrected_label"].isna().all()
    summary = followup_summary(frame)
    assert summary["no_agreed_label"] == 1 and summary["flagged"] == 0
    assert summary["sentence"] == (
        "No case was marked wrong by the reviewers in earlier sprints; 1 other reviewed case has "
        "no settled"
        " label (the reviewers disagree), so nothing to follow up."
    )


def test_the_reviewers_majority_label_is_the_one_rescored(case):
    ws, store, X = case
    row_id = rows_where(X, 150, 200)[0]
    flag(store, X, row_id, "ana", "wrong", "1")
    flag(store, X, row_id, "bo", "wrong", "1")
    flag(store, X, row_id, "chen", "correct")
    row = rescore_flagged(ws, store, *NEW).set_index("row_id").loc[row_id]
    assert (row["corrected_label"], row["status"], row["reviewers"]) == (
        "1", "fixed", ["ana", "bo", "chen"],
    )  # fmt: skip


def test_rows_the_new_model_was_trained_on_are_marked(case):
    ws, store, X = case
    trained, other = rows_where(X, 150, 200, n=2)
    for row_id in (trained, other):
        flag(store, X, row_id, "ana", "wrong", "1")
    (ws.path / "demo.json").write_text(json.dumps({"feedback_rows_trained_on": [trained]}))
    frame = rescore_flagged(ws, store, *NEW)
    assert dict(zip(frame["row_id"], frame["trained_on"], strict=True)) == {
        trained: True, other: False,
    }  # fmt: skip
    assert followup_summary(frame)["sentence"] == (
        "2 of 2 cases the reviewers marked wrong in Sprint 1 are now right (1 of the 2 was in the "
        "new model's"
        " training data)."
    )


def test_publishing_records_the_rows_a_model_was_trained_on_or_the_follow_up_says_unknown(
    case, tmp_path
):
    """Nothing but the bundled demo could say which flagged rows a retrained model learnt: a
    retrained model's 'now right' read as evidence when the rows were in its training data."""
    from cli_support import run_cli

    ws, store, X = case
    trained, other = rows_where(X, 150, 200, n=2)
    for row_id in (trained, other):
        flag(store, X, row_id, "ana", "wrong", "1")
    rows = X.drop(X[WEAR].nlargest(2).index)
    retrained = model.ToolWearRule(150).fit(X, X[WEAR] > 150)
    ws.publish("Sprint 2", "again", retrained, rows, None)
    assert followup_summary(rescore_flagged(ws, store, "Sprint 2", "again"))["sentence"] == (
        "2 of 2 cases the reviewers marked wrong in Sprint 1 are now right (whether the new model "
        "was trained on "
        "these cases was not recorded when it was published)."
    )
    export = store.export_training(tmp_path / "train.csv", format="csv")
    assert set(pd.read_csv(export.path, dtype={"row_id": str})["row_id"]) == {trained, other}
    ws.publish("Sprint 2", "again", retrained, rows, None, trained_on=[trained])
    assert followup_summary(rescore_flagged(ws, store, "Sprint 2", "again"))["sentence"] == (
        "2 of 2 cases the reviewers marked wrong in Sprint 1 are now right (1 of the 2 was in the "
        "new model's"
        " training data)."
    )
    with pytest.raises(model.PublishError, match="trained_on must be a list of row ids"):
        ws.publish("Sprint 2", "again", retrained, rows, None, trained_on="r1")
    # what export_training returns: its file's rows (its two paths were stored as two "ids")
    ws.publish("Sprint 2", "again", retrained, rows, None, trained_on=export)
    assert followup_summary(rescore_flagged(ws, store, "Sprint 2", "again"))["sentence"] == (
        "2 of 2 cases the reviewers marked wrong in Sprint 1 are now right (2 of the 2 were in "
        "the new model's"
        " training data)."
    )
    with pytest.raises(model.PublishError, match="trained_on holds file paths, not row ids"):
        ws.publish("Sprint 2", "again", retrained, rows, None, trained_on=list(export))
    # the export's file, as the CLI's --trained-on takes it (a path was "got str")
    for given in (export.path, str(export.path)):
        ws.publish("Sprint 2", "again", retrained, rows, None, trained_on=given)
        frame = rescore_flagged(ws, store, "Sprint 2", "again")
        assert frame["trained_on"].all() and frame["trained_on_recorded"].all()
    # the CLI takes the training export itself
    path = tmp_path / "rule.skops"
    import skops.io as sio

    sio.dump(model.ToolWearRule(150).fit(X, X[WEAR] > 150), path)
    rows.assign(failure=(rows[WEAR] > 150).astype(int)).rename_axis("id").to_csv(
        tmp_path / "rows.csv"
    )
    published = run_cli(
        "model", "publish", "--workspace", str(ws.path), "--sprint", "Sprint 2", "--name",
        "cli", "--model", str(path), "--data", str(tmp_path / "rows.csv"), "--target",
        "failure", "--id-column", "id", "--trained-on", str(export.path),
    )  # fmt: skip
    assert published.returncode == 0, published.stderr
    frame = rescore_flagged(ws, store, "Sprint 2", "cli")
    assert frame["trained_on"].all() and frame["trained_on_recorded"].all()
    missing = run_cli(
        "model", "publish", "--workspace", str(ws.path), "--sprint", "Sprint 2", "--name",
        "cli", "--model", str(path), "--data", str(tmp_path / "rows.csv"), "--target",
        "failure", "--id-column", "id", "--trained-on", str(tmp_path / "rows.csv"),
    )  # fmt: skip
    assert missing.returncode == 2
    assert missing.stderr == (
        "error: --trained-on: rows.csv has no row_id column; give the file export-training wrote\n"
    )


def test_the_first_sprint_has_nothing_earlier_to_rescore(case):
    ws, store, X = case
    frame = rescore_flagged(ws, store, "Sprint 1", "wear 200")
    assert frame.empty and "status" in frame.columns


def test_cases_from_several_earlier_sprints_are_all_rescored(case):
    ws, store, X = case
    first = rows_where(X, 100, 150)[0]
    flag(store, X, first, "ana", "wrong", "1")
    second = rows_where(X, 100, 150, skip=1)[0]
    store.record(sprint="Sprint 2", prototype="wear 150", row_id=second, reviewer="ana",
                 verdict="wrong", corrected_label="1", prediction={"label": "0"})  # fmt: skip
    frame = rescore_flagged(ws, store, "Sprint 3", "wear 100")
    assert frame[["sprint", "status"]].values.tolist() == [["Sprint 1", "fixed"],
                                                           ["Sprint 2", "fixed"]]  # fmt: skip
    assert followup_summary(frame)["sentence"].startswith(
        "2 of 2 cases the reviewers marked wrong in Sprint 1 and Sprint 2 are now right"
    )


@pytest.mark.parametrize(
    ("sprint", "prototype", "message"),
    [("Sprint 9", "wear 150", "there is no sprint 'Sprint 9'"),
     ("Sprint 2", "nope", "has no prototype 'nope'")],
)  # fmt: skip
def test_an_unknown_sprint_or_prototype_is_refused(case, sprint, prototype, message):
    ws, store, _ = case
    with pytest.raises(ValueError, match=message):
        rescore_flagged(ws, store, sprint, prototype)


# -- summary ------------------------------------------------------------------------------------
def frame_of(*rows):
    return pd.DataFrame(rows, columns=["sprint", "status", "flagged", "trained_on"])


def test_the_summary_counts_each_status_and_says_it_in_one_sentence():
    frame = frame_of(*[("Sprint 2", "fixed", True, False)] * 7,
                     *[("Sprint 2", "still wrong", True, False)] * 2,
                     ("Sprint 2", "newly broken", False, False),
                     ("Sprint 2", "still right", False, False))  # fmt: skip
    summary = followup_summary(frame)
    assert {k: v for k, v in summary.items() if k != "sentence"} == {
        "fixed": 7, "still_wrong": 2, "newly_broken": 1, "still_right": 1, "not_scored": 0,
        "flagged": 9, "fixed_trained_on": 0, "no_agreed_label": 0,
    }  # fmt: skip
    assert summary["sentence"] == (
        "7 of 9 cases the reviewers marked wrong in Sprint 2 are now right; 1 case confirmed "
        "right before is now"
        " wrong."
    )


def test_the_summary_of_nothing_flagged_says_so():
    summary = followup_summary(frame_of())
    assert summary["flagged"] == 0
    assert summary["sentence"] == "No case was marked wrong by the reviewers in earlier sprints."


def test_the_summary_refuses_a_frame_not_from_rescore_flagged():
    with pytest.raises(ValueError, match="frame must come from rescore_flagged; it lacks"):
        followup_summary(pd.DataFrame({"status": ["fixed"]}))


def test_cases_reviewed_on_a_model_of_another_target_are_left_out(case, monkeypatch):
    # a failure flagged on the classifier was "now right" for a model of tool wear in minutes
    from sklearn.linear_model import LinearRegression

    ws, store, X = case
    # a sprint of both kinds, as publishing allowed before it refused them (model.sprint_fit)
    monkeypatch.setattr("model.workspace.check_fits_sprint", lambda *args: None)
    flagged = rows_where(X, 150, 200)[0]
    flag(store, X, flagged, "ana", "wrong", label="1")
    numbers = [c for c in FEATURES if c not in ("Type", WEAR)]
    wear = LinearRegression().fit(X[numbers], X[WEAR])
    ws.publish("Sprint 3", "wear in minutes", wear, X[numbers], X[WEAR])
    assert rescore_flagged(ws, store, "Sprint 3", "wear in minutes").empty
    assert statuses(rescore_flagged(ws, store, "Sprint 3", "wear 100")) == {flagged: "fixed"}
    # the same task, another target: left out too
    actual = ws.prototype("Sprint 3", "wear 100").predictions()["actual"].astype(int)
    overheat = (1 - actual).rename("Overheating")  # other labels (the same, renamed, is one)
    ws.publish("Sprint 3", "heat rule", model.ToolWearRule(100).fit(X, actual), X, overheat)
    assert rescore_flagged(ws, store, "Sprint 3", "heat rule").empty


def test_a_binary_model_is_right_by_its_decision_at_its_cheapest_cut_off(case):
    """trialN: the nurses' readmission was scored against the new model's 50% class while its
    pages flag from its cheapest cut-off; at that cut-off (12.9% flagged from 6.5%) it is fixed."""
    ws, store, X = case
    low = rows_where(X, 0, 150)[0]  # the rule does not fire: 12.9% chance of a failure
    values = X.loc[rows_where(X, 0, 150, skip=1)[0]].to_dict()
    own = feedback_store.own_case_id(values)
    flag(store, X, low, "ana", "wrong", label="1")
    store.record(sprint="Sprint 1", prototype="wear 200", row_id=own, reviewer="ana",
                 verdict="wrong", corrected_label="1", features=values, source="own",
                 prediction={"label": "0"})  # fmt: skip
    assert statuses(rescore_flagged(ws, store, *NEW)) == {low: "still wrong", own: "still wrong"}
    cutoff = Cutoff.of(["0", "1"], "1", 0.0645)
    frame = rescore_flagged(ws, store, *NEW, cutoff=cutoff)
    assert statuses(frame) == {low: "fixed", own: "fixed"}
    assert frame["new_prediction"].tolist() == ["1", "1"]
    assert frame["new_confidence"].round(3).tolist() == [0.129, 0.129]
    assert followup_summary(frame)["sentence"] == (
        "2 of 2 cases the reviewers marked wrong in Sprint 1 are now right when the new model "
        "flags from 6.5%,"
        " its cheapest cut-off (whether the new model was trained on these cases was not"
        " recorded when it was published)."
    )


def test_the_pages_follow_up_decides_at_the_new_models_cheapest_cut_off(case):
    """The Overview, the Sprint demo and Present step 3 read ``ui.cached.followup``: it passes
    the cut-off the new model's counts flag from (6.5% for the tool-wear rule at 150)."""
    from ui import cached

    ws, store, X = case
    low = rows_where(X, 0, 150)[0]
    flag(store, X, low, "ana", "wrong", label="1")
    proto = ws.prototype(*NEW)
    frame, summary = cached.followup(
        str(ws.path), *NEW, proto.content_id, cached.verdicts_stamp(store)
    )
    assert statuses(frame) == {low: "fixed"}
    assert "right when the new model flags from 6.5%, its cheapest cut-off" in summary["sentence"]
