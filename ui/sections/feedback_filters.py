"""The Feedback page's opening: the filters (sprint, prototype, reviewer, verdict), the counts
they select, and what every tab of the page shares (``FeedbackContext``).

The filters narrow the verdicts table and its downloads. Agreement, resolved labels and
disputes are about the reviewers together, so they follow the sprint and prototype filters
only (``shared_scope``). The sprint filter follows the sidebar's sprint, as the other pages
do, until the user chooses another on the page (``sprint_filter``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from feedback_store import VERDICTS, FeedbackStore
from model import access
from model.workspace import Workspace
from ui import cached, formatting, session, verdict_tables

ALL = "All"
SPRINT_KEY = "feedback_sprint"
#: The sprint filter the user chose on the page and the sidebar's sprint then: ``(sprint,
#: sidebar_sprint)``. Kept apart from the widget's state, which a visit to another page drops.
SPRINT_CHOICE_KEY = "feedback_sprint_choice"
PROTOTYPE_KEY = "feedback_prototype"
#: The prototype filter in the URL, so a link or a reload opens the same filtered view.
PROTOTYPE_PARAM = "prototype"


def chosen(value: str) -> str | None:
    """A filter's value as the store takes it: None for "All"."""
    return None if value == ALL else value


def sprint_filter(options: list[str], outline: pd.DataFrame, linked: str | None) -> str:
    """The sprint filter's value this run: the one the user chose on the page while the
    sidebar still shows the sprint it showed then; else the sidebar's sprint (as the other
    pages), or "All" when the filter does not offer it or when the link's prototype
    (``linked``) has verdicts in other sprints only."""
    sidebar = session.sprint()
    choice = st.session_state.get(SPRINT_CHOICE_KEY)
    if choice is not None and choice[1] == sidebar and choice[0] in options:
        return choice[0]
    st.session_state.pop(SPRINT_CHOICE_KEY, None)  # a sprint chosen in the sidebar since wins
    if sidebar not in options:
        return ALL
    if outline.loc[outline["sprint"] == sidebar, "verdicts"].sum() == 0:
        return ALL  # nothing judged there yet (the demo's latest sprint): every sprint's verdicts
    if linked is not None:
        judged = set(outline.loc[outline["sprint"] == sidebar, "prototype"])
        if linked not in judged and linked in set(outline["prototype"]):
            return ALL
    return sidebar


def empty_sprint_note(
    sprint: str, in_sprint: int, total: int, sidebar: str | None = None, in_sidebar: int = 0
) -> str | None:
    """What the page says when a sprint has no verdicts that others have: the sprint chosen
    on the page (choose "All"), or the sidebar's, for which the filter opened on "All"."""
    verdicts = "1 verdict" if total == 1 else f"{total:,} verdicts"
    if sprint == ALL:
        if sidebar is None or in_sidebar or not total:
            return None
        return f"No verdicts on {sidebar} yet: showing the {verdicts} of every sprint."
    if in_sprint or not total:
        return None
    return (
        f"No verdicts on {sprint} yet. Choose “All” under Sprint to see the {verdicts} of "
        "the other sprints."
    )


def _sprint_filter_chosen() -> None:
    st.session_state[SPRINT_CHOICE_KEY] = (st.session_state[SPRINT_KEY], session.sprint())


@dataclass(frozen=True)
class FeedbackContext:
    """What the Feedback page's tabs share: the store, the filters and what they select."""

    ws: Workspace
    path: str
    store: FeedbackStore
    #: The store's stamp: everything cached from the verdicts is keyed by it.
    stamp: tuple
    sprints: list[str]
    may_export: bool
    #: Why not, when the role may not export.
    no_export: str | None
    #: Who judged what, and how many (``cached.verdict_outline``).
    outline: pd.DataFrame
    total: int
    sprint: str
    prototype: str
    reviewer: str
    kind: str
    scope: dict
    table: pd.DataFrame
    labels: dict
    page_key: str
    history_key: str
    reviewed_sprints: list[str]
    shared_scope: dict


def shared_outline(ctx: FeedbackContext) -> pd.DataFrame:
    """The outline's rows in the sprint and prototype chosen (``shared_scope``)."""
    scoped = ctx.outline
    for column in ("sprint", "prototype"):
        if ctx.shared_scope[column] is not None:
            scoped = scoped[scoped[column] == ctx.shared_scope[column]]
    return scoped


def shared_class_names(ctx: FeedbackContext) -> dict[tuple[str, str], dict[str, str]]:
    """``Prototype.class_names`` of the prototypes with verdicts in the sprint and prototype
    chosen (``shared_scope``), for the tables that name classes."""
    scoped = shared_outline(ctx)
    return verdict_tables.class_names_of(ctx.ws, scoped["sprint"], scoped["prototype"])


def start() -> FeedbackContext:
    """The title, the filters and the counts of the verdicts they select."""
    ws = session.workspace()
    path = str(ws.path)
    store = cached.store(path)
    stamp = cached.verdicts_stamp(store)
    sprints = ws.sprints()
    role = session.role()
    may_export = access.can(role, "export")
    no_export = None if may_export else access.refusal(role, "export")

    st.title("Feedback")

    # Who judged what, and how many: the filters' choices without reading every verdict.
    outline = cached.verdict_outline(path, stamp)
    total = int(outline["verdicts"].sum())
    filters = st.columns(4)
    wanted = st.query_params.get(PROTOTYPE_PARAM)  # a link or a reload of a filtered view
    st.session_state[SPRINT_KEY] = sprint_filter([ALL, *sprints], outline, wanted)
    sprint = filters[0].selectbox(
        "Sprint", [ALL, *sprints], key=SPRINT_KEY, on_change=_sprint_filter_chosen
    )
    in_sprint = outline if sprint == ALL else outline[outline["sprint"] == sprint]
    prototype_options = [ALL, *sorted(in_sprint["prototype"].unique())]
    if wanted in prototype_options:
        st.session_state[PROTOTYPE_KEY] = wanted
    elif st.session_state.get(PROTOTYPE_KEY) not in prototype_options:
        st.session_state.pop(PROTOTYPE_KEY, None)
    prototype = filters[1].selectbox(
        "Prototype",
        prototype_options,
        key=PROTOTYPE_KEY,
        on_change=lambda: session.to_url(
            PROTOTYPE_PARAM, chosen(st.session_state.get(PROTOTYPE_KEY, ALL))
        ),
    )
    session.to_url(PROTOTYPE_PARAM, chosen(prototype))
    reviewer_options = [ALL, *sorted(outline["reviewer"].unique(), key=str.casefold)]
    if st.session_state.get("feedback_reviewer") not in reviewer_options:
        st.session_state.pop("feedback_reviewer", None)
    reviewer = filters[2].selectbox("Reviewer", reviewer_options, key="feedback_reviewer")
    kind = filters[3].selectbox(
        "Verdict",
        [ALL, *VERDICTS],
        key="feedback_verdict",
        format_func=lambda v: "All verdicts" if v == ALL else v,
    )
    scope = dict(sprint=chosen(sprint), prototype=chosen(prototype), reviewer=chosen(reviewer))
    selection = cached.verdict_selection(path, stamp, **scope, verdict=chosen(kind))
    counts, table, labels = selection["counts"], selection["table"], selection["labels"]
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

    sidebar = session.sprint()
    in_sidebar = int(outline.loc[outline["sprint"] == sidebar, "verdicts"].sum())
    note = empty_sprint_note(sprint, int(in_sprint["verdicts"].sum()), total, sidebar, in_sidebar)
    if note:
        st.info(formatting.escape_markdown(note), icon=":material/info:")

    # The key of the history box names the filtered set: with a key of its own per set, a
    # filter change starts the box afresh in the browser too (reusing one key kept showing the
    # old choice there while the page explained another).
    listed = hashlib.sha1(repr(list(labels)).encode()).hexdigest()[:12]
    page_key = f"feedback_page_{listed}"  # a new filtered set starts on its first page
    # The history box offers the verdicts of the page shown: one box per set and page.
    history_key = f"feedback_history_{listed}_{st.session_state.get(page_key, 1)}"

    reviewed_sprints = [s for s in sprints if s in set(outline["sprint"])]
    shared_scope = dict(sprint=chosen(sprint), prototype=chosen(prototype))
    return FeedbackContext(
        ws=ws,
        path=path,
        store=store,
        stamp=stamp,
        sprints=sprints,
        may_export=may_export,
        no_export=no_export,
        outline=outline,
        total=total,
        sprint=sprint,
        prototype=prototype,
        reviewer=reviewer,
        kind=kind,
        scope=scope,
        table=table,
        labels=labels,
        page_key=page_key,
        history_key=history_key,
        reviewed_sprints=reviewed_sprints,
        shared_scope=shared_scope,
    )
