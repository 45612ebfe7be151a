"""Columns of the demo data the model does not take, kept for the people who review its rows.

A ticket model that routes on channel, tenure and amount is published on rows that also hold
the ticket's subject: the model never sees the subject, but the support lead who judges the
queue needs it, and the next sprint's text model needs it in the training export. Publishing
keeps such columns as *context* (:data:`CONTEXT_FILE`, index ``row_id``, named in the
prototype's ``context_columns``), never given to the model nor explained, and says so in one
warning (:class:`ContextColumnsWarning`). Verdicts snapshot a row's context with its features
(:func:`model.on_demand.snapshot_values`), so the training export carries it.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from typing import Any

import pandas as pd

from model.stored_features import is_missing

__all__ = [
    "CONTEXT_FILE",
    "ContextColumnsWarning",
    "context_frame",
    "with_context",
    "warn_context_kept",
]

CONTEXT_FILE = "context.parquet"


class ContextColumnsWarning(UserWarning):
    """Columns of the data the model does not use were kept as context for reviewers."""


def context_frame(
    given: pd.DataFrame, features: Iterable[str], row_ids: pd.Index, not_context: Iterable
) -> pd.DataFrame | None:
    """The columns of the data ``given`` to publishing that are not the model's ``features``
    nor named in ``not_context`` (the target, the row id), on the rows' ids ``row_ids`` (index
    ``row_id``), or None when there are none. Text is kept as it is, whatever its length; an
    object column mixing texts with other values is stored as text."""
    taken = {str(c) for c in features}
    skipped = {str(c) for c in not_context if c is not None}
    columns = [c for c in given.columns if str(c) not in taken and str(c) not in skipped]
    if not columns:
        return None
    frame = given[columns].copy()
    frame.index = row_ids
    frame.index.name = "row_id"
    for column in columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].map(_as_text)
    return frame


def _as_text(value: Any) -> Any:
    """``value`` as Parquet can store an object column of it: text, or None when missing."""
    if value is None or isinstance(value, str):
        return value
    return None if is_missing(value) else str(value)


def warn_context_kept(context: pd.DataFrame | None) -> None:
    """One line naming the columns kept as context, if any."""
    if context is None:
        return
    warnings.warn(
        "kept as context for reviewers, not used by the model: "
        + ", ".join(map(str, context.columns))
        + " (leave a column out of X, or --leave-out it, if reviewers must not see it: "
        "another target, for one)",
        ContextColumnsWarning,
        stacklevel=3,
    )


def with_context(features: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """A verdict's snapshot of a row: its ``features``, then its ``context`` values (a
    context column never shares a feature's name; were it to, the feature's value stays)."""
    return features | {name: value for name, value in context.items() if name not in features}
