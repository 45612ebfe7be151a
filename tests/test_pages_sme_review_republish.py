"""SME review: the card being typed stays on screen when the prototype is re-published and
the new version's queue no longer holds it (trial I, defect 1)."""

from test_pages_sme_review import MVP, SPRINT, card, fill, least_confident, plain, submit

import feedback_store
import model

CARDS = 3


def republish_as(workspace, other: str) -> int:
    """Publish the MVP again with ``other``'s model (other chances, another queue order), as
    the data scientist did from the command line while an SME typed; its new version."""
    ws = model.open_workspace(workspace)
    proto = ws.prototype(SPRINT, MVP)
    estimator = ws.prototype(SPRINT, other).estimator()
    ws.publish(SPRINT, MVP, estimator, proto.features(), proto.predictions()["actual"])
    return ws.prototype(SPRINT, MVP).version


def typed_then_republished(at, workspace) -> tuple[dict, int, int]:
    """A short queue, a verdict typed on its first card, then the prototype re-published so
    that the card's row is no longer among the queue's cards."""
    at.number_input(key="review_size").set_value(CARDS).run()
    typed = card(at)
    before = model.open_workspace(workspace).prototype(SPRINT, MVP).version
    fill(at, "unsure", comment="the torque reading looks off", tags=["sensor"])
    now = republish_as(workspace, "logistic regression")
    assert typed["row_id"] not in least_confident(workspace)[:CARDS]  # the queue did change
    return typed, before, now


def test_a_card_gone_from_the_re_published_queue_keeps_its_verdict_and_says_why(
    workspace_copy, open_app
):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    typed, before, now = typed_then_republished(at, workspace_copy)
    submit(at)
    assert not at.exception
    (line,) = [plain(e.value) for e in at.error]
    assert line.startswith("this prototype was re-published while you were reviewing")
    assert f"you saw version {before}, it is now version {now}" in line
    assert feedback_store.open(workspace_copy).verdicts(reviewer="zoe").empty
    # The same row on screen (and in the URL), its form as typed, the reason beside it.
    assert card(at)["row_id"] == typed["row_id"]
    assert at.query_params["row"] == typed["row_id"]
    key = typed["key"]
    assert at.segmented_control(key=f"review_verdict_{key}").value == "unsure"
    assert at.text_area(key=f"review_comment_{key}").value == "the torque reading looks off"
    assert at.multiselect(key=f"review_tags_{key}").value == ["sensor"]
    (held,) = [plain(i.value) for i in at.main.info if "re-published" in i.value]
    assert f"row {typed['row_id']} is no longer in this queue" in held
    captions = [plain(c.value) for c in at.main.caption]
    assert f"Row {typed['row_id']} · {MVP} · version {now}" in captions


def test_the_held_card_s_verdict_is_stored_on_the_new_version_and_the_queue_goes_on(
    workspace_copy, open_app
):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    typed, _, now = typed_then_republished(at, workspace_copy)
    submit(at)  # refused: the reviewer now looks at the new prediction
    submit(at)  # and submits again, on the new version
    assert not at.exception and not at.error
    (verdict,) = feedback_store.open(workspace_copy).verdicts(reviewer="zoe").to_dict("records")
    assert (verdict["row_id"], verdict["verdict"], verdict["prototype_version"]) == (
        typed["row_id"],
        "unsure",
        now,
    )
    # On with the queue in the new version's order, at its first card.
    assert card(at)["row_id"] == least_confident(workspace_copy)[0]
    assert not [i for i in at.main.info if "re-published" in i.value]


def test_next_leaves_the_held_card_for_the_queue_s_new_order(workspace_copy, open_app):
    at = open_app(workspace_copy, page="sme_review", reviewer="zoe")
    typed_then_republished(at, workspace_copy)
    at.run()  # any rerun draws the held card again, with the line saying why
    assert [i for i in at.main.info if "re-published" in i.value]
    at.button(key="review_next").click().run()
    assert not at.exception
    assert card(at)["row_id"] == least_confident(workspace_copy)[0]
    assert not [i for i in at.main.info if "re-published" in i.value]
