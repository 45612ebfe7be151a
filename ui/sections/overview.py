"""The Overview's sections: the MVP's score per sprint (in words; the metric's name under
"Technical details") beside the verdict counts, each sprint's MVP's outcome in counts, the
sprints table, the latest MVP on earlier feedback, and the decisions."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from model.workspace import Workspace
from ui import (
    bakeoff_tables,
    cached,
    followup_table,
    formatting,
    learnt_line,
    session,
    sprint_summary,
    sprints_score,
)
from ui.sections import followup, sprint_demo


def header(sprints: list[str], summary: pd.DataFrame, total: dict) -> None:
    """The title and what the workspace holds."""
    st.title("Sprint Review")
    counts = formatting.counted
    st.caption(
        f"{counts(len(sprints), 'sprints')} · {counts(len(summary), 'prototypes')} · "
        f"{counts(total['total'], 'verdicts')} from {counts(total['reviewers'], 'reviewers')}"
    )


#: The verdict counts beside the chart, two a row.
VERDICT_METRICS = ("correct", "wrong", "unsure", "reviewers")


def headline_and_verdicts(
    path: str, stamp: tuple, summary: pd.DataFrame, total: dict, sprints: list[str]
) -> None:
    """The MVP's headline metric per sprint, and the verdicts of every sprint counted."""
    chart_column, counts_column = st.columns([2, 1], gap="large")
    with chart_column:
        st.subheader("How good each sprint's MVP is")
        if summary["mvp"].any():
            session.chart(learnt_line.headline_spec(path, stamp))
            off_the_line(summary, sprints)
            for point in learnt_line.learnt_points(path, stamp):  # its point flatters it
                st.caption(formatting.escape_markdown(learnt_line.point_note(point)))
            note = cached.own_rows_note(path, stamp)
            if note:
                st.caption(formatting.escape_markdown(note))
            technical_metric(summary, sprints)
        else:
            st.info("No sprint has an MVP yet: choose one on the Bake-off page.")
    with counts_column:
        st.subheader("SME verdicts, all sprints")
        first, second = st.columns(2)
        for column, name in zip((first, second) * 2, VERDICT_METRICS, strict=True):
            column.metric(name.capitalize(), f"{total[name]:,}")  # "2,683", not "2683"


def off_the_line(summary: pd.DataFrame, sprints: list[str]) -> None:
    """One line naming the sprints whose MVP the chart leaves out, with their score."""
    line = sprint_summary.off_the_line_text(summary, sprints)
    if line:
        st.caption(formatting.escape_markdown(line))


def technical_metric(summary: pd.DataFrame, sprints: list[str]) -> None:
    """What the chart's score is, in words, and the MVPs' metrics' technical names behind an
    expander."""
    metrics = list(sprint_summary.headline_by_sprint(summary, sprints)["metric"].dropna())
    if not metrics:  # MVPs published without labels have no score
        return
    help_text = bakeoff_tables.METRIC_HELP.get(sprint_summary.metric_key(metrics[-1]) or "")
    if help_text:
        st.caption(formatting.escape_markdown(help_text))
    metrics = list(dict.fromkeys(metrics))
    with st.expander("Technical details: the metric behind the score"):
        for metric in metrics:
            plain = sprint_summary.plain_metric_name(metric)
            st.caption(formatting.escape_markdown(f"{plain}: the MVP's {metric}."))


#: Classes each MVP's outcome lists one by one; beyond, the ones recognised least and a line
#: for the rest (the Sprint demo lists every class).
OVERVIEW_CLASSES = 4


def outcomes(ws: Workspace, sprints: list[str]) -> None:
    """What each sprint's MVP did on its demo rows, in counts, latest sprint first (at most
    ``OVERVIEW_CLASSES`` classes one by one); the latest one's confusion matrix in counts
    with words."""
    with_mvp = [s for s in reversed(sprints) if ws.mvp(s) in ws.prototypes(s)]
    if not with_mvp:
        return
    st.subheader("What each sprint's MVP gets right and wrong")
    for i, sprint in enumerate(with_mvp):
        proto = ws.prototype(sprint, ws.mvp(sprint))
        lead = f"{sprint}, {proto.name}: "
        sprint_demo.outcome(ws, proto, lead=lead, table=i == 0, most_classes=OVERVIEW_CLASSES)


#: Pixels of a table row and of its header in ``st.dataframe`` (Streamlit 1.67's default).
ROW_PX, HEADER_PX = 35, 38


def table_height(rows: int, most: int = 20) -> int:
    """An ``st.dataframe`` height showing ``rows`` rows, up to ``most`` before it scrolls."""
    return HEADER_PX + ROW_PX * max(1, min(rows, most)) + 2


def sprints_table(ws: Workspace, summary: pd.DataFrame, counts: dict, stamp: tuple) -> None:
    """One row per sprint: its MVP, headline metric and verdict counts."""
    st.subheader("Sprints")
    table = sprint_summary.overview_table(ws, summary, counts)
    table, header = sprints_score.score_column(table, summary, ws.sprints())
    table = learnt_line.score_cells(table, learnt_line.learnt_points(str(ws.path), stamp))
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        # Every sprint in sight: at the default height the latest two of twelve (the ones the
        # room asks about) were behind a scroll inside the table.
        height=table_height(len(table)),
        # Widths that fit the table in the main column at 1280x720, "Reviewers" included.
        column_config={
            "Sprint": st.column_config.TextColumn("Sprint", width=72),
            "MVP": st.column_config.TextColumn("MVP", width=204),
            "Decision": st.column_config.TextColumn("Decision", width=124),
            **{
                # "localized": "2,701", where the default wrote "2701"
                name: st.column_config.NumberColumn(name, width=64, format="localized")
                for name in ("Correct", "Wrong", "Unsure")
            },
            "Reviewers": st.column_config.NumberColumn("Reviewers", width=84, format="localized"),
            sprint_summary.SCORE_COLUMN: st.column_config.TextColumn(
                header,
                help="How good the sprint's MVP is: the chart's score, explained beside it.",
            ),
        },
    )
    for sprint in ws.sprints():
        lines = cached.republished_lines(str(ws.path), stamp, sprint, "the table's figures")
        line = lines[-1] if lines else None
        if line:
            st.caption(formatting.escape_markdown(f"{sprint}'s decision: {line}"))


def latest_followup(ws: Workspace, path: str, sprints: list[str]) -> None:
    """Closing the loop: the latest MVP on the cases flagged before it."""
    latest = followup_table.latest_mvp(ws)
    if latest and latest[0] != sprints[0]:
        latest_sprint, latest_mvp = latest
        followup.followup_panel(
            path,
            latest_sprint,
            latest_mvp,
            ws.prototype(latest_sprint, latest_mvp).content_id,
            lead=f"{latest_sprint}'s MVP, {latest_mvp}: ",
        )


def decisions(ws: Workspace, sprints: list[str], stamp: tuple) -> None:
    """The last decision of each sprint that has one, latest sprint first."""
    recorded = {s: ws.decisions(s) for s in reversed(sprints)}  # each sprint.json read once
    decided = [s for s, made in recorded.items() if made]
    if decided:
        st.subheader("Decisions")
    for sprint in decided:
        when, body, attendees = sprint_summary.decision_text(recorded[sprint][-1], sprint)
        with st.container(border=True):
            st.caption(formatting.escape_markdown(when))
            st.text(body)
            line = cached.republished_lines(str(ws.path), stamp, sprint)[-1]
            if line:
                st.caption(formatting.escape_markdown(line))
            if attendees:
                st.caption("Attendees: " + formatting.escape_markdown(attendees))
            earlier = len(recorded[sprint]) - 1
            if earlier:  # an overturned decision is history, not gone
                st.caption(
                    formatting.escape_markdown(
                        f"It replaces {formatting.counted(earlier, 'earlier decisions')} of "
                        f"{sprint}: all are under the Bake-off's Decision tab."
                    )
                )
