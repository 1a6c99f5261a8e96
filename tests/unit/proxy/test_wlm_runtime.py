"""The WLM runtime without a server: usage-limit periods roll over, COPY/ANALYZE never stop,
a hop moves on and the new queue's rules apply, each rule logs once per statement."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pytest

from catalog.model import QueryRecord
from catalog.monitoring import MonitoringStore
from catalog.query_log import QueryLog
from catalog.store import SYSTEM_ALIAS, SYSTEM_SCHEMA, Catalog
from engine.admission import WorkgroupPool
from engine.metering import Attribution
from policies import wlm
from policies.usage_limits import UsageLimit
from proxy.wlm import Running, Wlm
from proxy.wlm_config import WlmSettings


@pytest.fixture
def runtime() -> Wlm:
    con = duckdb.connect()
    con.execute(f"ATTACH ':memory:' AS {SYSTEM_ALIAS}")
    Catalog(con.cursor(), SYSTEM_SCHEMA)
    store = MonitoringStore(con.cursor(), SYSTEM_SCHEMA)
    return Wlm(WlmSettings(), store, QueryLog(con.cursor(), SYSTEM_SCHEMA))


def _running(runtime: Wlm, queue: wlm.Queue, kind: str, config: wlm.WlmConfig) -> Running:
    wg = runtime.add_workgroup("wg", "ns", WorkgroupPool("wg", 8), ())
    wg.config = config
    record = QueryRecord(1, 10, 0, "ns", "dev", "ann", "wg", kind, "x", datetime(2024, 1, 1))
    run = Running(record, conn=Any, wg=wg, queue=queue, roles=(), kind=kind,  # type: ignore[arg-type]
                  queued_at=time.monotonic() - 20, who=Attribution("ns", "ann"))
    run.started_at = time.monotonic() - 10
    return run


def _actions(runtime: Wlm) -> list[tuple[str, str, str]]:
    return [(r[5], r[6], r[7]) for r in runtime.store.unwritten("wlm_rule_actions")]


LONG = wlm.Predicate("query_execution_time", ">", 5)


def test_analyze_is_never_aborted_only_logged(runtime: Wlm) -> None:
    queue = wlm.Queue("q", 6, rules=(wlm.Rule("stop", (LONG,), "abort"),))
    run = _running(runtime, queue, "ANALYZE", wlm.WlmConfig((queue,)))
    runtime.decide(run, time.monotonic())
    assert run.abort is None
    assert _actions(runtime) == [("q", "stop", "log")]
    runtime.decide(run, time.monotonic())  # once per statement per rule
    assert len(_actions(runtime)) == 1


def test_hop_reassigns_and_the_next_queue_rules_apply(runtime: Wlm) -> None:
    first = wlm.Queue("first", 6, query_groups=("g",), rules=(wlm.Rule("move", (LONG,), "hop"),))
    second = wlm.Queue("second", 7, query_groups=("g",),
                       rules=(wlm.Rule("kill", (LONG,), "abort"),))
    run = _running(runtime, first, "SELECT",
                   wlm.WlmConfig((first, second, wlm.Queue("Default queue", 8))))
    run.record.query_group = "g"
    runtime.decide(run, time.monotonic())
    assert run.queue is second
    assert _actions(runtime) == [("first", "move", "hop(reassign)"), ("second", "kill", "abort")]
    assert run.abort is not None and 'Rule "kill"' in run.abort.message


def test_deactivation_ends_when_the_period_rolls_over(runtime: Wlm) -> None:
    wg = runtime.add_workgroup("wg", "ns", WorkgroupPool("wg", 8), ())
    wg.limits = [UsageLimit("lim", "wg", 1, "daily", "deactivate")]
    late = datetime(2024, 5, 4, 23, 59, 30)
    wg.charged[int(late.replace(second=0, tzinfo=UTC).timestamp())] = 3600.0
    runtime._check_limits(wg, late)
    assert wg.deactivated_by is not None and "lim" in wg.breached
    assert [r[4] for r in runtime.store.unwritten("usage_control")] == ["lim"]
    runtime._check_limits(wg, late + timedelta(minutes=1))  # the next day
    assert wg.deactivated_by is None and not wg.breached
