"""The first thing a user does: connect with psycopg and run SQL."""

from __future__ import annotations

import psycopg

from tests.e2e.server import RunningServer


def test_select_version_and_demo_data(server: RunningServer) -> None:
    with psycopg.connect(server.dsn) as conn:
        version = conn.execute("select version()").fetchone()
        assert version is not None
        assert version[0].startswith("PostgreSQL 8.0.2 on ")
        assert "Redshift 1.0." in version[0]
        count = conn.execute("select count(*) from sales").fetchone()
        assert count == (172_456,)
        assert conn.info.parameter_status("server_version") == "8.0.2"
