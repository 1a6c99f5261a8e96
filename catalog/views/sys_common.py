"""What the workload-management views share: the system tables merged with rows in memory.

Statements running now, and rows of the last second not yet written (or written after the
reading statement's snapshot was taken), exist only in the server's memory; the views read
them through the server's function (``catalog.monitoring.LIVE_FUNCTION``, JSON) and add those
a table does not already hold, by key. Visibility follows Redshift: superusers see every row of
their namespace, other users their own; some views are for superusers only.
"""

from __future__ import annotations

import json

from catalog.monitoring import LIVE_FUNCTION
from catalog.views.acl import system_table
from catalog.views.base import Session, lit, user_oid_expr

# query_history's columns and types (catalog.query_log.COLUMNS).
QUERY_COLUMNS: list[tuple[str, str]] = [
    ("query_id", "BIGINT"), ("session_pid", "INTEGER"), ("transaction_id", "BIGINT"),
    ("namespace_guid", "VARCHAR"), ("database", "VARCHAR"), ("user_name", "VARCHAR"),
    ("workgroup", "VARCHAR"), ("statement_type", "VARCHAR"), ("query_text", "VARCHAR"),
    ("start_time", "TIMESTAMP"), ("end_time", "TIMESTAMP"), ("queue_us", "BIGINT"),
    ("execution_us", "BIGINT"), ("rows_returned", "BIGINT"), ("bytes_returned", "BIGINT"),
    ("status", "VARCHAR"), ("error_code", "VARCHAR"), ("error_message", "VARCHAR"),
    ("user_id", "INTEGER"), ("query_group", "VARCHAR"), ("service_class", "INTEGER"),
    ("service_class_name", "VARCHAR"), ("cpu_time_us", "BIGINT"), ("blocks_read", "BIGINT"),
    ("temp_blocks", "BIGINT"), ("scan_rows", "BIGINT"), ("join_rows", "BIGINT"),
    ("nl_join_rows", "BIGINT"), ("cpu_skew", "DOUBLE"), ("io_skew", "DOUBLE"),
    ("compute_rpu_seconds", "DOUBLE"), ("consumer_namespace", "VARCHAR"),
    ("producer_namespace", "VARCHAR"), ("usage_limit", "VARCHAR"),
    ("short_query_accelerated", "BOOLEAN"),
]


def live_sql(kind: str, columns: list[tuple[str, str]]) -> str:
    """The rows the server holds in memory for ``kind``, typed as ``columns``."""
    shape = json.dumps([{name: typ for name, typ in columns}])
    return (f"SELECT unnest(from_json({LIVE_FUNCTION}({lit(kind)}), {lit(shape)}), "
            "recursive := true)")


def merged_sql(table: str, columns: list[tuple[str, str]], key: tuple[str, ...],
               kind: str | None = None) -> str:
    """A system table's rows plus those in memory that it does not hold yet (by ``key``)."""
    names = ", ".join(name for name, _ in columns)
    match = " AND ".join(f"t.{k} IS NOT DISTINCT FROM l.{k}" for k in key)
    return (
        f"SELECT {names} FROM {system_table(table)} UNION ALL "
        f"SELECT {names} FROM ({live_sql(kind or table, columns)}) l "
        f"WHERE NOT EXISTS (SELECT 1 FROM {system_table(table)} t WHERE {match})"
    )


def queries_sql(session: Session) -> str:
    """Every statement record the session may see, running ones included."""
    return (f"SELECT * FROM ({merged_sql('query_history', QUERY_COLUMNS, ('query_id',), 'queries')}"
            f") WHERE {visible(session)}")


def visible(session: Session, user: str = "user_name") -> str:
    """SQL true for rows of the session's namespace it may see: all for a superuser, else its
    own (``user``: the column naming the row's user)."""
    mine = f"namespace_guid = {lit(session.namespace)}"
    if session.superuser:
        return mine
    return f"{mine} AND {user} = {lit(session.user)}"


def superuser_only(session: Session) -> str:
    """SQL true for rows of the session's namespace, for superusers only."""
    return f"namespace_guid = {lit(session.namespace)}" if session.superuser else "false"


def user_id(column: str = "user_name") -> str:
    """The user's id as pg_user.usesysid numbers it."""
    return f"CAST({user_oid_expr(column)} AS INTEGER)"
