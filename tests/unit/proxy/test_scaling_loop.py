"""Tests for proxy/scaling_loop.py: the live policies fed from the query log, resizing pools,
recording decisions, and the short-query decision."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from catalog.model import QueryRecord
from catalog.views.sys_serverless_scaling import sys_serverless_scaling
from proxy.config import parse
from proxy.server import Server

CONFIG = {
    "namespace": [{"name": "sales", "admin_password": "Sales-pw-1"}],
    "workgroup": [
        {"name": "auto", "namespace": "sales", "port": 5441, "price_performance_target": 50,
         "max_capacity": 256},
        {"name": "fixed", "namespace": "sales", "port": 5442, "base_capacity": 16},
    ],
}
_ids = itertools.count(1)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server.open(parse(CONFIG), tmp_path / "data")
    assert srv.scaling is not None
    srv.scaling.bootstrap()
    yield srv
    srv.engine.close()


def record(server: Server, workgroup: str, text: str, seconds: float,
           arrived: datetime) -> None:
    """A finished statement in the query log."""
    ns = server.workgroups[workgroup].namespace.guid
    server.query_log.append(QueryRecord(
        next(_ids) + 10_000, 1, 1, ns, "dev", "admin", workgroup, "SELECT", text, arrived,
        end_time=arrived + timedelta(seconds=seconds), execution_us=int(seconds * 1e6),
        status="success"))


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def record_points_and_scans(server: Server, scan_seconds: float, t: datetime) -> None:
    """20 executions each of a 4 ms point query and a scan, in the log."""
    for i in range(20):
        record(server, "auto", f"select * from orders where id = {i}", 0.004, t)
        record(server, "auto", f"select count(*) from lineitem where d > {i}", scan_seconds, t)
    server.query_log.flush()


@dataclass
class Viewer:
    """The session facts sys_serverless_scaling reads."""

    namespace: str
    superuser: bool = True
    user: str = "ann"


async def test_a_queue_scales_the_target_workgroup_up_and_is_recorded(server: Server) -> None:
    assert server.scaling is not None
    t = now()
    for i in range(30):
        record(server, "auto", f"select sum(x) from big where k = {i}", 30.0,
               t - timedelta(seconds=60))
    server.query_log.flush()
    auto = server.workgroups["auto"].pool
    auto.resize(8)  # one slot, as after a quiet night
    held = await auto.acquire()
    waiting = [asyncio.create_task(auto.acquire()) for _ in range(12)]
    await asyncio.sleep(0)
    await server.scaling.tick(t)
    assert auto.capacity >= 104  # a slot for every waiting statement
    await asyncio.sleep(0)
    assert all(w.done() for w in waiting)
    (event,) = server.scaling.scaling_log.recent("auto")
    assert (event.from_capacity, event.to_capacity, event.target_level) == (
        8, auto.capacity, 50)
    assert event.queued == 12 and "12 queued" in event.reason
    assert server.workgroups["fixed"].pool.capacity == 16  # no target: left alone
    rows = server.engine.system_cursor().execute(
        sys_serverless_scaling(Viewer(server.workgroups["auto"].namespace.guid))).fetchall()
    assert [(r[1], r[2], r[3], r[4]) for r in rows] == [("auto", 8, auto.capacity, 50)]
    assert server.engine.system_cursor().execute(
        sys_serverless_scaling(Viewer("other-namespace"))).fetchall() == []
    assert server.engine.system_cursor().execute(sys_serverless_scaling(
        Viewer(server.workgroups["auto"].namespace.guid, superuser=False))).fetchall() == []
    for ticket in [held, *(w.result() for w in waiting)]:
        auto.release(ticket)


async def test_holds_are_recorded_once_per_reason(server: Server) -> None:
    assert server.scaling is not None
    t = now()
    for k in range(3):
        await server.scaling.tick(t + timedelta(seconds=10 * k))
    events = server.scaling.scaling_log.recent("auto")
    assert len(events) == 1 and events[0].from_capacity == events[0].to_capacity == 128


async def test_learns_short_statements_from_the_log(server: Server) -> None:
    assert server.scaling is not None
    t = now()
    record_points_and_scans(server, 3.0, t)
    await server.scaling.tick(t)
    assert server.scaling.short_statement("auto", "select * from orders where id = 999")
    assert not server.scaling.short_statement("auto", "select count(*) from lineitem where d > 9")
    assert not server.scaling.short_statement("auto", "select 'never seen'")
    assert not server.scaling.short_statement("fixed", "select * from orders where id = 1")


async def test_the_workgroup_sets_the_short_query_limit(tmp_path: Path) -> None:
    # 4 ms point queries and 0.2 s scans: both short under the default limit (0.5 s), only
    # the point queries under a limit of 0.02 s.
    auto = {"name": "auto", "namespace": "sales", "port": 5441,
            "price_performance_target": 50, "short_query_max_seconds": 0.02}
    limited = {"namespace": CONFIG["namespace"], "workgroup": [auto]}
    for config, scans_short in ((CONFIG, True), (limited, False)):
        srv = Server.open(parse(config), tmp_path / f"data-{scans_short}")
        try:
            assert srv.scaling is not None
            srv.scaling.bootstrap()
            t = now()
            record_points_and_scans(srv, 0.2, t)
            await srv.scaling.tick(t)
            assert srv.scaling.short_statement("auto", "select * from orders where id = 1")
            assert srv.scaling.short_statement(
                "auto", "select count(*) from lineitem where d > 1") is scans_short
        finally:
            srv.engine.close()


async def test_disabling_the_target_stops_scaling(server: Server) -> None:
    assert server.scaling is not None
    await server.scaling.tick(now())
    assert "auto" in server.scaling.policies
    server.update_workgroup("auto", target_enabled=False, base_capacity=32)
    await server.scaling.tick(now())
    assert "auto" not in server.scaling.policies
    assert server.workgroups["auto"].pool.capacity == 32


async def test_history_survives_a_restart(tmp_path: Path) -> None:
    srv = Server.open(parse(CONFIG), tmp_path / "data")
    t = now() - timedelta(minutes=30)
    for minute in range(20):
        for i in range(5):
            record(srv, "auto", f"select sum(x) from t where k = {i}", 12.0,
                   t + timedelta(minutes=minute))
    srv.query_log.flush()
    srv.engine.close()
    again = Server.open(parse(CONFIG), tmp_path / "data")
    try:
        assert again.scaling is not None
        again.scaling.bootstrap()
        p = again.scaling.policies["auto"]
        assert p.queries.predict("x").source == "prior"
        assert p.queries.fingerprints == 1
        forecast = p.demand(datetime.now(UTC)).work
        assert forecast[0] > 0  # the recent minutes' work carries into the forecast
    finally:
        again.engine.close()
