"""Feedback: the SMEs' verdicts, filtered, with each verdict's history and exports."""

import streamlit as st

from feedback_store import VERDICTS
from model import cached, views

ALL = "All"
EXPORTS = {"csv": ("CSV", "text/csv"), "parquet": ("Parquet", "application/vnd.apache.parquet"),
           "jsonl": ("JSON Lines", "application/jsonl")}  # fmt: skip

cached.require_app()
ws = cached.workspace()
path = str(ws.path)
store = cached.store(path)
sprints = ws.sprints()

st.title("Feedback")

everything = store.verdicts()
filters = st.columns(4)
if st.session_state.get("feedback_sprint") not in [ALL, *sprints]:
    st.session_state.pop("feedback_sprint", None)
sprint = filters[0].selectbox("Sprint", [ALL, *sprints], key="feedback_sprint")
in_sprint = everything if sprint == ALL else everything[everything["sprint"] == sprint]
prototype_options = [ALL, *sorted(in_sprint["prototype"].unique())]
if st.session_state.get("feedback_prototype") not in prototype_options:
    st.session_state.pop("feedback_prototype", None)
prototype = filters[1].selectbox("Prototype", prototype_options, key="feedback_prototype")
reviewer_options = [ALL, *sorted(everything["reviewer"].unique(), key=str.casefold)]
if st.session_state.get("feedback_reviewer") not in reviewer_options:
    st.session_state.pop("feedback_reviewer", None)
reviewer = filters[2].selectbox("Reviewer", reviewer_options, key="feedback_reviewer")
kinds = filters[3].multiselect(
    "Verdict", VERDICTS, key="feedback_verdicts", placeholder="All verdicts"
)


def chosen(value: str) -> str | None:
    return None if value == ALL else value


scope = dict(sprint=chosen(sprint), prototype=chosen(prototype), reviewer=chosen(reviewer))
in_scope = store.verdicts(**scope)
verdicts = views.filter_verdicts(in_scope, kinds)
counts = views.count_verdicts(verdicts)
for column, (label, value) in zip(
    st.columns(5),
    [
        ("Correct", counts["correct"]),
        ("Wrong", counts["wrong"]),
        ("Unsure", counts["unsure"]),
        ("Verdicts", counts["total"]),
        ("Reviewers", counts["reviewers"]),
    ],
    strict=True,
):
    column.metric(label, value)

table = views.verdicts_table(verdicts)
# A column holding the one value chosen in a filter above says nothing: leave it out.
hidden = [
    column for column, value in (("Sprint", sprint), ("Prototype", prototype)) if value != ALL
]
st.dataframe(
    table.drop(columns=hidden),
    hide_index=True,
    width="stretch",
    column_config={"Comment": st.column_config.TextColumn(width="medium")},
)
st.caption(f"{len(table):,} of {len(everything):,} verdicts.")

history_column, export_column = st.columns([3, 2], gap="large")
with history_column:
    st.subheader("History")
    if verdicts.empty:
        st.caption("No verdict matches these filters.")
    else:
        labels = {
            int(v.verdict_id): f"#{v.verdict_id} · row {v.row_id} · {v.reviewer} · {v.verdict}"
            for v in verdicts.itertuples()
        }
        if st.session_state.get("feedback_history") not in labels:
            st.session_state.pop("feedback_history", None)
        verdict_id = st.selectbox(
            "Every version of", list(labels), format_func=labels.get, key="feedback_history"
        )
        history = store.history(verdict_id)
        st.dataframe(views.history_table(history), hide_index=True, width="stretch")

with export_column:
    st.subheader("Export")
    st.caption(
        "Current verdicts for the chosen sprint, prototype and reviewer (all verdict kinds), "
        "with the features and prediction each reviewer saw."
    )

    nothing = in_scope.empty
    for fmt, (label, mime) in EXPORTS.items():
        st.download_button(
            f"Download {label}",
            data=views.export_bytes(store, fmt, **scope),
            file_name=f"verdicts.{fmt}",
            mime=mime,
            key=f"feedback_export_{fmt}",
            icon=":material/download:",
            on_click="ignore",
            width="stretch",
            disabled=nothing,
        )
