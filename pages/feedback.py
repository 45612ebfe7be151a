"""Feedback: the SMEs' verdicts, how far reviewers agree, the labels they settle on, disputes.

The filters at the top (sprint, prototype, reviewer, verdict) narrow the verdicts table and its
downloads. Agreement, resolved labels and disputes are about the reviewers together, so they
follow the sprint and prototype filters only.

Everything computed from the verdicts is cached under the store's stamp (a rerun without a new,
edited or withdrawn verdict only reads), and the export files are made when a button is clicked.
Each section is a module of ``ui.sections``.
"""

import streamlit as st

from ui import session
from ui.sections import (
    feedback_agreement,
    feedback_disputes,
    feedback_filters,
    feedback_labels,
    feedback_verdicts,
)

TABS = ["Verdicts", "Agreement", "Labels for training", "Disputes"]

session.require_app()
feedback = feedback_filters.start()

# Only the open tab is computed: choosing another tab reruns the page (on_change="rerun"), so
# a first open shows the verdicts without reading and labelling every verdict for agreement,
# resolved labels, the training export and disputes.
sections = [
    (feedback_verdicts.show_verdicts, [feedback.history_key, feedback.page_key]),
    (feedback_agreement.show_agreement, []),
    (feedback_labels.show_labels, ["feedback_rule", "feedback_lead", "feedback_training_format"]),
    (feedback_disputes.show_disputes, []),
]
tabs = st.tabs(TABS, key="feedback_tab", on_change="rerun")
for tab, (show, widget_keys) in zip(tabs, sections, strict=True):
    if tab.open:
        with tab:
            show(feedback)
    else:  # its widgets are not drawn: keep what the user chose in them for their return
        session.keep_widget_state(*widget_keys)
