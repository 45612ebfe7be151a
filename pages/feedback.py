"""Feedback: the SMEs' verdicts, how far reviewers agree, the labels they settle on, disputes.

The filters at the top (sprint, prototype, reviewer, verdict) narrow the verdicts table and its
downloads. Agreement, resolved labels and disputes are about the reviewers together, so they
follow the sprint and prototype filters only.

Everything computed from the verdicts is cached under the store's stamp (a rerun without a new,
edited or withdrawn verdict only reads), and the export files are made when a button is clicked.
"""

import functools
import hashlib
import json

import streamlit as st

import feedback_store
from feedback_store import RULES, VERDICTS
from model import access
from ui import cached, views

ALL = "All"
EXPORTS = {"csv": ("CSV", "text/csv"), "parquet": ("Parquet", "application/vnd.apache.parquet"),
           "jsonl": ("JSON Lines", "application/jsonl")}  # fmt: skip
TRAINING_FORMATS = ["parquet", "csv", "jsonl"]
RULE_LABELS = {"majority": "Majority (a tie stays unresolved)", "lead": "The lead reviewer decides"}
TABS = ["Verdicts", "Agreement", "Labels for training", "Disputes"]
VERDICT_ORDER = ["Row", "Reviewer", "Verdict", "Right label", "Comment", "Tags", "Prototype"]

cached.require_app()
ws = cached.workspace()
path = str(ws.path)
store = cached.store(path)
stamp = cached.verdicts_stamp(store)
sprints = ws.sprints()
role = st.session_state.get(cached.ROLE_STATE_KEY)
may_export = access.can(role, "export")
no_export = None if may_export else access.refusal(role, "export")

st.title("Feedback")

# Who judged what, and how many: the filters' choices without reading every verdict.
outline = cached.verdict_outline(path, stamp)
total = int(outline["verdicts"].sum())
filters = st.columns(4)
if st.session_state.get("feedback_sprint") not in [ALL, *sprints]:
    st.session_state.pop("feedback_sprint", None)
sprint = filters[0].selectbox("Sprint", [ALL, *sprints], key="feedback_sprint")
in_sprint = outline if sprint == ALL else outline[outline["sprint"] == sprint]
prototype_options = [ALL, *sorted(in_sprint["prototype"].unique())]
if st.session_state.get("feedback_prototype") not in prototype_options:
    st.session_state.pop("feedback_prototype", None)
prototype = filters[1].selectbox("Prototype", prototype_options, key="feedback_prototype")
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


def chosen(value: str) -> str | None:
    return None if value == ALL else value


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

# -- the verdicts ---------------------------------------------------------------------------------
# The key of the history box names the filtered set: with a key of its own per set, a filter
# change starts the box afresh in the browser too (reusing one key kept showing the old choice
# there while the page explained another).
listed = hashlib.sha1(repr(list(labels)).encode()).hexdigest()[:12]
page_key = f"feedback_page_{listed}"  # a new filtered set starts on its first page
# The history box offers the verdicts of the page shown: one box per set and page.
history_key = f"feedback_history_{listed}_{st.session_state.get(page_key, 1)}"


def show_verdicts() -> None:
    """The verdicts matching the filters, a verdict's history and the exports."""
    # A column holding the one value chosen in a filter above says nothing: leave it out.
    hidden = [
        column for column, value in (("Sprint", sprint), ("Prototype", prototype)) if value != ALL
    ]
    shown = table.drop(columns=hidden)
    # A page of verdicts at a time, as the Sprint demo's table: never every verdict at once.
    page = views.table_page(
        len(shown), len(shown), st.session_state.get(page_key, 1), views.TABLE_PAGE_SIZE
    )
    st.dataframe(
        shown.iloc[page.start : page.stop],
        hide_index=True,
        width="stretch",
        # What reviewers said first, so a 1280-pixel projector shows the comment unscrolled.
        column_order=[c for c in VERDICT_ORDER if c in shown.columns]
        + [c for c in shown.columns if c not in VERDICT_ORDER],
        column_config={"Comment": st.column_config.TextColumn(width="medium")},
    )
    showing = f"Showing {page.start + 1:,}–{page.stop:,} of them. " if page.pages > 1 else ""
    st.caption(
        f"{len(table):,} of {total:,} verdicts. {showing}Source “own” marks cases reviewers "
        "entered themselves."
    )
    if page.pages > 1:
        st.number_input(
            f"Page (of {page.pages:,})", min_value=1, max_value=page.pages, step=1,
            key=page_key, width=200,
        )  # fmt: skip

    history_column, export_column = st.columns([3, 2], gap="large")
    with history_column:
        st.subheader("History")
        if not labels:
            st.caption("No verdict matches these filters.")
        else:
            on_page = list(labels)[page.start : page.stop]
            verdict_id = st.selectbox(
                "Every version of", on_page, format_func=labels.get, key=history_key
            )
            history = store.history(verdict_id)
            st.dataframe(views.history_table(history), hide_index=True, width="stretch")

    with export_column:
        st.subheader("Export")
        st.caption(
            "The current verdicts matching the filters above, with the features and prediction "
            "each reviewer saw."
        )
        for fmt, (label, mime) in EXPORTS.items():
            # Made when clicked, not on every rerun; a role without "export" gets no callable.
            st.download_button(
                f"Download {label}",
                data=functools.partial(
                    views.verdict_export_bytes, store, fmt, **scope, verdict=chosen(kind)
                )
                if may_export and labels
                else b"",
                file_name=f"verdicts.{fmt}",
                mime=mime,
                key=f"feedback_export_{fmt}",
                icon=":material/download:",
                on_click="ignore",
                width="stretch",
                disabled=not labels or not may_export,
                help=no_export,
            )


# -- agreement between reviewers ------------------------------------------------------------------
reviewed_sprints = [s for s in sprints if s in set(outline["sprint"])]
shared_scope = dict(sprint=chosen(sprint), prototype=chosen(prototype))


def show_agreement() -> None:
    """How far reviewers agree: per sprint, per pair of reviewers, and the rows they differ on."""
    st.caption(
        "Rows that two or more reviewers judged: how often they gave the same answer, and "
        "κ, the agreement beyond what chance would give (1 is perfect, 0 is chance). An "
        "“unsure” counts as an answer of its own."
    )
    shown_sprints = [chosen(sprint)] if chosen(sprint) else reviewed_sprints
    results = {s: cached.agreement(path, stamp, s, chosen(prototype)) for s in shown_sprints}
    if results:
        st.dataframe(views.agreement_table(results), hide_index=True, width="stretch")
        for name, result in results.items():
            st.markdown(views.escape_markdown(f"{name}: {result['sentence']}"))
    else:
        st.info("No verdicts yet.")

    st.subheader("Pairs of reviewers")
    pairs = cached.pairwise_agreement(path, stamp, **shared_scope)
    if pairs.empty:
        st.caption("No two reviewers have judged the same row yet.")
    else:
        st.dataframe(views.pairwise_table(pairs), hide_index=True, width="stretch")
    st.subheader("Conflicts")
    conflicts = cached.conflicts(path, stamp, **shared_scope)
    n = conflicts["rows"]
    if not n:
        st.caption("No row has reviewers giving different answers.")
    else:
        st.caption(
            f"{n} {'row' if n == 1 else 'rows'} where reviewers gave different answers: "
            "worth a conversation."
        )
        st.dataframe(conflicts["table"], hide_index=True, width="stretch")


# -- one label per row, and the training export ---------------------------------------------------
def demo_versions(scoped) -> tuple:
    """``(sprint, prototype, version)`` of every prototype the verdicts are about that is still
    published: their demo rows are the demo set the training export warns about."""
    versions = []
    for sprint_name, name in (
        scoped[["sprint", "prototype"]].drop_duplicates().itertuples(index=False)
    ):
        if sprint_name in sprints and name in ws.prototypes(sprint_name):
            versions.append((sprint_name, name, ws.prototype(sprint_name, name).version))
    return tuple(versions)


def training_export(scoped, rule: str, lead: str | None) -> None:
    """The training-ready export of the resolved labels, its warnings and its manifest."""
    st.subheader("Training-ready export")
    if not may_export:
        st.info(views.escape_markdown(no_export), icon=":material/lock:")
        return
    format_column, file_column, manifest_column = st.columns([1, 2, 2], vertical_alignment="bottom")
    fmt = format_column.selectbox(
        "File format",
        TRAINING_FORMATS,
        format_func=lambda f: EXPORTS[f][0],
        key="feedback_training_format",
    )
    request = cached.TrainingRequest(
        path, stamp, fmt, chosen(sprint), chosen(prototype), rule, lead, demo_versions(scoped)
    )
    manifest = cached.training_manifest(request)
    file_column.download_button(
        f"Download training rows ({EXPORTS[fmt][0]})",
        data=functools.partial(cached.training_file, request),
        file_name=f"training.{fmt}",
        mime=EXPORTS[fmt][1],
        key="feedback_training_file",
        icon=":material/download:",
        on_click="ignore",
        width="stretch",
        disabled=not manifest["counts"]["rows"],
    )
    manifest_column.download_button(
        "Download manifest (JSON)",
        data=json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
        file_name=f"training.{fmt}.manifest.json",
        mime="application/json",
        key="feedback_training_manifest",
        icon=":material/description:",
        on_click="ignore",
        width="stretch",
    )
    leak = feedback_store.demo_set_warning(manifest["counts"]["in_demo_set"])
    for warning in manifest["warnings"]:
        if warning == leak:
            st.warning(views.escape_markdown(warning), icon=":material/warning:")
        else:
            st.info(views.escape_markdown(warning))
    st.caption(
        f"{manifest['counts']['rows']} rows: each row's features, its label and where the "
        "label came from (reviewers, rule, model shown, whether it is a demo row). The "
        "manifest records the counts, the rule, the versions and these warnings."
    )


def show_labels() -> None:
    """One label per reviewed row under the chosen rule, and the training-ready export."""
    rule_column, lead_column, _ = st.columns(3)
    rule = rule_column.selectbox(
        "Resolution rule", RULES, format_func=RULE_LABELS.get, key="feedback_rule"
    )
    scoped = outline
    for column in ("sprint", "prototype"):
        if shared_scope[column] is not None:
            scoped = scoped[scoped[column] == shared_scope[column]]
    lead = None
    if rule == "lead":
        leads = sorted(scoped["reviewer"].unique(), key=str.casefold)
        if st.session_state.get("feedback_lead") not in leads:
            st.session_state.pop("feedback_lead", None)
        lead = lead_column.selectbox("Lead reviewer", leads, key="feedback_lead")
    if rule == "lead" and not lead:
        st.info("No verdicts yet, so there is no reviewer to lead.")
    else:
        resolved = cached.resolved_labels(path, stamp, **shared_scope, rule=rule, lead=lead)
        st.caption(
            f"{resolved['settled']} of {resolved['rows']} reviewed rows have a label under this "
            "rule. “Unsure” verdicts never decide a label."
        )
        st.dataframe(resolved["table"], hide_index=True, width="stretch")
        training_export(scoped, rule, lead)


# -- right answer, wrong reason -------------------------------------------------------------------
def show_disputes() -> None:
    """The features whose contributions reviewers disputed, counted, charted and listed."""
    dispute_counts = store.dispute_counts(**shared_scope)
    if dispute_counts.empty:
        st.info(
            "No disputes yet. On the SME review page, reviewers can flag a feature whose "
            "contribution looks wrong under “Right answer, wrong reason?”."
        )
    else:
        st.caption(
            "Features whose contribution reviewers disputed: the model may be right for the "
            "wrong reason. Each reviewer's dispute of a feature on a row counts once."
        )
        st.vega_lite_chart(cached.dispute_spec(dispute_counts), width="stretch")
        st.dataframe(views.dispute_counts_table(dispute_counts), hide_index=True, width="stretch")
        with st.expander("Every dispute, with comments"):
            every = store.disputes(**shared_scope)
            detail = views.disputes_table(every, unit=None)
            detail.insert(0, "Row", every["row_id"].astype(str).to_numpy())
            detail.insert(0, "Prototype", every["prototype"].astype(str).to_numpy())
            detail.insert(0, "Sprint", every["sprint"].astype(str).to_numpy())
            st.dataframe(detail, hide_index=True, width="stretch")


# Only the open tab is computed: choosing another tab reruns the page (on_change="rerun"), so
# a first open shows the verdicts without reading and labelling every verdict for agreement,
# resolved labels, the training export and disputes.
sections = [
    (show_verdicts, [history_key, page_key]),
    (show_agreement, []),
    (show_labels, ["feedback_rule", "feedback_lead", "feedback_training_format"]),
    (show_disputes, []),
]
tabs = st.tabs(TABS, key="feedback_tab", on_change="rerun")
for tab, (show, widget_keys) in zip(tabs, sections, strict=True):
    if tab.open:
        with tab:
            show()
    else:  # its widgets are not drawn: keep what the user chose in them for their return
        cached.keep_widget_state(*widget_keys)
