"""The bake-off's outcomes in counts: what each prototype would have done with the demo rows,
in the class names people use ("caught 50 of 68 failures, 7 false alarms among 1,932
machines with no failure"), its confusion matrix in counts with words, its decision threshold
(binary; movable) and what its errors would cost a month."""

from __future__ import annotations

import streamlit as st

from model.metrics import BINARY, MULTICLASS, REGRESSION
from model.outcomes import class_in_sentence, outcome_sentence, outcome_sentences
from ui import (
    bakeoff_tables,
    bakeoff_words,
    cached,
    cached_chances,
    confusion,
    formatting,
    review_card,
    session,
)
from ui.formatting import escape_markdown as escape
from ui.sections import bakeoff_thresholds
from ui.sections.bakeoff_session import BakeoffContext

#: Prototypes side by side in one row, at most.
PER_ROW = 3


def show(ctx: BakeoffContext) -> None:
    """One card per prototype, the MVP first."""
    st.subheader(f"What each prototype would do with {ctx.attrs['n_rows']:,} demo {ctx.noun}")
    others = {}
    if ctx.task != BINARY:
        others = cached.sprint_outcomes(ctx.path, ctx.sprint, ctx.stamp)
    costs = {c.name: c for c in ctx.costs}
    names = sorted(ctx.prototypes, key=lambda n: n != ctx.mvp)
    per_row = cards_per_row(ctx.task, len(ctx.metas[names[0]].get("classes") or []))
    for start in range(0, len(names), per_row):
        row = names[start : start + per_row]
        for column, name in zip(st.columns(per_row), row, strict=False):
            with column.container(border=True):
                _card(ctx, name, costs.get(name), others.get(name))


def cards_per_row(task: str, n_classes: int) -> int:
    """Cards side by side: ``PER_ROW``, but a multiclass card's table of counts has a column
    per class and a third of a 1280-pixel page holds about three: two cards a row for three
    classes (a third card cut the last class's column off), one for more."""
    if task != MULTICLASS:
        return PER_ROW
    return max(1, min(PER_ROW, 8 // (n_classes + 1)))


def _card(ctx: BakeoffContext, name: str, cost, other: dict | None) -> None:
    st.markdown(f"**{escape(name)}**{' (MVP)' if name == ctx.mvp else ''}")
    names = ctx.class_names(name)
    errors = cost.errors if cost is not None else None
    if errors is None and other is None:
        st.caption(
            "Published without the demo set's labels: there is nothing to count its "
            "outcomes against."
        )
        return
    if ctx.task == BINARY and errors is not None and errors.outcome is not None:
        outcome = errors.outcome
        positive = (
            outcome_positive(names, outcome.positive)
            # a class without a name of its own: the target's, not "the chance of 1"
            if names.get(outcome.positive, outcome.positive) != outcome.positive
            else formatting.class_in_words(outcome.positive, ctx.metas[name])
        )
        said = outcome_sentence(outcome, names, ctx.noun)
        if bakeoff_words.flags_every_case(outcome):  # not "Caught 91 of 91" for "always no"
            said = bakeoff_words.every_case_sentence(
                outcome,
                _chances(ctx, name, outcome.positive),
                positive,
                review_card.cases_noun(ctx.noun),  # "every case", not "every rows in the demo set"
                said,
            )
        st.write(escape(said))
        st.table(
            bakeoff_tables.escape_table(bakeoff_tables.binary_confusion(outcome, names, ctx.noun))
        )
        bakeoff_thresholds.slider(
            ctx.sprint,
            name,
            # "Flag a case", not "Flag a rows in the demo set" (the generic noun)
            f"Flag a {bakeoff_tables.singular(review_card.cases_noun(ctx.noun))} when the chance"
            f" of {positive} is at least",
        )
    elif other is not None:
        unit = bakeoff_tables.target_unit(ctx.metas[name])
        sentences = outcome_sentences(other["outcome"], names, ctx.noun, unit)
        st.markdown(formatting.outcome_markdown(sentences))
        matrix = other.get("confusion") if ctx.task != REGRESSION else None
        if matrix is not None and confusion.shown_as_table(matrix):
            st.table(bakeoff_tables.escape_table(bakeoff_tables.count_table(matrix)))
        elif matrix is not None:
            session.chart(confusion.confusion_spec(matrix))
    if errors is not None:
        st.markdown(f"Its errors would cost **{escape(bakeoff_tables.error_cost_text(errors))}**.")
        # The counts above times the costs do not give this figure by themselves (a month's
        # volume, the correction for choosing the threshold on these rows): say how, on the
        # page, where a hover is out of reach on a projector.
        with st.expander("How this is worked out"):
            st.markdown(escape(errors.formula))


def _chances(ctx: BakeoffContext, name: str, positive: str) -> tuple[float, float] | None:
    """The lowest and highest chance of the ``positive`` class prototype ``name`` gives the
    demo rows (None where it stored none)."""
    proto = ctx.ws.prototype(ctx.sprint, name)
    return cached_chances.chance_range(ctx.path, ctx.sprint, name, proto.content_id, positive)


def outcome_positive(class_names: dict[str, str], label: str) -> str:
    """The positive class's name in a sentence: ``Failure`` → ``failure``."""
    return class_in_sentence(class_names.get(label, label))
