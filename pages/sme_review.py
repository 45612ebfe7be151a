"""SME review: one prediction at a time, least confident first, with a verdict form."""

import uuid

import streamlit as st

from feedback_store import VERDICTS
from model import cached, views

CARD_KEY = "review_card"
FLASH_KEY = "review_flash"
PROTOTYPE_KEY = "review_prototype"
VERDICT_LABELS = {"correct": "Correct", "wrong": "Wrong", "unsure": "Unsure"}

cached.require_app()
ws = cached.workspace()
path = str(ws.path)
sprint = cached.sprint()
reviewer = cached.reviewer()

st.title("SME review")
if not reviewer:
    st.info("Enter your name under “Your name” in the sidebar to start reviewing.")
    st.stop()
prototypes = ws.prototypes(sprint)
if not prototypes:
    st.info("This sprint has no published prototypes to review yet.")
    st.stop()

flash = st.session_state.pop(FLASH_KEY, None)
if flash:
    st.success(flash)

mvp = ws.mvp(sprint)
if st.session_state.get(PROTOTYPE_KEY) not in prototypes:
    st.session_state.pop(PROTOTYPE_KEY, None)
choose_column, progress_column = st.columns([1, 2], gap="large", vertical_alignment="bottom")
name = choose_column.selectbox(
    "Prototype",
    prototypes,
    index=prototypes.index(mvp) if mvp in prototypes else 0,
    key=PROTOTYPE_KEY,
    format_func=lambda p: f"{p} (MVP)" if p == mvp else p,
)
proto = ws.prototype(sprint, name)
meta = proto.meta
predictions = cached.predictions(path, sprint, name, proto.version)
store = cached.store(path)
reviewed = store.reviewed_row_ids(sprint, name, reviewer)
done = len(reviewed & set(predictions.index.astype(str)))
progress_column.progress(
    done / max(len(predictions), 1),
    text=f"You have reviewed {done:,} of {len(predictions):,} predictions",
)

# A card is pinned in session state with its own key until its verdict is saved, so a rerun or
# a second click on Submit re-sends the same key and the store records the verdict once.
card = st.session_state.get(CARD_KEY)
if not card or (card["sprint"], card["prototype"], card["reviewer"]) != (sprint, name, reviewer):
    queue = views.review_queue(predictions, reviewed)
    if not queue:
        st.success("You have reviewed every prediction of this prototype. Thank you!")
        st.stop()
    card = {
        "sprint": sprint,
        "prototype": name,
        "reviewer": reviewer,
        "row_id": queue[0],
        "key": uuid.uuid4().hex,
    }
    st.session_state[CARD_KEY] = card
row_id, key = card["row_id"], card["key"]
explanation = cached.explanation(path, sprint, name, proto.version, row_id)
row = predictions.loc[row_id]
confidence = float(row["confidence"]) if "confidence" in row else None

card_column, form_column = st.columns([3, 2], gap="large")
with card_column:
    st.subheader(
        views.escape_markdown(views.prediction_in_words(row["predicted"], confidence, meta))
    )
    st.caption(views.escape_markdown(f"Row {row_id} · {name} · {meta['estimator']}"))
    st.altair_chart(views.waterfall_chart(explanation, meta), width="stretch")
    st.caption(views.escape_markdown(views.waterfall_caption(explanation, meta)))
    with st.expander("Feature values", expanded=False):
        st.dataframe(
            views.feature_values_table(explanation["feature_values"]),
            hide_index=True,
            width="stretch",
        )

classes = meta.get("classes") or []
with form_column, st.form(f"review_form_{key}"):
    verdict = st.segmented_control(
        "Is this prediction right?",
        VERDICTS,
        format_func=VERDICT_LABELS.get,
        key=f"review_verdict_{key}",
        width="stretch",
    )
    if classes:
        label = st.selectbox(
            "Right label (required when wrong)",
            classes,
            index=None,
            placeholder="Choose the right label",
            key=f"review_label_{key}",
        )
    else:
        label = st.text_input("Right value (required when wrong)", key=f"review_label_{key}")
    comment = st.text_area(
        "Why?",
        key=f"review_comment_{key}",
        placeholder="What you see in the readings",
        height=90,
    )
    tags = st.multiselect(
        "Tags",
        views.existing_tags(store.verdicts()),
        key=f"review_tags_{key}",
        accept_new_options=True,
        placeholder="Choose or type a tag",
    )
    submitted = st.form_submit_button("Submit verdict", type="primary", width="stretch")

if submitted:
    with form_column:
        if verdict is None:
            st.error("Choose Correct, Wrong or Unsure first.")
            st.stop()
        if verdict == "wrong" and not label:
            st.error("A wrong verdict needs the right label: choose it under “Right label”.")
            st.stop()
        prediction = {
            "label": str(row["predicted"]),
            "confidence": confidence,
            "probabilities": {c: float(row[f"p:{c}"]) for c in classes if f"p:{c}" in row},
        }
        try:
            store.record(
                sprint=sprint,
                prototype=name,
                row_id=row_id,
                reviewer=reviewer,
                verdict=verdict,
                corrected_label=None if verdict == "correct" else (label or None),
                comment=comment,
                tags=tags,
                key=key,
                features=explanation["feature_values"],
                prediction=prediction,
                task=proto.task,
            )
        except ValueError as error:
            st.error(views.escape_markdown(views.one_line(error)))
        else:
            st.session_state[FLASH_KEY] = (
                f"Saved “{verdict}” for row {views.escape_markdown(row_id)}. "
                "Here is the next prediction."
            )
            st.session_state.pop(CARD_KEY, None)
            st.rerun()
