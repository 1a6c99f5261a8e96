"""DECIMAL products past 18 digits in a query whose rows stream: the form whose products are
wide enough is chosen before any row is sent (the statement cannot run again after)."""

from __future__ import annotations

from decimal import Decimal

import psycopg

from tests.e2e.server import RunningServer


def test_a_product_past_18_digits_after_rows_were_sent(server: RunningServer) -> None:
    with psycopg.connect(server.dsn, autocommit=True) as conn, conn.cursor() as cur:
        cur.execute("create table streamed_products (k int, p decimal(15,2), q decimal(15,2))")
        # Many batches of the result are sent before DuckDB reaches the last row, whose
        # product passes 18 digits in BIGINT.
        cur.execute("insert into streamed_products select i, 1.50, 2.00 "
                    "from generate_series(1, 1000000) as s(i)")
        cur.execute("insert into streamed_products "
                    "values (1000001, 9999999999999.99, 9999999999999.99)")
        cur.execute("select k, abs(p * q) from streamed_products")
        rows = cur.fetchall()
    assert len(rows) == 1000001
    assert max(rows) == (1000001, Decimal("99999999999999800000000000.0001"))
    assert min(rows) == (1, Decimal("3.0000"))
