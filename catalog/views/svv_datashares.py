"""Redshift's datashare views: SVV_DATASHARES, SVV_DATASHARE_OBJECTS and SVV_DATASHARE_CONSUMERS.

A namespace sees its own shares as OUTBOUND rows and the shares granted to it (to its GUID or
its account) as INBOUND rows, for as long as they are granted; it never sees another
namespace's shares otherwise, nor anything of a share but its name, its producer and its
objects. As Redshift shows them, inbound rows have no owner, source database or creation date,
and only outbound schema rows carry include_new. Account ids are the configured ones.

Visibility (Redshift: superusers, the share's owner, and holders of ALTER or USAGE on it):
superusers and holders of ACCESS SYSTEM TABLE see every row. Other users see an outbound share
they own or hold ALTER or SHARE on (directly, through a role, or through PUBLIC), and an inbound
share whose consumer database they own or hold USAGE on: USAGE on a datashare goes to
namespaces, never to users, so on the consumer side USAGE on the database stands for it. The
same rule covers each share's objects and consumers.
"""

from __future__ import annotations

from catalog.views.acl import grants_sql, owners_sql, sees_all_sql, system_table, visible_sql
from catalog.views.base import Session, View, lit, user_oid_expr
from catalog.views.scope import consumes_sql


def _account_sql(session: Session, guid: str) -> str:
    """SQL for the configured account id of the namespace whose GUID is ``guid``."""
    whens = " ".join(f"WHEN {lit(g)} THEN {lit(a)}" for g, a in sorted(session.accounts.items()))
    if not whens:
        return "CAST(NULL AS VARCHAR)"
    return f"CAST(CASE {guid} {whens} END AS VARCHAR)"


def _outbound_visible(session: Session, share: str) -> str:
    """SQL true when the session user may see the outbound share ``share`` (an alias over the
    datashares table)."""
    if session.superuser:
        return "true"
    holders = (
        f"SELECT g.name FROM ({grants_sql(session)}) g WHERE g.object_kind = 'datashare' "
        "AND g.privilege IN ('ALTER', 'SHARE') "
        f"AND {visible_sql(session, 'g.grantee_kind', 'g.grantee')}"
    )
    return (
        f"({share}.owner = {lit(session.user)} OR {share}.name IN ({holders}) "
        f"OR {sees_all_sql(session)})"
    )


def _inbound_visible(session: Session, database: str) -> str:
    """SQL true when the session user may see an inbound share whose consumer database is
    named by ``database`` (NULL: none was made from it)."""
    if session.superuser:
        return "true"
    usage = (
        f"SELECT g.database FROM ({grants_sql(session)}) g WHERE g.object_kind = 'database' "
        f"AND g.privilege = 'USAGE' AND {visible_sql(session, 'g.grantee_kind', 'g.grantee')}"
    )
    owned = (
        f"SELECT database FROM ({owners_sql(session, 'database')}) "
        f"WHERE owner = {lit(session.user)}"
    )
    return f"({database} IN ({usage}) OR {database} IN ({owned}) OR {sees_all_sql(session)})"


def _outbound_sql(session: Session, joins: str = "") -> str:
    """FROM clause: the namespace's own shares ``s`` the session user may see, with ``joins``
    (JOIN clauses over ``s``)."""
    return (
        f"FROM {system_table('datashares')} s {joins}"
        f"WHERE s.namespace_guid = {lit(session.namespace)} "
        f"AND {_outbound_visible(session, 's')}"
    )


def _inbound_sql(session: Session, joins: str = "") -> str:
    """FROM clause: the shares ``s`` granted to the namespace, each with the consumer database
    ``c`` made from it (if any), that the session user may see, with ``joins``."""
    return (
        f"FROM {system_table('datashares')} s {joins}"
        f"LEFT JOIN {system_table('consumer_databases')} c "
        f"ON c.namespace_guid = {lit(session.namespace)} "
        "AND c.producer_namespace = s.namespace_guid AND c.share_name = s.name "
        f"WHERE s.namespace_guid <> {lit(session.namespace)} AND {consumes_sql(session, 's')} "
        f"AND {_inbound_visible(session, 'c.name')}"
    )


def svv_datashares(session: Session) -> str:
    """SVV_DATASHARES: the namespace's outbound shares and the inbound shares granted to it."""
    producer = _account_sql(session, "s.namespace_guid")
    return (
        "SELECT s.name AS share_name, CAST(s.share_id AS INTEGER) AS share_id, "
        f"CAST({user_oid_expr('s.owner')} AS INTEGER) AS share_owner, "
        "s.database AS source_database, CAST(NULL AS VARCHAR) AS consumer_database, "
        "'OUTBOUND' AS share_type, CAST(s.created_at AS TIMESTAMP) AS createdate, "
        "s.publicly_accessible AS is_publicaccessible, CAST(NULL AS VARCHAR) AS share_acl, "
        f"{producer} AS producer_account, s.namespace_guid AS producer_namespace, "
        f"s.managed_by {_outbound_sql(session)} "
        "UNION ALL SELECT s.name, s.share_id, NULL, NULL, c.name, 'INBOUND', NULL, "
        f"s.publicly_accessible, NULL, {producer}, s.namespace_guid, s.managed_by "
        f"{_inbound_sql(session)}"
    )


def _object_name() -> str:
    return "CASE o.name WHEN '' THEN o.schema_name ELSE o.schema_name || '.' || o.name END"


def svv_datashare_objects(session: Session) -> str:
    """SVV_DATASHARE_OBJECTS: the objects of the namespace's outbound shares and of the
    inbound shares granted to it."""
    objects = system_table("datashare_objects")
    producer = _account_sql(session, "s.namespace_guid")
    join = f"JOIN {objects} o ON o.namespace_guid = s.namespace_guid AND o.share_name = s.name "
    return (
        "SELECT 'OUTBOUND' AS share_type, s.name AS share_name, o.object_kind AS object_type, "
        f"{_object_name()} AS object_name, {producer} AS producer_account, "
        "s.namespace_guid AS producer_namespace, "
        "CASE WHEN o.object_kind = 'schema' THEN o.include_new END AS include_new "
        f"{_outbound_sql(session, join)} "
        f"UNION ALL SELECT 'INBOUND', s.name, o.object_kind, {_object_name()}, {producer}, "
        f"s.namespace_guid, CAST(NULL AS BOOLEAN) {_inbound_sql(session, join)}"
    )


def svv_datashare_consumers(session: Session) -> str:
    """SVV_DATASHARE_CONSUMERS: the consumers of the namespace's own shares (a namespace shows
    with its configured account, an account without a namespace)."""
    consumers = system_table("datashare_consumers")
    join = f"JOIN {consumers} k ON k.namespace_guid = s.namespace_guid AND k.share_name = s.name "
    return (
        "SELECT s.name AS share_name, CASE k.consumer_kind WHEN 'account' THEN k.consumer "
        f"ELSE {_account_sql(session, 'k.consumer')} END AS consumer_account, "
        "CASE k.consumer_kind WHEN 'namespace' THEN k.consumer END AS consumer_namespace, "
        "CAST(k.granted_at AS TIMESTAMP) AS share_date "
        f"{_outbound_sql(session, join)}"
    )


VIEWS = (
    View("pg_catalog", "svv_datashares", svv_datashares),
    View("pg_catalog", "svv_datashare_objects", svv_datashare_objects),
    View("pg_catalog", "svv_datashare_consumers", svv_datashare_consumers),
)
