"""The workload-management statements (``proxy.sql.wlm_sql``), carried out for a session.

``CANCEL`` follows Redshift: users cancel their own statements, superusers anyone's (in their
namespace). Usage limits and workgroup parameters change the running server at once and are
for superusers; limits are kept in the system database, parameters until the next start (the
TOML file is where they stay).
"""

from __future__ import annotations

import json
from collections import deque
from typing import TYPE_CHECKING

import pyarrow as pa

from catalog import errors as err
from engine import streaming
from proxy.session import Outcome, Session
from proxy.sql import wlm_sql

if TYPE_CHECKING:
    from proxy.connection import Connection


class WlmCommands:
    """Handlers of the workload-management statements (a mixin of ``Connection``)."""

    async def _cmd_cancel(
        self: Connection, session: Session, cmd: wlm_sql.Cancel, _: list[object]
    ) -> Outcome:
        if not self.server.wlm.signal(self, cmd.pid, False, cmd.message):
            raise err.InvalidParameterValue(f"process {cmd.pid} is not a session of this "
                                            "namespace")
        return Outcome("CANCEL")

    async def _cmd_create_limit(
        self: Connection, session: Session, cmd: wlm_sql.CreateUsageLimit, _: list[object]
    ) -> Outcome:
        _superuser(self, "create a usage limit")
        limit_id = self.server.wlm.create_limit(cmd.workgroup, cmd.amount, cmd.period,
                                                cmd.breach_action, cmd.usage_type)
        batch = pa.record_batch([pa.array([limit_id], pa.string())], names=["usage_limit_id"])
        result = streaming.Result(schema=batch.schema, pending=deque([batch]), exhausted=True)
        return Outcome("CREATE USAGE LIMIT", result=result)

    async def _cmd_alter_limit(
        self: Connection, session: Session, cmd: wlm_sql.AlterUsageLimit, _: list[object]
    ) -> Outcome:
        _superuser(self, "change a usage limit")
        self.server.wlm.update_limit(cmd.limit_id, cmd.amount, cmd.breach_action)
        return Outcome("ALTER USAGE LIMIT")

    async def _cmd_drop_limit(
        self: Connection, session: Session, cmd: wlm_sql.DropUsageLimit, _: list[object]
    ) -> Outcome:
        _superuser(self, "drop a usage limit")
        self.server.wlm.delete_limit(cmd.limit_id)
        return Outcome("DROP USAGE LIMIT")

    async def _cmd_set_parameters(
        self: Connection, session: Session, cmd: wlm_sql.SetWorkgroupParameters,
        _: list[object],
    ) -> Outcome:
        _superuser(self, "change workgroup parameters")
        try:
            params = json.loads(cmd.parameters)
        except json.JSONDecodeError as exc:
            raise err.InvalidParameterValue(f"config parameters: invalid JSON: {exc.msg}") from None
        if not isinstance(params, dict):
            raise err.InvalidParameterValue("config parameters: must be a JSON object")
        try:
            self.server.wlm.set_parameters(cmd.workgroup, params)
        except err.ConfigError as exc:
            raise err.InvalidParameterValue(str(exc)) from None
        return Outcome("ALTER WORKGROUP")


def _superuser(conn: Connection, what: str) -> None:
    # Read from the catalog as it stands: a user demoted mid-session is refused.
    session = conn._session()
    if not session.user.superuser:
        raise err.InsufficientPrivilege(f"must be superuser to {what}")


HANDLERS = {
    wlm_sql.Cancel: WlmCommands._cmd_cancel,
    wlm_sql.CreateUsageLimit: WlmCommands._cmd_create_limit,
    wlm_sql.AlterUsageLimit: WlmCommands._cmd_alter_limit,
    wlm_sql.DropUsageLimit: WlmCommands._cmd_drop_limit,
    wlm_sql.SetWorkgroupParameters: WlmCommands._cmd_set_parameters,
}
