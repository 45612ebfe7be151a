"""A training export's features in the dtypes the prototypes were published with.

A verdict stores the row's feature values as JSON: a pandas category (``region``) comes back
as text, a date as the text ``"2026-09-05T00:00:00"``, and a training frame joined to such rows
turns ``region`` into text too (``pd.concat`` of a category and text), which XGBoost's
``enable_categorical`` refuses. Given the published dtypes (``model.published_dtypes``: this
package cannot read prototypes), :func:`keep_dtypes` gives each feature column its
category (with the published categories, in their order), datetime or bool dtype again, and
:func:`dtypes_manifest` lists each feature column's dtype (and a category column's
categories) in the manifest, so a reader of the CSV or JSONL file restores them
(:func:`read_training`)::

    from feedback_store.feature_dtypes import read_training
    t = read_training("t.csv")  # its manifest beside it gives region, date, promo their dtypes

A value the published dtype cannot hold (a category the prototype never had, a date that does
not parse) is kept: the column stays as the values type it, so nothing is lost.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["dtypes_manifest", "from_manifest", "keep_dtypes", "read_training"]


def keep_dtypes(
    frame: pd.DataFrame, columns: Mapping[str, str], dtypes: Mapping[str, Any] | None
) -> pd.DataFrame:
    """``frame`` with each feature column (``columns``: feature name to column name) whose
    published dtype ``dtypes`` gives as a category, a datetime or bool in that dtype; other
    columns as they are."""
    for name, column in columns.items():
        dtype = (dtypes or {}).get(str(name))
        if dtype is not None and column in frame.columns:
            frame[column] = _as(frame[column], dtype)
    return frame


def _as(values: pd.Series, dtype: Any) -> pd.Series:
    """``values`` in ``dtype`` when it is a category, datetime or bool dtype that holds every
    value; else ``values``."""
    present = values.notna()
    if isinstance(dtype, pd.CategoricalDtype):
        categories = list(dtype.categories)
        if not present.any() or values[present].isin(categories).all():
            return values.astype(dtype)
        return values
    if pd.api.types.is_datetime64_any_dtype(dtype):
        try:
            times = pd.to_datetime(values, errors="raise")
            return times.astype(dtype)
        except (ValueError, TypeError, OverflowError):
            return values
    if pd.api.types.is_bool_dtype(dtype) and not present.all():
        return values.astype("boolean") if values[present].map(_is_bool).all() else values
    if pd.api.types.is_bool_dtype(dtype):
        return values.astype(bool) if values.map(_is_bool).all() else values
    return values


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"


def dtypes_manifest(frame: pd.DataFrame, features: list[str]) -> dict[str, Any]:
    """The manifest's ``dtypes`` (each feature column's dtype in the export, the published
    one where it was kept) and ``categories`` (a category column's categories, in order)."""
    dtypes = {column: str(frame[column].dtype) for column in features}
    categories = {
        column: [_plain(c) for c in frame[column].cat.categories]
        for column in features
        if isinstance(frame[column].dtype, pd.CategoricalDtype)
    }
    return {"dtypes": dtypes, "categories": categories}


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value


def from_manifest(columns: Mapping[str, Any]) -> dict[str, Any]:
    """The dtypes to give a training file read from CSV or JSONL (``frame.astype(...)``),
    from its manifest's ``columns``: a category column with its categories in order."""
    categories = columns.get("categories") or {}
    return {
        column: pd.CategoricalDtype(categories[column]) if column in categories else dtype
        for column, dtype in (columns.get("dtypes") or {}).items()
    }


def read_training(path: str | os.PathLike[str]) -> pd.DataFrame:
    """A training export read back (Parquet, CSV or JSONL) with its features in the dtypes its
    manifest (``<path>.manifest.json``) lists: a category with its categories in order (read
    from the text as written: ``007`` stays ``"007"``), a datetime, bool."""
    path = Path(path)
    manifest = path.with_name(path.name + ".manifest.json")
    columns = json.loads(manifest.read_text("utf-8"))["columns"]
    dtypes = from_manifest(columns)
    if path.suffix.lower() == ".parquet":
        return pd.read_parquet(path)
    as_text = {c: "str" for c, d in dtypes.items() if isinstance(d, pd.CategoricalDtype)}
    if path.suffix.lower() == ".csv":
        frame = pd.read_csv(path, dtype=as_text)
    else:
        frame = pd.read_json(path, lines=True, dtype=as_text or False)
    if columns.get("label_type") == "number":  # JSON writes 120.0 as 120
        dtypes["label"] = "float64"
    for column, dtype in dtypes.items():
        if column in frame.columns:
            kind = pd.api.types.is_datetime64_any_dtype(dtype)
            values = pd.to_datetime(frame[column]) if kind else frame[column]
            frame[column] = values.astype(dtype)
    return frame
