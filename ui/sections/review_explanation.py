"""The SME review card in words: the prediction, the reasons, the waterfall, and the dispute of
a feature's contribution ("right answer, wrong reason")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

import streamlit as st

from feedback_store import DISPUTE_KINDS
from feedback_store.store import COMMENT_MAX
from model import access, review
from model.metrics import MULTICLASS
from model.right_values import target_unit
from ui import (
    cached,
    cached_classes,
    class_choice,
    dispute_words,
    explanation_values,
    explanations,
    formatting,
    free_text,
    review_card,
    session,
    verdict_tables,
)
from ui.sections import review_session
from ui.sections.review_session import FLASH_KEY, ReviewContext

if TYPE_CHECKING:
    import pandas as pd


def prediction_header(ctx: ReviewContext, predicted, confidence: float | None) -> None:
    st.subheader(
        formatting.escape_markdown(formatting.prediction_in_words(predicted, confidence, ctx.meta))
    )
    sure = review_card.confidence_in_words(confidence, len(ctx.classes))
    if sure:
        st.markdown(f"**{formatting.escape_markdown(sure)}**")


def reasons(ctx: ReviewContext, explanation: dict, percentiles: dict) -> None:
    """The card's "Why" in sentences; a multiclass card first offers "Why Billing? / Why not
    Refunds?" (``shown_explanation``) and words the reasons of the class chosen. A demo row's
    free text comes first, whole (``texts``)."""
    if explanation.get("case") is None:  # an own case's text is in its form, above
        texts(ctx, explanation)
    explanation = shown_explanation(ctx, explanation, ask=True)
    sentences = review.reason_sentences(
        explanation,
        percentiles,
        ctx.task,
        ctx.meta.get("positive_class"),
        outcome=ctx.outcome,
        noun=ctx.noun,
        class_names=ctx.meta.get("class_names"),
        units=ctx.meta.get("display_units"),
        descriptions=ctx.meta.get("feature_descriptions"),
        uncertainty=explanations.estimate_error(ctx.meta, explanation),
        target_unit=target_unit(ctx.meta),
    )
    st.markdown("**Why**")
    if sentences:
        st.markdown("\n".join(f"- {formatting.escape_markdown(s)}" for s in sentences))
    else:
        st.caption("No single reading moved this prediction much.")


def texts(ctx: ReviewContext, explanation: dict) -> None:
    """Each free-text reading of the row whole (a claim's description: the reasons, the
    waterfall and the readings cut it), wrapped, with the words that moved the prediction of
    the class the card explains most marked red (up) or blue (down)."""
    shown = shown_explanation(ctx, explanation)
    found = free_text.free_texts(ctx.meta, explanation.get("feature_values") or {})
    for column, text in found.items():
        marks = free_text.marked_words(shown.get("words"), column)
        st.markdown(f"**{formatting.escape_markdown(column)}**, as the model read it")
        with st.container(border=True):
            for paragraph in free_text.marked_text(text, marks):
                st.markdown(paragraph)
        if marks:
            target = explanation_values.target_words(
                ctx.meta, shown.get("explained_class"), shown.get("unit")
            )
            what = "the word that moves" if len(marks) == 1 else f"the {len(marks)} words that move"
            st.caption(
                formatting.escape_markdown(f"Marked: {what} {target} most, red up, blue down.")
            )


def with_words(cache_key: tuple, meta: Mapping, row_id: str, explanation: dict) -> dict:
    """``explanation`` of a demo row of the prototype ``cache_key`` names (path, sprint, name,
    content id) with its ``row_id`` (as an own case's has it: the card's choice of a class
    explains the row again) and the words of its free-text readings (``"words"``, as
    ``explain_own_case`` gives an own case's), which the reasons, the words table and
    Present's line read."""
    explanation = {**explanation, "row_id": row_id}
    if not meta.get("text_columns"):
        return explanation
    words = cached.row_words(*cache_key, row_id, explanation.get("explained_class"))
    return {**explanation, "words": words}


def _chances(ctx: ReviewContext, explanation: dict) -> dict[str, float]:
    """Each class's chance for the card: an own case's as explained, a demo row's as
    published."""
    if explanation.get("probabilities"):
        return {str(c): float(p) for c, p in explanation["probabilities"].items()}
    row = cached.prediction_row(*ctx.cache_key, explanation["row_id"])
    return {c: float(row[f"p:{c}"]) for c in ctx.classes if f"p:{c}" in row.index}


def shown_explanation(ctx: ReviewContext, explanation: dict, *, ask: bool = False) -> dict:
    """The explanation of the class a multiclass card's choice names ("Why Billing? / Why
    not Refunds?", the predicted class first and chosen until another is), drawing the choice
    and what the chosen class's chances are when ``ask``; ``explanation`` itself for a binary
    or regression card, or one without its ``row_id`` (``with_words``). An own case's
    ``explanation`` carries its entered values as ``case`` (sorted JSON)."""
    row_id = explanation.get("row_id")
    if ctx.task != MULTICLASS or not row_id:
        return explanation
    predicted = str(explanation.get("explained_class"))
    chances = _chances(ctx, explanation)
    options = class_choice.choices(chances, predicted, ctx.task)
    if not options:
        return explanation
    key = f"review_why_{ctx.name}_{row_id}"
    if ask:
        chosen = st.radio(
            "Show the reasons for",
            options,
            format_func=lambda label: class_choice.choice_label(label, predicted, ctx.meta),
            horizontal=True,
            key=key,
            help="The model chose the first; the others are the next likeliest classes. "
            "Choose one to see what pushes this case towards it and what pushes it away.",
        )
        said = class_choice.why_not_text(chosen, predicted, chances, ctx.meta)
        if said:
            st.caption(formatting.escape_markdown(said))
    else:
        chosen = st.session_state.get(key, predicted)
    if chosen not in options or chosen == predicted:
        return explanation
    case = explanation.get("case")
    other = cached_classes.class_explanation(*ctx.cache_key, row_id, chosen, case)
    other = {**other, "row_id": row_id, "case": case}
    return other if case is not None else with_words(ctx.cache_key, ctx.meta, row_id, other)


def words(explanation: dict) -> None:
    """The words of the explanation's free-text readings, largest first, with their stated
    error: what the reasons name three of."""
    table = explanations.words_table(explanation.get("words"), explanation.get("unit"))
    if table is not None:
        st.markdown("**The words that moved it most**")
        st.dataframe(table, hide_index=True, width="stretch")


def unexplained(ctx: ReviewContext, reason: str) -> None:
    """In place of the reasons and the waterfall of a row that has no explanation: why, and
    what the data scientist can do, then the card's technical details."""
    st.markdown("**Why**")
    st.info(formatting.escape_markdown(reason), icon=":material/info:")
    technical_details(ctx, None)


def waterfall(ctx: ReviewContext, spec: dict, explanation: dict) -> None:
    """The waterfall, how to read it, whether its values are approximate or on the model's own
    score scale, and the technical details in an expander; of the class a multiclass card's
    choice names (``shown_explanation``), ``spec`` being the predicted class's."""
    shown = shown_explanation(ctx, explanation)
    if shown is not explanation:
        label = str(shown["explained_class"])
        spec = cached_classes.class_waterfall_spec(
            *ctx.cache_key, shown["row_id"], label, shown.get("case")
        )
        explanation = shown
    session.chart(spec)
    st.caption(formatting.escape_markdown(explanations.waterfall_caption(explanation, ctx.meta)))
    for note in explanations.honesty_notes(ctx.meta, explanation):
        st.caption(formatting.escape_markdown(note))


def technical_details(ctx: ReviewContext, explanation: dict | None) -> None:
    """The model, the explainer, the units and the base value, for the data scientist, in an
    expander under the card."""
    with st.expander("Technical details"):
        for line in explanations.technical_details(ctx.meta, explanation):
            st.caption(formatting.escape_markdown(line))


def disputes_section(ctx: ReviewContext, row_id: str, explanation: dict) -> None:
    """The dispute of a feature's contribution, then the card's technical details."""
    _disputes(ctx, row_id, explanation)
    technical_details(ctx, explanation)


def _disputes_elsewhere_table(elsewhere: pd.DataFrame, unit: str | None) -> pd.DataFrame:
    """``verdict_tables.disputes_table`` of disputes on other versions, each with its version
    first ("on version 2")."""
    table = verdict_tables.disputes_table(elsewhere, unit)
    table.insert(0, "Version", elsewhere["where"].astype(str).to_numpy())
    return table


def _disputes(ctx: ReviewContext, row_id: str, explanation: dict) -> None:
    contributions = explanation["contributions"]
    unit = explanation.get("unit")
    ordered = sorted(contributions, key=lambda f: abs(contributions[f]), reverse=True)
    # Disputes of other versions were about another model's contributions: never this card's.
    disputes, elsewhere = review.card_disputes(ctx.store, ctx.proto, row_id)
    label = "Right answer, wrong reason?" + review_card.disputes_count_text(
        len(disputes), len(elsewhere)
    )
    with st.expander(label, icon=":material/flag:"):
        if len(disputes):
            st.dataframe(
                verdict_tables.disputes_table(disputes, unit), hide_index=True, width="stretch"
            )
        if len(elsewhere):
            st.caption(formatting.escape_markdown(review_card.disputes_elsewhere_text(elsewhere)))
            st.dataframe(
                _disputes_elsewhere_table(elsewhere, unit),
                hide_index=True,
                width="stretch",
            )
        if not ctx.may_dispute:
            st.caption(formatting.escape_markdown(access.refusal(ctx.role, "dispute")))
            return
        key = review_session.card_keys(ctx, row_id)["dispute"]
        with st.form(f"review_dispute_{key}", border=False):
            first, second = st.columns(2)
            feature = first.selectbox(
                "Feature",
                ordered,
                format_func=lambda f: (
                    f"{f} ({explanations.contribution_text(contributions[f], unit)})"
                ),
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
                placeholder=dispute_words.dispute_placeholder(
                    ordered[0] if ordered else None, ctx.meta.get("feature_descriptions")
                ),
                help=f"Up to {COMMENT_MAX:,} characters.",
            )
            submitted = st.form_submit_button("Record dispute")
        if submitted:
            try:
                review_session.record_dispute(
                    ctx,
                    row_id=row_id,
                    reviewer=ctx.reviewer,
                    feature=feature,
                    kind=kind,
                    shap_value=float(contributions[feature]),
                    comment=comment,
                    key=key,
                )
            except (ValueError, OSError) as error:
                st.error(formatting.escape_markdown(formatting.one_line(error)))
            else:
                review_session.renew_keys(ctx, row_id, "dispute")
                st.session_state[FLASH_KEY] = (
                    f"Recorded your dispute: {formatting.escape_markdown(feature)} {kind}."
                )
                st.rerun()
