"""A regression's known values: the actual outcome of each reviewed demo row, as the training
export and ``feedback_store.resolve_labels`` take them (``known_values``).

When reviewers call a regression's prediction correct, the row's label is its known value
(the house's recorded sale price), not the model's output. The verdict store does not hold
those values; a published prototype's ``predictions.parquet`` does, in its ``actual`` column,
when its demo rows were published with their outcomes. Only that column is read, and only the
rows someone reviewed: a 100,000-row prototype with a dozen verdicts costs a dozen values.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np

from feedback_store.reading import VerdictReader
from feedback_store.resolution import KnownValues
from model.prototype import _parquet_columns, read_rows
from model.scope import prototypes_in_scope
from model.workspace import Prototype, Workspace, WorkspaceError, open_workspace

__all__ = [
    "CORRECT_REGRESSION_LABEL",
    "known_values",
    "known_values_or_none",
    "prototype_known_values",
]

#: What a training export labels a regression's row with when reviewers called its prediction
#: correct, in the words of a command's ``--help``.
CORRECT_REGRESSION_LABEL = (
    "A regression's row that reviewers called correct is labelled with its known value (the "
    "demo row's actual outcome, from the workspace's published prototype); a row without one "
    "(an own case, a prototype published without outcomes) gets the prediction shown, to six "
    "significant figures, and the manifest warns."
)

ACTUAL = "actual"


def prototype_known_values(proto: Prototype, row_ids: Iterable[str]) -> KnownValues:
    """The known (actual) values of ``row_ids`` among ``proto``'s demo rows, keyed by
    ``(sprint, prototype, row_id)``; empty for a classifier, a prototype published without
    outcomes, or rows that are not demo rows (own cases). Missing outcomes are left out."""
    ids = sorted({str(row_id) for row_id in row_ids})
    if proto.task != "regression" or not ids:
        return {}
    path = proto.path / "predictions.parquet"
    try:
        if ACTUAL not in _parquet_columns(path):
            return {}
        rows = read_rows(path, ids, columns=[ACTUAL])
    except (OSError, ValueError):  # unreadable: its verdicts keep the prediction shown
        return {}
    values = rows[ACTUAL].to_numpy(dtype=float, na_value=np.nan)
    keep = np.isfinite(values)
    return {
        (proto.sprint, proto.name, str(row_id)): float(value)
        for row_id, value in zip(rows.index[keep], values[keep].tolist(), strict=True)
    }


def known_values(
    ws: Workspace, store: VerdictReader, sprint: str | None = None, prototype: str | None = None
) -> KnownValues:
    """The known values of every reviewed demo row of the published regression prototypes of
    ``sprint`` (every sprint when None) named ``prototype`` (any when None): what a training
    export of the same scope labels a row with when reviewers called its prediction correct.
    Prototypes without verdicts, without outcomes, or classifiers contribute nothing."""
    values: dict[tuple[str, str, str], float] = {}
    for proto in prototypes_in_scope(ws, sprint, prototype):
        if proto.task != "regression":
            continue
        reviewed = store.reviewed_row_ids(proto.sprint, proto.name)
        values.update(prototype_known_values(proto, reviewed))
    return values


def known_values_or_none(
    workspace: str | Path | Workspace,
    store: VerdictReader,
    sprint: str | None = None,
    prototype: str | None = None,
) -> KnownValues | None:
    """``known_values`` of the workspace (a folder or an open ``Workspace``), or None when it
    has none to give (a folder holding ``feedback.db`` alone, or no reviewed regression row
    with an outcome): an export then says in its manifest that none were given."""
    try:
        ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace, False)
    except WorkspaceError:
        return None
    return known_values(ws, store, sprint, prototype) or None
