"""SME verdicts on model predictions, kept safe in ``<workspace>/feedback.db``.

    import feedback_store
    store = feedback_store.open("workspace")
    vid = store.record(sprint="Sprint 2", prototype="gbm", row_id="4711", reviewer="ana",
                       verdict="wrong", corrected_label="1", key=click_uuid)
    store.verdicts(sprint="Sprint 2")

Verdicts are append-only threads of versions: one thread per reviewer and predicted row.
Recording again, editing and withdrawing add versions; nothing is overwritten. The store is
safe to share across Streamlit threads and across processes on the same file.

Beyond single verdicts: ``agreement``, ``pairwise_agreement`` and ``conflicts`` between
reviewers; ``resolve_labels`` (one label per row); ``store.dispute`` ("right answer, wrong
reason"); ``own_case_id`` for cases an SME enters; ``store.export_training`` for training-ready
rows with a manifest. Command line: ``python -m feedback_store --help``.
"""

from feedback_store.agreement import (
    agreement,
    cohen_kappa,
    conflicts,
    fleiss_kappa,
    pairwise_agreement,
    reviewer_labels,
)
from feedback_store.backup import backup, restore
from feedback_store.resolution import RULES, resolve_labels
from feedback_store.store import (
    DISPUTE_KINDS,
    SOURCES,
    VERDICTS,
    FeedbackStore,
    InvalidVerdict,
    StorageError,
    open,
    own_case_id,
)
from feedback_store.training import TrainingExport, demo_set_warning, unresolved_warning
from feedback_store.validation import COMMENT_MAX, ROW_ID_MAX, reviewer_key

__all__ = [
    "COMMENT_MAX",
    "DISPUTE_KINDS",
    "ROW_ID_MAX",
    "RULES",
    "SOURCES",
    "VERDICTS",
    "FeedbackStore",
    "InvalidVerdict",
    "StorageError",
    "TrainingExport",
    "agreement",
    "backup",
    "cohen_kappa",
    "conflicts",
    "demo_set_warning",
    "fleiss_kappa",
    "open",
    "own_case_id",
    "pairwise_agreement",
    "resolve_labels",
    "restore",
    "reviewer_key",
    "reviewer_labels",
    "unresolved_warning",
]
