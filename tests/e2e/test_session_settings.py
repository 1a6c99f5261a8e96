"""SET, SHOW and RESET of the parameters clients use, and ParameterStatus on change."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from psycopg import errors

from tests.e2e.server import RunningServer


@pytest.fixture
def conn(server: RunningServer) -> Any:
    with psycopg.connect(server.dsn, autocommit=True) as c:
        yield c


def test_show_defaults(conn: psycopg.Connection[Any]) -> None:
    assert conn.execute("show search_path").fetchone() == ("$user, public",)
    assert conn.execute("show transaction isolation level").fetchone() == ("serializable",)
    assert conn.execute("show standard_conforming_strings").fetchone() == ("on",)
    assert conn.execute("show timezone").fetchone() == ("UTC",)
    assert conn.execute("show max_identifier_length").fetchone() == ("127",)
    names = {r[0] for r in conn.execute("show all").fetchall()}
    assert {"search_path", "query_group", "statement_timeout"} <= names


def test_search_path_decides_where_tables_go(conn: psycopg.Connection[Any]) -> None:
    conn.execute("create schema if not exists sp_test")
    conn.execute("set search_path to sp_test, public")
    conn.execute("drop table if exists sp_t")
    conn.execute("create table sp_t (a int)")
    assert conn.execute("select count(*) from sp_test.sp_t").fetchone() == (0,)
    assert conn.execute("select count(*) from sales").fetchone() == (172_456,)  # via public
    conn.execute("reset search_path")
    assert conn.execute("show search_path").fetchone() == ("$user, public",)
    with pytest.raises(errors.UndefinedTable):
        conn.execute("select * from sp_t")


def test_parameter_status_follows_set(conn: psycopg.Connection[Any]) -> None:
    conn.execute("set application_name = 'duckshift-test'")
    assert conn.info.parameter_status("application_name") == "duckshift-test"
    conn.execute("set query_group to 'etl'")
    assert conn.execute("show query_group").fetchone() == ("etl",)
    conn.execute("reset all")
    assert conn.execute("show query_group").fetchone() == ("default",)


@pytest.mark.parametrize(
    ("sql", "error"),
    [
        ("set no_such_parameter = 1", errors.UndefinedObject),
        ("show no_such_parameter", errors.UndefinedObject),
        ("set timezone to 'Mars/Olympus_Mons'", errors.InvalidParameterValue),
        ("set client_encoding to 'LATIN1'", errors.FeatureNotSupported),
        ("set datestyle to 'SQL, DMY'", errors.FeatureNotSupported),
        ("set datestyle to 'DMY, YMD'", errors.FeatureNotSupported),
        ("set datestyle to 'German'", errors.FeatureNotSupported),
        ("set server_version = '9.6'", errors.FeatureNotSupported),
        ("set statement_timeout = 'soon'", errors.InvalidParameterValue),
    ],
)
def test_bad_settings_are_refused(conn: psycopg.Connection[Any], sql: str, error: type) -> None:
    with pytest.raises(error):
        conn.execute(sql)
    assert conn.execute("select 1").fetchone() == (1,)


def test_field_names_in_upper_case(conn: psycopg.Connection[Any]) -> None:
    """describe_field_name_in_uppercase renames RowDescription's fields, in the simple and
    the extended protocol, and nothing else."""
    conn.execute("set describe_field_name_in_uppercase to on")
    cur = conn.execute("select 1 as abc, 'x' as \"MiXed\"")
    assert [d.name for d in cur.description or ()] == ["ABC", "MIXED"]
    assert cur.fetchone() == (1, "x")
    cur = conn.execute("select %s::int as abc", [5])  # extended protocol
    assert [d.name for d in cur.description or ()] == ["ABC"]
    assert cur.fetchone() == (5,)
    conn.execute("reset describe_field_name_in_uppercase")
    cur = conn.execute("select 1 as abc")
    assert [d.name for d in cur.description or ()] == ["abc"]


@pytest.mark.parametrize(
    ("name", "default", "other"),
    [("enable_numeric_rounding", "on", "off"), ("downcase_delimited_identifier", "on", "off")],
)
def test_redshift_switches_keep_their_defaults(conn: psycopg.Connection[Any], name: str,
                                               default: str, other: str) -> None:
    assert conn.execute(f"show {name}").fetchone() == (default,)
    conn.execute(f"set {name} to {default}")
    with pytest.raises(errors.FeatureNotSupported, match=f"{name} {other}"):
        conn.execute(f"set {name} to {other}")
