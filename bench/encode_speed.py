"""Micro-benchmark of DataRow encoding speed on TPC-H lineitem (not a test).

Generates lineitem at scale factor 0.1 (about 600k rows, 16 columns) with DuckDB's tpch
extension, reads it as Arrow batches of 65536 rows and times ``encode_data_rows`` over all
batches in text and in binary format, printing the median rows per second of several runs.
Run as ``.venv/bin/python bench/encode_speed.py [runs]``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import duckdb
import duckdb_extension_tpch
import pyarrow as pa

from proxy.codecs import encode_data_rows


def lineitem_batches(batch_rows: int = 65536) -> list[pa.RecordBatch]:
    """TPC-H lineitem at SF 0.1 as Arrow record batches."""
    con = duckdb.connect()
    ext = os.path.join(
        os.path.dirname(duckdb_extension_tpch.__file__),
        "extensions",
        "v1.5.5",
        "tpch.duckdb_extension",
    )
    con.execute(f"LOAD '{ext}'")
    con.execute("CALL dbgen(sf=0.1)")
    return list(con.execute("SELECT * FROM lineitem").to_arrow_reader(batch_rows))


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
    batches = lineitem_batches()
    encode_data_rows(batches[0], [0] * batches[0].num_columns)  # warm caches and imports
    for name, fmt in (("text", 0), ("binary", 1)):
        rate = rows_per_second(batches, fmt, runs)
        print(f"{name:6s} {rate:12,.0f} rows/s (median of {runs})")


if __name__ == "__main__":
    main()
