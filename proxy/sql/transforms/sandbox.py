"""The first wall of the sandbox: DuckDB functions and relations that user SQL must never reach.

User SQL runs in one DuckDB instance shared by every namespace, so anything that reaches past
the session's own databases is refused here, on the parsed tree, before DuckDB sees it:

* Table functions in FROM are an allowlist: the few Redshift has (``range``,
  ``generate_series``; UNNEST is its own node), psql's ``pg_partition_ancestors`` and the
  catalog's
  (``catalog.views.TABLE_FUNCTIONS``, which the virtual_relations transform replaces).
* Scalar and aggregate functions that read files, the environment, settings or other tenants'
  catalog entries, run SQL strings past name resolution (``query``, ``json_serialize_plan``)
  or write engine state are denied wherever they appear (42501). The list was reviewed against
  every function DuckDB 1.5.5 has (``tests/unit/engine/test_lockdown_functions.py`` fails when
  an upgrade adds one nobody reviewed).
* A qualified call is PostgreSQL's ``pg_catalog.f(...)`` (made the unqualified call, so the
  rewrites of ``f`` apply) or ``information_schema.f(...)`` (the catalog's own); any other
  schema is refused, and DuckDB's method-call syntax (``'x'.upper()``) is a syntax error.
* DuckDB's own catalog relations (``duckdb_tables``, ``sqlite_master``, any pg_catalog or
  information_schema relation the virtual catalog does not replace) do not exist (42P01), and
  a relation named like a file (``"x.csv"``, ``'/etc/passwd'``), which DuckDB would read
  through a replacement scan, does not either.
* SET, RESET and SHOW of DuckDB's own settings (``threads``, ``memory_limit``,
  ``enable_external_access`` ...) are refused (42501) by the command grammar, which asks
  ``refuse_engine_setting``: the engine's settings are every tenant's.

Names are compared as DuckDB compares them: quoting does not matter and only ASCII letters
fold, so a name with look-alike letters (full-width, Cyrillic, zero-width joiners) is simply
another name, one DuckDB has no function or relation for. The locked-down engine (no file
access outside the data dir, locked configuration) is the second wall.
"""

from __future__ import annotations

import contextlib

from sqlglot import exp

from catalog import views
from catalog.errors import (
    FeatureNotSupported,
    InsufficientPrivilege,
    InvalidCatalogName,
    SyntaxError_,
    UndefinedFunction,
    UndefinedTable,
)
from engine.instance import setting_names
from engine.storage import INTERNAL_PREFIX
from proxy import settings
from proxy.sql.context import Context

# Table functions user SQL may call (catalog views and Redshift's own table functions are
# resolved after this runs; the virtual_relations transform answers pg_partition_ancestors,
# which DuckDB does not have).
TABLE_FUNCTIONS = frozenset({"range", "generate_series", "pg_partition_ancestors"})
# Prefixes of DuckDB functions that read files or reveal the engine: its metadata functions
# (every tenant's databases, settings, secrets), its file readers, its internals; and the
# server's own functions, which carry the internal prefix (``__ds_has_privilege`` answers for
# any namespace it is given).
DENIED_PREFIXES = (
    "duckdb_", "pragma_", "read_", "parquet_", "iceberg_", "delta_", "sniff_", "__internal",
    INTERNAL_PREFIX,
)
# Single DuckDB functions denied for the same reasons (see the module docstring).
DENIED_FUNCTIONS = frozenset({
    # SQL-string runners: they bind their argument past the front end.
    "query", "query_table", "json_execute_serialized_sql", "json_serialize_plan",
    "json_serialize_sql", "json_deserialize_sql",
    # Files, the environment, secrets (PostgreSQL's server-file functions too: DuckDB has
    # none of them today, and none may appear).
    "glob", "getenv", "which_secret", "import_database", "copy_database",
    "pg_read_file", "pg_read_binary_file", "pg_ls_dir", "pg_stat_file", "lo_import",
    "lo_export",
    # Settings, variables and the statement text as DuckDB sees it (internal aliases).
    "current_setting_value", "getvariable", "current_query", "current_query_id",
    "current_connection_id", "current_transaction_id",
    # Oracles on other tenants' databases, named by their internal alias in a string.
    "in_search_path", "get_block_size", "nextval", "currval",
    # Engine-wide state: the log, checkpoints, profiling, auto-completion.
    "write_log", "parse_duckdb_log_message", "checkpoint", "force_checkpoint",
    "enable_profiling", "disable_profiling", "enable_logging", "disable_logging",
    "truncate_duckdb_logs", "sql_auto_complete", "duckdb_api",
})
# Characters that make a relation name a path, a glob or a URL to DuckDB's replacement scans.
_PATH_CHARACTERS = frozenset("./\\:*?")
# Schemas a qualified call may name: PostgreSQL's built-ins and the catalog's own helpers.
_CALL_SCHEMAS = frozenset({"pg_catalog", "information_schema"})
# DuckDB's own catalogs, which no qualified call may name.
_ENGINE_CATALOG_NAMES = frozenset({"system", "temp", "memory", "main"})
# The marker the pipeline puts on calls that must stay anonymous (GETDATE, ADD_MONTHS).
_ANONYMOUS_MARK = "sqlglot.anonymous"
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def fold(name: str) -> str:
    """A name as DuckDB compares it: case-insensitively, folding ASCII letters only.

    >>> fold("Read_CSV")
    'read_csv'
    >>> fold(chr(0x212A)) == "k"  # the Kelvin sign, which Python's lower() makes a k
    False
    """
    return name.translate(_ASCII_LOWER)


def denied(name: str) -> bool:
    """Whether a (folded) function name is one user SQL may not call."""
    return name in DENIED_FUNCTIONS or name.startswith(DENIED_PREFIXES)


def refuse_engine_setting(name: str, action: str) -> None:
    """Raise 42501 if ``name`` is one of DuckDB's settings rather than a session parameter
    (``action``: "set" for SET and RESET, "examine" for SHOW)."""
    key = settings.normalize(name)
    if key not in settings.PARAMS and fold(key) in setting_names():
        what = "set parameter" if action == "set" else "examine"
        raise InsufficientPrivilege(f'permission denied to {what} "{name}"')


def _call_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return fold(node.name)
    if isinstance(node, exp.Func):
        return fold(node.sql_name())
    return ""


def _as_written(ident: exp.Expr | None) -> str | None:
    """A name as Redshift reads it: quoted names keep their case, others fold to lower case."""
    if ident is None:
        return None
    return ident.name if ident.args.get("quoted") else ident.name.lower()


def _creates(table: exp.Table) -> bool:
    create = table.parent.parent if isinstance(table.parent, exp.Schema) else table.parent
    return isinstance(create, exp.Create) and (create.this is table or create.this is table.parent)


def _refuse_relation(table: exp.Table, ctes: set[str]) -> None:
    ident = table.this
    if not isinstance(ident, exp.Identifier):
        return
    db = table.args.get("db")
    for part in (ident, db):
        if part is not None and _PATH_CHARACTERS.intersection(part.name):
            if _creates(table):
                raise FeatureNotSupported(
                    f'feature not supported on Duckshift: relation name "{part.name}" '
                    "(names may not contain . / \\ : * or ?)"
                )
            raise UndefinedTable(f'relation "{part.name}" does not exist')
    name, schema = _as_written(ident) or "", _as_written(db)
    # DuckDB resolves names case-insensitively, quoted or not: "DUCKDB_TABLES" is its view,
    # and "PG_CATALOG"."PG_CLASS" its own pg_class, which the virtual catalog (matching names
    # as Redshift does) would not replace.
    duck_name, duck_schema = fold(ident.name), None if db is None else fold(db.name)
    if schema is None and duck_name in ctes:
        return
    engine_side = views.refused(duck_schema, duck_name) or (
        (duck_schema, duck_name) != (schema, name)
        and (duck_schema in views.CATALOG_SCHEMAS or views.find(duck_schema, duck_name))
    )
    if views.refused(schema, name) or engine_side:
        shown = name if schema is None else f"{schema}.{name}"
        raise UndefinedTable(f'relation "{shown}" does not exist')


def _refuse_table_function(table: exp.Table) -> None:
    func = table.this
    # pg_catalog.unnest(...) reaches here as a Table over Explode (plain UNNEST is its own
    # node); generate_series has a node of its own too.
    if isinstance(func, exp.Func) and not isinstance(
        func, exp.ExplodingGenerateSeries | exp.Explode
    ):
        name = _call_name(func)
        if name not in TABLE_FUNCTIONS and name not in views.TABLE_FUNCTIONS:
            raise InsufficientPrivilege(f"permission denied for function {name}")


def _qualifier(node: exp.Expr) -> list[exp.Identifier] | None:
    """The identifiers of ``a.b`` before a call, or None if it is not a chain of names."""
    if isinstance(node, exp.Identifier):
        return [node]
    if isinstance(node, exp.Dot):
        head = _qualifier(node.this)
        tail = node.expression
        if head is not None and isinstance(tail, exp.Identifier):
            return [*head, tail]
    return None


def _unqualify_call(dot: exp.Dot, ctx: Context) -> None:
    """``pg_catalog.f(...)`` becomes ``f(...)``; a SQL UDF may be called as ``schema.f(...)``
    or ``database.schema.f(...)`` (the database mapped to its alias, as for relations); other
    qualified calls are refused."""
    call = dot.expression
    parts = _qualifier(dot.this)
    if parts is None:
        raise SyntaxError_('syntax error at or near "."')
    schema = ".".join(_as_written(p) or "" for p in parts)
    if schema not in _CALL_SCHEMAS:
        _user_function_call(dot, parts, ctx)
        return
    if schema != "pg_catalog":
        return
    if isinstance(call, exp.Anonymous) and not any(
        _ANONYMOUS_MARK in c for c in dot.comments or []
    ):
        # sqlglot parses a qualified call as an anonymous one; unqualified, it is the node the
        # rewrites expect (pg_catalog.current_database() must answer like current_database()).
        with contextlib.suppress(ValueError):  # a wrong argument count: DuckDB refuses it
            call = exp.func(call.name, *call.expressions, dialect="redshift")
    dot.replace(call)


def _user_function_call(dot: exp.Dot, parts: list[exp.Identifier], ctx: Context) -> None:
    """A call qualified by a schema of the session's databases: only an anonymous call (a SQL
    UDF; DuckDB's own functions are not in user schemas) in a schema that is not one of the
    engine's catalogs, nor spelled like pg_catalog in another case (DuckDB would find its own
    there); ``database.schema`` names a database of the namespace."""
    names = [_as_written(p) or "" for p in parts]
    shown = ".".join(names)
    if not isinstance(dot.expression, exp.Anonymous) or len(names) > 2 or any(
        fold(n) in _ENGINE_CATALOG_NAMES or fold(n) in _CALL_SCHEMAS for n in names
    ):
        raise InsufficientPrivilege(f"permission denied for schema {shown}")
    if len(names) == 2:
        alias = ctx.databases.get(names[0])
        if alias is None:
            raise InvalidCatalogName(f'database "{names[0]}" does not exist')
        inner = dot.this
        assert isinstance(inner, exp.Dot)
        inner.set("this", exp.to_identifier(alias, quoted=True))


def refuse_engine_functions(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Refuse what reaches past the session's databases: 42501 for a table function off the
    allowlist, a denied function anywhere, or a call in another schema; 42P01 for DuckDB's
    own catalog relations and for relations named like files."""
    ctes = {fold(cte.alias_or_name) for cte in tree.find_all(exp.CTE)}
    for table in tree.find_all(exp.Table):
        _refuse_relation(table, ctes)
        _refuse_table_function(table)
    for dot in list(tree.find_all(exp.Dot)):
        if isinstance(dot.expression, exp.Func):
            _unqualify_call(dot, ctx)
    for func in tree.find_all(exp.Anonymous, exp.Func):
        name = _call_name(func)
        if not name.isascii():
            # DuckDB has no function of that name either; refused before it binds anything.
            raise UndefinedFunction(f"function {name} does not exist")
        if denied(name):
            raise InsufficientPrivilege(f"permission denied for function {name}")
    return tree
