"""redshift_connector (always extended protocol, binary results, digest auth): plain and TLS."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
import redshift_connector

from tests.e2e.server import REPO, RunningServer

UTC = dt.UTC


def connect(server: RunningServer, **kw: Any) -> redshift_connector.Connection:
    return redshift_connector.connect(
        host=server.host,
        port=server.port,
        user=kw.pop("user", server.user),
        password=kw.pop("password", server.password),
        database=server.database,
        ssl=kw.pop("ssl", False),
        timeout=15,
        **kw,
    )


@pytest.fixture
def conn(server: RunningServer) -> Iterator[redshift_connector.Connection]:
    c = connect(server)
    try:
        yield c
    finally:
        c.close()


def test_tickit_tables(conn: redshift_connector.Connection) -> None:
    cur = conn.cursor()
    expected = {
        "users": 49_990,
        "venue": 202,
        "category": 11,
        "date": 365,
        "event": 8_798,
        "listing": 192_497,
        "sales": 172_456,
    }
    for table, n in expected.items():
        cur.execute(f"select count(*) from {table}")
        assert cur.fetchone() == [n], table
    cur.execute("select * from category order by catid")
    rows = cur.fetchall()
    assert len(rows) == 11
    assert rows[0][:3] == [1, "Sports", "MLB"]
    assert [d[0] for d in cur.description] == ["catid", "catgroup", "catname", "catdesc"]


def test_fetchmany_large(conn: redshift_connector.Connection) -> None:
    cur = conn.cursor()
    cur.execute("select salesid, pricepaid, saletime from sales order by salesid")
    first = cur.fetchmany(1000)
    assert [r[0] for r in first[:3]] == [1, 2, 3]
    assert isinstance(first[0][1], Decimal)
    assert isinstance(first[0][2], dt.datetime)
    rest = cur.fetchall()
    assert len(first) + len(rest) == 172_456


LITERALS: list[tuple[str, Any]] = [
    ("true::bool", True),
    ("(-7)::int2", -7),
    ("2147483647::int4", 2147483647),
    ("9000000000::int8", 9000000000),
    ("1.5::float4", 1.5),
    ("2.25::float8", 2.25),
    ("123.45::numeric(10,2)", Decimal("123.45")),
    ("12345678901234567890.123456789::numeric(38,9)", Decimal("12345678901234567890.123456789")),
    ("'héllo'::text", "héllo"),
    ("'b'::varchar(5)", "b"),
    ("'2024-02-29'::date", dt.date(2024, 2, 29)),
    ("'12:34:56'::time", dt.time(12, 34, 56)),
    ("'2024-01-02 03:04:05.123456'::timestamp", dt.datetime(2024, 1, 2, 3, 4, 5, 123456)),
    ("'2024-01-02 03:04:05+02'::timestamptz", dt.datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)),
    ("null::int4", None),
    ("null::varchar", None),
]


@pytest.mark.parametrize(("sql", "expected"), LITERALS, ids=[s for s, _ in LITERALS])
def test_literal_types(conn: redshift_connector.Connection, sql: str, expected: Any) -> None:
    cur = conn.cursor()
    cur.execute(f"select {sql}")
    assert cur.fetchone() == [expected]


def test_all_types_one_row(conn: redshift_connector.Connection) -> None:
    cur = conn.cursor()
    cur.execute("select " + ", ".join(s for s, _ in LITERALS))
    assert cur.fetchone() == [v for _, v in LITERALS]


def test_super_is_text(conn: redshift_connector.Connection) -> None:
    """SUPER reaches Redshift's driver as Redshift sends it (OID 4000, its JSON text), so the
    driver returns strings, not decoded objects."""
    cur = conn.cursor()
    cur.execute("select json_parse('{\"a\": [1, 2.5]}') o, json_parse('\"x\"') s, "
                "split_to_array('a,b', ',') arr, null::super n")
    assert cur.fetchone() == ['{"a":[1,2.5]}', '"x"', '["a","b"]', None]
    assert [d[1] for d in cur.description] == [4000] * 4


def test_interval(conn: redshift_connector.Connection) -> None:
    """The driver reads Redshift's binary interval (PostgreSQL 8.0's 12 bytes), not 8.1's."""
    cur = conn.cursor()
    cur.execute("select '1 day 02:00:00'::interval, '-3 days 00:00:01.5'::interval, "
                "'1 year 2 months 3 days'::interval, null::interval")
    short, negative, months, null = cur.fetchone()
    assert short == dt.timedelta(days=1, hours=2)
    assert negative == dt.timedelta(days=-3, seconds=1, microseconds=500000)
    assert (months.months, months.microseconds) == (14, 3 * 86_400_000_000)
    assert null is None


def test_interval_parameter(conn: redshift_connector.Connection) -> None:
    """A timedelta parameter arrives in the driver's 12-byte form and means what it says."""
    cur = conn.cursor()
    cur.execute("select %s::interval = '1 day 02:00:00'::interval, %s",
                (dt.timedelta(days=1, hours=2), dt.timedelta(minutes=-90)))
    assert cur.fetchone() == [True, dt.timedelta(minutes=-90)]


PARAMS: list[Any] = [
    True,
    42,
    -(2**40),
    2.5,
    Decimal("12345.678"),
    "text 'q'",
    dt.date(2024, 2, 29),
    dt.datetime(2024, 1, 2, 3, 4, 5, 6),
    None,
]


@pytest.mark.parametrize("value", PARAMS)
def test_parameters(conn: redshift_connector.Connection, value: Any) -> None:
    cur = conn.cursor()
    cur.execute("select %s", (value,))
    assert cur.fetchone() == [value]


def test_parameters_in_where(conn: redshift_connector.Connection) -> None:
    cur = conn.cursor()
    cur.execute("select eventname from event where eventid = %s and venueid = %s", (1000, 251))
    rows = cur.fetchall()
    cur.execute("select eventname from event where eventid = 1000 and venueid = 251")
    assert rows == cur.fetchall()
    cur.execute("select count(*) from users where state = %s and likesports = %s", ("CA", True))
    (n,) = cur.fetchone()
    assert isinstance(n, int) and n > 0


def test_autocommit_off_rollback(
    server: RunningServer, conn: redshift_connector.Connection
) -> None:
    cur = conn.cursor()
    assert conn.autocommit is False
    cur.execute("drop table if exists rc_tx")
    cur.execute("create table rc_tx (a int)")
    conn.commit()
    cur.execute("insert into rc_tx values (%s)", (1,))
    conn.rollback()
    cur.execute("select count(*) from rc_tx")
    assert cur.fetchone() == [0]
    cur.execute("insert into rc_tx values (%s)", (2,))
    conn.commit()
    with connect(server) as other:
        c2 = other.cursor()
        c2.execute("select a from rc_tx")
        assert c2.fetchall() == ([2],)


def test_autocommit_on(server: RunningServer, conn: redshift_connector.Connection) -> None:
    conn.autocommit = True
    cur = conn.cursor()
    cur.execute("drop table if exists rc_ac")
    cur.execute("create table rc_ac (a int)")
    cur.execute("insert into rc_ac values (1)")
    with connect(server) as other:
        c2 = other.cursor()
        c2.execute("select count(*) from rc_ac")
        assert c2.fetchone() == [1]
    conn.autocommit = False
    cur.execute("insert into rc_ac values (2)")
    conn.rollback()
    cur.execute("select count(*) from rc_ac")
    assert cur.fetchone() == [1]


def test_error_then_recover(conn: redshift_connector.Connection) -> None:
    cur = conn.cursor()
    with pytest.raises(redshift_connector.ProgrammingError) as ei:
        cur.execute("select * from no_such_rc_table")
    err = ei.value.args[0]
    assert err["C"] == "42P01"
    assert err["S"] == "ERROR"
    conn.rollback()
    # a statement text this process has never prepared, so the driver must Parse it
    tag = uuid.uuid4().hex
    cur.execute(f"select 1 as c_{tag}")
    assert cur.fetchone() == [1]


def test_wrong_password(server: RunningServer) -> None:
    with pytest.raises(redshift_connector.Error) as ei:
        connect(server, password="Wrong-pw-1")
    assert "28P01" in str(ei.value)


def test_typed_parameters(conn: redshift_connector.Connection) -> None:
    cur = conn.cursor()
    cur.execute(
        "select %s::int4, %s::numeric(10,3), %s::varchar, %s::int8",
        (42, Decimal("12345.678"), "text 'q'", 7),
    )
    assert cur.fetchone() == [42, Decimal("12345.678"), "text 'q'", 7]


def test_error_autocommit_then_other_statement(conn: redshift_connector.Connection) -> None:
    conn.autocommit = True
    cur = conn.cursor()
    with pytest.raises(redshift_connector.ProgrammingError) as ei:
        cur.execute("select no_such_col from category")
    assert ei.value.args[0]["C"] == "42703"
    tag = uuid.uuid4().hex
    cur.execute(f"select count(*) as c_{tag} from category")
    assert cur.fetchone() == [11]


def test_ssl_required_but_disabled_is_plain(server: RunningServer) -> None:
    """ssl=False talks plain TCP (no SSLRequest)."""
    with connect(server, ssl=False) as c:
        cur = c.cursor()
        cur.execute("select current_user")
        assert cur.fetchone() == ["admin"]


TLS_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import redshift_connector
    host, port, user, password, db = sys.argv[1:6]
    with redshift_connector.connect(host=host, port=int(port), user=user, password=password,
                                    database=db, ssl=True, sslmode="verify-ca",
                                    timeout=15) as c:
        cur = c.cursor()
        cur.execute("select count(*) from sales where qtysold = %s", (2,))
        n = cur.fetchone()[0]
        cur.execute("select catname from category where catid = 1")
        print(json.dumps({"n": n, "cat": cur.fetchone()[0]}))
    """
)


def _run_tls(server: RunningServer, cert_file: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SSL_CERT_FILE": cert_file}
    env.pop("SSL_CERT_DIR", None)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            TLS_SCRIPT,
            server.host,
            str(server.port),
            server.user,
            server.password,
            server.database,
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_ssl_verify_ca_trusting_server_cert(server: RunningServer) -> None:
    proc = _run_tls(server, str(server.cert))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["cat"] == "MLB"
    assert out["n"] > 0


def test_ssl_verify_ca_rejects_untrusted(server: RunningServer, tmp_path: Any) -> None:
    empty = tmp_path / "empty.pem"
    empty.write_text("")
    proc = _run_tls(server, str(empty))
    assert proc.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in proc.stderr
