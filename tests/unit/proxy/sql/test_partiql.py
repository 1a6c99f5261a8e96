"""PartiQL unnesting of SUPER arrays in FROM, proved by running the generated SQL on DuckDB."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "memory"})


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    c.execute("CREATE TABLE cust (id INTEGER, doc JSON)")
    c.execute("""INSERT INTO cust VALUES
        (1, '{"orders": [{"a": 1, "items": [7, 8]}, {"a": 2, "items": []}]}'),
        (2, '{"orders": {"a": 3}}'), (3, NULL)""")
    yield c
    c.close()


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return con.execute(stmt.duck_sql).fetchall()


def test_unnest_a_path_below_the_column(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "select c.id, o.a from cust c, c.doc.orders o order by 2")
    assert [(i, int(a)) for i, a in got] == [(1, 1), (1, 2)]  # id 2's orders is no array


def test_at_counts_from_zero(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "select o.a, i from cust c, c.doc.orders as o at i order by i")
    assert [(int(a), i) for a, i in got] == [(1, 0), (2, 1)]


def test_nested_unnest(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "select it from cust c, c.doc.orders o, o.items it order by 1")
    assert [int(v) for (v,) in got] == [7, 8]


def test_unpivot_gives_attributes_with_any_name(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""INSERT INTO cust VALUES (4, '{"$x": 1, "a.b": "y", "q\\"t": [2]}')""")
    got = rows(con, "select k, v from cust c, unpivot c.doc as v at k where c.id = 4 "
                    "order by k")
    assert [(k, str(v)) for k, v in got] == [("$x", "1"), ("a.b", '"y"'), ('q"t', "[2]")]


def test_unpivot_of_no_object_gives_no_rows(con: duckdb.DuckDBPyConnection) -> None:
    got = rows(con, "select v from cust c, c.doc.orders o, unpivot o as v")
    assert sorted(str(v) for (v,) in got) == ["1", "2", "[7,8]", "[]"]
    assert rows(con, "select count(*) from cust c, unpivot c.doc.orders as v at k "
                     "where c.id = 1") == [(0,)]
