"""TPC-H data for the benchmarks: DuckDB files made once with the tpch extension, plus CSV export.

Two files are cached per scale factor, from the same deterministic ``dbgen``:

- ``tpch-sf<SF>-public.duckdb``: tables in schema ``public``, the layout Duckshift serves
  (copied to ``<data-dir>/namespaces/default/dev.duckdb``);
- ``tpch-sf<SF>-main.duckdb``: tables in DuckDB's default schema ``main``, because the shared
  ``duckdb_inproc.py`` opens the file and queries unqualified table names, which DuckDB only
  resolves in ``main``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import duckdb_extension_tpch

TABLES = ("region", "nation", "part", "supplier", "partsupp", "customer", "orders", "lineitem")
# Primary keys as the TPC-H specification defines them (clause 1.4.2.2).
PRIMARY_KEYS = {
    "region": ("r_regionkey",),
    "nation": ("n_nationkey",),
    "part": ("p_partkey",),
    "supplier": ("s_suppkey",),
    "partsupp": ("ps_partkey", "ps_suppkey"),
    "customer": ("c_custkey",),
    "orders": ("o_orderkey",),
    "lineitem": ("l_orderkey", "l_linenumber"),
}


def sf_tag(sf: float) -> str:
    """Scale factor as used in file and database names: 1, 0.1, 10."""
    return f"{sf:g}"


def extension_path() -> str:
    return os.path.join(
        os.path.dirname(duckdb_extension_tpch.__file__),
        "extensions",
        f"v{duckdb.__version__}",
        "tpch.duckdb_extension",
    )


def _generate(target: Path, sf: float, schema: str) -> None:
    # Build under a temporary name and rename at the end, so an interrupted run never leaves a
    # half-filled file that a later run would take for a cached one.
    tmp = target.with_name(target.name + ".tmp")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        con.execute(f"LOAD '{extension_path()}'")
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        con.execute(f"CALL dbgen(sf={sf}, schema='{schema}')")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    os.replace(tmp, target)


def ensure_tpch(cache_dir: Path, sf: float) -> tuple[Path, Path]:
    """Return (public-schema file, main-schema file) for ``sf``, generating what is missing."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    files = (
        cache_dir / f"tpch-sf{sf_tag(sf)}-public.duckdb",
        cache_dir / f"tpch-sf{sf_tag(sf)}-main.duckdb",
    )
    for path, schema in zip(files, ("public", "main"), strict=True):
        if path.exists():
            continue
        print(f"generating TPC-H SF{sf_tag(sf)} into {path} ...", flush=True)
        t0 = time.perf_counter()
        _generate(path, sf, schema)
        print(f"  done in {time.perf_counter() - t0:.1f} s", flush=True)
    return files


def table_columns(db_file: Path, table: str) -> list[tuple[str, str]]:
    """(column name, DuckDB type) of a table in the main-schema file, in order."""
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        return [(r[0], r[1]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
    finally:
        con.close()


@contextmanager
def csv_export(db_file: Path, table: str, out_dir: Path) -> Iterator[Path]:
    """Write one table as header-less CSV, yield its path, delete it afterwards (SF1 ~ 1 GB)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{table}.csv"
    con = duckdb.connect(str(db_file), read_only=True)
    try:
        con.execute(f"COPY {table} TO '{path}' (FORMAT csv, HEADER false)")
    finally:
        con.close()
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)
