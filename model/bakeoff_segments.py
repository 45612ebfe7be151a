"""The bake-off by segment: each prototype's score within ranges of one feature
(:func:`segment_table`).
"""

from __future__ import annotations

import math

import pandas as pd

from model.metrics import BINARY
from model.money import format_number
from model.publishing import label_strings
from model.sprint_data import SprintData, load_sprint
from model.workspace import Workspace, WorkspaceError

__all__ = ["segment_table"]


def segment_table(
    ws: Workspace, sprint: str, metric_key: str | None, feature: str, *, bins: int = 4
) -> pd.DataFrame:
    """The metric per value of ``feature`` (e.g. Type L/M/H), one column per prototype.

    Index: the segment (named after the feature); columns ``rows``, ``positives`` (binary
    tasks; NaN otherwise) and one per prototype. A numeric feature with more than ten distinct
    values is cut into ``bins`` quantile bins. A metric undefined on a segment (one class
    only) is NaN. A free-text feature (``text_columns`` of a prototype) is refused.
    """
    data = load_sprint(ws, sprint)
    metric = data.metric(metric_key)
    values = _feature_values(data, feature)
    segments = _segments(values, bins)
    y, frames = data.by_position()
    positive = (
        label_strings(y.to_numpy()) == data.positive_class
        if data.task == BINARY and y is not None
        else None
    )
    records = []
    for segment in segments.cat.categories:
        mask = (segments == segment).to_numpy()
        if not mask.any():
            continue
        record = {
            feature: str(segment),
            "rows": int(mask.sum()),
            "positives": int(positive[mask].sum()) if positive is not None else math.nan,
        }
        for name in data.scored:
            record[name] = metric(y[mask], frames[name][mask])
        records.append(record)
    table = pd.DataFrame(records, columns=[feature, "rows", "positives", *data.scored])
    table = table.set_index(feature)
    table.attrs = {"metric_key": metric.key, "metric_label": metric.info.label, "feature": feature}
    return table


def _feature_values(data: SprintData, feature: str) -> pd.Series:
    available: list[str] = []
    for name in data.scored:
        columns = data.prototypes[name].meta.get("features", [])
        if feature in data.prototypes[name].meta.get("text_columns", []):
            raise WorkspaceError(
                f"{feature!r} is free text, a value of its own on nearly every row; "
                "choose a categorical or numeric feature to split by"
            )
        if feature in columns:
            frame = data.prototypes[name].features()
            frame.index = frame.index.astype(str)
            return frame.loc[data.rows, feature]
        available.extend(c for c in columns if c not in available)
    raise WorkspaceError(
        f"no prototype of {data.sprint!r} has the feature {feature!r}; "
        f"choose one of {', '.join(available) or '(none)'}"
    )


#: The segment of the rows whose reading is missing.
MISSING_SEGMENT = "(missing)"


def _segments(values: pd.Series, bins: int) -> pd.Series:
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if numeric and values.nunique() > 10:
        # ranges as people write them ("26.6–50.4", not "(26.557, 50.443]"), and the rows
        # without a reading in a segment of their own: a trial's 46 of 1,500 were left out
        binned = pd.qcut(values, q=bins, duplicates="drop")
        # the first range from the smallest reading (qcut opens it a hair below: "-0.253")
        edges = [float(values.min()), *(i.right for i in binned.cat.categories)]
        pairs = list(zip(edges[:-1], edges[1:], strict=True))
        names = [f"{format_number(a)}–{format_number(b)}" for a, b in pairs]
        if len(set(names)) < len(names):  # bounds alike to three figures: six
            names = [f"{a:.6g}–{b:.6g}" for a, b in pairs]
        text = binned.cat.rename_categories(names).astype(object).where(values.notna())
        order = [*names, MISSING_SEGMENT] if values.isna().any() else names
        text = text.fillna(MISSING_SEGMENT)
        return pd.Series(pd.Categorical(text, categories=order), index=values.index)
    text = values.astype(str).where(values.notna(), MISSING_SEGMENT)
    return pd.Series(pd.Categorical(text, categories=sorted(text.unique())), index=values.index)
