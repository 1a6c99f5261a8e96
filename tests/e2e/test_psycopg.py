"""psycopg 3 against the server: types, binary cursors, COPY, transactions, errors, cancel."""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from decimal import Decimal
from typing import Any

import psycopg
import pytest
from psycopg import errors
from psycopg.pq import TransactionStatus
from psycopg.types.json import Json

from tests.e2e.server import RunningServer

UTC = dt.UTC
# hours of work: md5 of every number up to 10**12 (no shortcut like count(*) over range)
LONG_QUERY = "select max(md5(x::varchar)) from range(1000000000000) t(x)"

# (SQL literal with a cast, the Python value psycopg should return)
LITERALS: list[tuple[str, Any]] = [
    ("true::bool", True),
    ("false::boolean", False),
    ("(-32768)::int2", -32768),
    ("2147483647::int4", 2147483647),
    ("(-9223372036854775808)::int8", -9223372036854775808),
    ("1.5::float4", 1.5),
    ("2.25::float8", 2.25),
    ("12345678901234567890.123456789::numeric(38,9)", Decimal("12345678901234567890.123456789")),
    ("(-0.05)::numeric(5,2)", Decimal("-0.05")),
    ("'héllo wörld'::text", "héllo wörld"),
    ("'abc'::varchar(10)", "abc"),
    ("'2024-02-29'::date", dt.date(2024, 2, 29)),
    ("'12:34:56.789'::time", dt.time(12, 34, 56, 789000)),
    ("'2024-01-02 03:04:05.123456'::timestamp", dt.datetime(2024, 1, 2, 3, 4, 5, 123456)),
    ("'2024-01-02 03:04:05+02'::timestamptz", dt.datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)),
    ("'1 day 02:03:04'::interval", dt.timedelta(days=1, hours=2, minutes=3, seconds=4)),
    (
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
        uuid.UUID("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
    ),
    ("'{\"a\": [1, 2]}'::json", {"a": [1, 2]}),
    ("null::int4", None),
    ("null::text", None),
    ("null::timestamp", None),
]

def _literal_params() -> list[Any]:
    return [pytest.param(sql, value, id=sql[:40]) for sql, value in LITERALS]


@pytest.fixture
def conn(server: RunningServer) -> psycopg.Connection[Any]:
    with psycopg.connect(server.dsn, connect_timeout=10) as c:
        yield c


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize(("sql", "expected"), _literal_params())
def test_literal_types(
    conn: psycopg.Connection[Any], sql: str, expected: Any, binary: bool
) -> None:
    row = conn.cursor(binary=binary).execute(f"select {sql}").fetchone()
    assert row is not None
    assert row[0] == expected
    assert type(row[0]) is type(expected)


def test_all_types_in_one_row(conn: psycopg.Connection[Any]) -> None:
    for binary in (False, True):
        cur = conn.cursor(binary=binary)
        row = cur.execute("select " + ", ".join(s for s, _ in LITERALS)).fetchone()
        assert row == tuple(v for _, v in LITERALS)
        assert cur.description is not None
        assert len(cur.description) == len(LITERALS)


def test_result_type_oids(conn: psycopg.Connection[Any]) -> None:
    cur = conn.execute(
        "select 1::int2, 1::int4, 1::int8, 1::float4, 1::float8, 1::numeric(10,2), 'a'::text,"
        " 'a'::varchar(3), current_date, '1:00'::time, '2024-01-01'::timestamp,"
        " '2024-01-01'::timestamptz, '1 day'::interval, true, null::int4"
    )
    assert cur.description is not None
    oids = [d.type_code for d in cur.description]
    assert oids[:4] == [21, 23, 20, 700]
    assert oids[4:6] == [701, 1700]
    assert oids[6] in (25, 1043)
    assert oids[7] == 1043
    assert oids[8:] == [1082, 1083, 1114, 1184, 1186, 16, 23]


def test_column_names_like_postgres(conn: psycopg.Connection[Any]) -> None:
    cur = conn.execute("select 1, 1::int2, count(*) from category")
    assert cur.description is not None
    assert [d.name for d in cur.description] == ["?column?", "int2", "count"]


def test_nested_casts_are_named_as_in_postgres(conn: psycopg.Connection[Any]) -> None:
    # The outer cast names a cast of a cast of a literal; a column or a function names its own.
    cur = conn.execute("select 2::float8::varchar, (1 + 2)::int::text, catid::int::text, "
                       "upper(catname)::text::varchar(5) from category limit 1")
    assert [d.name for d in cur.description or ()] == ["varchar", "text", "catid", "upper"]


@pytest.mark.parametrize(
    ("select_list", "names"),
    [
        # Redshift's documented examples name these columns so.
        ("listagg(catname, ',') within group (order by catname)", ["listagg"]),
        # (Sort-based aggregates of one statement must share their ORDER BY in Redshift.)
        ("median(catid), percentile_cont(0.5) within group (order by catid), "
         "percentile_disc(0.5) within group (order by catid), approximate count(distinct catid)",
         ["median", "percentile_cont", "percentile_disc", "count"]),
        ("nvl(catname, 'x'), coalesce(catname, 'x'), decode(catid, 1, 'one'), len(catname), "
         "position('a' in catname), trim(catname), mod(catid, 2), catid % 2",
         ["coalesce", "coalesce", "case", "len", "position", "btrim", "mod", "?column?"]),
        ("getdate(), sysdate, dateadd(day, 1, '2008-01-01'), datediff(day, '2008-01-01', "
         "'2008-01-02'), convert_timezone('UTC', getdate()), extract(year from getdate()), "
         "date_part(year, getdate())",
         ["getdate", "timestamp", "date_add", "date_diff", "convert_timezone", "date_part",
          "pgdate_part"]),
    ],
)
def test_function_column_names_like_redshift(
    conn: psycopg.Connection[Any], select_list: str, names: list[str]
) -> None:
    cur = conn.execute(f"select {select_list} from category")
    assert cur.description is not None
    assert [d.name for d in cur.description] == names


def test_listagg_window_column_name(conn: psycopg.Connection[Any]) -> None:
    cur = conn.execute("select listagg(catname, ',') within group (order by catname) "
                       "over (partition by catgroup) from category limit 1")
    assert cur.description is not None
    assert [d.name for d in cur.description] == ["listagg"]


def test_comparison_function_takes_a_parameter_as_a_literal(
    conn: psycopg.Connection[Any],
) -> None:
    # An untyped parameter is PostgreSQL's unknown, which takes DATE_CMP's parameter type;
    # a VARCHAR column would not (42883, tests/corpus/functions_more.test).
    row = conn.execute("select date_cmp(%s, date '2008-01-02')", ["2008-01-01"]).fetchone()
    assert row == (-1,)


PARAMS: list[Any] = [
    True,
    False,
    7,
    -(2**40),
    1.5,
    float("inf"),
    Decimal("12345678901234567890.123456789"),
    Decimal("-0.000000001"),
    "héllo",
    "",
    dt.date(2024, 2, 29),
    dt.time(1, 2, 3, 4),
    dt.datetime(2024, 1, 2, 3, 4, 5, 6),
    dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=5, minutes=30))),
    dt.timedelta(days=3, seconds=5, microseconds=7),
    uuid.UUID(int=5),
    None,
]


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
@pytest.mark.parametrize("value", PARAMS, ids=[repr(v)[:30] for v in PARAMS])
def test_parameter_round_trip(conn: psycopg.Connection[Any], value: Any, binary: bool) -> None:
    row = conn.cursor(binary=binary).execute("select %s", (value,)).fetchone()
    assert row is not None
    assert row[0] == value
    if value is not None:
        assert type(row[0]) is type(value)


def test_varbyte_is_redshifts(conn: psycopg.Connection[Any]) -> None:
    # Redshift's VARBYTE has OID 6551, which psycopg has no loader for: text is bare hex,
    # binary the bytes themselves. A bytes parameter (bytea) is a VARBYTE.
    for binary, expected in ((False, "00ff10"), (True, b"\x00\xff\x10")):
        cur = conn.cursor(binary=binary)
        row = cur.execute("select %s, 'abc'::varbyte", (b"\x00\xff\x10",)).fetchone()
        assert row is not None
        assert bytes(row[0]) == expected if binary else row[0] == expected
        assert cur.description is not None and cur.description[0].type_code == 6551


@pytest.mark.parametrize("binary", [False, True], ids=["text", "binary"])
def test_char_column_is_bpchar(conn: psycopg.Connection[Any], binary: bool) -> None:
    # A CHAR(n) column of a table comes back padded, described as character(n): bpchar 1042
    # with typmod n + 4, in text and binary; the table is known once created, even in the
    # transaction that created it.
    table = f"psycopg_char_cols_{'binary' if binary else 'text'}"
    conn.execute(f"create table {table} (id int, code char(4))")
    conn.execute(f"insert into {table} values (1, 'x'), (2, 'x  '), (3, '')")
    cur = conn.cursor(binary=binary)
    rows = cur.execute(f"select code, count(*) from {table} where code <> %s group by code"
                       " order by code", ("y ",)).fetchall()
    assert rows == [("    ", 1), ("x   ", 2)]
    assert cur.description is not None
    assert cur.description[0].type_code == 1042
    assert cur.pgresult is not None and cur.pgresult.fmod(0) == 4 + 4
    conn.commit()
    row = cur.execute(f"select * from {table} where code = 'x' order by id").fetchone()
    assert row == (1, "x   ")


def test_char_columns_of_ddl_earlier_in_the_same_query(conn: psycopg.Connection[Any]) -> None:
    # One simple Query: the statements after CREATE TABLE and ADD COLUMN read the CHAR
    # columns they made, as they would sent one by one.
    conn.autocommit = True
    cur = conn.cursor(binary=False)
    cur.execute("create table psycopg_char_script (c char(3)); "
                "insert into psycopg_char_script values ('a'); "
                "alter table psycopg_char_script add column d char(2) default 'x'; "
                "select c, d, octet_length(c) from psycopg_char_script where d = 'x '")
    for _ in range(3):
        assert cur.nextset()
    assert cur.fetchall() == [("a  ", "x ", 3)]


def test_varchar_compared_without_trailing_blanks(conn: psycopg.Connection[Any]) -> None:
    # A table the open transaction made (the session's own catalog facts) and a parameter
    # bound by the server (psycopg's default): both compare without trailing blanks.
    cur = conn.cursor()
    cur.execute("create table psycopg_varchar_blanks (id int, v varchar(10))")
    cur.execute("insert into psycopg_varchar_blanks values (1, 'ab'), (2, 'ab  '), (3, 'abc')")
    rows = cur.execute("select id from psycopg_varchar_blanks where v = %s order by id",
                       ["ab "]).fetchall()
    assert rows == [(1,), (2,)]
    rows = cur.execute("select id, length(v) from psycopg_varchar_blanks "
                       "where v in ('ab', 'x') order by id").fetchall()
    assert rows == [(1, 2), (2, 4)]
    conn.rollback()


def test_varbyte_copy_is_hex(conn: psycopg.Connection[Any]) -> None:
    # Redshift loads a VARBYTE from CSV as hex, and prints it so.
    conn.autocommit = True
    conn.execute("drop table if exists vb_copy")
    conn.execute("create table vb_copy (id int, b varbyte(4))")
    with conn.cursor().copy("copy vb_copy from stdin with csv") as copy:
        copy.write(b"1,00ff61\n2,\n")
    rows = conn.execute("select id, from_varbyte(b, 'hex') from vb_copy order by id").fetchall()
    assert rows == [(1, "00ff61"), (2, None)]
    out = bytearray()
    with conn.cursor().copy("copy vb_copy to stdout with csv") as copy:
        for data in copy:
            out += data
    assert sorted(bytes(out).splitlines()) == [b"1,00ff61", b"2,"]


def test_json_parameter_with_cast(conn: psycopg.Connection[Any]) -> None:
    row = conn.execute("select %s::json", (Json({"a": [1, None]}),)).fetchone()
    assert row == ({"a": [1, None]},)


def test_json_parameter_keeps_type(conn: psycopg.Connection[Any]) -> None:
    row = conn.execute("select %s", (Json({"a": 1}),)).fetchone()
    assert row == ({"a": 1},)


def test_parameters_in_where(conn: psycopg.Connection[Any]) -> None:
    rows = conn.execute(
        "select catid, catname from category where catid between %s and %s and catgroup = %s"
        " order by catid",
        (1, 5, "Sports"),
    ).fetchall()
    assert rows == [(1, "MLB"), (2, "NHL"), (3, "NFL"), (4, "NBA"), (5, "MLS")]


def test_prepared_after_threshold(conn: psycopg.Connection[Any]) -> None:
    # prepare_threshold=5: the 6th execution uses a named prepared statement
    for i in range(1, 9):
        row = conn.execute("select catname from category where catid = %s", (i,)).fetchone()
        assert row is not None and isinstance(row[0], str)
    row = conn.execute("select count(*) from category where catid > %s", (3,), prepare=True)
    assert row.fetchone() == (8,)


def test_binary_cursor_table(conn: psycopg.Connection[Any]) -> None:
    cur = conn.cursor(binary=True)
    cur.execute(
        "select salesid, pricepaid, saletime, qtysold from sales where salesid <= %s"
        " order by salesid",
        (3,),
    )
    rows = cur.fetchall()
    assert [r[0] for r in rows] == [1, 2, 3]
    assert all(isinstance(r[1], Decimal) for r in rows)
    assert all(isinstance(r[2], dt.datetime) for r in rows)


def test_nulls(conn: psycopg.Connection[Any]) -> None:
    conn.execute("drop table if exists pg3_nulls")
    conn.execute("create table pg3_nulls (a int, b varchar(5), c date, d float8)")
    conn.execute("insert into pg3_nulls values (%s, %s, %s, %s)", (None, None, None, None))
    conn.execute("insert into pg3_nulls values (1, null, '2024-01-01', null)")
    for binary in (False, True):
        rows = conn.cursor(binary=binary).execute("select * from pg3_nulls order by a").fetchall()
        assert rows == [(1, None, dt.date(2024, 1, 1), None), (None, None, None, None)]
    conn.commit()


def test_select_into_and_ctas_report_rows_not_a_result(conn: psycopg.Connection[Any]) -> None:
    for sql in ("select catid into pg3_into from category where catid < 4",
                "create table pg3_ctas as select catid from category where catid < 4"):
        cur = conn.execute(sql)
        assert cur.description is None
        assert cur.statusmessage == "SELECT 3"
    assert conn.execute("select count(*) from pg3_into").fetchone() == (3,)
    conn.rollback()


def test_named_cursor(conn: psycopg.Connection[Any]) -> None:
    """psycopg's server-side cursors: DECLARE, FETCH FORWARD n, CLOSE inside a transaction."""
    with conn.cursor(name="pg3_named") as cur:
        cur.itersize = 1000
        cur.execute("select salesid from sales where salesid < %s order by salesid", (50_001,))
        n = sum(1 for _ in cur)
    assert n == 50_000
    assert conn.execute("select 5").fetchone() == (5,)
    conn.rollback()


def test_sql_cursor_fetch_move_close(conn: psycopg.Connection[Any]) -> None:
    cur = conn.cursor()
    cur.execute("begin")
    cur.execute("declare c1 cursor for select catid from category order by catid")
    cur.execute("fetch 3 from c1")
    assert cur.fetchall() == [(1,), (2,), (3,)]
    assert cur.statusmessage == "FETCH 3"
    cur.execute("move 2 in c1")
    assert cur.statusmessage == "MOVE 2"
    # Another statement on the same session while the cursor is open keeps its rows.
    cur.execute("select count(*) from venue")
    assert cur.fetchone() == (202,)
    cur.execute("fetch all from c1")
    assert [r[0] for r in cur.fetchall()] == list(range(6, 12))
    cur.execute("close c1")
    with pytest.raises(errors.InvalidCursorName):
        cur.execute("fetch 1 from c1")
    conn.rollback()


def test_declare_outside_transaction_needs_hold(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    with pytest.raises(errors.NoActiveSqlTransaction):
        conn.execute("declare c2 cursor for select 1")
    with conn.cursor(name="held", withhold=True) as cur:
        cur.execute("select catname from category order by catid")
        assert cur.fetchmany(2) == [("MLB",), ("NHL",)]
        assert len(cur.fetchall()) == 9


def test_copy_in_out_text(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute("drop table if exists pg3_copy")
    conn.execute("create table pg3_copy (a int, b varchar(20), d date)")
    cur = conn.cursor()
    with cur.copy("copy pg3_copy from stdin") as cp:
        cp.write_row((1, "x y", None))
        cp.write_row((2, "tab\there", dt.date(2024, 1, 1)))
        cp.write_row((3, "back\\slash\nnl", dt.date(2023, 5, 6)))
    assert cur.rowcount == 3
    rows = conn.execute("select * from pg3_copy order by a").fetchall()
    assert rows == [
        (1, "x y", None),
        (2, "tab\there", dt.date(2024, 1, 1)),
        (3, "back\\slash\nnl", dt.date(2023, 5, 6)),
    ]
    with cur.copy("copy (select * from pg3_copy order by a) to stdout") as cp:
        raw = b"".join(bytes(chunk) for chunk in cp)
    assert raw == (b"1\tx y\t\\N\n2\ttab\\there\t2024-01-01\n3\tback\\\\slash\\nnl\t2023-05-06\n")


def test_copy_in_bad_value_names_its_line(conn: psycopg.Connection[Any]) -> None:
    """A value that does not cast fails COPY with its own error, naming line and column."""
    conn.autocommit = True
    conn.execute("drop table if exists pg3_copy_bad")
    conn.execute("create table pg3_copy_bad (a int, b varchar(20))")
    with (
        pytest.raises(psycopg.errors.InvalidTextRepresentation) as info,
        conn.cursor().copy("copy pg3_copy_bad from stdin") as cp,
    ):
        cp.write(b"1\tx\nabc\ty\n")
    assert info.value.diag.context == 'COPY pg3_copy_bad, line 2, column a: "abc"'
    assert conn.execute("select count(*) from pg3_copy_bad").fetchone() == (0,)


def test_copy_out_rows(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    with conn.cursor().copy("copy (select catid from category order by catid) to stdout") as cp:
        rows = list(cp.rows())
    assert rows == [(str(i),) for i in range(1, 12)]


def test_copy_in_out_csv(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute("drop table if exists pg3_copy_csv")
    conn.execute("create table pg3_copy_csv (a int, b varchar(20), d date)")
    with conn.cursor().copy("copy pg3_copy_csv from stdin (format csv, header)") as cp:
        cp.write('a,b,d\n1,"q,""r",2024-02-02\n2,,\n')
        cp.write("3,plain,2020-01-01\n")
    rows = conn.execute("select * from pg3_copy_csv order by a").fetchall()
    assert rows == [
        (1, 'q,"r', dt.date(2024, 2, 2)),
        (2, None, None),
        (3, "plain", dt.date(2020, 1, 1)),
    ]
    with conn.cursor().copy("copy pg3_copy_csv to stdout with csv header") as cp:
        raw = b"".join(bytes(chunk) for chunk in cp)
    lines = raw.decode().splitlines()
    assert lines[0] == "a,b,d"
    assert sorted(lines[1:]) == ['1,"q,""r",2024-02-02', "2,,", "3,plain,2020-01-01"]


def test_copy_large_out(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    with conn.cursor().copy("copy (select salesid from sales) to stdout") as cp:
        raw = b"".join(bytes(chunk) for chunk in cp)
    assert raw.count(b"\n") == 172_456


def test_transaction_status_explicit(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    info = conn.info
    assert info.transaction_status == TransactionStatus.IDLE
    conn.execute("drop table if exists pg3_tx")
    conn.execute("create table pg3_tx (a int)")
    conn.execute("begin")
    assert info.transaction_status == TransactionStatus.INTRANS
    conn.execute("insert into pg3_tx values (1)")
    assert info.transaction_status == TransactionStatus.INTRANS
    conn.execute("commit")
    assert info.transaction_status == TransactionStatus.IDLE
    conn.execute("begin")
    conn.execute("insert into pg3_tx values (2)")
    conn.execute("rollback")
    assert info.transaction_status == TransactionStatus.IDLE
    assert conn.execute("select a from pg3_tx").fetchall() == [(1,)]


def test_aborted_transaction_25p02(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute("begin")
    with pytest.raises(errors.UndefinedTable):
        conn.execute("select * from no_such_table_tx")
    assert conn.info.transaction_status == TransactionStatus.INERROR
    for stmt in ("select 1", "select count(*) from users", "select 1; select 2"):
        with pytest.raises(errors.InFailedSqlTransaction) as ei:
            conn.execute(stmt)
        assert ei.value.sqlstate == "25P02"
        assert conn.info.transaction_status == TransactionStatus.INERROR
    with pytest.raises(errors.InFailedSqlTransaction):
        conn.execute("select %s", (1,))  # extended protocol too
    conn.execute("rollback")
    assert conn.info.transaction_status == TransactionStatus.IDLE
    assert conn.execute("select 1").fetchone() == (1,)


def test_commit_of_failed_transaction_rolls_back(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute("drop table if exists pg3_tx_fail")
    conn.execute("create table pg3_tx_fail (a int)")
    conn.execute("begin")
    conn.execute("insert into pg3_tx_fail values (1)")
    with pytest.raises(errors.InvalidTextRepresentation):
        conn.execute("select 'x'::int")
    cur = conn.execute("commit")
    assert cur.statusmessage == "ROLLBACK"
    assert conn.info.transaction_status == TransactionStatus.IDLE
    assert conn.execute("select count(*) from pg3_tx_fail").fetchone() == (0,)


def test_implicit_transaction_and_context(conn: psycopg.Connection[Any]) -> None:
    conn.execute("drop table if exists pg3_ctx")
    conn.execute("create table pg3_ctx (a int)")
    assert conn.info.transaction_status == TransactionStatus.INTRANS
    conn.commit()
    assert conn.info.transaction_status == TransactionStatus.IDLE
    with conn.transaction():
        conn.execute("insert into pg3_ctx values (1)")
        assert conn.info.transaction_status == TransactionStatus.INTRANS
    assert conn.info.transaction_status == TransactionStatus.IDLE
    with pytest.raises(RuntimeError), conn.transaction():
        conn.execute("insert into pg3_ctx values (2)")
        raise RuntimeError("roll back")
    assert conn.info.transaction_status == TransactionStatus.IDLE
    assert conn.execute("select a from pg3_ctx").fetchall() == [(1,)]
    conn.rollback()


def test_rollback_ddl(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute("drop table if exists pg3_ddl_rb")
    with pytest.raises(RuntimeError), conn.transaction():
        conn.execute("create table pg3_ddl_rb (a int)")
        raise RuntimeError
    with pytest.raises(errors.UndefinedTable):
        conn.execute("select * from pg3_ddl_rb")


ERRORS = [
    ("selec 1", "42601", errors.SyntaxError),
    ("select * from no_such_table", "42P01", errors.UndefinedTable),
    ("select no_such_col from users", "42703", errors.UndefinedColumn),
    ("select no_such_func(1)", "42883", errors.UndefinedFunction),
    ("select 'abc'::int", "22P02", errors.InvalidTextRepresentation),
    ("insert into pg3_notnull values (null)", "23502", errors.NotNullViolation),
    ("select 1 / 0", "22012", errors.DivisionByZero),
]


@pytest.mark.parametrize(("sql", "sqlstate", "exc"), ERRORS)
def test_error_sqlstates(
    conn: psycopg.Connection[Any], sql: str, sqlstate: str, exc: type[Exception]
) -> None:
    conn.autocommit = True
    conn.execute("create table if not exists pg3_notnull (a int not null)")
    with pytest.raises(exc) as ei:
        conn.execute(sql)
    assert isinstance(ei.value, psycopg.Error)
    assert ei.value.sqlstate == sqlstate
    diag = ei.value.diag
    assert diag.severity == "ERROR"
    assert diag.message_primary
    assert conn.execute("select 1").fetchone() == (1,)


def test_integer_division(conn: psycopg.Connection[Any]) -> None:
    assert conn.execute("select 7 / 2, 1 / 2").fetchone() == (3, 0)


def test_error_with_params_extended_protocol(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    with pytest.raises(errors.UndefinedTable):
        conn.execute("select * from no_such_table where a = %s", (1,))
    with pytest.raises(errors.InvalidTextRepresentation):
        conn.execute("select %s::int", ("abc",))
    assert conn.execute("select %s::int", (3,)).fetchone() == (3,)


def test_multi_statement_results(conn: psycopg.Connection[Any]) -> None:
    cur = conn.execute("select 1; select 'two', 2; select count(*) from category")
    assert cur.fetchall() == [(1,)]
    assert cur.nextset()
    assert cur.fetchall() == [("two", 2)]
    assert cur.nextset()
    assert cur.fetchall() == [(11,)]
    assert not cur.nextset()


def test_multi_statement_error_midway(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    conn.execute("drop table if exists pg3_multi")
    conn.execute("create table pg3_multi (a int)")
    with pytest.raises(errors.UndefinedTable):
        conn.execute(
            "insert into pg3_multi values (1); select * from nope_multi; "
            "insert into pg3_multi values (2)"
        )
    # a multi-statement Query runs as one implicit transaction: all or nothing
    assert conn.execute("select count(*) from pg3_multi").fetchone() == (0,)


def test_empty_query(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    for sql in ("", "   ", ";"):
        cur = conn.execute(sql)
        assert cur.description is None
        assert cur.pgresult is not None
        assert cur.pgresult.status == psycopg.pq.ExecStatus.EMPTY_QUERY
    assert conn.execute("select 1").fetchone() == (1,)


def test_cancel_long_query(conn: psycopg.Connection[Any]) -> None:
    conn.autocommit = True
    started = threading.Event()

    def cancel() -> None:
        started.wait(10)
        # give the query time to reach the engine; a cancel before it starts is also valid
        threading.Event().wait(0.5)
        conn.cancel()

    t = threading.Thread(target=cancel)
    t.start()
    started.set()
    with pytest.raises(errors.QueryCanceled) as ei:
        conn.execute(LONG_QUERY)
    t.join()
    assert ei.value.sqlstate == "57014"
    assert conn.info.transaction_status == TransactionStatus.IDLE
    assert conn.execute("select count(*) from category").fetchone() == (11,)


def test_cancel_in_transaction_then_rollback(conn: psycopg.Connection[Any]) -> None:
    timer = threading.Timer(0.5, conn.cancel)
    timer.start()
    with pytest.raises(errors.QueryCanceled):
        conn.execute(
            "select max(md5((a.salesid::int8 * b.salesid)::varchar)) from sales a, sales b"
        )
    timer.join()
    assert conn.info.transaction_status == TransactionStatus.INERROR
    conn.rollback()
    assert conn.execute("select 2").fetchone() == (2,)


def test_tls_connection(server: RunningServer) -> None:
    dsn = server.dsn.replace("sslmode=disable", f"sslmode=verify-ca sslrootcert={server.cert}")
    with psycopg.connect(dsn) as c:
        assert c.pgconn.ssl_in_use
        assert c.execute("select count(*) from venue").fetchone() == (202,)


def test_params_without_spaces(conn: psycopg.Connection[Any]) -> None:
    assert conn.execute("select %s,%s", (1, "a")).fetchone() == (1, "a")


WIDE = ("create table if not exists wide_retry (a decimal(18,0), b decimal(18,0)); "
        "delete from wide_retry; "
        "insert into wide_retry values (999999999999999999, 999999999999999999), (3, 4)")


def test_a_decimal_product_past_18_digits_runs_wide(server: RunningServer) -> None:
    # DuckDB's statistics of the columns show that its BIGINT product may pass 18 digits: the
    # query runs in its wide form, with and without parameters, over either protocol.
    total = Decimal("999999999999999998000000000000000013")
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute(WIDE)
        assert c.execute("select sum(a * b) from wide_retry").fetchone() == (total,)
        assert c.execute("select sum(a * b) from wide_retry where a > %s", (0,)).fetchone() == (
            total,)
        assert c.execute("select count(*) from wide_retry where a * b > %s",
                         (Decimal(10) ** 20,)).fetchone() == (1,)
        with psycopg.ClientCursor(c) as cur:
            assert cur.execute("select sum(a * b) from wide_retry").fetchone() == (total,)


def test_a_write_with_a_decimal_product_past_18_digits_runs_again_wide(
        server: RunningServer) -> None:
    # Its wide form writes each row once.
    big = Decimal("999999999999999998000000000000000001")
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute(WIDE)
        c.execute("create table if not exists wide_out (n int, p decimal(38,0)); "
                  "delete from wide_out")
        assert c.execute("insert into wide_out select 1, a * b from wide_retry").rowcount == 2
        assert c.execute("update wide_out set p = r.a * r.b + %s from wide_retry r "
                         "where wide_out.p = r.a * r.b", (1,)).rowcount == 2
        c.execute("insert into wide_out select 2, sum(a * b) from wide_retry")
        assert c.execute("delete from wide_out where p = (select max(a * b) + 1 from wide_retry)"
                         ).rowcount == 1
        c.execute("drop table if exists wide_ctas; "
                  "create table wide_ctas as select a * b as p from wide_retry")
        assert c.execute("select n, p from wide_out order by n, p").fetchall() == [
            (1, Decimal(13)), (2, Decimal("999999999999999998000000000000000013"))]
        assert c.execute("select p from wide_ctas order by p").fetchall() == [
            (Decimal(12),), (big,)]


def test_a_decimal_product_past_18_digits_in_a_transaction_block(server: RunningServer) -> None:
    # A failed query would abort the transaction, so the wide form is chosen before it runs.
    with psycopg.connect(server.dsn) as c:
        c.execute(WIDE)
        c.commit()
        assert c.execute("select sum(a * b) from wide_retry").fetchone() == (
            Decimal("999999999999999998000000000000000013"),)
        assert c.info.transaction_status == TransactionStatus.INTRANS
        c.rollback()


def test_a_product_past_18_digits_no_bound_reaches_runs_again_wide(
        server: RunningServer) -> None:
    # The statistics bound a * b (it fits) but not DECODE's value times c: DuckDB's BIGINT
    # product fails, and outside a transaction block the query runs once more wide.
    with psycopg.connect(server.dsn, autocommit=True) as c:
        c.execute("create table if not exists decoded (a decimal(15,2), b decimal(15,2), "
                  "c decimal(15,2)); delete from decoded; "
                  "insert into decoded values (100000.00, 100000.00, 100000.00)")
        assert c.execute("select count(*) from decoded where decode(a, 0, 0, a * b) * c > 0"
                         ).fetchone() == (1,)


def test_a_product_of_high_scales_in_a_transaction_block(server: RunningServer) -> None:
    # psycopg opens a block: DECIMAL(18,6) values of 1,000 would pass DuckDB's BIGINT there.
    with psycopg.connect(server.dsn) as c:
        c.execute("create table if not exists rates (a decimal(18,6), b decimal(18,6)); "
                  "delete from rates; insert into rates values (1000, 1000), (2.5, 4)")
        assert c.execute("select sum(a * b), count(*) from rates where a * b > 1").fetchone() \
            == (Decimal("1000010.000000000000"), 2)
        c.execute("create or replace view rate_products as select sum(a * b) as s from rates")
        assert c.execute("select s from rate_products").fetchone() == (
            Decimal("1000010.000000000000"),)
        c.rollback()


@pytest.mark.parametrize(("sql", "params", "message"), [
    ("select %s * 10", (1e308,), "overflow"),
    ("select %s * %s", (1e300, 1e300), "overflow"),
    ("select %s / %s", (1e-300, 1e300), "underflow"),
])
def test_float_parameter_arithmetic_overflows(
        conn: psycopg.Connection[Any], sql: str, params: tuple[float, ...], message: str) -> None:
    # psycopg binds a float as DOUBLE PRECISION at Parse: its arithmetic is checked.
    with pytest.raises(errors.NumericValueOutOfRange, match=f"value out of range: {message}"):
        conn.execute(sql, params)


def test_float_parameter_arithmetic_within_range(conn: psycopg.Connection[Any]) -> None:
    assert conn.execute("select %s * 10, %s / 4", (2.5, 1.0)).fetchone() == (25.0, 0.25)


@pytest.mark.parametrize(("sql", "params", "error", "message"), [
    # psycopg sends a str untyped: its type is inferred from the other operand, as
    # PostgreSQL infers it, and its arithmetic is checked as that type's.
    ("select %s * x from (select 10::float8 as x) t", ("1e308",), errors.NumericValueOutOfRange,
     "value out of range: overflow"),
    ("select %s * ln(x) from (select 10::float8 as x) t", ("1e308",),
     errors.NumericValueOutOfRange, "value out of range: overflow"),
    ("select (%s) / x from (select 1e300::float8 as x) t", ("1e-300",),
     errors.NumericValueOutOfRange, "value out of range: underflow"),
    # An integer's text only (DuckDB read '2.5' as 3).
    ("select %s * 10", ("2.5",), errors.InvalidTextRepresentation,
     'invalid input syntax for type integer: "2.5"'),
    ("select %s * 10", ("1e308",), errors.InvalidTextRepresentation,
     'invalid input syntax for type integer: "1e308"'),
])
def test_untyped_parameter_arithmetic_fails_as_its_inferred_type(
        conn: psycopg.Connection[Any], sql: str, params: tuple[str, ...],
        error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        conn.execute(sql, params)


@pytest.mark.parametrize("value", ["1e300", Decimal("1E+300"), Decimal("1" * 39)])
def test_a_numeric_parameter_past_38_digits_is_refused(
        conn: psycopg.Connection[Any], value: object) -> None:
    # DuckDB would compute with it as a DOUBLE PRECISION; Redshift's NUMERIC has 38 digits.
    with pytest.raises(errors.FeatureNotSupported, match="more than 38 digits"):
        conn.execute("select %s * 1.5", (value,))
    conn.rollback()
    assert conn.execute("select %s + 1", (Decimal("1" * 38),)).fetchone() == (
        Decimal("1" * 37 + "2"),)


def test_untyped_parameter_arithmetic_within_range(conn: psycopg.Connection[Any]) -> None:
    row = conn.execute("select %s * x, %s * 10 from (select 2.5::float8 as x) t",
                       ("4", "7")).fetchone()
    assert row == (10.0, 70)


@pytest.mark.parametrize("prepare", [False, True])
def test_decimal_parameter_division_is_exact(conn: psycopg.Connection[Any], prepare: bool) -> None:
    # A NUMERIC parameter in a division is typed by its value's digits, as a literal of them
    # (10.00 is DECIMAL(4,2), 3 DECIMAL(1,0)), an integer one by its type: the quotient is
    # Redshift's exact DECIMAL, not a DOUBLE PRECISION, prepared (Describe first) or not.
    row = conn.execute(
        "select %s / 3, 10.00 / %s, %s / 3::decimal(5,0), %s::decimal(10,2) / 4",
        (Decimal("10.00"), Decimal("3"), 10, Decimal("10")), prepare=prepare).fetchone()
    assert row is not None
    assert [str(v) for v in row] == ["3.3333333333333", "3.3333", "3.333333", "2.5000000000000"]
    # Another value's digits give the same statement another type, as a literal would.
    row = conn.execute("select 10.00 / %s", (Decimal("30"),), prepare=prepare).fetchone()
    assert row is not None and str(row[0]) == "0.33333"
    with pytest.raises(errors.DivisionByZero):
        conn.execute("select 1.5 / %s", (Decimal("0"),), prepare=prepare)


@pytest.mark.parametrize("prepare", [False, True])
def test_untyped_parameter_division_is_exact(conn: psycopg.Connection[Any], prepare: bool) -> None:
    # psycopg sends a str untyped: it takes the type of the division's other operand, as
    # PostgreSQL types an unknown (NUMERIC, typed by the value's digits: '3' is DECIMAL(1,0),
    # '10.5' DECIMAL(3,1)), also where it stands in a correlated subquery, whose scope no
    # probe query has (DuckDB would have divided in DOUBLE PRECISION).
    row = conn.execute(
        "select 10.00 / %s, %s / 4.0, (select %s / d.p) from (select 2.50::decimal(8,2) as p) d",
        ("3", "10.5", "10"), prepare=prepare).fetchone()
    assert row is not None
    assert [str(v) for v in row] == ["3.3333", "2.6250", "4.0000000"]
    # Beside an integer it is an integer, as in PostgreSQL: text of a fraction fails.
    with pytest.raises(errors.InvalidTextRepresentation):
        conn.execute("select (select d.n / %s) from (select 7 as n) d", ("2.5",),
                     prepare=prepare)


def test_udf_result_division_is_exact_in_its_transaction(conn: psycopg.Connection[Any]) -> None:
    # A SQL UDF's declared result type types a division of its result, also in the
    # transaction block that created it (the session's own catalog), and after its commit.
    conn.execute("create function f_tx_dec (int) returns decimal(10,3) immutable "
                 "as $$ select $1 * 2.5 $$ language sql")
    row = conn.execute("select f_tx_dec(4) / 3").fetchone()
    assert row is not None and str(row[0]) == "3.33333333333333"  # DECIMAL(21,14)
    conn.commit()
    row = conn.execute("select f_tx_dec(1) / 3").fetchone()
    assert row is not None and str(row[0]) == "0.83333333333333"
    conn.execute("drop function f_tx_dec (int)")
    conn.commit()


def test_merge_remove_duplicates_counts_each_row_once(conn: psycopg.Connection[Any]) -> None:
    # Redshift's documented example of matched duplicates: 23 Bill updated to David, 23 Nikki
    # removed, 22 Clarence inserted; each row counted once, as PostgreSQL counts a MERGE's.
    conn.execute("create temp table rd_target (id int, name varchar(10))")
    conn.execute("create temp table rd_source (id int, name varchar(10))")
    conn.execute("insert into rd_target values (30, 'Tony'), (30, 'Daisy'), (11, 'Alice'), "
                 "(23, 'Bill'), (23, 'Nikki')")
    conn.execute("insert into rd_source values (23, 'David'), (22, 'Clarence')")
    cur = conn.execute("merge into rd_target t using rd_source s on t.id = s.id "
                       "remove duplicates")
    assert cur.rowcount == 3
    rows = conn.execute("select id, name from rd_target order by id, name").fetchall()
    assert rows == [(11, "Alice"), (22, "Clarence"), (23, "David"), (30, "Daisy"),
                    (30, "Tony")]
    cur = conn.execute("merge into rd_target using rd_source on rd_target.id = rd_source.id "
                       "remove duplicates")
    assert cur.rowcount == 2  # both matched now: two rows updated
    assert conn.execute("select count(*) from rd_target").fetchone() == (5,)


def test_explain_names_databases_and_nests_operators(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create table explained (id int, v varchar(10))")
    conn.execute("insert into explained select range, 'x' from range(100)")
    cur = conn.execute("explain select v, count(*) from explained where id % 3 = 1 group by v")
    assert [d.name for d in cur.description or ()] == ["QUERY PLAN"]
    lines = [row[0] for row in cur.fetchall()]
    assert not any("__ds_" in line for line in lines)
    assert any(line.strip() == "Table: dev.public.explained" for line in lines)
    assert any(line.lstrip().startswith("->  ") for line in lines)
    conn.rollback()
