"""Sprint demo: the MVP, its metrics against last sprint's, and its explained predictions."""

import streamlit as st

from model import cached, panels, views

TABLE_KEY = "demo_table"

cached.require_app()
ws = cached.workspace()
path = str(ws.path)
sprint = cached.sprint()
prototypes = ws.prototypes(sprint)

st.title(f"Sprint demo: {views.escape_markdown(sprint)}")
if not prototypes:
    st.info("This sprint has no published prototypes yet.")
    st.stop()
name = ws.mvp(sprint)
if name not in prototypes:
    name = prototypes[0]
    st.info(
        views.escape_markdown(
            f"No MVP is marked for this sprint; showing {name}. Record a decision on the "
            "Bake-off page to choose one."
        )
    )
proto = ws.prototype(sprint, name)
meta = proto.meta

st.subheader(f"MVP: {views.escape_markdown(name)}")
st.caption(
    views.escape_markdown(
        f"{meta['estimator']} · explained with the {meta['explainer']} SHAP explainer · "
        f"version {proto.version}, published {meta['published_at'][:10]}"
    )
)
if meta.get("notes"):
    st.text(meta["notes"])

# -- metrics against the previous sprint's MVP --------------------------------------------------
previous = views.previous_mvp(ws, sprint)
previous_metrics = ws.prototype(*previous).metrics if previous else None
deltas = views.metric_deltas(proto.metrics, previous_metrics, proto.task)
if deltas:
    for column, delta in zip(st.columns(len(deltas)), deltas, strict=True):
        column.metric(
            delta.label,
            delta.formatted,
            delta=delta.delta_text,
            delta_color=delta.delta_color,
            help="Higher is better" if delta.delta_color == "normal" else "Lower is better",
        )
    if previous:
        st.caption(views.escape_markdown(f"Changes against {previous[0]}'s MVP, {previous[1]}."))

# -- what came of the feedback on earlier sprints -----------------------------------------------
if sprint != ws.sprints()[0]:
    panels.followup_panel(path, sprint, name, proto.version)

# -- what drives the model, and its predictions -------------------------------------------------
predictions = cached.predictions(path, sprint, name, proto.version)
st.subheader("What drives the model")
st.altair_chart(views.global_importance_chart(meta), width="stretch")

table_column, explanation_column = st.columns([5, 7], gap="small")
with table_column:
    st.subheader("Predictions")
    classes = meta.get("classes") or []
    correctness = "all"
    if "correct" in predictions.columns:
        correctness = st.segmented_control(
            "Outcome",
            views.CORRECTNESS,
            default="all",
            required=True,
            format_func={"all": "All", "correct": "Right", "wrong": "Wrong"}.get,
            key="demo_correctness",
        )
    chosen = st.multiselect(
        "Predicted class", classes, key="demo_classes", placeholder="All classes"
    )
    confidence = (0.0, 1.0)
    if "confidence" in predictions.columns:
        confidence = st.slider("Confidence", 0.0, 1.0, (0.0, 1.0), step=0.05, key="demo_confidence")
    shown = views.filter_predictions(predictions, chosen, confidence, correctness or "all")
    st.caption(f"Showing {len(shown):,} of {len(predictions):,} rows. Click a row to explain it.")
    columns = [c for c in ("predicted", "confidence", "actual") if c in shown]
    event = st.dataframe(
        shown[columns],
        key=TABLE_KEY,
        on_select="rerun",
        selection_mode="single-row",
        height=330,
        width="stretch",
        column_config={
            "row_id": st.column_config.TextColumn("Row", width=58),
            "predicted": st.column_config.TextColumn("Predicted", width=82),
            "confidence": st.column_config.NumberColumn("Confidence", format="percent", width=86),
            "actual": st.column_config.TextColumn("Actual", width=60),
        },
    )

with explanation_column:
    if shown.empty:
        st.info("No prediction matches these filters.")
        st.stop()
    rows = list(event.selection.rows) if event is not None else []
    position = rows[0] if rows and rows[0] < len(shown) else 0
    row_id = str(shown.index[position])
    explanation = cached.explanation(path, sprint, name, proto.version, row_id)
    row = predictions.loc[row_id]

    words = views.prediction_in_words(row["predicted"], row.get("confidence"), meta)
    st.subheader(f"Row {views.escape_markdown(row_id)}: {views.escape_markdown(words)}")
    details = [f"actual outcome: {row['actual']}"] if "actual" in row else []
    if not rows:
        details.append("no row selected, so the first row of the table is explained")
    if details:
        st.caption(views.escape_markdown("; ".join(details).capitalize() + "."))
    st.altair_chart(views.waterfall_chart(explanation, meta), width="stretch")
    st.caption(views.escape_markdown(views.waterfall_caption(explanation, meta)))
    with st.expander("Feature values"):
        st.dataframe(
            views.feature_values_table(explanation["feature_values"]),
            hide_index=True,
            width="stretch",
        )
