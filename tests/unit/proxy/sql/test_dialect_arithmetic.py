"""Division by zero raises, in the generated DuckDB SQL, for every numeric type; DOUBLE
PRECISION arithmetic, EXP and POWER raise where PostgreSQL's do."""

from __future__ import annotations

from dataclasses import replace

import duckdb
import pytest

from catalog.directory import DOUBLE, REAL, Number
from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from proxy.sql.transforms.arithmetic import DIVISION_BY_ZERO

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def run(sql: str) -> list[tuple[object, ...]]:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    con = duckdb.connect()
    macros.install(con)
    con.execute("SET integer_division = true")
    macros.install(con)  # a DECIMAL division is the engine's macro
    return con.execute(stmt.duck_sql).fetchall()


@pytest.mark.parametrize(
    "expr", ["1 / 0", "1.5 / 0", "1::float8 / 0", "7 % 0", "x / (x - 1)", "1 / -0"]
)
def test_zero_divisor_raises(expr: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match=DIVISION_BY_ZERO):
        run(f"select {expr} from (select 1 as x) t")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [("7 / 2", 3), ("-7 / 2", -3), ("7 % 3", 1), ("7 / null::int", None), ("x / 2", 0)],
)
def test_other_divisors_are_untouched(expr: str, expected: object) -> None:
    assert run(f"select {expr} from (select 1 as x) t") == [(expected,)]


def test_literal_divisors_are_not_wrapped() -> None:
    stmt = StatementCache().get("select x / 2, x % 3 from t", CTX)[0]
    assert stmt.duck_sql is not None
    assert "error(" not in stmt.duck_sql.lower()


@pytest.mark.parametrize(
    ("expr", "message"),
    [
        ("1e300::float8 * 1e300", "overflow"),
        ("x::float8 * 1e300 * 1e300", "overflow"),
        ("-(1e308::float8) - 1e308", "overflow"),
        ("1e-300::float8 * 1e-300", "underflow"),
        ("1e300::float8 / 1e-300", "overflow"),
        ("exp(1000)", "overflow"),
        ("exp(-1000)", "underflow"),
        ("power(10, 400)", "overflow"),
        ("2 ^ -2000", "underflow"),
        ("power(0, -1)", "zero raised to a negative power is undefined"),
        ("power(-8, 0.5)", "a negative number raised to a non-integer power"),
    ],
)
def test_floating_point_errors(expr: str, message: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match=message):
        run(f"select {expr} from (select 1 as x) t")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("2::float8 * 3", 6.0), ("exp(0)", 1.0), ("power(2, 10)", 1024.0),
        ("'inf'::float8 * 2", float("inf")), ("1e-300::float8 * 0", 0.0),
        ("null::float8 * 2", None), ("x % -1", 0), ("(-2147483648)::int % -1", 0),
        ("x % (x - 2)", 0),
    ],
)
def test_floating_point_and_modulo_answers(expr: str, expected: object) -> None:
    assert run(f"select {expr} from (select 1 as x) t") == [(expected,)]


def test_arithmetic_without_a_double_cast_is_not_wrapped() -> None:
    stmt = StatementCache().get("select x * 2 + y - z / 3 from t", CTX)[0]
    assert stmt.duck_sql is not None
    assert macros.FLOAT_MUL not in stmt.duck_sql and macros.FLOAT_ADD not in stmt.duck_sql


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("1.5::float8 * interval '1 day'", "1 day, 12:00:00"),
        ("'2024-01-01'::timestamp + 1.5::float8 * interval '1 hour'", "2024-01-01 01:30:00"),
    ],
)
def test_a_float_beside_an_interval_is_not_checked(expr: str, expected: str) -> None:
    assert str(run(f"select {expr}")[0][0]) == expected


@pytest.mark.parametrize(
    ("sql", "wrapped"),
    [
        ("select s::int from t", True),
        ("select cast(upper(s) as bigint) from t", True),
        ("select (s || 'x')::smallint from t", True),
        ("select (x + 1)::int from t", False),
        ("select sum(x)::int from t", False),
        ("select x::decimal(5,2)::int from t", False),
        ("select '12'::int", False),
    ],
)
def test_only_casts_of_what_may_be_a_string_read_text(sql: str, wrapped: bool) -> None:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    names = [name for name, _ in macros.INTEGER_CASTS.values()]
    assert any(name in stmt.duck_sql for name in names) == wrapped


@pytest.mark.parametrize(
    ("value", "expected"), [("'  12  '", 12), ("'+12'", 12), ("'-0'", 0), ("null", None)])
def test_integer_cast_of_text_reads_digits(value: str, expected: int | None) -> None:
    assert run(f"select s::int from (select {value}::varchar as s) t") == [(expected,)]


@pytest.mark.parametrize("value", ["12.5", "1e3", "0x1F", "1_000", "", "12 3"])
def test_integer_cast_of_text_refuses_other_text(value: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match="invalid input syntax for type"):
        run(f"select s::int from (select '{value}'::varchar as s) t")


FLOATS = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"}, numeric_columns={
    ("__ds_ns__dev", "public", "f"): {"d": DOUBLE, "e": DOUBLE, "r": REAL, "s": REAL,
                                       "i": Number(10, 0, True)}})


def run_floats(sql: str) -> list[tuple[object, ...]]:
    stmt = StatementCache().get(sql, FLOATS)[0]
    assert stmt.duck_sql is not None
    con = duckdb.connect()
    macros.install(con)
    con.execute("ATTACH ':memory:' AS __ds_ns__dev")
    con.execute("CREATE SCHEMA __ds_ns__dev.public")
    con.execute("USE __ds_ns__dev.public")
    con.execute("CREATE TABLE f (d DOUBLE, e DOUBLE, r REAL, s REAL, i INTEGER)")
    con.execute("INSERT INTO f VALUES (1e200, 1e-200, 3e38, 1e-30, 1), (2, 3, 2, 3, 2)")
    return con.execute(stmt.duck_sql).fetchall()


@pytest.mark.parametrize(
    ("expr", "message"),
    [("d * d", "overflow"), ("e * e", "underflow"), ("(d * d + 1) / 2", "overflow"),
     ("d / (e * e)", "underflow"), ("r * r", "overflow"), ("s * s", "underflow"),
     ("abs(d * d) + 1", "overflow"), ("i % (d * d)", "overflow")],
)
def test_float_columns_overflow(expr: str, message: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match=message):
        run_floats(f"select {expr} from f where i = 1")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [("d * e", 6.0), ("r * s", 6.0), ("d / (i - 1)", 2.0), ("r * 2", 4.0), ("d * 0", 0.0)],
)
def test_float_columns_answer(expr: str, expected: float) -> None:
    assert run_floats(f"select {expr} from f where i = 2") == [(expected,)]


def test_a_real_beside_another_number_is_double_precision() -> None:
    # REAL * INTEGER is DOUBLE PRECISION in Redshift (DuckDB computes it in REAL).
    assert run_floats("select typeof(r * 2), typeof(r * s) from f where i = 1") == [
        ("DOUBLE", "FLOAT")]


@pytest.mark.parametrize(
    ("expr", "message"),
    [("ln(d) * 1e308", "overflow"), ("sin(d) * d * d", "overflow"),
     ("cbrt(d) * 1e300", "overflow"), ("degrees(d) * 1e200", "overflow"),
     ("floor(d) * d", "overflow"), ("coalesce(d, 0) * d", "overflow"),
     ("case when i = 1 then d end * d", "overflow"), ("greatest(d, e) * d", "overflow"),
     ("coalesce(r, 0) * 1e300 * 1e10", "overflow"), ("sin(e) * e", "underflow"),
     ("degrees(1e308::float8)", "overflow"), ("radians(1e-323::float8)", "underflow")],
)
def test_float_functions_overflow(expr: str, message: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match=message):
        run_floats(f"select {expr} from f where i = 1")


@pytest.mark.parametrize(
    ("expr", "expected"),
    [("ln(d) * 2", 1.3862943611198906), ("cbrt(8::float8) * 2", 4.0),
     ("degrees(pi()) / 2", 90.0), ("coalesce(d, 0) * 2", 4.0), ("nullif(d, 0) * 1e300", 2e300)],
)
def test_float_functions_answer(expr: str, expected: float) -> None:
    assert run_floats(f"select {expr} from f where i = 2") == [(expected,)]


def test_a_math_function_of_a_column_keeps_the_unchecked_branch() -> None:
    # Named more than once, DuckDB's own function of a column costs little: rows whose value
    # shows nothing failed skip the checked macros.
    stmt = StatementCache().get("select ln(d) * 2 from f", FLOATS)[0]
    assert stmt.duck_sql is not None
    assert "ISFINITE" in stmt.duck_sql.upper() and macros.FLOAT_MUL in stmt.duck_sql


def test_a_float_tree_with_a_subquery_is_only_checked() -> None:
    stmt = StatementCache().get("select f.d * (select 2.0::float8) from f", FLOATS)[0]
    assert stmt.duck_sql is not None
    assert "ISFINITE" not in stmt.duck_sql.upper() and macros.FLOAT_MUL in stmt.duck_sql


@pytest.mark.parametrize(("expr", "expected"), [
    ("x + '2'", 3), ("5 / '2'", 2), ("'7' % x", 0), ("x * ' -4 '", -4), ("'10' - x", 9),
    ("x::float8 * '2'", 2.0),
])
def test_integer_text_beside_a_number_is_an_integer(expr: str, expected: object) -> None:
    # PostgreSQL reads the unknown literal as the other operand's type; DuckDB would refuse
    # most of these or divide 5 / '2' in DOUBLE PRECISION.
    assert run(f"select {expr} from (select 1 as x) t") == [(expected,)]


@pytest.mark.parametrize("expr", ["'5' * '2'", "x + '2.5'", "x + '99999999999999999999'",
                                  "'1 day' + x"])
def test_other_text_is_left_as_written(expr: str) -> None:
    stmt = StatementCache().get(f"select {expr} from (select 1 as x) t", CTX)[0]
    assert stmt.duck_sql is not None and "'" in stmt.duck_sql.split("FROM")[0]


@pytest.mark.parametrize("sql", [
    # Two rows of 1e308 (f joined with itself): finite values whose total overflows.
    "select sum(f.d * 1e108) from f, f g",
    "select avg(f.d * 1e108) from f, f g",
    "select sum(f.d * 1e108) over (order by f.i rows unbounded preceding) from f, f g",
    "select sum(f.d * 1e108) filter (where f.i > 0) from f, f g",
    "select sum(distinct f.d * 1.7e108 / g.i) from f, f g",
    "select sum(r) * 1e300 from f",
    # A derived table's, a CTE's and SQRT's floating point value.
    "select y * 1e200 from (select d y from f) t",
    "with c as (select d * 2 y from f) select y * 1e200 from c",
    "select y * 1e200 from (select d y from f union all select 1) t",
    "select sqrt(d) * 1e300 from f",
])
def test_float_totals_and_values_translation_types_overflow(sql: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match="value out of range: overflow"):
        run_floats(sql)


@pytest.mark.parametrize(("sql", "expected"), [
    ("select sum(d), avg(e) from f where i = 2", [(2.0, 3.0)]),
    ("select sum(d) from f where i > 5", [(None,)]),
    # An infinite value sums to infinity: no finite values overflowed.
    ("select sum(d * 'Infinity'::float8) from f", [(float("inf"),)]),
    ("select y * 2 from (select d y from f where i = 2) t", [(4.0,)]),
])
def test_float_totals_answer(sql: str, expected: list[tuple[object, ...]]) -> None:
    assert run_floats(sql) == expected


def test_a_float_total_checks_only_its_final_value() -> None:
    stmt = StatementCache().get("select sum(d) from f", FLOATS)[0]
    assert stmt.duck_sql is not None
    assert macros.FLOAT_TOTAL in stmt.duck_sql and "ISFINITE" not in stmt.duck_sql.upper()


@pytest.mark.parametrize("sql", [
    "select x * 10 from (values (1e308::float8)) v(x)",
    "select x * 10 from (values (1), (1e308::float8)) v(x)",
    "select x * y from (values (1e200::float8, 1e200::float8)) v(x, y)",
])
def test_a_values_lists_float_column_overflows(sql: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match="value out of range: overflow"):
        run(sql)


@pytest.mark.parametrize(("params", "checked"), [
    ((), False), (((1, "DOUBLE"),), True), (((2, "FLOAT"),), False),
    (((1, "DECIMAL(4,2)"),), False),  # a DECIMAL one is exact, never a float
])
def test_a_parameter_bound_as_a_float_is_checked(
        params: tuple[tuple[int, str], ...], checked: bool) -> None:
    # The extended protocol translates again with the types the client (or inference) gave.
    ctx = replace(CTX, param_types=params)
    stmt = StatementCache().get("select $1 * 10, $2 || 'x'", ctx)[0]
    assert stmt.duck_sql is not None
    assert ("ISFINITE" in stmt.duck_sql.upper()) is checked
    con = duckdb.connect()
    macros.install(con)
    if checked:
        with pytest.raises(duckdb.InvalidInputException, match="value out of range: overflow"):
            con.execute(stmt.duck_sql, [1e308, "a"]).fetchall()
        assert con.execute(stmt.duck_sql, [2.5, "a"]).fetchall() == [(25.0, "ax")]


@pytest.mark.parametrize("expr", [
    "(random() + 1) * 1e308 * 10",
    "1e308 / (random() * 1e-10 + 1e-300)",
    "random() * 1e308 * 1e308",
])
def test_random_arithmetic_overflows(expr: str) -> None:
    with pytest.raises(duckdb.InvalidInputException, match="value out of range: overflow"):
        run(f"select {expr}")


@pytest.mark.parametrize(("expr", "checked"), [
    ("random() * 100", False),  # in [0, 100): cannot fail
    ("100 * random()", False),
    ("random() / 7", False),
    ("random() - 0.5", False),
    ("random() * 1e-305", True),  # may underflow
    ("7 / random()", True),  # may overflow, or divide by zero
    ("random() * x", True),
])
def test_random_beside_a_literal_that_cannot_fail_is_unchecked(expr: str, checked: bool) -> None:
    stmt = StatementCache().get(f"select {expr} from (select 2::float8 as x) t", CTX)[0]
    assert stmt.duck_sql is not None
    assert (macros.FLOAT_MUL in stmt.duck_sql or macros.FLOAT_DIV in stmt.duck_sql) is checked


def test_random_arithmetic_within_range() -> None:
    rows = run("select random() * 100, (random() + 1) * 1e300 from range(100)")
    assert all(0 <= a < 100 and 1e300 <= b < 2e300 for a, b in rows)
