"""How much memory a Parquet file's columns take once decoded, measured before they are.

A Parquet footer's ``total_byte_size`` counts the encoded pages: a text column holding one
2 KB value on 2,000,000 rows is stored as that value once and 2,000,000 small indices
(dictionary encoding), 17 MB by the footer, yet decodes to 4 GB of text. So the text and
binary columns are read here kept dictionary-encoded (``read_dictionary``: the indices and each
distinct value once), in batches, and their decoded size is the sum of the lengths of the
values the indices take; a fixed-width column (numbers, dates, booleans) decodes to its width
times its rows, known from the schema alone. Nothing is decoded; the columns are measured one
at a time and the first that takes the sum past the cap is named.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["BATCH_ROWS", "decoded_size_problem"]

#: Rows read at a time while measuring a text column: its indices take 4 bytes a row.
BATCH_ROWS = 1_000_000


def _text_type(data_type) -> bool:
    import pyarrow as pa

    return any(
        check(data_type)
        for check in (
            pa.types.is_string,
            pa.types.is_large_string,
            pa.types.is_binary,
            pa.types.is_large_binary,
            pa.types.is_string_view,
            pa.types.is_binary_view,
        )
    )


def _fixed_width_bytes(data_type, rows: int) -> int | None:
    """Bytes a fixed-width column of ``rows`` decodes to, or ``None`` if it is not fixed-width."""
    try:
        bits = data_type.bit_width
    except ValueError:  # text, nested and the null type have no width
        return 0 if str(data_type) == "null" else None
    return (rows * bits + 7) // 8 + (rows + 7) // 8  # values and their validity bits


def _text_bytes(parquet_file, name: str, rows: int) -> int:
    """Decoded bytes of the text column ``name``, read dictionary-encoded in batches."""
    import pyarrow.compute as pc

    total = 8 * rows + (rows + 7) // 8  # offsets and validity bits
    for batch in parquet_file.iter_batches(batch_size=BATCH_ROWS, columns=[name]):
        column = batch.column(0)
        if hasattr(column, "dictionary"):
            lengths = pc.binary_length(column.dictionary)
            taken = pc.sum(pc.take(lengths, column.indices)).as_py()
        else:  # a reader that did not keep the dictionary: already decoded, and small
            taken = pc.sum(pc.binary_length(column)).as_py()
        total += int(taken or 0)
    return total


def decoded_size_problem(path: Path, where: str, cap: int) -> str | None:
    """The one-line refusal if the Parquet file at ``path`` decodes to more than ``cap`` bytes
    (naming the largest column and what to do), else ``None``; nothing is decoded."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    text = [field.name for field in schema if _text_type(_value_type(field.type))]
    parquet_file = pq.ParquetFile(path, read_dictionary=text)
    rows = parquet_file.metadata.num_rows
    total = 0
    sizes: dict[str, int] = {}
    for field in schema:
        value_type = _value_type(field.type)
        if field.name in text:
            size = _text_bytes(parquet_file, field.name, rows)
        else:
            size = _fixed_width_bytes(value_type, rows)
            if size is None:
                return (
                    f"{where}: column {field.name!r} holds {value_type} values (lists or "
                    "records); save the demo rows with one number or text a cell"
                )
        sizes[field.name] = size
        total += size
        if total > cap:
            largest = max(sizes, key=sizes.__getitem__)
            return (
                f"{where} unpacks to more than the {cap / 1024**3:.0f} GB a publish reads: its "
                f"column {largest!r} alone holds {sizes[largest] / 1024**3:,.1f} GB once "
                "decoded; give a sample of the rows, or shorter values in that column"
            )
    return None


def _value_type(data_type):
    """The type of the values: a dictionary column's value type, an extension's storage."""
    data_type = getattr(data_type, "storage_type", data_type)
    return getattr(data_type, "value_type", data_type) if _is_dictionary(data_type) else data_type


def _is_dictionary(data_type) -> bool:
    import pyarrow as pa

    return pa.types.is_dictionary(data_type)
