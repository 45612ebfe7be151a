"""SME verdicts on model predictions, kept safe in ``<workspace>/feedback.db``.

    import feedback_store
    store = feedback_store.open("workspace")
    vid = store.record(sprint="Sprint 2", prototype="gbm", row_id="4711", reviewer="ana",
                       verdict="wrong", corrected_label="1", key=click_uuid)
    store.verdicts(sprint="Sprint 2")

Verdicts are append-only threads of versions: one thread per reviewer and predicted row.
Recording again, editing and withdrawing add versions; nothing is overwritten. The store is
safe to share across Streamlit threads and across processes on the same file.
Command line: ``python -m feedback_store --help``.
"""

from feedback_store.store import VERDICTS, FeedbackStore, InvalidVerdict, open

__all__ = ["VERDICTS", "FeedbackStore", "InvalidVerdict", "open"]
