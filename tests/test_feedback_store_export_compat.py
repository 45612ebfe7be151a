"""The columnar export writes what the row-by-row export before it wrote, value for value.

``old_*`` below is the export as it was before it built whole columns (commit 13edc06),
kept verbatim as the reference: same CSV text (no cell here starts like a formula), same
JSONL text, same Parquet schema and values, on a store with odd values.
"""

import json
import math
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import pytest

import feedback_store
from feedback_store.exports import _EXPORT_COLUMNS, _typed_features
from feedback_store.reading import _current_sql

# -- the export before (reference) ----------------------------------------------------------


def old_export_records(rows: list[dict[str, Any]]) -> tuple[list[str], list[dict[str, Any]]]:
    records = []
    feature_columns: dict[str, str] = {}
    for row in rows:
        prediction = json.loads(row["prediction"]) if row["prediction"] else {}
        confidence = prediction.get("confidence")
        record = {
            "verdict_id": row["verdict_id"],
            "version": row["version"],
            "sprint": row["sprint"],
            "prototype": row["prototype"],
            "row_id": row["row_id"],
            "reviewer": row["reviewer"],
            "verdict": row["verdict"],
            "corrected_label": row["corrected_label"],
            "comment": row["comment"],
            "tags": json.loads(row["tags"]),
            "recorded_at": row["recorded_at"],
            "predicted_label": prediction.get("label"),
            "confidence": confidence if isinstance(confidence, int | float) else None,
            "task": row["task"],
            "source": row["source"],
            "prototype_version": row["prototype_version"],
            "prototype_content": row["prototype_content"],
        }
        for name, value in (json.loads(row["features"]) if row["features"] else {}).items():
            if name not in feature_columns:
                column = name
                while column in _EXPORT_COLUMNS or column in feature_columns.values():
                    column = f"feature.{column}"
                feature_columns[name] = column
            record[feature_columns[name]] = value
        records.append(record)
    columns = _EXPORT_COLUMNS + list(feature_columns.values())
    return columns, [{column: record.get(column) for column in columns} for record in records]


def old_column(values: list[Any]) -> pd.Series:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return pd.Series(values, dtype="boolean")
    if present and all(isinstance(v, int | float) and not isinstance(v, bool) for v in present):
        if len(present) == len(values) and all(isinstance(v, int) for v in present):
            return pd.Series(values, dtype="int64")
        return pd.Series([math.nan if v is None else v for v in values], dtype="float64")
    return pd.Series([None if v is None else str(v) for v in values], dtype=object)


def old_export_frame(columns: list[str], records: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(
        {c: pd.Series([r[c] for r in records], dtype=object) for c in columns}, columns=columns
    )
    frame["verdict_id"] = frame["verdict_id"].astype("int64")
    frame["version"] = frame["version"].astype("int64")
    frame["confidence"] = frame["confidence"].astype("float64")
    frame["prototype_version"] = frame["prototype_version"].astype("Int64")
    for column in ["predicted_label", *columns[len(_EXPORT_COLUMNS) :]]:
        frame[column] = old_column([r[column] for r in records])
    return frame


def old_write_csv(columns: list[str], records: list[dict[str, Any]], path: Path) -> None:
    frame = old_export_frame(columns, records)
    frame["tags"] = frame["tags"].map(";".join).astype(object)
    frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n")


def old_write_parquet(columns: list[str], records: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = old_export_frame(columns, records)
    arrays = []
    for column in columns:
        if column == "tags":
            arrays.append(pa.array(frame[column].tolist(), type=pa.list_(pa.string())))
        elif frame[column].dtype == object:
            arrays.append(pa.array(frame[column], type=pa.string(), from_pandas=True))
        else:
            arrays.append(pa.array(frame[column], from_pandas=True))
    pq.write_table(pa.table(arrays, names=columns), path)


def old_write_jsonl(columns: list[str], records: list[dict[str, Any]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as file:
        for record in records:
            line = json.dumps(record, ensure_ascii=False, allow_nan=False)
            # Valid JSON either way, but readers that split on Unicode line breaks would cut it.
            file.write(line.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029") + "\n")


def old_export(store, path: Path, format: str, **filters: Any) -> None:
    scope = [filters.get(name) for name in ("sprint", "prototype", "reviewer")]
    sql, params = _current_sql(*scope, include_withdrawn=False, verdict=filters.get("verdict"))
    rows = store._read(sql, params)
    columns, records = old_export_records(rows)
    writer = {"csv": old_write_csv, "parquet": old_write_parquet, "jsonl": old_write_jsonl}
    writer[format](columns, records, path)


# -- a store with odd values ----------------------------------------------------------------

NESTED = [
    # Snapshots record() refuses today, as an older version or another tool may have stored.
    ({"Type": "H", "nested": {"a": [1, 2]}, "listed": [1, "x"]}, '{"label": {"k": 1}}'),
    ({"Type": "L", "nested": None, "flag": None}, '{"label": null, "confidence": "high"}'),
    ({}, '{"confidence": true}'),
]


def insert_raw(store, row_id: str, features: dict, prediction: str) -> None:
    connection = sqlite3.connect(store.path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        thread = connection.execute(
            "INSERT INTO verdicts (sprint, prototype, row_id, created_by, created_at)"
            " VALUES ('S1', 'gbm', ?, 'raw', '2024-01-01T00:00:00+00:00')",
            [row_id],
        ).lastrowid
        connection.execute(
            "INSERT INTO verdict_versions (verdict_id, version, reviewer, verdict, comment, tags,"
            " features, prediction, task, recorded_at)"
            " VALUES (?, 1, 'raw', 'unsure', '', '[]', ?, ?, 'binary', '2024-01-01T00:00:01')",
            [thread, json.dumps(features, ensure_ascii=False), prediction],
        )
        connection.execute("COMMIT")
    finally:
        connection.close()


@pytest.fixture(params=["pyarrow types the features", "features typed value by value"])
def odd_store(tmp_path, request):
    """Odd values; in the second store also what pyarrow cannot type (mixed, nested)."""
    mixed = request.param == "features typed value by value"
    store = feedback_store.open(tmp_path / "ws")

    def record(row_id, reviewer="ana", **fields):
        fields.setdefault("verdict", "correct")
        return store.record(
            sprint="S1", prototype="gbm", row_id=row_id, reviewer=reviewer, **fields
        )

    record(
        "1",
        verdict="wrong",
        corrected_label="１",
        comment='مرحبا 👋\u2028next\tcol, "q"',
        tags=["😀", "ünï"],
        task="binary",
        features={
            "Type": "L",
            "Torque [Nm]": 65.2,
            "wear": 108,
            "ok": True,
            **({"mixed": 5} if mixed else {}),
            "comment": "a feature named comment",
            "feature.comment": "and its cousin",
            "日本語": "値",
            "empty": None,
            "big": 1e300,
            "neg": -0.0,
            "checked": "2024-01-01",
        },
        prediction={"label": "0", "confidence": 0.83, "probabilities": {"0": 0.83}},
    )
    record(
        "2",
        reviewer="bo",
        features={
            "Type": "M",
            "Torque [Nm]": 40,
            "ok": False,
            "wear": 7,
            "checked": "2024-03-05T10:00:00",
        }
        | ({"mixed": "-5"} if mixed else {}),
        prediction={"label": 1, "confidence": 1},
    )
    record(
        "3",
        reviewer="cy",
        verdict="unsure",
        comment="",
        features={"Torque [Nm]": 1e-7},
        prediction={"label": 12.75, "confidence": None},
    )
    gone = record("4", reviewer="dee", features={"only in a withdrawn one": 1})
    store.withdraw(gone, reviewer="dee")
    edited = record("5", reviewer="eve", features={"wear": 3, "Torque [Nm]": 2})
    store.edit(edited, reviewer="eve", verdict="wrong", corrected_label="2", tags=["late"])
    record("6", reviewer="fay")  # no snapshots at all
    for number, (features, prediction) in enumerate(NESTED):
        insert_raw(store, f"raw-{number}", features if mixed else {"wear": 1}, prediction)
    record(
        "7",
        reviewer="gus",
        features={"ok": None, "wear": None, "Type": "Ω"},
        prediction={"label": True},
    )
    texts = [row["features"] for row in store._read("SELECT features FROM verdict_versions", [])]
    assert (_typed_features(texts) is None) == mixed
    return store


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_exports_are_the_old_exports_byte_for_byte(odd_store, tmp_path, fmt):
    new = odd_store.export(tmp_path / f"new.{fmt}", format=fmt)
    old_export(odd_store, tmp_path / f"old.{fmt}", fmt)
    assert new.read_bytes() == (tmp_path / f"old.{fmt}").read_bytes()


def test_parquet_export_has_the_old_schema_and_values(odd_store, tmp_path):
    new = pq.read_table(odd_store.export(tmp_path / "new.parquet", format="parquet"))
    old_export(odd_store, tmp_path / "old.parquet", "parquet")
    old = pq.read_table(tmp_path / "old.parquet")
    assert new.schema.equals(old.schema, check_metadata=True)
    assert new.equals(old)
    assert "only in a withdrawn one" not in new.column_names


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_filtered_and_empty_exports_are_the_old_exports(odd_store, tmp_path, fmt):
    for filters in ({"sprint": "nope"}, {"reviewer": "raw"}, {"verdict": "wrong"}):
        new = odd_store.export(tmp_path / f"new.{fmt}", format=fmt, **filters)
        old_export(odd_store, tmp_path / f"old.{fmt}", fmt, **filters)
        if fmt == "parquet":
            assert pq.read_table(new).equals(pq.read_table(tmp_path / "old.parquet"))
        else:
            assert new.read_bytes() == (tmp_path / f"old.{fmt}").read_bytes(), filters
