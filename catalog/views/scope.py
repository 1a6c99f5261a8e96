"""What a catalog view lists: the databases in its scope and, in a consumer database, only what
its datashare shows.

Every view that lists schemas, relations, columns or constraints reads DuckDB's metadata
functions through ``engine_rows_sql``. Most views list the current database; Redshift's
svv_all_* and svv_redshift_* list every database of the namespace. A consumer database (CREATE
DATABASE ... FROM DATASHARE) has the producer database's internal alias, so DuckDB's metadata
for it is the producer's whole database: there a schema shows only while it is a row of the
share, and a relation only while it and its schema are. The share must still exist and still
list the namespace, or its account, as a consumer; otherwise the database is empty, as Redshift
leaves it after a revocation.

All of it is read from the system tables when the query runs, so ALTER DATASHARE, GRANT and
REVOKE USAGE show at the next statement without a cached translation having to be forgotten.
"""

from __future__ import annotations

from catalog.datashares import RELATION_KINDS
from catalog.table_attributes import MV_QUERY_PREFIX, TABLE_KEYS, qualified_name
from catalog.views.acl import system_table
from catalog.views.base import HIDDEN_SCHEMAS, Session, lit

# The schema the session's temporary tables show in, as PostgreSQL names it.
TEMP_SCHEMA = "pg_temp_1"
# DuckDB's metadata functions the views read, and the column naming each row's relation
# (None: the rows are schemas).
_RELATION_COLUMN: dict[str, str | None] = {
    "duckdb_schemas": None,
    "duckdb_tables": "table_name",
    "duckdb_views": "view_name",
    "duckdb_columns": "table_name",
    "duckdb_constraints": "table_name",
}


def _in(values: tuple[str, ...]) -> str:
    return "(" + ", ".join(lit(v) for v in values) + ")"


def consumes_sql(session: Session, share: str) -> str:
    """SQL true while the datashare ``share`` (an alias over the datashares table) lists the
    session's namespace, or its account, among its consumers."""
    return (
        f"EXISTS (SELECT 1 FROM {system_table('datashare_consumers')} k "
        f"WHERE k.namespace_guid = {share}.namespace_guid AND k.share_name = {share}.name "
        f"AND ((k.consumer_kind = 'namespace' AND k.consumer = {lit(session.namespace)}) "
        f"OR (k.consumer_kind = 'account' AND k.consumer = {lit(session.account)})))"
    )


def consumer_databases_sql(session: Session) -> str:
    """The namespace's consumer databases: (datname, producer_namespace, share_name, live);
    live is false once the share is gone or no longer granted (the database is then empty)."""
    return (
        "SELECT c.name AS datname, c.producer_namespace, c.share_name, "
        f"s.name IS NOT NULL AND {consumes_sql(session, 's')} AS live "
        f"FROM {system_table('consumer_databases')} c "
        f"LEFT JOIN {system_table('datashares')} s "
        "ON s.namespace_guid = c.producer_namespace AND s.name = c.share_name "
        f"WHERE c.namespace_guid = {lit(session.namespace)}"
    )


def shared_objects_sql(session: Session, kinds: tuple[str, ...] = RELATION_KINDS) -> str:
    """What the namespace's consumer databases show: (datname, object_kind, schema_name, name),
    the schemas of their live shares and the objects of ``kinds`` (relations unless told) of
    those shares whose schema is in the share too."""
    objects = system_table("datashare_objects")
    return (
        "SELECT m.datname, o.object_kind, o.schema_name, o.name "
        f"FROM ({consumer_databases_sql(session)}) m JOIN {objects} o "
        "ON o.namespace_guid = m.producer_namespace AND o.share_name = m.share_name "
        "WHERE m.live AND (o.object_kind = 'schema' OR (o.object_kind IN "
        f"{_in(kinds)} AND EXISTS (SELECT 1 FROM {objects} p "
        "WHERE p.namespace_guid = o.namespace_guid AND p.share_name = o.share_name "
        "AND p.object_kind = 'schema' AND p.schema_name = o.schema_name)))"
    )


def scope_sql(session: Session, everywhere: bool = False) -> str:
    """The databases a view lists: (datname, alias, shared), the current database or, with
    ``everywhere``, every database of the namespace; shared is true for a consumer database."""
    names = sorted(session.databases) if everywhere else [session.database]
    rows = ", ".join(f"({lit(n)}, {lit(session.databases[n])})" for n in names)
    consumers = (
        f"SELECT name FROM {system_table('consumer_databases')} "
        f"WHERE namespace_guid = {lit(session.namespace)}"
    )
    return (
        f"SELECT datname, alias, datname IN ({consumers}) AS shared "
        f"FROM (VALUES {rows}) d(datname, alias)"
    )


def attribute_rows_sql(session: Session, table: str, everywhere: bool = False) -> str:
    """The rows of one of the databases' attribute tables (``catalog/table_attributes.py``) in
    the current database or, with ``everywhere``, in every database of the namespace, each with
    its database's Redshift name (datname)."""
    names = sorted(session.databases) if everywhere else [session.database]
    return " UNION ALL BY NAME ".join(
        f"SELECT {lit(n)} AS datname, * FROM {qualified_name(session.databases[n], table)}"
        for n in names
    )


def _constraints_sql(session: Session, everywhere: bool) -> str:
    """duckdb_constraints() and, in its shape, the keys the databases in scope keep as
    metadata (``TABLE_KEYS``: Redshift's keys, which DuckDB is not given to enforce). A
    foreign key without columns references its table's primary key."""
    names = sorted(session.databases) if everywhere else [session.database]
    parts = ["SELECT * FROM duckdb_constraints()"]
    for alias in sorted({session.databases[n] for n in names}):
        keys = qualified_name(alias, TABLE_KEYS)
        indexes = (
            "(SELECT list(c.column_index - 1 ORDER BY list_position(k.column_names, "
            f"c.column_name)) FROM duckdb_columns() c WHERE c.database_name = {lit(alias)} "
            "AND c.schema_name = k.schema_name AND c.table_name = k.table_name "
            "AND list_contains(k.column_names, c.column_name))"
        )
        primary = (
            f"(SELECT any_value(p.column_names) FROM {keys} p WHERE p.constraint_type = "
            "'PRIMARY KEY' AND lower(p.schema_name) = lower(k.referenced_schema) "
            "AND lower(p.table_name) = lower(k.referenced_table))"
        )
        parts.append(
            f"SELECT {lit(alias)} AS database_name, k.schema_name, k.table_name, "
            "k.constraint_type, k.constraint_name, k.column_names AS constraint_column_names, "
            f"{indexes} AS constraint_column_indexes, k.referenced_table, CASE WHEN "
            "len(k.referenced_column_names) > 0 THEN k.referenced_column_names "
            f"WHEN k.constraint_type = 'FOREIGN KEY' THEN {primary} END "
            f"AS referenced_column_names FROM {keys} k"
        )
    return " UNION ALL BY NAME ".join(parts)


def engine_rows_sql(session: Session, function: str, everywhere: bool = False) -> str:
    """The rows of one of DuckDB's metadata functions (duckdb_schemas, duckdb_tables,
    duckdb_views, duckdb_columns, duckdb_constraints) for the databases in scope, each with its
    database's Redshift name (datname) and whether that is a consumer database (shared).

    DuckDB's own schemas are left out, and in a consumer database whatever its share does not
    show. A constraint shows with its table; a foreign key also needs the table it refers to.
    The session's temporary tables show in the current database's schema ``TEMP_SCHEMA``.
    """
    relation = _RELATION_COLUMN[function]
    shared = shared_objects_sql(session)
    if relation is None:
        visible = (
            "(d.datname, f.schema_name) IN (SELECT datname, schema_name "
            f"FROM ({shared}) WHERE object_kind = 'schema')"
        )
    else:
        relations = (
            f"(SELECT datname, schema_name, name FROM ({shared}) WHERE object_kind <> 'schema')"
        )
        visible = f"(d.datname, f.schema_name, f.{relation}) IN {relations}"
        if function == "duckdb_constraints":
            visible += (
                " AND (f.constraint_type <> 'FOREIGN KEY' "
                f"OR (d.datname, f.schema_name, f.referenced_table) IN {relations})"
            )
    # The session's temporary tables are in DuckDB's per-connection temp catalog (the views
    # run on the session's own connection); PostgreSQL shows them in a pg_temp schema.
    temporary = (
        f"SELECT {lit(session.database)}, false, f.* REPLACE ({lit(TEMP_SCHEMA)} AS schema_name) "
        f"FROM {function}() f WHERE f.database_name = 'temp' AND f.schema_name = 'main'"
    )
    if relation is None:
        # The schema exists, as PostgreSQL's pg_temp does, once the session has a table there.
        temporary += (" AND EXISTS (SELECT 1 FROM duckdb_tables() t "
                      "WHERE t.database_name = 'temp')")
    # The hidden view of a materialized view's query sits in the view's schema.
    hidden = "" if function != "duckdb_views" else (
        f"AND NOT starts_with(f.view_name, {lit(MV_QUERY_PREFIX)}) ")
    if function == "duckdb_columns":
        hidden = f"AND NOT starts_with(f.table_name, {lit(MV_QUERY_PREFIX)}) "
    source = (f"({_constraints_sql(session, everywhere)})" if function == "duckdb_constraints"
              else f"{function}()")
    return (
        f"SELECT d.datname, d.shared, f.* FROM {source} f "
        f"JOIN ({scope_sql(session, everywhere)}) d ON f.database_name = d.alias "
        f"WHERE f.schema_name NOT IN {_in(HIDDEN_SCHEMAS)} AND (NOT d.shared OR {visible}) "
        f"{hidden}UNION ALL {temporary}"
    )

