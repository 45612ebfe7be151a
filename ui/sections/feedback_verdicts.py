"""The Feedback page's "Verdicts" tab: the verdicts matching the filters a page at a time, a
verdict's history, and the exports (made when a button is clicked)."""

from __future__ import annotations

import functools

import streamlit as st

from ui import predictions_table, verdict_tables
from ui.formatting import escape_markdown
from ui.sections.feedback_filters import ALL, FeedbackContext, chosen

EXPORTS = {"csv": ("CSV", "text/csv"), "parquet": ("Parquet", "application/vnd.apache.parquet"),
           "jsonl": ("JSON Lines", "application/jsonl")}  # fmt: skip
VERDICT_ORDER = ["Row", "Reviewer", "Verdict", *verdict_tables.RIGHT_COLUMNS, "Comment", "Tags",
                 "Prototype", "Prototype version"]  # fmt: skip


def class_names(ctx: FeedbackContext, table) -> dict[tuple[str, str], dict[str, str]]:
    """``Prototype.class_names`` of the prototypes on this page of verdicts (none for a
    prototype deleted since)."""
    return verdict_tables.class_names_of(ctx.ws, table["Sprint"], table["Prototype"])


def export_caption(table) -> str:
    """What the verdict export holds; a class's code and name only where there are classes
    (``table`` is ``verdicts_table``'s: a regression's has "Right value")."""
    text = (
        "The current verdicts matching the filters above, with the features and prediction "
        "each reviewer saw"
    )
    if "Right value" in table.columns:
        return f"{text}."
    return f"{text}; each class's code and, beside it, its name."


def show_verdicts(ctx: FeedbackContext) -> None:
    """The verdicts matching the filters, a verdict's history and the exports."""
    # A column holding the one value chosen in a filter above says nothing: leave it out.
    hidden = [
        column
        for column, value in (("Sprint", ctx.sprint), ("Prototype", ctx.prototype))
        if value != ALL
    ]
    shown = ctx.table
    # A page of verdicts at a time, as the Sprint demo's table: never every verdict at once.
    page = predictions_table.table_page(
        len(shown),
        len(shown),
        st.session_state.get(ctx.page_key, 1),
        predictions_table.TABLE_PAGE_SIZE,
    )
    rows = verdict_tables.name_labels(
        shown.iloc[page.start : page.stop], class_names(ctx, shown.iloc[page.start : page.stop])
    ).drop(columns=hidden)
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        # What reviewers said first, so a 1280-pixel projector shows the comment unscrolled.
        column_order=[c for c in VERDICT_ORDER if c in rows.columns]
        + [c for c in rows.columns if c not in VERDICT_ORDER],
        column_config={"Comment": st.column_config.TextColumn(width="large")},
    )
    showing = f"Showing {page.start + 1:,}–{page.stop:,} of them. " if page.pages > 1 else ""
    st.caption(
        f"{len(ctx.table):,} of {ctx.total:,} verdicts. {showing}Source “own” marks cases "
        "reviewers entered themselves."
    )
    if page.pages > 1:
        st.number_input(
            f"Page (of {page.pages:,})", min_value=1, max_value=page.pages, step=1,
            key=ctx.page_key, width=200,
        )  # fmt: skip

    history_column, export_column = st.columns([3, 2], gap="large")
    with history_column:
        st.subheader("History")
        if not ctx.labels:
            st.caption("No verdict matches these filters.")
        else:
            on_page = list(ctx.labels)[page.start : page.stop]
            verdict_id = st.selectbox(
                "Every version of", on_page, format_func=ctx.labels.get, key=ctx.history_key
            )
            history = ctx.store.history(verdict_id)
            names = verdict_tables.class_names_of(ctx.ws, history["sprint"], history["prototype"])
            table = verdict_tables.history_table(history, names)
            st.dataframe(table, hide_index=True, width="stretch")
            # A table cell cuts a long comment short: the latest one whole, as written.
            comment = verdict_tables.latest_comment(history)
            if comment:
                st.markdown(f"**Comment:** {escape_markdown(comment)}")

    with export_column:
        st.subheader("Export")
        st.caption(export_caption(ctx.table))
        for fmt, (label, mime) in EXPORTS.items():
            # Made when clicked, not on every rerun; a role without "export" gets no callable.
            st.download_button(
                f"Download {label}",
                data=functools.partial(
                    verdict_tables.verdict_export_bytes,
                    ctx.store,
                    fmt,
                    **ctx.scope,
                    verdict=chosen(ctx.kind),
                    ws=ctx.ws,
                )
                if ctx.may_export and ctx.labels
                else b"",
                file_name=f"verdicts.{fmt}",
                mime=mime,
                key=f"feedback_export_{fmt}",
                icon=":material/download:",
                on_click="ignore",
                width="stretch",
                disabled=not ctx.labels or not ctx.may_export,
                help=ctx.no_export,
            )
