"""Regular views over a renamed or dropped relation (run on DuckDB with a database attached
as the session's)."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog.errors import DependentObjectsStillExist
from engine import table_metadata
from proxy.bound_views import Relation, drop_sql, rename_column_sql, rename_sql

ALIAS = "__ds_ns__dev"


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    con.execute(f"ATTACH ':memory:' AS {ALIAS}")
    con.execute(f"CREATE SCHEMA {ALIAS}.public")
    con.execute(f"USE {ALIAS}.public")
    table_metadata.ensure(con, ALIAS)
    con.execute("CREATE TABLE t (a INT, b INT)")
    con.execute("INSERT INTO t VALUES (1, 10)")
    con.execute("CREATE VIEW v AS WITH c AS (SELECT a, b FROM t) SELECT a, b AS bee FROM c")
    con.execute("CREATE VIEW j AS SELECT x.a, y.b FROM t AS x JOIN t AS y ON x.a = y.a")
    con.execute("CREATE VIEW late AS SELECT a FROM t")
    con.execute(f"INSERT INTO {table_metadata.qualified(ALIAS, table_metadata.LATE_BINDING_VIEWS)}"
                " VALUES ('public', 'late')")
    con.execute("CREATE VIEW w AS SELECT bee FROM v")
    yield con
    con.close()


T = Relation(ALIAS, "public", "t")


def run(con: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    for statement in statements:
        con.execute(statement)


def test_rename_follows_regular_views_only(con: duckdb.DuckDBPyConnection) -> None:
    statements = rename_sql(con, T, "u")
    assert len(statements) == 2  # v and j; not the late-binding view, nor w (over v)
    con.execute("ALTER TABLE t RENAME TO u")
    run(con, statements)
    assert con.execute("SELECT * FROM w").fetchall() == [(10,)]
    assert con.execute("SELECT * FROM j").fetchall() == [(1, 10)]
    with pytest.raises(duckdb.CatalogException):
        con.execute("SELECT * FROM late")


def test_rename_column_keeps_the_views_columns(con: duckdb.DuckDBPyConnection) -> None:
    statements = rename_column_sql(con, T, "b", "c")
    con.execute("ALTER TABLE t RENAME COLUMN b TO c")
    run(con, statements)
    assert con.execute("SELECT a, bee FROM v").fetchall() == [(1, 10)]
    assert con.execute("SELECT a, b FROM j").fetchall() == [(1, 10)]
    assert con.execute("SELECT bee FROM w").fetchall() == [(10,)]


def test_drop_is_refused_while_regular_views_depend(con: duckdb.DuckDBPyConnection) -> None:
    with pytest.raises(DependentObjectsStillExist) as info:
        drop_sql(con, [T], "TABLE", cascade=False)
    assert info.value.message == "cannot drop table t because other objects depend on it"
    assert info.value.hint == "Use DROP ... CASCADE to drop the dependent objects too."


def test_drop_cascade_drops_dependents_of_dependents(con: duckdb.DuckDBPyConnection) -> None:
    statements, dropped = drop_sql(con, [T], "TABLE", cascade=True)
    assert sorted(r.name for r in dropped) == ["j", "v", "w"]
    run(con, statements)
    con.execute("DROP TABLE t")
    left = {r[0] for r in con.execute(
        f"SELECT view_name FROM duckdb_views() WHERE database_name = '{ALIAS}'").fetchall()}
    assert left == {"late"}


def test_a_view_nothing_depends_on_drops(con: duckdb.DuckDBPyConnection) -> None:
    assert drop_sql(con, [Relation(ALIAS, "public", "w")], "VIEW", cascade=False) == ([], [])
