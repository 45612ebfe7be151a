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
from collections import Counter
from pathlib import Path

import pandas as pd

from model.file_limits import not_a_file_problem
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


def trained_on_file(path: Path) -> list[str]:
    """The ``row_id`` column of a training export (``--trained-on``): CSV, Parquet or JSONL,
    its size checked before it is read. ``ValueError`` in one line naming what is wrong."""

    problem = not_a_file_problem(path, f"--trained-on: {path}")
    if problem:
        raise ValueError(problem)
    if path.stat().st_size > MAX_TRAINED_ON_BYTES:
        raise ValueError(
            f"--trained-on: {path.name} is larger than 256 MB; give the training export"
        )
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            check_csv_size(path, f"--trained-on: {path.name}")
            ids = pd.read_csv(path, usecols=["row_id"], dtype={"row_id": str})["row_id"]
        elif suffix in (".parquet", ".pq"):
            check_parquet(path, f"--trained-on: {path.name}")
            ids = pd.read_parquet(path, columns=["row_id"])["row_id"]
        elif suffix in (".jsonl", ".json"):
            ids = pd.read_json(path, lines=True, dtype={"row_id": str})["row_id"]
        else:
            raise ValueError(
                f"--trained-on: {path.name}: use the export's .csv, .parquet or .jsonl"
            )
    except (KeyError, ValueError) as error:
        if str(error).startswith("--trained-on"):
            raise
        raise ValueError(
            f"--trained-on: {path.name} has no row_id column; give the file export-training wrote"
        ) from None
    except Exception as error:  # noqa: BLE001 - pyarrow's own errors for a damaged file
        raise ValueError(f"--trained-on: {path.name} cannot be read: {error}") from None
    return [str(i) for i in ids.dropna()]
