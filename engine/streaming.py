"""Running one statement on a session's cursor and streaming its result as Arrow batches.

These functions block and run on the engine's worker threads (``Engine.run``). A result is
never materialised in Python: the DuckDB result is read as Arrow record batches, one at a time,
as the client consumes them, so memory stays bounded for a result of any size.
``execute`` already reads the first batch so that short queries finish in one thread hop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import pyarrow as pa

# Rows per Arrow batch: large enough to amortise per-batch overhead in encoding, small enough
# to keep a slow reader's buffered result small (a lineitem batch is about 8 MB).
BATCH_ROWS = 65_536


@dataclass(slots=True)
class Result:
    """The outcome of one statement: a row stream, or a count of affected rows."""

    schema: pa.Schema | None = None
    reader: pa.RecordBatchReader | None = None
    pending: pa.RecordBatch | None = None
    rowcount: int | None = None
    exhausted: bool = False


def execute(
    cursor: duckdb.DuckDBPyConnection,
    sql: str,
    params: Sequence[object] | None,
    *,
    returns_rows: bool,
    batch_rows: int = BATCH_ROWS,
) -> Result:
    """Run ``sql`` and return its first batch (row statements) or its affected-row count."""
    cursor.execute(sql, params if params else None)
    if not returns_rows:
        desc = cursor.description
        if desc and len(desc) == 1 and desc[0][0] == "Count":
            row = cursor.fetchone()
            return Result(rowcount=int(row[0]) if row else 0, exhausted=True)
        return Result(exhausted=True)
    reader = cursor.to_arrow_reader(batch_rows)
    result = Result(schema=reader.schema, reader=reader)
    result.pending = next_batch(result)
    return result


def next_batch(result: Result) -> pa.RecordBatch | None:
    """The next non-empty batch of a result, or None when it is exhausted."""
    if result.reader is None or result.exhausted:
        return None
    while True:
        try:
            batch = result.reader.read_next_batch()
        except StopIteration:
            result.exhausted = True
            return None
        if batch.num_rows:
            return batch


def close(result: Result) -> None:
    """Release the DuckDB result behind a stream (an abandoned portal or a disconnect)."""
    if result.reader is not None:
        result.reader.close()
    result.reader = None
    result.exhausted = True
