"""OBJECT_TRANSFORM's KEEP, translated and run on DuckDB, and its refusals."""

from __future__ import annotations

import duckdb
import pytest

from catalog.errors import FeatureNotSupported
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})
OBJECT = """json_parse('{"b":1,"a":{"x":1,"y":{"z":2}},"c":null}')"""


def run(sql: str) -> object:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    row = duckdb.connect().execute(stmt.duck_sql).fetchone()
    assert row is not None
    return row[0]


@pytest.mark.parametrize(
    ("keep", "expected"),
    [
        ("""'"a"."y"."z"', '"b"'""", '{"b":1,"a":{"y":{"z":2}}}'),
        ("""'"c"', '"a"', '"a"."x"'""", '{"a":{"x":1,"y":{"z":2}},"c":null}'),
        ("""'"q"'""", "{}"),
    ],
)
def test_keep(keep: str, expected: str) -> None:
    assert run(f"select object_transform({OBJECT} keep {keep})") == expected


@pytest.mark.parametrize(
    "sql",
    [
        "select object_transform(json_parse('{}') keep 'a')",
        """select object_transform(json_parse('{}') keep '"a"b"')""",
        """select object_transform(json_parse('{}') keep '"a"' set '"a"')""",
        """select object_transform(json_parse('{}') set '"a"', 1)""",
    ],
)
def test_refused(sql: str) -> None:
    with pytest.raises(FeatureNotSupported):
        StatementCache().get(sql, CTX)
