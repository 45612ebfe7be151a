"""Files from outside read by publishing: the demo data's header and size checked before
pandas reads it, and a training export's row ids (``trained_on``).

pandas reads a CSV whose header names a column twice as two columns ``Machine_failure`` and
``Machine_failure.1``, so a publish silently took the first copy of a duplicated target; a
Parquet file is compressed, so 84 KB of zeros unpacked to a gigabyte before any check. The
checks read the header or the Parquet footer alone, and a CSV's size on disk and line breaks:
nothing is unpacked or parsed.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pandas as pd

from model.file_limits import json_memory_bytes, not_a_file_problem
from model.parquet_limits import decoded_size_problem

__all__ = [
    "MAX_CSV_BYTES",
    "MAX_CSV_ROWS",
    "MAX_PARQUET_BYTES",
    "MAX_PARQUET_ROWS",
    "check_csv_header",
    "check_csv_size",
    "check_parquet",
    "semicolon_hint",
    "trained_on_file",
]

#: Rows of a Parquet file a publish reads at most: ten times the largest demo set tried.
MAX_PARQUET_ROWS = 10_000_000
#: Bytes a Parquet file's columns may decode to in memory.
MAX_PARQUET_BYTES = 2 * 1024**3
#: Bytes a CSV may be on disk: an honest 1,000,000-row, 30-column CSV of full-precision
#: numbers is 421 MB (0.8 GB at the peak of reading it), so this leaves room for wider text columns.
MAX_CSV_BYTES = 1024**3
#: Rows a CSV may hold, as for Parquet: short cells are cheap on disk but each is an 8-byte
#: cell and often a Python string once read (256 MB of one-character ids were 1.2 GB).
MAX_CSV_ROWS = MAX_PARQUET_ROWS
# Bytes of the CSV counted at a time for its rows.
_CHUNK = 16 * 1024**2


def check_csv_size(path: Path, where: str) -> None:
    """``ValueError`` in one line if the CSV at ``path`` is over :data:`MAX_CSV_BYTES` on disk
    (checked before a byte is read) or holds more than :data:`MAX_CSV_ROWS` rows (its line
    breaks counted in the raw bytes, nothing parsed: a break inside quotes counts too)."""
    size = path.stat().st_size
    if size > MAX_CSV_BYTES:
        raise ValueError(
            f"{where} is {size / 1024**3:,.1f} GB, more than the {MAX_CSV_BYTES / 1024**3:.0f} GB"
            " a publish reads from a CSV: give a sample of the rows"
        )
    lines = 0
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            lines += chunk.count(b"\n")
            if lines > MAX_CSV_ROWS + 1:  # the header's line, and a last line without a break
                raise ValueError(
                    f"{where} holds more than {MAX_CSV_ROWS:,} rows, the most a publish reads:"
                    " give a sample of the rows"
                )


def check_csv_header(path: Path, where: str) -> list[str]:
    """The CSV's column names as written, or ``ValueError`` in one line: a file too large
    (``check_csv_size``, checked first), a column named twice, or text that is not UTF-8."""
    check_csv_size(path, where)
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            header = next(csv.reader(file), [])
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{where} is not UTF-8 text (byte {error.start + 1} of the file): save it as a "
            "UTF-8 CSV"
        ) from None
    except csv.Error as error:
        raise ValueError(f"{where} cannot be read: {error}") from None
    _no_column_twice(header, where)
    return header


def semicolon_hint(header: list[str]) -> str:
    """What to add to "has no target column" when the header is one column holding semicolons
    (a spreadsheet's export in some countries), else ""."""
    if len(header) == 1 and ";" in header[0]:
        return "; its header is one column holding semicolons: save it comma-separated"
    return ""


def check_parquet(path: Path, where: str) -> None:
    """``ValueError`` in one line if the Parquet file's footer names a column twice, or says it
    holds more than :data:`MAX_PARQUET_ROWS` rows, or its columns decode to more than
    :data:`MAX_PARQUET_BYTES` (by the footer, then by its text columns' lengths read
    dictionary-encoded: ``model.parquet_limits``); nothing of its data is decoded."""
    import pyarrow.parquet as pq

    try:
        metadata = pq.ParquetFile(path).metadata
        names = pq.read_schema(path).names
    except Exception as error:  # noqa: BLE001 - pyarrow's own errors for a damaged file
        raise ValueError(f"{where} cannot be read: {' '.join(str(error).split())}") from None
    _no_column_twice(names, where)
    if metadata.num_rows > MAX_PARQUET_ROWS:
        raise ValueError(
            f"{where} holds {metadata.num_rows:,} rows, more than the {MAX_PARQUET_ROWS:,} a "
            "publish reads: give a sample of the demo rows"
        )
    unpacked = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if unpacked > MAX_PARQUET_BYTES:
        raise ValueError(
            f"{where} unpacks to {unpacked / 1024**3:,.1f} GB, more than the "
            f"{MAX_PARQUET_BYTES / 1024**3:.0f} GB a publish reads: give a sample of the rows"
        )
    # The footer counts encoded pages: one long text on every row is stored once.
    try:
        problem = decoded_size_problem(path, where, MAX_PARQUET_BYTES)
    except Exception as error:  # noqa: BLE001 - pyarrow's own errors for a damaged file
        raise ValueError(f"{where} cannot be read: {' '.join(str(error).split())}") from None
    if problem:
        raise ValueError(problem)


def _no_column_twice(names: list[str], where: str) -> None:
    twice = [name for name, count in Counter(names).items() if count > 1]
    if twice:
        positions = [i for i, name in enumerate(names, start=1) if name == twice[0]]
        raise ValueError(
            f"{where} has the column {twice[0]!r} {len(positions)} times (columns "
            f"{', '.join(map(str, positions))}): keep one, or rename the others"
        )


#: A training export is read for its row ids only; one this large was not made by export-training
#: of reviewed rows.
MAX_TRAINED_ON_BYTES = 256 * 1024 * 1024
#: Memory one line of a JSON Lines training export may take once parsed (a row's features and
#: the SMEs' words are a few KB).
MAX_JSONL_LINE_BYTES = 64 * 1024 * 1024
#: What to give instead, said to the caller of the API and of the CLI alike.
_GIVE_THE_EXPORT = "give the file export-training wrote"


def trained_on_file(path: Path, name: str = "--trained-on") -> list[str]:
    """The ``row_id`` column of a training export, in any format export-training writes (CSV,
    Parquet, JSON Lines), read alone: the export's other columns (lists of reviewers, verdict
    ids and right values) are neither decoded nor checked. Its size is checked before it is
    read (a Parquet file's ``row_id`` by its footer and its decoded length, as
    ``model.parquet_limits`` measures a data file). ``ValueError`` in one line naming what is
    wrong and ``name``, the parameter the caller gave the file as (``--trained-on`` on the
    command line, ``trained_on`` in Python)."""
    where = f"{name}: {path.name}"
    problem = not_a_file_problem(path, f"{name}: {path}")
    if problem:
        raise ValueError(problem)
    if path.stat().st_size > MAX_TRAINED_ON_BYTES:
        raise ValueError(f"{where} is larger than 256 MB; {_GIVE_THE_EXPORT}")
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".parquet", ".pq", ".jsonl", ".json"):
        raise ValueError(f"{where}: use the export's .csv, .parquet or .jsonl")
    try:
        if suffix == ".csv":
            return _csv_row_ids(path, where)
        if suffix in (".parquet", ".pq"):
            return _parquet_row_ids(path, where)
        return _jsonl_row_ids(path, where)
    except Exception as error:  # noqa: BLE001 - pandas' and pyarrow's errors for a damaged file
        if str(error).startswith(where):
            raise
        raise ValueError(f"{where} cannot be read: {' '.join(str(error).split())}") from None


def _csv_row_ids(path: Path, where: str) -> list[str]:
    """The ``row_id`` column of a CSV training export, its header and size checked first."""
    if "row_id" not in check_csv_header(path, where):
        raise ValueError(f"{where} has no row_id column; {_GIVE_THE_EXPORT}")
    ids = pd.read_csv(path, usecols=["row_id"], dtype={"row_id": str}, encoding="utf-8-sig")
    return [str(i) for i in ids["row_id"].dropna()]


def _parquet_row_ids(path: Path, where: str) -> list[str]:
    """The ``row_id`` column of a Parquet training export, after the footer says it holds one
    id a row, at most :data:`MAX_PARQUET_ROWS` rows and :data:`MAX_PARQUET_BYTES` stored, and
    its text, measured dictionary-encoded, decodes to no more than that."""
    import pyarrow.parquet as pq

    # the measures of a data file's columns, applied to this one column
    from model.parquet_limits import _text_bytes, _text_type, _value_type

    parquet_file = pq.ParquetFile(path)
    names = parquet_file.schema_arrow.names
    if "row_id" not in names:
        raise ValueError(f"{where} has no row_id column; {_GIVE_THE_EXPORT}")
    if names.count("row_id") > 1:
        _no_column_twice(names, where)
    field = parquet_file.schema_arrow.field("row_id")
    value_type = _value_type(field.type)
    if not (_text_type(value_type) or _integer_type(value_type)):
        raise ValueError(
            f"{where}: its row_id column holds {value_type} values, not one id a row; "
            f"{_GIVE_THE_EXPORT}"
        )
    metadata = parquet_file.metadata
    if metadata.num_rows > MAX_PARQUET_ROWS:
        raise ValueError(
            f"{where} holds {metadata.num_rows:,} rows, more than the {MAX_PARQUET_ROWS:,} a "
            f"publish reads; {_GIVE_THE_EXPORT}"
        )
    leaf = [metadata.schema.column(i).path for i in range(metadata.num_columns)].index("row_id")
    stored = sum(
        metadata.row_group(i).column(leaf).total_uncompressed_size
        for i in range(metadata.num_row_groups)
    )
    decoded = stored
    if stored <= MAX_PARQUET_BYTES and _text_type(value_type):
        reader = pq.ParquetFile(path, read_dictionary=["row_id"])
        decoded = _text_bytes(reader, "row_id", metadata.num_rows)
    if max(stored, decoded) > MAX_PARQUET_BYTES:
        raise ValueError(
            f"{where} unpacks to more than the {MAX_PARQUET_BYTES / 1024**3:.0f} GB a publish "
            f"reads: its column 'row_id' alone holds {max(stored, decoded) / 1024**3:,.1f} GB "
            f"once decoded; {_GIVE_THE_EXPORT}"
        )
    ids = parquet_file.read(columns=["row_id"]).column(0).to_pylist()
    return [str(i) for i in ids if i is not None]


def _integer_type(data_type) -> bool:
    """Whether the Arrow ``data_type`` holds whole numbers (row ids written as numbers)."""
    import pyarrow as pa

    return pa.types.is_integer(data_type)


def _jsonl_row_ids(path: Path, where: str) -> list[str]:
    """The ``row_id`` of each record of a JSON Lines training export, read a line at a time,
    each line's parsed size estimated before it is parsed (``model.file_limits
    .json_memory_bytes``)."""
    ids: list[str] = []
    with path.open("rb") as file:
        for number, line in enumerate(file, start=1):
            if not line.strip():
                continue
            if json_memory_bytes(line) > MAX_JSONL_LINE_BYTES:
                raise ValueError(
                    f"{where}: line {number:,} is larger than one record of a training export; "
                    f"{_GIVE_THE_EXPORT}"
                )
            try:
                record = json.loads(line)
            except (ValueError, RecursionError):
                raise ValueError(
                    f"{where}: line {number:,} is not a JSON record; {_GIVE_THE_EXPORT}"
                ) from None
            if not isinstance(record, dict) or "row_id" not in record:
                raise ValueError(f"{where}: line {number:,} has no row_id; {_GIVE_THE_EXPORT}")
            row = record["row_id"]
            if isinstance(row, list | dict | bool):
                raise ValueError(
                    f"{where}: line {number:,} holds a row_id that is not one id; "
                    f"{_GIVE_THE_EXPORT}"
                )
            if row is not None:
                ids.append(str(row))
            if len(ids) > MAX_CSV_ROWS:
                raise ValueError(
                    f"{where} holds more than {MAX_CSV_ROWS:,} rows, the most a publish reads; "
                    f"{_GIVE_THE_EXPORT}"
                )
    return ids
