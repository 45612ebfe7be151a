"""Exports of the verdicts that keep the class codes and add the names people know them by.

The verdict store knows nothing of prototypes: it writes a name column beside each label
column when it is given the names (``feedback_store.exports.ClassNames``). This module gives
it the names of every published classifier in scope, so the Feedback page's downloads and
``python -m model export`` / ``export-training`` write ``predicted_name``,
``corrected_name`` and ``label_name`` beside ``predicted_label``, ``corrected_label`` and
``label``. Regression prototypes have no classes: an export of them alone has no name column.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from feedback_store.exports import ClassNames
from feedback_store.store import FeedbackStore
from feedback_store.training import TrainingExport, export_training
from model.known_values import known_values_or_none
from model.prototype import canonical_targets
from model.published_dtypes import feature_dtypes_in_scope
from model.scope import prototypes_in_scope
from model.workspace import Workspace

__all__ = [
    "class_names_in_scope",
    "export_training_with_names",
    "export_with_names",
    "feature_kinds_in_scope",
    "targets_in_scope",
]


def class_names_in_scope(
    ws: Workspace, sprint: str | None = None, prototype: str | None = None
) -> ClassNames | None:
    """The class names of each published classifier of ``sprint`` (every sprint when None)
    named ``prototype`` (any when None), keyed by ``(sprint, prototype)``; a class without a
    name is named by its label, as pages show it. None when no classifier is in scope, so an
    export of regression prototypes alone gets no name column."""
    names = {
        (proto.sprint, proto.name): proto.class_names
        for proto in prototypes_in_scope(ws, sprint, prototype)
        if proto.task != "regression"
    }
    return names or None


def targets_in_scope(
    ws: Workspace, sprint: str | None = None, prototype: str | None = None
) -> dict[tuple[str, str], str | None]:
    """What each published prototype in scope predicts, keyed by ``(sprint, prototype)``: its
    target's name as the first prototype of that target gave it (one published as "actual"
    with the same labels as "Machine failure" is "Machine failure";
    ``model.prototype.canonical_targets``), None where none named it. A training export
    refuses labels of more than one target. A target a classifier predicts in other labels
    than the first of that target ("no"/"yes" beside 0/1) is named with them: one label column
    cannot hold both spellings."""
    prototypes = list(prototypes_in_scope(ws, sprint, prototype))
    targets = canonical_targets(prototypes)
    first_labels: dict[str, set[str]] = {}
    for proto in prototypes:
        key, classes = (proto.sprint, proto.name), [str(c) for c in proto.meta.get("classes") or []]
        target = targets[key]
        if target is None or not classes:
            continue
        if set(classes) != first_labels.setdefault(target, set(classes)):
            targets[key] = f"{target} in the labels {', '.join(map(repr, classes))}"
    return targets


def feature_kinds_in_scope(
    ws: Workspace, sprint: str | None = None, prototype: str | None = None
) -> dict[str, str]:
    """What each feature of the prototypes in scope holds, from their stored demo features'
    schema (nothing else is read): "number", "boolean" or "text". A feature two prototypes
    store differently is left out (the values decide)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds: dict[str, set[str]] = {}
    for proto in prototypes_in_scope(ws, sprint, prototype):
        try:
            schema = pq.read_schema(proto.path / "features.parquet")
        except (OSError, pa.ArrowException):
            continue
        index = set((schema.pandas_metadata or {}).get("index_columns") or [])
        for field in schema:
            if field.name in index:  # the row ids
                continue
            kind = (
                "boolean"
                if pa.types.is_boolean(field.type)
                else "number"
                if pa.types.is_integer(field.type) or pa.types.is_floating(field.type)
                else "text"
            )
            kinds.setdefault(field.name, set()).add(kind)
    return {feature: kind.pop() for feature, kind in kinds.items() if len(kind) == 1}


def export_with_names(
    ws: Workspace,
    store: FeedbackStore,
    path: str | os.PathLike[str],
    format: str = "csv",
    sprint: str | None = None,
    prototype: str | None = None,
    reviewer: str | None = None,
    verdict: str | None = None,
) -> tuple[Path, int]:
    """``store.export`` with ``predicted_name`` and ``corrected_name`` beside the codes when
    a classifier is in scope, and features no exported row has a value of typed as the
    prototypes store them; returns the file and how many verdicts it holds."""
    names = class_names_in_scope(ws, sprint, prototype)
    kinds = feature_kinds_in_scope(ws, sprint, prototype)
    # The count comes from the same read as the file, not from a second query.
    return store.export_counted(path, format, sprint, prototype, reviewer, verdict, names, kinds)


def export_training_with_names(
    ws: Workspace,
    store: FeedbackStore,
    path: str | os.PathLike[str],
    format: str = "parquet",
    sprint: str | None = None,
    prototype: str | None = None,
    rule: str = "majority",
    lead: str | None = None,
    demo_row_ids: Iterable[str] | None = None,
) -> TrainingExport:
    """``store.export_training`` with ``label_name`` beside ``label`` when a classifier is in
    scope, and features no exported row has a value of typed as the prototypes store them;
    labels of prototypes of different targets are refused (``targets_in_scope``). A
    regression's row that reviewers called correct is labelled with its known value, the demo
    row's outcome (``model.known_values``)."""
    return export_training(
        store, path, format, sprint=sprint, prototype=prototype, rule=rule, lead=lead,
        demo_row_ids=demo_row_ids, class_names=class_names_in_scope(ws, sprint, prototype),
        feature_kinds=feature_kinds_in_scope(ws, sprint, prototype),
        targets=targets_in_scope(ws, sprint, prototype),
        known_values=known_values_or_none(ws, store, sprint, prototype),
        feature_dtypes=feature_dtypes_in_scope(ws, sprint, prototype),
    )  # fmt: skip
