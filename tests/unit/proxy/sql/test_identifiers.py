"""Identifier case: folded to lower case, quoted ones kept with enable_case_sensitive_identifier."""

from __future__ import annotations

from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})
SENSITIVE = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"}, case_sensitive=True)


def duck(sql: str, ctx: Context = CTX) -> str:
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


def test_everything_folds_by_default() -> None:
    assert duck('create table "MixedCasedTable" ("MixedCasedColumn" int, Other int)') == (
        'CREATE TABLE "mixedcasedtable" ("mixedcasedcolumn" INT, other INT)'
    )
    assert duck('select "MixedCasedColumn", 1 as "Total" from MixedCasedTable') == (
        'SELECT "mixedcasedcolumn", 1 AS "total" FROM mixedcasedtable'
    )


def test_quoted_identifiers_keep_their_case_when_sensitive() -> None:
    assert duck('create table "MixedCasedTable" ("MixedCasedColumn" int, Other int)',
                SENSITIVE) == (
        'CREATE TABLE "MixedCasedTable" ("MixedCasedColumn" INT, other INT)'
    )
    assert duck('select "MixedCasedColumn", MixedCasedColumn from "T"', SENSITIVE) == (
        'SELECT "MixedCasedColumn", mixedcasedcolumn FROM "T"'
    )


def test_the_setting_is_part_of_the_cache_key() -> None:
    cache = StatementCache()
    sql = 'select 1 as "Total"'
    assert cache.get(sql, CTX)[0].duck_sql != cache.get(sql, SENSITIVE)[0].duck_sql
    assert CTX.key != SENSITIVE.key


def test_only_ascii_letters_fold() -> None:
    assert duck('select 1 as "ÄÖ"') == 'SELECT 1 AS "ÄÖ"'


def test_access_references_see_folded_names() -> None:
    stmt = StatementCache().get('select * from "Sales"."Orders"', CTX)[0]
    assert [(r.schema, r.name) for r in stmt.refs] == [("sales", "orders")]


def test_strings_are_not_identifiers() -> None:
    assert duck("select 'MixedCase' as X") == "SELECT 'MixedCase' AS x"
