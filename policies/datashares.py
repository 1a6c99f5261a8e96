"""Datashare decisions: what a share lets its consumers see and do, and which consumer users.

Pure decisions over the catalog's datashares and security state handed in. Redshift's rules:

- a consumer sees only the share's objects: a relation is visible when it and its schema are in
  the share; everything else of the producer's database does not exist for it;
- shared objects are read-only until the producer grants a write privilege on them (or on
  their schema or database, for CREATE) to the share; what consumers create themselves is
  theirs to change;
- in the consumer namespace, a consumer database made WITHOUT PERMISSIONS lets whoever holds
  USAGE on it read every shared object; one made WITH PERMISSIONS needs object grants as a
  local database does (writes always need them); superusers and the database's owner may do
  whatever the share allows.
"""

from __future__ import annotations

from catalog.datashares import ConsumerDatabase, Datashare, consumer_identity
from catalog.security import Grantee, ObjectKey, Security
from policies import access


def share_grants(security: Security, share: Datashare, key: ObjectKey, privilege: str) -> bool:
    """Whether the producer granted ``privilege`` on ``key`` (a producer object) to the share,
    directly or through a scoped grant on its schema or database."""
    grantee = Grantee("datashare", share.name)
    ns = share.namespace

    def held(holder: ObjectKey, scope: str) -> bool:
        return any(g.grantee == grantee and g.privilege == privilege and g.scope == scope
                   for g in security.grants_on(ns, holder))

    if held(key, ""):
        return True
    if key.kind in ("table", "schema") and security.owner(ns, key) == consumer_identity(
            share.name):
        return True  # the share's consumers made it: they own it
    if key.kind == "table":
        return held(ObjectKey("schema", key.database, key.schema), "tables") or held(
            ObjectKey("database", key.database), "tables")
    if key.kind == "schema":
        return held(ObjectKey("database", key.database), "schemas")
    return False


def visible(share: Datashare, key: ObjectKey) -> bool:
    """Whether a consumer of ``share`` can see the producer object ``key`` at all."""
    if key.kind == "database":
        return True
    if key.kind == "schema":
        return share.schema_shared(key.schema) is not None
    return share.relation_shared(key.schema, key.name)


def consumer_may(security: Security, who: access.Principal, cdb: ConsumerDatabase,
                 key: ObjectKey, privilege: str, default_owner: str,
                 external: ObjectKey | None = None) -> bool:
    """Whether a consumer user may use ``key`` (an object of the consumer database, named in
    the consumer namespace) for ``privilege``, as far as the consumer's own grants go.

    Named through an external schema (``external``, a schema of the consumer's own database),
    USAGE on that schema stands in for USAGE on the consumer database: Redshift's way to give
    schema-level access to a shared database.
    """
    db = ObjectKey("database", cdb.name)
    if who.superuser or access.is_owner(security, who, db, default_owner):
        return True
    usage_on = db if external is None else external
    if not access.has_privilege(security, who, usage_on, "USAGE", default_owner):
        return False
    if not cdb.with_permissions and privilege in ("SELECT", "EXECUTE"):
        return True
    if key.kind == "table" and access.is_owner(security, who, key, default_owner):
        return True
    return cdb.with_permissions and access.has_privilege(
        security, who, key, privilege, default_owner)
