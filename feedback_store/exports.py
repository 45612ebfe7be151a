"""Exports of current verdicts to CSV, Parquet and JSONL, and the CSV writer both exports use.

CSV is for spreadsheets: text cells that start like a formula get a leading apostrophe.
Every file is written to a temporary name and moved into place, so a reader never sees half.
"""

from __future__ import annotations

import io
import json
import os
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from feedback_store.protected import refuse_protected
from feedback_store.reading import VerdictReader, _current_sql
from feedback_store.validation import REVIEWER_KEY_SQL, InvalidVerdict

EXPORT_FORMATS = ("csv", "parquet", "jsonl")
_EXPORT_COLUMNS = [
    "verdict_id", "version", "sprint", "prototype", "row_id", "reviewer", "verdict",
    "corrected_label", "comment", "tags", "recorded_at", "predicted_label", "confidence",
    "task", "source", "prototype_version", "prototype_content",
]  # fmt: skip
#: The names of classes per ``(sprint, prototype)``: each class label, as text, and the name
#: people know it by. The store does not know where they come from (the caller does).
ClassNames = Mapping[tuple[str, str], Mapping[str, str]]
#: Each label column and the column of its class names, written right after it when an
#: export is given ``class_names``.
NAME_COLUMNS = {"corrected_label": "corrected_name", "predicted_label": "predicted_name"}


class VerdictExporter(VerdictReader):
    """The export half of ``FeedbackStore``."""

    def export(
        self,
        path: str | os.PathLike[str],
        format: str = "csv",
        sprint: str | None = None,
        prototype: str | None = None,
        reviewer: str | None = None,
        verdict: str | None = None,
        class_names: ClassNames | None = None,
        feature_kinds: Mapping[str, str] | None = None,
    ) -> Path:
        """Write current verdicts with their provenance to ``path`` atomically; return it.

        ``verdict`` keeps only one kind ("correct", "wrong" or "unsure").
        Given ``class_names`` (see ``ClassNames``), the codes stay and each label column is
        followed by its class's name: ``corrected_name``, ``predicted_name`` (empty where
        the prototype or the label has none). ``feature_kinds`` ("number", "boolean" or
        "text" per feature) types a feature no exported row has a value of in Parquet (else
        it is text; a CSV has no types).

        One row per current verdict: ids, who, what, the prediction shown (predicted_label,
        confidence, task) and one column per feature shown. Tags are "a;b" in CSV and lists
        in Parquet and JSONL. A feature named like one of those columns gets a "feature."
        prefix.
        """
        target, _ = self.export_counted(
            path, format, sprint, prototype, reviewer, verdict, class_names, feature_kinds
        )
        return target

    def export_counted(
        self,
        path: str | os.PathLike[str],
        format: str = "csv",
        sprint: str | None = None,
        prototype: str | None = None,
        reviewer: str | None = None,
        verdict: str | None = None,
        class_names: ClassNames | None = None,
        feature_kinds: Mapping[str, str] | None = None,
    ) -> tuple[Path, int]:
        """``export``, returning the file and how many verdicts it holds (counted from the
        same read as the file, not from a second query)."""
        target = export_target(path, format, self.path)
        sql, params = _current_sql(
            sprint, prototype, reviewer, include_withdrawn=False, verdict=verdict,
            columns=_EXPORT_SQL,
        )  # fmt: skip
        rows = self._retry(lambda: self._connection().execute(sql, params).fetchall())
        export = _Export(rows, class_names, feature_kinds)
        writer = {"csv": _write_csv, "parquet": _write_parquet, "jsonl": _write_jsonl}[format]
        try:
            _write_atomically(target, lambda tmp: writer(export, tmp))
        except OSError as error:
            raise OSError(f"cannot write {target}: {error.strerror or error}") from error
        return target, len(export)


def export_target(path: str | os.PathLike[str], format: str, live: Path) -> Path:
    """Check an export's format and destination before anything is read or written.

    A destination that is the store's database ``live``, one of its -wal, -shm or -journal
    files or another file of its workspace (see ``feedback_store.protected``) is refused with
    a ``StorageError``, as ``backup`` refuses it.
    """
    if format not in EXPORT_FORMATS:
        raise InvalidVerdict(
            f"unknown export format {format!r}: use one of {', '.join(EXPORT_FORMATS)}"
        )
    target = Path(path)
    if not target.parent.is_dir():
        raise FileNotFoundError(
            f"output folder not found: {target.parent} (create it or choose another path)"
        )
    if target.is_dir():
        raise IsADirectoryError(f"output is a folder, not a file: {target}")
    refuse_protected(live, target, "an export", EXPORT_ADVICE)
    return target


#: What to do when an export's destination is refused.
EXPORT_ADVICE = "write the export to another file, outside the workspace's sprints folder"


_EXPORT_SQL = f"""
    v.id, x.version, v.sprint, v.prototype, v.row_id, {REVIEWER_KEY_SQL.format("x.reviewer")},
    x.verdict, x.corrected_label, x.comment, x.tags, x.recorded_at,
    json_type(x.prediction, '$.label'), json_extract(x.prediction, '$.label'),
    json_type(x.prediction, '$.confidence'), json_extract(x.prediction, '$.confidence'), x.task,
    v.source, x.prototype_version, x.prototype_content, x.features
"""
# Text cells a spreadsheet would run as a formula (OWASP, "CSV injection").
_FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]
_PLAIN_NUMBER = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_TEXT_COLUMNS = [
    "sprint", "prototype", "row_id", "reviewer", "verdict", "corrected_label", "comment",
    "recorded_at", "task", "source", "prototype_content",
]  # fmt: skip


class _Export:
    """Current verdicts as whole columns, built once per export whatever the format.

    Parquet and CSV take typed columns (``arrays()``); JSONL takes the values as stored
    (``records()``): a snapshot's 40 stays 40 there even where other rows have 40.5.
    """

    def __init__(
        self,
        rows: list[tuple[Any, ...]],
        class_names: ClassNames | None = None,
        feature_kinds: Mapping[str, str] | None = None,
    ) -> None:
        self.feature_kinds = dict(feature_kinds or {})
        # Transposed by pandas in C: zip(*rows) makes an iterator object per row, and the
        # garbage collector then walks every fetched value, several times over.
        table = pd.DataFrame(rows, dtype=object)
        columns = [table[name].to_numpy() for name in table.columns] if rows else [()] * 20
        (ids, versions, sprints, prototypes, row_ids, reviewers, verdicts, labels, comments,
         tags, recorded, label_types, label_values, confidence_types, confidence_values,
         tasks, sources, shown_versions, shown_contents, features) = columns  # fmt: skip
        confidence = _sql_json_values(confidence_types, confidence_values)
        if not {"integer", "real", None}.issuperset(confidence_types):
            confidence = [value if isinstance(value, int | float) else None for value in confidence]
        self.base: dict[str, Sequence[Any]] = {
            "verdict_id": ids,
            "version": versions,
            "sprint": sprints,
            "prototype": prototypes,
            "row_id": row_ids,
            "reviewer": reviewers,
            "verdict": verdicts,
            "corrected_label": labels,
            "comment": comments,
            "tags": _json_texts(tags),
            "recorded_at": recorded,
            "predicted_label": _sql_json_values(label_types, label_values),
            "confidence": confidence,
            "task": tasks,
            "source": sources,
            "prototype_version": shown_versions,
            "prototype_content": shown_contents,
        }
        self.features = features
        self.columns = list(_EXPORT_COLUMNS)
        if class_names is not None:
            for code, name in NAME_COLUMNS.items():
                self.base[name] = names_of(class_names, sprints, prototypes, self.base[code])
                self.columns.insert(self.columns.index(code) + 1, name)

    def __len__(self) -> int:
        return len(self.base["verdict_id"])

    def arrays(self) -> tuple[list[str], list[Any]]:
        """Column names and typed pyarrow arrays: what Parquet holds and CSV shows."""
        import pyarrow as pa

        base = self.base
        confidence = base["confidence"]
        if any(isinstance(c, bool) for c in confidence):  # a JSON true counts as 1.0
            confidence = [None if c is None else float(c) for c in confidence]
        arrays = {
            "verdict_id": pa.array(base["verdict_id"], type=pa.int64()),
            "version": pa.array(base["version"], type=pa.int64()),
            "tags": pa.array(base["tags"], type=pa.list_(pa.string())),
            "predicted_label": _arrow(_column(base["predicted_label"])),
            "confidence": pa.array(confidence, type=pa.float64()),
            "prototype_version": pa.array(base["prototype_version"], type=pa.int64()),
        }
        texts = [*_TEXT_COLUMNS, *(name for name in NAME_COLUMNS.values() if name in base)]
        arrays.update({name: pa.array(base[name], type=pa.string()) for name in texts})
        features = _typed_features(self.features)
        if features is None:  # snapshots pyarrow cannot type as a whole: value by value
            features = {
                name: _arrow(_column(values)) for name, values in _raw_features(self.features)
            }
        features = {
            name: _typed_nulls(column, self.feature_kinds.get(str(name)))
            for name, column in features.items()
        }
        columns = _feature_column_names(list(features), self.columns)
        names = self.columns + list(columns.values())
        return names, [arrays[name] for name in self.columns] + list(features.values())

    def records(self) -> Iterator[dict[str, Any]]:
        """One dict per verdict, in the export's column order, values as stored."""
        features = dict(_raw_features(self.features))
        columns = _feature_column_names(list(features), self.columns)
        names = self.columns + list(columns.values())
        values = [self.base[name] for name in self.columns] + list(features.values())
        for row in zip(*values, strict=True):
            yield dict(zip(names, row, strict=True))


#: What a feature no exported row has a value of is written as, by the kind of values the
#: prototypes store for it (``feature_kinds``): a number is a float column of nulls, not the
#: text column a column of nothing but nulls becomes otherwise; any other kind stays text.
EMPTY_FEATURE_DTYPES = {"number": "float64", "boolean": "boolean"}


def empty_feature(kind: str | None, length: int) -> pd.Series | None:
    """``length`` missing values of a feature of ``kind`` (see ``EMPTY_FEATURE_DTYPES``), or
    None for a kind written as text."""
    dtype = EMPTY_FEATURE_DTYPES.get(kind or "")
    return None if dtype is None else pd.Series([None] * length, dtype=dtype)


def _typed_nulls(column: Any, kind: str | None) -> Any:
    """The pyarrow ``column``, or, when none of its values is there, ``empty_feature``'s."""
    import pyarrow as pa

    empty = empty_feature(kind, len(column)) if column.null_count == len(column) else None
    return column if empty is None else pa.array(empty, from_pandas=True)


def label_text(value: Any) -> str | None:
    """A class label as the text ``ClassNames`` is keyed by: ``1``, ``1.0``, ``True`` and
    ``"1"`` are all ``"1"``; None for a missing label or one that is no class (a list)."""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str | int | float):
        return str(value)
    return None


def names_of(
    class_names: ClassNames,
    sprints: Sequence[str],
    prototypes: Sequence[str],
    labels: Sequence[Any],
) -> list[str | None]:
    """The name of each row's label under its prototype's ``class_names`` (None without)."""
    return [
        class_names.get((sprint, prototype), {}).get(label_text(label))
        for sprint, prototype, label in zip(sprints, prototypes, labels, strict=True)
    ]


def _sql_json_values(kinds: Sequence[str | None], values: Sequence[Any]) -> Sequence[Any]:
    """Values from SQLite's json_extract as json.loads gives them, told apart by json_type."""
    special = {"true", "false", "object", "array"}
    if special.isdisjoint(kinds):
        return values  # text, numbers and null come out of json_extract as they are
    return [
        value if kind not in special else _special_json_value(kind, value)
        for kind, value in zip(kinds, values, strict=True)
    ]


def _special_json_value(kind: str, value: Any) -> Any:
    if kind in ("true", "false"):
        return kind == "true"  # json_extract gives 1 or 0
    return json.loads(value)  # an object or array: json_extract gives its JSON text


def _json_texts(texts: Sequence[str]) -> list[Any]:
    """Short JSON texts that repeat (tags: mostly "[]"), each distinct one parsed once."""
    parsed: dict[str, Any] = {}
    return [
        parsed[text] if text in parsed else parsed.setdefault(text, json.loads(text))
        for text in texts
    ]


def _typed_features(texts: Sequence[str | None]) -> dict[str, Any] | None:
    """Feature snapshots as one typed pyarrow array per feature, or None if they cannot be.

    pyarrow's JSON reader parses every snapshot in C++ and types each feature over all rows
    as the export does: integers (floats if any is missing), floats, booleans or text, first
    seen first. Features it would type otherwise (a feature that is a number in one row and
    text in another, nested values) are left to ``_raw_features``.
    """
    import pyarrow as pa
    import pyarrow.json as pa_json

    if len(texts) == 0:
        return None
    data = "\n".join(text or "{}" for text in texts).encode("utf-8")
    # One block and one thread: features come out in the order they were first seen.
    options = pa_json.ReadOptions(use_threads=False, block_size=len(data) + 1)
    try:
        table = pa_json.read_json(io.BytesIO(data), read_options=options)
        dates = [field.name for field in table.schema if pa.types.is_timestamp(field.type)]
        if dates:  # pyarrow reads ISO dates as timestamps; the export keeps the text
            as_text = pa.schema([(name, pa.string()) for name in dates])
            parse = pa_json.ParseOptions(explicit_schema=as_text, unexpected_field_behavior="infer")
            table = pa_json.read_json(
                io.BytesIO(data), read_options=options, parse_options=parse
            ).select(table.column_names)
    except pa.ArrowException:
        return None
    if table.num_rows != len(texts):
        return None
    features: dict[str, Any] = {}
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_null(kind):
            column = column.cast(pa.string())
        elif pa.types.is_integer(kind) and column.null_count:
            column = column.cast(pa.float64(), safe=False)
        elif not (
            pa.types.is_integer(kind)
            or pa.types.is_floating(kind)
            or pa.types.is_boolean(kind)
            or pa.types.is_string(kind)
        ):
            return None
        features[name] = column.combine_chunks()
    return features


def _raw_features(texts: Sequence[str | None]) -> list[tuple[str, list[Any]]]:
    """Each feature and its values as stored (None where a row lacks it), first seen first."""
    snapshots = pd.DataFrame([f or {} for f in _json_column(texts)], dtype=object)
    return [
        (name, snapshots[name].where(snapshots[name].notna(), None).tolist())
        for name in snapshots.columns
    ]


def _json_column(texts: Sequence[str | None]) -> list[Any]:
    """Every text parsed as JSON (None or "" for None), with one call to the parser."""
    # Each text wrapped in [...]: one parse of the whole column, and every element must be a
    # one-item list, so a malformed text cannot shift the values of the rows after it.
    joined = "[[" + "],[".join(text or "null" for text in texts) + "]]"
    try:
        parsed = json.loads(joined) if len(texts) else []
    except json.JSONDecodeError:
        parsed = None
    if parsed is None or len(parsed) != len(texts) or any(len(item) != 1 for item in parsed):
        return [json.loads(text) if text else None for text in texts]  # raises on the bad one
    return [item[0] for item in parsed]


def _feature_column_names(
    names: list[str], taken: Sequence[str] = tuple(_EXPORT_COLUMNS)
) -> dict[str, str]:
    # A feature named like an export column (or like another feature's column) gets a
    # "feature." prefix, in the order features were first seen.
    columns: dict[str, str] = {}
    for name in names:
        column = name
        while column in taken or column in columns.values():
            column = f"feature.{column}"
        columns[name] = column
    return columns


def _column(values: Any) -> pd.Series:
    """Snapshot values typed by content: booleans, integers, floats, or else text.

    None and NaN are missing. Integers with a missing value become floats; any other mix
    becomes text (``str`` of each value).
    """
    series = pd.Series(values, dtype=object)
    missing = series.isna()
    kind = pd.api.types.infer_dtype(series, skipna=True)
    if kind == "boolean":
        return series.astype("boolean")
    if kind == "integer" and not missing.any():
        return series.astype("int64")
    if kind in ("integer", "floating", "mixed-integer-float"):
        return series.astype("float64")
    if kind == "string":
        return series.where(~missing, None)
    return pd.Series(
        [None if gone else str(value) for value, gone in zip(series, missing, strict=True)],
        dtype=object,
    )


def _formula_safe(series: pd.Series) -> pd.Series:
    """Text cells starting like a formula, with a leading apostrophe; numbers unchanged."""
    if series.empty or not (series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
        return series
    risky = series.str[:1].isin(_FORMULA_STARTS)  # False for missing cells
    if risky.any():
        risky[risky] = ~series[risky].str.fullmatch(_PLAIN_NUMBER).astype(bool)
    if not risky.any():
        return series
    series = series.copy()
    series[risky] = "'" + series[risky]
    return series


def write_spreadsheet_csv(frame: pd.DataFrame, path: Path) -> None:
    """``frame`` as UTF-8 CSV for spreadsheets.

    Text cells and header cells (feature names) that start like a formula get a leading
    apostrophe; every field holding a CR, LF, quote or comma is quoted, so each row reads
    back as one row.
    """
    frame = frame.apply(_formula_safe) if len(frame.columns) else frame
    header = _formula_safe(pd.Series([str(name) for name in frame.columns], dtype=object))
    frame = frame.set_axis(header.tolist(), axis=1)
    if not _holds_carriage_return(frame):
        frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")
        return
    # Python's csv writer quotes a field holding a lone "\r" only when "\r" is part of its
    # line terminator. Written with "\r\n", every "\r\n" outside quotes (an even number of
    # quote characters before it) ends a row: those become "\n", as in every other export.
    parts = frame.to_csv(index=False, lineterminator="\r\n").split('"')
    parts[::2] = [part.replace("\r\n", "\n") for part in parts[::2]]
    path.write_text('"'.join(parts), encoding="utf-8", newline="")


def _holds_carriage_return(frame: pd.DataFrame) -> bool:
    if any("\r" in name for name in frame.columns):
        return True
    return any(
        any(isinstance(value, str) and "\r" in value for value in column)
        for _, column in frame.items()
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype)
    )


def _arrow(series: pd.Series) -> Any:
    import pyarrow as pa

    if series.dtype == object:
        return pa.array(series, type=pa.string(), from_pandas=True)
    return pa.array(series, from_pandas=True)


def _pandas(array: Any) -> pd.Series:
    """A typed pyarrow array as the pandas column the CSV writer formats."""
    import pyarrow as pa

    kind = array.type
    if pa.types.is_boolean(kind):
        return pd.Series(array.to_pylist(), dtype="boolean")
    if pa.types.is_integer(kind) and array.null_count:
        return pd.Series(array.to_pylist(), dtype="Int64")  # 2 stays 2, not 2.0, beside a gap
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return pd.Series(array.to_numpy(zero_copy_only=False))
    if pa.types.is_list(kind):
        return pd.Series([";".join(tags) for tags in array.to_pylist()], dtype=object)
    return pd.Series(array.to_pylist(), dtype=object)


def _write_csv(export: _Export, path: Path) -> None:
    names, arrays = export.arrays()
    frame = pd.DataFrame(
        {name: _pandas(array) for name, array in zip(names, arrays, strict=True)}, columns=names
    )
    write_spreadsheet_csv(frame, path)


def _write_parquet(export: _Export, path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    names, arrays = export.arrays()
    pq.write_table(pa.table(arrays, names=names), path)


def _write_jsonl(export: _Export, path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for record in export.records():
            line = json.dumps(record, ensure_ascii=False, allow_nan=False)
            # Valid JSON either way, but readers that split on Unicode line breaks would cut it.
            file.write(line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n")


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    tmp = target.with_name(f".{target.name}.{uuid.uuid4().hex}.tmp")
    try:
        write(tmp)
        with tmp.open("r+b") as file:
            os.fsync(file.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
