"""The SME review page: queues of cards in plain words, verdicts given, changed and disputed."""

import copy
import json
import shutil
from pathlib import Path

import pytest
from conftest import open_link

import feedback_store
import model
from model import own_case, recommend, review, right_values
from model.costs import load_assumptions
from model.cutoff_decisions import Cutoff, least_sure_first
from ui import case_cutoff, formatting, review_card, verdict_tables

SPRINT, MVP = "Sprint 2", "random forest"


def plain(text: str) -> str:
    """Markdown source as the reader sees it (escapes removed)."""
    return text.replace("\\", "")


def card(at) -> dict:
    return dict(at.session_state["review_card"])


def own_key(at, row_id: str, reviewer: str) -> str:
    keys = at.session_state["review_keys"]
    return keys[json.dumps([SPRINT, MVP, row_id, reviewer])]["verdict"]


def fill(at, verdict, label=None, comment="", tags=(), prefix="review", key=None):
    key = key or card(at)["key"]
    at.segmented_control(key=f"{prefix}_verdict_{key}").set_value(verdict)
    if label is not None:
        at.selectbox(key=f"{prefix}_label_{key}").set_value(label)
    at.text_area(key=f"{prefix}_comment_{key}").set_value(comment)
    at.multiselect(key=f"{prefix}_tags_{key}").set_value(list(tags))
    return at


def submit(at, prefix="review", key=None, label="Submit verdict"):
    key = key or card(at)["key"]
    button = at.button(key=f"FormSubmitter:{prefix}_form_{key}-Submit verdict")
    assert button.label == label
    button.click().run()
    return at


def click(at, key):
    at.button(key=key).click().run()
    return at


QUEUE_TAB, OWN_TAB = "Review the queue", "Try your own case"


def show_tab(at, label: str):
    """Choose the tab ``label``, as a click on it does: the page reruns showing that tab."""
    assert label in (QUEUE_TAB, OWN_TAB), label
    at.session_state["review_tab"] = label
    return at.run()


def mvp_predictions(workspace):
    return model.open_workspace(workspace).prototype(SPRINT, MVP).predictions()


def mvp_cutoff(workspace) -> Cutoff:
    """The forest's cheapest cut-off, 6.2%, as the Sprint demo's counts flag from."""
    ws = model.open_workspace(workspace)
    costs = recommend.sprint_costs(ws, SPRINT, load_assumptions(workspace), {})
    return Cutoff.of(["0", "1"], "1", next(c.errors for c in costs if c.name == MVP).threshold)


def least_confident(workspace) -> list[str]:
    """The forest's rows closest to its cheapest cut-off first, as the queue takes them."""
    predictions = mvp_predictions(workspace)
    return [str(r) for r in least_sure_first(predictions, mvp_cutoff(workspace))]


#: The forest's classes as the card names them.
IN_WORDS = {"1": "Machine failure", "0": "No machine failure"}


def wrong_class(at) -> str:
    """The class a 'wrong' verdict on the card on screen may name: not the one its headline
    shows ("Flagged as machine failure" shows "1")."""
    return "0" if plain(at.subheader[0].value).startswith("Flagged") else "1"


def decided(workspace, row_id: str) -> str:
    """The class the card shows for ``row_id``: flagged ("1") or not at the cut-off."""
    chance = mvp_predictions(workspace).loc[row_id, "p:1"]
    return "1" if chance >= mvp_cutoff(workspace).threshold else "0"


def other(workspace, row_id: str) -> str:
    """The class a 'wrong' verdict on ``row_id``'s card may name: not the one it shows."""
    return "0" if decided(workspace, row_id) == "1" else "1"


@pytest.fixture
def ana_reviewed(workspace_copy) -> Path:
    """A copy where ana judged the first two cards of the least-confident queue, as the
    small workspace's seed did of the first two at the model's own 50% class."""
    store = feedback_store.open(workspace_copy)
    first, second = least_confident(workspace_copy)[:2]
    for row_id, verdict, label in ((first, "wrong", other(workspace_copy, first)),
                                   (second, "correct", None)):  # fmt: skip
        store.record(
            sprint=SPRINT, prototype=MVP, row_id=row_id, reviewer="ana", verdict=verdict,
            corrected_label=label, comment="seeded by ana", task="binary",
        )  # fmt: skip
    return workspace_copy


@pytest.fixture
def zoe(workspace_copy, open_app):
    return open_app(workspace_copy, page="sme_review", reviewer="zoe")


def test_review_asks_for_a_name_first(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review")
    assert not at.exception
    assert "Enter your name" in at.main.info[0].value
    assert not at.get("vega_lite_chart")


def test_a_card_says_the_prediction_how_sure_and_why_in_plain_words(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review", reviewer="zoe")
    assert not at.exception
    assert at.selectbox(key="review_prototype").value == MVP
    assert at.selectbox(key="review_queue").value == "least confident"
    first = least_confident(small_workspace)[0]
    assert card(at)["row_id"] == first
    proto = model.open_workspace(small_workspace).prototype(SPRINT, MVP)
    row = proto.predictions().loc[first]
    cutoff = mvp_cutoff(small_workspace)
    assert plain(at.subheader[0].value) == case_cutoff.cutoff_headline(
        row["p:1"], cutoff, proto.meta
    )
    sure = case_cutoff.cutoff_sureness_text(row["p:1"], cutoff)
    assert f"**{formatting.escape_markdown(sure)}**" in [m.value for m in at.markdown]
    explanation = model.open_workspace(small_workspace).explain(SPRINT, MVP, first)
    percentiles = review.feature_percentiles(proto.features(), first)
    reasons = review.reason_sentences(
        explanation, percentiles, "binary", "1", outcome="Failure risk", noun="machines"
    )
    assert reasons and reasons[0].startswith("Failure risk is ")
    bullets = "\n".join(f"- {formatting.escape_markdown(s)}" for s in reasons)
    assert bullets in [m.value for m in at.markdown]
    assert len(at.get("vega_lite_chart")) == 1
    readings = at.dataframe[-1].value
    assert readings["Feature"].tolist()[0] == "Type"
    torque = readings.set_index("Feature").loc["Torque [Nm]"]
    assert torque["Percentile"] == pytest.approx(percentiles["Torque [Nm]"])
    # the bar draws the position without a number: the words say it ("61" beside "higher
    # than 60%" read as two answers)
    bar = json.loads(at.dataframe[-1].proto.columns)["Percentile"]
    assert bar["type_config"]["format"] == " " and bar["label"] == "Low → high"


def test_progress_says_which_card_and_how_many_are_reviewed(ana_reviewed, open_app):
    at = open_app(ana_reviewed, page="sme_review", reviewer="ana")
    # ana judged the two least confident rows of the forest: she comes back to the first card
    # she has not reviewed (it opened on card 1 again).
    assert at.get("progress")[0].proto.text == "Card 3 of 40 · 2 reviewed"
    assert card(at)["row_id"] == least_confident(ana_reviewed)[2]
    for shown in (2, 1):
        at.button(key="review_previous").click().run()
        assert at.get("progress")[0].proto.text == f"Card {shown} of 40 · 2 reviewed"
    summary = plain(at.main.info[0].value)
    # the label named as the card names the prediction ("No machine failure")
    named = {"1": "Machine failure", "0": "No machine failure"}[
        other(ana_reviewed, card(at)["row_id"])
    ]
    assert summary.startswith(f"Your verdict: wrong, right label {named} (version 1, ")


def test_a_reload_opens_the_card_in_its_queue(ana_reviewed, monkeypatch):
    """A reload of card 4 of 40 showed "Card 1 of 1", a one-row queue of that card."""
    from streamlit.testing.v1 import AppTest

    from model.config import WORKSPACE_ENV_VAR

    monkeypatch.setenv(WORKSPACE_ENV_VAR, str(ana_reviewed))
    at = AppTest.from_file(str(Path(__file__).parents[1] / "app.py"), default_timeout=60)
    at.run()
    at.sidebar.text_input(key="reviewer").set_value("ana").run()
    at.switch_page("pages/sme_review.py").run()
    at.button(key="review_next").click().run()
    assert at.get("progress")[0].proto.text == "Card 4 of 40 · 2 reviewed"
    url = {key: at.query_params[key] for key in ("sprint", "reviewer", "row", "queue")}
    assert "cards" not in at.query_params  # the default size
    reloaded = AppTest.from_file(str(Path(__file__).parents[1] / "app.py"), default_timeout=60)
    for key, value in url.items():
        reloaded.query_params[key] = value[0] if isinstance(value, list) else value
    reloaded.run().switch_page("pages/sme_review.py").run()
    assert not reloaded.exception
    assert reloaded.selectbox(key="review_queue").value == "least confident"
    assert reloaded.get("progress")[0].proto.text == "Card 4 of 40 · 2 reviewed"
    assert card(reloaded)["row_id"] == least_confident(ana_reviewed)[3]


def test_the_not_yet_reviewed_queue_leaves_out_my_verdicts(ana_reviewed, open_app):
    at = open_app(ana_reviewed, page="sme_review", reviewer="ana")
    at.selectbox(key="review_queue").set_value("not yet reviewed by me").run()
    assert not at.exception
    assert card(at)["row_id"] == least_confident(ana_reviewed)[2]
    assert at.get("progress")[0].proto.text == "Card 1 of 40 · 0 reviewed"


def test_the_disagreement_queue_shows_rows_the_prototypes_split_on(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review", reviewer="zoe")
    at.selectbox(key="review_queue").set_value("disagreement").run()
    assert not at.exception
    ws = model.open_workspace(small_workspace)
    row_id = card(at)["row_id"]
    # Each prototype decides at its own cheapest cut-off, as its cards and counts do: the
    # forest at 6.2% and the rules at theirs split on rows both put under 50%.
    costs = recommend.sprint_costs(ws, SPRINT, load_assumptions(small_workspace), {})
    thresholds = {c.name: c.errors.threshold for c in costs}
    decisions = {
        ws.prototype(SPRINT, p).predictions().loc[row_id, "p:1"] >= thresholds[p]
        for p in ws.prototypes(SPRINT)
    }
    assert decisions == {True, False}


def test_the_stratified_sample_takes_the_predicted_classes_in_turn(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review", reviewer="zoe")
    at.selectbox(key="review_queue").set_value("stratified sample").run()
    predictions = mvp_predictions(small_workspace)
    first = card(at)["row_id"]
    click(at, "review_next")
    assert not at.exception
    second = card(at)["row_id"]
    # the classes the cards show, decided at the cut-off
    assert {decided(small_workspace, first), decided(small_workspace, second)} == {"0", "1"}
    assert "predicted" in predictions.columns


def test_a_row_by_id_is_reviewed_and_an_unknown_id_is_explained(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review", reviewer="zoe")
    at.selectbox(key="review_queue").set_value("by id").run()
    assert "Type a row id" in at.main.info[0].value
    row_id = str(mvp_predictions(small_workspace).index[7])
    at.text_input(key="review_row_id").input(row_id).run()
    assert not at.exception
    assert card(at)["row_id"] == row_id
    assert at.get("progress")[0].proto.text == "Card 1 of 1 · 0 reviewed"
    at.text_input(key="review_row_id").input("no-such-row").run()
    assert not at.exception
    assert "'no-such-row' is not among the 300 demo rows" in at.main.info[0].value


def test_the_bake_off_s_link_opens_the_queue_it_sent(workspace_copy, monkeypatch):
    rows = [str(r) for r in mvp_predictions(workspace_copy).index[[3, 1, 4]]]
    model.open_workspace(workspace_copy).send_to_review(
        SPRINT, "bake-off disagreements", rows, sent_by="dana"
    )
    at = open_link(monkeypatch, workspace_copy, "sme_review",
                   queue="sent:bake-off disagreements", reviewer="zoe")  # fmt: skip
    assert not at.exception
    assert at.selectbox(key="review_queue").value == "sent:bake-off disagreements"
    assert card(at)["row_id"] == rows[0]
    # the link chose it once: another queue chosen afterwards stays chosen
    at.selectbox(key="review_queue").set_value("least confident").run()
    at.run()
    assert at.selectbox(key="review_queue").value == "least confident"


def test_a_queue_sent_from_the_bake_off_can_be_reviewed(workspace_copy, open_app):
    rows = [str(r) for r in mvp_predictions(workspace_copy).index[[3, 1, 4]]]
    model.open_workspace(workspace_copy).send_to_review(
        SPRINT, "bake-off disagreements", rows, sent_by="dana", note="the forest and LR split"
    )
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    queue = at.selectbox(key="review_queue")
    assert "Sent from the bake-off: bake-off disagreements" in queue.options
    queue.set_value("sent:bake-off disagreements").run()
    assert not at.exception
    assert card(at)["row_id"] == rows[0]
    assert at.get("progress")[0].proto.text == "Card 1 of 3 · 0 reviewed"
    assert any("Sent by dana on " in c.value and "split" in c.value for c in at.caption)


def test_submitting_a_wrong_verdict_records_it_and_moves_on(zoe, workspace_copy):
    at = zoe
    first = card(at)
    comment = "Bearing noise [see](http://x) :red[loud]"
    right = other(workspace_copy, first["row_id"])
    submit(fill(at, "wrong", label=right, comment=comment, tags=["sensor"]))
    assert not at.exception
    assert at.success[0].value == (
        f"Saved “wrong” for row {first['row_id']}. Here is the next card."
    )
    assert card(at)["row_id"] == least_confident(workspace_copy)[1]
    assert at.get("progress")[0].proto.text == "Card 2 of 40 · 1 reviewed"

    (verdict,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["sprint"], verdict["prototype"], verdict["row_id"]) == (
        SPRINT,
        MVP,
        first["row_id"],
    )
    assert (verdict["verdict"], verdict["corrected_label"]) == ("wrong", right)
    assert (verdict["comment"], verdict["tags"], verdict["key"]) == (
        comment,
        ["sensor"],
        first["key"],
    )
    assert (verdict["task"], verdict["source"]) == ("binary", "demo")
    assert len(verdict["features"]) == 6
    # the decision the card showed, at the cut-off it showed, beside the model's own class
    shown = verdict["prediction"]
    assert shown["label"] == decided(workspace_copy, first["row_id"])
    assert shown["threshold"] == pytest.approx(mvp_cutoff(workspace_copy).threshold)
    row = mvp_predictions(workspace_copy).loc[first["row_id"]]
    assert shown["model_label"] == str(row["predicted"])
    assert shown["confidence"] == pytest.approx(row["p:1"] if shown["label"] == "1" else row["p:0"])
    assert set(verdict["prediction"]["probabilities"]) == {"0", "1"}
    assert verdict["prediction"]["model"].endswith("RandomForestClassifier)")


def test_the_last_card_s_verdict_does_not_promise_a_next_card(workspace_copy, open_app):
    """A one-card queue said "… Here is the next card." beside "That was the last card"."""
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    at.selectbox(key="review_queue").set_value("by id").run()
    row_id = str(mvp_predictions(workspace_copy).index[7])
    at.text_input(key="review_row_id").input(row_id).run()
    submit(fill(at, "correct"))
    assert not at.exception
    assert [s.value for s in at.success][0] == f"Saved “correct” for row {row_id}."
    assert at.success[1].value.startswith("That was the last card of this queue")


def test_submitting_twice_with_the_same_key_records_one_verdict(zoe, workspace_copy):
    at = zoe
    keys = copy.deepcopy(at.session_state["review_keys"])
    first = card(at)
    submit(fill(at, "wrong", label=wrong_class(at), comment="first click"))
    # The second click arrives with the session as it was before the first one was saved.
    at.session_state["review_keys"] = keys
    at.session_state["review_queue_state"]["position"] = 0
    at.run()
    assert card(at) == first
    submit(fill(at, "wrong", label=wrong_class(at), comment="second click"), label="Save changes")
    assert not at.exception
    store = feedback_store.open(workspace_copy)
    verdicts = store.verdicts(reviewer="zoe")
    assert len(verdicts) == 1
    assert store.history(int(verdicts["verdict_id"].iloc[0]))["comment"].tolist() == ["first click"]


def test_a_wrong_verdict_without_the_right_label_is_refused_in_one_line(zoe, workspace_copy):
    at = zoe
    first = card(at)
    submit(fill(at, "wrong"))
    assert not at.exception
    assert plain(at.error[0].value) == (
        "A wrong verdict needs the right label: choose it under “Right label”."
    )
    assert card(at) == first
    assert feedback_store.open(workspace_copy).verdicts(reviewer="zoe").empty


def test_submitting_without_choosing_a_verdict_asks_for_one(zoe):
    submit(zoe)
    assert not zoe.exception
    assert plain(zoe.error[0].value) == "Choose Correct, Wrong or Unsure first."


def test_a_correct_verdict_ignores_a_right_label_chosen_by_mistake(zoe, workspace_copy):
    submit(fill(zoe, "correct", label="1"))
    assert not zoe.exception
    (verdict,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["verdict"], verdict["corrected_label"]) == ("correct", None)


def test_going_back_shows_my_verdict_and_saving_changes_adds_a_version(zoe, workspace_copy):
    at = zoe
    first = card(at)
    right = wrong_class(at)
    submit(fill(at, "wrong", label=right, comment="looks worn"))
    click(at, "review_previous")
    assert card(at)["row_id"] == first["row_id"]
    summary = plain(at.main.info[0].value)
    # the label named as the card names the prediction ("Machine failure")
    assert summary.startswith(f"Your verdict: wrong, right label {IN_WORDS[right]} (version 1, ")
    key = card(at)["key"]
    assert at.text_area(key=f"review_comment_{key}").value == "looks worn"
    at.segmented_control(key=f"review_verdict_{key}").set_value("unsure")
    at.text_area(key=f"review_comment_{key}").set_value("could be the sensor")
    submit(at, label="Save changes")
    assert not at.exception
    store = feedback_store.open(workspace_copy)
    (verdict,) = store.verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["verdict"], verdict["version"], verdict["comment"]) == (
        "unsure",
        2,
        "could be the sensor",
    )
    history = store.history(verdict["verdict_id"])
    assert history["verdict"].tolist() == ["wrong", "unsure"]


def test_a_verdict_can_be_withdrawn_and_its_history_stays(zoe, workspace_copy):
    at = zoe
    submit(fill(at, "correct"))
    click(at, "review_previous")
    key = card(at)["key"]
    keys = at.session_state["review_keys"]
    withdraw = next(k["withdraw"] for k in keys.values() if k["verdict"] == key)
    click(at, f"review_withdraw_{withdraw}")
    assert not at.exception
    assert at.success[0].value.startswith("Withdrew your verdict on row ")
    assert "You withdrew your verdict" in " ".join(c.value for c in at.caption)
    store = feedback_store.open(workspace_copy)
    assert store.verdicts(reviewer="zoe").empty
    (thread,) = store.verdicts(reviewer="zoe", include_withdrawn=True).to_dict("records")
    assert store.history(thread["verdict_id"])["verdict"].tolist() == ["correct", "withdrawn"]
    assert at.get("progress")[0].proto.text == "Card 1 of 40 · 0 reviewed"


def test_a_feature_can_be_disputed_with_the_contribution_shown(zoe, workspace_copy):
    at = zoe
    row_id = card(at)["row_id"]
    keys = at.session_state["review_keys"]
    key = keys[json.dumps([SPRINT, MVP, row_id, "zoe"])]["dispute"]
    at.selectbox(key=f"review_dispute_feature_{key}").set_value("Torque [Nm]")
    at.selectbox(key=f"review_dispute_kind_{key}").set_value("wrong direction")
    at.text_input(key=f"review_dispute_comment_{key}").input("low torque is harmless")
    click(at, f"FormSubmitter:review_dispute_{key}-Record dispute")
    assert not at.exception
    assert plain(at.success[0].value) == "Recorded your dispute: Torque [Nm] wrong direction."
    (dispute,) = feedback_store.open(workspace_copy).disputes().to_dict("records")
    explanation = model.open_workspace(workspace_copy).explain(SPRINT, MVP, row_id)
    assert (dispute["row_id"], dispute["feature"], dispute["kind"]) == (
        row_id,
        "Torque [Nm]",
        "wrong direction",
    )
    assert dispute["shap_value"] == pytest.approx(explanation["contributions"]["Torque [Nm]"])
    assert dispute["comment"] == "low torque is harmless"
    assert at.get("expander")[0].label.endswith("(1 disputed on this card)")
    shown = at.dataframe[0].value
    assert shown[["Feature", "Kind"]].values.tolist() == [["Torque [Nm]", "wrong direction"]]


CASE = {"Torque [Nm]": 68.0, "Tool wear [min]": 230, "Rotational speed [rpm]": 1300}


def enter_own_case(at):
    show_tab(at, OWN_TAB)
    for feature, value in CASE.items():
        at.number_input(key=f"own_field_{MVP}_{feature}").set_value(value)
    click(at, f"FormSubmitter:own_case_form_{MVP}-Explain this case")
    return at


def test_an_own_case_is_explained_and_its_verdict_stored_as_source_own(zoe, workspace_copy):
    at = enter_own_case(zoe)
    assert not at.exception
    proto = model.open_workspace(workspace_copy).prototype(SPRINT, MVP)
    values = {f["name"]: f["default"] for f in review.input_schema(proto)} | CASE
    expected = review.explain_own_case(proto, values)
    row_id = feedback_store.own_case_id(values)
    assert expected["row_id"] == row_id
    # decided as a demo row's card is: at the forest's cheapest cut-off, not at 50%
    cutoff, chance = mvp_cutoff(workspace_copy), expected["probabilities"]["1"]
    words = case_cutoff.cutoff_headline(chance, cutoff, proto.meta)
    assert words in [plain(s.value) for s in at.subheader]
    shown_label = "1" if chance >= cutoff.threshold else "0"
    # a name a person can read, not the stored id ("own:5255f68276c5")
    captions = plain(" ".join(c.value for c in at.caption))
    assert f"Your own case · {MVP} · " in captions and row_id not in captions
    assert len(at.get("vega_lite_chart")) == 2

    key = own_key(at, row_id, "zoe")
    other = "0" if shown_label == "1" else "1"
    fill(at, "wrong", label=other, comment="seen it fail", prefix="own", key=key)
    submit(at, prefix="own", key=key)
    assert not at.exception
    assert "Saved “wrong” for your own case." in [s.value for s in at.success]
    (verdict,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["source"], verdict["row_id"], verdict["corrected_label"]) == (
        "own",
        row_id,
        other,
    )
    assert verdict["features"] == values
    assert verdict["prediction"]["label"] == shown_label
    assert verdict["prediction"]["threshold"] == pytest.approx(cutoff.threshold)
    assert verdict["prediction"]["model_label"] == expected["predicted"]
    assert verdict["prediction"]["confidence"] == pytest.approx(
        chance if shown_label == "1" else 1 - chance
    )
    assert verdict["prediction"]["model"] == proto.meta["estimator"]
    # Judged, the case is named by when: as the Feedback page names it.
    named = verdict_tables.own_case_names(feedback_store.open(workspace_copy).own_cases())
    assert named[row_id].startswith("own case, ")
    captions = plain(" ".join(c.value for c in at.caption))
    assert f"Your {named[row_id]} · {MVP} · " in captions and row_id not in captions
    # The queue did not move.
    assert at.get("progress")[0].proto.text == "Card 1 of 40 · 0 reviewed"


def test_another_prototype_can_be_reviewed(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review", reviewer="ana")
    at.selectbox(key="review_prototype").set_value("physics rules").run()
    assert not at.exception
    assert card(at)["prototype"] == "physics rules"
    assert any("physics rules" in c.value for c in at.caption)


def test_a_review_session_shows_up_on_the_feedback_page(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    rows = least_confident(workspace_copy)[:3]
    submit(fill(at, "wrong", label=wrong_class(at), comment="worn tool", tags=["tool wear"]))
    submit(fill(at, "correct", comment="fine"))
    submit(fill(at, "unsure", comment="cannot tell"))
    assert at.get("progress")[0].proto.text == "Card 4 of 40 · 3 reviewed"
    # Back to the second card: it was wrong after all.
    click(at, "review_previous")
    click(at, "review_previous")
    assert card(at)["row_id"] == rows[1]
    submit(
        fill(at, "wrong", label=wrong_class(at), comment="on second thought"), label="Save changes"
    )
    # Dispute a feature on the card now shown (the third).
    key = at.session_state["review_keys"][json.dumps([SPRINT, MVP, rows[2], "zoe"])]["dispute"]
    at.selectbox(key=f"review_dispute_feature_{key}").set_value("Tool wear [min]")
    at.selectbox(key=f"review_dispute_kind_{key}").set_value("too strong")
    click(at, f"FormSubmitter:review_dispute_{key}-Record dispute")
    enter_own_case(at)
    proto = model.open_workspace(workspace_copy).prototype(SPRINT, MVP)
    values = {f["name"]: f["default"] for f in review.input_schema(proto)} | CASE
    own = feedback_store.own_case_id(values)
    own_card = own_key(at, own, "zoe")
    submit(fill(at, "correct", prefix="own", key=own_card), prefix="own", key=own_card)
    assert not at.exception

    at.switch_page("pages/feedback.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    mine = table[table["Reviewer"] == "zoe"].set_index("Row")
    assert mine.loc[rows, "Verdict"].tolist() == ["wrong", "wrong", "unsure"]
    assert mine.loc[rows[1], "Version"] == 2
    # the own case by a name a person can read, not its stored id
    named = verdict_tables.own_case_names(feedback_store.open(workspace_copy).own_cases())[own]
    assert (mine.loc[named, "Source"], mine.loc[named, "Verdict"]) == ("own", "correct")
    assert own not in table["Row"].tolist()
    listed = next(b for b in at.selectbox if b.label == "Every version of").options
    assert any(f" · {named} · zoe · correct" in label for label in listed)
    assert not any(own in label for label in listed)
    edited = int(mine.loc[rows[1], "ID"])
    next(b for b in at.selectbox if b.label == "Every version of").set_value(edited).run()
    history = at.dataframe[1].value
    assert history[["Version", "Verdict", "Comment"]].values.tolist() == [
        [1, "correct", "fine"],
        [2, "wrong", "on second thought"],
    ]
    at.session_state["feedback_tab"] = "Disputes"
    at.run()
    counts = next(d.value for d in at.dataframe if "Disputes" in d.value.columns)
    assert counts[["Feature", "Kind", "Disputes"]].values.tolist() == [
        ["Tool wear [min]", "too strong", 1]
    ]


def test_a_viewer_sees_the_cards_but_cannot_judge_or_dispute(workspace_copy, open_signed_in):
    at = open_signed_in(workspace_copy, "guest@plant.example", "viewer", "sme_review")
    assert not at.exception
    assert plain(at.main.info[0].value).startswith("Your role (viewer) cannot record verdicts")
    assert len(at.get("vega_lite_chart")) == 1
    assert not [b for b in at.button if "Submit verdict" in b.label or "Record" in b.label]


def test_a_signed_in_sme_judges_under_their_e_mail(workspace_copy, open_signed_in):
    at = open_signed_in(workspace_copy, "ana@plant.example", "sme", "sme_review")
    submit(fill(at, "correct"))
    assert not at.exception
    (verdict,) = (
        feedback_store.open(workspace_copy)
        .verdicts(reviewer="ana@plant.example")
        .to_dict("records")
    )
    assert verdict["verdict"] == "correct"


# -- the own case's tab is computed when open --------------------------------------------------
def test_a_first_open_shows_the_queue_without_building_the_own_case_form(
    workspace_copy, open_app, monkeypatch
):
    def refuse(*args, **kwargs):
        raise AssertionError("the own case's form was built")

    for module in (review, own_case):  # where the page and explain_own_case look it up
        monkeypatch.setattr(module, "input_schema", refuse)
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    assert not at.exception, at.exception[0].message
    assert card(at)["row_id"] == least_confident(workspace_copy)[0]
    assert not [w for w in at.number_input if str(w.key).startswith("own_field_")]
    monkeypatch.undo()
    show_tab(at, OWN_TAB)
    assert not at.exception
    assert at.number_input(key=f"own_field_{MVP}_Torque [Nm]")
    assert card(at)["row_id"] == least_confident(workspace_copy)[0]  # the queue is still drawn


def test_the_own_case_fields_are_laid_out_in_rows_of_three(zoe):
    show_tab(zoe, OWN_TAB)
    (form,) = [f for f in zoe.get("form") if "own_case_form" in f.proto.form.form_id]
    rows = [block for block in form.children.values() if block.type == "flex_container"]
    fields = [w for w in zoe.get("number_input") if str(w.key).startswith("own_field_")]
    fields += [w for w in zoe.selectbox if str(w.key).startswith("own_field_")]
    # one row of three columns per three fields: a field's neighbours stay level with it
    assert len(rows) == -(-len(fields) // 3) > 1
    assert all(len(row.children) == 3 for row in rows)


def test_an_own_case_and_the_queue_s_place_are_kept_across_the_tabs(zoe, workspace_copy):
    at = click(zoe, "review_next")
    second = least_confident(workspace_copy)[1]
    assert card(at)["row_id"] == second
    enter_own_case(at)
    entered = {f: at.number_input(key=f"own_field_{MVP}_{f}").value for f in CASE}
    assert entered == CASE
    explained = [s.value for s in at.subheader]
    show_tab(at, QUEUE_TAB)
    at.run()  # a second run without the form: Streamlit forgets after one
    assert not [w for w in at.number_input if str(w.key).startswith("own_field_")]
    assert card(at)["row_id"] == second
    show_tab(at, OWN_TAB)
    assert not at.exception
    assert {f: at.number_input(key=f"own_field_{MVP}_{f}").value for f in CASE} == CASE
    assert [s.value for s in at.subheader] == explained
    assert card(at)["row_id"] == second


# -- the prototype re-published while an SME reviews (issue 13) --------------------------------
def republish_mvp(workspace, **words) -> int:
    """Publish the MVP again, as the scientist would while an SME types; its new version."""
    ws = model.open_workspace(workspace)
    proto = ws.prototype(SPRINT, MVP)
    truth = proto.predictions()["actual"]
    ws.publish(SPRINT, MVP, proto.estimator(), proto.features(), truth, train_seconds=0.5, **words)
    return ws.prototype(SPRINT, MVP).version


def test_a_submit_after_a_re_publish_is_refused_keeps_the_text_and_stores_nothing(
    zoe, workspace_copy
):
    at = zoe
    first = card(at)
    before = model.open_workspace(workspace_copy).prototype(SPRINT, MVP).version
    right = wrong_class(at)
    fill(at, "wrong", label=right, comment="bearing noise", tags=["sensor"])
    now = republish_mvp(workspace_copy)
    assert now == before + 1
    submit(at)
    assert not at.exception
    (line,) = [plain(e.value) for e in at.error]
    assert line.startswith("this prototype was re-published while you were reviewing")
    assert f"you saw version {before}, it is now version {now}" in line
    assert line.endswith("your text is kept — look at the new prediction and submit again")
    assert "\n" not in line
    store = feedback_store.open(workspace_copy)
    assert store.verdicts(reviewer="zoe").empty
    # The same card, drawn from the new version, with what was typed still in the form.
    assert card(at) == first
    key = first["key"]
    assert at.segmented_control(key=f"review_verdict_{key}").value == "wrong"
    assert at.selectbox(key=f"review_label_{key}").value == right
    assert at.text_area(key=f"review_comment_{key}").value == "bearing noise"
    assert at.multiselect(key=f"review_tags_{key}").value == ["sensor"]

    submit(at)  # looked at the new prediction: the same click now stores it
    assert not at.exception and not at.error
    (verdict,) = store.verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["row_id"], verdict["verdict"], verdict["comment"]) == (
        first["row_id"],
        "wrong",
        "bearing noise",
    )
    assert verdict["prototype_version"] == now
    shown = model.open_workspace(workspace_copy).prototype(SPRINT, MVP).content_id
    assert verdict["prototype_content"] == shown


def test_a_verdict_recorded_meanwhile_under_the_same_name_is_not_silently_replaced(
    zoe, workspace_copy
):
    """Two windows named carla: A saved "correct"; B, drawn before, saved "unsure" over it as
    version 2 without a word."""
    at = zoe
    first = card(at)
    fill(at, "unsure", comment="not sure about the tool")
    ws = model.open_workspace(workspace_copy)
    proto = ws.prototype(SPRINT, MVP)
    store = feedback_store.open(workspace_copy)
    version, content = review.shown_version(proto)
    review.record_verdict(
        store,
        ws,
        sprint=SPRINT,
        prototype=MVP,
        version=version,
        content_id=content,
        row_id=first["row_id"],
        reviewer="zoe",
        verdict="correct",
    )  # fmt: skip  (the other window)
    submit(at)
    assert not at.exception
    (line,) = [plain(e.value) for e in at.error]
    assert line.startswith("Your verdict on this case changed since this card was shown")
    assert "it is now correct (version 1, " in line and line.endswith("submit again to replace it")
    (stored,) = store.verdicts(reviewer="zoe").to_dict("records")
    assert (stored["verdict"], stored["version"]) == ("correct", 1)
    assert at.text_area(key=f"review_comment_{first['key']}").value == "not sure about the tool"
    submit(at, label="Save changes")  # seen now: the same click replaces it
    assert not at.exception and not at.error
    (stored,) = store.verdicts(reviewer="zoe").to_dict("records")
    assert (stored["verdict"], stored["version"]) == ("unsure", 2)


def test_a_re_publish_that_reorders_the_queue_keeps_the_card_being_typed(zoe, workspace_copy):
    """Re-published as another model, the queue was rebuilt in its new order: the page showed
    another row, the typed verdict was gone and the submit was lost without the line."""
    at = zoe
    click(at, "review_next")
    typed = card(at)
    fill(at, "unsure", comment="cannot tell from the readings")
    ws = model.open_workspace(workspace_copy)
    other = ws.prototype(SPRINT, "logistic regression")
    proto = ws.prototype(SPRINT, MVP)
    ws.publish(SPRINT, MVP, other.estimator(), proto.features(), proto.predictions()["actual"])
    assert least_confident(workspace_copy)[1] != typed["row_id"]  # the order did change
    submit(at)
    assert not at.exception
    assert "re-published while you were reviewing" in plain(at.error[0].value)
    assert card(at)["row_id"] == typed["row_id"]
    assert at.text_area(key=f"review_comment_{typed['key']}").value == (
        "cannot tell from the readings"
    )
    assert feedback_store.open(workspace_copy).verdicts(reviewer="zoe").empty


def test_an_edit_after_a_re_publish_is_refused_too(zoe, workspace_copy):
    at = zoe
    submit(fill(at, "wrong", label=wrong_class(at), comment="looks worn"))
    click(at, "review_previous")
    fill(at, "unsure", comment="not so sure now")
    republish_mvp(workspace_copy)
    submit(at, label="Save changes")  # the click on the form drawn before the re-publish
    assert not at.exception
    assert "re-published while you were reviewing" in plain(at.error[0].value)
    store = feedback_store.open(workspace_copy)
    (verdict_id,) = store.verdicts(reviewer="zoe")["verdict_id"].tolist()
    assert store.history(int(verdict_id))["comment"].tolist() == ["looks worn"]


def test_a_dispute_after_a_re_publish_is_refused(zoe, workspace_copy):
    at = zoe
    card_id = json.dumps([SPRINT, MVP, card(at)["row_id"], "zoe"])
    key = at.session_state["review_keys"][card_id]["dispute"]
    at.text_input(key=f"review_dispute_comment_{key}").set_value("torque is not why")
    republish_mvp(workspace_copy)
    at.button(key=f"FormSubmitter:review_dispute_{key}-Record dispute").click().run()
    assert not at.exception
    assert "re-published while you were reviewing" in plain(at.error[0].value)
    assert feedback_store.open(workspace_copy).disputes().query("reviewer == 'zoe'").empty
    assert at.text_input(key=f"review_dispute_comment_{key}").value == "torque is not why"


def test_an_earlier_version_s_verdict_is_shown_as_such_and_the_row_is_to_review_again(
    zoe, workspace_copy
):
    at = zoe
    first = card(at)
    before = model.open_workspace(workspace_copy).prototype(SPRINT, MVP).version
    right = wrong_class(at)
    submit(fill(at, "wrong", label=right, comment="looks worn"))
    at.selectbox(key="review_queue").set_value("not yet reviewed by me").run()
    assert first["row_id"] not in at.session_state["review_queue_state"]["rows"]

    republish_mvp(workspace_copy)
    at.run()
    assert not at.exception
    # Not yet reviewed on this version: the row is back in the queue, no card counts as done.
    rows = at.session_state["review_queue_state"]["rows"]
    assert first["row_id"] in rows
    at.session_state["review_queue_state"]["position"] = rows.index(first["row_id"])
    at.run()
    assert card(at)["row_id"] == first["row_id"]
    assert at.get("progress")[0].proto.text.endswith("· 0 reviewed")
    # The earlier verdict is told as such, never as this card's: no summary, an empty form.
    assert not [i for i in at.main.info if "Your verdict:" in plain(i.value)]
    # named as the card names the prediction (the re-published target is called "actual")
    named = formatting.class_in_words(
        right, model.open_workspace(workspace_copy).prototype(SPRINT, MVP).meta
    )
    assert any(
        f"on version {before}: wrong (should be {named})" in plain(c.value) for c in at.main.caption
    )
    key = card(at)["key"]
    assert at.segmented_control(key=f"review_verdict_{key}").value is None
    assert at.button(key=f"FormSubmitter:review_form_{key}-Submit verdict")


def test_the_right_label_offers_class_names_and_stores_the_code(workspace_copy, open_app):
    assert review_card.class_label("1", {"1": "Failure"}) == "Failure (1)"
    assert review_card.class_label("1", {"1": "1"}) == "1"
    republish_mvp(workspace_copy, class_names={0: "No failure", 1: "Failure"})
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    key = card(at)["key"]
    assert at.selectbox(key=f"review_label_{key}").options == ["No failure (0)", "Failure (1)"]
    right = wrong_class(at)
    submit(fill(at, "wrong", label=right))
    (verdict,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert verdict["corrected_label"] == right


NAMES = {"0": "No failure", "1": "Failure"}


def judge_named_card_wrong(workspace, open_app):
    """zoe calls the first card of the MVP, published with class names, wrong: the app, the
    card and the label she gave."""
    republish_mvp(workspace, class_names=NAMES)
    at = open_app(workspace, page="sme_review", reviewer="zoe")
    first = card(at)
    right = wrong_class(at)  # not the class the card shows
    submit(fill(at, "wrong", label=right))
    return at, first, right


def test_my_verdict_names_the_right_label_as_the_card_names_classes(workspace_copy, open_app):
    at, _, other = judge_named_card_wrong(workspace_copy, open_app)
    name = NAMES[other]
    click(at, "review_previous")
    assert not at.exception
    summary = plain(at.main.info[0].value)
    assert summary.startswith(f"Your verdict: wrong, right label {name} (version 1, ")
    assert f"right label {other}" not in summary


def test_an_earlier_version_s_verdict_names_the_right_label_too(workspace_copy, open_app):
    at, first, other = judge_named_card_wrong(workspace_copy, open_app)
    republish_mvp(workspace_copy, class_names=NAMES)
    at.selectbox(key="review_queue").set_value("by id").run()
    at.text_input(key="review_row_id").input(first["row_id"]).run()
    assert not at.exception
    captions = " ".join(plain(c.value) for c in at.main.caption)
    assert f"wrong (should be {NAMES[other]})" in captions
    assert f"(should be {other})" not in captions


def test_wrong_with_the_predicted_label_is_refused_in_one_line(zoe, workspace_copy):
    at = zoe
    first = card(at)
    predicted = decided(workspace_copy, first["row_id"])  # the class the card shows
    submit(fill(at, "wrong", label=predicted, comment="kept"))
    assert not at.exception
    (line,) = [plain(e.value) for e in at.error]
    named = formatting.class_in_words(
        predicted, model.open_workspace(workspace_copy).prototype(SPRINT, MVP).meta
    )
    assert line == (
        f"“{named}” is what the model predicted: choose Correct, or the label it should have"
        " predicted under “Right label”."
    )
    assert feedback_store.open(workspace_copy).verdicts(reviewer="zoe").empty
    assert at.text_area(key=f"review_comment_{first['key']}").value == "kept"


def test_wrong_with_the_predicted_label_names_the_class_not_its_code(workspace_copy, open_app):
    republish_mvp(workspace_copy, class_names=NAMES)
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    predicted = decided(workspace_copy, card(at)["row_id"])  # the class the card shows
    submit(fill(at, "wrong", label=predicted))
    (line,) = [plain(e.value) for e in at.error]
    assert line.startswith(f"“{NAMES[predicted]}” is what the model predicted: choose Correct")
    assert f"'{predicted}'" not in line


def test_a_re_published_prototype_s_card_shows_the_new_model_not_cached_old_data(
    zoe, workspace_copy
):
    at = zoe
    row_id = card(at)["row_id"]
    ws = model.open_workspace(workspace_copy)
    old, other = ws.prototype(SPRINT, MVP), ws.prototype(SPRINT, "logistic regression")
    row_caption = f"Row {row_id} · {MVP} · version "
    before = plain(at.main.subheader[0].value)
    assert f"{row_caption}{old.version}" in [plain(c.value) for c in at.main.caption]
    ws.publish(
        SPRINT, MVP, other.estimator(), old.features(), old.predictions()["actual"],
        train_seconds=0.5,
    )  # fmt: skip
    at.session_state["review_queue"] = "by id"
    at.session_state["review_row_id"] = row_id
    at.run()
    assert not at.exception
    assert card(at)["row_id"] == row_id
    new = ws.prototype(SPRINT, MVP)
    assert f"{row_caption}{new.version}" in [plain(c.value) for c in at.main.caption]
    # The prediction is the new model's (a logistic regression now), read from its own files.
    assert new.meta["estimator"] != old.meta["estimator"]
    cutoff = mvp_cutoff(workspace_copy)  # the new model's own cheapest cut-off
    wanted = case_cutoff.cutoff_headline(new.prediction(row_id)["p:1"], cutoff, new.meta)
    assert plain(at.main.subheader[0].value) == wanted != before


def test_a_version_number_used_again_after_a_restore_never_serves_the_other_model_s_data(
    zoe, workspace_copy, tmp_path
):
    """Restoring a workspace copy and publishing again can give a version number the running
    app has already shown for other content: caches are keyed on the publish's content id."""
    at = zoe
    row_id = card(at)["row_id"]
    saved = tmp_path / "saved"
    shutil.copytree(workspace_copy, saved, ignore=shutil.ignore_patterns(".lock"))
    ws = model.open_workspace(workspace_copy)
    old = ws.prototype(SPRINT, MVP)
    features, actual = old.features(), old.predictions()["actual"]

    def publish_and_show(other: str) -> str:
        estimator = model.open_workspace(saved).prototype(SPRINT, other).estimator()
        ws.publish(SPRINT, MVP, estimator, features, actual, train_seconds=0.5)
        at.session_state["review_queue"] = "by id"
        at.session_state["review_row_id"] = row_id
        at.run()
        assert not at.exception
        new = ws.prototype(SPRINT, MVP)
        assert new.version == old.version + 1
        prediction = new.prediction(row_id)
        cutoff = mvp_cutoff(workspace_copy)
        wanted = case_cutoff.cutoff_headline(prediction["p:1"], cutoff, new.meta)
        assert plain(at.main.subheader[0].value) == wanted
        return wanted

    first = publish_and_show("logistic regression")
    shutil.rmtree(workspace_copy)  # the restore: the saved copy, before that publish
    shutil.copytree(saved, workspace_copy)
    assert publish_and_show("physics rules") != first


def review_from_link(monkeypatch, workspace, **params):
    return open_link(monkeypatch, workspace, "sme_review", **params)


def test_the_prototype_and_card_in_the_link_open_that_card_and_changes_go_into_the_url(
    small_workspace, monkeypatch
):
    row = str(
        model.open_workspace(small_workspace)
        .prototype(SPRINT, "logistic regression")
        .predictions()
        .index[123]
    )
    at = review_from_link(
        monkeypatch, small_workspace, reviewer="zoe", prototype="logistic regression", row=row
    )
    assert not at.exception
    assert at.selectbox(key="review_prototype").value == "logistic regression"
    assert any(c.value.startswith(f"Row {row} · logistic regression") for c in at.caption)
    assert at.query_params["prototype"] == "logistic regression"
    assert at.query_params["row"] == row
    # Another prototype and another card: the URL follows, and a reload shows that card.
    at.selectbox(key="review_queue").set_value("least confident").run()
    at.selectbox(key="review_prototype").set_value(MVP).run()
    assert at.query_params["prototype"] == MVP
    first = least_confident(small_workspace)[0]
    assert at.query_params["row"] == first
    click(at, "review_next")
    second = least_confident(small_workspace)[1]
    assert at.query_params["row"] == second
    again = review_from_link(monkeypatch, small_workspace, **dict(at.query_params))
    assert again.selectbox(key="review_prototype").value == MVP
    assert any(c.value.startswith(f"Row {second} · {MVP}") for c in again.caption)


def test_a_card_row_in_the_link_that_is_not_a_demo_row_is_ignored_with_a_caption(
    small_workspace, monkeypatch
):
    at = review_from_link(monkeypatch, small_workspace, reviewer="zoe", row="no-such-row")
    assert not at.exception
    assert any("not among random forest's demo rows" in c.value for c in at.caption)
    assert at.query_params["row"] == least_confident(small_workspace)[0]  # the queue's first


# -- tags up to letter case, a regression's right value, the history's right label -------------


def test_a_tag_typed_in_other_capitals_is_recorded_as_the_tag_already_used(zoe, workspace_copy):
    """A tag typed "Roulement" beside "roulement" was stored as a second tag; once both were
    offered, typing "roulement" and Enter chose the two."""
    at = zoe
    submit(fill(at, "unsure", tags=["roulement"]))
    key = card(at)["key"]
    offered = at.multiselect(key=f"review_tags_{key}").options
    assert [tag for tag in offered if tag.casefold() == "roulement"] == ["roulement"]
    submit(fill(at, "unsure", tags=["Roulement ", "ROULEMENT", "bruit"]))
    assert not at.exception and not at.error
    stored = feedback_store.open(workspace_copy).verdicts(reviewer="zoe")
    assert sorted(map(list, stored["tags"])) == [["roulement"], ["roulement", "bruit"]]


def test_a_tag_stored_in_two_capitals_is_offered_once_and_saved_once(workspace_copy, open_app):
    store = feedback_store.open(workspace_copy)
    row_id = least_confident(workspace_copy)[-1]
    for reviewer, tag in (("ana", "roulement"), ("bo", "Roulement")):  # as the store allows
        store.record(sprint=SPRINT, prototype=MVP, row_id=row_id, reviewer=reviewer,
                     verdict="unsure", tags=[tag])  # fmt: skip
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    key = card(at)["key"]
    options = at.multiselect(key=f"review_tags_{key}").options
    (offered,) = [tag for tag in options if tag.casefold() == "roulement"]
    submit(fill(at, "unsure", tags=["roulement", "Roulement"]))
    assert not at.exception and not at.error
    (tags,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe")["tags"]
    assert list(tags) == [offered]


@pytest.fixture(scope="module")
def wear_workspace(tmp_path_factory) -> Path:
    """One regression prototype: the tool's wear in minutes (0 to about 250 in the demo set)."""
    from sklearn.linear_model import LinearRegression

    from tests.conftest import load_data

    data = load_data()
    sensors = ["Torque [Nm]", "Rotational speed [rpm]"]
    demo, train = data.iloc[:60], data.iloc[60:1060]
    path = tmp_path_factory.mktemp("wear") / "workspace"
    fitted = LinearRegression().fit(train[sensors], train["Tool wear [min]"])
    model.open_workspace(path).publish("S1", "wear", fitted, demo[sensors], demo["Tool wear [min]"])
    return path


@pytest.mark.parametrize("typed", [-20.0, 9_999_999.0])
def test_a_right_value_far_outside_the_demo_set_is_refused_in_one_line(
    typed, wear_workspace, open_app, tmp_path
):
    from tests.conftest import copy_workspace

    workspace = copy_workspace(wear_workspace, tmp_path / "workspace")
    proto = model.open_workspace(workspace).prototype("S1", "wear")
    seen = proto.predictions()[["actual", "predicted"]].stack()
    at = open_app(workspace, page="sme_review", reviewer="zoe")
    key = card(at)["key"]
    field = at.number_input(key=f"review_label_{key}")
    assert field.label == "Right value in min (required when wrong)"
    fill(at, "wrong", comment="kept")
    field.set_value(typed)
    submit(at)
    assert not at.exception
    (line,) = [plain(e.value) for e in at.error]
    assert line == (
        f"{right_values._number(typed)} min is far outside the values in the demo set"
        f" ({right_values._number(seen.min())}–{right_values._number(seen.max())} min);"
        " check the number"
    )
    assert feedback_store.open(workspace).verdicts().empty
    assert at.number_input(key=f"review_label_{key}").value == typed
    assert at.text_area(key=f"review_comment_{key}").value == "kept"
    # Above every value in the demo set, though within its far bounds: asked to confirm
    above = float(seen.max()) + 10
    at.number_input(key=f"review_label_{key}").set_value(above)
    submit(at)
    (line,) = [plain(e.value) for e in at.error]
    assert line.startswith(
        f"{right_values._number(above)} min is above every value in the demo set (highest "
        f"{right_values._number(seen.max())} min)"
    )
    assert line.endswith(
        "Nothing was saved: check the number, or tick “This value is right” and submit again."
    )
    assert feedback_store.open(workspace).verdicts().empty
    at.checkbox(key=f"review_confirm_{key}").check().run()
    assert plain(at.warning[0].value) == line  # still said, beside the tick
    submit(at)
    assert not at.error, [e.value for e in at.error]
    (stored,) = feedback_store.open(workspace).verdicts()["corrected_label"]
    assert float(stored) == pytest.approx(above)


def test_the_history_of_my_verdict_names_the_right_label_as_the_verdicts_table_does(
    workspace_copy, open_app
):
    at, _, other = judge_named_card_wrong(workspace_copy, open_app)
    click(at, "review_previous")
    assert not at.exception
    (history,) = [d.value for d in at.main.dataframe if "Right label" in d.value.columns]
    assert history["Right label"].tolist() == [f"{NAMES[other]} ({other})"]


def test_a_multiclass_card_names_its_likeliest_classes_with_their_chances(tmp_path, open_app):
    """trialM: "The model is unsure: the likeliest classes are close" named no class."""
    import pandas as pd
    from sklearn.datasets import make_classification
    from sklearn.linear_model import LogisticRegression

    X, y = make_classification(
        n_samples=240, n_features=4, n_informative=3, n_redundant=0, n_classes=3,
        random_state=0,
    )  # fmt: skip
    X = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    y = pd.Series(["billing", "access", "technical"], dtype=object).iloc[y].reset_index(drop=True)
    ws = model.open_workspace(tmp_path / "workspace")
    estimator = LogisticRegression(max_iter=500).fit(X[:160], y[:160])
    ws.publish("Sprint 1", "queues", estimator, X[160:], y[160:], mvp=True)
    at = open_app(tmp_path / "workspace", page="sme_review", reviewer="zoe")
    assert not at.exception
    row = ws.prototype("Sprint 1", "queues").predictions().loc[card(at)["row_id"]]
    chances = sorted(
        ((float(row[f"p:{c}"]), c) for c in ("access", "billing", "technical")), reverse=True
    )
    said = ", ".join(f"{c} {formatting.percent(p)}" for p, c in chances)
    assert f"Likeliest: {said}" in [plain(m.value) for m in at.markdown]
