"""Training-ready export: one row per resolved row, its features, its label and provenance.

Called as ``FeedbackStore.export_training``; the rows come from ``resolve_labels``. Rows that
stay unresolved, and rows whose verdicts carry no feature snapshot, are counted in the manifest
and left out of the file. Verdicts recorded without features (``store.record`` with no
``features=``) are counted in one warning, which says to record them through
``model.review.record_verdict``: settling such a row would not export it either.

A regression's rows carry three more columns after ``label``: ``label_source`` (where the
label came from, see ``feedback_store.resolution.LABEL_SOURCES``), ``right_values`` (every
right value the reviewers gave, for audit) and ``known_value`` (the row's known value when the
caller gave ``known_values``). Its manifest states the rule that combined the right values
and counts labels by source; ``per_label`` counts classes, so only a classifier's has it.

Rows shown in a demo are the evaluation set of later demos: training on them makes later
demo metrics look better than they are. Each row says whether it is one (``in_demo_set``) and
the manifest warns. Without ``demo_row_ids`` (always so on the command line, which has no
model to ask) every row of source "demo" counts as a demo-set row.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sqlite3
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from feedback_store.agreement import VALUE_RULE, _native_columns, labels_of
from feedback_store.exports import (
    EXPORT_ADVICE,
    ClassNames,
    _column,
    empty_feature,
    export_target,
    label_text,
    write_spreadsheet_csv,
)
from feedback_store.feature_dtypes import dtypes_manifest, keep_dtypes
from feedback_store.paired_files import FILE_DIGEST_KEYS, file_digest, write_pair
from feedback_store.protected import refuse_protected
from feedback_store.reading import VerdictReader
from feedback_store.resolution import (
    LABEL_SOURCES,
    KnownValues,
    check_lead,
    check_rule,
    resolve_frame,
)
from feedback_store.validation import TASK_WORDS, InvalidVerdict

__all__ = [
    "TrainingExport",
    "export_training",
    "demo_set_warning",
    "without_features_warning",
    "MANIFEST_SUFFIX",
]

MANIFEST_SUFFIX = ".manifest.json"
PROVENANCE_COLUMNS = [
    "label", "sprint", "prototype", "row_id", "source", "n_reviewers", "reviewers",
    "verdict_ids", "agreement", "rule", "model", "in_demo_set", "prototype_version",
]  # fmt: skip
#: The column of the label's class name, right after ``label`` when names are given.
LABEL_NAME = "label_name"
#: A regression's columns right after ``label``: where it came from and what it rests on.
REGRESSION_COLUMNS = ["label_source", "right_values", "known_value"]
_MODEL_KEYS = ("model", "estimator")
_ROW_KEY = ["sprint", "prototype", "row_id"]
_RESOLVED_COLUMNS = [
    "sprint", "prototype", "row_id", "source", "resolved_label", "task", "n_reviewers",
    "reviewers", "verdict_ids", "agreement", "rule", "label_source", "right_values",
]  # fmt: skip


class TrainingExport(NamedTuple):
    """Where a training export went: ``path, manifest_path = store.export_training(...)``."""

    path: Path
    manifest_path: Path

    @property
    def manifest(self) -> dict[str, Any]:
        """The manifest as written beside the file."""
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    @property
    def warnings(self) -> list[str]:
        """The manifest's warnings, for the page to show."""
        return self.manifest["warnings"]

    @property
    def intact(self) -> bool:
        """Whether the file beside the manifest is the one it describes (size and SHA-256):
        False for a file replaced since, or left by another export."""
        described = self.manifest
        return file_digest(self.path) == {k: described.get(k) for k in FILE_DIGEST_KEYS}

    @property
    def rows(self) -> int:
        """How many rows the file holds."""
        return self.manifest["counts"]["rows"]


def _mixed(questions: Mapping[tuple[str, str | None], list[str]]) -> bool:
    """Whether labels of more than one task, or of two named targets, are in ``questions``
    (a prototype published without its target's name goes with any)."""
    tasks = {task for task, _ in questions if task}
    named = {target for _, target in questions if target}
    return len(tasks) > 1 or len(named) > 1


def _mixed_targets(questions: Mapping[tuple[str, str | None], list[str]]) -> str:
    """One line saying the labels answer different questions, and what to do."""
    said = [
        f"{target or 'a target'} ({TASK_WORDS.get(task, task or 'unknown kind')}) in "
        f"{', '.join(sprints)}"
        for (task, target), sprints in questions.items()
    ]
    return (
        f"these labels are of different targets: {'; '.join(said)}. A training file holds "
        "one target: export one sprint or prototype at a time"
    )


def demo_set_warning(n: int) -> str:
    """The warning shown when ``n`` exported rows come from a demo (evaluation) set."""
    rows = "1 row is" if n == 1 else f"{n} rows are"
    return (
        f"{rows} from the demo (evaluation) set: training on them makes later demo metrics"
        " optimistic; hold them out of evaluation"
    )


def unresolved_warning(n: int) -> str:
    """The warning given when ``n`` reviewed rows have no label under the rule."""
    return (
        f"{n} reviewed row{'s were' if n != 1 else ' was'} left out because reviewers disagree"
        " or were unsure; settle them (feedback_store.conflicts) to export them"
    )


def without_features_warning(verdicts: int, rows: int) -> str:
    """The warning given when ``verdicts`` verdicts on ``rows`` rows carry no feature values
    (recorded with ``store.record`` and no ``features=``), so cannot become training rows."""
    if verdicts == 1:
        counted, them = "1 verdict was", "it"
    else:
        on = f" on {rows:,} row{'s' if rows != 1 else ''}" if rows != verdicts else ""
        counted, them = f"{verdicts:,} verdicts{on} were", "them"
    return (
        f"{counted} left out because no feature values were recorded with {them}"
        f" (store.record with no features=); record {them} through"
        " model.review.record_verdict, which fills in the row's published features"
    )


def accepted_predictions_warning(n: int) -> str:
    """The warning given when ``n`` regression labels are predictions the reviewers accepted,
    for want of the rows' known values."""
    rows = "1 row's label is" if n == 1 else f"{n:,} rows' labels are"
    return (
        f"{rows} the prediction shown (to six significant figures), which reviewers called "
        "correct, as no known value was given: training on them teaches the model its own "
        "answers; leave out the rows whose label_source is 'prediction accepted' if unwanted"
    )


def export_training(
    store: VerdictReader,
    path: str | os.PathLike[str],
    format: str = "parquet",
    sprint: str | None = None,
    prototype: str | None = None,
    rule: str = "majority",
    lead: str | None = None,
    demo_row_ids: Iterable[str] | None = None,
    class_names: ClassNames | None = None,
    feature_kinds: Mapping[str, str] | None = None,
    targets: Mapping[tuple[str, str], str | None] | None = None,
    *,
    known_values: KnownValues | None = None,
    feature_dtypes: Mapping[str, Any] | None = None,
) -> TrainingExport:
    """See ``FeedbackStore.export_training``. ``known_values``: a regression's known value per
    ``(sprint, prototype, row_id)`` (the demo rows' outcomes): the label of a row reviewers
    called correct (see ``feedback_store.resolution``). ``feature_dtypes``: each feature's
    published pandas dtype (``model.published_dtypes``): a category, datetime or bool feature
    keeps it (``feedback_store.feature_dtypes``); the manifest lists every feature's dtype."""
    target = export_target(path, format, store.path)
    refuse_protected(
        store.path, target.with_name(target.name + MANIFEST_SUFFIX), "a manifest", EXPORT_ADVICE
    )
    check_rule(rule, lead)
    demo_ids = _demo_ids(demo_row_ids)

    verdicts = store.verdicts(sprint=sprint, prototype=prototype)
    labels = labels_of(verdicts)
    check_lead(labels, lead)
    resolved = resolve_frame(labels, rule, lead, known_values=known_values, provenance=True)
    snapshots = _snapshots(labels)
    shown = _shown_versions(labels, verdicts)
    records: list[dict[str, Any]] = []
    questions: dict[tuple[str, str | None], list[str]] = {}
    without_features = 0
    # Whole columns rather than a dict per row from pandas: to_dict took seconds at 100,000.
    settled = _native_columns(resolved[~resolved["unresolved"]], _RESOLVED_COLUMNS)
    for row in zip(*(settled[column] for column in _RESOLVED_COLUMNS), strict=True):
        (sprint_name, prototype_name, row_id, source, resolved_label, task, n_reviewers,
         reviewers, verdict_ids, agreement, applied, label_source, right_values) = row  # fmt: skip
        features, model = snapshots.get((sprint_name, prototype_name, row_id), (None, None))
        if not features:
            without_features += 1
            continue
        in_demo = source == "demo" and (demo_ids is None or row_id in demo_ids)
        # what the label answers: the task (None if not recorded) and the target's name
        kind = task if isinstance(task, str) and task else None
        answers = (targets or {}).get((sprint_name, prototype_name))
        sprints = questions.setdefault((kind, answers), [])
        if sprint_name not in sprints:
            sprints.append(sprint_name)
        records.append(
            {
                "features": features,
                "label": float(resolved_label) if task == "regression" else resolved_label,
                "sprint": sprint_name,
                "prototype": prototype_name,
                "row_id": row_id,
                "source": source,
                "n_reviewers": n_reviewers,
                "reviewers": reviewers,
                "verdict_ids": verdict_ids,
                "agreement": agreement,
                "rule": applied,
                "model": model,
                "in_demo_set": bool(in_demo),
                "prototype_version": shown.get((sprint_name, prototype_name, row_id)),
            }
        )
        if task == "regression":
            known = (known_values or {}).get((sprint_name, prototype_name, row_id))
            records[-1].update(
                label_source=label_source,
                right_values=[float(v) for v in right_values],
                known_value=None if known is None else float(known),
            )
        if class_names is not None:
            names = class_names.get((sprint_name, prototype_name), {})
            records[-1]["label_name"] = names.get(label_text(resolved_label))
    if _mixed(questions):
        raise InvalidVerdict(_mixed_targets(questions))
    regression = any("label_source" in record for record in records)
    frame = _frame(
        records, named=class_names is not None, kinds=feature_kinds, regression=regression,
        dtypes=feature_dtypes,
    )  # fmt: skip

    in_demo = int(frame["in_demo_set"].sum())
    unresolved = int(resolved["unresolved"].sum())
    warnings = []
    if in_demo:
        warnings.append(demo_set_warning(in_demo))
    if unresolved:
        warnings.append(unresolved_warning(unresolved))
    # counted over every verdict, resolved or not: settling a row gives it no features
    bare = [key for key in zip(*_native_columns(labels, _ROW_KEY).values(), strict=True)
            if not snapshots.get(key, (None, None))[0]]  # fmt: skip
    if bare:
        warnings.append(without_features_warning(len(bare), len(set(bare))))
    sources = Counter(frame["label_source"]) if regression else Counter()
    if sources["prediction accepted"]:
        warnings.append(accepted_predictions_warning(sources["prediction accepted"]))
    contradicted = _contradicting_rows(records)
    if contradicted:
        warnings.append(contradicted)
    migrations = store.schema_migrations()
    manifest = {
        "file": target.name,
        "format": format,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "filters": {"sprint": sprint, "prototype": prototype},
        "rule": rule,
        "lead": lead,
        "demo_set": "demo_row_ids given by the caller"
        if demo_ids is not None
        else "every row of source 'demo' (no demo row ids given)",
        "counts": {
            "rows": len(frame),
            "reviewed_rows": len(resolved),
            "resolved": len(resolved) - unresolved,
            "unresolved": unresolved,
            "without_features": without_features,
            "in_demo_set": in_demo,
            "own_cases": int((frame["source"] == "own").sum()),
            **(
                {"label_sources": dict(sources)}
                if regression
                else {"per_label": dict(Counter(str(v) for v in frame["label"]))}
            ),
        },
        **(
            {
                "regression_labels": {
                    "rule": VALUE_RULE,
                    "label_sources": {k: LABEL_SOURCES[k] for k in sorted(sources)},
                    "known_values": "given by the caller"
                    if known_values is not None
                    else "not given: rows reviewers called correct take the prediction shown",
                }
            }
            if regression
            else {}
        ),
        "columns": {
            "features": (features := [c for c in frame.columns if c not in _provenance(frame)]),
            "label": "label",
            "label_type": _label_type(frame["label"]),
            **({LABEL_NAME: LABEL_NAME} if LABEL_NAME in frame.columns else {}),
            **dtypes_manifest(frame, features),
        },
        "versions": {
            "sprint_review_schema": migrations[-1] if migrations else None,
            "schema_version": len(migrations),
            "pandas": pd.__version__,
            "sqlite": sqlite3.sqlite_version,
            "python": platform.python_version(),
        },
        "warnings": warnings,
    }
    writer = {"csv": _write_csv, "parquet": _write_parquet, "jsonl": _write_jsonl}[format]
    manifest_path = target.with_name(target.name + MANIFEST_SUFFIX)

    def manifest_text(digest: dict[str, Any]) -> str:
        # the data file's size and SHA-256 right after its name: a manifest beside another
        # export's file (a kill between the two renames) does not match it
        described = {"file": manifest.pop("file"), **digest, **manifest}
        return json.dumps(described, ensure_ascii=False, indent=2, allow_nan=False) + "\n"

    write_pair(target, lambda tmp: writer(frame, tmp), manifest_path, manifest_text)
    return TrainingExport(target, manifest_path)


def _demo_ids(value: Any) -> set[str] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidVerdict(
            f"demo_row_ids must be a set of row ids such as {{'4711', '12'}}, got {value!r}"
        )
    return {str(v) for v in value}


def _snapshots(labels: pd.DataFrame) -> dict[tuple[str, str, str], tuple[dict | None, Any]]:
    """Per row, the most recent feature snapshot and model description among its verdicts."""
    names = ["sprint", "prototype", "row_id", "features", "prediction"]
    ordered = _native_columns(labels.sort_values("recorded_at"), names)
    found: dict[tuple[str, str, str], tuple[dict | None, Any]] = {}
    for key_sprint, key_prototype, row_id, snapshot, prediction in zip(
        *(ordered[name] for name in names), strict=True
    ):
        key = (key_sprint, key_prototype, row_id)
        features, model = found.get(key, (None, None))
        if isinstance(snapshot, dict) and snapshot:
            features = snapshot
        if not isinstance(prediction, dict):
            prediction = {}
        model = next((prediction[k] for k in _MODEL_KEYS if prediction.get(k)), model)
        found[key] = (features, model)
    return found


def _shown_versions(
    labels: pd.DataFrame, verdicts: pd.DataFrame
) -> dict[tuple[str, str, str], int | None]:
    """Per row, the prototype version of the verdict whose feature snapshot is exported."""
    if labels.empty:
        return {}
    version_of = dict(
        zip(verdicts["verdict_id"].tolist(), verdicts["prototype_version"].tolist(), strict=True)
    )
    names = ["sprint", "prototype", "row_id", "features", "verdict_id"]
    ordered = _native_columns(labels.sort_values("recorded_at"), names)
    found: dict[tuple[str, str, str], int | None] = {}
    for sprint, prototype, row_id, snapshot, verdict_id in zip(
        *(ordered[name] for name in names), strict=True
    ):
        if isinstance(snapshot, dict) and snapshot:
            version = version_of.get(verdict_id)
            found[(sprint, prototype, row_id)] = None if pd.isna(version) else int(version)
    return found


def _provenance(frame: pd.DataFrame) -> list[str]:
    """The columns of ``frame`` that are not features: provenance, and the label's name."""
    extra = [c for c in (LABEL_NAME, *REGRESSION_COLUMNS) if c in frame.columns]
    return [*PROVENANCE_COLUMNS, *extra]


def _frame(
    records: list[dict[str, Any]],
    named: bool = False,
    kinds: Mapping[str, str] | None = None,
    regression: bool = False,
    dtypes: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    provenance = list(PROVENANCE_COLUMNS)
    if regression:  # where the label came from, right after it
        at = provenance.index("label") + 1
        provenance[at:at] = REGRESSION_COLUMNS
    if named:  # the label's class name right after the label
        provenance.insert(provenance.index("label") + 1, LABEL_NAME)
    names: dict[str, str] = {}
    for record in records:
        for name in record["features"]:
            if name not in names:
                column = name
                while column in provenance or column in names.values():
                    column = f"feature.{column}"
                names[name] = column
    kinds = kinds or {}
    data: dict[str, pd.Series] = {
        column: _missing_as(
            _column([r["features"].get(name) for r in records]), kinds.get(str(name))
        )
        for name, column in names.items()
    }
    labels = [r["label"] for r in records]
    if labels and all(isinstance(v, float) for v in labels):
        data["label"] = pd.Series(labels, dtype="float64")
    elif labels and all(_integer_text(v) for v in labels):
        # Classes coded 0/1 go back as the integers a training set of such labels holds:
        # joined to it, the texts "0"/"1" would be two more classes.
        data["label"] = pd.Series([int(v) for v in labels], dtype="int64")
    else:
        data["label"] = pd.Series(labels, dtype=object)
    for column in ("sprint", "prototype", "row_id", "source", "rule", "model"):
        data[column] = pd.Series([r[column] for r in records], dtype=object)
    if named:
        data[LABEL_NAME] = pd.Series([r[LABEL_NAME] for r in records], dtype=object)
    data["n_reviewers"] = pd.Series([r["n_reviewers"] for r in records], dtype="int64")
    data["reviewers"] = pd.Series([r["reviewers"] for r in records], dtype=object)
    data["verdict_ids"] = pd.Series([r["verdict_ids"] for r in records], dtype=object)
    data["agreement"] = pd.Series([r["agreement"] for r in records], dtype="float64")
    data["in_demo_set"] = pd.Series([r["in_demo_set"] for r in records], dtype=bool)
    data["prototype_version"] = pd.Series(
        [r.get("prototype_version") for r in records], dtype="Int64"
    )
    if regression:
        data["label_source"] = pd.Series([r.get("label_source") for r in records], dtype=object)
        data["right_values"] = pd.Series([r.get("right_values", []) for r in records], dtype=object)
        data["known_value"] = pd.Series([r.get("known_value") for r in records], dtype="float64")
    columns = [*names.values(), *provenance]
    return keep_dtypes(pd.DataFrame(data, columns=columns), names, dtypes)


def _label_type(labels: pd.Series) -> str:
    """What the label column holds: "integer" (classes coded as integers), "number" (a
    regression's values) or "text"."""
    if pd.api.types.is_integer_dtype(labels):
        return "integer"
    return "number" if pd.api.types.is_float_dtype(labels) else "text"


def _integer_text(value) -> bool:
    """Whether ``value`` is the text of an integer as it is written (``"0"``, ``"-3"``; not
    ``"007"`` or ``"1.0"``, which are codes kept as text)."""
    if not isinstance(value, str):
        return False
    try:
        return str(int(value)) == value
    except ValueError:
        return False


def _missing_as(column: pd.Series, kind: str | None) -> pd.Series:
    """``column``, or, when every value is missing, ``empty_feature``'s column of ``kind``."""
    empty = None if column.notna().any() else empty_feature(kind, len(column))
    return column if empty is None else empty


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    frame = frame.copy()
    for column in frame.columns[frame.dtypes == "category"]:  # text cells, formula-safe
        frame[column] = frame[column].astype(object)
    frame["reviewers"] = frame["reviewers"].map(";".join).astype(object)
    frame["verdict_ids"] = frame["verdict_ids"].map(lambda ids: ";".join(map(str, ids)))
    if "right_values" in frame.columns:
        frame["right_values"] = frame["right_values"].map(lambda vs: ";".join(map(repr, vs)))
    write_spreadsheet_csv(frame, path)


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    arrays = []
    for column in frame.columns:
        values = frame[column]
        if column == "reviewers":
            arrays.append(pa.array(values.tolist(), type=pa.list_(pa.string())))
        elif column == "verdict_ids":
            arrays.append(pa.array(values.tolist(), type=pa.list_(pa.int64())))
        elif column == "right_values":
            arrays.append(pa.array(values.tolist(), type=pa.list_(pa.float64())))
        elif values.dtype == object:
            arrays.append(pa.array(_as_text(values), type=pa.string(), from_pandas=True))
        else:
            arrays.append(pa.array(values, from_pandas=True))
    pq.write_table(pa.table(arrays, names=list(frame.columns)), path)


def _as_text(values: pd.Series) -> list:
    """A text column's values for Parquet: text as it is, missing values missing, and a number
    as its text (regression labels exported with classification ones; the ``task`` column
    says how to read each row)."""
    return [
        value
        if value is None or isinstance(value, str) or (isinstance(value, float) and value != value)
        else str(value)
        for value in values
    ]


def _write_jsonl(frame: pd.DataFrame, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for record in frame.to_dict(orient="records"):
            plain = {k: _plain(v) for k, v in record.items()}
            line = json.dumps(plain, ensure_ascii=False, allow_nan=False)
            # Valid JSON either way, but readers that split on Unicode line breaks would cut it.
            file.write(line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n")


def _plain(value: Any) -> Any:
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, bool | str):
        return value
    if pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def _contradicting_rows(records: list[dict[str, Any]]) -> str | None:
    """A warning when one row id is in the export twice (reviewed again in a later sprint)
    with different labels: two answers to one case in one training set."""
    labels: dict[str, dict[str, str]] = {}
    for record in records:
        if record["source"] == "demo":
            labels.setdefault(str(record["row_id"]), {})[record["sprint"]] = label_text(
                record["label"]
            )
    split = {row: by for row, by in labels.items() if len(set(by.values())) > 1}
    if not split:
        return None
    row, by = next(iter(sorted(split.items())))
    said = " and ".join(f"{label} in {sprint}" for sprint, label in by.items())
    more = f" (and {len(split) - 1:,} more)" if len(split) > 1 else ""
    return (
        f"{len(split):,} row{'s are' if len(split) != 1 else ' is'} in the file with different "
        f"labels from different sprints, e.g. row {row}: {said}{more}; keep one label per row "
        "(export one sprint, or the latest) before training"
    )
