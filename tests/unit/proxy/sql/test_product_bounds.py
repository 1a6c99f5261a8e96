"""Unit tests for the choice between a statement's narrow and wide DECIMAL products."""

from __future__ import annotations

from decimal import Decimal

import pytest

from catalog.directory import Number
from proxy.sql import product_bounds
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

ALIAS = "__ds_ns__dev"
ITEMS = (ALIAS, "public", "items")
CTX = Context("ns", "dev", "alice", {"dev": ALIAS}, numeric_columns={
    ITEMS: {"p": Number(15, 2, False), "q": Number(15, 2, False), "r": Number(12, 4, False),
            "s": Number(12, 3, False), "n": Number(10, 0, True)},
})
# TPC-H Q1's products: DECIMAL(15,2) columns, the inner product inside the outer one.
Q1 = "select sum(p * (1 - q) * (1 + q)) from items where n > 0"


def _bounds(sql: str, ctx: Context = CTX) -> tuple[product_bounds.Bound, ...] | None:
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.narrow_products
    return stmt.product_bounds


def _known(**values: str | None) -> dict[product_bounds.ColumnKey, Decimal | None]:
    return {(ITEMS, name): None if value is None else Decimal(value)
            for name, value in values.items()}


def test_the_arithmetic_around_a_narrow_product_is_noted() -> None:
    bounds = _bounds(Q1)
    assert bounds is not None and len(bounds) == 1
    # Every + - * of the chain with DuckDB's scale: the outer product's is 2 + 2 + 2.
    assert bounds[0][:2] == ("*", 6)
    assert product_bounds.columns_of(bounds) == [(ITEMS, "p"), (ITEMS, "q")]


@pytest.mark.parametrize(("p", "q", "fits"), [
    ("104949.50", "0.10", True),  # TPC-H's largest l_extendedprice and l_tax
    ("9999999999.99", "0.10", True),  # 1.1 * 1.1 * 10^10 * 10^6 < 10^18
    ("999999999999.99", "0.10", False),  # the outer product passes 18 digits at scale 6
    (None, "0.10", False),  # no statistics (the transaction's own rows): the wide form
])
def test_q1_fits_by_its_columns_magnitudes(p: str | None, q: str, fits: bool) -> None:
    bounds = _bounds(Q1)
    assert bounds is not None
    assert product_bounds.fits(bounds, _known(p=p, q=q)) is fits


@pytest.mark.parametrize(("value", "fits"), [
    ("9999999.99", True),  # 99999998000000.0001: 18 digits at scale 4
    ("10000000.00", False),  # 10^14: 19 digits at scale 4
])
def test_the_limit_is_18_digits_at_the_products_scale(value: str, fits: bool) -> None:
    bounds = _bounds("select count(*) from items where p * q > 0")
    assert bounds is not None
    assert product_bounds.fits(bounds, _known(p=value, q=value)) is fits


def test_constants_bound_too() -> None:
    bounds = _bounds("select sum(r * 12345678.123) from items")
    assert bounds is not None
    assert product_bounds.fits(bounds, _known(r="1000.0"))  # 1.2e10 at scale 7
    assert not product_bounds.fits(bounds, _known(r="100000.0"))  # 1.2e12 at scale 7


@pytest.mark.parametrize("sql", [
    "select sum(x * y) from (select p as x, q as y from items) t",  # a derived table's
    "select sum(p * $1::decimal(15,2)) from items",  # a parameter
    "select sum(decode(n, 1, p, 0) * q) from items",  # DECODE's value
])
def test_operands_without_a_bound_choose_the_wide_form(sql: str) -> None:
    assert _bounds(sql) is None


def test_stored_sql_keeps_the_wide_form() -> None:
    # A view's query cannot choose per run: its products past 18 digits are HUGEINT ones.
    stmt = StatementCache().get("create view v as select sum(p * q) as t from items", CTX)[0]
    assert not stmt.narrow_products
    assert stmt.duck_sql is not None and "DECIMAL(19, 2)" in stmt.duck_sql


def test_a_rounded_product_multiplied_again_is_bounded_too() -> None:
    # DuckDB types ROUND(p * q, 2) DECIMAL(18,2) and multiplies it by r in BIGINT again.
    bounds = _bounds("select sum(round(p * q, 2) * r) from items")
    assert bounds is not None and bounds[0][:2] == ("*", 6)
    assert product_bounds.fits(bounds, _known(p="1000.00", q="1000.00", r="1000.0"))
    assert not product_bounds.fits(bounds, _known(p="100000.00", q="100000.00", r="1000.0"))


@pytest.mark.parametrize("sql", [
    "select count(*) from items where coalesce(p * q, 0) * r > 0",
    "select count(*) from items where case when n > 0 then p * q end * r > 0",
    "select count(*) from items where greatest(p * q, 1) * r > 0",
    "select count(*) from items where nullif(p * q, 1) * r > 0",
])
def test_a_products_value_through_case_and_coalesce_is_bounded_too(sql: str) -> None:
    bounds = _bounds(sql)
    assert bounds is not None and bounds[0][:2] == ("*", 8)
    assert product_bounds.fits(bounds, _known(p="1000.00", q="1000.00", r="1000.0"))
    assert not product_bounds.fits(bounds, _known(p="100000.00", q="100000.00", r="1000.0"))
