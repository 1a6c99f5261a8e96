"""String literals beside values of one known type take that type (CASE results, set
operation columns), as PostgreSQL and Redshift resolve untyped literals."""

from __future__ import annotations

from dataclasses import replace

import pytest

from catalog.directory import Number
from catalog.errors import DatatypeMismatch, InvalidTextRepresentation
from tests.unit.session_database import CTX
from tests.unit.session_database import translated as duck

KEY = ("__ds_ns__dev", "public", "t")
# t(i INTEGER, d DECIMAL(10, 2), f DOUBLE PRECISION, v VARCHAR(10), c CHAR(3)), as the catalog
# describes it.
TYPED = replace(
    CTX, char_version=1,
    numeric_columns={KEY: {"i": Number(10, 0, True), "d": Number(10, 2, False),
                           "f": Number(53, 0, False, True)}},
    varchar_columns={KEY: frozenset({"v", "c"})}, char_columns={KEY: {"c": 3}},
    relation_columns={KEY: ("i", "d", "f", "v", "c")})


@pytest.mark.parametrize(("sql", "typed"), [
    ("select 1 union select '2'", "CAST('2' AS INT)"),
    ("select 1 union select '2' union all select null", "CAST('2' AS INT)"),
    ("select case when true then 1 else '0' end", "CAST('0' AS INT)"),
    ("select true union select 'f'", "CAST('f' AS BOOLEAN)"),
    ("select date '2020-01-01' union select '2020-02-01'", "CAST('2020-02-01' AS DATE)"),
    # Pair by pair: (1 UNION 1::bigint) is a bigint, which '2' then takes.
    ("select 1 union select 1::bigint union select '2'", "CAST('2' AS BIGINT)"),
    # Beside a DECIMAL, a DECIMAL of the literal's own digits: it keeps them.
    ("select case when x then '2.25' else 2.5 end from t", "CAST('2.25' AS DECIMAL(3, 2))"),
    ("select 1.5 union select '-0.001'", "CAST('-0.001' AS DECIMAL(3, 3))"),
])
def test_string_literals_take_the_known_type(sql: str, typed: str) -> None:
    assert typed in duck(sql)


@pytest.mark.parametrize("sql", [
    "select a from t union select 'z'",  # a column: its type is not known here
    "select 'a' union select 'b'",
])
def test_other_literals_are_left(sql: str) -> None:
    assert "CAST('" not in duck(sql)


def test_a_literal_that_is_no_integer_is_refused() -> None:
    with pytest.raises(InvalidTextRepresentation, match='integer: "a"'):
        duck("select 1 union select 'a'")


@pytest.mark.parametrize(("sql", "typed"), [
    ("select i from t union select '7'", "CAST('7' AS INT)"),
    ("select '7' union select i from t", "CAST('7' AS INT)"),
    ("select f from t union all select '2.5'", "CAST('2.5' AS DOUBLE)"),
    ("select x from (select i as x from t) as s union select '7'", "CAST('7' AS INT)"),
    ("with w as (select f from t) select f from w union select '1'", "CAST('1' AS DOUBLE)"),
    ("select d from t union select '2.555'", "CAST('2.555' AS DECIMAL(4, 3))"),
])
def test_literals_beside_columns_take_their_type(sql: str, typed: str) -> None:
    assert typed in duck(sql, TYPED)


@pytest.mark.parametrize("sql", [
    "select q from t union select 'z'",  # a column the catalog does not have
])
def test_literals_beside_other_columns_are_left(sql: str) -> None:
    assert "CAST('" not in duck(sql, TYPED)


@pytest.mark.parametrize(("sql", "message"), [
    ("select i from t union select v from t", "UNION types integer and character varying"),
    ("select v from t union select 1", "UNION types character varying and integer"),
    ("select c from t intersect select d from t", "INTERSECT types character and numeric"),
    ("select 'a' union select 'b' except select i from t", "EXCEPT types text and integer"),
    ("select greatest(i, v) from t", "GREATEST types integer and character varying"),
    ("select least(f, 'a'::varchar) from t", "LEAST types double precision and character"),
    ("select 1 union select true", "UNION types integer and boolean"),
])
def test_types_that_cannot_meet_are_refused(sql: str, message: str) -> None:
    with pytest.raises(DatatypeMismatch, match=f"^{message} .*cannot be matched$"):
        duck(sql, TYPED)
