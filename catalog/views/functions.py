"""Functions in the catalog: information_schema.routines/parameters, pg_proc_info, and the
set-returning catalog functions clients call in FROM.

Duckshift has no user-defined functions or stored procedures yet, so routines, parameters and
Redshift's pg_proc_info are empty, with the columns clients select (Redshift JDBC's
getFunctions, redshift_connector's get_procedures). The table functions: ``current_database()``
(redshift_connector's ``FROM current_database()``), ``pg_get_late_binding_view_cols()`` (every
view's columns are in pg_attribute already, because DuckDB binds views when they are created,
so no view is late-binding and it has no rows) and ``pg_get_keywords()`` (DuckDB's parser
keywords, which are PostgreSQL's).
"""

from __future__ import annotations

from catalog.views.base import Session, TableFunction, View, lit, values
from catalog.views.static import PG_PROC_COLUMNS

_V, _I = "VARCHAR", "INTEGER"


def _columns(spec: str) -> list[tuple[str, str]]:
    """``"a b:INTEGER c"`` -> [(a, VARCHAR), (b, INTEGER), (c, VARCHAR)]."""
    out: list[tuple[str, str]] = []
    for item in spec.split():
        name, _, typ = item.partition(":")
        out.append((name, typ or _V))
    return out


_ROUTINES = _columns(
    "specific_catalog specific_schema specific_name routine_catalog routine_schema "
    "routine_name routine_type module_catalog module_schema module_name udt_catalog udt_schema "
    "udt_name data_type character_maximum_length:INTEGER character_octet_length:INTEGER "
    "character_set_catalog character_set_schema character_set_name collation_catalog "
    "collation_schema collation_name numeric_precision:INTEGER "
    "numeric_precision_radix:INTEGER numeric_scale:INTEGER datetime_precision:INTEGER "
    "interval_type interval_precision:INTEGER type_udt_catalog type_udt_schema type_udt_name "
    "scope_catalog scope_schema scope_name maximum_cardinality:INTEGER dtd_identifier "
    "routine_body routine_definition external_name external_language parameter_style "
    "is_deterministic sql_data_access is_null_call sql_path schema_level_routine "
    "max_dynamic_result_sets:INTEGER is_user_defined_cast is_implicitly_invocable "
    "security_type to_sql_specific_catalog to_sql_specific_schema to_sql_specific_name "
    "as_locator created:TIMESTAMPTZ last_altered:TIMESTAMPTZ new_savepoint_level "
    "is_udt_dependent"
)

_PARAMETERS = _columns(
    "specific_catalog specific_schema specific_name ordinal_position:INTEGER parameter_mode "
    "is_result as_locator parameter_name data_type character_maximum_length:INTEGER "
    "character_octet_length:INTEGER character_set_catalog character_set_schema "
    "character_set_name collation_catalog collation_schema collation_name "
    "numeric_precision:INTEGER numeric_precision_radix:INTEGER numeric_scale:INTEGER "
    "datetime_precision:INTEGER interval_type interval_precision:INTEGER udt_catalog "
    "udt_schema udt_name scope_catalog scope_schema scope_name maximum_cardinality:INTEGER "
    "dtd_identifier parameter_default"
)


def routines(session: Session) -> str:
    """information_schema.routines: empty (no user-defined functions or procedures)."""
    return values([], _ROUTINES)


def parameters(session: Session) -> str:
    """information_schema.parameters: empty (no user-defined functions or procedures)."""
    return values([], _PARAMETERS)


def pg_proc_info(session: Session) -> str:
    """pg_catalog.pg_proc_info (Redshift): pg_proc's columns plus prooid; empty."""
    return values([], [("prooid", "BIGINT"), *PG_PROC_COLUMNS])


def current_database(session: Session) -> str:
    """``FROM current_database()``: one row, one column named current_database."""
    return f"SELECT {lit(session.database)} AS current_database"


def late_binding_view_cols(session: Session) -> str:
    """``pg_get_late_binding_view_cols()``: no late-binding views, so no rows."""
    return values([], [("schemaname", _V), ("tablename", _V), ("columnname", _V),
                       ("columntype", _V), ("columnnum", _I)])


def keywords(session: Session) -> str:
    """``pg_get_keywords()``: the parser's keywords with PostgreSQL's category codes."""
    return (
        "SELECT keyword_name AS word, CASE keyword_category WHEN 'reserved' THEN 'R' "
        "WHEN 'unreserved' THEN 'U' WHEN 'type_function' THEN 'T' ELSE 'C' END AS catcode, "
        "true AS barelabel, CASE keyword_category WHEN 'reserved' THEN 'reserved' "
        "WHEN 'unreserved' THEN 'unreserved' "
        "WHEN 'type_function' THEN 'reserved (can be function or type name)' "
        "ELSE 'unreserved (cannot be function or type name)' END AS catdesc, "
        "'can be bare label' AS baredesc FROM duckdb_keywords()"
    )


VIEWS = (
    View("information_schema", "routines", routines),
    View("information_schema", "parameters", parameters),
    View("pg_catalog", "pg_proc_info", pg_proc_info),
)

TABLE_FUNCTIONS = (
    TableFunction("current_database", current_database),
    TableFunction("pg_get_late_binding_view_cols", late_binding_view_cols),
    TableFunction("pg_get_keywords", keywords),
)
