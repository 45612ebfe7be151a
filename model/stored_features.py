"""The demo rows read back as the model was given them at publish time.

Parquet has one missing value (null) and pandas reads its text columns back with its string
dtype, where a missing value is ``NaN``. A frame's object columns can hold ``None``, ``NaN``
or ``pd.NA`` for missing, and a pipeline may treat them differently: scikit-learn's
``SimpleImputer`` takes ``NaN`` for missing but not ``None``, which ``OneHotEncoder`` then
reads as a category of its own. Read back as they come, such rows are other inputs: a row
explained later would get another prediction than the published one (and be refused for
it), and the background of a case typed on SME review another base value.

Publishing records each object column's missing value (:func:`describe`) in the prototype's
``stored_columns``, and, for a column that mixes several, which each missing cell held (a
small table, ``missing_kinds.parquet``); :func:`restore` gives the rows read back their
object dtype and their own missing values again.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["MISSING_KINDS_FILE", "MIXED", "describe", "is_missing", "missing_kind", "restore"]

#: The table of which missing value each missing cell of a mixed column held.
MISSING_KINDS_FILE = "missing_kinds.parquet"
#: A column whose missing cells hold more than one of the values below.
MIXED = "mixed"
_VALUES: dict[str, object] = {"None": None, "NaN": np.nan, "NA": pd.NA, "NaT": pd.NaT}


def missing_kind(value) -> str | None:
    """Which missing value ``value`` is ("None", "NA", "NaT", "NaN"), or None if it is not
    one (any float NaN is "NaN")."""
    if value is None:
        return "None"
    if value is pd.NA:
        return "NA"
    if value is pd.NaT:
        return "NaT"
    if isinstance(value, float) and value != value:
        return "NaN"
    return None


def is_missing(value) -> bool:
    """Whether ``value`` is one of the missing values an object column holds (None, NaN,
    pd.NA, NaT): what pages show as "missing" and JSON as null."""
    return missing_kind(value) is not None


def describe(X: pd.DataFrame) -> tuple[dict[str, dict], pd.DataFrame | None]:
    """``X``'s object columns with the missing value each holds, and the missing cells' kinds
    of those that mix several (``None`` if none does).

    ``{"shift": {"dtype": "object", "missing": "None"}}``: ``missing`` is ``"None"``,
    ``"NaN"``, ``"NA"``, ``"NaT"``, ``"mixed"`` (see the table) or absent for a column with
    no missing value.
    """
    columns: dict[str, dict] = {}
    kinds: dict[str, pd.Series] = {}
    for column in X.columns:
        series = X[column]
        if series.dtype != object:
            continue
        entry: dict[str, str] = {"dtype": "object"}
        absent = series[series.isna()]
        if len(absent):
            # anything else pandas counts as missing (np.datetime64("NaT")…) reads back as NaN
            cell_kinds = absent.map(lambda v: missing_kind(v) or "NaN").astype(object)
            found = set(cell_kinds)
            entry["missing"] = found.pop() if len(found) == 1 else MIXED
            if entry["missing"] == MIXED:
                kinds[str(column)] = cell_kinds
        columns[str(column)] = entry
    if not kinds:
        return columns, None
    table = pd.DataFrame(kinds, dtype=object)
    table.index.name = X.index.name
    return columns, table


def restore(
    frame: pd.DataFrame, columns: Mapping[str, dict] | None, kinds: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``frame`` (rows read back) with the object dtype and missing values :func:`describe`
    recorded; a mixed column's cells absent from ``kinds`` get ``NaN``. Returns a new frame
    when anything changes."""
    if not columns:
        return frame
    restored = None
    for column, entry in columns.items():
        if column not in frame.columns:
            continue
        if restored is None:
            restored = frame.copy()
        values = frame[column].to_numpy(dtype=object, copy=True)
        missing = pd.isna(values)
        kind = entry.get("missing")
        if kind == MIXED:
            cell_kinds = (
                kinds[column].reindex(frame.index).to_numpy(dtype=object)
                if kinds is not None and column in kinds.columns
                else np.full(len(frame), "NaN", dtype=object)
            )
            for name, value in _VALUES.items():
                values[missing & (cell_kinds == name)] = value
            known = pd.Series(cell_kinds, dtype=object).isin(list(_VALUES)).to_numpy()
            values[missing & ~known] = np.nan
        elif kind in _VALUES:
            values[missing] = _VALUES[kind]
        restored[column] = pd.Series(values, index=frame.index, dtype=object)
    return frame if restored is None else restored
