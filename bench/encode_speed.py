"""Micro-benchmark of DataRow encoding speed on TPC-H lineitem (not a test).

Generates lineitem at scale factor 0.1 (about 600k rows, 16 columns) with DuckDB's tpch
extension, reads it as Arrow batches of 65536 rows and times ``encode_data_rows`` over all
batches in text and in binary format, printing the median rows per second of several runs.
Then times single small batches, whose cost is the per-call overhead: ``SELECT 1`` (1 row x 1
int), a TPC-H orders row (1 x 9) and 100 lineitem rows (100 x 16), as median microseconds per
call. Run as ``.venv/bin/python bench/encode_speed.py [runs]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable

import duckdb
import duckdb_extension_tpch
import pyarrow as pa

from proxy.codecs import encode_data_rows


def tpch_connection() -> duckdb.DuckDBPyConnection:
    """A connection with TPC-H SF 0.1 generated, exporting Arrow as the server does."""
    con = duckdb.connect()
    con.execute("SET arrow_lossless_conversion=true")
    ext = os.path.join(
        os.path.dirname(duckdb_extension_tpch.__file__),
        "extensions",
        "v1.5.5",
        "tpch.duckdb_extension",
    )
    con.execute(f"LOAD '{ext}'")
    con.execute("CALL dbgen(sf=0.1)")
    return con


def small_batches(con: duckdb.DuckDBPyConnection) -> dict[str, pa.RecordBatch]:
    """The small results whose per-call encoding cost the latency targets depend on."""
    queries = {
        "1 x 1 int (select 1)": "SELECT 1",
        "1 x 9 orders row": "SELECT * FROM orders WHERE o_orderkey = 1",
        "100 x 16 lineitem": "SELECT * FROM lineitem LIMIT 100",
    }
    return {
        name: con.execute(sql).to_arrow_reader(65536).read_next_batch()
        for name, sql in queries.items()
    }


def micros_per_call(call: Callable[[], object], iterations: int = 2000) -> float:
    """Median microseconds of ``iterations`` timed calls."""
    times = []
    for _ in range(iterations):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def rows_per_second(batches: list[pa.RecordBatch], fmt: int, runs: int) -> float:
    """Median rows/s of encoding every batch with all columns in format ``fmt``."""
    rows = sum(b.num_rows for b in batches)
    rates = []
    for _ in range(runs):
        start = time.perf_counter()
        for batch in batches:
            encode_data_rows(batch, [fmt] * batch.num_columns)
        rates.append(rows / (time.perf_counter() - start))
    return statistics.median(rates)


def main() -> None:
    """Print text and binary encoding speed."""
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    con = tpch_connection()
    batches = list(con.execute("SELECT * FROM lineitem").to_arrow_reader(65536))
    encode_data_rows(batches[0], [0] * batches[0].num_columns)  # warm caches and imports
    for name, fmt in (("text", 0), ("binary", 1)):
        rate = rows_per_second(batches, fmt, runs)
        print(f"{name:6s} {rate:12,.0f} rows/s (median of {runs})")
    for name, batch in small_batches(con).items():
        for fmt_name, fmt in (("text", 0), ("binary", 1)):
            formats = [fmt] * batch.num_columns
            micros = micros_per_call(lambda b=batch, f=formats: encode_data_rows(b, f))
            print(f"{name:22s} {fmt_name:6s} {micros:8.1f} us/call (median)")


if __name__ == "__main__":
    main()
