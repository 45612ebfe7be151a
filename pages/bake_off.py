"""Bake-off: which prototype should the business take?

Every prototype's score with its 95% interval and its comparison with the MVP on the same rows,
what it costs in money under the workspace's shared assumptions, the trade-offs in words and on
a Pareto chart; below, costs and assumptions, the score per segment, where the prototypes
disagree, and the group's decision with a snapshot of the figures it saw.
"""

import datetime as dt
import functools
import re

import streamlit as st

from model import access, bakeoff
from model.costs import CostAssumptions, load_assumptions, save_assumptions
from model.stats import metric_info
from model.workspace import Workspace
from ui import cached, views
from ui.report import bakeoff_report_html

METRIC_KEY = "bake_off_metric"
FEATURE_KEY = "bake_off_feature"
ROWS_PAGE_KEY = "bake_off_rows_page"
TAB_KEY = "bake_off_tab"
#: The detail tabs; the first is open when the page opens.
TABS = ["Costs and assumptions", "Per segment", "Where they disagree", "Decision", "Models"]
FLASH_KEY = "bake_off_flash"
ASSUMPTIONS_MESSAGE_KEY = "bake_off_assumptions_message"
ASSUMPTION_KEYS = {
    "predictions_per_month": "assume_predictions_per_month",
    "retrains_per_month": "assume_retrains_per_month",
    "compute_price_per_hour": "assume_compute_price_per_hour",
    "engineer_day_rate": "assume_engineer_day_rate",
    "currency": "assume_currency",
}
QUEUE = "bake-off disagreements"
ROWS_PER_PAGE = 25
ROLE = st.session_state.get(cached.ROLE_STATE_KEY)


def escape(text: object) -> str:
    return views.escape_markdown(text)


def save_typed_assumptions(path: str) -> None:
    """Form callback: store the typed assumptions before the page computes with them."""
    typed = {field: st.session_state.get(key) for field, key in ASSUMPTION_KEYS.items()}
    try:
        save_assumptions(path, CostAssumptions.from_dict(typed))
    except ValueError as error:
        st.session_state[ASSUMPTIONS_MESSAGE_KEY] = ("error", views.one_line(error))
    else:
        st.session_state[ASSUMPTIONS_MESSAGE_KEY] = (
            "success",
            "Saved with the workspace: everyone now sees costs under these assumptions.",
        )


#: The numeric cost assumptions: field, label, step and display format.
NUMBER_FIELDS = [
    ("predictions_per_month", "Predictions per month", 100_000.0, "%.0f"),
    ("retrains_per_month", "Retrains per month", 1.0, "%.2f"),
    ("compute_price_per_hour", "Compute price per hour", 0.01, "%.4f"),
    ("engineer_day_rate", "Engineer day rate", 50.0, "%.2f"),
]


def assumptions_form(path: str, current: CostAssumptions) -> None:
    """The business's assumptions, editable by scientists; saved for the whole workspace."""
    if not access.can(ROLE, "edit_assumptions"):
        st.caption(escape(access.refusal(ROLE, "edit_assumptions")))
        return
    with st.form("assumptions_form"):
        st.markdown("**Cost assumptions** (shared by everyone using this workspace)")
        first, second, third = st.columns(3)
        for column, (field, label, step, number_format) in zip(
            (first, second, third, first), NUMBER_FIELDS, strict=True
        ):
            column.number_input(
                label,
                min_value=0.0,
                value=float(getattr(current, field)),
                step=step,
                format=number_format,
                key=ASSUMPTION_KEYS[field],
            )
        second.text_input(
            "Currency",
            value=current.currency,
            max_chars=8,
            key=ASSUMPTION_KEYS["currency"],
            help="A code such as USD, EUR or GBP; prices above are in this currency.",
        )
        st.form_submit_button(
            "Save assumptions", on_click=save_typed_assumptions, args=(path,), type="primary"
        )
    message = st.session_state.pop(ASSUMPTIONS_MESSAGE_KEY, None)
    if message:
        kind, text = message
        (st.error if kind == "error" else st.success)(escape(text))


cached.require_app()
ws = cached.workspace()
path = str(ws.path)
sprint = cached.sprint()
prototypes = ws.prototypes(sprint)

st.title(f"Bake-off: {escape(sprint)}")
if not prototypes:
    st.info("This sprint has no published prototypes yet.")
    st.stop()

try:
    assumptions = load_assumptions(path)
except ValueError as error:
    st.error(escape(views.one_line(error)))
    st.caption("Saving the assumptions below replaces the file.")
    assumptions_form(path, CostAssumptions())
    st.stop()

metas = {name: ws.prototype(sprint, name).meta for name in prototypes}
task = metas[prototypes[0]]["task"]
mvp = ws.mvp(sprint)
decisions = ws.decisions(sprint)
stamp = cached.workspace_stamp(ws, [sprint])

options = views.bakeoff_metrics(task)
# Set, not popped: a widget whose options changed (another sprint) must show the new value.
if st.session_state.get(METRIC_KEY) not in options:
    st.session_state[METRIC_KEY] = options[0]
controls = st.columns([2, 3, 2], vertical_alignment="bottom")
metric_key = controls[0].selectbox(
    "Metric",
    options,
    format_func=lambda key: metric_info(key).label,
    key=METRIC_KEY,
    help="What the prototypes are judged on. The first is the task's headline metric.",
)

try:
    table = cached.bakeoff(path, sprint, metric_key, assumptions.to_dict(), stamp)
except ValueError as error:
    st.error(escape(views.one_line(error)))
    st.stop()
attrs = table.attrs
shown = views.bakeoff_display(table)

status = [f"MVP: {escape(mvp)}" if mvp else "No MVP yet"]
if decisions:
    last = decisions[-1]
    status.append(
        f"last decision: {escape(last.get('chosen', ''))} on {escape(last.get('decided_on', ''))}"
    )
status.append(f"{attrs['n_rows']:,} demo rows")
controls[1].caption(" · ".join(status))
controls[2].download_button(
    "Report (HTML)",
    data=functools.partial(bakeoff_report_html, ws, sprint, metric_key, assumptions, table=table),
    file_name=f"bake-off-{re.sub(r'[^A-Za-z0-9]+', '-', sprint).strip('-').lower()}.html",
    mime="text/html",
    on_click="ignore",
    icon=":material/download:",
    disabled=not access.can(ROLE, "export"),
    help=(
        "One self-contained HTML file with every figure on this page, to send to whoever "
        "was not in the room."
        if access.can(ROLE, "export")
        else access.refusal(ROLE, "export")
    ),
)
for note in attrs.get("notes", []):
    st.info(escape(note))
if len(table) < 2:
    st.info("This sprint has one prototype: publish others to it to compare them here.")

# -- the decision-relevant figures --------------------------------------------------------------
reference = attrs.get("reference") or "the reference"
label = attrs["metric_label"]
st.subheader(f"{label} and cost, compared with {escape(reference)}")
help_texts = views.cost_help(assumptions)
st.table(views.escape_table(views.comparison_view(shown)))
st.caption(
    escape(
        f"{label} on all {attrs['n_rows']:,} demo rows with its {attrs['confidence']:.0%} "
        f"interval ({attrs['method']}, {attrs['n_resamples']:,} resamples). "
        f"vs {reference}: the difference on the same rows and the interval of that paired "
        "difference; the verdict says better or worse only when that interval excludes zero. "
        "McNemar p: how likely the two would differ this much in which rows they get right "
        "if they were equally good. The two answer different questions: the verdict is about "
        f"{label}, McNemar about right and wrong labels at each prototype's threshold, so a "
        "small p beside “no detectable difference” means they get different rows right "
        f"without a clear difference in {label}."
    )
)
st.caption(
    escape(
        f"Running cost per month = {help_texts['Running cost / month']}. One-off cost = "
        f"{help_texts['One-off cost']}. Each prototype's formula with its own numbers is "
        "under Costs and assumptions."
    )
)

st.subheader("Trade-offs")
sentences = bakeoff.tradeoff_sentences(table)
st.markdown("\n".join(f"- {escape(sentence)}" for sentence in sentences))
st.vega_lite_chart(
    cached.pareto_spec(path, sprint, metric_key, assumptions.to_dict(), stamp), width="content"
)


def show_segments(
    path: str, sprint: str, metric_key: str, label: str, choices: list[str], stamp: tuple
) -> None:
    """The score (``label``) of each prototype per value of a feature chosen among ``choices``."""
    st.subheader(f"{label} per segment")
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
            st.error(escape(views.one_line(error)))
        else:
            st.dataframe(views.segment_view(segments), hide_index=True, width="stretch")
            st.caption(
                escape(
                    f"{label} of each prototype on the demo rows of each value of {feature}; "
                    "— where it is undefined (a segment with one class only). Small segments "
                    "give wide intervals: read big gaps, not small ones."
                )
            )


def show_disagreements(ws: Workspace, sprint: str, stamp: tuple) -> None:
    """The rows where the prototypes predict different labels, a page at a time, and the
    button that sends them to SME review."""
    st.subheader("Where the prototypes disagree")
    path = str(ws.path)
    try:
        split = cached.disagreements(path, sprint, stamp)
    except ValueError as error:
        st.info(escape(views.one_line(error)))
    else:
        names = list(split["agreement"].index)
        differ = split["rows"]  # only the rows where they disagree
        row_ids = [str(r) for r in differ["row_id"]]
        if len(names) < 2:
            st.info("Only one prototype here: there is nothing to disagree about.")
        else:
            share_column, send_column = st.columns(2, gap="large")
            with share_column:
                st.metric(
                    "Demo rows where the predictions differ",
                    views.percent(split["share"]) if split["n_disagreements"] else "none",
                    help="Rows where at least two prototypes predict a different label.",
                )
                st.write(
                    f"{split['n_disagreements']:,} of {split['n_rows']:,} demo rows: the rows "
                    "an SME can settle fastest."
                )
            with send_column:
                sent = ws.review_queues(sprint).get(QUEUE)
                send = st.button(
                    f"Send these {len(row_ids):,} rows to SME review",
                    key="bake_off_send_rows",
                    type="primary",
                    disabled=not row_ids or not access.can(ROLE, "send_to_review"),
                    help=(
                        f"They appear on the SME review page as the queue “{QUEUE}”."
                        if access.can(ROLE, "send_to_review")
                        else access.refusal(ROLE, "send_to_review")
                    ),
                )
                if send:
                    reviewer = cached.reviewer()
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
                                note=f"{len(row_ids):,} rows where {sprint}'s prototypes disagree",
                            )
                        except ValueError as error:
                            st.error(escape(views.one_line(error)))
                        else:
                            st.success(f"Sent {len(row_ids):,} rows to SME review.")
                if sent:
                    st.caption(
                        escape(
                            f"Last sent: {len(sent.get('rows', [])):,} rows by "
                            f"{sent.get('sent_by') or 'unknown'} on "
                            f"{str(sent.get('sent_at', ''))[:10]}"
                        )
                    )
            st.vega_lite_chart(cached.agreement_spec(path, sprint, stamp), width="stretch")
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
                    views.disagreement_view(rows, names),
                    hide_index=True,
                    width="stretch",
                    column_config={"Row": st.column_config.TextColumn(pinned=True)},
                )
                st.caption(
                    f"Rows {start + 1:,}–{start + len(rows):,} of {len(row_ids):,}, the most "
                    "split first; probabilities are of the positive class."
                )


def show_models(path: str, sprint: str, stamp: tuple) -> None:
    """Each prototype's model and explainer."""
    st.subheader("Models and explainers")
    comparison = cached.comparison(path, sprint, stamp)
    st.dataframe(views.model_details(comparison), hide_index=True, width="stretch")


# -- the details, below -------------------------------------------------------------------------
# Tabs that rerun when the user switches: the segments, the disagreements and the models are
# computed when their tab is opened, not on every open of the page (at 100,000 demo rows they
# took more time than all the rest). The two tabs with forms are drawn whichever is open, so
# what someone typed there and did not save yet survives a look at another tab.
costs_tab, segments_tab, disagree_tab, decision_tab, models_tab = st.tabs(
    TABS, key=TAB_KEY, on_change="rerun"
)

with costs_tab:
    st.subheader("What each prototype costs")
    notes = [metas[name].get("notes", "") for name in table["prototype"]]
    st.table(views.escape_table(views.costs_view(shown, notes)))
    st.caption(escape(f"Costs assume {views.assumptions_text(assumptions.to_dict())}."))
    assumptions_form(path, assumptions)
    with st.expander("How each prototype's money figures are computed"):
        st.table(
            views.escape_table(
                views.cost_formulas({name: metas[name] for name in prototypes}, assumptions)
            ),
            hide_index=True,
        )

if segments_tab.open:
    with segments_tab:
        choices = views.segment_features(metas[prototypes[0]])
        show_segments(path, sprint, metric_key, label, choices, stamp)

if disagree_tab.open:
    with disagree_tab:
        show_disagreements(ws, sprint, stamp)

with decision_tab:
    st.subheader("Record a decision")
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        # Recorded: start the next decision from empty fields (set, not popped, so the
        # browser's copies of the widgets are cleared too).
        st.session_state["decision_rationale"] = ""
        st.session_state["decision_attendees"] = ""
    if not access.can(ROLE, "record_decision"):
        st.info(escape(access.refusal(ROLE, "record_decision")), icon=":material/lock:")
    else:
        if st.session_state.get("decision_chosen") not in prototypes:
            st.session_state["decision_chosen"] = mvp if mvp in prototypes else prototypes[0]
        with st.form("decision_form", clear_on_submit=False):
            first, second = st.columns([3, 2])
            chosen = first.selectbox("Chosen prototype", prototypes, key="decision_chosen")
            decided_on = second.date_input("Decided on", value=dt.date.today(), key="decision_date")
            attendees = st.text_input(
                "Attendees (comma-separated)", key="decision_attendees", max_chars=1000
            )
            rationale = st.text_area(
                "Why this one?", key="decision_rationale", max_chars=5000, height=100
            )
            submitted = st.form_submit_button("Record decision", type="primary")
        st.caption(
            "The figures shown above (this metric, intervals, verdicts and costs, and the cost "
            "assumptions) are stored with the decision, and the chosen prototype becomes the MVP."
        )
        if flash:
            st.success(flash)
        if submitted:
            recorder = cached.reviewer()
            if not recorder:
                st.error("Enter your name in the sidebar first: the decision is recorded under it.")
            else:
                try:
                    ws.record_decision(
                        sprint,
                        chosen,
                        rationale,
                        attendees,
                        decided_on=decided_on.isoformat(),
                        recorded_by=recorder,
                        snapshot=views.decision_snapshot(table, shown, assumptions.to_dict()),
                    )
                except ValueError as error:
                    st.error(escape(views.one_line(error)))
                else:
                    st.session_state[FLASH_KEY] = f"Decision recorded: {escape(chosen)} is the MVP."
                    st.rerun()

    st.subheader("Decisions")
    if not decisions:
        st.caption("No decision recorded for this sprint yet.")
    for decision in reversed(decisions):
        when, body, attendees_text = views.decision_text(decision)
        with st.container(border=True):
            st.caption(escape(when))
            st.text(body)
            if attendees_text:
                st.caption("Attendees: " + escape(attendees_text))
            figures, caption = views.snapshot_view(decision.get("snapshot"))
            with st.expander("Figures shown when it was decided"):
                st.caption(escape(caption))
                st.table(views.escape_table(figures))

if models_tab.open:
    with models_tab:
        show_models(path, sprint, stamp)
