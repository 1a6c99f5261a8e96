"""Workload management through real clients: query limits, queues and rules, cancel."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors

from tests.e2e.server import ADMIN_PASSWORD, RunningServer, free_port, start

LONG_QUERY = "select max(md5(x::varchar)) from range(1000000000000) t(x)"
ABORT = 'Query ({}) cancelled by WLM abort action of Query Monitoring Rule "{}".'


def _config(port: int, parameters: str, extra: str = "") -> str:
    return f"""
[server.wlm]
evaluation_interval_seconds = 0.1
{extra}
[[namespace]]
name = "wlm"
admin_password = "{ADMIN_PASSWORD}"
[[workgroup]]
name = "wlm-wg"
namespace = "wlm"
port = {port}
base_capacity = 32
[workgroup.config_parameters]
{parameters}
"""


def _start(fresh_server: Callable[..., RunningServer], parameters: str,
           extra: str = "") -> RunningServer:
    port = free_port()
    return fresh_server(config=_config(port, parameters, extra), ports={"wlm-wg": port})


def _connect(srv: RunningServer, user: str = "admin", password: str = ADMIN_PASSWORD,
             **kw: object) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(host=srv.host, port=srv.port, user=user, password=password,
                           dbname="dev", sslmode="disable", autocommit=True, **kw)


def _last_query_id(conn: psycopg.Connection[tuple[object, ...]], marker: str) -> int:
    row = conn.execute(
        "select query_id from sys_query_history where query_text like %s "
        "and query_text not like '%%sys_query_history%%' order by query_id desc limit 1",
        [f"%{marker}%"]).fetchone()
    assert row is not None
    return int(row[0])


def test_query_limits_fire_exactly_when_their_predicate_holds(
        fresh_server: Callable[..., RunningServer]) -> None:
    srv = _start(fresh_server, "")
    with _connect(srv) as conn:
        conn.execute("create table t1000 as select range as x from range(1000)")
        conn.execute("create table t1001 as select range as x from range(1001)")
        # At run time, as UpdateWorkgroup sets configParameters.
        conn.execute("alter workgroup \"wlm-wg\" set config_parameters '" + json.dumps({
            "max_query_execution_time": 1, "max_return_row_count": "100",
            "max_scan_row_count": 2000, "max_join_row_count": 3000}) + "'")
        with pytest.raises(errors.InvalidParameterValue, match="isn't supported"):
            conn.execute("""alter workgroup "wlm-wg" set config_parameters '{"max_x": 1}'""")
        # Just under each limit: the statement completes.
        assert len(conn.execute("select * from range(100) /* ok-rows */").fetchall()) == 100
        assert conn.execute("select count(*) from t1000 a join t1000 b on a.x = b.x "
                            "/* ok-join */").fetchone() == (1000,)  # 2000 rows scanned
        cases = [
            ("select * from range(101) /* too-many-rows */", "max_return_row_count"),
            ("select count(*) from t1001 a join t1000 b on a.x = b.x /* too-much-scan */",
             "max_scan_row_count"),
            ("select count(*) from t1000 a join t1000 b on a.x = b.x join t1000 c "
             "on b.x = c.x join t1000 d on c.x = d.x /* too-much-join */", "max_join_row_count"),
            (f"{LONG_QUERY} /* too-long */", "max_query_execution_time"),
        ]
        for sql, rule in cases:
            with pytest.raises(errors.QueryCanceled) as info:
                conn.execute(sql).fetchall()
            marker = sql.split("/* ")[1].split(" */")[0]
            qid = _last_query_id(conn, marker)
            assert info.value.diag.message_primary == ABORT.format(qid, rule)
            assert info.value.sqlstate == "57014"
            # The session goes on.
            assert conn.execute("select 1").fetchone() == (1,)
            status = conn.execute("select status, trim(error_message) from sys_query_history "
                                  "where query_id = %s", [qid]).fetchone()
            assert status == ("canceled", ABORT.format(qid, rule))
            actions = dict(conn.execute(
                "select trim(rule), trim(action) from stl_wlm_rule_action where query = %s",
                [qid]).fetchall())
            # The most severe wins, ties by name; the rest are logged as superseded.
            assert actions[rule] == "abort"
            assert set(actions.values()) <= {"abort", "none"}
            assert list(actions.values()).count("abort") == 1
        ok = conn.execute(
            "select count(*) from stl_wlm_rule_action a join sys_query_history h "
            "on a.query = h.query_id where h.query_text like '%/* ok-%'").fetchone()
        assert ok == (0,)
        config = conn.execute(
            "select trim(rule_name), trim(metric_name), metric_value from stv_wlm_qmr_config "
            "order by 1").fetchall()
        assert ("max_query_execution_time", "query_execution_time", 1.0) in config
        metrics = conn.execute(
            "select scan_row_count, join_row_count, return_row_count "
            "from svl_query_metrics_summary s join sys_query_history h on s.query = h.query_id "
            "where h.query_text like '%/* ok-join */%'").fetchone()
        assert metrics == (2000, 2000, 1)


def test_queues_hop_log_and_abort(fresh_server: Callable[..., RunningServer]) -> None:
    scan = {"metric_name": "scan_row_count", "operator": ">"}
    queues = [
        {"name": "fast", "query_group": ["rpt"], "rules": [
            {"rule_name": "fast_hop", "action": "hop", "predicate": [{**scan, "value": 100}]}]},
        {"name": "slow", "query_group": ["rpt*"], "query_group_wild_card": 1, "rules": [
            {"rule_name": "slow_log", "action": "log", "predicate": [{**scan, "value": 100}]},
            {"rule_name": "slow_hop", "action": "hop", "predicate": [{**scan, "value": 2000}]}]},
        {"rules": [{"rule_name": "no_big_scans", "action": "abort",
                    "predicate": [{**scan, "value": 5000}]}]},
    ]
    srv = _start(fresh_server, "")
    with _connect(srv) as conn:
        conn.execute("create table big as select range as x from range(6000)")
        conn.execute("create table small as select range as x from range(1000)")
        # Redshift's string literals take backslash escapes: the nested JSON's need doubling.
        params = json.dumps({"wlm_json_configuration": json.dumps(queues)}).replace("\\", "\\\\")
        conn.execute(f"alter workgroup \"wlm-wg\" set config_parameters '{params}'")
        conn.execute("set query_group to 'rpt'")
        assert conn.execute("select count(*) from small /* hopped */").fetchone() == (1000,)
        hopped = _last_query_id(conn, "hopped")
        conn.execute("set query_group to 'rpt2'")
        with pytest.raises(errors.QueryCanceled) as info:
            conn.execute("select count(*) from big /* no-queue-left */").fetchone()
        nowhere = _last_query_id(conn, "no-queue-left")
        assert "hop action" in str(info.value) and "slow_hop" in str(info.value)
        conn.execute("reset query_group")
        with pytest.raises(errors.QueryCanceled, match="no_big_scans"):
            conn.execute("select count(*) from big /* default-abort */").fetchone()
        aborted = _last_query_id(conn, "default-abort")
        rows = conn.execute(
            "select query, trim(rule), trim(action), service_class, trim(service_class_name) "
            "from stl_wlm_rule_action order by query, rule").fetchall()
        assert rows == [
            (hopped, "fast_hop", "hop(reassign)", 6, "fast"),
            (hopped, "slow_log", "log", 7, "slow"),
            (nowhere, "slow_hop", "hop", 7, "slow"),
            (nowhere, "slow_log", "none", 7, "slow"),
            (aborted, "no_big_scans", "abort", 8, "Default queue"),
        ]
        classes = dict(conn.execute(
            "select query_id, service_class_id from sys_query_history where query_id in "
            "(%s, %s, %s)", [hopped, nowhere, aborted]).fetchall())
        assert classes == {hopped: 7, nowhere: 7, aborted: 8}


def test_queue_time_limit_aborts_a_waiting_query(
        fresh_server: Callable[..., RunningServer]) -> None:
    # 8 RPUs: one slot, so the second statement waits behind the first.
    port, metrics = free_port(), free_port()
    config = _config(port, "max_query_queue_time = 1", f"metrics_port = {metrics}").replace(
        "base_capacity = 32", "base_capacity = 8\nmax_capacity = 8")
    srv = fresh_server(config=config, ports={"wlm-wg": port})
    with _connect(srv) as blocker, _connect(srv) as waiter:
        blocker.execute("set statement_timeout = 4000")
        failed: list[BaseException] = []

        def block() -> None:
            try:
                blocker.execute(LONG_QUERY)
            except psycopg.Error as exc:
                failed.append(exc)

        thread = threading.Thread(target=block)
        thread.start()
        # Watched from outside: any statement would queue behind the one slot.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and 'running_queries{workgroup="wlm-wg"} 1.0' not in (
                urllib.request.urlopen(f"http://127.0.0.1:{metrics}/metrics").read().decode()):
            time.sleep(0.05)
        with pytest.raises(errors.QueryCanceled, match="max_query_queue_time"):
            waiter.execute("select 42 /* waits */")
        thread.join()
        assert isinstance(failed[0], errors.QueryCanceled)
        assert waiter.execute("select 1").fetchone() == (1,)


def test_cancel_and_terminate_with_permissions(
        fresh_server: Callable[..., RunningServer]) -> None:
    srv = _start(fresh_server, "max_query_cpu_time = 100000")
    with _connect(srv) as admin:
        for user in ("ann", "bob"):
            admin.execute(f"create user {user} password 'Passw0rd-{user}'")
    ann = _connect(srv, "ann", "Passw0rd-ann")
    ann2 = _connect(srv, "ann", "Passw0rd-ann")
    bob = _connect(srv, "bob", "Passw0rd-bob")
    admin = _connect(srv)
    try:
        ann_pid = ann.info.backend_pid
        outcome: list[BaseException] = []

        def run_long() -> None:
            try:
                ann.execute(LONG_QUERY)
            except psycopg.Error as exc:
                outcome.append(exc)

        for canceller, how in ((ann2, "select pg_cancel_backend({})"),
                               (admin, "cancel {} 'admin says stop'")):
            outcome.clear()
            thread = threading.Thread(target=run_long)
            thread.start()
            _wait_running(admin, ann_pid)
            with pytest.raises(errors.InsufficientPrivilege):
                bob.execute(f"select pg_cancel_backend({ann_pid})")
            canceller.execute(how.format(ann_pid))
            thread.join(20)
            assert isinstance(outcome[0], errors.QueryCanceled)
            assert "cancelled on user's request" in str(outcome[0])
            if "admin" in how:
                assert "admin says stop" in str(outcome[0])
            assert ann.execute("select 1").fetchone() == (1,)
        assert admin.execute(f"select pg_terminate_backend({ann_pid})").fetchone() == (1,)
        time.sleep(0.2)
        with pytest.raises(psycopg.OperationalError):
            ann.execute("select 1")
    finally:
        for c in (ann, ann2, bob, admin):
            c.close()


def _wait_running(conn: psycopg.Connection[tuple[object, ...]], pid: int) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if conn.execute("select count(*) from stv_recents where pid = %s and status = 'Running'",
                        [pid]).fetchone() == (1,):
            return
        time.sleep(0.05)
    raise AssertionError("the statement never showed as running")


def test_invalid_parameters_refuse_to_start(fresh_server: Callable[..., RunningServer]) -> None:
    port = free_port()
    with pytest.raises(RuntimeError):
        fresh_server(config=_config(port, "max_query_runtime = 5"), ports={"wlm-wg": port})


def test_history_visibility_and_restart(fresh_server: Callable[..., RunningServer]) -> None:
    port = free_port()
    config = _config(port, "max_return_row_count = 50")
    srv = fresh_server(config=config, ports={"wlm-wg": port})
    with _connect(srv) as admin:
        admin.execute("create user ann password 'Passw0rd-ann'")
        admin.execute("select 'admin was here'")
        with pytest.raises(errors.QueryCanceled):
            admin.execute("select * from range(100) /* too many */")
    with _connect(srv, "ann", "Passw0rd-ann") as ann:
        ann.execute("select 'ann was here' /* " + "x" * 450 + " */")
        seen = {r[0] for r in ann.execute("select trim(query_text) from sys_query_history")}
        assert any("ann was here" in t for t in seen)
        assert not any("admin was here" in t for t in seen)
        assert ann.execute("select count(*) from stl_wlm_rule_action").fetchone() == (0,)
        for superuser_only in ("sys_serverless_usage", "stl_usage_control",
                               "stv_wlm_qmr_config"):
            assert ann.execute(f"select count(*) from {superuser_only}").fetchone() == (0,)
        pieces = ann.execute(
            "select sequence, length(text) from stl_querytext q join sys_query_history h "
            "on q.query = h.query_id where h.query_text like '%ann was here%' "
            "and h.query_text not like '%stl_querytext%' order by 1").fetchall()
        assert [p[0] for p in pieces] == [0, 1, 2] and pieces[0][1] == 200
    assert srv.stop() == 0
    # History is in the system database: a restart keeps it.
    again = start(srv.data_dir, config=config, ports={"wlm-wg": port})
    try:
        with _connect(again) as admin:
            texts = [r[0] for r in admin.execute(
                "select trim(query_text) from sys_query_history order by query_id")]
            assert any("admin was here" in t for t in texts)
            assert any("ann was here" in t for t in texts)
            assert admin.execute("select trim(rule) from stl_wlm_rule_action").fetchall() == [
                ("max_return_row_count",)]
            sessions = admin.execute(
                "select trim(status), count(*) from sys_session_history group by 1 order by 1"
            ).fetchall()
            assert dict(sessions)["closed"] >= 2 and dict(sessions)["active"] == 1
    finally:
        again.stop()
