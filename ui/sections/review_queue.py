"""The SME review's queue: the reviewer picks one (least confident first, a regression's
largest error first, where the prototypes
disagree, a stratified sample, what they have not reviewed yet, one row by id, or a list sent
from the bake-off) and goes through it card by card, back and forth."""

from __future__ import annotations

import streamlit as st

from feedback_store.store import ROW_ID_MAX
from model import on_demand, review
from model.context_columns import with_context
from model.metrics import BINARY, REGRESSION
from ui import cached, cached_review, case_cutoff, formatting, review_card, review_context, session
from ui.sections import review_explanation, review_session, review_verdict
from ui.sections.review_session import FLASH_KEY, ROW_PARAM, ReviewContext

QUEUE_KEY = "review_queue"
SIZE_KEY = "review_size"
ROW_ID_KEY = "review_row_id"
QUEUE_STATE_KEY = "review_queue_state"
CARD_KEY = "review_card"
#: In the queue's state: the row of the card being typed when the prototype was re-published,
#: kept on screen although the new version's queue no longer holds it (None: no such card).
HELD = "held"
#: The card's row this session last wrote to the URL.
URL_ROW_KEY = "review_url_row"
#: The query parameters of the queue and its size, so a reload opens the card in its queue.
QUEUE_PARAM = "queue"
CARDS_PARAM = "cards"
#: A linked card's row, to be found in the queue the link names once that queue is built.
LINKED_CARD_KEY = "review_linked_card"
#: The queue this session last wrote to (or took from) the URL.
URL_QUEUE_KEY = "review_url_queue"
QUEUE_LABELS = {
    "least confident": "Least confident first",
    "disagreement": "Where this sprint's prototypes disagree",
    "stratified sample": "Random sample, each predicted class in turn",
    "not yet reviewed by me": "Not yet reviewed by me",
    "by id": "One row, by its id",
}
#: A regression's words where a classifier's do not fit: it has no confidence and no classes
#: (``model.review_queues``: the largest errors first, the quarters of its predictions in turn).
REGRESSION_QUEUE_LABELS = {
    "least confident": "Largest error first",
    "stratified sample": "Random sample of low and high predictions",
}
#: A regression's "least confident" queue when the demo rows' right values are unknown.
NO_ERRORS_LABEL = "In random order (no known values to measure errors by)"
SENT_PREFIX = "sent:"
DEFAULT_SIZE = 40


def queue_options(ctx: ReviewContext) -> tuple[list[str], dict[str, dict]]:
    kinds = [k for k in review.QUEUE_KINDS if k != "disagreement" or len(ctx.prototypes) > 1]
    sent = {f"{SENT_PREFIX}{n}": entry for n, entry in ctx.ws.review_queues(ctx.sprint).items()}
    return [*kinds, *sent], sent


def queue_label(option: str, task: str | None = None, errors_known: bool = True) -> str:
    """How the queue ``option`` is offered, in words fitting the prototype's ``task``: a
    regression's "least confident" queue is its "Largest error first" (in random order when
    its demo rows' right values, ``errors_known``, are not)."""
    if option.startswith(SENT_PREFIX):
        return f"Sent from the bake-off: {option.removeprefix(SENT_PREFIX)}"
    if task == REGRESSION:
        if option == "least confident" and not errors_known:
            return NO_ERRORS_LABEL
        return REGRESSION_QUEUE_LABELS.get(option, QUEUE_LABELS.get(option, option))
    return QUEUE_LABELS.get(option, option)


def build_queue(
    ctx: ReviewContext, kind: str, size: int | None, row_text: str, sent: dict
) -> tuple[list[str], str]:
    """The queue's row ids and, when it is empty or shortened, why."""
    if kind in sent:
        rows = [str(r) for r in sent[kind]["rows"]]
        demo_ids = cached.demo_row_ids(*ctx.cache_key)
        kept = [r for r in rows if r in demo_ids]
        missing = len(rows) - len(kept)
        note = f"{missing} of the {len(rows)} rows sent are not among {ctx.name}'s demo rows."
        return kept, note if missing else ""
    if kind == "by id" and not row_text.strip():
        return [], "Type a row id above to review that row."
    others, at_cutoffs = None, {}
    if kind == "disagreement":
        protos = [ctx.ws.prototype(ctx.sprint, o) for o in ctx.prototypes if o != ctx.name]
        others = {p.name: p.content_id for p in protos}
        if ctx.task == BINARY:  # each decides at its own cut-off, as its cards say
            at_cutoffs = {
                "other_cutoffs": {p.name: case_cutoff.cheapest_cutoff(ctx.ws, p) for p in protos}
            }
    # Reviewed on this version: a verdict on an earlier version leaves the row in the queue.
    reviewed = (
        review.reviewed_rows(ctx.store, ctx.proto, ctx.reviewer) if kind.startswith("not") else ()
    )
    try:
        rows = cached.review_queue(
            *ctx.cache_key, kind, others, reviewer=ctx.reviewer, reviewed=reviewed, size=size,
            row_id=row_text if kind == "by id" else None, cutoff=card_cutoff(ctx), **at_cutoffs,
        )  # fmt: skip
    except ValueError as error:
        return [], formatting.one_line(error)
    if not rows and kind == "disagreement":
        return [], "This sprint's prototypes agree on every row."
    if not rows:
        return [], "Nothing left in this queue: you have reviewed every row."
    return rows, ""


def card_cutoff(ctx: ReviewContext):
    """The cut-off a binary prototype's cards and queues decide at, as the Sprint demo's
    counts (``case_cutoff.cheapest_cutoff``); None where they show its own class."""
    return ctx.cutoff


def move(step: int) -> None:
    """Previous (-1) or Next (+1); from a card held through a re-publish (``HELD``), either
    goes on with the queue in its new order, at the card it would show now."""
    state = st.session_state[QUEUE_STATE_KEY]
    if state.get(HELD):
        state[HELD] = None
        return
    state["position"] = max(0, min(len(state["rows"]), state["position"] + step))


def show(ctx: ReviewContext, choose, detail) -> None:
    """The queue's cards; ``choose`` and ``detail`` are the columns for the queue's choices."""
    options, sent = queue_options(ctx)
    linked = linked_row(ctx)
    if linked is not None:  # a link or a reload opens its card: in its queue, or on its own
        open_linked_card(ctx, linked, options, sent)
    else:
        linked_queue(options)
    if st.session_state.get(QUEUE_KEY) not in options:
        st.session_state.pop(QUEUE_KEY, None)
    errors_known = "error" in cached.predictions_outline(*ctx.cache_key)["columns"]
    kind = choose.selectbox(
        "Queue",
        options,
        format_func=lambda option: queue_label(option, ctx.task, errors_known),
        key=QUEUE_KEY,
    )
    size, row_text = None, ""
    if kind == "by id":
        row_text = detail.text_input(
            "Row id", key=ROW_ID_KEY, placeholder="e.g. 4711", max_chars=ROW_ID_MAX
        )
    elif kind not in sent:
        size = int(
            detail.number_input(
                "Cards", min_value=1, max_value=max(ctx.demo_rows, 1),
                value=min(DEFAULT_SIZE, ctx.demo_rows), step=10, key=SIZE_KEY,
            )
        )  # fmt: skip
    cutoff = card_cutoff(ctx)
    if cutoff is not None and kind in ("least confident", "not yet reviewed by me"):
        st.caption(formatting.escape_markdown(case_cutoff.queue_order_note(cutoff)))
    if kind in sent:
        entry = sent[kind]
        text = f"Sent by {entry.get('sent_by') or 'someone'} on {str(entry.get('sent_at'))[:10]}"
        if entry.get("note"):
            text += f": {entry['note']}"
        st.caption(formatting.escape_markdown(text))

    # The queue is built again when what it is of changes, or the prototype's version.
    identity = [ctx.sprint, ctx.name, ctx.reviewer, kind, size, row_text.strip()]
    version = [ctx.version, ctx.content_id]
    if kind in sent:
        identity.append(sent[kind].get("sent_at"))
    state = st.session_state.get(QUEUE_STATE_KEY)
    mine = review_session.my_verdicts(ctx)
    if not state or state["id"] != identity or state["version"] != version:
        rows, note = build_queue(ctx, kind, size, row_text, sent)
        linked_card, held = st.session_state.pop(LINKED_CARD_KEY, None), None
        if linked_card is None and state and state["id"] == identity:
            # Re-published while the reviewer typed: the queue is drawn again from the new
            # version, on the card being typed, so its submit is told what changed. Gone
            # from the new order (another row least sure now), the card is held on screen.
            linked_card = _card_shown(state)
            if linked_card not in rows and _is_demo_row(ctx, linked_card):
                held = linked_card
        if linked_card in rows:
            position = rows.index(linked_card)
        else:  # the first card not yet reviewed: a new visit does not start over
            position = next((i for i, r in enumerate(rows) if not reviewed(ctx, mine, r)), 0)
        state = {"id": identity, "version": version, "rows": rows, "note": note, HELD: held}
        state["position"] = position
        st.session_state[QUEUE_STATE_KEY] = state
    rows, position, held = state["rows"], state["position"], state.get(HELD)
    if state["note"]:
        (st.caption if rows else st.info)(formatting.escape_markdown(state["note"]))
    if not rows:
        return

    done = sum(1 for r in rows if reviewed(ctx, mine, r))
    # The verdict form starts level with the progress bar, so Submit stays above the fold.
    left, right = st.columns([5, 3], gap="medium")
    back, bar, forward = left.columns([1.25, 3, 1], vertical_alignment="center")
    back.button(
        "Previous", on_click=move, args=(-1,), disabled=position == 0 and not held,
        key="review_previous", width="stretch", help="The card before this one",
    )  # fmt: skip
    forward.button(
        "Next", on_click=move, args=(1,), disabled=position >= len(rows) and not held,
        key="review_next", width="stretch", help="Skip to the next card; you can come back",
    )  # fmt: skip
    value, text = review_card.queue_progress(position, len(rows), done)
    bar.progress(0.0 if held else value, text=held_progress(len(rows), done) if held else text)

    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        left.success(flash)
    if held:  # the card being typed when the prototype was re-published, kept until acted on
        left.info(formatting.escape_markdown(held_text(ctx, held)), icon=":material/history:")
        _to_url(held, kind, size)
        card(ctx, held, mine.get(held), left, right)
        return
    if position >= len(rows):
        st.session_state.pop(CARD_KEY, None)
        session.to_url(ROW_PARAM, None)
        left.success(
            f"That was the last card of this queue: you reviewed {done} of {len(rows)}. "
            "Go back with Previous, or choose another queue. Thank you!"
        )
        return
    _to_url(rows[position], kind, size)
    card(ctx, rows[position], mine.get(rows[position]), left, right)


def _to_url(row_id: str, kind: str, size: int | None) -> None:
    """The card's row, its queue and the queue's size in the URL: a link or a reload opens
    this card again, in this queue."""
    session.to_url(ROW_PARAM, row_id)
    session.to_url(QUEUE_PARAM, None if kind == "by id" else kind)
    st.session_state[URL_QUEUE_KEY] = None if kind == "by id" else kind
    session.to_url(CARDS_PARAM, None if size in (None, DEFAULT_SIZE) else size)
    st.session_state[URL_ROW_KEY] = row_id


def _card_shown(state: dict) -> str | None:
    if state.get(HELD):
        return state[HELD]
    rows, position = state["rows"], state["position"]
    return rows[position] if position < len(rows) else None


def _is_demo_row(ctx: ReviewContext, row_id: str | None) -> bool:
    return row_id is not None and row_id in cached.demo_row_ids(*ctx.cache_key)


def held_text(ctx: ReviewContext, row_id: str) -> str:
    """The line above a card held through a re-publish: why it is still on screen although
    the queue, drawn again from the new version, no longer holds it, and how to go on."""
    return (
        f"{ctx.name} was re-published (now version {ctx.proto.version}) while you were on "
        f"this card, and row {row_id} is no longer in this queue. It stays here so that what "
        "you typed is kept: look at its new prediction and submit, or press Next for the queue."
    )


def held_progress(total: int, reviewed: int) -> str:
    """The progress bar's text over a held card, which is none of the queue's cards."""
    return f"Outside the queue since the re-publish · {reviewed} of {total} reviewed"


def reviewed(ctx: ReviewContext, mine: dict, row_id: str) -> bool:
    """Whether the reviewer has a current verdict on ``row_id`` given on this version."""
    thread = mine.get(row_id)
    return (
        thread is not None
        and thread["verdict"] != "withdrawn"
        and review_session.on_this_version(ctx, thread)
    )


def linked_queue(options: list[str]) -> None:
    """Open the queue a link names without a card (``?queue=sent:…``, the Bake-off's link to
    the rows it sent), once: the queue chosen on the page afterwards is the reviewer's."""
    kind = st.query_params.get(QUEUE_PARAM)
    if kind is None or kind == st.session_state.get(URL_QUEUE_KEY):
        return
    st.session_state[URL_QUEUE_KEY] = kind
    if kind in options and kind != "by id":
        st.session_state[QUEUE_KEY] = kind
        st.session_state.pop(QUEUE_STATE_KEY, None)


def open_linked_card(ctx: ReviewContext, row_id: str, options: list[str], sent: dict) -> None:
    """Open a link's or a reload's card in the queue its URL names (``?queue=``, ``?cards=``)
    when the card is in it, else as the one-row queue; set before the queue's widgets."""
    kind = st.query_params.get(QUEUE_PARAM)
    try:
        size = int(st.query_params.get(CARDS_PARAM) or DEFAULT_SIZE)
    except ValueError:
        size = DEFAULT_SIZE
    size = max(1, min(size, max(ctx.demo_rows, 1)))
    st.session_state[URL_QUEUE_KEY] = kind
    if kind in options and kind != "by id":
        rows, _ = build_queue(ctx, kind, None if kind in sent else size, "", sent)
        if row_id in rows:
            st.session_state[QUEUE_KEY] = kind
            if kind not in sent:
                st.session_state[SIZE_KEY] = size
            st.session_state[LINKED_CARD_KEY] = row_id
            st.session_state.pop(QUEUE_STATE_KEY, None)
            return
    st.session_state[QUEUE_KEY] = "by id"
    st.session_state[ROW_ID_KEY] = row_id


def linked_row(ctx: ReviewContext) -> str | None:
    """The row the URL's ``?row=`` names when it came with a link or a reload (not from this
    session's own cards) and is one of the prototype's demo rows; a row that is not is
    dropped from the URL with a caption."""
    row_id = st.query_params.get(ROW_PARAM)
    if not row_id or row_id == st.session_state.get(URL_ROW_KEY):
        return None
    st.session_state[URL_ROW_KEY] = row_id
    if row_id in cached.demo_row_ids(*ctx.cache_key):
        return row_id
    st.caption(
        formatting.escape_markdown(
            f"The link asks for row {row_id}, which is not among {ctx.name}'s demo rows: "
            "showing the queue instead."
        )
    )
    session.to_url(ROW_PARAM, None)
    return None


def header(
    ctx: ReviewContext, predicted, confidence: float | None, probabilities: dict, cutoff
) -> None:
    """The card's headline: a binary model's decision at the cut-off the Sprint demo's counts
    flag from (``case_cutoff``), and how close to it; else the model's own class. A multiclass
    card names its likeliest classes with their chances."""
    if cutoff is None:
        review_explanation.prediction_header(ctx, predicted, confidence)
    else:
        chance = probabilities[cutoff.positive]
        headline = case_cutoff.cutoff_headline(chance, cutoff, ctx.meta)
        st.subheader(formatting.escape_markdown(headline))
        sure = case_cutoff.cutoff_sureness_text(chance, cutoff)
        if sure:
            st.markdown(f"**{formatting.escape_markdown(sure)}**")
    likeliest = case_cutoff.likeliest_classes_text(probabilities, ctx.meta)
    if likeliest:
        st.markdown(formatting.escape_markdown(likeliest))


def card(ctx: ReviewContext, row_id: str, thread: dict | None, card_column, verdict_column) -> None:
    keys = review_session.card_keys(ctx, row_id)
    st.session_state[CARD_KEY] = {
        "sprint": ctx.sprint, "prototype": ctx.name, "reviewer": ctx.reviewer, "row_id": row_id,
        "key": keys["verdict"],
    }  # fmt: skip
    row = cached.prediction_row(*ctx.cache_key, row_id)
    confidence = float(row["confidence"]) if "confidence" in row.index else None
    percentiles = cached.feature_percentiles(*ctx.cache_key, row_id)
    unexplained = on_demand.unexplained_reason(ctx.proto, row_id, row["precomputed"])
    if unexplained:
        explanation, values = None, on_demand.feature_values(ctx.proto, row_id)
    else:
        explanation = cached.explanation(*ctx.cache_key, row_id)
        values = explanation["feature_values"]
    context = cached_review.context_values(*ctx.cache_key, row_id)  # a ticket's subject

    probabilities = {c: float(row[f"p:{c}"]) for c in ctx.classes if f"p:{c}" in row.index}
    cutoff = card_cutoff(ctx)
    if cutoff is not None and cutoff.positive not in probabilities:
        cutoff = None
    with card_column:
        header(ctx, row["predicted"], confidence, probabilities, cutoff)
        st.caption(
            formatting.escape_markdown(f"Row {row_id} · {ctx.name} · version {ctx.proto.version}")
        )
        review_context.context_section(context)
        if unexplained:  # a hand-written model's row beyond those explained when publishing
            review_explanation.unexplained(ctx, unexplained)
        else:
            explanation = review_explanation.with_words(
                ctx.cache_key, ctx.meta, row_id, explanation
            )
            review_explanation.reasons(ctx, explanation, percentiles)
            spec = cached.waterfall_spec(*ctx.cache_key, row_id)
            review_explanation.waterfall(ctx, spec, explanation)
            review_explanation.words(explanation)
            review_explanation.disputes_section(ctx, row_id, explanation)
        st.markdown("**The readings, against the demo set**")
        st.dataframe(
            review_card.percentile_table(values, percentiles),
            hide_index=True,
            width="stretch",
            column_config={
                # wide enough for a free text's first words (TEXT_CELL_CHARS); left to
                # Streamlit it clipped "Claimant reports injury…" to "Claimant re"
                "Value": st.column_config.TextColumn(width="medium"),
                # The bar without its number: "61" beside "higher than 60%" (the words round
                # down, to stay true) read as two answers to one question.
                "Percentile": st.column_config.ProgressColumn(
                    "Low → high",
                    min_value=0,
                    max_value=100,
                    format=" ",
                    width="small",
                    help="Where the value sits among the demo set's, lowest to highest",
                ),
            },
        )
    with verdict_column:
        saved = review_verdict.verdict_panel(
            ctx,
            "review",
            row_id,
            thread,
            source="demo",
            features=with_context(values, context),
            prediction=review_session.snapshot(
                ctx, row["predicted"], confidence, probabilities, cutoff
            ),
            flash_key=FLASH_KEY,
            what=f"row {row_id}",
        )
    if saved:
        state = st.session_state[QUEUE_STATE_KEY]
        # The last card's end says the rest; after a held card the queue goes on where it is.
        if state["position"] + (0 if state.get(HELD) else 1) < len(state["rows"]):
            st.session_state[FLASH_KEY] += " Here is the next card."
        move(1)
        st.rerun()
