"""The ACL columns (relacl, attacl, nspacl, datacl, proacl) in PostgreSQL's aclitem text, from
the grants.

Redshift keeps PostgreSQL's format: one item per grantee and grantor,
``grantee=privileges/grantor``, the privilege letters in the order of their bits
(``arwdRxtXUCTDPA``: INSERT, SELECT, UPDATE, DELETE, RULE, REFERENCES, TRIGGER, EXECUTE, USAGE,
CREATE, TEMP, DROP, TRUNCATE, ALTER), each followed by ``*`` when it was granted WITH GRANT
OPTION; PUBLIC is the empty grantee (``=r/admin``) and a group is ``group name=...``. Roles
stand for Redshift's groups here (GRANT ... TO GROUP g grants to the role g), so a grant to a
role is shown in the form Redshift documents for groups, the only one it documents for a
grantee that is not a user.

As in PostgreSQL, an object without any grant has a NULL ACL, which means its defaults (the
owner holds every privilege); once something is granted, the ACL lists the owner's item
first (the owner holds every privilege of the object's kind, granted by itself) and then the
grants. Column grants are in attacl, as PostgreSQL keeps them. Every session that sees an
object in pg_class, pg_namespace or pg_database sees its ACL, as in Redshift, where those
catalogs are readable by all users.
"""

from __future__ import annotations

from catalog.views.acl import grants_sql
from catalog.views.base import Session, values

# Privilege -> (letter, position in PostgreSQL's and Redshift's bit order).
_LETTERS: dict[str, str] = {
    "INSERT": "a", "SELECT": "r", "UPDATE": "w", "DELETE": "d", "RULE": "R",
    "REFERENCES": "x", "TRIGGER": "t", "EXECUTE": "X", "USAGE": "U", "CREATE": "C",
    "TEMP": "T", "DROP": "D", "TRUNCATE": "P", "ALTER": "A",
}
# What an owner holds on its object, by the grants' object kind.
OWNER_PRIVILEGES: dict[str, str] = {
    "table": "arwdRxtDPA", "schema": "UC", "database": "CT", "function": "X",
    "procedure": "X",
}


def _letters_sql() -> str:
    rows = [(privilege, letter, n) for n, (privilege, letter) in enumerate(_LETTERS.items())]
    return values(rows, [("privilege", "VARCHAR"), ("letter", "VARCHAR"),
                         ("position", "INTEGER")])


def _grantee_sql(kind: str, name: str) -> str:
    return f"CASE {kind} WHEN 'public' THEN '' WHEN 'role' THEN 'group ' || {name} ELSE {name} END"


def acl_items_sql(session: Session, kind: str, columns: bool = False) -> str:
    """The ACL items of the objects of one kind (table, schema, database) that have grants:
    (database, schema_name, name, column_name, items VARCHAR[]), without the owner's item.

    ``columns`` selects column grants (one row per column) instead of object grants.
    """
    column_test = "<> ''" if columns else "= ''"
    item = (
        f"{_grantee_sql('g.grantee_kind', 'g.grantee')} || '=' || "
        "string_agg(l.letter || CASE WHEN g.grantable THEN '*' ELSE '' END, '' "
        "ORDER BY l.position) || '/' || g.grantor"
    )
    per_grantee = (
        f"SELECT g.database, g.schema_name, g.name, g.column_name, g.grantee, {item} AS item "
        f"FROM ({grants_sql(session)}) g JOIN ({_letters_sql()}) l ON l.privilege = g.privilege "
        f"WHERE g.object_kind = '{kind}' AND g.scope = '' AND g.column_name {column_test} "
        "GROUP BY g.database, g.schema_name, g.name, g.column_name, g.grantee_kind, g.grantee, "
        "g.grantor"
    )
    return (
        "SELECT database, schema_name, name, column_name, list(item ORDER BY grantee, item) "
        f"AS items FROM ({per_grantee}) GROUP BY database, schema_name, name, column_name"
    )


def acl_sql(items: str, kind: str = "", owner: str = "") -> str:
    """SQL for an ACL column: NULL without grants (``items``, a VARCHAR[] expression, is NULL),
    else the owner's item (``owner``, a name expression, holding every privilege of ``kind``)
    before the grants; without an owner (attacl), the grants alone."""
    if not owner:
        return f"CAST({items} AS VARCHAR[])"
    owner_item = f"{owner} || '={OWNER_PRIVILEGES[kind]}/' || {owner}"
    return (
        f"CAST(CASE WHEN {items} IS NULL THEN NULL "
        f"ELSE list_prepend({owner_item}, {items}) END AS VARCHAR[])"
    )


# An aclitem[] element that PostgreSQL's array output quotes: blanks, braces, commas, quotes
# or backslashes in it (a group's item always has its blank).
_NEEDS_QUOTES = "'[\\s{},\"\\\\]'"


def acl_text_sql(items: str, kind: str = "", owner: str = "") -> str:
    """SQL for an ACL as the text Redshift's svv_* views show in their ``*_acl`` columns:
    PostgreSQL's output of the aclitem[] that ``acl_sql`` gives (``{admin=r/admin,"group
    g=r/admin"}``), NULL when nothing was granted, as Redshift documents."""
    element = (
        f"CASE WHEN regexp_matches(i, {_NEEDS_QUOTES}) "
        "THEN '\"' || replace(replace(i, '\\', '\\\\'), '\"', '\\\"') || '\"' ELSE i END"
    )
    quoted = f"list_transform({acl_sql(items, kind, owner)}, i -> {element})"
    return f"'{{' || array_to_string({quoted}, ',') || '}}'"
