"""SYS_SERVERLESS_SCALING: the scaler's decisions for the session's namespace's workgroups.

One row per decision (``catalog.scaling_log``): when, which workgroup, the capacity in RPUs
before and after (equal when the scaler held), the price-performance level, the forecast the
decision rested on (demand in slots, that is slot-seconds per second, and statements per
minute, over the next minute), the pool it saw (running, queued and the queued statements'
predicted slot-seconds) and the reason in words.

Visibility follows SYS_SERVERLESS_USAGE: superusers and holders of ACCESS SYSTEM TABLE see the
rows; other users see none.
"""

from __future__ import annotations

from catalog.views.acl import sees_all_sql, system_table
from catalog.views.base import Session, View, lit


def sys_serverless_scaling(session: Session) -> str:
    """pg_catalog.sys_serverless_scaling."""
    return (
        "SELECT event_time, CAST(workgroup AS VARCHAR(128)) AS workgroup_name, "
        "from_capacity, to_capacity, target_level AS price_performance_target, "
        "CAST(forecast_work AS DOUBLE) AS forecast_slots, "
        "CAST(forecast_queries AS DOUBLE) AS forecast_queries_per_minute, "
        "running, queued, CAST(queued_work AS DOUBLE) AS queued_slot_seconds, "
        "CAST(reason AS VARCHAR(512)) AS reason "
        f"FROM {system_table('serverless_scaling')} "
        f"WHERE namespace_guid = {lit(session.namespace)} AND {sees_all_sql(session)}"
    )


VIEWS = (View("pg_catalog", "sys_serverless_scaling", sys_serverless_scaling),)
