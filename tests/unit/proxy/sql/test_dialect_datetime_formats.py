"""Redshift datetime format strings: recovered from sqlglot's conversion, then rebuilt."""

from __future__ import annotations

import pytest
import sqlglot

from catalog.errors import FeatureNotSupported
from engine import macros
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from proxy.sql.transforms.datetime_formats import (
    Pattern,
    original_format,
    strptime_format,
    tokenize_format,
)

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


@pytest.mark.parametrize(
    "fmt",
    ["MON-DD-YYYY HH12:MIPM", "Mon mon Month DAY Dy", "yyyy-mm-dd hh24:mi:ss", "FMDD IW IYYY",
     '"at" YYYY', "Y,YYY Q W WW CC D"],
)
def test_original_format_is_recovered(fmt: str) -> None:
    tree = sqlglot.parse_one(f"select to_char(x, '{fmt}')", read="redshift")
    converted = tree.expressions[0].args["format"].this
    recovered = original_format(converted, "TO_CHAR")
    assert recovered.upper() == fmt.upper()


def test_quoted_text_that_sqlglot_rewrote_is_refused() -> None:
    tree = sqlglot.parse_one("select to_char(x, '\"quoted\" YYYY')", read="redshift")
    with pytest.raises(FeatureNotSupported):
        original_format(tree.expressions[0].args["format"].this, "TO_CHAR")


def test_tokenize_format() -> None:
    assert tokenize_format('FMDD"x"hh24') == [
        Pattern("DD", fill=False), Pattern("", text="x"), Pattern("hh24"),
    ]


def test_strptime_format() -> None:
    assert strptime_format("DD Mon YYYY HH:MI:SS AM %", "TO_DATE") == "%d %b %Y %I:%M:%S %p %%"
    with pytest.raises(FeatureNotSupported):
        strptime_format("J", "TO_DATE")


def test_strptime_format_reads_the_day_with_another_code() -> None:
    assert strptime_format("YYYY-MM-DD", "TO_DATE", "%M") == "%Y-%m-%M"


@pytest.mark.parametrize(
    ("sql", "macro"),
    [
        ("select to_date(s, 'YYYY-MM-DD') from t", macros.ROLLED_DATE),
        ("select to_date(s, 'YYYY-MM-DD', false) from t", macros.ROLLED_DATE),
        ("select to_date(s, 'YYYY-MM-DD', true) from t", macros.STRICT_DATE),
    ],
)
def test_to_date_rolls_over_or_is_strict(sql: str, macro: str) -> None:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None and macro in stmt.duck_sql


def test_to_date_without_a_day_is_plain_strptime() -> None:
    stmt = StatementCache().get("select to_date(s, 'YYYY-MM') from t", CTX)[0]
    assert stmt.duck_sql is not None and macros.ROLLED_DATE not in stmt.duck_sql
