"""RPU-second metering, usage limits, chargeback and the Prometheus endpoint, end to end.

Timing assertions are bounds taken by the client around the server's work (a statement that is
cancelled by statement_timeout after 3 s ran at least 3 s and at most as long as the client
waited), never wall-clock guesses.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors

from tests.e2e.server import ADMIN_PASSWORD, REPO, RunningServer, free_port

LONG_QUERY = "select max(md5(x::varchar)) from range(1000000000000) t(x)"


def _config(port: int, capacity: int, wlm: str = "", limits: str = "") -> str:
    return f"""
[server.wlm]
evaluation_interval_seconds = 0.2
{wlm}
[[namespace]]
name = "meter"
admin_password = "{ADMIN_PASSWORD}"
[[workgroup]]
name = "meter-wg"
namespace = "meter"
port = {port}
base_capacity = {capacity}
max_capacity = {max(capacity, 512)}
{limits}
"""


def _start(fresh_server: Callable[..., RunningServer], capacity: int, wlm: str = "",
           limits: str = "") -> RunningServer:
    port = free_port()
    return fresh_server(config=_config(port, capacity, wlm, limits), ports={"meter-wg": port})


def _connect(srv: RunningServer, port: int | None = None) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=srv.host, port=port or srv.port, user="admin",
                           password=ADMIN_PASSWORD, dbname="dev", sslmode="disable",
                           autocommit=True)


def _charged(conn: psycopg.Connection[tuple[object, ...]], group: str) -> float:
    row = conn.execute("select coalesce(sum(charged_seconds), 0) from sys_chargeback "
                       "where query_group = %s", [group]).fetchone()
    assert row is not None
    return float(row[0])  # type: ignore[arg-type]


def test_short_query_is_charged_the_60_second_minimum(
        fresh_server: Callable[..., RunningServer]) -> None:
    srv = _start(fresh_server, 32)
    with _connect(srv) as conn:
        conn.execute("set query_group to 'short'")
        assert conn.execute("select 1").fetchone() == (1,)
        conn.execute("set query_group to 'reader'")
        # Settled when the statement ended: 60 s x 32 RPUs, whatever it took.
        assert _charged(conn, "short") == pytest.approx(1920.0)
        usage = conn.execute("select sum(charged_seconds), sum(compute_seconds), "
                             "max(compute_capacity) from sys_serverless_usage").fetchone()
        assert usage is not None
        charged, compute, capacity = usage
        # Two periods are over: ``select 1`` and the chargeback read, 60 s x 32 RPUs each.
        assert charged == 2 * 1920
        assert 0 < compute < 1920 and capacity == pytest.approx(32.0)


def test_long_query_is_charged_capacity_times_its_time(
        fresh_server: Callable[..., RunningServer]) -> None:
    # The minimum is a setting: at 1 s, a 3 s statement is billed its own time.
    srv = _start(fresh_server, 32, "minimum_charge_seconds = 1")
    with _connect(srv) as conn:
        conn.execute("set statement_timeout = 3000")
        conn.execute("set query_group to 'long'")
        before = time.monotonic()
        with pytest.raises(errors.QueryCanceled):
            conn.execute(LONG_QUERY)
        waited = time.monotonic() - before
        conn.execute("set query_group to 'reader'")
        charged = _charged(conn, "long")
        # Cancelled statements are billed for the time they ran: at least the timeout.
        assert 32 * 3.0 <= charged <= 32 * waited
        row = conn.execute("select sum(compute_seconds) from sys_serverless_usage").fetchone()
        assert row is not None and float(row[0]) >= 32 * 3.0  # type: ignore[arg-type]


def test_usage_limits_log_emit_metric_deactivate_and_recover(
        fresh_server: Callable[..., RunningServer]) -> None:
    metrics = free_port()
    limits = """
[[usage_limit]]
workgroup = "meter-wg"
amount = 1
period = "daily"
breach_action = "log"
[[usage_limit]]
workgroup = "meter-wg"
amount = 1
period = "weekly"
breach_action = "emit-metric"
"""
    # 512 RPUs: every statement's 60 s minimum is 8.5 RPU-hours, past a 1 RPU-hour limit.
    srv = _start(fresh_server, 512, f"metrics_port = {metrics}", limits)
    env = {**os.environ, "PGPASSWORD": ADMIN_PASSWORD}
    cli = [sys.executable, "-m", "proxy"]
    where = ["--port", str(srv.port), "--host", srv.host]
    with _connect(srv) as conn:
        conn.execute("select 1")
        ids = _wait_for(lambda: [r[0] for r in conn.execute(
            "select usage_limit_id from stl_usage_control order by 1").fetchall()], 2)
        conn.execute("select 2 /* after the breach */")
        row = conn.execute("select usage_limit from sys_query_history "
                           "where query_text like '%after the breach%' "
                           "and query_text not like '%sys_query_history%'").fetchone()
        assert row is not None and sorted(str(row[0]).split(",")) == sorted(ids)
        scrape = _scrape(metrics)
        assert 'duckshift_usage_limit_breaches_total{breach_action="emit-metric"' in scrape
        # Turn user queries off from the CLI, as UpdateUsageLimit would.
        made = subprocess.run(
            [*cli, "usage-limit", "create", *where, "--workgroup", "meter-wg", "--amount", "2",
             "--period", "monthly", "--breach-action", "deactivate"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=True)
        limit_id = made.stdout.strip()

        def refused() -> bool:
            try:
                conn.execute("select 3")
            except errors.ConfigurationLimitExceeded as exc:
                assert limit_id in str(exc)
                return True
            return False

        assert _wait_for(refused, True)
        # The system views stay readable, so an operator sees why.
        assert conn.execute("select breached from sys_usage_limits where limit_id = %s",
                            [limit_id]).fetchone() == (True,)
        subprocess.run([*cli, "usage-limit", "update", *where, limit_id, "--amount", "100000"],
                       cwd=REPO, env=env, timeout=60, check=True)
        assert conn.execute("select 4").fetchone() == (4,)
        listing = subprocess.run([*cli, "usage-limit", "list", *where], cwd=REPO, env=env,
                                 capture_output=True, text=True, timeout=60, check=True)
        assert limit_id in listing.stdout and "100000" in listing.stdout


def test_prometheus_endpoint_and_usage_report(
        fresh_server: Callable[..., RunningServer]) -> None:
    metrics = free_port()
    srv = _start(fresh_server, 64, f"metrics_port = {metrics}\nprice_per_rpu_hour = 0.5")
    with _connect(srv) as conn:
        conn.execute("set query_group to 'reports'")
        conn.execute("select count(*) from range(1000)")
        with pytest.raises(errors.UndefinedTable):
            conn.execute("select * from missing_table")
    charged = 'duckshift_charged_rpu_seconds_total{workgroup="meter-wg"}'
    scrape = str(_wait_for(lambda: (lambda text: text if charged in text else "")(
        _scrape(metrics)), "scraped"))
    for line in ('duckshift_queries_total{status="success",workgroup="meter-wg"}',
                 'duckshift_queries_total{status="failed",workgroup="meter-wg"} 1.0',
                 'duckshift_capacity_rpus{workgroup="meter-wg"} 64.0',
                 'duckshift_slots{workgroup="meter-wg"}',
                 'duckshift_queue_length{workgroup="meter-wg"} 0.0',
                 "duckshift_query_duration_seconds_bucket",
                 'duckshift_charged_rpu_seconds_total{workgroup="meter-wg"}'):
        assert line in scrape, line
    env = {**os.environ, "PGPASSWORD": ADMIN_PASSWORD}
    out = subprocess.run(
        [sys.executable, "-m", "proxy", "usage", "--port", str(srv.port), "--by",
         "user,query_group", "--format", "csv", "--price", "0.5"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=True).stdout
    rows = {(r["user_name"], r["query_group"]): r for r in csv.DictReader(io.StringIO(out))}
    reports = rows[("admin", "reports")]
    # Two statements, each its own active period: twice 60 s x 64 RPUs.
    assert float(reports["charged_rpu_seconds"]) == pytest.approx(2 * 3840.0)
    assert float(reports["cost"]) == pytest.approx(2 * 3840.0 / 3600 * 0.5, abs=1e-4)
    table = subprocess.run(
        [sys.executable, "-m", "proxy", "usage", "--port", str(srv.port)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60, check=True).stdout
    assert "meter-wg" in table and "charged_rpu_seconds" in table


def test_chargeback_of_a_consumer_query_on_shared_data(server: RunningServer) -> None:
    with _connect(server, server.ports["consumer"]) as consumer:
        consumer.execute("set query_group to 'shared-read'")
        row = consumer.execute("select count(*) from tickit_db.public.sales").fetchone()
        assert row is not None and int(row[0]) > 0  # type: ignore[arg-type]
        consumer.execute("reset query_group")
        mine = consumer.execute(
            "select namespace, consumer_namespace, producer_namespace, sum(charged_seconds) "
            "from sys_chargeback where query_group = 'shared-read' group by 1, 2, 3").fetchall()
    assert len(mine) == 1
    namespace, consumer_ns, producer_ns, charged = mine[0]
    assert (namespace, consumer_ns, producer_ns) == ("consumer", "consumer", "default")
    assert float(charged) > 0  # type: ignore[arg-type]
    # The producer sees what its consumers' statements on its data cost.
    with _connect(server) as producer:
        seen = producer.execute(
            "select consumer_namespace, sum(charged_seconds) from sys_chargeback "
            "where producer_namespace = 'default' and query_group = 'shared-read' "
            "group by 1").fetchall()
    assert [(s[0], float(s[1])) for s in seen] == [("consumer", float(charged))]  # type: ignore[arg-type]


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        assert response.status == 200
        return str(response.read().decode())


def _wait_for(probe: Callable[[], object], want: object, timeout: float = 10.0) -> object:
    """``probe()`` once it is ``want`` (a value, or a length for lists), within ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        got = probe()
        ok = (len(got) == want if isinstance(got, list) and isinstance(want, int)
              else bool(got) if isinstance(want, str) else got == want)
        if ok or time.monotonic() > deadline:
            assert ok, f"{got!r} is not {want!r} after {timeout} s"
            return got
        time.sleep(0.1)
