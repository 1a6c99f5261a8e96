"""A catalog view's SQL is translated once per session context and spliced into the queries
that read it (``pipeline.catalog_bodies``): the DuckDB SQL is the one the view's SQL gets
translated inside the query (which a query computing on catalog columns still does)."""

from __future__ import annotations

import re

import pytest

from tests.unit.session_database import translated as duck


def _body(sql: str) -> str:
    found = re.match(r"WITH __ds_catalog_0 AS MATERIALIZED \((.*)\) SELECT ", sql, re.S)
    assert found is not None, sql[:200]
    return found[1]


@pytest.mark.parametrize("view", ["pg_catalog.pg_class", "information_schema.columns",
                                  "pg_catalog.pg_table_def", "pg_catalog.svv_table_info"])
def test_a_spliced_body_is_the_body_translated_in_place(view: str) -> None:
    spliced = duck(f"select * from {view} where false")
    in_place = duck(f"select *, 1 + 1 from {view} where false")  # arithmetic: kept in place
    assert "__ds_catalog_body_" not in spliced
    assert _body(spliced) == _body(in_place)


def test_two_queries_share_a_translated_body() -> None:
    assert _body(duck("select relname from pg_class where oid = 1")) == _body(
        duck("select relnamespace from pg_class where relname = 'x'"))

