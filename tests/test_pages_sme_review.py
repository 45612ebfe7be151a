"""The SME review page: one card at a time, least confident first, verdicts saved once."""

import feedback_store
import model


def card(at) -> dict:
    return dict(at.session_state["review_card"])


def fill(at, verdict, label=None, comment="", tags=()):
    key = card(at)["key"]
    at.segmented_control(key=f"review_verdict_{key}").set_value(verdict)
    if label is not None:
        at.selectbox(key=f"review_label_{key}").set_value(label)
    at.text_area(key=f"review_comment_{key}").set_value(comment)
    at.multiselect(key=f"review_tags_{key}").set_value(list(tags))
    return at


def submit(at):
    at.button(key=f"FormSubmitter:review_form_{card(at)['key']}-Submit verdict").click().run()
    return at


def test_review_asks_for_a_name_first(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review")
    assert not at.exception
    assert "Enter your name" in at.info[0].value
    assert not at.get("vega_lite_chart")


def test_review_shows_the_least_confident_unreviewed_prediction_of_the_mvp(
    small_workspace, open_app
):
    at = open_app(small_workspace, page="sme_review", reviewer="ana")
    assert not at.exception
    assert at.selectbox(key="review_prototype").value == "random forest"
    predictions = (
        model.open_workspace(small_workspace).prototype("Sprint 2", "random forest").predictions()
    )
    ana_reviewed = set(predictions.sort_values("confidence").index[:2])
    expected = predictions.drop(index=list(ana_reviewed)).sort_values("confidence").index[0]
    shown = card(at)
    assert shown["row_id"] == expected
    row = predictions.loc[expected]
    assert at.subheader[0].value == (
        f"Class {row['predicted']} predicted with {round(row['confidence'] * 100)}% probability"
    )
    assert len(at.get("vega_lite_chart")) == 1
    assert at.dataframe[0].value["Feature"].tolist()[0] == "Type"


def test_review_progress_counts_this_reviewers_verdicts(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review", reviewer="ana")
    assert at.get("progress")[0].proto.text == "You have reviewed 2 of 300 predictions"


def test_submitting_a_wrong_verdict_records_it_and_moves_on(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    first = card(at)
    comment = "Bearing noise [see](http://x) :red[loud]"
    submit(fill(at, "wrong", label="1", comment=comment, tags=["sensor"]))
    assert not at.exception
    assert (
        at.success[0].value
        == f"Saved “wrong” for row {first['row_id']}. Here is the next prediction."
    )
    assert card(at)["row_id"] != first["row_id"]
    assert card(at)["key"] != first["key"]

    (verdict,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["sprint"], verdict["prototype"], verdict["row_id"]) == (
        "Sprint 2",
        "random forest",
        first["row_id"],
    )
    assert (verdict["verdict"], verdict["corrected_label"]) == ("wrong", "1")
    assert (verdict["comment"], verdict["tags"], verdict["key"]) == (
        comment,
        ["sensor"],
        first["key"],
    )
    assert verdict["task"] == "binary"
    assert set(verdict["features"]) == {
        "Type",
        "Air temperature [K]",
        "Process temperature [K]",
        "Rotational speed [rpm]",
        "Torque [Nm]",
        "Tool wear [min]",
    }
    assert verdict["prediction"]["label"] in {"0", "1"}
    assert set(verdict["prediction"]["probabilities"]) == {"0", "1"}

    at.switch_page("pages/feedback.py").run()
    assert not at.exception
    table = at.dataframe[0].value
    mine = table[table["Reviewer"] == "zoe"]
    assert mine[["Row", "Verdict", "Right label", "Comment", "Tags"]].values.tolist() == [
        [first["row_id"], "wrong", "1", comment, "sensor"]
    ]


def test_submitting_twice_with_the_same_card_key_records_one_verdict(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    first = card(at)
    submit(fill(at, "wrong", label="1", comment="first click"))
    # A second click on the same card arrives with the same card in session state.
    at.session_state["review_card"] = first
    at.run()
    assert card(at) == first
    submit(fill(at, "wrong", label="1", comment="first click"))
    assert not at.exception
    store = feedback_store.open(workspace_copy)
    verdicts = store.verdicts(reviewer="zoe")
    assert len(verdicts) == 1
    assert len(store.history(int(verdicts["verdict_id"].iloc[0]))) == 1


def test_a_wrong_verdict_without_the_right_label_is_refused_in_one_line(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    first = card(at)
    submit(fill(at, "wrong"))
    assert not at.exception
    assert at.error[0].value == (
        "A wrong verdict needs the right label: choose it under “Right label”."
    )
    assert card(at) == first
    assert feedback_store.open(workspace_copy).verdicts(reviewer="zoe").empty


def test_submitting_without_choosing_a_verdict_asks_for_one(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    submit(at)
    assert not at.exception
    assert at.error[0].value == "Choose Correct, Wrong or Unsure first."


def test_a_correct_verdict_ignores_a_right_label_chosen_by_mistake(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    submit(fill(at, "correct", label="1"))
    assert not at.exception
    (verdict,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["verdict"], verdict["corrected_label"]) == ("correct", None)


def test_another_prototype_can_be_reviewed(small_workspace, open_app):
    at = open_app(small_workspace, page="sme_review", reviewer="ana")
    at.selectbox(key="review_prototype").set_value("physics rules").run()
    assert not at.exception
    assert card(at)["prototype"] == "physics rules"
    assert "physics rules" in at.caption[0].value
