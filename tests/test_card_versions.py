"""The SME card shows only what was said about what is on screen: disputes and verdicts of
other versions of a prototype are kept apart and named by version; a verdict recorded through
the API takes its prototype's task."""

from __future__ import annotations

import pandas as pd
import pytest

import feedback_store
import model
from feedback_store import InvalidVerdict
from model import recommend, review
from model.cutoff_decisions import Cutoff, least_sure_first
from model.review import record_dispute, record_verdict, shown_version
from ui import review_card

SPRINT, MVP = "Sprint 2", "random forest"
FEATURE = "Torque [Nm]"
DISPUTE_TAB_KEY = "feedback_tab"


def plain(text: str) -> str:
    return text.replace("\\", "")


def republish(workspace) -> model.workspace.Prototype:
    """Publish the MVP again, as the scientist does between two review sessions."""
    ws = model.open_workspace(workspace)
    proto = ws.prototype(SPRINT, MVP)
    truth = proto.predictions()["actual"]
    ws.publish(SPRINT, MVP, proto.estimator(), proto.features(), truth, train_seconds=0.5)
    return ws.prototype(SPRINT, MVP)


def first_row(ws, proto) -> str:
    """The card the review queue opens on: the row closest to the cut-off its counts use."""
    costs = recommend.sprint_costs(ws, SPRINT)
    threshold = next(c.errors for c in costs if c.name == proto.name).threshold
    return str(least_sure_first(proto.predictions(), Cutoff.of(["0", "1"], "1", threshold))[0])


def dispute(store, ws, proto, row_id: str, shap_value: float) -> int:
    version, content = shown_version(proto)
    return record_dispute(
        store, ws, sprint=SPRINT, prototype=MVP, version=version, content_id=content,
        row_id=row_id, reviewer="zed", feature=FEATURE, kind="too strong",
        shap_value=shap_value, comment=f"said on version {version}",
    )  # fmt: skip


def judge_wrong(store, ws, proto, row_id: str, **extra) -> int:
    version, content = shown_version(proto)
    predicted = str(proto.prediction(row_id)["predicted"])
    other = "0" if predicted == "1" else "1"
    return record_verdict(
        store, ws, sprint=SPRINT, prototype=MVP, version=version, content_id=content,
        row_id=row_id, reviewer="zed", verdict="wrong", corrected_label=other, **extra,
    )  # fmt: skip


@pytest.fixture
def two_versions(workspace_copy):
    """zed disputed Torque on the first card of version 1 (+17.3%) and of version 2 (+18.0%),
    and called version 1's prediction wrong: the workspace, the store, both prototypes, the
    row."""
    ws = model.open_workspace(workspace_copy)
    store = feedback_store.open(workspace_copy)
    first = ws.prototype(SPRINT, MVP)
    row_id = first_row(ws, first)
    dispute(store, ws, first, row_id, 0.173)
    judge_wrong(store, ws, first, row_id)
    second = republish(workspace_copy)
    dispute(store, ws, second, row_id, 0.180)
    return workspace_copy, store, first, second, row_id


def test_a_card_s_disputes_are_those_of_its_version_and_the_others_are_named(two_versions):
    """The version-5 card counted and listed the disputes of versions 1-4 as its own."""
    _, store, first, second, row_id = two_versions
    here, elsewhere = review.card_disputes(store, second, row_id)
    assert here["shap_value"].tolist() == [0.180]
    assert elsewhere["shap_value"].tolist() == [0.173]
    assert elsewhere["where"].tolist() == [f"on version {first.version}"]


def test_the_card_counts_its_own_disputes_and_lists_the_others_with_their_version(
    two_versions, open_app
):
    workspace, _, first, _, row_id = two_versions
    at = open_app(workspace, page="sme_review", reviewer="zed")
    assert dict(at.session_state["review_card"])["row_id"] == row_id
    (label,) = [e.label for e in at.get("expander") if "wrong reason" in e.label]
    assert label == "Right answer, wrong reason? (1 disputed on this card; 1 on other version)"
    tables = [d.value for d in at.dataframe if "Contribution shown" in d.value.columns]
    assert [t["Contribution shown"].tolist() for t in tables] == [["+18.0%"], ["+17.3%"]]
    assert "Version" not in tables[0].columns
    assert tables[1]["Version"].tolist() == [f"on version {first.version}"]
    assert any("not the ones on this card" in plain(c.value) for c in at.main.caption), (
        "the other versions' disputes are said to be about other contributions"
    )


def test_verdicts_of_other_versions_read_right_with_and_without_one_here():
    """Under "Your verdict: wrong … (version 5)" the card said "Your verdicts on other
    versions of this prototype, not on this one"."""
    earlier = [{"prototype_version": 2, "verdict": "wrong", "corrected_label": "1"}]
    meta = {"class_names": {"0": "No failure", "1": "Failure"}}
    said = "Your verdicts on other versions of this prototype (other predictions): on version 2"
    assert review_card.earlier_text(earlier, meta, judged_here=True) == (
        f"{said}: wrong (should be Failure)."
    )
    assert review_card.earlier_text(earlier, meta) == (
        f"{said}: wrong (should be Failure). None yet on this version."
    )


def test_the_card_with_a_verdict_here_does_not_deny_it(two_versions, open_app):
    workspace, store, _, second, row_id = two_versions
    judge_wrong(store, model.open_workspace(workspace), second, row_id)
    at = open_app(workspace, page="sme_review", reviewer="zed")
    at.selectbox(key="review_queue").set_value("by id").run()
    at.text_input(key="review_row_id").input(row_id).run()
    assert dict(at.session_state["review_card"])["row_id"] == row_id
    assert any(plain(i.value).startswith("Your verdict: wrong") for i in at.main.info)
    (said,) = [plain(c.value) for c in at.main.caption if "Your verdicts on other" in c.value]
    assert "not on this one" not in said and "None yet" not in said


def test_a_verdict_recorded_through_the_api_takes_its_prototype_s_task(two_versions):
    """Verdicts recorded as the README shows carried no task: the export and the Labels tab
    read "Machine failure (unknown kind)"."""
    workspace, store, _, second, row_id = two_versions
    vid = judge_wrong(store, model.open_workspace(workspace), second, row_id)
    assert store.history(vid).iloc[-1]["task"] == second.task == "binary"


def test_a_verdict_recorded_through_the_api_exports_with_the_row_s_published_values(
    two_versions, tmp_path
):
    """Verdicts recorded as the README shows carried no feature values: the training export
    left every one of them out ("no feature values were recorded with the verdicts")."""
    workspace, store, _, second, row_id = two_versions
    vid = judge_wrong(store, model.open_workspace(workspace), second, row_id)
    stored = store.history(vid).iloc[-1]["features"]
    assert stored == pytest.approx(second.feature_row(row_id).to_dict())
    exported = store.export_training(tmp_path / "train.csv", "csv", sprint=SPRINT)
    rows = pd.read_csv(tmp_path / "train.csv", dtype={"row_id": str}).set_index("row_id")
    # left out: only the small workspace's seeded verdict, recorded without values on another
    # row (the queue's first row was that one until it was ordered by the counts' cut-off)
    left_out = [w for w in exported.warnings if "no feature values" in w]
    assert left_out == [
        "3 verdicts on 2 rows were left out because no feature values were recorded with them"
        " (store.record with no features=); record them through model.review.record_verdict,"
        " which fills in the row's published features"
    ]
    assert row_id in rows.index
    assert rows.loc[row_id, FEATURE] == pytest.approx(stored[FEATURE])


def test_a_task_that_is_not_the_prototype_s_is_refused_in_one_line(two_versions):
    workspace, store, _, second, row_id = two_versions
    before = len(store.verdicts(include_withdrawn=True))
    with pytest.raises(InvalidVerdict) as error:
        judge_wrong(store, model.open_workspace(workspace), second, row_id, task="regression")
    assert str(error.value) == (
        f"task 'regression' is not the task of {MVP} (binary); leave task out to take the"
        " prototype's"
    )
    assert len(store.verdicts(include_withdrawn=True)) == before


def test_the_feedback_disputes_list_names_each_dispute_s_version(two_versions, open_app):
    workspace, _, first, second, _ = two_versions
    at = open_app(workspace, page="feedback")
    at.session_state[DISPUTE_TAB_KEY] = "Disputes"
    at.run()
    assert not at.exception
    detail = next(d.value for d in at.dataframe if "Contribution shown" in d.value.columns)
    shown = pd.Series(detail["Prototype version"].tolist(), index=detail["Comment"])
    assert shown.to_dict() == {
        f"said on version {v}": str(v) for v in (first.version, second.version)
    }
    assert any("over every version" in plain(c.value) for c in at.main.caption)
