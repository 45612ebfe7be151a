"""SME review without Streamlit: which rows to show next, and reasons in plain words.

Everything is importable from here; it lives in one module per concern:

- :mod:`model.review_queues`: ``review_queue``, the order in which a reviewer sees a
  prototype's demo rows.
- :mod:`model.review_reasons`: ``feature_percentiles`` and ``reason_sentences``, "Failure risk
  is higher mainly because Torque [Nm] is 65.2 Nm, higher than 95% of machines (+31.4%)".
- :mod:`model.own_case`: ``input_schema``, ``explain_own_case`` and ``what_if``, "try your own
  case": a form built from the demo data's ranges, an exact, additive SHAP explanation of the
  case entered, and how its prediction changes as one reading moves across its range.
- :mod:`model.review_versions`: ``record_verdict`` and ``record_dispute``, stored only on the
  prototype version the form showed; ``reviewed_rows`` and ``earlier_verdicts``, what a
  reviewer did, version by version; ``card_disputes``, a row's disputes of the version on
  screen kept apart from those of other versions.
"""

from __future__ import annotations

from model.own_case import (
    MAX_TEXT_LENGTH,
    WHAT_IF_POINTS,
    case_frame,
    check_case,
    explain_own_case,
    input_schema,
    what_if,
)
from model.review_queues import QUEUE_KINDS, review_queue
from model.review_reasons import (
    MIN_POINTS,
    MIN_RANGE_SHARE,
    QUOTE_MAX,
    feature_percentiles,
    reason_sentences,
    row_position,
)
from model.review_versions import (
    PrototypeChanged,
    UnusualValue,
    card_disputes,
    earlier_verdicts,
    edit_verdict,
    record_dispute,
    record_verdict,
    reviewed_rows,
    shown_version,
)

__all__ = [
    "MAX_TEXT_LENGTH",
    "MIN_POINTS",
    "MIN_RANGE_SHARE",
    "QUEUE_KINDS",
    "QUOTE_MAX",
    "WHAT_IF_POINTS",
    "PrototypeChanged",
    "UnusualValue",
    "card_disputes",
    "case_frame",
    "check_case",
    "earlier_verdicts",
    "edit_verdict",
    "explain_own_case",
    "feature_percentiles",
    "input_schema",
    "reason_sentences",
    "record_dispute",
    "record_verdict",
    "review_queue",
    "reviewed_rows",
    "row_position",
    "shown_version",
    "what_if",
]
