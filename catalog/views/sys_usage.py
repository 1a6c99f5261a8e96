"""Redshift's views of rules, compute and sessions: STL_WLM_RULE_ACTION, STV_WLM_QMR_CONFIG,
SYS_SERVERLESS_USAGE, STL_USAGE_CONTROL, SYS_SESSION_HISTORY; and Duckshift's own
SYS_USAGE_LIMITS and SYS_CHARGEBACK (what ``duckshift usage`` reports).

SYS_SERVERLESS_USAGE has one row per minute with activity over the last seven days:
compute_seconds are RPU-seconds as consumed, charged_seconds what was billed (the 60-second
minimum included) in the minute the charge was settled, compute_capacity the average RPUs of the
minute's active time. SYS_CHARGEBACK attributes charges to workgroup, user, query group and, for
shared data, the consumer and producer namespaces; a producer's superuser also sees the charges
of consumers' queries on its data.
"""

from __future__ import annotations

from catalog.views.acl import system_table
from catalog.views.base import Session, View, lit
from catalog.views.sys_common import live_sql, merged_sql, superuser_only, user_id, visible


def stl_wlm_rule_action(session: Session) -> str:
    """STL_WLM_RULE_ACTION: one row per statement per rule that fired."""
    columns = [
        ("query_id", "BIGINT"), ("namespace_guid", "VARCHAR"), ("user_name", "VARCHAR"),
        ("workgroup", "VARCHAR"), ("service_class", "INTEGER"),
        ("service_class_name", "VARCHAR"), ("rule", "VARCHAR"), ("action", "VARCHAR"),
        ("recordtime", "TIMESTAMP"),
    ]
    rows = merged_sql("wlm_rule_actions", columns, ("query_id", "rule"))
    return (
        f"SELECT {user_id()} AS userid, CAST(query_id AS INTEGER) AS query, service_class, "
        "rule, action, recordtime, '' AS action_value, service_class_name "
        f"FROM ({rows}) WHERE {visible(session)}"
    )


def stv_wlm_qmr_config(session: Session) -> str:
    """STV_WLM_QMR_CONFIG: every predicate of every rule of the namespace's workgroups
    (superusers only)."""
    columns = [
        ("namespace_guid", "VARCHAR"), ("workgroup", "VARCHAR"), ("service_class", "INTEGER"),
        ("rule_name", "VARCHAR"), ("action", "VARCHAR"), ("metric_name", "VARCHAR"),
        ("metric_operator", "VARCHAR"), ("metric_value", "DOUBLE"), ("queue_name", "VARCHAR"),
    ]
    return (
        "SELECT service_class, rule_name, action, metric_name, metric_operator, metric_value, "
        f"'' AS action_value FROM ({live_sql('qmr_config', columns)}) "
        f"WHERE {superuser_only(session)}"
    )


def sys_serverless_usage(session: Session) -> str:
    """SYS_SERVERLESS_USAGE: per minute, the last seven days (superusers only)."""
    columns = [
        ("workgroup", "VARCHAR"), ("namespace_guid", "VARCHAR"), ("start_time", "TIMESTAMP"),
        ("compute_seconds", "DOUBLE"), ("active_seconds", "DOUBLE"),
        ("charged_seconds", "DOUBLE"), ("seq", "BIGINT"),
    ]
    rows = merged_sql("serverless_usage", columns, ("seq",))
    storage = (
        "(SELECT CAST(coalesce(sum(total_blocks * block_size), 0) / 1048576 AS INTEGER) "
        "FROM pragma_database_size() WHERE database_name IN ("
        + (", ".join(lit(a) for a in session.databases.values()) or "''") + "))"
    )
    return (
        "SELECT start_time, start_time + INTERVAL 1 MINUTE AS end_time, "
        "sum(compute_seconds) AS compute_seconds, "
        "CASE WHEN sum(active_seconds) > 0 THEN sum(compute_seconds) / sum(active_seconds) "
        "ELSE 0 END AS compute_capacity, "
        f"{storage} AS data_storage, 0 AS cross_region_transferred_data, "
        "CAST(round(sum(charged_seconds)) AS INTEGER) AS charged_seconds "
        f"FROM ({rows}) WHERE {superuser_only(session)} "
        "AND start_time >= CAST(now() AS TIMESTAMP) - INTERVAL 7 DAY "
        "GROUP BY start_time"
    )


def stl_usage_control(session: Session) -> str:
    """STL_USAGE_CONTROL: each time a usage limit was reached (superusers only)."""
    columns = [
        ("eventtime", "TIMESTAMP"), ("query_id", "BIGINT"), ("xid", "BIGINT"), ("pid", "INTEGER"),
        ("usage_limit_id", "VARCHAR"), ("feature_type", "VARCHAR"), ("workgroup", "VARCHAR"),
        ("namespace_guid", "VARCHAR"),
    ]
    rows = merged_sql("usage_control", columns, ("usage_limit_id", "eventtime"))
    return (
        "SELECT eventtime, CAST(query_id AS INTEGER) AS query, xid, pid, usage_limit_id, "
        f"feature_type FROM ({rows}) WHERE {superuser_only(session)}"
    )


def sys_session_history(session: Session) -> str:
    """SYS_SESSION_HISTORY: sessions open now and those that ended."""
    columns = [
        ("session_id", "INTEGER"), ("namespace_guid", "VARCHAR"), ("user_name", "VARCHAR"),
        ("database", "VARCHAR"), ("workgroup", "VARCHAR"), ("status", "VARCHAR"),
        ("session_timeout", "INTEGER"), ("start_time", "TIMESTAMP"), ("end_time", "TIMESTAMP"),
    ]
    rows = merged_sql("session_history", columns, ("session_id",), "sessions")
    return (
        f"SELECT CAST({user_id()} AS VARCHAR) AS user_id, session_id, "
        "database AS database_name, status, session_timeout, start_time, end_time "
        f"FROM ({rows}) WHERE {visible(session)}"
    )


def sys_usage_limits(session: Session) -> str:
    """SYS_USAGE_LIMITS (Duckshift): the usage limits of the namespace's workgroups and their
    current period (superusers only)."""
    columns = [
        ("namespace_guid", "VARCHAR"), ("limit_id", "VARCHAR"), ("workgroup", "VARCHAR"),
        ("usage_type", "VARCHAR"), ("amount", "BIGINT"), ("period", "VARCHAR"),
        ("breach_action", "VARCHAR"), ("period_start", "TIMESTAMP"),
        ("period_end", "TIMESTAMP"), ("used_rpu_hours", "DOUBLE"), ("breached", "BOOLEAN"),
    ]
    names = ", ".join(n for n, _ in columns[1:])
    return (f"SELECT {names} FROM ({live_sql('usage_limits', columns)}) "
            f"WHERE {superuser_only(session)}")


def sys_chargeback(session: Session) -> str:
    """SYS_CHARGEBACK (Duckshift): RPU-seconds charged per minute and attribution (superusers;
    a producer's see their consumers' statements on its shared data too)."""
    columns = [
        ("minute", "TIMESTAMP"), ("workgroup", "VARCHAR"), ("namespace_guid", "VARCHAR"),
        ("user_name", "VARCHAR"), ("query_group", "VARCHAR"),
        ("consumer_namespace", "VARCHAR"), ("producer_namespace", "VARCHAR"),
        ("compute_seconds", "DOUBLE"), ("charged_seconds", "DOUBLE"), ("seq", "BIGINT"),
    ]
    rows = merged_sql("usage_charges", columns, ("seq",))
    me = lit(session.namespace)
    where = (f"(namespace_guid = {me} OR producer_namespace = {me})"
             if session.superuser else "false")
    namespaces = system_table("namespaces")
    return (
        "SELECT c.minute, c.workgroup, n.name AS namespace, c.user_name, c.query_group, "
        "cn.name AS consumer_namespace, pn.name AS producer_namespace, "
        "c.compute_seconds, c.charged_seconds "
        f"FROM ({rows}) c LEFT JOIN {namespaces} n ON n.guid = c.namespace_guid "
        f"LEFT JOIN {namespaces} cn ON cn.guid = c.consumer_namespace "
        f"LEFT JOIN {namespaces} pn ON pn.guid = c.producer_namespace WHERE {where}"
    )


VIEWS = (
    View("pg_catalog", "stl_wlm_rule_action", stl_wlm_rule_action),
    View("pg_catalog", "stv_wlm_qmr_config", stv_wlm_qmr_config),
    View("pg_catalog", "sys_serverless_usage", sys_serverless_usage),
    View("pg_catalog", "stl_usage_control", stl_usage_control),
    View("pg_catalog", "sys_session_history", sys_session_history),
    View("pg_catalog", "sys_usage_limits", sys_usage_limits),
    View("pg_catalog", "sys_chargeback", sys_chargeback),
)
