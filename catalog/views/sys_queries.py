"""Redshift's views of statements: SYS_QUERY_HISTORY, SYS_QUERY_DETAIL, STL_QUERY,
STL_QUERYTEXT, SVL_QUERY_METRICS_SUMMARY, STV_INFLIGHT, STV_RECENTS, STV_WLM_QUERY_STATE.

All read the statement records (``catalog.query_log``) merged with what runs now
(``sys_common``); times are microseconds where Redshift's are, seconds in the metrics summary.
Redshift's SYS_QUERY_HISTORY status vocabulary: queued, running, returning, failed, canceled,
success. User ids are pg_user's usesysid.
"""

from __future__ import annotations

from catalog.views.base import Session, View
from catalog.views.sys_common import merged_sql, queries_sql, user_id, visible

# Redshift's patch version, as the server reports it (padb_version, version()).
REDSHIFT_VERSION = "1.0.1"


def sys_query_history(session: Session) -> str:
    """SYS_QUERY_HISTORY: one row per statement, running and finished."""
    return (
        f"SELECT {user_id()} AS user_id, query_id, "
        "CAST(coalesce(nullif(query_group, 'default'), '') AS VARCHAR) AS query_label, "
        "transaction_id, CAST(session_pid AS INTEGER) AS session_id, "
        "database AS database_name, statement_type AS query_type, status, "
        "false AS result_cache_hit, start_time, end_time, "
        "CAST(queue_us + execution_us AS BIGINT) AS elapsed_time, "
        "CAST(queue_us AS BIGINT) AS queue_time, CAST(execution_us AS BIGINT) AS execution_time, "
        "error_message, CAST(rows_returned AS BIGINT) AS returned_rows, "
        "CAST(bytes_returned AS BIGINT) AS returned_bytes, "
        "CAST(left(query_text, 4000) AS VARCHAR) AS query_text, "
        f"'{REDSHIFT_VERSION}' AS redshift_version, usage_limit, "
        "'primary' AS compute_type, CAST(0 AS BIGINT) AS compile_time, "
        "CAST(0 AS BIGINT) AS planning_time, CAST(0 AS BIGINT) AS lock_wait_time, "
        "service_class AS service_class_id, service_class_name, "
        "'Normal' AS query_priority, "
        "CAST(coalesce(short_query_accelerated, false) AS VARCHAR) AS short_query_accelerated, "
        "CAST(hash(query_text) AS VARCHAR) AS user_query_hash, "
        "CAST(hash(query_text) AS VARCHAR) AS generic_query_hash, "
        "1 AS query_hash_version, CAST(NULL AS BIGINT) AS result_cache_query_id "
        f"FROM ({queries_sql(session)})"
    )


def sys_query_detail(session: Session) -> str:
    """SYS_QUERY_DETAIL: one row per operator of DuckDB's profile of a statement."""
    columns = [
        ("query_id", "BIGINT"), ("namespace_guid", "VARCHAR"), ("user_name", "VARCHAR"),
        ("step_id", "INTEGER"), ("segment_id", "INTEGER"), ("operator", "VARCHAR"),
        ("step_name", "VARCHAR"), ("table_name", "VARCHAR"), ("start_time", "TIMESTAMP"),
        ("end_time", "TIMESTAMP"), ("duration_us", "BIGINT"), ("input_rows", "BIGINT"),
        ("output_rows", "BIGINT"), ("output_bytes", "BIGINT"), ("rows_scanned", "BIGINT"),
    ]
    rows = merged_sql("query_detail", columns, ("query_id", "step_id"))
    return (
        f"SELECT {user_id()} AS user_id, query_id, 1 AS child_query_sequence, 0 AS stream_id, "
        "segment_id, step_id, step_name, CAST(0 AS INTEGER) AS table_id, table_name, "
        "'f' AS is_rrscan, start_time, end_time, duration_us AS duration, '' AS alert, "
        "CAST(0 AS BIGINT) AS input_bytes, input_rows, output_bytes, output_rows, "
        "operator AS step_attribute "
        f"FROM ({rows}) WHERE {visible(session)}"
    )


def stl_query(session: Session) -> str:
    """STL_QUERY: finished and running statements, text up to 4000 characters."""
    return (
        f"SELECT {user_id()} AS userid, CAST(query_id AS INTEGER) AS query, "
        "CAST(coalesce(nullif(query_group, 'default'), 'default') AS VARCHAR) AS label, "
        "transaction_id AS xid, session_pid AS pid, database, "
        "CAST(left(query_text, 4000) AS VARCHAR) AS querytxt, start_time AS starttime, "
        "coalesce(end_time, start_time) AS endtime, "
        "CAST(CASE WHEN status IN ('canceled', 'failed') THEN 1 ELSE 0 END AS INTEGER) "
        "AS aborted, 0 AS insert_pristine, 0 AS concurrency_scaling_status "
        f"FROM ({queries_sql(session)})"
    )


def stl_querytext(session: Session) -> str:
    """STL_QUERYTEXT: statement texts in 200-character pieces."""
    return (
        f"SELECT {user_id()} AS userid, transaction_id AS xid, session_pid AS pid, "
        "CAST(query_id AS INTEGER) AS query, CAST(seq AS INTEGER) AS sequence, "
        "CAST(substr(query_text, seq * 200 + 1, 200) AS VARCHAR) AS text "
        f"FROM ({queries_sql(session)}) q, "
        "LATERAL unnest(range(0, greatest(1, (length(q.query_text) + 199) // 200))) s(seq)"
    )


def svl_query_metrics_summary(session: Session) -> str:
    """SVL_QUERY_METRICS_SUMMARY: the QMR metrics of each statement (seconds, 1 MB blocks)."""
    return (
        f"SELECT {user_id()} AS userid, CAST(query_id AS INTEGER) AS query, "
        "service_class, CAST(round(coalesce(cpu_time_us, 0) / 1e6) AS BIGINT) "
        "AS query_cpu_time, CAST(coalesce(blocks_read, 0) AS BIGINT) AS query_blocks_read, "
        "CAST(round(execution_us / 1e6) AS BIGINT) AS query_execution_time, "
        "CAST(CASE WHEN execution_us > 0 THEN 100.0 * coalesce(cpu_time_us, 0) / execution_us "
        "ELSE 0 END AS DECIMAL(38, 2)) AS query_cpu_usage_percent, "
        "CAST(coalesce(temp_blocks, 0) AS BIGINT) AS query_temp_blocks_to_disk, "
        "CAST(round(execution_us / 1e6) AS BIGINT) AS segment_execution_time, "
        "CAST(coalesce(cpu_skew, 0) AS DECIMAL(38, 2)) AS cpu_skew, "
        "CAST(coalesce(io_skew, 0) AS DECIMAL(38, 2)) AS io_skew, "
        "CAST(scan_rows AS BIGINT) AS scan_row_count, CAST(join_rows AS BIGINT) "
        "AS join_row_count, CAST(nl_join_rows AS BIGINT) AS nested_loop_join_row_count, "
        "CAST(rows_returned AS BIGINT) AS return_row_count, "
        "CAST(0 AS BIGINT) AS spectrum_scan_row_count, "
        "CAST(0 AS BIGINT) AS spectrum_scan_size_mb, "
        "CAST(round(queue_us / 1e6) AS BIGINT) AS query_queue_time "
        f"FROM ({queries_sql(session)}) WHERE status NOT IN ('queued', 'running', 'returning')"
    )


def _now_running(session: Session) -> str:
    return (f"SELECT * FROM ({queries_sql(session)}) "
            "WHERE status IN ('queued', 'running', 'returning')")


def stv_inflight(session: Session) -> str:
    """STV_INFLIGHT: statements running now."""
    return (
        f"SELECT {user_id()} AS userid, 0 AS slice, CAST(query_id AS INTEGER) AS query, "
        "CAST(coalesce(nullif(query_group, 'default'), '') AS VARCHAR) AS label, "
        "transaction_id AS xid, session_pid AS pid, start_time AS starttime, "
        "CAST(left(query_text, 100) AS VARCHAR) AS text, 0 AS suspended, "
        "0 AS insert_pristine, 0 AS concurrency_scaling_status "
        f"FROM ({_now_running(session)}) WHERE status <> 'queued'"
    )


def stv_wlm_query_state(session: Session) -> str:
    """STV_WLM_QUERY_STATE: statements WLM tracks now, with their queue and state."""
    return (
        "SELECT CAST(transaction_id AS INTEGER) AS xid, CAST(query_id AS INTEGER) AS task, "
        "CAST(query_id AS INTEGER) AS query, service_class, 1 AS slot_count, "
        "start_time AS wlm_start_time, "
        "CAST(CASE status WHEN 'queued' THEN 'Queued' WHEN 'returning' THEN 'Returning' "
        "ELSE 'Running' END AS VARCHAR) AS state, "
        "CAST(queue_us AS BIGINT) AS queue_time, CAST(execution_us AS BIGINT) AS exec_time, "
        "'n/a' AS query_priority "
        f"FROM ({_now_running(session)})"
    )


def stv_recents(session: Session) -> str:
    """STV_RECENTS: statements running now and those of the last hour."""
    return (
        f"SELECT {user_id()} AS userid, "
        "CAST(CASE WHEN status IN ('queued', 'running', 'returning') THEN 'Running' "
        "ELSE 'Done' END AS VARCHAR) AS status, start_time AS starttime, "
        "CAST(queue_us + execution_us AS INTEGER) AS duration, user_name, "
        "database AS db_name, CAST(left(query_text, 600) AS VARCHAR) AS query, "
        "CAST(CASE WHEN status IN ('queued', 'running', 'returning') THEN session_pid "
        "ELSE -1 END AS INTEGER) AS pid "
        f"FROM ({queries_sql(session)}) "
        "WHERE status IN ('queued', 'running', 'returning') "
        "OR start_time >= CAST(now() AS TIMESTAMP) - INTERVAL 1 HOUR"
    )


VIEWS = (
    View("pg_catalog", "sys_query_history", sys_query_history),
    View("pg_catalog", "sys_query_detail", sys_query_detail),
    View("pg_catalog", "stl_query", stl_query),
    View("pg_catalog", "stl_querytext", stl_querytext),
    View("pg_catalog", "svl_query_metrics_summary", svl_query_metrics_summary),
    View("pg_catalog", "stv_inflight", stv_inflight),
    View("pg_catalog", "stv_wlm_query_state", stv_wlm_query_state),
    View("pg_catalog", "stv_recents", stv_recents),
)
