"""Session time zones, proved against DuckDB's own: the SQL translated for a session zone, run
on an engine in UTC, must answer what DuckDB answers when its TimeZone is that zone (ICU
implements PostgreSQL's rules, which Redshift follows)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import duckdb
import pytest

from catalog.views.pg_attribute import WALL_CLOCK_MACRO, ZONE_VARIABLE
from engine import macros, time_zones
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

NAMED = ["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Lord_Howe",
         "Etc/GMT+3"]
# Fixed offsets of other than whole hours, which DuckDB's own TimeZone cannot be: the answers
# of zones that have had those offsets since before the rows' years.
_SAME_OFFSET = {"5.5": "Asia/Kolkata", "UTC+9:30": "Pacific/Marquesas"}
ZONES = [*NAMED, *_SAME_OFFSET]
ROWS = """(values
    (timestamptz '2024-03-10 06:30:00+00', timestamp '2024-03-10 02:30:00', date '2024-03-31'),
    (timestamptz '2024-03-31 00:59:59.5+00', timestamp '2024-11-03 01:30:00', date '2024-11-03'),
    (timestamptz '2024-11-03 05:59:00+00', timestamp '2024-10-27 02:30:00', date '2024-01-01'),
    (timestamptz '1999-12-31 23:00:00+00', timestamp '2000-01-01 00:00:00', date '1999-12-31'))
    v(a, b, d)"""


def _context(zone: str) -> Context:
    return Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"}, time_zone=zone)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect()
    macros.install(con)
    time_zones.install(con)
    yield con
    con.close()


def _rows(con: duckdb.DuckDBPyConnection, sql: str, engine_zone: str, ctx_zone: str
          ) -> list[tuple[object, ...]]:
    stmt = StatementCache().get(sql, _context(ctx_zone))[0]
    assert stmt.duck_sql is not None
    con.execute(f"SET TimeZone = '{_SAME_OFFSET.get(engine_zone, engine_zone)}'")
    try:
        return con.execute(stmt.duck_sql).fetchall()
    finally:
        con.execute("SET TimeZone = 'UTC'")


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("expr", [
    "extract(hour from a)", "date_part('minute', a)", "extract(dow from a)",
    "extract(epoch from a)", "date_trunc('day', a)", "date_trunc('hour', a)",
    "date_trunc('month', a)", "a::timestamp", "a::date", "trunc(a)", "b::timestamptz",
    "d::timestamptz", "cast(b as timestamptz) = a", "a > b::timestamptz", "a >= d::timestamptz",
    "a < '2024-03-10 02:00'", "a > b", "a >= d", "b <= a", "a = b", "a is distinct from b",
    "d > a", "a || 'x'", "concat(b, a)",
    "case when d > '2024-03-01' then a else b end", "coalesce(b, a)", "greatest(a, d)",
    "least(b, a)", "nullif(a, b)", "case when b > a then a else '2024-03-10 02:30' end",
    "a between b and b + interval '1 day'", "a not in (b, d)", "b in (a, '2024-03-10')",
    "(select null) < '20240301'", "case when a > b then null end = '03/10/2024 01:00'",
    "a between '2024-03-01' and '2024-04-01'", "dateadd(hour, 3, a)",
    "datediff(minute, a, b)", "to_char(a, 'YYYY-MM-DD HH24:MI:SS.MS')",
    "convert_timezone('Asia/Tokyo', a)", "timestamptz '2024-03-10 02:30:00'",
    "'2024-11-03 01:30'::timestamptz", "'2024-07-01 12:00:00+02'::timestamptz", "a::varchar",
    "localtimestamp::date = current_date", "to_timestamp('2024-03-10 02:30', 'YYYY-MM-DD HH24:MI')",
    "extract(timezone from a)", "extract(timezone_hour from a)", "date_part('timezone_minute', a)",
    "a > (select max(w.b) from (values (timestamp '2024-03-10 02:30')) w(b))",
    "(select min(w.b) from (values (date '2024-03-10')) w(b)) <= a",
    "b in (select w.a from (values (timestamptz '2024-03-10 07:30:00+00')) w(a))",
    "b < all (select w.a from (values (timestamptz '2024-03-10 07:30:00+00')) w(a))",
    "case a when b then 1 when d then 2 else 0 end", "decode(b, a, 'a', null, 'n', 'other')",
])
def test_translation_answers_as_the_engine_in_that_zone(
        con: duckdb.DuckDBPyConnection, zone: str, expr: str) -> None:
    sql = f"select {expr} from {ROWS}"
    assert _rows(con, sql, "UTC", zone) == _rows(con, sql, zone, "UTC")


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("sql", [
    f"select a from {ROWS} union select b from {ROWS} union select d from {ROWS} order by 1",
    f"select b, 1 from {ROWS} intersect select a, 1 from {ROWS} order by 1",
    f"select max(b) from {ROWS} union all select min(a) from {ROWS} order by 1",
])
def test_set_operations_meet_in_the_zone(
        con: duckdb.DuckDBPyConnection, zone: str, sql: str) -> None:
    assert _rows(con, sql, "UTC", zone) == _rows(con, sql, zone, "UTC")
@pytest.mark.parametrize("zone", NAMED)
def test_to_char_zone_patterns(con: duckdb.DuckDBPyConnection, zone: str) -> None:
    sql = f"select to_char(a, 'HH24:MI TZ OF'), to_char(b, 'TZ OF') from {ROWS}"
    assert _rows(con, sql, "UTC", zone) == _rows(con, sql, zone, "UTC")


def test_aggregates_take_the_typeof_macros(con: duckdb.DuckDBPyConnection) -> None:
    sql = (f"select extract(hour from max(a)), date_trunc('day', min(a)), "
           f"max(a) > '2024-03-10', max(a) > min(b), count(*) from {ROWS} "
           "having max(a) > '2024-01-01'")
    zone = "America/New_York"
    assert _rows(con, sql, "UTC", zone) == _rows(con, sql, zone, "UTC")


def test_utc_sessions_are_not_rewritten() -> None:
    sql = "select extract(hour from a), a::date, a > '2024-01-01' from t"
    utc = StatementCache().get(sql, _context("UTC"))[0].duck_sql
    assert utc is not None and "__ds_local" not in utc and "__ds_operand" not in utc


@pytest.mark.parametrize("zone", ZONES)
def test_outer_join_conditions_convert(con: duckdb.DuckDBPyConnection, zone: str) -> None:
    sql = (f"select x.a, y.b from (select a from {ROWS}) x left join (select b from {ROWS}) y "
           "on x.a > y.b order by 1, 2")
    assert _rows(con, sql, "UTC", zone) == _rows(con, sql, zone, "UTC")


def test_a_timestamptz_in_a_subquery_of_timestamps_is_refused(
        con: duckdb.DuckDBPyConnection) -> None:
    sql = f"select a in (select b from {ROWS}) from {ROWS}"
    with pytest.raises(duckdb.InvalidInputException, match="feature not supported"):
        _rows(con, sql, "UTC", "Europe/Berlin")


def test_wall_clock_defaults_read_the_inserting_session_zone(
        con: duckdb.DuckDBPyConnection) -> None:
    sql = ("create table t_defaults (i int, a timestamp default getdate(), "
           "d date default current_date, s timestamp default sysdate)")
    made = {StatementCache().get(sql, _context(zone))[0].duck_sql
            for zone in ("UTC", "Asia/Tokyo")}
    assert len(made) == 1  # no zone of its own, in whichever session it is made
    duck_sql = made.pop()
    assert duck_sql is not None and ZONE_VARIABLE in duck_sql
    con.execute(duck_sql.replace("__ds_ns__dev.", ""))
    try:
        for i, zone in enumerate(("Asia/Tokyo", "America/New_York")):
            con.execute(f"SET VARIABLE {ZONE_VARIABLE} = '{zone}'")
            con.execute(f"insert into t_defaults (i) values ({i})")
            assert con.execute(
                f"select abs(epoch(a - timezone('{zone}', now()))) < 5, "
                f"d = cast(timezone('{zone}', now()) as date), "
                f"abs(epoch(s - timezone('{zone}', now()))) < 5 from t_defaults where i = {i}"
            ).fetchall() == [(True, True, True)]
    finally:
        con.execute("drop table t_defaults")
        con.execute(f"RESET VARIABLE {ZONE_VARIABLE}")


def test_subquery_operands_are_not_copied_into_typeof_branches() -> None:
    # DuckDB plans a subquery in every branch before it folds them: it would run three times.
    # A comparison with one takes the typed overloads, which name it once.
    sql = ("select coalesce(a, (select max(b) from t)), a = (select max(b) from t), "
           "(select max(b) from t) || 'x' from t where b = c")
    duck_sql = StatementCache().get(sql, _context("Europe/Berlin"))[0].duck_sql
    assert duck_sql is not None and duck_sql.upper().count("SELECT MAX(B)") == 3
    assert macros.COMPARED["="] in duck_sql and macros.COMPARED_TYPED["="] in duck_sql


@pytest.mark.parametrize("sql", [
    "select 1 from t left join u on t.a = u.b",
    "select 1 from t full join u on t.a between u.b and u.c",
    "merge into t using u on t.a = u.b when matched then delete",
])
def test_outer_join_conditions_take_typed_overloads(sql: str) -> None:
    # DuckDB picks an outer join's algorithm before it folds the typeof branches, but after it
    # picks a typed overload, whose body is a plain comparison.
    duck_sql = StatementCache().get(sql, _context("Europe/Berlin"))[0].duck_sql
    assert duck_sql is not None
    found = re.findall(r"__ds_compared_\w+", duck_sql)
    assert found and all(name.endswith("_typed") for name in found)


def test_the_catalog_names_the_wall_clock_macro() -> None:
    assert f"{macros.CATALOG}.{macros.SCHEMA}.{macros.ZONE_WALL_CLOCK}" == WALL_CLOCK_MACRO
