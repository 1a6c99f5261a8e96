"""Catalog syntax drivers send: array literals and casts, catalog array types, composite fields.

Each statement is translated as a session would and run on a bare DuckDB, so what is checked is
the answer, not the SQL text.
"""

from __future__ import annotations

import json

import duckdb
import pytest

from catalog.errors import InvalidTextRepresentation
from proxy.sql.context import Context
from proxy.sql.pipeline import translate
from proxy.sql.split import split

CTX = Context("ns", "dev", "admin", {"dev": "__ds_ns__dev"}, superuser=True)


def _run(sql: str, params: list[object] | None = None) -> list[tuple[object, ...]]:
    (piece,) = split(sql)
    stmt = translate(piece, CTX)
    assert stmt.duck_sql is not None
    return duckdb.connect().execute(stmt.duck_sql, params or []).fetchall()


def test_array_literals_are_read_as_postgresql_writes_them() -> None:
    assert _run("SELECT '{a,\"b c\",NULL}'::text[], '{}'::int2[], '{{1,2},{3,4}}'::int[]") == [
        (["a", "b c", None], [], [[1, 2], [3, 4]])
    ]
    # pgjdbc's getSQLKeywords
    assert _run("SELECT 'select' <> ALL ('{a,select}'::text[]), 'x' <> ALL ('{a,b}'::text[])") \
        == [(False, True)]
    with pytest.raises(InvalidTextRepresentation, match="malformed array literal"):
        _run("SELECT '{a'::text[]")


def test_catalog_array_types() -> None:
    # asyncpg binds the OIDs it introspects as $1::oid[]; psql casts to int2vector.
    assert _run("SELECT $1::oid[], CAST($1 AS regtype[])", [[23, 25]]) == [([23, 25], [23, 25])]
    assert _run("SELECT '{1,2}'::int2vector, CAST('{3}' AS oidvector)") == [([1, 2], [3])]


def test_composite_field_of_expandarray_over_an_alias_of_the_same_name() -> None:
    # pgjdbc's getIndexInfo: (information_schema._pg_expandarray(i.indkey)).n, table alias i.
    sql = (
        "SELECT (information_schema._pg_expandarray(i.indkey)).n AS pos, "
        "(information_schema._pg_expandarray(i.indkey)).x AS attnum "
        "FROM (SELECT ARRAY[5, 7] AS indkey) i ORDER BY pos"
    )
    assert _run(sql) == [(1, 5), (2, 7)]


def test_keyword_labels_after_as() -> None:
    # Metabase labels its privilege columns with keywords.
    assert _run("SELECT 1 AS select, 2 AS update, 3 AS insert, 4 AS delete, 5 AS table") == [
        (1, 2, 3, 4, 5)
    ]


def test_default_collation_is_dropped() -> None:
    # psql's name patterns: OPERATOR(pg_catalog.~) '^(t)$' COLLATE pg_catalog.default
    assert _run("SELECT 'ab' = 'ab' COLLATE pg_catalog.default, 'b' > 'a' COLLATE \"C\"") == [
        (True, True)
    ]


def test_what_does_not_exist_has_postgresqls_answer_for_none() -> None:
    assert _run(
        "SELECT pg_get_triggerdef(1, true), pg_get_ruledef(1), pg_get_partkeydef(1), "
        "pg_tablespace_location(1663), pg_stat_get_numscans(1), pg_is_in_recovery(), "
        "pg_get_serial_sequence('t', 'c'), format_encoding(0)"
    ) == [(None, None, None, "", 0, False, None, "none")]


def test_json_build_object() -> None:
    (row,) = _run("SELECT json_build_object('a', 1, 'b', 'x')")
    assert json.loads(str(row[0])) == {"a": 1, "b": "x"}


def test_values_list_as_a_set_operand() -> None:
    # psql 10 and later: confrelid IN (SELECT ... UNION ALL VALUES ('16385'::regclass))
    assert _run("SELECT 1 UNION ALL VALUES (2), (3) ORDER BY 1") == [(1,), (2,), (3,)]
    assert _run("SELECT 5 IN (SELECT 1 UNION ALL VALUES ('5'::regclass))") == [(True,)]
    assert _run("SELECT x FROM (SELECT 1 AS x UNION VALUES (1)) t") == [(1,)]


def test_a_series_alias_is_its_value() -> None:
    # psql's prattrs[s] over generate_series(0, n) s: the alias names the column.
    assert _run("SELECT s FROM generate_series(1, 2) s") == [(1,), (2,)]
    assert _run("SELECT ('{10,20}'::int[])[s] FROM pg_catalog.generate_series(1, 2) AS s") == [
        (10,), (20,)]
    assert _run("SELECT x FROM generate_series(1, 1) s(x)") == [(1,)]


def test_partition_ancestors_of_a_relation_is_itself() -> None:
    assert _run("SELECT pg_partition_ancestors(16385)") == [(16385,)]
    assert _run("SELECT relid, depth FROM pg_partition_ancestors(16385) WITH ORDINALITY "
                "AS a(relid, depth)") == [(16385, 1)]
