"""A rerun of the Feedback and SME review pages reads what earlier runs computed: it loads no
demo rows, no verdict list, no export and draws no chart again, until a verdict or a
re-publish changes what they show."""

import pytest

import feedback_store
import model
from feedback_store import FeedbackStore
from model import review
from model.workspace import Prototype, Workspace
from ui import case_cutoff, explanations, formatting, verdict_tables

SPRINT, MVP = "Sprint 2", "random forest"
#: What the Feedback page computed its first run from: every verdict, the exports, demo rows.
FEEDBACK_SOURCES = [
    (FeedbackStore, "verdicts"), (FeedbackStore, "export"), (FeedbackStore, "export_training"),
    (Prototype, "predictions"), (verdict_tables, "dispute_chart"),
]  # fmt: skip
FEEDBACK_TABS = ["Verdicts", "Agreement", "Labels for training", "Disputes"]
#: What an SME review card is computed from: demo rows, SHAP, every verdict (for the tags).
REVIEW_SOURCES = [
    (Prototype, "predictions"), (Prototype, "features"), (Workspace, "explain"),
    (FeedbackStore, "verdicts"), (explanations, "waterfall_spec"), (review, "feature_percentiles"),
]  # fmt: skip


def refusal(name: str):
    def refuse(*args, **kwargs):
        raise AssertionError(f"{name} was called on a rerun")

    return refuse


def forbid(monkeypatch, *targets: tuple[object, str]) -> None:
    """Make each ``(owner, name)`` fail loudly if the page calls it."""
    for owner, name in targets:
        monkeypatch.setattr(owner, name, refusal(f"{getattr(owner, '__name__', owner)}.{name}"))


def shown(at) -> dict:
    """What the page shows, to compare one run with the next."""
    return {
        "metrics": [(m.label, m.value) for m in at.metric],
        "tables": [d.value.to_json() for d in at.dataframe],
        "markdown": [m.value for m in at.markdown],
        "captions": [c.value for c in at.caption],
        "charts": len(at.get("vega_lite_chart")),
        "downloads": [(b.proto.label, b.proto.disabled) for b in at.get("download_button")],
    }


@pytest.fixture
def disputed(workspace_copy):
    """The small workspace with a dispute, so the Feedback page draws its dispute chart."""
    store = feedback_store.open(workspace_copy)
    row_id = store.verdicts(sprint=SPRINT, prototype=MVP)["row_id"].iloc[0]
    store.dispute(
        sprint=SPRINT, prototype=MVP, row_id=row_id, reviewer="bo", feature="Torque [Nm]",
        kind="too strong", shap_value=0.1,
    )  # fmt: skip
    return workspace_copy


def show_feedback_tab(at, label: str):
    """The Feedback page's tab ``label`` chosen, as a click on it does."""
    at.session_state["feedback_tab"] = label
    return at.run()


@pytest.mark.parametrize("label", FEEDBACK_TABS)
def test_a_feedback_rerun_reads_no_verdicts_exports_or_demo_rows(
    disputed, open_app, monkeypatch, label
):
    at = show_feedback_tab(open_app(disputed, page="feedback"), label)
    assert not at.exception
    before = shown(at)
    if label == "Disputes":
        assert before["charts"] == 1
    forbid(monkeypatch, *FEEDBACK_SOURCES)
    at.run()
    assert not at.exception, at.exception[0].message
    assert shown(at) == before


def all_sprints(at):
    """The sprint filter set to "All": the page opens on the sidebar's sprint."""
    at.selectbox(key="feedback_sprint").set_value("All")
    return at.run()


def test_coming_back_to_a_feedback_tab_computes_nothing_again(disputed, open_app, monkeypatch):
    at = open_app(disputed, page="feedback")
    before = {label: shown(show_feedback_tab(at, label)) for label in FEEDBACK_TABS}
    forbid(monkeypatch, *FEEDBACK_SOURCES)
    for label in FEEDBACK_TABS:
        assert not show_feedback_tab(at, label).exception, label
        assert shown(at) == before[label], label


def test_a_new_verdict_shows_on_the_next_feedback_rerun(workspace_copy, open_app):
    at = all_sprints(open_app(workspace_copy, page="feedback"))
    assert dict((m.label, m.value) for m in at.metric)["Verdicts"] == "4"
    row_id = model.open_workspace(workspace_copy).prototype(SPRINT, MVP).predictions().index[5]
    feedback_store.open(workspace_copy).record(
        sprint=SPRINT, prototype=MVP, row_id=row_id, reviewer="cy", verdict="wrong",
        corrected_label="1", task="binary",
    )  # fmt: skip
    at.run()
    assert not at.exception
    assert dict((m.label, m.value) for m in at.metric)["Verdicts"] == "5"
    assert "cy" in at.dataframe[0].value["Reviewer"].tolist()
    assert "cy" in at.selectbox(key="feedback_reviewer").options


def test_an_sme_review_rerun_reads_no_demo_rows_or_verdict_list(
    workspace_copy, open_app, monkeypatch
):
    at = open_app(workspace_copy, page="sme_review", reviewer="ana")
    assert not at.exception
    card = dict(at.session_state["review_card"])
    before = shown(at)
    assert before["charts"] == 1
    forbid(monkeypatch, *REVIEW_SOURCES)
    at.run()
    assert not at.exception, at.exception[0].message
    assert dict(at.session_state["review_card"]) == card
    assert shown(at) == before


def test_a_verdict_given_in_review_shows_when_the_card_is_seen_again(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    card = dict(at.session_state["review_card"])
    key = card["key"]
    at.segmented_control(key=f"review_verdict_{key}").set_value("correct")
    at.multiselect(key=f"review_tags_{key}").set_value(["fresh tag"])
    at.button(key=f"FormSubmitter:review_form_{key}-Submit verdict").click().run()
    at.button(key="review_previous").click().run()
    assert not at.exception
    assert dict(at.session_state["review_card"])["row_id"] == card["row_id"]
    assert formatting.escape_markdown("Your verdict: correct") in at.main.info[0].value
    again = dict(at.session_state["review_card"])["key"]
    assert "fresh tag" in at.multiselect(key=f"review_tags_{again}").options


def test_a_re_publish_shows_the_new_version_on_the_next_review_rerun(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    ws = model.open_workspace(workspace_copy)
    old = ws.prototype(SPRINT, MVP)
    # The model is named under the card's technical details, the version beside the row.
    shown = [c.value.replace("\\", "") for c in at.caption]
    assert f"Model: {old.meta['estimator']}" in shown
    X, y = old.features(), old.predictions()["actual"]
    ws.publish(SPRINT, MVP, model.PhysicsRules().fit(X, y), X, y, effort_days=1.0)
    new = ws.prototype(SPRINT, MVP)
    assert new.version != old.version and new.meta["estimator"] != old.meta["estimator"]
    at.run()
    assert not at.exception
    row_id = dict(at.session_state["review_card"])["row_id"]
    row = new.predictions().loc[row_id]
    # the new version's decision at its cheapest cut-off, as the card says it (8e905cc)
    assert at.subheader[0].value == formatting.escape_markdown(
        case_cutoff.case_headline(ws, new, row)
    )
    shown = [c.value.replace("\\", "") for c in at.caption]
    assert f"Model: {new.meta['estimator']}" in shown
    assert any(f"Row {row_id} · {MVP} · version {new.version}" in c for c in shown)


def test_the_feedback_tabs_label_the_verdicts_once_per_scope(workspace_copy, open_app, monkeypatch):
    """Agreement, pairs, conflicts and resolved labels share one read of the verdicts, in
    whichever tab is opened first."""
    import sys

    calls = []
    original = feedback_store.reviewer_labels

    def counted(store, sprint=None, prototype=None):
        calls.append((sprint, prototype))
        return original(store, sprint, prototype)

    for module in (
        feedback_store,
        *(sys.modules[f"feedback_store.{m}"] for m in ("agreement", "resolution")),
    ):
        monkeypatch.setattr(module, "reviewer_labels", counted)
    at = all_sprints(open_app(workspace_copy, page="feedback"))
    assert not at.exception, at.exception[0].message
    assert calls == []  # the Verdicts tab, shown first, needs no labels
    for label in ["Agreement", "Labels for training", "Agreement"]:
        assert not show_feedback_tab(at, label).exception, at.exception[0].message
    assert (None, None) in calls  # the page's own scope: every sprint and prototype
    assert len(calls) == len(set(calls)), calls
