"""The sandbox's name handling: qualified calls, the engine's catalogs, DuckDB's case folding."""

from __future__ import annotations

import pytest

from catalog.errors import SQLError
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from proxy.sql.transforms.sandbox import denied, fold

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def duck(sql: str) -> str:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        # Unqualified, the call is the node the rewrites expect.
        ("select pg_catalog.current_database()", "SELECT 'dev' AS \"current_database\""),
        ("select pg_catalog.upper(pg_catalog.lower('A'))", "SELECT UPPER(LOWER('A')) AS \"upper\""),
        ("select \"pg_catalog\".version() like 'PostgreSQL 8.0.2%'",
         "SELECT 'PostgreSQL 8.0.2"),
    ],
)
def test_pg_catalog_calls_are_the_unqualified_calls(sql: str, expected: str) -> None:
    assert duck(sql).startswith(expected)


@pytest.mark.parametrize(
    ("sql", "sqlstate"),
    [
        ("select system.main.current_database()", "42501"),
        ("select main.upper('a')", "42501"),
        ("select ('a').upper()", "42601"),
    ],
)
def test_other_qualified_calls_are_refused(sql: str, sqlstate: str) -> None:
    with pytest.raises(SQLError) as info:
        StatementCache().get(sql, CTX)
    assert info.value.sqlstate == sqlstate


def test_quoted_schema_of_a_call_follows_identifier_case() -> None:
    # Folded to pg_catalog by default, as Redshift does; kept (another schema) when the session
    # keeps the case of quoted identifiers.
    assert duck('select "PG_CATALOG".current_database()').startswith("SELECT 'dev'")
    sensitive = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"}, case_sensitive=True)
    with pytest.raises(SQLError) as info:
        StatementCache().get('select "PG_CATALOG".current_database()', sensitive)
    assert info.value.sqlstate == "42501"


@pytest.mark.parametrize("schema", ["memory", "MEMORY", '"Memory"', "system", "temp"])
def test_engine_catalog_names_mean_schemas_of_the_current_database(schema: str) -> None:
    assert duck(f"create table {schema}.x (a int)").startswith('CREATE TABLE "__ds_ns__dev".')
    assert '"__ds_ns__dev".' in duck(f"select * from {schema}.x")


def test_other_two_part_names_are_left_to_the_search_path() -> None:
    assert duck("select * from public.t") == "SELECT * FROM public.t"


def test_fold_is_duckdbs() -> None:
    assert fold("GetEnv") == "getenv"
    assert fold("\u0130") == "\u0130"  # Python's lower() would make it two characters
    assert denied(fold("READ_CSV")) and denied("duckdb_settings") and denied("__ds_x")
    assert not denied(fold("\uff52ead_csv"))
