"""Result column names follow Redshift's identifier case rules, per session."""

from __future__ import annotations

import psycopg
import pytest

from tests.e2e.server import RunningServer


@pytest.mark.e2e
def test_column_names_fold_unless_the_session_keeps_case(server: RunningServer) -> None:
    sql = 'select 1 as "Total", 2 as Other, 3 as "lower"'
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        names = [d.name for d in conn.execute(sql).description or ()]
        assert names == ["total", "other", "lower"]
        conn.execute("set enable_case_sensitive_identifier to true")
        names = [d.name for d in conn.execute(sql).description or ()]
        assert names == ["Total", "other", "lower"]
        conn.execute("reset enable_case_sensitive_identifier")
        names = [d.name for d in conn.execute(sql).description or ()]
        assert names == ["total", "other", "lower"]
    with psycopg.connect(server.dsn, autocommit=True) as other:
        # The setting is the session's: a new session folds again.
        assert next(d.name for d in other.execute(sql).description or ()) == "total"
