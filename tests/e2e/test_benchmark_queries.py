"""TPC-H's 22 and TPC-DS's 99 queries through psycopg, against in-process DuckDB's answers.

The data comes from DuckDB's own ``tpch`` and ``tpcds`` extensions (PyPI packages, loaded by
path), one schema each in a DuckDB file, at scale factor 0.01 for TPC-H and 0.05 for TPC-DS,
whose queries are made for larger data (76 of them give rows with a value there, 68 at 0.01).
The reference reads the file in-process, and a copy becomes the served namespace's ``dev``
database. The query texts are the
extensions' own, run unchanged through Duckshift's Redshift front end.

Redshift's answers differ from DuckDB's where Redshift documents other result types, so the
comparison takes them into account rather than hiding them:

* a DECIMAL result (AVG keeps its argument's scale, a quotient has the scale of Redshift's
  division rule) matches the reference within one unit of its last digit (or, against a
  DOUBLE reference, within that DOUBLE's own error);
* an integer result of a floating reference (AVG of integers is a BIGINT) matches within 1;
* where such a result decides ties of a later ORDER BY, a rank, or a filter, the reference
  query is rewritten to compute Redshift's type, and the rewrite is listed here
  (``REDSHIFT_TYPES``) with its reason.
"""

from __future__ import annotations

import decimal
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import duckdb_extension_tpcds
import duckdb_extension_tpch
import psycopg
import pytest

from tests.e2e import server as srv

pytestmark = pytest.mark.e2e

# AVG of an integer column is Redshift's BIGINT, truncated (it orders TPC-DS Q22's rows and
# filters Q39's); Q36's margin is a DECIMAL quotient of scale 4 (Redshift's division rule),
# whose ties decide its ranks; Q57's monthly average of DECIMAL(7,2) sums keeps scale 2
# (truncated), and decides its filter and order; Q58's deviations divide a DECIMAL(38,2) sum
# by a DECIMAL(38,4) average, a quotient of scale 4 (the rule's scale past 38 digits) that is
# then multiplied by 100.
_INTEGER_AVG = (("avg(inv_quantity_on_hand)", "trunc(avg(inv_quantity_on_hand))::bigint"),)
_MARGIN = (("(sum(ss_net_profit)*1.0000)/sum(ss_ext_sales_price)",
            "round((sum(ss_net_profit)*1.0000)/sum(ss_ext_sales_price), 4)"),)
_MONTHLY_AVG = (("avg(sum(cs_sales_price)) OVER", "trunc(avg(sum(cs_sales_price)) OVER"),
                (") avg_monthly_sales", "), 2) avg_monthly_sales"))
_DEVIATIONS = tuple(
    (f"{p}_item_rev/((ss_item_rev+cs_item_rev+ws_item_rev)/3) * 100",
     f"round({p}_item_rev/round((ss_item_rev+cs_item_rev+ws_item_rev)/3, 4), 4) * 100")
    for p in ("ss", "cs", "ws"))
REDSHIFT_TYPES: dict[tuple[str, int], tuple[tuple[str, str], ...]] = {
    ("tpcds", 22): _INTEGER_AVG,
    ("tpcds", 39): _INTEGER_AVG,
    ("tpcds", 36): _MARGIN,
    ("tpcds", 57): _MONTHLY_AVG,
    ("tpcds", 58): _DEVIATIONS,
}


# Each benchmark's schema: the extension's package, its data generator, the scale factor, how
# many queries it has and how many of them answer with some value at that scale (fewer means
# the comparison would be hollow).
BENCHMARKS: dict[str, tuple[Any, str, float, int, int]] = {
    "tpch": (duckdb_extension_tpch, "dbgen", 0.01, 22, 21),
    "tpcds": (duckdb_extension_tpcds, "dsdgen", 0.05, 99, 76),
}


def _load(con: duckdb.DuckDBPyConnection, schema: str) -> None:
    """Load the benchmark's extension from its PyPI package, by path."""
    module = BENCHMARKS[schema][0]
    path = os.path.join(os.path.dirname(module.__file__), "extensions",
                        f"v{duckdb.__version__}", f"{schema}.duckdb_extension")
    con.execute(f"LOAD '{path}'")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DuckDB file with TPC-H in schema ``tpch`` and TPC-DS in schema ``tpcds``."""
    path = tmp_path_factory.mktemp("benchmark-data") / "reference.duckdb"
    with duckdb.connect(str(path)) as con:
        for schema, (_, generate, scale, _, _) in BENCHMARKS.items():
            _load(con, schema)
            con.execute(f"CREATE SCHEMA {schema}")
            con.execute(f"CALL {generate}(sf={scale}, schema='{schema}')")
        con.execute("CHECKPOINT")
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, data: Path) -> Iterator[srv.RunningServer]:
    """A server whose default namespace's ``dev`` database is a copy of ``data``."""
    data_dir = tmp_path_factory.mktemp("benchmark-server") / "data"
    (data_dir / "namespaces" / "default").mkdir(parents=True)
    shutil.copy(data, data_dir / "namespaces" / "default" / "dev.duckdb")
    running = srv.start(data_dir)
    yield running
    running.stop()


def _queries(data: Path, schema: str) -> list[tuple[int, str]]:
    with duckdb.connect(str(data), read_only=True) as con:
        _load(con, schema)
        return con.execute(f"SELECT query_nr, query FROM {schema}_queries()").fetchall()


def _close(expected: object, got: object) -> bool:
    """``got`` (Duckshift's value) is the reference's ``expected`` in Redshift's type."""
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(got, decimal.Decimal) and isinstance(expected, (int, float, decimal.Decimal)):
        unit = decimal.Decimal(1).scaleb(got.as_tuple().exponent)  # type: ignore[arg-type]
        if isinstance(expected, float):  # a DOUBLE reference has its own rounding error
            unit = max(unit, decimal.Decimal(abs(expected) * 1e-12))
        return abs(decimal.Decimal(str(expected)) - got) <= unit
    if isinstance(got, int) and not isinstance(got, bool) and isinstance(expected, float):
        return abs(expected - got) < 1
    if isinstance(got, float) and isinstance(expected, (int, float, decimal.Decimal)):
        return abs(float(expected) - got) <= 1e-9 * max(1.0, abs(got))
    return expected == got


def _mismatch(expected: list[tuple[Any, ...]], got: list[tuple[Any, ...]]) -> str | None:
    if len(expected) != len(got):
        return f"{len(got)} rows, expected {len(expected)}"
    for n, (want, have) in enumerate(zip(expected, got, strict=True)):
        if len(want) != len(have) or not all(map(_close, want, have)):
            return f"row {n}: {have!r}, expected {want!r}"
    return None


@pytest.mark.parametrize("schema", ["tpch", "tpcds"])
def test_benchmark_queries_answer_as_duckdb(
        data: Path, served: srv.RunningServer, schema: str) -> None:
    _, _, _, count, answering = BENCHMARKS[schema]
    queries = _queries(data, schema)
    assert len(queries) == count
    failures = []
    with_values = 0
    with duckdb.connect(str(data), read_only=True) as reference, \
            psycopg.connect(served.dsn, autocommit=True) as con:
        reference.execute(f"SET search_path = '{schema}'")
        con.execute(f"SET search_path TO {schema}")
        for number, text in queries:
            ref_text = text
            for old, new in REDSHIFT_TYPES.get((schema, number), ()):
                assert old in ref_text, (number, old)
                ref_text = ref_text.replace(old, new)
            expected = reference.execute(ref_text).fetchall()
            with_values += any(v is not None for row in expected for v in row)
            try:
                cur = con.execute(text)
                got = cur.fetchall()
            except psycopg.Error as exc:
                failures.append(f"Q{number}: {exc.sqlstate} {exc}")
                continue
            if (problem := _mismatch(expected, got)) is not None:
                failures.append(f"Q{number}: {problem}")
    assert not failures, "\n".join(failures)
    assert with_values >= answering
