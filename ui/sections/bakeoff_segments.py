"""The bake-off's "Per segment" tab: each prototype's score per value of a chosen feature, said
in words; the metric's name behind "Technical details"."""

from __future__ import annotations

import streamlit as st

from model.outcomes import plural
from ui import bakeoff_tables, bakeoff_words, cached, formatting
from ui.formatting import escape_markdown as escape
from ui.sections.bakeoff_session import BakeoffContext

FEATURE_KEY = "bake_off_feature"


def show(ctx: BakeoffContext) -> None:
    """The tab, computed only when it is open."""
    texts = {c for meta in ctx.metas.values() for c in meta.get("text_columns", [])}
    choices = bakeoff_tables.segment_features(ctx.metas[ctx.prototypes[0]], texts)
    positive = formatting.positive_noun(ctx.metas[ctx.prototypes[0]])
    positives = positive if positive.startswith("“") else plural(positive)  # a quoted name
    show_segments(
        ctx.path, ctx.sprint, ctx.metric_key, ctx.label, choices, ctx.stamp, ctx.noun, positives
    )


def show_segments(
    path: str,
    sprint: str,
    metric_key: str,
    label: str,
    choices: list[str],
    stamp: tuple,
    noun: str = "rows",
    positives: str = "positive cases",
) -> None:
    """The score (``label``) of each prototype per value of a feature chosen among ``choices``;
    ``noun`` is what a demo row is, in the plural ("machines")."""
    st.subheader("How each prototype scores per segment")
    if not choices:
        st.info("These prototypes were published without their feature names.")
    else:
        if st.session_state.get(FEATURE_KEY) not in choices:
            st.session_state[FEATURE_KEY] = choices[0]
        feature = st.selectbox(
            "Feature",
            choices,
            key=FEATURE_KEY,
            persist_state="page",  # kept while another tab is open
            help="Categorical features first; a numeric one is cut into four equal-count bins.",
            width=360,
        )
        try:
            segments = cached.segments(path, sprint, metric_key, feature, stamp)
        except ValueError as error:
            st.error(escape(formatting.one_line(error)))
        else:
            st.caption(escape(bakeoff_words.segment_caption(metric_key, feature, noun)))
            view = bakeoff_tables.segment_view(segments, noun, positives)
            st.dataframe(
                view,
                hide_index=True,
                width="stretch",
                # The segment and its rows narrow, so four prototypes' columns fit 1280x720
                # (the fourth was cut to "har…").
                column_config={name: {"width": "small"} for name in view.columns[:2]},
            )
    with st.expander("Technical details: the score per segment"):
        help_text = bakeoff_tables.METRIC_HELP.get(metric_key)
        if help_text:
            st.caption(escape(f"The score is {label}: {help_text[0].lower()}{help_text[1:]}"))
        st.caption(
            escape(
                f"{label} of each prototype on the demo rows of each value of the feature "
                "chosen (a numeric one cut into four equal-count bins); — where it is "
                "undefined (a segment with one class only). Choose another metric under the "
                "technical details above the tabs."
            )
        )
