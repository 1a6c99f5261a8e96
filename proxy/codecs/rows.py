"""Encoding whole Arrow record batches into DataRow messages.

Each column is encoded once by its registered encoder into a binary array of field bytes.
The batch's DataRow messages are then built in one pass by Arrow's element-wise binary join:
per row a 7-byte header ('D', int32 length, int16 column count), then per column an int32
length (-1 for NULL) and the field bytes. The joined array's data buffer is exactly the
concatenated messages, so no Python code runs per row or per value for the common types.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from proxy.codecs import buffers
from proxy.codecs.registry import Encoder, default_registry
from proxy.codecs.types import pg_type_from_arrow

_INT32_LIMIT = 2**31 - 1


def column_encoders(schema: pa.Schema, formats: Sequence[int]) -> list[Encoder]:
    """The encoder of each column of ``schema`` for the given per-column format codes."""
    registry = default_registry()
    return [
        registry.encoder(pg_type_from_arrow(field.type).oid, fmt)
        for field, fmt in zip(schema, formats, strict=True)
    ]


def encode_columns(batch: pa.RecordBatch, formats: Sequence[int]) -> list[pa.Array]:
    """Each column's field bytes as a binary array, NULL where the value is NULL."""
    encoders = column_encoders(batch.schema, formats)
    return [
        encode(buffers.plain(column))
        for encode, column in zip(encoders, batch.columns, strict=True)
    ]


def encode_data_rows(batch: pa.RecordBatch, formats: Sequence[int]) -> bytes:
    """Complete DataRow messages for every row of the batch, concatenated.

    Args:
        batch: the rows, with the Arrow types DuckDB produced.
        formats: one format code per column (0 text, 1 binary), already expanded.
    Returns:
        'D', int32 length, int16 column count, then per column an int32 length (-1 for NULL)
        and the value bytes, for each row in order.

    >>> encode_data_rows(pa.record_batch({"a": [1, None]}), [0])
    b'D\\x00\\x00\\x00\\x0b\\x00\\x01\\x00\\x00\\x00\\x011D\\x00\\x00\\x00\\n\\x00\\x01\\xff\\xff\\xff\\xff'
    """
    rows = batch.num_rows
    if rows == 0:
        return b""
    fields = encode_columns(batch, formats)
    total = np.full(rows, 4 + 2 + 4 * len(fields), dtype=np.int64)
    parts: list[pa.Array] = []
    for field in fields:
        lengths = buffers.numpy_values(pc.binary_length(field), -1).astype(np.int32)
        total += np.maximum(lengths, 0)
        parts.append(buffers.fixed_width(lengths.astype(">i4")))
        parts.append(field.fill_null(b"") if field.null_count else field)
    header = np.empty(rows, dtype=[("tag", "S1"), ("length", ">i4"), ("ncols", ">i2")])
    header["tag"], header["length"], header["ncols"] = b"D", total, len(fields)
    parts.insert(0, buffers.fixed_width(header))
    if int(total.sum()) + rows > _INT32_LIMIT:
        parts = [part.cast(pa.large_binary()) for part in parts]
        separator = pa.scalar(b"", pa.large_binary())
    else:
        separator = pa.scalar(b"", buffers.BINARY)
    joined = pc.binary_join_element_wise(*parts, separator)
    return buffers.values_bytes(joined)
