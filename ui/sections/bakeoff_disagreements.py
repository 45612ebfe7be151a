"""The bake-off's "Where they disagree" tab: the rows where the prototypes decide differently,
each binary one at its cheapest cut-off as the counts above flag a case (its own class where
none is known), and the button that sends them to SME review."""

from __future__ import annotations

import streamlit as st

from model import access
from model.metrics import REGRESSION
from model.right_values import target_name
from model.workspace import Workspace
from ui import bakeoff_tables, bakeoff_words, cached_disagreements, formatting, session
from ui.bakeoff_disagreement_words import cutoffs_caption
from ui.formatting import escape_markdown as escape
from ui.sections.bakeoff_session import BakeoffContext
from ui.sections.review_queue import SENT_PREFIX

ROWS_PAGE_KEY = "bake_off_rows_page"
QUEUE = "bake-off disagreements"
ROWS_PER_PAGE = 25


def regression_text(target: str | None) -> str:
    """What the tab says for a regression, whose prototypes predict numbers that never agree
    to the cent: where to find the rows on which they differ most."""
    what = f"a number ({target})" if target else "a number"
    return (
        f"These prototypes each predict {what}, so no two of them ever give exactly the same "
        "answer. The SME review queue “Where this sprint's prototypes disagree” holds the rows "
        "where their predictions are furthest apart, those first."
    )


def show(ctx: BakeoffContext) -> None:
    """The tab, computed only when it is open."""
    meta = ctx.metas.get(ctx.prototypes[0]) or {}
    if meta.get("task") == REGRESSION:
        st.subheader("Where the prototypes disagree")
        st.info(escape(regression_text(target_name(meta))))
        st.page_link(
            "pages/sme_review.py",
            label="Review them on SME review",
            icon=":material/rate_review:",
            query_params={"sprint": ctx.sprint, "queue": "disagreement"},
        )
        return
    names = ctx.class_names(ctx.prototypes[0])
    show_disagreements(
        ctx.ws, ctx.sprint, ctx.stamp, ctx.role, class_names=names, task=ctx.task, noun=ctx.noun
    )


def show_disagreements(
    ws: Workspace,
    sprint: str,
    stamp: tuple,
    role: str | None,
    class_names: dict[str, str] | None = None,
    task: str | None = None,
    noun: str = "cases",
) -> None:
    """The rows where the prototypes decide differently (each binary one at its cheapest
    cut-off where one is known), a page at a time, and the button that sends them to SME
    review; labels by their ``class_names``, the captions in the words of their ``task`` and
    ``noun`` (plural)."""
    st.subheader("Where the prototypes disagree")
    path = str(ws.path)
    try:
        cutoffs = cached_disagreements.sprint_cutoffs(ws, sprint, ws.prototypes(sprint))
        key = cached_disagreements.cutoffs_key(cutoffs)
        split = cached_disagreements.disagreements(path, sprint, key, stamp)
    except ValueError as error:
        st.info(escape(formatting.one_line(error)))
    else:
        names = list(split["agreement"].index)
        used = {name: split["cutoffs"].get(name) for name in names}
        differ = split["rows"]  # only the rows where they disagree
        row_ids = [str(r) for r in differ["row_id"]]
        if len(names) < 2:
            st.info("Only one prototype here: there is nothing to disagree about.")
        else:
            share_column, send_column = st.columns(2, gap="large")
            with share_column:
                st.metric(
                    "Demo rows where the predictions differ",
                    formatting.percent(split["share"]) if split["n_disagreements"] else "none",
                    help=(
                        "Rows where at least two prototypes decide differently: one flags it, "
                        "another does not (or they name different classes)."
                    ),
                )
                st.write(
                    f"{split['n_disagreements']:,} of {split['n_rows']:,} demo rows: the rows "
                    "an SME can settle fastest."
                )
                st.caption(escape(cutoffs_caption(used, task, noun, class_names)))
            with send_column:
                sent = ws.review_queues(sprint).get(QUEUE)
                rows_text = formatting.counted(len(row_ids), "rows")
                send = st.button(
                    f"Send {'this row' if len(row_ids) == 1 else f'these {rows_text}'} "
                    "to SME review",
                    key="bake_off_send_rows",
                    type="primary",
                    disabled=not row_ids or not access.can(role, "send_to_review"),
                    help=(
                        f"They appear on the SME review page as the queue “{QUEUE}”."
                        if access.can(role, "send_to_review")
                        else access.refusal(role, "send_to_review")
                    ),
                )
                if send:
                    reviewer = session.reviewer()
                    if not reviewer:
                        st.error(
                            "Enter your name in the sidebar first: the rows are sent under it."
                        )
                    else:
                        try:
                            sent = ws.send_to_review(
                                sprint,
                                QUEUE,
                                row_ids,
                                sent_by=reviewer,
                                note=f"{rows_text} where {sprint}'s prototypes disagree",
                            )
                        except ValueError as error:
                            st.error(escape(formatting.one_line(error)))
                        else:
                            st.success(
                                f"Sent {formatting.counted(len(row_ids), 'rows')} to SME review."
                            )
                if sent:
                    st.caption(
                        escape(
                            "Last sent: "
                            f"{formatting.counted(len(sent.get('rows', [])), 'rows')} by "
                            f"{sent.get('sent_by') or 'unknown'} on "
                            f"{str(sent.get('sent_at', ''))[:10]}"
                        )
                    )
                    st.page_link(
                        "pages/sme_review.py",
                        label=f"Review them on SME review (the queue “{QUEUE}”)",
                        icon=":material/rate_review:",
                        query_params={"sprint": sprint, "queue": f"{SENT_PREFIX}{QUEUE}"},
                    )
            session.chart(cached_disagreements.agreement_spec(path, sprint, key, stamp))
            if row_ids:
                pages = (len(row_ids) - 1) // ROWS_PER_PAGE + 1
                page = 1
                if pages > 1:
                    page = st.number_input(
                        f"Page (of {pages})",
                        min_value=1,
                        max_value=pages,
                        value=1,
                        step=1,
                        key=ROWS_PAGE_KEY,
                        persist_state="page",
                        width=200,
                    )
                start = (int(page) - 1) * ROWS_PER_PAGE
                rows = differ.iloc[start : start + ROWS_PER_PAGE]
                st.dataframe(
                    bakeoff_tables.disagreement_view(rows, names, class_names),
                    hide_index=True,
                    width="stretch",
                    column_config={"Row": st.column_config.TextColumn(pinned=True)},
                )
                st.caption(bakeoff_words.disagreement_caption(start, len(rows), len(row_ids), task))
