"""Every catalog relation name a user can reach, swept against two namespaces in one DuckDB.

DuckDB has its own pg_catalog, information_schema and ``duckdb_*`` views over every attached
database. Each relation DuckDB defines, and each one the virtual catalog defines, is read by
a session of namespace ``a`` qualified and unqualified: it must either be refused (42P01) or
show nothing of namespace ``b``, of ``a``'s other database, or of the internal aliases.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog.errors import UndefinedTable
from catalog.views import VIEWS
from proxy.sql.pipeline import translate
from proxy.sql.split import split
from tests.unit.catalog.test_views import CTX, NAMESPACE_WIDE, _engine

# b's tables, a's other database's table, the aliases, DuckDB's own schema. (The name of a's
# other database is no secret: pg_database lists it, and the svv_all_* and svv_redshift_* views
# list its objects.)
FOREIGN = ("secret_of_b", "child_of_b", "elsewhere", "__ds_", "'main'")


def _engine_relations() -> list[tuple[str, str]]:
    con = duckdb.connect()
    rows = con.execute(
        "SELECT schema_name, view_name FROM duckdb_views() WHERE internal "
        "UNION SELECT schema_name, table_name FROM duckdb_tables() WHERE internal ORDER BY 1, 2"
    ).fetchall()
    con.close()
    return [(str(s), str(n)) for s, n in rows]


NAMES = sorted(set(_engine_relations()) | {(v.schema, v.name) for v in VIEWS})


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = _engine()
    c.execute("CREATE TABLE __ds_b__dev.public.child_of_b (k INTEGER PRIMARY KEY, "
              "CHECK (k > 0))")
    yield c
    c.close()


def _read(con: duckdb.DuckDBPyConnection, sql: str) -> str | None:
    """The rows of ``sql`` as text, or None when the relation is refused or does not exist."""
    try:
        stmt = translate(split(sql)[0], CTX)
    except UndefinedTable:
        return None
    assert stmt.duck_sql is not None
    try:
        return repr(con.execute(stmt.duck_sql).fetchall())
    except duckdb.CatalogException:
        return None


@pytest.mark.parametrize("schema,name", NAMES, ids=lambda x: str(x))
def test_no_relation_shows_another_namespace(
    con: duckdb.DuckDBPyConnection, schema: str, name: str
) -> None:
    for sql in (f'select * from {schema}."{name}"', f'select * from "{name}"'):
        seen = _read(con, sql)
        if seen is not None:
            for foreign in FOREIGN:
                if foreign == "elsewhere" and name in NAMESPACE_WIDE:
                    continue
                assert foreign not in seen, (sql, foreign)


@pytest.mark.parametrize("sql", [
    "select * from duckdb_tables",
    "select * from main.duckdb_columns",
    "select * from sqlite_master",
    "select * from pragma_database_list",
    "select * from information_schema.no_such_view",
    "select * from pg_catalog.pg_no_such_table",
])
def test_engine_relations_are_refused(sql: str) -> None:
    with pytest.raises(UndefinedTable):
        translate(split(sql)[0], CTX)


def test_a_cte_may_reuse_an_engine_name(con: duckdb.DuckDBPyConnection) -> None:
    assert _read(con, "with sqlite_master as (select 1 as x) select x from sqlite_master") == (
        "[(1,)]"
    )


def test_current_setting_reads_pg_settings_not_duckdb(con: duckdb.DuckDBPyConnection) -> None:
    assert _read(con, "select current_setting('jit'), current_setting('max_index_keys'), "
                      "current_setting('search_path') is not null") == "[('off', '32', True)]"
    # DuckDB's own settings (which name the internal aliases) are not there.
    assert _read(con, "select current_setting('allowed_directories')") == "[(None,)]"
