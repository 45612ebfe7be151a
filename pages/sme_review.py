"""SME review: a queue of cards, each a prediction in plain words, with a verdict to give.

The reviewer picks a queue (least confident first, where the prototypes disagree, a stratified
sample, what they have not reviewed yet, one row by id, or a list sent from the bake-off) and
goes through it card by card, back and forth. A verdict can be edited or withdrawn; a feature's
contribution can be disputed ("right answer, wrong reason"). A second tab lets them enter a
case of their own and judge the model on it.

Every write carries an idempotency key kept in session state (one per card and action, renewed
after the write succeeds), so a rerun or a second click re-sends the same key and the store
records the change once.
"""

import json
import uuid

import streamlit as st

from feedback_store import DISPUTE_KINDS, VERDICTS
from feedback_store.store import COMMENT_MAX, ROW_ID_MAX
from model import access, review
from ui import cached, views

# -- session-state keys ---------------------------------------------------------------------------
PROTOTYPE_KEY = "review_prototype"
TAB_KEY = "review_tab"
QUEUE_KEY = "review_queue"
SIZE_KEY = "review_size"
ROW_ID_KEY = "review_row_id"
QUEUE_STATE_KEY = "review_queue_state"
KEYS_KEY = "review_keys"
CARD_KEY = "review_card"
FLASH_KEY = "review_flash"
OWN_CASE_KEY = "review_own_case"
OWN_FLASH_KEY = "review_own_flash"

VERDICT_LABELS = {"correct": "Correct", "wrong": "Wrong", "unsure": "Unsure"}
QUEUE_LABELS = {
    "least confident": "Least confident first",
    "disagreement": "Where this sprint's prototypes disagree",
    "stratified sample": "Random sample, each predicted class in turn",
    "not yet reviewed by me": "Not yet reviewed by me",
    "by id": "One row, by its id",
}
SENT_PREFIX = "sent:"
DEFAULT_SIZE = 40
ACTIONS = ("verdict", "withdraw", "dispute")
TABS = ["Review the queue", "Try your own case"]
WRONG_NEEDS_LABEL = "A wrong verdict needs the right label: choose it under “Right label”."

cached.require_app()
ws = cached.workspace()
path = str(ws.path)
sprint = cached.sprint()
reviewer = cached.reviewer()
role = st.session_state.get(cached.ROLE_STATE_KEY)
may_record = access.can(role, "record_verdict")
may_dispute = access.can(role, "dispute")

st.title("SME review")
if not reviewer:
    st.info("Enter your name under “Your name” in the sidebar to start reviewing.")
    st.stop()
if not may_record:
    st.info(views.escape_markdown(access.refusal(role, "record_verdict")), icon=":material/lock:")
prototypes = ws.prototypes(sprint)
if not prototypes:
    st.info("This sprint has no published prototypes to review yet.")
    st.stop()

mvp = ws.mvp(sprint)
if st.session_state.get(PROTOTYPE_KEY) not in prototypes:
    st.session_state.pop(PROTOTYPE_KEY, None)
# The prototype serves both tabs; the queue's choices sit beside it to keep the card high up.
prototype_column, queue_column, detail_column = st.columns([4, 4, 2], vertical_alignment="bottom")
name = prototype_column.selectbox(
    "Prototype",
    prototypes,
    index=prototypes.index(mvp) if mvp in prototypes else 0,
    key=PROTOTYPE_KEY,
    format_func=lambda p: f"{p} (MVP)" if p == mvp else p,
)
proto = ws.prototype(sprint, name)
meta = proto.meta
task = proto.task
classes = [str(c) for c in meta.get("classes") or []]
# A rerun reads one row, its cached explanation and specs: never every demo row.
cache_key = (path, sprint, name, proto.version)
demo_rows = cached.predictions_outline(*cache_key)["rows"]
store = cached.store(path)
outcome, noun = views.reason_wording(meta)


# -- idempotency keys -----------------------------------------------------------------------------
def card_keys(row_id: str) -> dict[str, str]:
    """This reviewer's keys for the next write of each action on one card."""
    keys = st.session_state.setdefault(KEYS_KEY, {})
    identity = json.dumps([sprint, name, row_id, reviewer])
    if identity not in keys:
        keys[identity] = {action: uuid.uuid4().hex for action in ACTIONS}
    return keys[identity]


def renew_keys(row_id: str, *actions: str) -> None:
    """New keys after a write succeeded, so the next change is a new write."""
    keys = card_keys(row_id)
    for action in actions:
        keys[action] = uuid.uuid4().hex


# -- the card, in words ---------------------------------------------------------------------------
def prediction_header(predicted, confidence: float | None) -> None:
    st.subheader(views.escape_markdown(views.prediction_in_words(predicted, confidence, meta)))
    sure = views.confidence_in_words(confidence, len(classes))
    if sure:
        st.markdown(f"**{views.escape_markdown(sure)}**")


def reasons(explanation: dict, percentiles: dict) -> None:
    sentences = review.reason_sentences(
        explanation,
        percentiles,
        task,
        meta.get("positive_class"),
        outcome=outcome,
        noun=noun,
    )
    st.markdown("**Why**")
    if sentences:
        st.markdown("\n".join(f"- {views.escape_markdown(s)}" for s in sentences))
    else:
        st.caption("No single reading moved this prediction much.")


def waterfall(spec: dict, explanation: dict) -> None:
    st.vega_lite_chart(spec, width="stretch")
    st.caption(views.escape_markdown(views.waterfall_caption(explanation, meta)))


def snapshot(predicted, confidence: float | None, probabilities: dict | None) -> dict:
    """The prediction the reviewer saw, stored with the verdict."""
    return {
        "label": str(predicted),
        "confidence": confidence,
        "probabilities": probabilities or {},
        "model": meta["estimator"],
    }


# -- the verdict ----------------------------------------------------------------------------------
def verdict_form(prefix: str, key: str, current: dict | None, tag_options: list[str]):
    """The verdict form, filled with ``current`` when the reviewer already gave one."""
    with st.form(f"{prefix}_form_{key}", border=False):
        verdict = st.segmented_control(
            "Is this prediction right?",
            VERDICTS,
            default=current["verdict"] if current else None,
            format_func=VERDICT_LABELS.get,
            key=f"{prefix}_verdict_{key}",
            width="stretch",
        )
        given = current.get("corrected_label") if current else None
        if classes:
            label = st.selectbox(
                "Right label (required when wrong)",
                classes,
                index=classes.index(given) if given in classes else None,
                placeholder="Choose the right label",
                key=f"{prefix}_label_{key}",
            )
        else:
            try:
                value = float(given) if given else None
            except ValueError:
                value = None
            label = st.number_input(
                "Right value (required when wrong)", value=value, key=f"{prefix}_label_{key}"
            )
        comment = st.text_area(
            "Why?",
            value=current["comment"] if current else "",
            key=f"{prefix}_comment_{key}",
            placeholder="What you see in the readings",
            height=68,
            # No max_chars: Streamlit would cut a longer text silently. The store refuses it
            # with a message instead, and the text stays in the form to be shortened.
            help=f"Up to {COMMENT_MAX:,} characters.",
        )
        tags = st.multiselect(
            "Tags",
            sorted({*tag_options, *(current["tags"] if current else [])}, key=str.casefold),
            default=current["tags"] if current else [],
            key=f"{prefix}_tags_{key}",
            accept_new_options=True,
            placeholder="Choose or type a tag",
        )
        submitted = st.form_submit_button(
            "Save changes" if current else "Submit verdict", type="primary", width="stretch"
        )
    return submitted, verdict, label, comment, tags


def save_verdict(
    row_id: str,
    current: dict | None,
    verdict: str | None,
    label,
    comment: str,
    tags: list[str],
    *,
    source: str,
    features: dict,
    prediction: dict,
) -> str | None:
    """Record or edit the reviewer's verdict; return an error message, or None once saved."""
    if verdict is None:
        return "Choose Correct, Wrong or Unsure first."
    if verdict == "wrong" and (label is None or label == ""):
        return WRONG_NEEDS_LABEL
    label_text = None if verdict == "correct" or label is None or label == "" else str(label)
    key = card_keys(row_id)["verdict"]
    try:
        if current is None:
            store.record(
                sprint=sprint,
                prototype=name,
                row_id=row_id,
                reviewer=reviewer,
                verdict=verdict,
                corrected_label=label_text,
                comment=comment,
                tags=tags,
                key=key,
                features=features,
                prediction=prediction,
                task=task,
                source=source,
            )
        elif (verdict, label_text, comment.strip(), list(tags)) != (
            current["verdict"],
            current["corrected_label"] or None,
            current["comment"],
            list(current["tags"]),
        ):
            store.edit(
                int(current["verdict_id"]),
                reviewer=reviewer,
                verdict=verdict,
                corrected_label=label_text or "",
                comment=comment,
                tags=tags,
                key=key,
            )
    except (ValueError, OSError) as error:  # refused input; disk full or read-only workspace
        return views.one_line(error)
    renew_keys(row_id, "verdict", "withdraw")
    return None


def my_verdicts() -> dict[str, dict]:
    """This reviewer's verdicts on this prototype by row id, withdrawn ones included."""
    return cached.reviewer_verdicts(path, cached.verdicts_stamp(store), sprint, name, reviewer)


def verdict_panel(
    prefix: str,
    row_id: str,
    thread: dict | None,
    *,
    source: str,
    features: dict,
    prediction: dict,
    flash_key: str,
    what: str,
) -> bool:
    """The verdict form with the reviewer's current verdict, withdraw and history.

    Returns True once a verdict was saved (the caller moves on and reruns)."""
    current = thread if thread and thread["verdict"] != "withdrawn" else None
    keys = card_keys(row_id)
    if current:
        st.info(views.escape_markdown(views.verdict_summary(current)))
    elif thread:
        st.caption("You withdrew your verdict on this one. Submit a new one to restore it.")
    if not may_record:
        return False
    tag_options = cached.verdict_tags(path, cached.verdicts_stamp(store))
    submitted, verdict, label, comment, tags = verdict_form(
        prefix, keys["verdict"], current, tag_options
    )
    if submitted:
        problem = save_verdict(
            row_id, current, verdict, label, comment, tags,
            source=source, features=features, prediction=prediction,
        )  # fmt: skip
        if problem:
            st.error(views.escape_markdown(problem))
        else:
            st.session_state[flash_key] = f"Saved “{verdict}” for {views.escape_markdown(what)}."
            return True
    if current and st.button(
        "Withdraw my verdict",
        key=f"{prefix}_withdraw_{keys['withdraw']}",
        icon=":material/undo:",
        width="stretch",
    ):
        try:
            store.withdraw(int(current["verdict_id"]), reviewer=reviewer, key=keys["withdraw"])
        except (ValueError, OSError) as error:
            st.error(views.escape_markdown(views.one_line(error)))
        else:
            renew_keys(row_id, "verdict", "withdraw")
            st.session_state[flash_key] = (
                f"Withdrew your verdict on {views.escape_markdown(what)}. It stays in the history."
            )
            st.rerun()
    if thread:
        with st.expander("History of your verdict"):
            history = store.history(int(thread["verdict_id"]))
            st.dataframe(views.history_table(history), hide_index=True, width="stretch")
    return False


# -- right answer, wrong reason -------------------------------------------------------------------
def disputes_section(row_id: str, explanation: dict) -> None:
    contributions = explanation["contributions"]
    unit = explanation.get("unit")
    ordered = sorted(contributions, key=lambda f: abs(contributions[f]), reverse=True)
    disputes = store.disputes(sprint=sprint, prototype=name)
    disputes = disputes[disputes["row_id"].astype(str) == row_id]
    label = "Right answer, wrong reason?"
    if len(disputes):
        label += f" ({len(disputes)} disputed on this card)"
    with st.expander(label, icon=":material/flag:"):
        if len(disputes):
            st.dataframe(views.disputes_table(disputes, unit), hide_index=True, width="stretch")
        if not may_dispute:
            st.caption(views.escape_markdown(access.refusal(role, "dispute")))
            return
        key = card_keys(row_id)["dispute"]
        with st.form(f"review_dispute_{key}", border=False):
            first, second = st.columns(2)
            feature = first.selectbox(
                "Feature",
                ordered,
                format_func=lambda f: f"{f} ({views.contribution_text(contributions[f], unit)})",
                key=f"review_dispute_feature_{key}",
            )
            kind = second.selectbox(
                "What is wrong with its contribution",
                DISPUTE_KINDS,
                key=f"review_dispute_kind_{key}",
            )
            comment = st.text_input(
                "Comment (optional)",
                key=f"review_dispute_comment_{key}",
                placeholder="e.g. torque this low never causes failures",
                help=f"Up to {COMMENT_MAX:,} characters.",
            )
            submitted = st.form_submit_button("Record dispute")
        if submitted:
            try:
                store.dispute(
                    sprint=sprint,
                    prototype=name,
                    row_id=row_id,
                    reviewer=reviewer,
                    feature=feature,
                    kind=kind,
                    shap_value=float(contributions[feature]),
                    comment=comment,
                    key=key,
                )
            except (ValueError, OSError) as error:
                st.error(views.escape_markdown(views.one_line(error)))
            else:
                renew_keys(row_id, "dispute")
                st.session_state[FLASH_KEY] = (
                    f"Recorded your dispute: {views.escape_markdown(feature)} {kind}."
                )
                st.rerun()


# -- the queue ------------------------------------------------------------------------------------
def queue_options() -> tuple[list[str], dict[str, dict]]:
    kinds = [k for k in review.QUEUE_KINDS if k != "disagreement" or len(prototypes) > 1]
    sent = {f"{SENT_PREFIX}{n}": entry for n, entry in ws.review_queues(sprint).items()}
    return [*kinds, *sent], sent


def queue_label(option: str) -> str:
    if option.startswith(SENT_PREFIX):
        return f"Sent from the bake-off: {option.removeprefix(SENT_PREFIX)}"
    return QUEUE_LABELS.get(option, option)


def build_queue(kind: str, size: int | None, row_text: str, sent: dict) -> tuple[list[str], str]:
    """The queue's row ids and, when it is empty or shortened, why."""
    if kind in sent:
        rows = [str(r) for r in sent[kind]["rows"]]
        demo_ids = cached.demo_row_ids(*cache_key)
        kept = [r for r in rows if r in demo_ids]
        missing = len(rows) - len(kept)
        note = f"{missing} of the {len(rows)} rows sent are not among {name}'s demo rows."
        return kept, note if missing else ""
    if kind == "by id" and not row_text.strip():
        return [], "Type a row id above to review that row."
    others = None
    if kind == "disagreement":
        others = {o: ws.prototype(sprint, o).version for o in prototypes if o != name}
    reviewed = store.reviewed_row_ids(sprint, name, reviewer) if kind.startswith("not") else ()
    try:
        rows = cached.review_queue(
            *cache_key, kind, others, reviewer=reviewer, reviewed=reviewed, size=size,
            row_id=row_text if kind == "by id" else None,
        )  # fmt: skip
    except ValueError as error:
        return [], views.one_line(error)
    if not rows and kind == "disagreement":
        return [], "This sprint's prototypes agree on every row."
    if not rows:
        return [], "Nothing left in this queue: you have reviewed every row."
    return rows, ""


def move(step: int) -> None:
    state = st.session_state[QUEUE_STATE_KEY]
    state["position"] = max(0, min(len(state["rows"]), state["position"] + step))


def review_tab(choose, detail) -> None:
    """The queue's cards; ``choose`` and ``detail`` are the columns for the queue's choices."""
    options, sent = queue_options()
    if st.session_state.get(QUEUE_KEY) not in options:
        st.session_state.pop(QUEUE_KEY, None)
    kind = choose.selectbox("Queue", options, format_func=queue_label, key=QUEUE_KEY)
    size, row_text = None, ""
    if kind == "by id":
        row_text = detail.text_input(
            "Row id", key=ROW_ID_KEY, placeholder="e.g. 4711", max_chars=ROW_ID_MAX
        )
    elif kind not in sent:
        size = int(
            detail.number_input(
                "Cards", min_value=1, max_value=max(demo_rows, 1),
                value=min(DEFAULT_SIZE, demo_rows), step=10, key=SIZE_KEY,
            )
        )  # fmt: skip
    if kind in sent:
        entry = sent[kind]
        text = f"Sent by {entry.get('sent_by') or 'someone'} on {str(entry.get('sent_at'))[:10]}"
        if entry.get("note"):
            text += f": {entry['note']}"
        st.caption(views.escape_markdown(text))

    identity = [sprint, name, proto.version, reviewer, kind, size, row_text.strip()]
    if kind in sent:
        identity.append(sent[kind].get("sent_at"))
    state = st.session_state.get(QUEUE_STATE_KEY)
    if not state or state["id"] != identity:
        rows, note = build_queue(kind, size, row_text, sent)
        state = {"id": identity, "rows": rows, "note": note, "position": 0}
        st.session_state[QUEUE_STATE_KEY] = state
    rows, position = state["rows"], state["position"]
    if state["note"]:
        (st.caption if rows else st.info)(views.escape_markdown(state["note"]))
    if not rows:
        return

    mine = my_verdicts()
    done = sum(1 for r in rows if r in mine and mine[r]["verdict"] != "withdrawn")
    # The verdict form starts level with the progress bar, so Submit stays above the fold.
    left, right = st.columns([5, 3], gap="medium")
    back, bar, forward = left.columns([1.25, 3, 1], vertical_alignment="center")
    back.button(
        "Previous", on_click=move, args=(-1,), disabled=position == 0, key="review_previous",
        width="stretch", help="The card before this one",
    )  # fmt: skip
    forward.button(
        "Next", on_click=move, args=(1,), disabled=position >= len(rows), key="review_next",
        width="stretch", help="Skip to the next card; you can come back",
    )  # fmt: skip
    value, text = views.queue_progress(position, len(rows), done)
    bar.progress(value, text=text)

    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        left.success(flash)
    if position >= len(rows):
        st.session_state.pop(CARD_KEY, None)
        left.success(
            f"That was the last card of this queue: you reviewed {done} of {len(rows)}. "
            "Go back with Previous, or choose another queue. Thank you!"
        )
        return
    card(rows[position], mine.get(rows[position]), left, right)


def card(row_id: str, thread: dict | None, card_column, verdict_column) -> None:
    keys = card_keys(row_id)
    st.session_state[CARD_KEY] = {
        "sprint": sprint, "prototype": name, "reviewer": reviewer, "row_id": row_id,
        "key": keys["verdict"],
    }  # fmt: skip
    explanation = cached.explanation(*cache_key, row_id)
    row = cached.prediction_row(*cache_key, row_id)
    confidence = float(row["confidence"]) if "confidence" in row.index else None
    percentiles = cached.feature_percentiles(*cache_key, row_id)

    with card_column:
        prediction_header(row["predicted"], confidence)
        st.caption(views.escape_markdown(f"Row {row_id} · {name} · {meta['estimator']}"))
        reasons(explanation, percentiles)
        waterfall(cached.waterfall_spec(*cache_key, row_id), explanation)
        disputes_section(row_id, explanation)
        st.markdown("**The readings, against the demo set**")
        st.dataframe(
            views.percentile_table(explanation["feature_values"], percentiles),
            hide_index=True,
            width="stretch",
            column_config={
                "Percentile": st.column_config.ProgressColumn(
                    "Percentile", min_value=0, max_value=100, format="%.0f", width="small"
                )
            },
        )
    with verdict_column:
        probabilities = {c: float(row[f"p:{c}"]) for c in classes if f"p:{c}" in row.index}
        saved = verdict_panel(
            "review",
            row_id,
            thread,
            source="demo",
            features=explanation["feature_values"],
            prediction=snapshot(row["predicted"], confidence, probabilities),
            flash_key=FLASH_KEY,
            what=f"row {row_id}",
        )
    if saved:
        st.session_state[FLASH_KEY] += " Here is the next card."
        move(1)
        st.rerun()


# -- try your own case ----------------------------------------------------------------------------
def number_field(field: dict, key: str):
    low, high, default = field["min"], field["max"], field["default"]
    if field["integer"]:
        return st.number_input(
            field["name"], min_value=int(low), max_value=int(high), value=int(default), step=1,
            key=key,
        )  # fmt: skip
    span = (high - low) or 1.0
    step = 10 ** int(f"{span / 50:e}".split("e")[1])
    decimals = max(1, -int(f"{step:e}".split("e")[1]))
    return st.number_input(
        field["name"], min_value=float(low), max_value=float(high), value=float(default),
        step=float(step), format=f"%.{decimals}f", key=key,
    )  # fmt: skip


def own_case_tab() -> None:
    st.caption(
        "Enter the readings of a case you know, for example one you saw on the shop floor: "
        "the prototype chosen above predicts it and says why, and you can record whether it "
        "got it right. The fields start at the demo set's middle values and stay within its "
        "range."
    )
    schema = cached.input_schema(*cache_key)
    with st.form(f"own_case_form_{name}"):
        columns = st.columns(3)
        values = {}
        for i, field in enumerate(schema):
            key = f"own_field_{name}_{field['name']}"
            with columns[i % 3]:
                if field["kind"] == "categorical":
                    options = field["categories"]
                    values[field["name"]] = st.selectbox(
                        field["name"],
                        options,
                        index=options.index(field["default"]) if field["default"] in options else 0,
                        key=key,
                    )
                elif field["min"] is None:
                    st.caption(views.escape_markdown(f"{field['name']}: no values in the demo set"))
                else:
                    values[field["name"]] = number_field(field, key)
        explain = st.form_submit_button("Explain this case", type="primary")
    if explain:
        st.session_state[OWN_CASE_KEY] = {
            "sprint": sprint, "prototype": name, "version": proto.version, "features": values,
        }  # fmt: skip
    case = st.session_state.get(OWN_CASE_KEY)
    if not case or (case["sprint"], case["prototype"], case["version"]) != (
        sprint,
        name,
        proto.version,
    ):
        return
    entered = json.dumps(case["features"], sort_keys=True)
    try:
        explanation = cached.own_case(*cache_key, entered)
    except (ValueError, OSError) as error:  # e.g. a damaged or missing model file
        st.error(views.escape_markdown(views.one_line(error)))
        return
    row_id = explanation["row_id"]
    percentiles = cached.own_case_percentiles(*cache_key, entered)
    flash = st.session_state.pop(OWN_FLASH_KEY, None)
    if flash:
        st.success(flash)
    case_column, verdict_column = st.columns([5, 3], gap="medium")
    with case_column:
        prediction_header(explanation["predicted"], explanation.get("confidence"))
        st.caption(views.escape_markdown(f"Your case {row_id} · {name} · {meta['estimator']}"))
        reasons(explanation, percentiles)
        waterfall(cached.own_case_waterfall_spec(*cache_key, entered), explanation)
    with verdict_column:
        saved = verdict_panel(
            "own",
            row_id,
            my_verdicts().get(row_id),
            source="own",
            features=explanation["feature_values"],
            prediction=snapshot(
                explanation["predicted"],
                explanation.get("confidence"),
                explanation.get("probabilities"),
            ),
            flash_key=OWN_FLASH_KEY,
            what="your own case",
        )
    if saved:
        st.rerun()


queue_tab, own_tab = st.tabs(TABS, key=TAB_KEY, on_change="rerun")
# The queue is drawn whichever tab is open: its card's verdict form holds what the reviewer
# typed and has not submitted yet, which a form drawn afresh would lose. The own case's form
# (built from every demo row's range) is computed only when its tab is open; while it is
# closed, the values last explained are kept for the form to show again.
with queue_tab:
    review_tab(queue_column, detail_column)
if own_tab.open:
    with own_tab:
        own_case_tab()
else:
    cached.keep_widget_state(*(k for k in st.session_state if k.startswith("own_field_")))
