"""Explaining a row outside the demo deck when it is first asked for, and storing it.

Publishing computes SHAP values for the demo deck only (:func:`model.deck.plan_deck`). Any other
row is explained with the explainer and background rows publishing used, checked against the
published prediction, and added to ``shap-ondemand.parquet`` in the prototype's folder under
the workspace lock, through a temporary file and a rename, so concurrent sessions lose none.
:meth:`model.workspace.Workspace.explain` calls :func:`explain_row`. A model that cannot be
loaded back (a hand-written class) explains no row later: :func:`unexplained_reason` says,
before anything is asked, which rows that leaves without an explanation and why.
"""

from __future__ import annotations

import functools
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from model import persistence
from model.atomic_files import WorkspaceError, read_json
from model.config import ADDITIVITY_TOLERANCE
from model.context_columns import CONTEXT_FILE, with_context
from model.explanation import estimate_error
from model.labels import PROBABILITY_PREFIX
from model.metrics import REGRESSION
from model.prototype import (
    ON_DEMAND_FILE,
    ON_DEMAND_INDEX,
    Prototype,
    first_on_demand,
    of_class,
    read_parquet,
    read_rows,
)
from model.stored_features import is_missing

if TYPE_CHECKING:
    from model.workspace import Workspace


@functools.lru_cache(maxsize=4)
def _loaded_estimator(model_file: str, modified_ns: int, size: int, source: str):
    # Loading a 100-tree forest with skops takes about a second, five times what explaining a
    # row with it does: rows explained on demand reuse the model, never modify it.
    return persistence.load_skops_file(model_file, source)


def shared_estimator(proto: Prototype):
    """``proto``'s model, loaded once for as long as its file is unchanged and shared by
    every explanation asked for later (a row outside the deck, an own case), which never
    modify it; :meth:`Prototype.estimator` loads a copy of one's own."""
    model_file = proto.path / "model.skops"
    stat = model_file.stat()
    # a refusal names the prototype, as Prototype.estimator's does ("random forest model ...")
    return _loaded_estimator(str(model_file), stat.st_mtime_ns, stat.st_size, f"{proto.name} model")


def explain_row(
    workspace: Workspace,
    sprint: str,
    prototype: str,
    row_id: str,
    explained_class: str | None = None,
) -> dict:
    """:meth:`Workspace.explain <model.workspace.Workspace.explain>`: one row's explanation,
    stored, or computed now and stored (if the workspace can be written)."""
    row_id = str(row_id)
    for _ in range(2):
        proto = workspace.prototype(sprint, prototype)
        row = proto.prediction(row_id)
        if explained_class is None and proto.task == "multiclass":
            explained_class = str(row["predicted"])
        label = proto._explained_label(explained_class)
        stored = proto._stored(row_id, label, bool(row["precomputed"]))
        if stored is not None:
            break
        explained = _explain_on_demand(workspace, proto, row_id, row)
        if explained is not None:
            stored = first_on_demand(of_class(explained, label))
            break
    else:
        raise WorkspaceError(
            f"{prototype} was published again while row {row_id!r} was explained; try again"
        )
    if stored is None:
        raise WorkspaceError(f"{prototype} has no stored explanation of row {row_id!r}")
    contributions, explainer = stored
    contributions = contributions.astype(float)
    proto.check_stored_row(row, label, contributions, explainer)  # a file edited since?
    base = proto.base_value(label)
    result = {
        "output": float(base + contributions.sum()),
        "base_value": base,
        "contributions": {k: float(v) for k, v in contributions.items()},
        "explained_class": label,
        "explained_class_name": None if label is None else proto.class_name(label),
        "unit": proto.meta.get("unit") or ("value" if proto.task == REGRESSION else "probability"),
        "feature_values": feature_values(proto, row_id),
        "predicted": _plain(row["predicted"]),
        "predicted_name": None if proto.task == REGRESSION else proto.class_name(row["predicted"]),
        "explainer": explainer,
        "precomputed": bool(row["precomputed"]),
    }
    # An estimate's values carry their stated error (95%, each value); exact ones None.
    result["estimate_error"] = estimate_error(proto.meta, result)
    return result


def unexplained_reason(
    proto: Prototype, row_id: str, precomputed: bool | None = None
) -> str | None:
    """Why row ``row_id`` of ``proto`` has no explanation and cannot be given one, in one plain
    sentence saying what the data scientist can do; None when the row can be explained (it was
    explained when publishing or since, or the model can be loaded back to explain it).
    ``precomputed`` is the row's flag in :meth:`Prototype.predictions`, read if not given."""
    if not proto.meta.get("model_untrusted_types"):
        return None
    row_id = str(row_id)
    if precomputed is None:
        precomputed = proto.prediction(row_id)["precomputed"]
    if bool(precomputed) or row_id in proto.on_demand_rows():
        return None
    deck = proto.meta.get("deck") or {}
    return (
        f"There is no explanation for this row: publishing explained "
        f"{deck.get('precomputed', 0):,} of {deck.get('rows', 0):,} rows, and {proto.name}'s "
        "model cannot be loaded back to explain the others. To explain every row, the data "
        "scientist can publish it again with every row explained (deck_size=None, or "
        f"--deck-size all), or publish {persistence.LOADABLE_MODELS}."
    )


def feature_values(proto: Prototype, row_id: str) -> dict:
    """One demo row's feature values as published, as plain Python values (what a verdict
    records), whether or not the row is explained."""
    return {k: _plain(v) for k, v in proto.feature_row(str(row_id)).items()}


def context_values(proto: Prototype, row_id: str) -> dict:
    """One demo row's context values (the data's columns the model does not take, kept for
    reviewers: ``meta["context_columns"]``) as plain Python values; ``{}`` for a prototype
    published without context."""
    path = proto.path / CONTEXT_FILE
    if not proto.meta.get("context_columns") or not path.is_file():
        return {}
    rows = read_rows(path, [str(row_id)])
    return {} if rows.empty else {str(k): _plain(v) for k, v in rows.iloc[0].items()}


def snapshot_values(proto: Prototype, row_id: str) -> dict:
    """What a verdict on a demo row records of it: its feature values as published, then its
    context values, so the training export carries both (a context column is never named as
    a feature: publishing keeps only the columns the model does not take)."""
    return with_context(feature_values(proto, row_id), context_values(proto, row_id))


def _explain_on_demand(
    workspace: Workspace, proto: Prototype, row_id: str, prediction: pd.Series
) -> pd.DataFrame | None:
    """Explain a row outside the demo deck and store its values for every explained class.

    Returns the row's stored values (one row per class), or None, storing nothing, if the
    prototype was published again since ``proto`` and ``prediction`` were read.
    """
    from model.deck import explain_on_demand  # imports shap and scikit-learn: only here
    from model.explain import ExplanationError
    from model.explanation import of_positive_class

    meta = proto.meta
    untrusted = meta.get("model_untrusted_types")
    if untrusted:  # publishing explained every row it could (unexplained_reason): not this one
        deck = meta.get("deck") or {}
        raise WorkspaceError(
            f"row {row_id!r} is not among the {deck.get('precomputed', 0):,} of "
            f"{deck.get('rows', 0):,} rows explained when publishing, and {proto.name}'s model "
            f"cannot be loaded back to explain it: {persistence.unloadable_reason(untrusted)}; "
            "publish it again with deck_size=None (--deck-size all) to explain every row, or "
            f"publish {persistence.LOADABLE_MODELS}"
        )
    background_rows = meta.get("background_rows")
    if not background_rows:
        raise WorkspaceError(f"{proto.name} does not record its SHAP background; publish it again")
    rows = proto.feature_rows([row_id, *background_rows])
    X, background = rows.loc[[row_id]], rows.loc[background_rows]
    n_classes = len(meta.get("classes") or [])
    estimator = shared_estimator(proto)
    try:
        explanation = explain_on_demand(
            estimator, X, background, proto.task, n_classes, meta["explainer"]
        )
    except ExplanationError as error:
        raise WorkspaceError(f"row {row_id!r} cannot be explained: {error}") from None
    explanation = of_positive_class(
        explanation, proto.task, list(meta.get("classes") or []), meta.get("positive_class")
    )
    labels = [label or "" for label in meta["explained_classes"]]
    index = pd.MultiIndex.from_tuples(
        [(row_id, label, explanation.explainer) for label in labels], names=ON_DEMAND_INDEX
    )
    values = pd.DataFrame(explanation.values[0].T, index=index, columns=meta["features"])
    try:
        with workspace._lock():
            current = proto.path / "prototype.json"
            if not current.is_file() or read_json(current)["published_at"] != meta["published_at"]:
                return None
            _check_reproduces(proto, prediction, explanation)
            return _store_on_demand(proto.path / ON_DEMAND_FILE, values, row_id)
    except OSError:
        # A read-only workspace or a full disk: the row is explained, just not stored.
        _check_reproduces(proto, prediction, explanation)
        return values


def _store_on_demand(path: Path, values: pd.DataFrame, row_id: str) -> pd.DataFrame:
    """Add one row's values to the on-demand file (call under the workspace lock); return the
    row's stored values, which are another session's if it stored the row first."""
    if path.is_file():
        stored = read_parquet(path)
        known = stored.index.get_level_values("row_id")
        if row_id in known:
            return stored[known == row_id]
        values = pd.concat([stored, values])
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        values.to_parquet(temporary)
        with open(temporary, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return values[values.index.get_level_values("row_id") == row_id]


def _check_reproduces(proto: Prototype, row: pd.Series, explanation) -> None:
    """The loaded model must give the published base values and prediction for the row."""
    meta = proto.meta
    row_id = row.name
    if proto.task == REGRESSION:
        published = [float(row["predicted"])]
    else:
        published = [float(row[PROBABILITY_PREFIX + c]) for c in meta["explained_classes"]]
    base_gap = np.max(np.abs(explanation.base_values - np.asarray(meta["base_values"])))
    output_gap = np.max(np.abs(explanation.predictions[0] - np.asarray(published)))
    if max(base_gap, output_gap) > ADDITIVITY_TOLERANCE:
        raise WorkspaceError(
            f"{proto.name}'s stored model no longer gives the published results for row "
            f"{row_id!r} (off by {max(base_gap, output_gap):.2g}); publish it again"
        )


def _plain(value):
    if is_missing(value):  # pd.NA and NaT too (an object column's own missing values): null
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value
