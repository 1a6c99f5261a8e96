"""JSON functions and SUPER navigation, translated and run on DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from catalog.errors import FeatureNotSupported
from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from tests.unit.session_database import translated

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



@pytest.mark.parametrize(
    "sql",
    [
        "select t.a from t where t.a = 1 order by t.a",
        "select a from t join u on t.x = u.y where u.z > 2",
        "select public.t.a from public.t where public.t.a + 1 > 2",
        "select max(a), min(t.b) from t",
    ],
)
def test_columns_of_tables_keep_plain_operators(sql: str) -> None:
    assert "super_" not in translated(sql, CTX)


@pytest.mark.parametrize(
    ("sql", "macro"),
    [
        ("select id from s where c.p < 10", "super_lt"),
        ("select c.p + 1 from s", "super_add"),
        ("select id from s order by c.p", "super_key"),
        ("select max(c.p) from s", "super_key"),
        ("select x from s, s.c.a as x where x = 'v'", "super_eq"),
        ("select json_parse('[1]')[0] * 2", "super_mul"),
    ],
)
def test_super_values_use_dynamic_typing(sql: str, macro: str) -> None:
    assert f"__ds_{macro}(" in translated(sql, CTX)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("""select json_parse('{"p":9.5}').p < 10""", True),
        ("""select json_parse('{"p":"10"}').p = 10""", False),
        ("""select json_parse('{"s":"x"}').s = 'x'""", True),
        ("""select json_parse('{"p":7}').p / 2""", "3"),
    ],
)
def test_super_dynamic_answers(sql: str, expected: object) -> None:
    con = duckdb.connect()
    macros.install(con)
    row = con.execute(translated(sql, CTX)).fetchone()
    assert row is not None and row[0] == expected


SUPER_CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"}, char_version=1,
                    super_columns={("__ds_ns__dev", "public", "s"): {"c": 1}})


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select id from s where c = 'x'", "__ds_super_eq(c, memory.main.__ds_super('x'))"),
        ("select id from s as t where t.c < 5", "__ds_super_lt(t.c, memory.main.__ds_super(5))"),
        ("select id from s order by c", "ORDER BY memory.main.__ds_super_key(c)"),
        ("insert into s (id, c) values (1, 'x')", "VALUES (1, memory.main.__ds_super('x'))"),
        ("insert into s values (1, 'x')", "VALUES (1, memory.main.__ds_super('x'))"),
        ("update s set c = 'x' where id = 1", "SET c = memory.main.__ds_super('x')"),
        ("with w as (select c.p as p from s) select p from w where p > 9", "__ds_super_gt(p, "),
        ("select x.c from (select * from s) x order by x.c", "__ds_super_key(x.c)"),
        ("select u.v from (select c v from s union all select 1) u where u.v < 2",
         "__ds_super_lt(u.v, "),
        ("select sum(c), avg(c.p) from s",
         '__ds_super_sum(c) AS "sum", memory.main.__ds_super_avg('),
        ("insert into s select 1, name from t", "SELECT 1, memory.main.__ds_super(name)"),
        ("insert into s (c, id) select 'x' as v, 1", "SELECT memory.main.__ds_super('x') AS v"),
        ("select floor(x) from (select c.p * 2 as x from s)", "__ds_super_floor(x)"),
        ("select abs(c.p) from s", "__ds_super_abs(c.p)"),
        ("insert into s select * from t",
         "SELECT * REPLACE (memory.main.__ds_super(__ds_stored1) AS __ds_stored1) FROM "
         "(SELECT * FROM t) AS __ds_stored(__ds_stored0, __ds_stored1)"),
        ("insert into s (c) select * from t",
         "REPLACE (memory.main.__ds_super(__ds_stored0) AS __ds_stored0)"),
        # The target's SUPER column c does not make the selected column c SUPER.
        ("insert into s select id, c from t", "SELECT id, memory.main.__ds_super(c) AS c"),
        ("insert into s values (1, lower('x'))", "VALUES (1, memory.main.__ds_super(LOWER('x')))"),
        ("update s set c = upper(c.s)", "SET c = memory.main.__ds_super(UPPER(c.s))"),
        ("select sum(c.p) over (partition by id) from s",
         "memory.main.__ds_super(CASE WHEN COUNT(CASE WHEN NOT JSON_TYPE(CAST(c.p AS JSON))"),
        ("select avg(c) over (order by id rows unbounded preceding) + 1 from s",
         "__ds_super_add(memory.main.__ds_super("),
    ],
)
def test_super_columns_of_the_catalog(sql: str, expected: str) -> None:
    assert expected in StatementCache().get(sql, SUPER_CTX)[-1].duck_sql


@pytest.mark.parametrize(
    "sql",
    [
        "select id from s where id = 1",
        "select id from t where c = 'x'",
        "update s set id = 2 where id = 1",
        "with w as (select id from s) select id from w where id > 9",
        "select sum(id) from (select id, c from s) x",
        "insert into s select id, c from s",
        "select floor(id), abs(id) from (select id from s) x",
        # c is t's column (the SUPER c is s's, which only the subquery reads).
        "select id from t where c = 'x' and id in (select id from s)",
        "select sum(id) over (partition by c) from t",
    ],
)
def test_other_columns_keep_plain_operators(sql: str) -> None:
    assert "super_" not in (StatementCache().get(sql, SUPER_CTX)[-1].duck_sql or "")



@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("select is_decimal(1.22::super)", True),
        ("select is_float(2.22::float::super)", True),
        ("select is_decimal(2.22::float::super)", False),
        ("select is_decimal(json_parse('5'))", True),
        ("select is_float(json_parse('\"x\"'))", False),
        ("select decimal_precision(3.14159::super)", 6),
        ("select decimal_scale(1.50::super)", 2),
        ("select decimal_scale(json_parse('7'))", 0),
        ("select decimal_precision(json_parse('-0.05'))", 2),
        ("select decimal_precision(2.5::real::super)", None),
        ("select json_serialize(2.22::float::super)", "2.22e+0"),
        ("select json_serialize(1.50::super)", "1.50"),
    ],
)
def test_number_kinds(sql: str, expected: object) -> None:
    con = duckdb.connect()
    macros.install(con)
    row = con.execute(translated(sql, CTX)).fetchone()
    assert row is not None and row[0] == expected


def test_size_is_refused() -> None:
    with pytest.raises(FeatureNotSupported, match="SIZE"):
        translated("select size(json_parse('[1]'))", CTX)
