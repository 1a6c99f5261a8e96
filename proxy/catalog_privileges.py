"""has_table_privilege and its siblings on the catalog's own schemas and relations, and on NULL.

The server's privilege function (``session_functions.PRIVILEGE_FUNCTION``) decides from the
grants of the namespace's objects. The catalog is not among them: as in PostgreSQL, everyone
may use pg_catalog and information_schema and read their relations (Metabase asks for every
row of pg_namespace; dbt asks about svv_table_info before ``docs generate`` reads it), and
nothing else may be done to them. A NULL argument makes the answer NULL, as it does in
PostgreSQL (Metabase binds the schema name as a parameter).
"""

from __future__ import annotations

from collections.abc import Callable

from catalog import views

_CATALOG_SCHEMAS = frozenset(views.CATALOG_SCHEMAS)

Inquiry = Callable[[str, str, str, str, str, str | None, str], bool]


def _parts(name: str) -> list[str]:
    """A dotted name's parts as PostgreSQL reads them: quoted kept, others folded."""
    return [p[1:-1].replace('""', '"') if p.startswith('"') else p.strip().lower()
            for p in name.split(".")]


def _catalog_answer(kind: str, name: str, privilege: str) -> bool | None:
    """The answer about a catalog schema or relation, or None for any other object."""
    wanted = {p.strip().upper().removesuffix(" WITH GRANT OPTION").strip()
              for p in privilege.split(",")}
    parts = _parts(name)
    if kind == "schema" and len(parts) == 1 and parts[0] in _CATALOG_SCHEMAS:
        return "USAGE" in wanted
    if kind != "table" or len(parts) > 2:
        return None
    schema = parts[0] if len(parts) == 2 else None
    if schema is not None and schema not in _CATALOG_SCHEMAS:
        return None
    if views.find(schema, parts[-1]) is None:
        return None
    return "SELECT" in wanted


def catalog_inquiry(inquire: Inquiry) -> Callable[..., bool | None]:
    """``inquire`` (namespace, database, kind, user, name, column, privilege) answering for
    the catalog's objects itself and NULL for NULL arguments."""

    def answer(namespace: str, database: str, kind: str, user: str | None, name: str | None,
               column: str | None, privilege: str | None) -> bool | None:
        if user is None or name is None or privilege is None:
            return None
        catalog = _catalog_answer(kind, name, privilege)
        if catalog is not None:
            return catalog
        return inquire(namespace, database, kind, user, name, column, privilege)

    return answer
