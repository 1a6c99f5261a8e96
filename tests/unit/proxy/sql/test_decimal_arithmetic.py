"""Redshift's DECIMAL division: the result type rule, and which divisions become exact."""

from __future__ import annotations

import dataclasses
import random
from decimal import ROUND_HALF_UP, Decimal, localcontext

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from catalog.directory import DOUBLE, REAL, Number, read_column_facts
from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache, wide_context
from proxy.sql.transforms.decimal_arithmetic import quotient_type

ALIAS = "__ds_ns__dev"
CTX = Context("ns", "dev", "alice", {"dev": ALIAS}, numeric_columns={
    (ALIAS, "public", "sales"): {
        "pricepaid": Number(8, 2, False), "commission": Number(8, 2, False),
        "qtysold": Number(5, 0, True), "n": Number(10, 0, True),
    },
})


@pytest.mark.parametrize(("operands", "expected"), [
    ((8, 2, 8, 2), (17, 9)),  # the documentation's PRICEPAID / COMMISSION
    ((8, 2, 5, 0), (14, 8)),  # DECIMAL(8,2) / SMALLINT
    ((10, 2, 10, 0), (21, 13)),  # DECIMAL(10,2) / INTEGER
    ((4, 1, 10, 0), (15, 12)),  # 100.0 / 3
    ((19, 0, 19, 0), (38, 19)),  # BIGINT-sized DECIMALs: capped at 38, scale reduced
    ((19, 2, 38, 19), (38, 4)),  # the scale never goes below 4
    ((38, 2, 19, 0), (38, 4)),  # SUM(DECIMAL(p,2)) / COUNT(*)
    ((38, 37, 10, 0), (38, 37)),
    ((5, 4, 1, 0), (7, 6)),
])
def test_quotient_type(operands: tuple[int, int, int, int], expected: tuple[int, int]) -> None:
    assert quotient_type(*operands) == expected


def _run(sql: str, ctx: Context = CTX) -> tuple[str, list[tuple[object, ...]]]:
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.duck_sql is not None
    con = duckdb.connect()
    con.execute("SET integer_division = true")
    macros.install(con)
    return stmt.duck_sql, con.execute(stmt.duck_sql).fetchall()


@pytest.mark.parametrize(("expr", "expected", "type_"), [
    ("10::decimal(10,2) / 3", Decimal("3.3333333333333"), "DECIMAL(21,13)"),
    ("2::decimal(5,0) / -3", Decimal("-0.66666666667"), "DECIMAL(16,11)"),
    ("1::decimal(1,0) / 32::decimal(2,0)", Decimal("0.0313"), "DECIMAL(5,4)"),  # half away
    ("-1::decimal(1,0) / 32::decimal(2,0)", Decimal("-0.0313"), "DECIMAL(5,4)"),
    ("100.0 / 3", Decimal("33.333333333333"), "DECIMAL(15,12)"),
    ("1::numeric / 3", Decimal("0.33333333333"), "DECIMAL(29,11)"),  # bare NUMERIC: (18,0)
    ("(1.0 + 2.50) / 2::smallint", Decimal("1.75000000"), "DECIMAL(10,8)"),
    ("1::decimal(19,2) / (7::decimal(19,0) / 3::decimal(19,0))", Decimal("0.4286"),
     "DECIMAL(38,4)"),
    ("1.5 / null::int", None, "DECIMAL(13,12)"),
    # Divisions of divisions: each operand named once, so DuckDB binds them in well under a
    # second (named in full, two levels took 40 s and each level five times as long).
    ("1::decimal(19,2) / (1::decimal(19,2) / (7::decimal(19,0) / 3::decimal(19,0)))",
     Decimal("2.33317778814745684"), "DECIMAL(38,17)"),
    ("((1.5 / 7) / 3) / 11", Decimal("0.0064935064935151515151518181818182"),
     "DECIMAL(35,34)"),
])
def test_exact_division(expr: str, expected: object, type_: str) -> None:
    _, rows = _run(f"select {expr}, typeof({expr})")
    assert rows == [(expected, type_)]


@pytest.mark.parametrize("expr", [
    "1::decimal(10,2) / (1::decimal(10,2) / 0::decimal(5,0))",
    "1::decimal(10,2) / (0::decimal(10,2) / 7::decimal(5,0))",
])
def test_nested_division_by_zero(expr: str) -> None:
    with pytest.raises(duckdb.Error, match="division by zero"):
        _run(f"select {expr}")


@pytest.mark.parametrize("expr", [
    "7 / 2",  # integers divide as integers
    "1.5 / 2::float8",  # a floating-point operand keeps DuckDB's division
    "1.5 / 2e0",
    "x / 2.0",  # a derived table's column whose type is not shown
])
def test_other_divisions_are_left_to_duckdb(expr: str) -> None:
    sql, _ = _run(f"select {expr} from (select random() as x) t")
    assert macros.DIVIDE not in sql


def test_catalog_columns_are_typed() -> None:
    stmt = StatementCache().get(
        "select pricepaid / commission, s.commission / s.qtysold, n / 2, sum(pricepaid) / "
        "count(*) from sales s group by 1, 2, 3", CTX)[0]
    assert stmt.duck_sql is not None
    # n / 2 stays an integer division.
    assert stmt.duck_sql.count(macros.DIVIDE) == 3
    for type_ in ("DECIMAL(17, 9)", "DECIMAL(14, 8)", "DECIMAL(38, 4)"):
        assert f"AS {type_})" in stmt.duck_sql


def test_zero_divisor_raises() -> None:
    with pytest.raises(duckdb.InvalidInputException, match="division by zero"):
        _run("select 1.5 / x from (select 0 as x) t")


def test_read_column_facts() -> None:
    con = duckdb.connect()
    con.execute("CREATE TABLE t (a SMALLINT, b INTEGER, c BIGINT, d DECIMAL(12, 3), "
                "e DOUBLE, f VARCHAR, g JSON, h REAL)")
    supers, numbers, _, _, ordered = read_column_facts(con, None)
    assert supers == {("memory", "main", "t"): {"g": 6}}
    assert ordered == {("memory", "main", "t"): tuple("abcdefgh")}
    assert numbers == {("memory", "main", "t"): {
        "a": Number(5, 0, True), "b": Number(10, 0, True), "c": Number(19, 0, True),
        "d": Number(12, 3, False), "e": DOUBLE, "h": REAL,
    }}


@pytest.mark.parametrize(("sql", "type_"), [
    ("select 9.9::decimal(2,1) * 9.9::decimal(2,1)", "DECIMAL(5,2)"),  # Redshift: p1 + p2 + 1
    ("select 2::decimal(8,2) * 3 as x", "DECIMAL(19,2)"),  # INTEGER as DECIMAL(10,0)
    ("select 1::decimal(30,2) * 1::decimal(8,2)", "DECIMAL(38,4)"),  # capped, as DuckDB's
    ("select * from (select 9.9::decimal(2,1) * 9.9::decimal(2,1)) t", "DECIMAL(4,2)"),
])
def test_products_shown_get_redshift_precision(sql: str, type_: str) -> None:
    duck_sql, _ = _run(sql)
    con = duckdb.connect()
    assert con.execute(f"select typeof(x) from ({duck_sql}) r(x)").fetchall() == [(type_,)]


def _quotient_types(sql: str, ctx: Context = CTX) -> list[str]:
    """The types of the exact divisions translation made of ``sql``, outermost first."""
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.duck_sql is not None
    tree = sqlglot.parse_one(stmt.duck_sql, read="duckdb")
    return [node.to.sql("duckdb") for node in tree.find_all(exp.Cast)
            if isinstance(node.this, exp.Anonymous | exp.Dot)
            and macros.DIVIDE in node.this.sql("duckdb")
            and node.to.this == exp.DataType.Type.DECIMAL]


@pytest.mark.parametrize(("sql", "types"), [
    # s is the derived table outside, the catalog's sales inside: its pricepaid is
    # DECIMAL(8,2) * DECIMAL(2,1), DECIMAL(11,3); unqualified, the same.
    ("select s.pricepaid / 3 from (select pricepaid * 1.5 as pricepaid from sales s) s",
     ["DECIMAL(22, 14)"]),
    ("select pricepaid / 3 from (select pricepaid * 1.5 as pricepaid from sales) s",
     ["DECIMAL(22, 14)"]),
    # One alias for two tables in two scopes: each name is read in its own (other's
    # pricepaid is an integer there, whose division stays an integer's).
    ("select x.pricepaid / 3 from sales x where exists (select 1 from other x "
     "where x.pricepaid / 3 > 1)", ["DECIMAL(19, 13)"]),
    # A correlated name is read in the enclosing scope.
    ("select (select max(pricepaid / 3) from other o where o.pricepaid = s.n) from sales s",
     []),
    ("select (select max(s.pricepaid) / 3 from other o) from sales s", ["DECIMAL(19, 13)"]),
])
def test_names_are_read_in_their_scope(sql: str, types: list[str]) -> None:
    ctx = Context("ns", "dev", "alice", {"dev": ALIAS}, numeric_columns={
        **CTX.numeric_columns, (ALIAS, "public", "other"): {"pricepaid": Number(4, 0, True)}})
    assert _quotient_types(sql, ctx) == types


def test_quotients_match_exact_arithmetic() -> None:
    """Random operands of every width (the BIGINT, the HUGEINT and the once-per-group way),
    and ties, against Python's exact decimal arithmetic rounded half away from zero."""
    rnd = random.Random(5)
    con = duckdb.connect()
    con.execute("SET integer_division = true")
    macros.install(con)
    checked = 0
    with localcontext() as exact:
        exact.prec = 100
        for case in range(240):
            p1, p2 = rnd.randint(1, 38), rnd.randint(1, 38)
            s1, s2 = rnd.randint(0, p1), rnd.randint(0, p2)
            p, s = quotient_type(p1, s1, p2, s2)
            b = Decimal(rnd.randint(1, 10 ** rnd.randint(1, p2) - 1)).scaleb(-s2)
            if case % 3 == 0:  # an odd number of half units of the quotient's last digit
                a = Decimal(2 * rnd.randint(0, 10 ** 6) + 1) * Decimal(1).scaleb(-s) / 2 * b
            else:
                a = Decimal(rnd.randint(0, 10 ** rnd.randint(1, p1) - 1)).scaleb(-s1)
            a, b = a * rnd.choice([1, -1]), b * rnd.choice([1, -1])
            if a != a.quantize(Decimal(1).scaleb(-s1)) or abs(a) >= Decimal(10) ** (p1 - s1):
                continue
            expected = (a / b).quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_UP)
            if abs(expected) >= Decimal(10) ** (p - s) or p1 - s1 + s2 + s > 38:
                continue  # overflows (22003), as in Redshift
            a_sql, b_sql = f"cast('{a:f}' as decimal({p1},{s1}))", \
                f"cast('{b:f}' as decimal({p2},{s2}))"
            # Row by row, and once per group (DIVIDE_ONCE past 18 digits).
            for sql in (f"select {a_sql} / {b_sql}", f"select max({a_sql}) / min({b_sql})"):
                duck_sql = StatementCache().get(sql, CTX)[0].duck_sql
                assert duck_sql is not None
                assert con.execute(duck_sql).fetchall() == [(expected,)], sql
            checked += 1
    assert checked > 100


_WIDE = "pricepaid::decimal(12,2) / commission::decimal(10,3)"  # its digits pass a BIGINT


@pytest.mark.parametrize(("sql", "exact"), [
    # In an aggregate's or window's argument and a result column DuckDB computes each
    # mention of the shared form's parts once.
    (f"select sum({_WIDE}) from sales", True),
    (f"select sum({_WIDE}) over () from sales", True),
    (f"select n, avg({_WIDE}) from sales group by n having sum({_WIDE}) > 2", True),
    (f"select {_WIDE} from sales", True),
    # In a condition, or a CASE's branch inside an aggregate, it computes them apart.
    (f"select pricepaid from sales where {_WIDE} > 2", False),
    (f"select n from sales group by n having max(n) > {_WIDE}", False),
    (f"select sum(case when n > 0 then {_WIDE} end) from sales", False),
    # DECIMAL(8,2) / DECIMAL(8,2) is a DECIMAL(17, 9), done in BIGINT: exact everywhere.
    ("select sum(pricepaid / commission) from sales", True),
    ("select pricepaid from sales where pricepaid / commission > 2", True),
])
def test_wide_division_stays_duckdbs_in_conditions(sql: str, exact: bool) -> None:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    assert (macros.DIVIDE in stmt.duck_sql) is exact


@pytest.mark.parametrize(("sql", "macro"), [
    (f"select sum({_WIDE}) from sales", macros.DIVIDE_SHARED),
    # A CASE's first condition is computed for every row, its branches only for some, where
    # DuckDB shares no mention: there the quotient is named once, inside a lambda.
    (f"select max(case when {_WIDE} > 1 then 1 else 0 end) from sales", macros.DIVIDE_SHARED),
    (f"select case when n > 0 then {_WIDE} end from sales", macros.DIVIDE_NESTED),
    (f"select n > 0 and {_WIDE} > 1 from sales", macros.DIVIDE_NESTED),
    (f"select {_WIDE} > 1 or n > 0 from sales", macros.DIVIDE_SHARED),
    # A searched CASE's branch dividing columns: a first condition names the estimate.
    ("select sum(case when b <> 0 then a / b else 0 end) from wide", macros.DIVIDE_SHARED),
    ("select case when b = 0 then 0 when a > 0 then a / b end from wide", macros.DIVIDE_SHARED),
    ("select case when b <> 0 then a / (b) end from wide", macros.DIVIDE_SHARED),
    # Not an AND's later operand, nor a simple CASE's branch.
    ("select b <> 0 and a / b > 1 from wide", macros.DIVIDE_NESTED),
    ("select case b when 0 then 0 else a / b end from wide", macros.DIVIDE_NESTED),
])
def test_wide_division_form_by_position(sql: str, macro: str) -> None:
    ctx = dataclasses.replace(CTX, numeric_columns={**CTX.numeric_columns, (
        ALIAS, "public", "wide"): {"a": Number(18, 2, False), "b": Number(18, 2, False)}})
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.duck_sql is not None
    assert f"{macro}(" in stmt.duck_sql
    assert ("ISNAN(" in stmt.duck_sql) is (macro == macros.DIVIDE_SHARED and "wide" in sql)


def test_shared_quotients_match_exact_arithmetic() -> None:
    """Many rows of wide quotients (ties among them) in a result column, SUM's argument and a
    window's against Python's exact arithmetic rounded half away from zero, and against
    HUGEINT division (``DIVIDE_ONCE``, a group's quotient)."""
    rnd = random.Random(11)
    con = duckdb.connect()
    con.execute("SET integer_division = true")
    macros.install(con)
    for p1, s1, p2, s2 in ((18, 2, 18, 2), (12, 2, 10, 3), (18, 0, 18, 9), (30, 4, 18, 2),
                           (15, 6, 38, 10), (25, 10, 5, 0), (36, 2, 19, 0)):
        p, s = quotient_type(p1, s1, p2, s2)
        rows = []
        with localcontext() as exact:
            exact.prec = 100
            for i in range(300):
                b = Decimal(rnd.randint(1, 10 ** rnd.randint(1, p2) - 1)).scaleb(-s2)
                a = Decimal(rnd.randint(0, 10 ** rnd.randint(1, p1) - 1)).scaleb(-s1)
                # A tie (an odd number of half units of the quotient's last digit) where the
                # dividend's scale holds it, a divisor's digits a multiple of 2 * 10^e (only
                # where 38 digits cut the quotient's scale).
                e = s + s2 - s1
                if i % 3 == 0 and e < p2 - 1:
                    b = Decimal(2 * 10 ** e * rnd.randint(1, 10 ** (p2 - e - 1) // 2)).scaleb(-s2)
                    a = Decimal(2 * rnd.randint(0, 10 ** 5) + 1) * Decimal(1).scaleb(-s) / 2 * b
                a, b = a * rnd.choice([1, -1]), b * rnd.choice([1, -1])
                q = (a / b).quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_UP)
                if abs(a) < Decimal(10) ** (p1 - s1) and abs(q) < Decimal(10) ** (p - s) \
                        and p1 - s1 + s2 + s <= 38:
                    rows.append((i, a, b, q))
            total = sum(q for *_, q in rows)
        con.execute("create or replace table w (i int, a varchar, b varchar)")
        con.executemany("insert into w values (?, ?, ?)",
                        [(i, f"{a:f}", f"{b:f}") for i, a, b, _ in rows])
        div = f"a::decimal({p1},{s1}) / b::decimal({p2},{s2})"
        expected = {i: q for i, _, _, q in rows}
        for sql, answer in (
                (f"select i, {div} from w", expected),
                (f"select i, max({div}) from w group by i", expected),
                (f"select i, sum({div}) over (partition by i) from w", expected),
                (f"select 0, sum({div}) from w", {0: total}),
                # In a CASE's branch: the estimate named in a first condition (``_hoist``).
                (f"select i, case when b <> 0 then a / b end from (select i, "
                 f"a::decimal({p1},{s1}) a, b::decimal({p2},{s2}) b from w) t", expected),
                (f"select i, sum(case when b = 0 then null else a / b end) from (select i, "
                 f"a::decimal({p1},{s1}) a, b::decimal({p2},{s2}) b from w) t group by i",
                 expected),
                # One row a group: the HUGEINT division of the group's values.
                (f"select i, max(a::decimal({p1},{s1})) / min(b::decimal({p2},{s2})) from w "
                 "group by i", expected)):
            duck_sql = StatementCache().get(sql, CTX)[0].duck_sql
            assert duck_sql is not None
            assert dict(con.execute(duck_sql).fetchall()) == answer, sql
        assert len(rows) > 150


def test_shared_division_by_zero() -> None:
    con = duckdb.connect()
    con.execute("SET integer_division = true")
    macros.install(con)
    sql = ("select sum(a / b) from (select 1.5::decimal(18,2) a, x::decimal(18,2) b "
           "from (values (1), (0), (2)) v(x)) s")
    duck_sql = StatementCache().get(sql, CTX)[0].duck_sql
    assert duck_sql is not None and macros.DIVIDE_SHARED in duck_sql
    with pytest.raises(duckdb.Error, match="division by zero"):
        con.execute(duck_sql).fetchall()


@pytest.mark.parametrize(("sql", "types"), [
    # A derived table's column is typed by its defining expression.
    ("select a / b from (select sum(pricepaid) a, count(*) b from sales) s",
     ["DECIMAL(38, 4)"]),
    ("select s.a / 3 from (select sum(pricepaid) a from sales) s", ["DECIMAL(38, 4)"]),
    # Its names may come from the alias's column list.
    ("select b / a from (select sum(pricepaid), count(*) from sales) s(b, a)",
     ["DECIMAL(38, 4)"]),
    # Through nested derived tables, and a CTE's column (by name and by qualifier).
    ("select q / 2 from (select p q from (select pricepaid p from sales) i) o",
     ["DECIMAL(19, 13)"]),
    ("with s as (select sum(pricepaid) a, count(*) b from sales) select a / b, s.a / 3 from s",
     ["DECIMAL(38, 4)", "DECIMAL(38, 4)"]),
    # A CTE sees the CTEs before it.
    ("with s as (select pricepaid p from sales), t as (select p * 2 d from s) select d / 2 "
     "from t", ["DECIMAL(30, 13)"]),
    # UNION branches: DECIMAL(8,2) with DECIMAL(2,1) is DECIMAL(8,2), Redshift's set rule.
    ("select x / 3 from (select pricepaid x from sales union all select 1.5) u",
     ["DECIMAL(19, 13)"]),
    # CASE and COALESCE/NVL of a DECIMAL and an INTEGER: DECIMAL(12,2).
    ("select case when n > 1 then pricepaid else 0 end / 3 from sales", ["DECIMAL(23, 13)"]),
    ("select coalesce(pricepaid, 0) / 3, nvl(pricepaid, commission) / 3 from sales",
     ["DECIMAL(23, 13)", "DECIMAL(19, 13)"]),
    # Past 19 digits the set rule's precision is not taken: only SUM/AVG of it are typed.
    ("select sum(case when n > 1 then pricepaid * commission else 0 end) / count(*) "
     "from sales", ["DECIMAL(38, 4)"]),
    # ROUND and TRUNC to n places: SUM of them is DECIMAL(38, n).
    ("select sum(round(pricepaid, 1)) / count(*), sum(trunc(pricepaid, 0)) / 2 from sales",
     ["DECIMAL(38, 4)", "DECIMAL(38, 4)"]),
    ("select abs(pricepaid) / 3, convert(decimal(10,2), n) / 3 from sales",
     ["DECIMAL(19, 13)", "DECIMAL(21, 13)"]),
    # Through a * (or t.*) of a derived table or CTE, beside columns written out.
    ("with base as (select * from sales where n > 0) select sum(pricepaid) / count(*) "
     "from base", ["DECIMAL(38, 4)"]),
    ("select x / 2, commission / 2 from (select s.*, 1.5 x from sales s) t",
     ["DECIMAL(13, 12)", "DECIMAL(19, 13)"]),
    # UPDATE's, DELETE's and MERGE's relations are scopes too.
    ("update sales set pricepaid = pricepaid / 3", ["DECIMAL(19, 13)"]),
    ("update sales set commission = s.p / 3 from (select n, pricepaid p from sales) s "
     "where s.n = sales.n", ["DECIMAL(19, 13)"]),
    ("merge into sales using (select 1 n, 2.5 x) o on sales.n = o.n "
     "when matched then update set pricepaid = o.x / 3", ["DECIMAL(13, 12)"]),
    # A window's SUM is typed as the aggregate's.
    ("select sum(pricepaid) over () / 3 from sales", ["DECIMAL(38, 4)"]),
])
def test_types_beyond_the_catalog(sql: str, types: list[str]) -> None:
    assert _quotient_types(sql) == types


@pytest.mark.parametrize("sql", [
    # A recursive CTE's column is not typed from itself.
    "with recursive r(k) as (select 1.5 union all select k + 1 from r where k < 3) "
    "select k / 2 from r",
    # Branches that disagree in kind, or one not typed.
    "select x / 3 from (select pricepaid x from sales union all select 1.5::float) u",
    "select case when n > 1 then pricepaid else random() end / 3 from sales",
    # ROUND's precision is not documented; a quotient's type needs the divisor's.
    "select round(pricepaid, 1) / 3, 3 / round(pricepaid, 1) from sales",
    # A name two sources have is ambiguous, as one a * passes on beside one written out.
    "select pricepaid / 2 from (select s.*, 1.5 pricepaid from sales s) t",
    "select p / 2 from (select pricepaid p from sales) a, (select commission p from sales) b",
    # A $1 parameter's type is not known when the statement is translated.
    "select pricepaid / $1 from sales",
])
def test_types_not_shown_are_left_to_duckdb(sql: str) -> None:
    assert _quotient_types(sql) == []


@pytest.mark.parametrize(("sql", "type_"), [
    # A sum with a product in it is one digit wider than DuckDB's, as the product is.
    ("select 2::decimal(8,2) * 3::decimal(8,2) + 0.5", "DECIMAL(18,4)"),
    ("select 1.5 - 9.9::decimal(2,1) * 9.9::decimal(2,1)", "DECIMAL(6,2)"),
])
def test_sums_of_products_shown_get_redshift_precision(sql: str, type_: str) -> None:
    duck_sql, _ = _run(sql)
    con = duckdb.connect()
    assert con.execute(f"select typeof(x) from ({duck_sql}) r(x)").fetchall() == [(type_,)]


@pytest.mark.parametrize(("sql", "once"), [
    # One row, or the statement's own groups: HUGEINT division, whose SQL DuckDB plans in
    # milliseconds (the DOUBLE PRECISION estimates' in 30 ms to 0.4 s).
    ("select sum(pricepaid) / count(*) from sales", True),
    ("select n, sum(pricepaid) / sum(commission) from sales group by n", True),
    ("select avg(pricepaid) / max(n) from sales", True),
    # Row by row, a window's, or groups of a derived table (maybe many): the estimates.
    ("select pricepaid / n from sales", False),
    ("select sum(pricepaid) over () / count(*) over () from sales", False),
    ("select pricepaid / sum(pricepaid) over () from sales", False),
    ("select * from (select n, sum(pricepaid) / count(*) q from sales group by n) s", False),
    ("select sum(pricepaid) / (select count(*) from sales) from sales", False),
])
def test_divisions_once_per_group(sql: str, once: bool) -> None:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    assert (macros.DIVIDE_ONCE in stmt.duck_sql) is once
    assert macros.DIVIDE in stmt.duck_sql


_NINES = "999999999999999999::decimal(18,0)"


@pytest.mark.parametrize(("sql", "value", "type_"), [
    # DuckDB multiplies DECIMALs of up to 18 digits in BIGINT and fails past 18 digits.
    (f"select {_NINES} * {_NINES}", Decimal("999999999999999998000000000000000001"),
     "DECIMAL(37,0)"),
    (f"select {_NINES} * 1000", Decimal("999999999999999999000"), "DECIMAL(29,0)"),
    ("select 12345678.91::decimal(10,2) * 12345678.91::decimal(10,2) + 1",
     Decimal("152415787748819.7881"), "DECIMAL(22,4)"),  # Redshift: max(17, 10) + 1 + 4
])
def test_products_shown_pass_18_digits(sql: str, value: Decimal, type_: str) -> None:
    duck_sql, rows = _run(sql)
    assert rows == [(value,)]
    con = duckdb.connect()
    assert con.execute(f"select typeof(x) from ({duck_sql}) r(x)").fetchall() == [(type_,)]


def test_products_that_fit_18_digits_stay_duckdbs() -> None:
    sql = "select pricepaid * commission, sum(pricepaid * qtysold) from sales group by 1"
    duck_sql = StatementCache().get(sql, CTX)[0].duck_sql
    assert duck_sql is not None and "TRY" not in duck_sql and "19," not in duck_sql


def test_products_of_operands_without_bounds_run_wide() -> None:
    # DECIMAL(18,6) values of 1,000 multiply past 18 digits in BIGINT; a derived table's
    # columns have no statistics to show they fit, so the server runs the wide form
    # (``proxy.sql.product_bounds``), which answers Redshift's value.
    sql = ("select sum(a * b), count(*) from (select 1000::decimal(18,6) as a, "
           "1000::decimal(18,6) as b) t where a * b > 0")
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.narrow_products and stmt.product_bounds is None
    wide_ctx = wide_context(stmt, CTX)
    assert wide_ctx is not None
    wide = StatementCache().get(sql, wide_ctx)[0]
    assert wide.duck_sql is not None and wide.wide_products and not wide.narrow_products
    con = duckdb.connect()
    macros.install(con)
    assert con.execute(wide.duck_sql).fetchall() == [(Decimal("1000000.000000000000"), 1)]


WIDE_SUM = ("select sum(x * x), count(*) from (select 999999999999999999::decimal(18,0) as x) t "
            "where x * x > 0")


def test_the_wide_form_multiplies_every_product_past_18_digits_in_hugeint() -> None:
    # The translation run first keeps DuckDB's BIGINT product inside SUM and WHERE, which
    # fails; the wide form, run again by the server, answers Redshift's value.
    stmt = StatementCache().get(WIDE_SUM, CTX)[0]
    con = duckdb.connect()
    macros.install(con)
    assert stmt.duck_sql is not None
    with pytest.raises(duckdb.OutOfRangeException, match="multiplication of DECIMAL"):
        con.execute(stmt.duck_sql).fetchall()
    assert stmt.narrow_products
    wide_ctx = wide_context(stmt, CTX)
    assert wide_ctx is not None
    wide = StatementCache().get(WIDE_SUM, wide_ctx)[0]
    assert wide.duck_sql is not None and not wide.narrow_products
    assert con.execute(wide.duck_sql).fetchall() == [
        (Decimal("999999999999999998000000000000000001"), 1)]


@pytest.mark.parametrize("sql", [
    "select sum(pricepaid * commission) from sales",  # no product passes 18 digits
    "insert into sales (n) select 1",
    "create view v as select count(*) from sales where pricepaid * 1000000000000.00 > 0",
])
def test_no_wide_form(sql: str) -> None:
    assert wide_context(StatementCache().get(sql, CTX)[0], CTX) is None


def test_a_write_has_a_wide_form() -> None:
    # Outside a block DuckDB rolled the failed write back whole, so it may run again.
    sql = "insert into sales (n) select count(*) from sales where pricepaid * 1000000000000.00 > 0"
    assert wide_context(StatementCache().get(sql, CTX)[0], CTX) is not None

