"""Which reviewed rows a published model was trained on, as ``publish(trained_on=…)`` and
``--trained-on`` record them: the follow-up of earlier verdicts (``model.followup``) tells a
case the new model learnt from one it now gets right by itself."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from feedback_store.training import TrainingExport
from model.config import MAX_ROW_ID_LENGTH
from model.data_files import trained_on_file

__all__ = ["TRAINED_ON_KEY", "trained_on_ids"]

#: The prototype metadata's key (and the demo's ``demo.json`` key) of those rows.
TRAINED_ON_KEY = "feedback_rows_trained_on"


def trained_on_ids(rows) -> list[str] | None:
    """``publish``'s ``trained_on`` as the row ids stored: the reviewed rows a model was
    trained on, given as row ids, as a training export read into a frame (its ``row_id``
    column), as what ``export_training`` returns or the path of its file (the file's rows,
    as ``--trained-on FILE``); None when not given.
    ``ValueError`` in one line for anything else."""
    if rows is None:
        return None
    if isinstance(rows, TrainingExport):  # what export_training returns: its file's rows
        return trained_on_ids(trained_on_file(Path(rows.path), name="trained_on"))
    if isinstance(rows, Path) or (isinstance(rows, str) and Path(rows).is_file()):
        return trained_on_ids(trained_on_file(Path(rows), name="trained_on"))  # as the CLI's
    if isinstance(rows, pd.DataFrame):
        if "row_id" not in rows.columns:
            raise ValueError(
                "trained_on is a frame without a row_id column; give the training export "
                "(python -m model export-training) or a list of row ids"
            )
        rows = rows["row_id"]
    if isinstance(rows, str | bytes) or not hasattr(rows, "__iter__"):
        raise ValueError(
            f"trained_on must be a list of row ids or the training export's file, got "
            f"{type(rows).__name__}{' naming no file' if isinstance(rows, str) else ''}"
        )
    rows = list(rows)
    if any(isinstance(r, Path) for r in rows):  # a pair of paths read as two row ids
        raise ValueError(
            "trained_on holds file paths, not row ids: give the training export itself (what "
            "export_training returns, or its file read with pandas)"
        )
    ids = sorted({str(r) for r in rows if not (isinstance(r, float) and r != r)})
    too_long = next((r for r in ids if len(r) > MAX_ROW_ID_LENGTH), None)
    if too_long is not None:
        raise ValueError(f"trained_on holds a row id of {len(too_long)} characters: not an id")
    return ids
