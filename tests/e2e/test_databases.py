"""Databases of a namespace: CREATE/DROP DATABASE, USE, three-part names."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors

from tests.e2e.server import RunningServer


def test_create_use_three_part_names_drop(fresh_server: Callable[..., RunningServer]) -> None:
    srv = fresh_server()
    with psycopg.connect(srv.dsn, autocommit=True) as conn:
        conn.execute("create database analytics")
        with pytest.raises(errors.DuplicateDatabase):
            conn.execute("create database analytics")
        conn.execute("use analytics")
        assert conn.execute("show use").fetchone() == ("analytics",)
        assert conn.execute("select current_database()").fetchone() == ("analytics",)
        conn.execute("create table facts (id int, v varchar(10))")
        conn.execute("insert into facts values (1, 'a'), (2, 'b')")
        conn.execute("reset use")
        assert conn.execute("select current_database()").fetchone() == ("dev",)
        with pytest.raises(errors.UndefinedTable):
            conn.execute("select * from facts")
        # Three-part names reach the other database from dev; names fold to lower case.
        assert conn.execute("select count(*) from ANALYTICS.public.facts").fetchone() == (2,)
        conn.execute("create table local_copy as select * from analytics.public.facts")
        assert conn.execute("select sum(id) from local_copy").fetchone() == (3,)
        with pytest.raises(errors.InvalidCatalogName):
            conn.execute("select * from nowhere.public.facts")
        with pytest.raises(errors.ActiveSqlTransaction):
            conn.execute("begin")
            try:
                conn.execute("create database inside")
            finally:
                conn.execute("rollback")
        with psycopg.connect(srv.dsn.replace("dbname=dev", "dbname=analytics")) as other:
            assert other.execute("select count(*) from facts").fetchone() == (2,)
            with pytest.raises(errors.ObjectInUse):
                conn.execute("drop database analytics")
        conn.execute("drop database analytics")
        with pytest.raises(errors.InvalidCatalogName):
            conn.execute("select * from analytics.public.facts")
        conn.execute("drop database if exists analytics")
        with pytest.raises(errors.ObjectInUse):
            conn.execute("drop database dev")


def test_connect_to_missing_database(server: RunningServer) -> None:
    with pytest.raises(psycopg.OperationalError) as info:
        psycopg.connect(server.dsn.replace("dbname=dev", "dbname=nope"))
    assert 'database "nope" does not exist' in str(info.value)
