"""Date literals read by DateStyle (proxy/sql/transforms/date_literals.py)."""

from __future__ import annotations

import pytest

from catalog.errors import DatetimeFieldOverflow
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from proxy.sql.transforms.date_literals import documented_date, documented_time, iso_date


@pytest.mark.parametrize(("literal", "order", "iso"), [
    ("01/02/2024", "MDY", "2024-01-02"),
    ("01/02/2024", "DMY", "2024-02-01"),
    ("01/02/03", "YMD", "2001-02-03"),
    ("1.2.69", "MDY", "2069-01-02"),
    ("1-2-70", "MDY", "1970-01-02"),
    ("2024/1/2", "DMY", "2024-01-02"),
    ("01/02/2024T10:00", "DMY", "2024-02-01T10:00"),
    ("02/29/2024 10:00:00+01", "MDY", "2024-02-29 10:00:00+01"),
    ("2024-01-02", "MDY", "2024-01-02"),
    ("Jan 2, 2024", "MDY", None),
    ("20240102", "MDY", None),
])
def test_iso_date(literal: str, order: str, iso: str | None) -> None:
    assert iso_date(literal, order) == iso


@pytest.mark.parametrize(("literal", "order"), [
    ("13/01/2024", "MDY"), ("01/13/2024", "DMY"), ("02/29/2023", "MDY"), ("00/01/2024", "MDY"),
])
def test_dates_that_do_not_exist(literal: str, order: str) -> None:
    with pytest.raises(DatetimeFieldOverflow, match="out of range"):
        iso_date(literal, order)


def test_the_order_is_part_of_the_cache_key() -> None:
    cache = StatementCache()
    sql = "select '01/02/2024'::date"
    mdy = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})
    dmy = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"}, date_order="DMY")
    assert "2024-01-02" in (cache.get(sql, mdy)[0].duck_sql or "")
    assert "2024-02-01" in (cache.get(sql, dmy)[0].duck_sql or "")


def _duck(sql: str, order: str = "MDY") -> str:
    ctx = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"}, date_order=order)
    return StatementCache().get(sql, ctx)[0].duck_sql or ""


def test_literals_beside_an_expression_go_through_the_macro() -> None:
    sql = _duck("select 1 from t where d = '01/02/2024' and d in ('1/2/24') "
                "and d between '1/1/2024' and '2024-12-31'", "DMY")
    assert "__ds_datestyle(d, '2024-02-01', '01/02/2024')" in sql
    assert "__ds_datestyle(d, '2024-02-01', '1/2/24')" in sql
    assert "__ds_datestyle(d, '2024-01-01', '1/1/2024')" in sql
    assert "AND '2024-12-31'" in sql  # ISO already: left as it is


def test_stored_literals_are_read_as_their_column() -> None:
    assert "__ds_datestyle((SELECT d FROM t LIMIT 0), '2024-01-02', '01/02/2024')" in _duck(
        "insert into t (a, d) values (1, '01/02/2024')")
    assert "__ds_datestyle((SELECT #2 FROM t LIMIT 0)" in _duck(
        "insert into t values (1, '01/02/2024')")
    assert "__ds_datestyle((SELECT d FROM t LIMIT 0), '2024-01-02', '01/02/2024') AS x" in _duck(
        "insert into t (d) select '01/02/2024' as x from s limit 5")
    assert "SET d = memory.main.__ds_datestyle(d, '2024-01-02'" in _duck(
        "update t set d = '01/02/2024'")


def test_literals_without_a_typed_neighbour_are_left() -> None:
    for sql in ("select max(d) = '01/02/2024' from t", "select '01/02/2024' = '01/02/2024'",
                "select f_x('01/02/2024')"):
        assert "__ds_datestyle" not in _duck(sql)


def test_a_date_that_does_not_exist_fails_when_it_is_read_as_one() -> None:
    assert "ERROR('date/time field value out of range: \"13/13/2024\"')" in _duck(
        "select 1 from t where v = '13/13/2024'")


# Redshift's documented date literals (r_Date_and_time_literals), MDY order.
@pytest.mark.parametrize(("literal", "order", "iso"), [
    ("January 8, 1999", "MDY", "1999-01-08"),
    ("2000-Jan-31", "MDY", "2000-01-31"),
    ("Jan-31-2000", "MDY", "2000-01-31"),
    ("31-Jan-2000", "DMY", "2000-01-31"),
    ("Sept 3 20", "MDY", "2020-09-03"),
    ("99-Jan-08", "YMD", "1999-01-08"),
    ("20080215", "MDY", "2008-02-15"),
    ("080215", "DMY", "2008-02-15"),
    ("2008.366", "MDY", "2008-12-31"),
    ("2007.366", "MDY", None),
    ("20080215 04:05:06.789", "MDY", "2008-02-15 04:05:06.789"),
    ("Mon 3 2020", "MDY", None),
    ("1234567", "MDY", None),
])
def test_documented_date(literal: str, order: str, iso: str | None) -> None:
    assert documented_date(literal, order) == iso


@pytest.mark.parametrize("literal", ["20081345", "Feb 30 2024", "99-Jan-08"])
def test_documented_dates_that_do_not_exist(literal: str) -> None:
    with pytest.raises(DatetimeFieldOverflow, match="out of range"):
        documented_date(literal, "MDY")


@pytest.mark.parametrize(("literal", "clock"), [
    ("040506", "04:05:06"), ("040506.789", "04:05:06.789"), ("04:05 AM", "04:05"),
    ("04:05 PM", "16:05"), ("12:30 am", "00:30"), ("12:30:01 PM", "12:30:01"),
    ("04:05", None), ("16:05", None),
])
def test_documented_time(literal: str, clock: str | None) -> None:
    assert documented_time(literal) == clock


def test_documented_forms_in_casts() -> None:
    stmt = StatementCache().get(
        "select '20080215 04:05 PM'::timestamp, 'January 8, 1999'::date, '040506'::time",
        Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"}))[0]
    assert stmt.duck_sql is not None
    for text in ("'2008-02-15 16:05'", "'1999-01-08'", "'04:05:06'"):
        assert text in stmt.duck_sql
