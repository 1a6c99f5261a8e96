"""Functions in the catalog: pg_proc, pg_proc_info, information_schema.routines/parameters,
svv_redshift_functions, and the set-returning catalog functions clients call in FROM.

The functions listed are the SQL UDFs of CREATE FUNCTION, which each database keeps in its
``FUNCTIONS`` attribute table (one row per overload, argument and result types in DuckDB's
spelling); the stored procedures of CREATE PROCEDURE (kind 'p', LANGUAGE plpgsql) are rows of
the system catalog's ``procedures`` table (``catalog.procedures``). A consumer database
shows the functions its live datashare lists. The table functions: ``current_database()``
(redshift_connector's ``FROM current_database()``), ``pg_get_late_binding_view_cols()`` (the
columns of the views created WITH NO SCHEMA BINDING, which information_schema.columns leaves
out, as Redshift does) and ``pg_get_keywords()`` (DuckDB's parser keywords, which are
PostgreSQL's).
"""

from __future__ import annotations

from catalog.table_attributes import FUNCTIONS, LATE_BINDING_VIEWS
from catalog.views.acl import (
    default_owner_sql,
    grants_sql,
    held_roles_sql,
    owners_sql,
    system_table,
)
from catalog.views.aclitems import acl_items_sql, acl_sql
from catalog.views.base import (
    Session,
    TableFunction,
    View,
    lit,
    oid_sql,
    schema_oid_sql,
    user_oid_expr,
)
from catalog.views.information_schema import column_facts_sql
from catalog.views.pg_type import BUILTIN_TYPES, column_type_sql, type_name_sql
from catalog.views.scope import attribute_rows_sql, consumer_databases_sql, shared_objects_sql

_V, _I = "VARCHAR", "INTEGER"
# pg_language's OID of LANGUAGE sql, as in PostgreSQL, and of plpgsql (pg_language's row).
_SQL_LANGUAGE_OID = 14
PLPGSQL_LANGUAGE_OID = 100125
# pg_type's OID of void, a procedure's result type.
_VOID_OID = 2278


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


def _select_list(columns: list[tuple[str, str]], known: dict[str, str]) -> str:
    """Each of ``columns`` (name, type) as its SQL in ``known``, NULL where it has none."""
    return ", ".join(f"CAST({known.get(name, 'NULL')} AS {typ}) AS {name}"
                     for name, typ in columns)


def type_oid_sql(duckdb_type: str) -> str:
    """SQL for the PostgreSQL OID of the DuckDB type named by the SQL expression
    ``duckdb_type`` (a UDF's argument or result type, never an array)."""
    return f"CAST({column_type_sql(duckdb_type, '0', '0', '0')[0]} AS UINTEGER)"


def functions_sql(session: Session, everywhere: bool = False) -> str:
    """The SQL UDFs of the current database or, with ``everywhere``, of every database of the
    namespace, one row per overload: (datname, oid, nspname, nspoid, proname, arg_types,
    return_type, volatility, body, owner); a consumer database shows those of its live share."""
    shared = (
        f"SELECT datname, schema_name, name FROM ({shared_objects_sql(session, ('function',))}) "
        "WHERE object_kind = 'function'"
    )
    signature = "array_to_string(f.arg_types, ',')"
    return (
        "SELECT f.datname, "
        f"{oid_sql('f.datname', 'f.schema_name', 'f.function_name', signature)} AS oid, "
        "f.schema_name AS nspname, "
        f"{schema_oid_sql('f.datname', 'f.schema_name')} AS nspoid, "
        "f.function_name AS proname, f.arg_types, f.return_type, f.volatility, f.body, "
        f"coalesce(o.owner, {default_owner_sql(session)}) AS owner "
        f"FROM ({attribute_rows_sql(session, FUNCTIONS, everywhere)}) f "
        f"LEFT JOIN ({owners_sql(session, 'function')}) o ON o.database = f.datname "
        "AND o.schema_name = f.schema_name AND o.name = f.function_name "
        f"WHERE f.datname NOT IN (SELECT datname FROM ({consumer_databases_sql(session)})) "
        f"OR (f.datname, f.schema_name, f.function_name) IN ({shared})"
    )


def procedures_sql(session: Session, everywhere: bool = False) -> str:
    """The stored procedures of the current database or, with ``everywhere``, of every database
    of the namespace, one row per overload: (datname, oid, nspname, nspoid, proname, body,
    owner, security_definer, argument_list, return_type, arg_oids, all_oids, arg_modes,
    arg_names)."""
    where = f"namespace_guid = {lit(session.namespace)}"
    if not everywhere:
        where += f" AND database = {lit(session.database)}"
    return (
        "SELECT database AS datname, "
        f"{oid_sql('database', 'schema_name', 'name', 'signature')} AS oid, "
        "schema_name AS nspname, "
        f"{schema_oid_sql('database', 'schema_name')} AS nspoid, name AS proname, body, owner, "
        "security_definer, argument_list, return_type, arg_oids, all_oids, arg_modes, "
        f"arg_names FROM {system_table('procedures')} WHERE {where}"
    )


def _argument_list(types: str) -> str:
    """SQL for a UDF's argument types as PostgreSQL names them, comma-separated."""
    return (
        f"array_to_string(list_transform({types}, "
        f"t -> {type_name_sql(type_oid_sql('t'), '-1')}), ', ')"
    )


def pg_proc(session: Session) -> str:
    """pg_catalog.pg_proc: the current database's SQL UDFs (LANGUAGE sql, kind 'f'), with
    PostgreSQL's type OIDs, and its stored procedures (LANGUAGE plpgsql, kind 'p', result
    void, argument names and modes); proacl from the grants on them (``aclitems``)."""
    volatile = "CASE p.volatility WHEN 'IMMUTABLE' THEN 'i' WHEN 'STABLE' THEN 's' ELSE 'v' END"
    functions = (
        "SELECT p.oid, p.proname, p.nspoid AS pronamespace, "
        f"CAST({user_oid_expr('p.owner')} AS BIGINT) AS proowner, "
        f"CAST({_SQL_LANGUAGE_OID} AS BIGINT) AS prolang, CAST(100 AS REAL) AS procost, "
        "CAST(0 AS REAL) AS prorows, CAST(0 AS BIGINT) AS provariadic, '-' AS prosupport, "
        "'f' AS prokind, false AS proisagg, false AS proiswindow, false AS prosecdef, "
        "false AS proleakproof, false AS proisstrict, false AS proretset, "
        f"{volatile} AS provolatile, 'u' AS proparallel, "
        "CAST(len(p.arg_types) AS SMALLINT) AS pronargs, "
        "CAST(0 AS SMALLINT) AS pronargdefaults, "
        f"CAST({type_oid_sql('p.return_type')} AS BIGINT) AS prorettype, "
        f"list_transform(p.arg_types, t -> {type_oid_sql('t')}) AS proargtypes, "
        "CAST(NULL AS UINTEGER[]) AS proallargtypes, CAST(NULL AS VARCHAR[]) AS proargmodes, "
        "CAST(NULL AS VARCHAR[]) AS proargnames, CAST(NULL AS VARCHAR) AS proargdefaults, "
        "CAST(NULL AS UINTEGER[]) AS protrftypes, p.body AS prosrc, "
        "CAST(NULL AS VARCHAR) AS probin, CAST(NULL AS VARCHAR) AS prosqlbody, "
        "CAST(NULL AS VARCHAR[]) AS proconfig, "
        f"{acl_sql('a.items', 'function', 'p.owner')} AS proacl "
        f"FROM ({functions_sql(session)}) p "
        f"LEFT JOIN ({acl_items_sql(session, 'function')}) a ON a.database = p.datname "
        "AND a.schema_name = p.nspname AND a.name = p.proname"
    )
    procedures = (
        "SELECT p.oid, p.proname, p.nspoid, "
        f"CAST({user_oid_expr('p.owner')} AS BIGINT), "
        f"CAST({PLPGSQL_LANGUAGE_OID} AS BIGINT), CAST(100 AS REAL), CAST(0 AS REAL), "
        "CAST(0 AS BIGINT), '-', 'p', false, false, p.security_definer, false, false, false, "
        "'v', 'u', CAST(len(p.arg_oids) AS SMALLINT), CAST(0 AS SMALLINT), "
        f"CAST({_VOID_OID} AS BIGINT), p.arg_oids, "
        "CASE WHEN list_has_any(p.arg_modes, ['o', 'b']) THEN p.all_oids END, "
        "CASE WHEN list_has_any(p.arg_modes, ['o', 'b']) THEN p.arg_modes END, "
        "CASE WHEN len(list_filter(p.arg_names, n -> n <> '')) > 0 THEN p.arg_names END, "
        "CAST(NULL AS VARCHAR), CAST(NULL AS UINTEGER[]), p.body, "
        "CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR), CAST(NULL AS VARCHAR[]), "
        f"{acl_sql('a.items', 'procedure', 'p.owner')} "
        f"FROM ({procedures_sql(session)}) p "
        f"LEFT JOIN ({acl_items_sql(session, 'procedure')}) a ON a.database = p.datname "
        "AND a.schema_name = p.nspname AND a.name = p.proname"
    )
    return f"{functions} UNION ALL {procedures}"


def pg_proc_info(session: Session) -> str:
    """pg_catalog.pg_proc_info (Redshift): pg_proc's rows with prooid first."""
    return f"SELECT oid AS prooid, * FROM ({pg_proc(session)})"


def _executable_procedures_sql(session: Session) -> str:
    """The current database's stored procedures the session user may see in
    information_schema, as PostgreSQL's views show routines: its own, and those it may
    EXECUTE (a grant to it, a role it holds or PUBLIC); a superuser sees all."""
    procedures = procedures_sql(session)
    if session.superuser:
        return procedures
    grantee = (
        f"(g.grantee_kind = 'public' OR (g.grantee_kind = 'user' AND g.grantee = "
        f"{lit(session.user)}) OR (g.grantee_kind = 'role' AND g.grantee IN "
        f"({held_roles_sql(session)})))"
    )
    return (
        f"SELECT * FROM ({procedures}) p WHERE p.owner = {lit(session.user)} OR EXISTS ("
        f"SELECT 1 FROM ({grants_sql(session)}) g WHERE g.object_kind = 'procedure' "
        "AND g.privilege = 'EXECUTE' AND g.scope = '' AND coalesce(g.column_name, '') = '' "
        "AND g.database = p.datname AND g.schema_name = p.nspname AND g.name = p.proname "
        f"AND {grantee})"
    )


def _procedure_routines(session: Session) -> str:
    """information_schema.routines' rows of stored procedures, as PostgreSQL shows them
    (routine_type PROCEDURE, no result type, routine_body EXTERNAL, LANGUAGE PLPGSQL)."""
    known = {
        "specific_catalog": "datname", "specific_schema": "nspname",
        "specific_name": "proname || '_' || oid", "routine_catalog": "datname",
        "routine_schema": "nspname", "routine_name": "proname",
        "routine_type": "'PROCEDURE'", "routine_body": "'EXTERNAL'",
        "routine_definition": "body", "external_language": "'PLPGSQL'",
        "parameter_style": "'GENERAL'", "is_deterministic": "'NO'",
        "sql_data_access": "'MODIFIES'", "schema_level_routine": "'YES'",
        "max_dynamic_result_sets": "0",
        "security_type": "CASE WHEN security_definer THEN 'DEFINER' ELSE 'INVOKER' END",
        "as_locator": "'NO'", "is_udt_dependent": "'NO'",
    }
    return (f"SELECT {_select_list(_ROUTINES, known)} "
            f"FROM ({_executable_procedures_sql(session)})")


def _procedure_parameters(session: Session) -> str:
    """information_schema.parameters' rows of stored procedures' arguments (every mode)."""
    known = {
        "specific_catalog": "datname", "specific_schema": "nspname",
        "specific_name": "proname || '_' || oid", "ordinal_position": "position",
        "parameter_mode": "CASE arg_mode WHEN 'o' THEN 'OUT' WHEN 'b' THEN 'INOUT' "
                          "ELSE 'IN' END",
        "is_result": "'NO'", "as_locator": "'NO'",
        "parameter_name": "nullif(arg_name, '')",
        "data_type": type_name_sql("arg_oid", "-1"),
        "udt_catalog": "datname", "udt_schema": "'pg_catalog'",
        "udt_name": f"MAP {{{_typnames()}}}[arg_oid]",
        "dtd_identifier": "CAST(position AS VARCHAR)",
    }
    arguments = (
        "SELECT *, unnest(all_oids) AS arg_oid, unnest(arg_modes) AS arg_mode, "
        "unnest(arg_names) AS arg_name, unnest(generate_series(1, len(all_oids))) AS position "
        f"FROM ({_executable_procedures_sql(session)})"
    )
    return f"SELECT {_select_list(_PARAMETERS, known)} FROM ({arguments})"


def _typnames() -> str:
    """The entries of a DuckDB MAP from a built-in type's OID to its pg_type.typname."""
    return ", ".join(f"{t.oid}: '{t.typname}'" for t in BUILTIN_TYPES)


def routines(session: Session) -> str:
    """information_schema.routines: the current database's SQL UDFs and the stored procedures
    the session user owns or may EXECUTE."""
    known = {
        "specific_catalog": "datname", "specific_schema": "nspname",
        "specific_name": "proname || '_' || oid", "routine_catalog": "datname",
        "routine_schema": "nspname", "routine_name": "proname",
        "routine_type": "'FUNCTION'",
        "data_type": type_name_sql(type_oid_sql("return_type"), "-1"),
        "type_udt_catalog": "datname", "type_udt_schema": "'pg_catalog'",
        "type_udt_name": "lower(return_type)", "dtd_identifier": "'0'",
        "routine_body": "'SQL'", "routine_definition": "body", "external_language": "'SQL'",
        "parameter_style": "'GENERAL'",
        "is_deterministic": "CASE volatility WHEN 'IMMUTABLE' THEN 'YES' ELSE 'NO' END",
        "sql_data_access": "'MODIFIES'", "is_null_call": "'NO'",
        "schema_level_routine": "'YES'", "max_dynamic_result_sets": "0",
        "is_user_defined_cast": "'NO'", "is_implicitly_invocable": "'NO'",
        "security_type": "'INVOKER'", "as_locator": "'NO'", "new_savepoint_level": "'NO'",
        "is_udt_dependent": "'NO'",
    }
    return (f"SELECT {_select_list(_ROUTINES, known)} FROM ({functions_sql(session)}) "
            f"UNION ALL {_procedure_routines(session)}")


def parameters(session: Session) -> str:
    """information_schema.parameters: the arguments of the current database's SQL UDFs (IN,
    unnamed, as Redshift's $1-style SQL UDFs declare them), and of the stored procedures
    information_schema.routines lists (their modes and names)."""
    known = {
        "specific_catalog": "datname", "specific_schema": "nspname",
        "specific_name": "proname || '_' || oid", "ordinal_position": "position",
        "parameter_mode": "'IN'", "is_result": "'NO'", "as_locator": "'NO'",
        "data_type": type_name_sql(type_oid_sql("arg_type"), "-1"),
        "udt_catalog": "datname", "udt_schema": "'pg_catalog'",
        "udt_name": "lower(arg_type)", "dtd_identifier": "CAST(position AS VARCHAR)",
    }
    arguments = (
        "SELECT *, unnest(arg_types) AS arg_type, "
        "unnest(generate_series(1, len(arg_types))) AS position "
        f"FROM ({functions_sql(session)})"
    )
    return (f"SELECT {_select_list(_PARAMETERS, known)} FROM ({arguments}) "
            f"UNION ALL {_procedure_parameters(session)}")


def svv_redshift_functions(session: Session) -> str:
    """svv_redshift_functions: the SQL UDFs of every database of the namespace, consumer
    databases' shared ones included, and the stored procedures ('STORED PROCEDURE', their
    input types as argument_type, OUT and INOUT types as result_type)."""
    return (
        "SELECT datname AS database_name, nspname AS schema_name, proname AS function_name, "
        "'REGULAR FUNCTION' AS function_type, "
        f"{_argument_list('arg_types')} AS argument_type, "
        f"{type_name_sql(type_oid_sql('return_type'), '-1')} AS result_type "
        f"FROM ({functions_sql(session, everywhere=True)}) "
        "UNION ALL SELECT datname, nspname, proname, 'STORED PROCEDURE', argument_list, "
        f"return_type FROM ({procedures_sql(session, everywhere=True)})"
    )


def show_functions_sql(session: Session) -> str:
    """SHOW FUNCTIONS' rows: (database_name, schema_name, function_name, return_type,
    argument_list) of the current database's SQL UDFs."""
    return (
        "SELECT database_name, schema_name, function_name, result_type AS return_type, "
        "argument_type AS argument_list "
        f"FROM ({svv_redshift_functions(session)}) WHERE database_name = {lit(session.database)} "
        "AND function_type = 'REGULAR FUNCTION'"
    )


def show_procedures_sql(session: Session) -> str:
    """SHOW PROCEDURES' rows: (database_name, schema_name, procedure_name, return_type,
    argument_list) of the current database's stored procedures."""
    return (
        "SELECT datname AS database_name, nspname AS schema_name, proname AS procedure_name, "
        "return_type, argument_list "
        f"FROM ({procedures_sql(session)})"
    )


def current_database(session: Session) -> str:
    """``FROM current_database()``: one row, one column named current_database."""
    return f"SELECT {lit(session.database)} AS current_database"


def late_binding_view_cols(session: Session) -> str:
    """``pg_get_late_binding_view_cols()``: the columns of the current database's views created
    WITH NO SCHEMA BINDING, as DuckDB binds them now."""
    return (
        "SELECT c.nspname AS schemaname, c.relname AS tablename, c.attname AS columnname, "
        "c.formatted_type AS columntype, CAST(c.attnum AS INTEGER) AS columnnum "
        f"FROM ({column_facts_sql(session)}) c "
        f"JOIN ({attribute_rows_sql(session, LATE_BINDING_VIEWS)}) v "
        "ON v.schema_name = c.nspname AND v.view_name = c.relname "
        "ORDER BY c.nspname, c.relname, c.attnum"
    )


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
    View("pg_catalog", "pg_proc", pg_proc),
    View("pg_catalog", "pg_proc_info", pg_proc_info),
    View("pg_catalog", "svv_redshift_functions", svv_redshift_functions),
)

TABLE_FUNCTIONS = (
    TableFunction("current_database", current_database),
    TableFunction("pg_get_late_binding_view_cols", late_binding_view_cols),
    TableFunction("pg_get_keywords", keywords),
)
