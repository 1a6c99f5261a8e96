"""The catalog a client reads: virtual pg_catalog / information_schema relations and functions.

Each relation named in ``catalog.views`` (``pg_catalog.pg_class``, ``information_schema.tables``,
``svv_columns``...; unqualified pg_catalog names too, pg_catalog being implicitly first on the
search path) becomes a parenthesised subquery, under the same alias, of the view's DuckDB SQL
for this session: only the session's namespace and current database show, with PostgreSQL's
OIDs and type names, never DuckDB's own catalog of every attached database. That SQL reads
DuckDB's metadata functions, which user SQL may not call, so this runs after
``refuse_engine_functions``.

The catalog functions clients call with those relations are rewritten too: format_type,
pg_table_is_visible, pg_get_userbyid, obj_description / col_description,
pg_get_constraintdef, pg_get_viewdef, pg_get_expr, pg_get_function_result and
pg_get_function_arguments, pg_backend_pid, current_schemas, the drivers' array helpers
(information_schema._pg_expandarray, array_upper, array_lower) and array literals
(``'{a,b}'::text[]``), current_setting (from pg_settings, never DuckDB's settings) and
set_config of inert settings, and the reg* and oid casts (``'t'::regclass`` is the stable OID
of t; ``oid::regtype::text`` the type's name).
Catalog table functions in FROM (``catalog.views.TABLE_FUNCTIONS``: ``current_database()``,
``pg_get_late_binding_view_cols() cols(...)``, ``pg_get_keywords()``) become subqueries too.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from functools import lru_cache

import sqlglot
from sqlglot import exp

from catalog import views
from catalog.errors import FeatureNotSupported
from catalog.views.base import lit
from catalog.views.pg_type import name_oids, type_name_sql
from proxy.codecs.oids import TEXT_ARRAY
from proxy.codecs.params import decode_parameter
from proxy.sql.context import Context
from proxy.sql.transforms.output_names import pg_name
from proxy.sql.transforms.wlm_functions import PID_VARIABLE

_OI = exp.ObjectIdentifier
_ARRAYS = (exp.DataType.Type.ARRAY, exp.DataType.Type.LIST)
# The meta key that marks a subquery of a catalog view's or function's own SQL (which later
# transforms may leave as written).
CATALOG_ROWS = "catalog_rows"
# Columns standing for a function's arguments in the SQL templates below.
_ARG0, _ARG1 = "__ds_arg0", "__ds_arg1"


@lru_cache(maxsize=512)
def _parsed(sql: str) -> exp.Expr:
    return sqlglot.parse_one(sql, read="duckdb")


def _template(sql: str, *args: exp.Expr) -> exp.Expr:
    """Parse DuckDB SQL (cached) and put copies of ``args`` where __ds_arg0/1 stand."""
    tree = _parsed(sql).copy()
    by_name = dict(zip((_ARG0, _ARG1), args, strict=False))
    for col in list(tree.find_all(exp.Column)):
        arg = by_name.get(col.name) if not col.table else None
        if arg is not None:
            col.replace(arg.copy())
    return tree


def _rows(query: exp.Expr, alias: exp.TableAlias | None = None) -> exp.Subquery:
    """``query`` as a subquery marked as the catalog's own SQL."""
    rows = exp.Subquery(this=query, alias=alias)
    rows.meta[CATALOG_ROWS] = True
    return rows


def catalog_sql(node: exp.Expr) -> bool:
    """Whether ``node`` is part of the SQL of a catalog view or function (whose comparisons
    and casts are of types known when it was written)."""
    parent = node.parent
    while parent is not None:
        if parent.meta.get(CATALOG_ROWS):
            return True
        parent = parent.parent
    return False


def _subquery(sql: str, *args: exp.Expr) -> exp.Expr:
    return _rows(_template(sql, *args))


def _lookup(pairs: str, key: exp.Expr) -> exp.Expr:
    """The value for ``key`` among the (k, v) rows of the query ``pairs``.

    The rows become one map in an uncorrelated subquery and ``key`` is looked up outside it:
    inside a correlated subquery an unqualified argument such as psql's
    ``pg_get_constraintdef(oid)`` would bind to the subquery's own ``oid``.
    """
    sql = f"(SELECT map(list(k), list(v)) FROM ({pairs}))[__ds_arg0]"
    # Typed text, as every value looked up is: a cast or ``||`` of it then needs no macro
    # that reads its type, which would name (and plan) the subquery many times.
    return exp.cast(exp.Paren(this=_template(sql, key)), "VARCHAR")


# --- functions ---------------------------------------------------------------------------

_VISIBLE = (
    "SELECT __ds_c.oid FROM pg_catalog.pg_class __ds_c JOIN pg_catalog.pg_namespace __ds_n "
    "ON __ds_n.oid = __ds_c.relnamespace WHERE __ds_n.nspname = 'pg_catalog' "
    "OR list_contains(current_schemas(false), __ds_n.nspname)"
)


def _relation_lookup(name: exp.Expr, schema: exp.Expr | None) -> exp.Expr:
    """The OID of a relation by name: in ``schema`` (when not NULL), or the first on the
    search path."""
    where = "__ds_c.relname = __ds_arg0"
    if schema is not None:
        where += " AND (__ds_arg1 IS NULL OR __ds_n.nspname = __ds_arg1)"
    sql = (
        "SELECT __ds_c.oid FROM pg_catalog.pg_class __ds_c JOIN pg_catalog.pg_namespace __ds_n "
        f"ON __ds_n.oid = __ds_c.relnamespace WHERE {where} AND (__ds_arg1 IS NOT NULL "
        "OR __ds_n.nspname = 'pg_catalog' "
        "OR list_contains(current_schemas(false), __ds_n.nspname)) "
        "ORDER BY CASE WHEN __ds_n.nspname = 'pg_catalog' THEN 0 "
        "ELSE coalesce(list_position(current_schemas(false), __ds_n.nspname), 1000) END LIMIT 1"
    )
    return _subquery(sql, name, schema if schema is not None else exp.null())


def _regclass(value: exp.Expr) -> exp.Expr:
    """``x::regclass``: a name (string) is looked up; an OID, also as a string of digits
    (psql's ``'16385'::regclass``), stays itself."""
    if isinstance(value, exp.Literal) and value.is_string and value.name.isdigit():
        return exp.cast(exp.Literal.number(value.name), "BIGINT")
    if isinstance(value, exp.Literal) and value.is_string:
        table = exp.to_table(value.name, dialect="postgres")
        schema = table.args.get("db")
        return _relation_lookup(
            exp.Literal.string(table.name), exp.Literal.string(schema.name) if schema else None
        )
    if isinstance(value, exp.Parameter):
        # A name bound as a parameter ('pg_catalog.pg_class', SQLAlchemy's) is read as it
        # runs: the part after the last dot is the relation, a part before it the schema;
        # quoted parts keep their case. (split_part counts from the start only: the dialect
        # gives negative parts Redshift's meaning.)
        text = _template("CAST(__ds_arg0 AS VARCHAR)", value)
        last = _template("reverse(split_part(reverse(__ds_arg0), '.', 1))", text)
        first = _template(
            "CASE WHEN strpos(__ds_arg0, '.') > 0 THEN split_part(__ds_arg0, '.', 1) END", text)
        return _relation_lookup(_identifier_part(last), _identifier_part(first))
    return exp.cast(value, "BIGINT")


def _identifier_part(part: exp.Expr) -> exp.Expr:
    """A name as PostgreSQL reads it: a quoted one keeps its case, others are folded."""
    return _template(
        "CASE WHEN starts_with(__ds_arg0, '\"') THEN trim(__ds_arg0, '\"') "
        "ELSE lower(__ds_arg0) END", part)


def _type_name_key(name: str) -> str:
    return name.strip().lower().removeprefix("pg_catalog.").strip('"')


def _regtype(value: exp.Expr) -> exp.Expr:
    """``x::regtype`` / to_regtype(x): a type name becomes its OID; an OID stays itself."""
    if isinstance(value, exp.Literal) and value.is_string:
        oid = name_oids().get(_type_name_key(value.name))
        return exp.null() if oid is None else exp.Literal.number(oid)
    if isinstance(value, exp.Parameter | exp.Placeholder) or (
        isinstance(value, exp.Cast) and value.to.is_type("text", "varchar")
    ):
        entries = ", ".join(f"{lit(k)}: {v}" for k, v in sorted(name_oids().items()))
        key = "lower(trim(replace(CAST(__ds_arg0 AS VARCHAR), 'pg_catalog.', ''), ' \"'))"
        return exp.Paren(this=_template(f"MAP {{{entries}}}[{key}]", value))
    return exp.cast(value, "BIGINT")


def _name_of(cast: exp.Cast) -> exp.Expr | None:
    """``oid::regclass::text`` and ``oid::regtype::text``: the name of the object."""
    inner = cast.this
    if not (isinstance(inner, exp.Cast) and isinstance(inner.to, _OI)):
        return None
    if not cast.to.is_type("text", "varchar", "name"):
        return None
    kind = inner.to.name.upper()
    if kind == "REGTYPE":
        # regtype 0 prints as "-", as in pg_type's unset typelem.
        sql = f"CASE WHEN {_ARG0} = 0 THEN '-' ELSE {type_name_sql(_ARG0, '-1')} END"
        return _template(sql, _regtype(inner.this))
    if kind == "REGCLASS":
        pairs = "SELECT oid AS k, relname AS v FROM pg_catalog.pg_class"
        return _lookup(pairs, _regclass(inner.this))
    return None


def _array_literal(text: str, to: exp.DataType) -> exp.Expr:
    """``'{a,"b c",NULL}'::t[]``: PostgreSQL's array text as a list of string literals cast to
    ``to``, nested (and ``to`` with it) for more dimensions, as PostgreSQL's arrays of any
    type are; malformed text fails as in PostgreSQL (22P02)."""

    def build(value: object) -> exp.Expr:
        if isinstance(value, list):
            return exp.Array(expressions=[build(v) for v in value])
        return exp.null() if value is None else exp.Literal.string(str(value))

    parsed = decode_parameter(TEXT_ARRAY, 0, text.encode())
    to = to.copy()
    inner = parsed
    while isinstance(inner, list) and inner and isinstance(inner[0], list):
        inner = inner[0]
        to = exp.DataType(this=exp.DataType.Type.ARRAY, expressions=[to], nested=True)
    return exp.Cast(this=build(parsed), to=to)


def _cast(cast: exp.Cast) -> exp.Expr | None:
    to = cast.to
    if isinstance(to, exp.DataType) and to.this in _ARRAYS and isinstance(
        cast.this, exp.Literal
    ) and cast.this.is_string:
        # '{a,b}'::text[] (drivers' keyword and type lists): DuckDB casts only its own
        # '[a, b]' text to a list, so the literal is read here.
        return _array_literal(cast.this.name, to)
    named = _name_of(cast)
    if named is None and _is_select_item(cast) and isinstance(cast.to, _OI):
        # A regclass or regtype value prints as the object's name.
        named = _name_of(exp.cast(cast.copy(), "TEXT"))
    if named is not None:
        return named
    if not isinstance(to, _OI):
        return None
    kind = to.name.upper()
    if kind == "REGCLASS":
        return _regclass(cast.this)
    if kind == "REGTYPE":
        return _regtype(cast.this)
    if kind == "REGPROC" and isinstance(cast.this, exp.Literal):
        # pg_type's typinput and friends are function names as text.
        return exp.Literal.string(cast.this.name.removeprefix("pg_catalog."))
    if kind in ("OID", "REGPROC", "REGNAMESPACE", "REGROLE", "REGOPER", "REGPROCEDURE"):
        target = {"OID": "UINTEGER", "REGPROC": "VARCHAR"}.get(kind, "BIGINT")
        return exp.cast(cast.this, target, dialect="duckdb")
    return None


def _description(args: list[exp.Expr], column: bool) -> exp.Expr:
    pairs = (
        "SELECT objoid || '.' || objsubid AS k, description AS v "
        "FROM pg_catalog.pg_description"
    )
    subid = args[1].copy() if column else exp.Literal.number(0)
    key = _template("__ds_arg0 || '.' || __ds_arg1", args[0], subid)
    return _lookup(pairs, key)


# pg_get_function_result and friends: the SQL of each over a pg_proc row.
# SQL UDFs' arguments are unnamed ($1-style), so the arguments are their types.
_ARGUMENT_TYPES = (
    f"array_to_string(list_transform(proargtypes, t -> {type_name_sql('t', '-1')}), ', ')"
)
# The catalog functions whose value is text (rewritten into lookups typed VARCHAR).
TEXT_FUNCTIONS = frozenset({
    "pg_get_constraintdef", "pg_get_viewdef", "pg_get_indexdef", "pg_get_userbyid",
    "obj_description", "col_description", "format_type", "current_setting",
    "pg_get_function_result", "pg_get_function_arguments", "pg_get_function_identity_arguments",
})

_FUNCTION_TEXT = {
    "pg_get_function_result": type_name_sql("prorettype", "-1"),
    "pg_get_function_arguments": _ARGUMENT_TYPES,
    "pg_get_function_identity_arguments": _ARGUMENT_TYPES,
}

# Catalog functions whose answer is fixed on Duckshift, by (name, number of arguments): what
# does not exist here (triggers, rules, partitions, SQL function bodies, extended statistics,
# publications, tablespaces on disk, scan statistics, standby servers, advisory locks) has
# the answer PostgreSQL gives for none of it.
_ANSWERS = {
    ("pg_get_triggerdef", 1): "CAST(NULL AS VARCHAR)",
    ("pg_get_triggerdef", 2): "CAST(NULL AS VARCHAR)",
    ("pg_get_ruledef", 1): "CAST(NULL AS VARCHAR)",
    ("pg_get_ruledef", 2): "CAST(NULL AS VARCHAR)",
    ("pg_get_partkeydef", 1): "CAST(NULL AS VARCHAR)",
    ("pg_get_function_sqlbody", 1): "CAST(NULL AS VARCHAR)",
    ("pg_get_statisticsobjdef_columns", 1): "CAST(NULL AS VARCHAR)",
    ("pg_relation_is_publishable", 1): "false",
    ("pg_get_serial_sequence", 2): "CAST(NULL AS VARCHAR)",
    ("pg_tablespace_location", 1): "''",
    ("pg_stat_get_numscans", 1): "CAST(0 AS BIGINT)",
    ("pg_is_in_recovery", 0): "false",
    ("pg_advisory_unlock_all", 0): "CAST(NULL AS VARCHAR)",
    # Redshift's name of a column's compression: no encodings are kept in pg_attribute (0).
    ("format_encoding", 1): "CASE WHEN __ds_arg0 = 0 THEN 'none' END",
}

_SIZE_FUNCTIONS = frozenset({
    "pg_table_size", "pg_relation_size", "pg_total_relation_size", "pg_indexes_size",
    "pg_database_size",
})


def _function(name: str, args: list[exp.Expr]) -> exp.Expr | None:
    """The rewrite of one catalog function call, or None to leave it as it is."""
    n = len(args)
    if name == "format_type" and n == 2:
        return _template(type_name_sql(_ARG0, f"coalesce({_ARG1}, -1)"), *args)
    if name == "pg_table_is_visible" and n == 1:
        return exp.In(this=args[0].copy(), query=exp.Subquery(this=_template(_VISIBLE)))
    if name == "pg_get_userbyid" and n == 1:
        # Any user or role of the namespace, by the OID pg_roles gives it.
        pairs = "SELECT oid AS k, rolname AS v FROM pg_catalog.pg_roles"
        unknown = _template("'unknown (OID=' || __ds_arg0 || ')'", args[0])
        return exp.func("coalesce", _lookup(pairs, args[0]), unknown)
    if name == "obj_description" and n in (1, 2):
        return _description(args[:1], column=False)
    if name == "col_description" and n == 2:
        return _description(args, column=True)
    if name == "shobj_description" and n == 2:
        return exp.cast(exp.null(), "VARCHAR")
    if name == "pg_get_constraintdef" and n in (1, 2):
        pairs = "SELECT oid AS k, consrc AS v FROM pg_catalog.pg_constraint"
        return _lookup(pairs, args[0])
    if name == "pg_partition_ancestors" and n == 1:
        # No relation is a partition here: its only ancestor is itself.
        return _regclass(args[0])
    if name == "pg_get_viewdef" and n in (1, 2):
        pairs = (
            "SELECT c.oid AS k, v.definition AS v FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_views v ON v.schemaname = n.nspname AND v.viewname = c.relname"
        )
        return _lookup(pairs, _regclass(args[0]))
    if name == "pg_get_indexdef" and n in (1, 3):
        pairs = (
            "SELECT c.oid AS k, i.indexdef AS v FROM pg_catalog.pg_class c "
            "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
            "JOIN pg_catalog.pg_indexes i ON i.schemaname = n.nspname AND i.indexname = c.relname"
        )
        if n == 1:
            return _lookup(pairs, args[0])
        # pg_get_indexdef(index, column, pretty): a column number above 0 asks for that
        # column of the index (pgjdbc's getIndexInfo reads its names so), 0 for the whole.
        columns = "SELECT attrelid || '.' || attnum AS k, attname AS v FROM pg_catalog.pg_attribute"
        key = _template("__ds_arg0 || '.' || __ds_arg1", args[0], args[1])
        whole = _template("coalesce(__ds_arg0, 0) = 0", args[1])
        return exp.Case(ifs=[exp.If(this=whole, true=_lookup(pairs, args[0]))],
                        default=_lookup(columns, key))
    if name == "pg_get_expr" and n in (2, 3):
        # pg_attrdef.adbin already holds the expression's text.
        return args[0].copy()
    if name == "pg_encoding_to_char" and n == 1:
        return _template("CASE WHEN __ds_arg0 = 6 THEN 'UTF8' ELSE '' END", args[0])
    if name == "json_build_object":
        return exp.Anonymous(this="json_object", expressions=[a.copy() for a in args])
    answer = _ANSWERS.get((name, n))
    if answer is not None:
        return _template(answer, *args)
    if name in _SIZE_FUNCTIONS and n == 1:
        # Storage sizes are not measured per relation yet: unknown rather than wrong.
        return exp.cast(exp.null(), "BIGINT")
    if name == "to_regtype" and n == 1:
        return _regtype(args[0])
    if name == "_pg_expandarray" and n == 1:
        # One row per element: a struct of the element (x) and its 1-based position (n). The
        # lambda's variable must not be a name the argument uses (pgjdbc's i.indkey).
        sql = (
            "unnest(list_transform(range(1, len(__ds_arg0) + 1), "
            "lambda __ds_i: {'x': __ds_arg0[__ds_i], 'n': __ds_i}))"
        )
        return _template(sql, args[0])
    if name in _FUNCTION_TEXT and n in (1, 2):
        # From the function's pg_proc row.
        return _lookup(f"SELECT oid AS k, {_FUNCTION_TEXT[name]} AS v FROM pg_catalog.pg_proc",
                       args[0])
    if name == "pg_backend_pid" and n == 0:
        # The translation is shared by every session: its pid is read when the statement
        # runs, from the variable its DuckDB connection holds.
        pid = exp.Anonymous(this="getvariable", expressions=[exp.Literal.string(PID_VARIABLE)])
        return exp.cast(pid, "INTEGER")
    if name in ("array_upper", "array_lower") and n == 2:
        bound = "len(__ds_arg0)" if name == "array_upper" else "1"
        sql = f"CASE WHEN __ds_arg1 = 1 AND len(__ds_arg0) > 0 THEN {bound} END"
        return _template(sql, *args)
    if name == "current_setting" and n in (1, 2):
        # The server's settings as pg_settings shows them, never DuckDB's own.
        pairs = "SELECT lower(name) AS k, setting AS v FROM pg_catalog.pg_settings"
        return _lookup(pairs, _template("lower(__ds_arg0)", args[0]))
    if name == "set_config" and n == 3:
        return _set_config(args)
    return None


# Settings a client may set_config() that change nothing on Duckshift.
_INERT_SETTINGS = frozenset({"jit"})


def _set_config(args: list[exp.Expr]) -> exp.Expr:
    """set_config(name, value, is_local) of an inert setting returns the value, as PostgreSQL
    does; other settings are changed with SET, which the session handles."""
    name = args[0]
    if isinstance(name, exp.Literal) and name.name.lower() in _INERT_SETTINGS:
        return exp.cast(args[1].copy(), "VARCHAR")
    shown = name.name if isinstance(name, exp.Literal) else name.sql()
    raise FeatureNotSupported(f"set_config({shown}) is not supported on Duckshift: use SET")


def _is_select_item(node: exp.Expr) -> bool:
    # output_names has already aliased the select list's items: look through the alias.
    if isinstance(node.parent, exp.Alias):
        node = node.parent
    return isinstance(node.parent, exp.Select) and node.arg_key == "expressions"


# OPERATOR(pg_catalog.op), psql's spelling of an operator that no search_path can redefine.
_OPERATORS: dict[str, Callable[[exp.Expr, exp.Expr], exp.Expr]] = {
    "~": lambda a, b: exp.func("regexp_matches", a, b),
    "!~": lambda a, b: exp.not_(exp.func("regexp_matches", a, b)),
    "~*": lambda a, b: exp.func("regexp_matches", a, b, exp.Literal.string("i")),
    "!~*": lambda a, b: exp.not_(
        exp.func("regexp_matches", a, b, exp.Literal.string("i"))
    ),
    "=": lambda a, b: exp.EQ(this=a, expression=b),
    "<>": lambda a, b: exp.NEQ(this=a, expression=b),
    "<": lambda a, b: exp.LT(this=a, expression=b),
    ">": lambda a, b: exp.GT(this=a, expression=b),
    "<=": lambda a, b: exp.LTE(this=a, expression=b),
    ">=": lambda a, b: exp.GTE(this=a, expression=b),
}


def _operator(node: exp.Operator) -> exp.Expr | None:
    op = str(node.args.get("operator") or "").removeprefix("pg_catalog.")
    build = _OPERATORS.get(op)
    if build is None:
        return None
    return exp.Paren(this=build(node.this.copy(), node.expression.copy()))


def _parameters(node: exp.Expr) -> set[str]:
    return {p.sql() for p in node.find_all(exp.Parameter)}


def _keeping_parameters(call: exp.Expr, new: exp.Expr) -> exp.Expr:
    """``new`` still naming each ``$n`` of ``call``: a rewrite may drop an argument (the pretty
    flag SQLAlchemy binds as a parameter), and DuckDB refuses a value for a parameter its
    statement does not name."""
    dropped = [p for p in call.find_all(exp.Parameter) if p.sql() not in _parameters(new)]
    if not dropped:
        return new
    # Never true, so ``new`` is the value, but the parameters are bound.
    named = exp.or_(*(exp.Is(this=exp.Paren(this=exp.Is(this=p.copy(), expression=exp.null())),
                             expression=exp.null()) for p in dropped))
    return exp.Case(ifs=[exp.If(this=named, true=exp.null())], default=new)


# The catalog's int2vector and oidvector columns: PostgreSQL subscripts them from 0 (psqlODBC's
# ``i.indkey[ia.attnum-1]``); here they are lists, subscripted from 1.
_VECTOR_COLUMNS = frozenset({
    "indkey", "indclass", "indcollation", "indoption", "proargtypes", "tgattr",
})


def _vector_subscript(node: exp.Bracket) -> exp.Expr | None:
    column = node.this
    if not (isinstance(column, exp.Column) and column.name.lower() in _VECTOR_COLUMNS):
        return None
    if len(node.expressions) != 1 or isinstance(node.expressions[0], exp.Slice):
        return None
    index = exp.Add(this=exp.Paren(this=node.expressions[0].copy()),
                    expression=exp.Literal.number(1))
    return exp.Bracket(this=column.copy(), expressions=[index])


def _collate(node: exp.Collate) -> exp.Expr | None:
    """``x COLLATE pg_catalog.default`` (psql's patterns): the database's default collation,
    which is DuckDB's binary one, as "C" and "POSIX" are; other collations are DuckDB's to
    refuse."""
    name = node.expression.name
    if name.lower() == "default" or name in ("C", "POSIX"):
        return node.this.copy()
    return None


def _call_name(node: exp.Expr) -> str | None:
    if isinstance(node, exp.Anonymous):
        return node.name.lower()
    return None


def _replace(node: exp.Expr, new: exp.Expr) -> None:
    """Replace ``node``, keeping the result column name PostgreSQL gives the original."""
    if _is_select_item(node) and not isinstance(node.parent, exp.Alias):
        name = pg_name(node)
        if name == "?column?" and isinstance(node, exp.Cast) and isinstance(node.to, _OI):
            name = node.to.name.lower()  # PostgreSQL names 'x'::regclass "regclass"
        if name is not None:
            # An explicit Alias node: alias_() would name a Subquery as a table instead.
            new = exp.Alias(this=new, alias=exp.to_identifier(name, quoted=True))
    node.replace(new)


def _is_named_cast(node: exp.Expr) -> bool:
    """An ``x::regtype`` or ``x::regclass`` under ``::text``, which the outer cast rewrites."""
    parent = node.parent
    return (
        isinstance(node, exp.Cast)
        and isinstance(parent, exp.Cast)
        and _name_of(parent) is not None
    )


def _rewrite_functions(tree: exp.Expr) -> None:
    # Deepest first (children sit at deeper BFS levels): an argument is rewritten before the
    # call that copies it into its template.
    kinds = (exp.Anonymous, exp.Cast, exp.CurrentSchemas, exp.Operator, exp.Collate,
             exp.Bracket)
    for node in reversed(list(tree.find_all(*kinds))):
        new: exp.Expr | None
        if isinstance(node, exp.Operator):
            new = _operator(node)
        elif isinstance(node, exp.Bracket):
            new = _vector_subscript(node)
        elif isinstance(node, exp.Collate):
            new = _collate(node)
        elif isinstance(node, exp.Cast):
            new = None if _is_named_cast(node) else _cast(node)
        elif isinstance(node, exp.CurrentSchemas):
            # PostgreSQL's implicit pg_catalog comes first; DuckDB's list names its internals.
            sql = (
                "CASE WHEN __ds_arg0 THEN list_prepend('pg_catalog', current_schemas(false)) "
                "ELSE current_schemas(false) END"
            )
            new = _template(sql, node.this or exp.false())
        elif isinstance(node.parent, exp.Table):
            new = None  # a table function in FROM (_table_function)
        else:
            name = _call_name(node)
            new = _function(name, node.expressions) if name else None
            if new is not None:
                new = _keeping_parameters(node, new)
        if new is not None:
            _replace(node.parent if isinstance(node.parent, exp.Dot) else node, new)


# --- relations ---------------------------------------------------------------------------

def _session_for(table: exp.Table, ctx: Context) -> Context | None:
    """The session facts to build a view for: a three-part name may name another database."""
    catalog = table.args.get("catalog")
    if catalog is None:
        return ctx
    # resolve_databases has already turned the database name into its alias, and noted the
    # name (several consumer databases can stand for one producer database).
    named = table.meta.get("database")
    if named is not None:
        return ctx if named == ctx.database else dataclasses.replace(ctx, database=named)
    for name, internal in ctx.databases.items():
        if internal == catalog.name:
            return ctx if name == ctx.database else dataclasses.replace(ctx, database=name)
    return None


def _view_for(table: exp.Table, ctes: set[str]) -> views.View | None:
    if not isinstance(table.this, exp.Identifier):
        return None
    if not isinstance(table.parent, exp.From | exp.Join | exp.Subquery):
        # A DML or DDL target: leave it to DuckDB (and its errors). A parenthesized join
        # (psqlODBC's ``FROM ((pg_class c JOIN ...) JOIN ...)``) is a Subquery over the table.
        return None
    ident = table.this
    name = ident.name if ident.quoted else ident.name.lower()
    db = table.args.get("db")
    if db is None:
        return None if name in ctes else views.find(None, name)
    schema = db.name if db.quoted else db.name.lower()
    return views.find(schema, name)


def _table_function(table: exp.Table, ctx: Context) -> exp.Expr | None:
    """A catalog table function in FROM: its rows as a subquery named by the alias, or by the
    function; a column definition list (``cols(a name, b int)``) names the columns."""
    func = table.this
    if not isinstance(func, exp.Func):
        return None
    name = func.name.lower() if isinstance(func, exp.Anonymous) else func.sql_name().lower()
    function = views.TABLE_FUNCTIONS.get(name)
    if name == "pg_partition_ancestors" and len(func.expressions) == 1:
        # No relation is a partition here: its only ancestor is itself (psql 10 and later).
        rows = exp.select(exp.alias_(_regclass(func.expressions[0].copy()), name))
        if table.args.get("ordinality"):
            rows = rows.select(exp.alias_(exp.Literal.number(1), "ordinality"))
        _rewrite_relations(rows, ctx)  # a name's lookup reads pg_class, replaced here too
    elif function is not None:
        rows = _parsed(function.sql(ctx)).copy()
    else:
        return None
    given = table.args.get("alias")
    alias = exp.TableAlias(this=exp.to_identifier(given.name if given else name))
    if given is not None and given.columns:
        alias.set("columns", [
            (c.this if isinstance(c, exp.ColumnDef) else c).copy() for c in given.columns
        ])
    return _rows(rows, alias)


def _with_joins(table: exp.Table, rows: exp.Subquery | exp.Table) -> exp.Expr:
    """``rows`` standing for ``table``, with the joins a parenthesized join hangs on it."""
    joins = table.args.get("joins")
    if joins:
        rows.set("joins", joins)  # moved, not copied: they are rewritten next
    return rows


# The catalog views a query reads are computed once for it: each becomes a MATERIALIZED CTE
# of the query, named with this prefix, however many times (and in however many correlated
# subqueries) the query names it. Inline, DuckDB planned a view's whole SQL at each mention,
# inside each correlated subquery (asyncpg's type introspection, sqlalchemy-redshift's
# reflection).
_SHARED_PREFIX = "__ds_catalog_"
# Such a CTE's body is a placeholder, ``SELECT * FROM __ds_catalog_body_<name>``, and its
# meta holds the view's SQL under this key: the front end splices in that SQL's translation,
# made once per session context (``pipeline.catalog_bodies``), rather than have every later
# transform copy, walk and generate the view's tens of kilobytes again for each query.
CATALOG_BODY = "catalog_body"
_BODY_PREFIX = "__ds_catalog_body_"


def _placeholder(name: str) -> exp.Select:
    return exp.select("*").from_(f"{_BODY_PREFIX}{name}")


def body_placeholder(name: str) -> str:
    """The DuckDB SQL of the placeholder body of the catalog CTE ``name``."""
    return _placeholder(name).sql("duckdb")


def view_tree(sql: str) -> exp.Expr:
    """A catalog view's SQL as a tree of its own (a copy of the cached parse)."""
    return _parsed(sql).copy()


# Operations whose typing reads the types of the catalog columns they compute on: a query
# with one keeps the views' SQL in its tree, where the typing transforms see the columns'
# defining expressions (``dbt``'s ``pct_used / 100.0`` of SVV_TABLE_INFO is a DECIMAL
# division).
_TYPED_OPERATIONS = (exp.Add, exp.Sub, exp.Mul, exp.Div, exp.IntDiv, exp.Mod, exp.Sum, exp.Avg)


def _rewrite_relations(tree: exp.Expr, ctx: Context, spliced: bool = False) -> None:
    """Replace the catalog relations of ``tree``; with ``spliced``, a query's views' SQL is
    left out of the tree, for the front end to splice in (``CATALOG_BODY``)."""
    ctes = {cte.alias_or_name.lower() for cte in tree.find_all(exp.CTE)}
    # Only a query: a view, a CTAS or an INSERT keeps the rows inline.
    shared: dict[str, str] | None = {} if isinstance(tree, exp.Select | exp.SetOperation) else None
    added: list[exp.CTE] = []
    columns = list(tree.find_all(exp.Column))
    for table in list(tree.find_all(exp.Table)):
        rows = _table_function(table, ctx)
        if rows is not None:
            table.replace(rows)
            continue
        _name_series_column(table)
        view = _view_for(table, ctes)
        if view is None:
            continue
        session = _session_for(table, ctx)
        if session is None:
            continue
        alias = table.args.get("alias")
        if alias is None:
            alias = exp.TableAlias(this=exp.to_identifier(table.name))
            # SQLAlchemy writes pg_catalog.pg_class.relname: the subquery is named pg_class.
            for col in columns:
                if col.table == table.name and col.db.lower() == view.schema:
                    col.set("db", None)
                    col.set("catalog", None)
        sql = view.sql(session)
        if shared is None:
            query = _parsed(sql).copy()
            table.replace(_with_joins(table, _rows(query, alias.copy())))
            continue
        name = shared.get(sql)
        if name is None:
            name = shared[sql] = f"{_SHARED_PREFIX}{len(shared)}"
            body = _placeholder(name) if spliced else view_tree(sql)
            cte = exp.CTE(this=body, materialized=True,
                          alias=exp.TableAlias(this=exp.to_identifier(name)))
            cte.meta[CATALOG_ROWS] = True
            if spliced:
                cte.meta[CATALOG_BODY] = sql
            added.append(cte)
        reference = exp.Table(this=exp.to_identifier(name), alias=alias.copy())
        table.replace(_with_joins(table, reference))
    if added:
        _prepend_ctes(tree, added)


def _prepend_ctes(tree: exp.Expr, ctes: list[exp.CTE]) -> None:
    """Put ``ctes`` first in the query's WITH (a recursive one's too)."""
    with_ = tree.args.get("with_")
    if with_ is None:
        tree.set("with_", exp.With(expressions=ctes))
    else:
        with_.set("expressions", [*ctes, *with_.expressions])


def _name_series_column(table: exp.Table) -> None:
    """``generate_series(...) s``: as in PostgreSQL, the column of a function returning a
    scalar is named by the alias, so ``s`` is the value (psql's ``prattrs[s]``), where DuckDB
    would make it the row."""
    alias = table.args.get("alias")
    series = isinstance(table.this, exp.ExplodingGenerateSeries) or (
        isinstance(table.this, exp.Anonymous) and table.this.name.lower() == "range")
    if series and alias is not None and alias.name and not alias.columns:
        alias.set("columns", [exp.to_identifier(alias.name)])


def _unqualify_functions(tree: exp.Expr) -> None:
    """``pg_catalog.f(...)`` is PostgreSQL's built-in f; DuckDB knows it unqualified (as a
    scalar, and as a table function in FROM: ``pg_catalog.generate_series(1, 32) pos(n)``)."""
    for table in list(tree.find_all(exp.Table)):
        db = table.args.get("db")
        if isinstance(table.this, exp.Func) and db is not None and db.name.lower() in (
            "pg_catalog", "information_schema"
        ):
            table.set("db", None)
    for dot in list(tree.find_all(exp.Dot)):
        head = dot.this
        if (
            isinstance(head, exp.Identifier)
            and head.name.lower() in ("pg_catalog", "information_schema")
            and isinstance(dot.expression, exp.Func)
        ):
            dot.replace(dot.expression)


def virtual_relations(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Rewrite catalog functions, then replace catalog relations by this session's rows."""
    # Read before the catalog functions' own SQL (``format_type``'s arithmetic) is in.
    spliced = tree.find(*_TYPED_OPERATIONS) is None
    _rewrite_functions(tree)
    _unqualify_functions(tree)
    _rewrite_relations(tree, ctx, spliced)
    return tree

