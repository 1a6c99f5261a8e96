"""pg_catalog.pg_attribute and pg_attrdef: the columns of the current database's relations
(tables, views, and the indexes behind PRIMARY KEY and UNIQUE constraints).

Types are PostgreSQL's: ``atttypid`` is a PostgreSQL OID and ``atttypmod`` is encoded as
PostgreSQL does (numeric(p,s) is ``((p << 16) | s) + 4``, varchar(n) and char(n) ``n + 4``),
since JDBC drivers, redshift_connector, SQLAlchemy and dbt compute sizes from it. DuckDB keeps
no VARCHAR length; the length Redshift enforces is in the CHECK constraint the dialect gives
each CHAR(n)/VARCHAR(n)/VARBYTE(n) column (``character_lengths``), whose message names the
declared type, so the type and length are read back from there. Redshift's attisdistkey,
attsortkeyord and attencodingtype are there, without the metadata behind them yet.
"""

from __future__ import annotations

from catalog.views.aclitems import acl_items_sql, acl_sql
from catalog.views.base import (
    Session,
    View,
    lit,
    oid_sql,
    relation_oid_sql,
    unalias_sql,
)
from catalog.views.pg_constraint import constraints_sql
from catalog.views.pg_type import column_type_sql, pg_type
from catalog.views.scope import engine_rows_sql

# The DuckDB variable each session's connection holds its time zone in, which a column default
# of the wall clock reads when a row is inserted (proxy/sql/transforms/session_time_zone.py).
ZONE_VARIABLE = "__ds_time_zone"
# The engine's macro (engine/macros.py ZONE_WALL_CLOCK, which catalog cannot import) that reads
# the wall clock in a zone, fixed offsets of other than whole hours too.
WALL_CLOCK_MACRO = "memory.main.__ds_zone_wall_clock"
# Those defaults as DuckDB keeps them, most specific first, and as Redshift names them: through
# the macro, and as tables made before it was written keep them (with timezone).
_ZONE = f"COALESCE(getvariable('{ZONE_VARIABLE}'), 'UTC')"
_WALL_CLOCK_DEFAULTS = tuple(
    (form.format(wall_clock=f"{function}({_ZONE}, CURRENT_TIMESTAMP)"), shown)
    for function in (WALL_CLOCK_MACRO, "timezone")
    for form, shown in (("date_trunc('second', {wall_clock})", "getdate()"),
                        ('CAST({wall_clock} AS "DATE")', "current_date"),
                        ("{wall_clock}", "sysdate")))


def _default_sql(session: Session) -> str:
    """A column's default as clients read it: database names, and the wall clock by name."""
    text = unalias_sql(session, "c.column_default")
    for kept, shown in _WALL_CLOCK_DEFAULTS:
        text = f"replace({text}, {lit(kept)}, {lit(shown)})"
    return text


def columns_sql(session: Session, everywhere: bool = False) -> str:
    """The columns of the databases in scope (see ``scope``) with PostgreSQL types: (datname,
    attrelid, nspname, relname, attname, attnum, atttypid, atttypmod, attnotnull, default_sql,
    data_type, numeric_precision, numeric_scale)."""
    typid, typmod = column_type_sql(
        "c.data_type", "c.data_type_id", "c.numeric_precision", "c.numeric_scale"
    )
    return (
        "SELECT c.datname, "
        f"{relation_oid_sql('c.datname', 'c.schema_name', 'c.table_name')} AS attrelid, "
        "c.schema_name AS nspname, c.table_name AS relname, c.column_name AS attname, "
        "CAST(c.column_index AS SMALLINT) AS attnum, "
        f"CAST(CASE d.declared WHEN 'character' THEN {_BPCHAR} "
        f"WHEN 'character varying' THEN {_VARCHAR} WHEN 'binary varying' THEN {_VARBYTE} "
        f"ELSE {typid} END AS UINTEGER) AS atttypid, "
        f"CAST(coalesce(d.length + 4, {typmod}) AS INTEGER) AS atttypmod, "
        "NOT c.is_nullable AS attnotnull, "
        f"{_default_sql(session)} AS default_sql, c.data_type, "
        "c.numeric_precision, c.numeric_scale "
        f"FROM ({engine_rows_sql(session, 'duckdb_columns', everywhere)}) c "
        f"LEFT JOIN ({_declared_lengths_sql(session, everywhere)}) d "
        "ON d.datname = c.datname AND d.schema_name = c.schema_name "
        "AND d.table_name = c.table_name AND d.column_name = c.column_name"
    )


_VARCHAR, _BPCHAR, _VARBYTE = 1043, 1042, 6551
# The message of the length CHECK the dialect gives a CHAR(n)/VARCHAR(n) column. Read with
# plain string functions: this SQL is spliced into statements that the dialect's transforms
# then rewrite, and they give regexp_extract and subscripts Redshift's meaning.
_MESSAGE = "value too long for type "


def _declared_lengths_sql(session: Session, everywhere: bool) -> str:
    """(datname, schema_name, table_name, column_name, declared, length) of each character
    column whose declared length is enforced by a CHECK constraint, and of each CHAR column
    of a view."""
    declared = f"split_part(split_part(expression, {lit(_MESSAGE)}, 2), '(', 1)"
    length = f"split_part(split_part(split_part(expression, {lit(_MESSAGE)}, 2), '(', 2), ')', 1)"
    checked = (
        # The one column's name (a literal subscript would be shifted by the dialect's
        # zero-based navigation).
        "SELECT datname, schema_name, table_name, "
        "array_to_string(constraint_column_names, '') AS column_name, "
        f"{declared} AS declared, CAST({length} AS INTEGER) AS length "
        f"FROM ({engine_rows_sql(session, 'duckdb_constraints', everywhere)}) "
        "WHERE constraint_type = 'CHECK' AND len(constraint_column_names) = 1 "
        f"AND strpos(expression, {lit(_MESSAGE)}) > 0"
    )
    names: dict[str, list[str]] = {}
    for name, alias in session.databases.items():
        names.setdefault(alias, []).append(name)
    # Tables' CHAR columns are among them too, as their CHECKs say: DISTINCT keeps one row.
    rows = [
        f"({lit(datname)}, {lit(schema)}, {lit(relation)}, {lit(column)}, 'character', {n})"
        for (alias, schema, relation), layout in session.char_columns.items()
        for datname in names.get(alias, [])
        for column, n in layout.items()
    ]
    if not rows:
        return checked
    return (
        f"SELECT DISTINCT * FROM ({checked} UNION ALL SELECT * FROM (VALUES {', '.join(rows)}) "
        "v(datname, schema_name, table_name, column_name, declared, length))"
    )


def index_columns_sql(session: Session) -> str:
    """The columns of the index behind each PRIMARY KEY and UNIQUE constraint, as
    ``columns_sql`` rows: attnum is the position in the key, as PostgreSQL numbers an index's
    attributes (redshift_connector's get_primary_keys reads KEY_SEQ from it)."""
    return (
        "SELECT c.datname, k.conindid AS attrelid, c.nspname, k.conname AS relname, c.attname, "
        "CAST(k.i AS SMALLINT) AS attnum, c.atttypid, c.atttypmod, c.attnotnull, "
        "CAST(NULL AS VARCHAR) AS default_sql, c.data_type, c.numeric_precision, "
        "c.numeric_scale FROM (SELECT *, unnest(range(1, len(column_names) + 1)) AS i "
        f"FROM ({constraints_sql(session)}) WHERE contype IN ('p', 'u')) k "
        f"JOIN ({columns_sql(session)}) c ON c.nspname = k.nspname AND c.relname = k.relname "
        "AND c.attname = k.column_names[k.i]"
    )


def pg_attribute(session: Session) -> str:
    """pg_catalog.pg_attribute: PostgreSQL's columns plus Redshift's, for tables, views and
    the indexes behind keys; attacl from the column grants (``aclitems``)."""
    return (
        "SELECT c.attrelid, c.attname, c.atttypid, -1 AS attstattarget, "
        "coalesce(t.typlen, -1) AS attlen, c.attnum, "
        "CAST(CASE WHEN t.typcategory = 'A' THEN 1 ELSE 0 END AS INTEGER) AS attndims, "
        "-1 AS attcacheoff, c.atttypmod, coalesce(t.typbyval, false) AS attbyval, "
        "coalesce(t.typalign, 'i') AS attalign, coalesce(t.typstorage, 'x') AS attstorage, "
        "'' AS attcompression, c.attnotnull, c.default_sql IS NOT NULL AS atthasdef, "
        "false AS atthasmissing, '' AS attidentity, '' AS attgenerated, false AS attisdropped, "
        "true AS attislocal, 0 AS attinhcount, coalesce(t.typcollation, 0) AS attcollation, "
        f"{acl_sql('a.items')} AS attacl, "
        "CAST(NULL AS VARCHAR[]) AS attoptions, "
        "CAST(NULL AS VARCHAR[]) AS attfdwoptions, CAST(NULL AS VARCHAR) AS attmissingval, "
        "false AS attisdistkey, CAST(0 AS INTEGER) AS attsortkeyord, "
        "CAST(0 AS INTEGER) AS attencodingtype "
        f"FROM ({columns_sql(session)} UNION ALL {index_columns_sql(session)}) c "
        f"LEFT JOIN ({pg_type(session)}) t ON t.oid = c.atttypid "
        f"LEFT JOIN ({acl_items_sql(session, 'table', columns=True)}) a "
        "ON a.database = c.datname AND a.schema_name = c.nspname AND a.name = c.relname "
        "AND a.column_name = c.attname"
    )


def pg_attrdef(session: Session) -> str:
    """pg_catalog.pg_attrdef: column defaults as text (adbin, and Redshift's adsrc)."""
    oid = oid_sql(lit(session.database), "nspname", "relname", "attname", "'default'")
    return (
        f"SELECT {oid} AS oid, attrelid AS adrelid, attnum AS adnum, default_sql AS adbin, "
        f"default_sql AS adsrc FROM ({columns_sql(session)}) WHERE default_sql IS NOT NULL"
    )


VIEWS = (
    View("pg_catalog", "pg_attribute", pg_attribute),
    View("pg_catalog", "pg_attrdef", pg_attrdef),
)
