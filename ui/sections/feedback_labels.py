"""The Feedback page's "Labels for training" tab: one label per reviewed row under a rule, and
the training-ready export with its manifest and warnings."""

from __future__ import annotations

import functools
import json
import re

import streamlit as st

import feedback_store
from feedback_store import RULES
from ui import cached, formatting, verdict_tables
from ui.sections.feedback_filters import (
    FeedbackContext,
    chosen,
    shared_class_names,
    shared_outline,
)
from ui.sections.feedback_verdicts import EXPORTS

TRAINING_FORMATS = ["parquet", "csv", "jsonl"]
RULE_LABELS = {"majority": "Majority (a tie stays unresolved)", "lead": "The lead reviewer decides"}
_WITHOUT_FEATURES = re.compile(
    r"(?:1 verdict was|([\d,]+) verdicts(?: on ([\d,]+) rows?)? were) left out because no "
    "feature values were recorded"
)


def without_features_text(warning: str) -> str | None:
    """The export's warning about verdicts saved without the row's readings
    (``feedback_store.training.without_features_warning``, which names Python calls) in words
    for the page; None for any other warning."""
    found = _WITHOUT_FEATURES.match(warning)
    if found is None:
        return None
    verdicts = int((found[1] or "1").replace(",", ""))
    rows = int((found[2] or str(verdicts)).replace(",", ""))
    if warning != feedback_store.training.without_features_warning(verdicts, rows):
        return None
    if verdicts == 1:
        counted, them, become = "1 verdict is", "it was", "it cannot become a training row"
    else:
        on = f" on {rows:,} row{'s' if rows != 1 else ''}" if rows != verdicts else ""
        counted, them = f"{verdicts:,} verdicts{on} are", "they were"
        become = "they cannot become training rows"
    return (
        f"{counted} left out of the file: {them} saved without the row's readings (by a "
        f"script, not on the SME review page), so {become}. Verdicts given on the SME review "
        "page keep the readings."
    )


def demo_versions(ctx: FeedbackContext, scoped) -> tuple:
    """``(sprint, prototype, content id)`` of every prototype the verdicts are about that is still
    published: their demo rows are the demo set the training export warns about."""
    versions = []
    for sprint_name, name in (
        scoped[["sprint", "prototype"]].drop_duplicates().itertuples(index=False)
    ):
        if sprint_name in ctx.sprints and name in ctx.ws.prototypes(sprint_name):
            versions.append((sprint_name, name, ctx.ws.prototype(sprint_name, name).content_id))
    return tuple(versions)


def training_export(ctx: FeedbackContext, versions: tuple, rule: str, lead: str | None) -> None:
    """The training-ready export of the resolved labels, its warnings and its manifest;
    ``versions``: ``demo_versions``."""
    st.subheader("Training-ready export")
    if not ctx.may_export:
        st.info(formatting.escape_markdown(ctx.no_export), icon=":material/lock:")
        return
    format_column, file_column, manifest_column = st.columns([1, 2, 2], vertical_alignment="bottom")
    fmt = format_column.selectbox(
        "File format",
        TRAINING_FORMATS,
        format_func=lambda f: EXPORTS[f][0],
        key="feedback_training_format",
    )
    request = cached.TrainingRequest(
        ctx.path,
        ctx.stamp,
        fmt,
        chosen(ctx.sprint),
        chosen(ctx.prototype),
        rule,
        lead,
        versions,
    )
    try:
        manifest = cached.training_manifest(request)
    except feedback_store.InvalidVerdict as error:  # labels of different targets
        st.info(formatting.escape_markdown(formatting.one_line(error)))
        return
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
    unresolved = manifest["counts"]["unresolved"]
    for warning in manifest["warnings"]:
        if warning == leak:
            st.warning(formatting.escape_markdown(warning), icon=":material/warning:")
        elif warning == feedback_store.unresolved_warning(
            unresolved
        ):  # the manifest's words name the API
            st.info(formatting.escape_markdown(verdict_tables.unresolved_text(unresolved, rule)))
        elif (plain := without_features_text(warning)) is not None:
            st.info(formatting.escape_markdown(plain))
            with st.expander("Technical details"):
                st.caption(formatting.escape_markdown(warning))
        else:
            st.info(formatting.escape_markdown(warning))
    st.caption(
        f"{manifest['counts']['rows']} rows: each row's features, its label and where the "
        "label came from (reviewers, rule, model shown, whether it is a demo row). The "
        "manifest records the counts, the rule, the versions and these warnings."
    )


def show_labels(ctx: FeedbackContext) -> None:
    """One label per reviewed row under the chosen rule, and the training-ready export."""
    rule_column, lead_column, _ = st.columns(3)
    rule = rule_column.selectbox(
        "Resolution rule", RULES, format_func=RULE_LABELS.get, key="feedback_rule"
    )
    scoped = shared_outline(ctx)
    lead = None
    if rule == "lead":
        leads = sorted(scoped["reviewer"].unique(), key=str.casefold)
        if st.session_state.get("feedback_lead") not in leads:
            st.session_state.pop("feedback_lead", None)
        lead = lead_column.selectbox("Lead reviewer", leads, key="feedback_lead")
    if rule == "lead" and not lead:
        st.info("No verdicts yet, so there is no reviewer to lead.")
    else:
        # A regression's row reviewers called correct takes its known value, in the table as
        # in the file: both read it from the published prototypes (their demo_versions).
        versions = demo_versions(ctx, scoped)
        resolved = cached.resolved_labels(
            ctx.path, ctx.stamp, **ctx.shared_scope, rule=rule, lead=lead,
            names=shared_class_names(ctx), versions=versions,
        )  # fmt: skip
        st.caption(
            f"{resolved['settled']} of {resolved['rows']} reviewed rows have a label under this "
            "rule. “Unsure” verdicts never decide a label."
        )
        st.dataframe(resolved["table"], hide_index=True, width="stretch")
        training_export(ctx, versions, rule, lead)
