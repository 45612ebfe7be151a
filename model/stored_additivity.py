"""A stored explanation is checked against the stored prediction each time it is read.

Publishing checks that base value + contributions = the model's output on every row
(``model.explain``), but the SHAP files sit in a folder anyone can edit: a row multiplied by 10
showed a probability of -0.039 where the model said 0.030. :func:`check_adds_up` re-checks the
rows read (vectorised: one sum per row) against ``predictions.parquet`` and refuses in one line.

The tolerance is the prototype's own: twice the larger of ``ADDITIVITY_TOLERANCE`` and the
``max_additivity_error`` publishing recorded (the stored prediction and the explainer's output
are two computations), times the output's magnitude (at least 1), plus float32's rounding for
values stored in float32, plus the stated error of an estimated row. A boosting model explained
in log-odds is compared in probability (the logistic of its output); a multiclass one in
log-odds needs every class's values to give a probability and is not checked here.

Cost: about 1.4 ms more for a prototype's 300 to 1,000 stored rows (:meth:`shap_values`, read
once per page and cached), 0.5 ms more for one row (``Workspace.explain``).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from model.atomic_files import WorkspaceError
from model.config import ADDITIVITY_TOLERANCE
from model.explanation import is_estimated, stated_error
from model.labels import PROBABILITY_PREFIX
from model.metrics import REGRESSION

__all__ = ["check_adds_up", "prediction_column"]


def prediction_column(meta: Mapping, label: str | None) -> str | None:
    """The column of ``predictions.parquet`` the explanation of class ``label`` adds up to;
    None where it is not checked (a multiclass model explained in log-odds)."""
    task = meta.get("task")
    if meta.get("unit") == "log-odds" and task != "binary":
        return None
    return "predicted" if task == REGRESSION or label is None else PROBABILITY_PREFIX + label


def check_adds_up(
    meta: Mapping,
    label: str | None,
    values: pd.DataFrame,
    base: float,
    predictions: pd.DataFrame,
    explainers: pd.Series | None = None,
) -> None:
    """Raise ``WorkspaceError`` for the first row of ``values`` (index: row_id; one column per
    feature, for class ``label``) whose ``base`` + contributions is not its prediction in
    ``predictions`` (index: row_id) within the prototype's tolerance (``meta``).
    ``explainers``: each row's explainer, where rows were explained differently."""
    column = prediction_column(meta, label)
    if values.empty or column is None or column not in predictions.columns:
        return
    unit = meta.get("unit")
    ids = values.index.get_level_values(0)
    expected = predictions[column].reindex(ids).to_numpy(dtype=float)
    outputs = base + values.to_numpy(dtype=float).sum(axis=1)
    if unit == "log-odds":
        with np.errstate(over="ignore"):
            outputs = 1 / (1 + np.exp(-outputs))
    recorded = float(meta.get("max_additivity_error") or 0.0)
    tolerance = 2 * max(ADDITIVITY_TOLERANCE, recorded) * np.maximum(1, np.abs(expected))
    if any(dtype == np.float32 for dtype in values.dtypes):  # files stored in float32 once
        rounding = np.abs(values.to_numpy(dtype=float)).sum(axis=1) + abs(base)
        tolerance = tolerance + 4 * np.finfo(np.float32).eps * rounding
    error = stated_error(meta)
    if error is not None:
        if explainers is None:
            explainers = pd.Series(meta.get("explainer"), index=ids)
        estimated = np.array([is_estimated(e) for e in explainers], dtype=bool)
        tolerance = tolerance + np.where(estimated, error, 0.0)
    gap = np.abs(outputs - expected)
    wrong = ~(gap <= tolerance) & ~np.isnan(expected)  # NaN output: does not add up either
    if wrong.any():
        at = int(np.argmax(wrong))
        name = meta.get("name", "the prototype")
        form = "{:.1%}" if column.startswith(PROBABILITY_PREFIX) else "{:.4g}"
        raise WorkspaceError(
            f"{name}: the stored explanation of row {str(ids[at])!r} does not add up to its "
            f"prediction ({form.format(outputs[at])} where the model said "
            f"{form.format(expected[at])}): the file was changed after publishing; publish the "
            "prototype again"
        )
