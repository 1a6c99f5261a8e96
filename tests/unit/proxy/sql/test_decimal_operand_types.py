"""Which operands' types make a DECIMAL division exact beyond columns and casts: functions by
their documented result types, SQL UDFs, a UNION's ``*``, and untyped parameters."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from catalog.directory import DOUBLE, Number, read_function_types
from proxy.sql.pipeline import StatementCache
from tests.unit.proxy.sql.test_decimal_arithmetic import ALIAS, CTX, _quotient_types

FUNCTIONS_CTX = replace(CTX, function_types={
    (ALIAS, "public", "f_dec"): {1: Number(10, 3, False), 2: None},
    (ALIAS, "public", "f_float"): {0: DOUBLE},
}, relation_columns={(ALIAS, "public", "sales"): ("pricepaid", "commission", "qtysold", "n",
                                                  "name")})


@pytest.mark.parametrize(("sql", "types"), [
    # NULLIF: its first argument's type; GREATEST/LEAST: their common type (as COALESCE's).
    ("select nullif(pricepaid, 0) / 3 from sales", ["DECIMAL(19, 13)"]),
    ("select greatest(pricepaid, commission) / 3, least(pricepaid, 100) / 3 from sales",
     ["DECIMAL(19, 13)", "DECIMAL(23, 13)"]),
    # NVL2 of one type (or of a NULL) has it; of two integers the wider.
    ("select nvl2(n, pricepaid, commission) / 3, nvl2(n, pricepaid, null) / 3, "
     "nvl2(n, 1, 2::bigint) / 2.0 from sales",
     ["DECIMAL(19, 13)", "DECIMAL(19, 13)", "DECIMAL(24, 4)"]),
    # MOD (and %) of one type has it, of an INTEGER an INTEGER.
    ("select mod(pricepaid, commission) / 3, (n % 3) / 2.0 from sales",
     ["DECIMAL(19, 13)", "DECIMAL(15, 4)"]),
    # SIGN of a DECIMAL is DECIMAL(1,0); FLOOR and CEIL of one have scale 0.
    ("select sign(pricepaid) / 3, sum(floor(pricepaid)) / count(*), sum(ceil(pricepaid)) / 2 "
     "from sales", ["DECIMAL(12, 11)", "DECIMAL(38, 4)", "DECIMAL(38, 4)"]),
    # Windows whose value is a row's value of their argument, and AVG as a window.
    ("select lag(pricepaid) over (order by n) / 3, lead(pricepaid, 1) over (order by n) / 3, "
     "first_value(pricepaid ignore nulls) over (order by n rows unbounded preceding) / 3, "
     "nth_value(pricepaid, 2) over (order by n rows unbounded preceding) / 3 from sales",
     ["DECIMAL(19, 13)"] * 4),
    ("select avg(pricepaid) over () / 3, pricepaid / avg(n) over (), "
     "avg(sum(pricepaid)) over () / 3 from sales group by pricepaid",
     ["DECIMAL(38, 4)", "DECIMAL(28, 22)", "DECIMAL(38, 4)"]),
    # ROW_NUMBER, DENSE_RANK and NTILE are BIGINTs, RANK an INTEGER.
    ("select pricepaid / row_number() over (), pricepaid / dense_rank() over (order by n), "
     "pricepaid / ntile(2) over (order by n), pricepaid / rank() over (order by n) from sales",
     ["DECIMAL(28, 22)"] * 3 + ["DECIMAL(19, 13)"]),
    # A SQL UDF's declared result type, found by its schema or the search path.
    ("select f_dec(pricepaid) / 3, public.f_dec(1) / 3, dev.public.f_dec(1) / 3 from sales",
     ["DECIMAL(21, 14)"] * 3),
    # A column a * of a UNION passes on, also through a derived table over it; an alias
    # list over a * reads it by position.
    ("select y / 2.0 from (select * from (select 1 y) a union all select * from (select 2 y) b) w",
     ["DECIMAL(15, 4)"]),
    ("select commission / 3 from (select * from (select * from sales union all "
     "select * from sales) u) v", ["DECIMAL(19, 13)"]),
    ("select b / 2 from (select *, 1.5 from (select 1 k) t) s(a, b)", ["DECIMAL(13, 12)"]),
    ("select pricepaid / 2 from (select s.* from sales s union all "
     "select 1.5, 2, 3, 4, 'x') u", ["DECIMAL(19, 13)"]),
])
def test_types_of_functions(sql: str, types: list[str]) -> None:
    assert _quotient_types(sql, FUNCTIONS_CTX) == types


@pytest.mark.parametrize("sql", [
    # MOD of unlike DECIMALs, FLOOR of one: only their scale is documented.
    "select mod(pricepaid, 2) / 3, floor(pricepaid) / 3 from sales",
    # NVL2 of unlike DECIMALs: "the smallest compatible numeric data type".
    "select nvl2(n, pricepaid, 1) / 3 from sales",
    # A UDF whose overloads of that many arguments differ, one of another schema, a float.
    "select f_dec(1, 2) / 3, other.f_dec(1) / 3, f_float() / 1.5 from sales",
    # A column of the UNION that is not numeric, or a branch whose columns do not line up.
    "select name / 2.0 from (select * from sales union all select * from sales) u",
    "select q / 2 from (select * from sales union all select 1.5, 2, 3, 4, 'x') u(q)",
])
def test_function_types_not_documented_are_left_to_duckdb(sql: str) -> None:
    assert _quotient_types(sql, FUNCTIONS_CTX) == []


def test_read_function_types() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE main.__ds_functions (schema_name VARCHAR, function_name VARCHAR, "
                "arg_types VARCHAR[], return_type VARCHAR, volatility VARCHAR, body VARCHAR)")
    con.execute("INSERT INTO main.__ds_functions VALUES "
                "('public', 'F_Dec', ['INTEGER'], 'DECIMAL(10,3)', 'STABLE', ''), "
                "('public', 'f_two', ['INTEGER'], 'INTEGER', 'STABLE', ''), "
                "('public', 'f_two', ['VARCHAR'], 'DOUBLE', 'STABLE', ''), "
                "('public', 'f_two', [], 'BIGINT', 'STABLE', ''), "
                "('public', 'f_text', [], 'VARCHAR', 'STABLE', '')")
    assert read_function_types(con) == {
        ("memory", "public", "f_dec"): {1: Number(10, 3, False)},
        ("memory", "public", "f_two"): {1: None, 0: Number(19, 0, True)},
        ("memory", "public", "f_text"): {0: None},
    }


@pytest.mark.parametrize(("sql", "beside"), [
    # An untyped parameter divided by (or dividing) an operand of a known type: noted, so
    # that Bind types it so where no probe query can (a correlated subquery's scope).
    ("select (select $1 / d.p) from (select 2.50::decimal(8,2) as p) d", ((1, "DECIMAL"),)),
    ("select n / ($2), pricepaid / $1 from sales", ((1, "DECIMAL"), (2, "INTEGER"))),
    ("select $1 / 2.5::float8, $1 / $2, $1 / 2 + 1 from sales", ((1, "INTEGER"),)),
])
def test_untyped_parameters_divided_beside_a_type(sql: str, beside: tuple[object, ...]) -> None:
    assert StatementCache().get(sql, CTX)[0].divided_beside == beside
