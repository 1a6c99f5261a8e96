"""The sessions open now: STV_SESSIONS and pg_stat_activity, and the session's pg_cursors.

All read the server's live rows (``sys_common.live_sql``): the open sessions, and the
statements queued or running now, which only the server's memory holds. A superuser sees every
session of its namespace, another user its own; no session of another namespace ever shows.

pg_stat_activity has PostgreSQL 8's columns, which Redshift keeps (procpid, current_query, which
is ``<IDLE>`` for a session running nothing), and the later names tools read (pid, query,
state, backend_start, application_name, client_addr, client_port; the client's address and
application are not recorded, so those are NULL).
"""

from __future__ import annotations

from catalog.monitoring import PID_VARIABLE
from catalog.views.base import Session, View, lit, oid_sql, user_oid_expr
from catalog.views.sys_common import QUERY_COLUMNS, live_sql, visible

_SESSION_COLUMNS = [
    ("session_id", "INTEGER"), ("namespace_guid", "VARCHAR"), ("user_name", "VARCHAR"),
    ("database", "VARCHAR"), ("workgroup", "VARCHAR"), ("status", "VARCHAR"),
    ("session_timeout", "INTEGER"), ("start_time", "TIMESTAMP"), ("end_time", "TIMESTAMP"),
]
# Databases are numbered as pg_database numbers them (roles.database_oid_sql).
_DATABASE = "'database'"
# Statement states of the live rows while a statement has not finished.
_UNFINISHED = "('queued', 'running', 'returning')"


def _open_sessions(session: Session) -> str:
    """The open sessions the session may see."""
    return (f"SELECT * FROM ({live_sql('sessions', _SESSION_COLUMNS)}) "
            f"WHERE status = 'active' AND {visible(session)}")


def stv_sessions(session: Session) -> str:
    """STV_SESSIONS: one row per open session."""
    return (
        "SELECT start_time AS starttime, session_id AS process, user_name, "
        "database AS db_name, session_timeout AS timeout_sec "
        f"FROM ({_open_sessions(session)}) ORDER BY starttime, process"
    )


def pg_stat_activity(session: Session) -> str:
    """pg_catalog.pg_stat_activity: one row per open session with what it runs now."""
    running = (
        "SELECT session_pid, query_text, start_time, status "
        f"FROM ({live_sql('queries', QUERY_COLUMNS)}) WHERE status IN {_UNFINISHED} "
        "QUALIFY row_number() OVER (PARTITION BY session_pid ORDER BY start_time DESC) = 1"
    )
    return (
        f"SELECT {oid_sql(_DATABASE, 's.database')} AS datid, "
        "s.database AS datname, s.session_id AS procpid, s.session_id AS pid, "
        f"{user_oid_expr('s.user_name')} AS usesysid, s.user_name AS usename, "
        "CAST(NULL AS VARCHAR) AS application_name, CAST(NULL AS VARCHAR) AS client_addr, "
        "CAST(NULL AS INTEGER) AS client_port, "
        "CAST(s.start_time AS TIMESTAMPTZ) AS backend_start, "
        "CAST(q.start_time AS TIMESTAMPTZ) AS query_start, "
        "CASE WHEN q.session_pid IS NULL THEN 'idle' ELSE 'active' END AS state, "
        "coalesce(q.status = 'queued', false) AS waiting, "
        "coalesce(q.query_text, '<IDLE>') AS current_query, q.query_text AS query "
        f"FROM ({_open_sessions(session)}) s "
        f"LEFT JOIN ({running}) q ON q.session_pid = s.session_id "
        "ORDER BY s.session_id"
    )


_CURSOR_COLUMNS = [
    ("session_id", "INTEGER"), ("namespace_guid", "VARCHAR"), ("name", "VARCHAR"),
    ("statement", "VARCHAR"), ("is_holdable", "BOOLEAN"),
    ("creation_time", "TIMESTAMP WITH TIME ZONE"),
]


def pg_cursors(session: Session) -> str:
    """pg_catalog.pg_cursors: the cursors the session has open (DECLARE), as PostgreSQL lists
    them; cursors are forward-only and sent in the session's format, never binary or scroll.

    The translation is shared by the user's sessions: whose cursors these are is read when the
    statement runs, from the pid its DuckDB connection holds.
    """
    return (
        "SELECT name, statement, is_holdable, false AS is_binary, false AS is_scrollable, "
        f"creation_time FROM ({live_sql('cursors', _CURSOR_COLUMNS)}) "
        f"WHERE namespace_guid = {lit(session.namespace)} "
        f"AND session_id = CAST(getvariable({lit(PID_VARIABLE)}) AS INTEGER) "
        "ORDER BY creation_time, name"
    )


VIEWS = (
    View("pg_catalog", "stv_sessions", stv_sessions),
    View("pg_catalog", "pg_stat_activity", pg_stat_activity),
    View("pg_catalog", "pg_cursors", pg_cursors),
)
