"""The dtypes a training export keeps: each feature's pandas dtype as the prototypes in scope
were published with it (``feedback_store.feature_dtypes``).

Read from the stored demo rows (``features.parquet``) and context columns
(``context.parquet``): a category column's categories in their order, a datetime's unit and
time zone, bool. Numbers and text are typed by their values and left out.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from model.scope import prototypes_in_scope
from model.workspace import Workspace, WorkspaceError, open_workspace

__all__ = ["feature_dtypes_in_scope", "feature_dtypes_or_none"]

_FILES = ("features.parquet", "context.parquet")


def _published(path: Path) -> dict[str, Any]:
    """The category, datetime and bool columns of one stored Parquet file, with their dtypes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
    except (OSError, pa.ArrowException):
        return {}
    index = set((schema.pandas_metadata or {}).get("index_columns") or [])
    found: dict[str, Any] = {}
    categorical = []
    for field in schema:
        if field.name in index:  # the row ids
            continue
        if pa.types.is_dictionary(field.type):
            categorical.append(field.name)
        elif pa.types.is_timestamp(field.type):
            unit, zone = field.type.unit, field.type.tz
            found[field.name] = (
                pd.DatetimeTZDtype(unit=unit, tz=zone)
                if zone
                else pd.api.types.pandas_dtype(f"datetime64[{unit}]")
            )
        elif pa.types.is_boolean(field.type):
            found[field.name] = pd.api.types.pandas_dtype(bool)
    if categorical:  # the categories are in the data, not the schema: read those columns only
        rows = pq.read_table(path, columns=categorical).to_pandas()
        found.update({name: rows[name].dtype for name in categorical})
    return found


def feature_dtypes_in_scope(
    ws: Workspace, sprint: str | None = None, prototype: str | None = None
) -> dict[str, Any]:
    """Each category, datetime or bool feature (or context column) of the prototypes in scope,
    with the pandas dtype it was published in. Two prototypes' categories of one feature are
    joined, in the order they come; a feature two prototypes store in different kinds of dtype
    is left out (the values decide)."""
    dtypes: dict[str, Any] = {}
    clashing: set[str] = set()
    for proto in prototypes_in_scope(ws, sprint, prototype):
        for file in _FILES:
            for name, dtype in _published(proto.path / file).items():
                known = dtypes.setdefault(name, dtype)
                if known == dtype:
                    continue
                if isinstance(known, pd.CategoricalDtype) and isinstance(
                    dtype, pd.CategoricalDtype
                ):
                    joined = list(dict.fromkeys([*known.categories, *dtype.categories]))
                    dtypes[name] = pd.CategoricalDtype(joined, known.ordered and dtype.ordered)
                else:
                    clashing.add(name)
    return {name: dtype for name, dtype in dtypes.items() if name not in clashing}


def feature_dtypes_or_none(
    workspace: str | Path | Workspace, sprint: str | None = None, prototype: str | None = None
) -> dict[str, Any] | None:
    """``feature_dtypes_in_scope`` of a workspace folder, or None for a folder that holds no
    workspace (``feedback.db`` alone)."""
    try:
        ws = workspace if isinstance(workspace, Workspace) else open_workspace(workspace, False)
    except WorkspaceError:
        return None
    return feature_dtypes_in_scope(ws, sprint, prototype) or None
