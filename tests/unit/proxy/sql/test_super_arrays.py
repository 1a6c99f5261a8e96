"""The session's default_array_search_null_handling in the array searches' translation."""

from __future__ import annotations

import dataclasses

from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})
OFF = dataclasses.replace(CTX, array_search_nulls=False)
SQL = "select array_contains(array(1), null), array_position(array(1), 2)"


def test_setting_is_in_the_cache_key() -> None:
    assert CTX.key != OFF.key


def test_setting_is_the_default_null_match() -> None:
    cache = StatementCache()
    on, off = (cache.get(SQL, ctx)[0].duck_sql or "" for ctx in (CTX, OFF))
    assert on.count("TRUE)") == 2 and "FALSE)" not in on
    assert off.count("FALSE)") == 2 and "TRUE)" not in off


def test_explicit_null_match_wins() -> None:
    sql = StatementCache().get("select array_contains(array(1), null, true)", OFF)[0].duck_sql
    assert sql is not None and "TRUE)" in sql and "FALSE)" not in sql
