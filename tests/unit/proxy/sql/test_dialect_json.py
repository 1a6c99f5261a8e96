"""JSON functions and SUPER navigation, translated and run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def run(sql: str) -> tuple[object, ...]:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    row = duckdb.connect().execute(stmt.duck_sql).fetchone()
    assert row is not None
    return row


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("""select json_extract_path_text('{"a":{"b":"x"}}', 'a', 'b')""", "x"),
        ("""select json_extract_path_text('{"a b":{"c.d":1}}', 'a b', 'c.d')""", "1"),
        ("""select json_extract_path_text('{"a":1', 'a', true)""", None),
        ("select json_extract_array_element_text('[1,[2]]', 1)", "[2]"),
        ("select json_extract_array_element_text('[1,2]', -1)", None),
        ("select json_array_length('[1,2,3]')", 3),
        ("""select is_valid_json('{"a":1}')""", True),
        ("select is_valid_json('[1]')", False),
        ("select is_valid_json_array('[1,]')", False),
        ("""select can_json_parse('["a,]", "b"]')""", True),
        ("select can_json_parse('[Infinity]')", False),
        ("select json_typeof(json_parse('[]'))", "array"),
        ("""select json_serialize(json_parse('{ "a" : [1, 2] }'))""", '{"a":[1,2]}'),
        ("""select json_parse('{"a":[5,6]}').a[0]""", "5"),
    ],
)
def test_json(sql: str, expected: object) -> None:
    assert run(sql) == (expected,)


def test_invalid_json_raises() -> None:
    with pytest.raises(duckdb.InvalidInputException, match="JSON parsing error"):
        run("""select json_extract_path_text('{"a":1', 'a')""")
    with pytest.raises(duckdb.InvalidInputException, match="JSON parsing error"):
        run("select json_array_length('{}')")
