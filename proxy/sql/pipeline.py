"""The SQL front end: split, recognise, parse, transform, classify, generate, cache.

One statement's journey: our own grammar first (``commands.recognize``) for what the session
handles itself; otherwise sqlglot parses it as Redshift, the ordered transforms rewrite the
tree, the statement is classified (type, command tag, whether it returns rows) and DuckDB SQL is
generated. The result is cached by statement text and session context, so prepared statements
and BI refreshes are not parsed again.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace

from sqlglot import exp
from sqlglot.dialects.redshift import Redshift
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import Token, TokenType

from catalog.blank_facts import Key
from catalog.errors import FeatureNotSupported, SyntaxError_
from proxy.sql import (
    abs_operator,
    append,
    catalog_syntax,
    commands,
    datashare_sql,
    dcl,
    materialized,
    procedures,
    refused_statements,
    show,
    udfs,
    wlm_sql,
)
from proxy.sql.context import BlankNotes, Context, ProductNotes
from proxy.sql.late import (
    AlterAutoRefresh,
    AppendFrom,
    CreateFunction,
    DropFunction,
    Late,
    Place,
    RefreshView,
)
from proxy.sql.param_types import Probe, divided_params, operand_params, probes
from proxy.sql.parse_errors import parse_error, stray_comma, token_error
from proxy.sql.product_bounds import Bound
from proxy.sql.references import Ref, references
from proxy.sql.split import Piece, split
from proxy.sql.transforms import companions
from proxy.sql.transforms.add_column import add_column
from proxy.sql.transforms.aggregates import aggregates
from proxy.sql.transforms.alter_attributes import alter_attributes, recognize_encode
from proxy.sql.transforms.arithmetic import guard_arithmetic, integer_text_operands
from proxy.sql.transforms.blank_padded import blank_padded
from proxy.sql.transforms.casts import explicit_casts
from proxy.sql.transforms.char_columns import char_columns
from proxy.sql.transforms.character_lengths import character_lengths
from proxy.sql.transforms.date_literals import date_literals, implicit_date_literals
from proxy.sql.transforms.datetime_formats import datetime_formats
from proxy.sql.transforms.datetime_functions import datetime_functions
from proxy.sql.transforms.ddl_attributes import DROPPED_ATTRIBUTES, ddl_attributes
from proxy.sql.transforms.decimal_arithmetic import decimal_arithmetic
from proxy.sql.transforms.getdate import getdate_add_months
from proxy.sql.transforms.hashes import hash_functions
from proxy.sql.transforms.identifiers import fold_identifiers
from proxy.sql.transforms.identity_writes import identity_writes
from proxy.sql.transforms.informational_keys import informational_keys
from proxy.sql.transforms.interval_literals import interval_literals
from proxy.sql.transforms.json_functions import json_functions
from proxy.sql.transforms.math_functions import math_functions
from proxy.sql.transforms.names import resolve_databases
from proxy.sql.transforms.number_formats import number_formats
from proxy.sql.transforms.output_names import output_names
from proxy.sql.transforms.partiql import partiql_unnest
from proxy.sql.transforms.query_checks import query_checks
from proxy.sql.transforms.quoting import quoting_functions
from proxy.sql.transforms.redshift_functions import redshift_functions
from proxy.sql.transforms.refusals import refusals
from proxy.sql.transforms.row_comparisons import row_comparisons
from proxy.sql.transforms.sandbox import refuse_engine_functions
from proxy.sql.transforms.session_functions import session_functions
from proxy.sql.transforms.session_time_zone import (
    FUNCTION_ARGUMENT,
    keeps_sql,
    session_time_zone,
)
from proxy.sql.transforms.statements import REMOVE_DUPLICATES, statements
from proxy.sql.transforms.stored_integers import stored_integers
from proxy.sql.transforms.string_functions import string_functions
from proxy.sql.transforms.super_arrays import super_arrays
from proxy.sql.transforms.super_dynamic import super_dynamic
from proxy.sql.transforms.timetz import timetz
from proxy.sql.transforms.types import map_types
from proxy.sql.transforms.udf_calls import udf_null_arguments
from proxy.sql.transforms.unknown_literals import unknown_literals
from proxy.sql.transforms.varbyte import varbyte, varbyte_substrings
from proxy.sql.transforms.varchar_blanks import varchar_blanks
from proxy.sql.transforms.varchar_groups import varchar_groups
from proxy.sql.transforms.varchar_using import varchar_using
from proxy.sql.transforms.virtual_relations import (
    CATALOG_BODY,
    CATALOG_ROWS,
    body_placeholder,
    view_tree,
    virtual_relations,
)
from proxy.sql.transforms.windows import windows
from proxy.sql.transforms.wlm_functions import wlm_functions


@dataclass(frozen=True, slots=True)
class Statement:
    """A statement ready to run: either a session command or DuckDB SQL."""

    text: str
    statement_type: str  # SYS_QUERY_HISTORY vocabulary: SELECT, INSERT, DDL, UTILITY, ...
    tag: str  # command tag (a row count is appended when counts_rows)
    returns_rows: bool = False
    counts_rows: bool = False
    duck_sql: str | None = None
    command: (commands.Command | dcl.Command | datashare_sql.Command | show.Command
              | wlm_sql.Command | procedures.Command | None) = None
    nparams: int = 0
    param_probes: tuple[Probe, ...] = ()
    # What it touches (checked at every execution) and whether its shape was understood.
    refs: tuple[Ref, ...] = ()
    understood: bool = True
    cacheable: bool = True  # False: translate again when the text repeats
    # SQL made when the statement runs, from the catalog as it is then (proxy/late_ddl.py).
    late: Late | None = None
    # Set where ``duck_sql`` compares a column as written because no value of it ended with a
    # blank when ``catalog.blank_facts`` had forgotten clean columns ``blank_forgotten`` times:
    # the statement as translated without that fact, to run instead once a write has made it
    # forget more (proxy/blank_writes.py).
    exact: Statement | None = None
    blank_forgotten: int = 0
    # The compared VARCHAR columns that may hold blank-ended values (worth a scan).
    blank_wanted: tuple[tuple[Key, str], ...] = ()
    # The numeric types of parameters it was translated for (``Context.param_types``).
    param_types: tuple[tuple[int, str], ...] = ()
    # The parameters (numbers) in a division's operands: bound as an integer or NUMERIC, their
    # types make the division exact (``Context.param_types``).
    divided_params: tuple[int, ...] = ()
    # The parameters (numbers) that are operands of arithmetic: bound untyped, their types are
    # inferred at Bind (``param_types.operand_params``).
    operand_params: tuple[int, ...] = ()
    # Whether it computes a DECIMAL product that may pass 18 digits in DuckDB's BIGINT (a
    # statement's narrow form; its wide form, ``wide_context``, does not).
    narrow_products: bool = False
    # The arithmetic around those products as table columns and constants bound it: when it
    # runs, DuckDB's statistics of the columns decide between this form and the wide one
    # (``proxy.sql.product_bounds``); None where one has no such bound (the wide one runs).
    product_bounds: tuple[Bound, ...] | None = ()
    # Whether it is a statement's wide form (``wide_context``): every such product in HUGEINT.
    wide_products: bool = False
    # The parameters (numbers) divided by or dividing an operand of a known numeric type, with
    # that type (DuckDB's name): one left untyped that no probe types takes it at Bind
    # (``ProductNotes.divided_beside``).
    divided_beside: tuple[tuple[int, str], ...] = ()
    # Whether Redshift runs it on its compute nodes (``on_compute``): PG_LAST_QUERY_ID names
    # the last statement that did.
    compute: bool = False


# The transforms, in order.
TRANSFORMS: tuple[Callable[[exp.Expr, Context], exp.Expr], ...] = (
    # Before names: a SUPER path in FROM has parts that are not database names.
    partiql_unnest,
    # Names first: later rewrites may depend on resolved relations.
    resolve_databases,
    # #temp names quoted before anything compares identifiers.
    statements,
    # What Redshift refuses, before the catalog views and rewrites add DuckDB syntax of ours.
    refusals,
    # Frames as written, before rewrites add windows of their own.
    windows,
    # On the query as written, before rewrites change its select lists and calls.
    query_checks,
    # String literals as written, before any rewrite reads (and casts) them.
    unknown_literals,
    # Before any rewrite could introduce a function call of its own.
    refuse_engine_functions,
    # After the sandbox (they call engine macros), before date_literals and session_time_zone,
    # which read the casts of literal arguments it makes in the DateStyle order and the zone.
    redshift_functions,
    # After the sandbox (it calls engine macros), before the catalog's SQL (lengths and text
    # of lists, which the macros' overloads may take for a BLOB) is spliced in.
    varbyte,
    # Also before the catalog's SQL, whose DuckDB lists must stay lists.
    super_arrays,
    timetz,
    # Reads the literals as written, before any rewrite casts them again.
    date_literals,
    interval_literals,
    # On the statement as written (casts to SUPER not yet mapped), before the catalog's SQL,
    # whose DuckDB structures are not SUPER values, is spliced in.
    super_dynamic,
    # Row constructors compared pair by pair, before the rewrites of comparisons
    # (varchar_blanks, the DateStyle and time zone readings) see the scalar ones.
    row_comparisons,
    # Before varchar_blanks and varchar_groups, which then read a column JOIN ... USING
    # merged as the left table's column it becomes.
    varchar_using,
    # On the comparisons as written (casts not yet macros, CHAR columns not yet CHAR casts),
    # before the catalog views' own SQL is spliced in.
    varchar_blanks,
    # After varchar_blanks, which reads the keys it makes per-group values as strings.
    varchar_groups,
    # Right after the sandbox: the catalog views it splices in read DuckDB's metadata
    # functions, which user SQL may not call.
    virtual_relations,
    session_functions,
    wlm_functions,
    quoting_functions,
    # Keys out of CREATE TABLE before ddl_attributes reads its column definitions; ADD and
    # DROP CONSTRAINT replaced.
    informational_keys,
    # Before map_types turns VARCHAR(MAX) into a bare VARCHAR (which would get 256).
    ddl_attributes,
    # Replaces the statement; after ddl_attributes, which has nothing to do for these forms.
    alter_attributes,
    # Reads the target and values as written (DEFAULT in VALUES), before rewrites of values.
    identity_writes,
    # On the column as written (its lengths from ddl_attributes), before character_lengths
    # adds its CHECKs.
    add_column,
    # After ddl_attributes gives bare character types their lengths, before map_types drops
    # VARCHAR(MAX)'s.
    character_lengths,
    # CHAR columns read as CHAR casts: after names are resolved (the catalog's CHAR columns
    # are found by alias), before explicit_casts cuts every CHAR cast.
    char_columns,
    # Before map_types drops VARCHAR(MAX)'s length, which an explicit cast truncates to.
    explicit_casts,
    # On the CHAR casts explicit_casts cuts (and the lengths and VARBYTE casts varbyte made).
    blank_padded,
    map_types,
    # On the JSON type map_types gives SUPER, before sqlglot's list offsets could apply.
    json_functions,
    # Redshift's dialect, after output_names so result columns are named by what was written.
    # datetime_functions reads sqlglot's canonical nodes, before datetime_formats replaces them.
    datetime_functions,
    # On the canonical nodes datetime_functions leaves (and its TRUNC macro), before
    # datetime_formats and getdate build the expressions that name the zone themselves.
    session_time_zone,
    # On the literals session_time_zone leaves (or hands to its macros) beside what they are
    # compared with or stored into.
    implicit_date_literals,
    # On the values as session_time_zone and implicit_date_literals leave them (their
    # wrappers of dates and times are not strings to it).
    stored_integers,
    # Before datetime_formats: a TO_CHAR with a numeric format is not a datetime's.
    number_formats,
    datetime_formats,
    hash_functions,
    getdate_add_months,
    string_functions,
    # On the SUBSTRINGs string_functions leaves, whose positions are DuckDB's.
    varbyte_substrings,
    aggregates,
    # After aggregates, whose RATIO_TO_REPORT may hold an AVG.
    math_functions,
    # After every rewrite of Redshift's functions into DuckDB's: the calls left of functions
    # DuckDB does not have are SQL UDFs'.
    udf_null_arguments,
    # Before the typing of divisions: ``5 / '2'`` divides integers.
    integer_text_operands,
    # After every rewrite that builds a division or an AVG (whose type it reads); it guards
    # the divisors it takes as guard_arithmetic does.
    decimal_arithmetic,
    # Last: the divisors of every division and the DOUBLE PRECISION operations, including those
    # earlier rewrites built (math_functions' EXP and POWER are DOUBLE PRECISION operands).
    guard_arithmetic,
)

# The transforms a catalog view's SQL goes through once it is spliced into a query.
_AFTER_CATALOG = TRANSFORMS[TRANSFORMS.index(virtual_relations) + 1:]
# A catalog CTE's name in the query its body is translated alone in.
_BODY_CTE = "__ds_catalog_0"


class _CatalogBodies:
    """The translations of catalog views' SQL, by (SQL, session context): a view's DuckDB
    SQL is the same in every query of a session that reads it, so the later transforms run
    over it once, alone, not over every query's copy (a client's first catalog query took
    seconds, most of them copying, walking and generating the views' SQL). LRU, locked:
    translation runs on any thread."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._items: OrderedDict[tuple[object, ...], str | None] = OrderedDict()
        self._lock = threading.Lock()

    def text(self, sql: str, ctx: Context) -> str | None:
        """The view's SQL as the later transforms make it inside a query; None where
        translating it alone could differ (it noted facts or set statement-wide marks)."""
        key = (sql, ctx.key, ctx.stored, ctx.wide_products, ctx.param_types)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        text = _translated_body(sql, ctx)
        with self._lock:
            self._items[key] = text
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return text


def _translated_body(sql: str, ctx: Context) -> str | None:
    """``sql`` through the transforms after ``virtual_relations``, as the body of the same
    MATERIALIZED CTE a query gets, alone in a query of its own."""
    cte = exp.CTE(this=view_tree(sql), materialized=True,
                  alias=exp.TableAlias(this=exp.to_identifier(_BODY_CTE)))
    cte.meta[CATALOG_ROWS] = True
    tree: exp.Expr = exp.select("*").from_(_BODY_CTE)
    tree.set("with_", exp.With(expressions=[cte]))
    notes, products = BlankNotes(), ProductNotes()
    alone = replace(ctx, blank_notes=notes, product_notes=products)
    for transform in _AFTER_CATALOG:
        tree = transform(tree, alone)
    if (notes.used or notes.wanted or products.narrow or products.bounds
            or products.divided_beside or tree.meta):
        return None
    with_ = tree.args.get("with_")
    return with_.expressions[0].this.sql("duckdb") if isinstance(with_, exp.With) else None


_BODIES = _CatalogBodies()


def catalog_bodies(tree: exp.Expr, ctx: Context) -> dict[str, str]:
    """The translated SQL of each catalog CTE ``virtual_relations`` put in ``tree``, by its
    placeholder's text; a body that must be translated in place is put back into the tree."""
    bodies: dict[str, str] = {}
    for cte in tree.find_all(exp.CTE):
        sql = cte.meta.pop(CATALOG_BODY, None)
        if sql is None:
            continue
        text = _BODIES.text(sql, ctx)
        if text is None:
            cte.set("this", view_tree(sql))
        else:
            bodies[body_placeholder(cte.alias_or_name)] = text
    return bodies


def _spliced_probes(tree: exp.Expr, bodies: dict[str, str]) -> tuple[Probe, ...]:
    """The parameters' probes of a transformed tree, whose queries keep its WITH: its catalog
    CTEs' bodies spliced in."""
    return tuple(replace(probe, query=spliced(probe.query, bodies)) if probe.query else probe
                 for probe in probes(tree))


def run_transforms(tree: exp.Expr, ctx: Context) -> tuple[exp.Expr, dict[str, str]]:
    """``tree`` through every transform, and the catalog bodies to splice into its SQL."""
    bodies: dict[str, str] = {}
    for transform in TRANSFORMS:
        tree = transform(tree, ctx)
        if transform is virtual_relations:
            bodies = catalog_bodies(tree, ctx)
    return tree, bodies


def spliced(sql: str, bodies: dict[str, str]) -> str:
    """DuckDB SQL made of a transformed tree (its companions too, which a rewrite may have
    made of a copy of it), its catalog CTEs' bodies spliced in."""
    for placeholder, body in bodies.items():
        sql = sql.replace(placeholder, body)
    return sql


_COMMAND_TAGS: dict[type, tuple[str, str]] = {
    commands.Begin: ("UTILITY", "BEGIN"),
    commands.Commit: ("UTILITY", "COMMIT"),
    commands.Rollback: ("UTILITY", "ROLLBACK"),
    commands.SetParam: ("UTILITY", "SET"),
    commands.ResetParam: ("UTILITY", "RESET"),
    commands.ShowParam: ("UTILITY", "SHOW"),
    commands.UseDatabase: ("UTILITY", "USE"),
    commands.ShowUse: ("UTILITY", "SHOW"),
    commands.Deallocate: ("UTILITY", "DEALLOCATE"),
    commands.Discard: ("UTILITY", "DISCARD ALL"),
    commands.CreateDatabase: ("DDL", "CREATE DATABASE"),
    commands.DropDatabase: ("DDL", "DROP DATABASE"),
    commands.Explain: ("EXPLAIN", "EXPLAIN"),
    commands.Vacuum: ("UTILITY", "VACUUM"),
    commands.Copy: ("COPY", "COPY"),
    commands.Declare: ("UTILITY", "DECLARE CURSOR"),
    commands.Fetch: ("SELECT", "FETCH"),
    commands.CloseCursor: ("UTILITY", "CLOSE CURSOR"),
}


def translate(piece: Piece, ctx: Context) -> Statement:
    """Turn one statement into a ``Statement`` (no caching; see ``StatementCache``)."""
    refused_statements.check(piece)
    procedure = procedures.recognize(piece)
    if procedure is not None:
        call = isinstance(procedure, procedures.CallProcedure)
        shown = isinstance(procedure, procedures.ShowProcedure)
        return Statement(piece.text, "UTILITY" if call or shown else "DDL",
                         procedures.TAGS[type(procedure)], command=procedure,
                         returns_rows=call or shown,
                         nparams=procedure.nparams if call else 0)
    access_command = dcl.recognize(piece)
    if access_command is not None:
        stype, tag = dcl.tag_of(access_command)
        return Statement(piece.text, stype, tag, command=access_command,
                         returns_rows=isinstance(access_command, dcl.ShowGrants))
    wlm_command = wlm_sql.recognize(piece)
    if wlm_command is not None:
        stype, tag = wlm_sql.tag_of(wlm_command)
        return Statement(piece.text, stype, tag, command=wlm_command,
                         returns_rows=isinstance(wlm_command, wlm_sql.CreateUsageLimit))
    share_command = datashare_sql.recognize(
        piece, {name for db, name in ctx.external if db == ctx.database})
    if share_command is not None:
        stype, tag = datashare_sql.tag_of(share_command)
        return Statement(piece.text, stype, tag, command=share_command, returns_rows=isinstance(
            share_command, datashare_sql.DescDatashare | datashare_sql.ShowDatashares))
    catalog_show = show.recognize(piece)
    if catalog_show is not None:
        return Statement(piece.text, "UTILITY", "SHOW", command=catalog_show, returns_rows=True)
    function = udfs.recognize(piece)
    if function is not None:
        return _function_statement(piece.text, function, ctx)
    appended = append.recognize(piece)
    if appended is not None:
        return _append_statement(piece.text, appended, ctx)
    mv_command = materialized.recognize(piece)
    if mv_command is not None:
        database, schema, name = mv_command.view
        place = Place(ctx.databases.get(database or ctx.database, database or ""), schema, name)
        late: Late = (RefreshView(place, mv_command.cascade)
                      if isinstance(mv_command, materialized.RefreshSpec)
                      else AlterAutoRefresh(place, mv_command.auto))
        return Statement(piece.text, "UTILITY" if isinstance(late, RefreshView) else "DDL",
                         "REFRESH MATERIALIZED VIEW" if isinstance(late, RefreshView)
                         else "ALTER MATERIALIZED VIEW", duck_sql="SELECT 1", late=late,
                         refs=(Ref("relation", database, schema, name, "OWNER"),))
    command = commands.recognize(piece)
    if command is not None:
        if isinstance(command, commands.NoOp):
            stype, tag = "UTILITY", command.tag
        else:
            stype, tag = _COMMAND_TAGS[type(command)]
        returns = isinstance(
            command, commands.ShowParam | commands.ShowUse | commands.Explain
        ) or (isinstance(command, commands.Fetch) and not command.move)
        if isinstance(command, commands.Fetch) and command.move:
            tag = "MOVE"
        nparams = 0
        if isinstance(command, commands.Declare):
            # The cursor's query may carry $n parameters (psycopg's server-side cursors).
            nparams = compile_tree(command.query, parse(command.query), ctx).nparams
        return Statement(piece.text, stype, tag, returns_rows=returns, counts_rows=isinstance(
            command, commands.Fetch), command=command, nparams=nparams,
            compute=isinstance(command, commands.Copy))
    tree = parse(piece.text)
    return compile_tree(piece.text, tree, ctx)


def _function_statement(text: str, spec: udfs.FunctionSpec | udfs.DropSpec,
                        ctx: Context) -> Statement:
    """CREATE or DROP FUNCTION: the overload's macro is made when it runs (``late``).

    Its one reference is the function, for CREATE (CREATE on its schema; replacing needs its
    owner) or DROP (its owner); new functions are executable by PUBLIC, as in Redshift.
    """
    where = udfs.place(spec.schema, spec.name, ctx)
    types = tuple(udfs.duck_type(t, ctx) for t in spec.arg_types)
    if isinstance(spec, udfs.DropSpec):
        late: Late = DropFunction(where, types, spec.if_exists)
        return Statement(text, "DDL", "DROP FUNCTION", duck_sql=f"DROP MACRO {spec.name}",
                         late=late, refs=(Ref("function", None, spec.schema, spec.name,
                                              "DROP"),))
    tree = udfs.body_tree(fold_identifiers(parse(spec.body), ctx), len(types))
    body_ctx = replace(ctx, stored=True)  # later sessions run the body
    for argument in tree.find_all(exp.Parameter):
        argument.meta[FUNCTION_ARGUMENT] = spec.arg_types[int(argument.name) - 1]
    tree, bodies = run_transforms(tree, body_ctx)
    assert isinstance(tree, exp.Select) and not bodies  # a body without FROM reads no relation
    body = udfs.body_sql(tree, types)
    late = CreateFunction(where, types, udfs.duck_type(spec.returns, ctx), body, spec.replace,
                          spec.volatility, spec.body.strip())
    return Statement(text, "DDL", "CREATE FUNCTION", duck_sql=f"CREATE MACRO {spec.name}",
                     late=late, refs=(Ref("function", None, spec.schema, spec.name, "CREATE",
                                          replace=spec.replace),))


def _append_statement(text: str, spec: append.AppendSpec, ctx: Context) -> Statement:
    """ALTER TABLE ... APPEND FROM: the rows move when it runs (``late``); it needs INSERT on
    the target, SELECT and DELETE on the source."""

    def where(table: tuple[str | None, str | None, str]) -> Place:
        database, schema, name = table
        return Place(ctx.databases.get(database or ctx.database, database or ""), schema, name)

    def refs(table: tuple[str | None, str | None, str], *actions: str) -> tuple[Ref, ...]:
        return tuple(Ref("relation", table[0], table[1], table[2], a) for a in actions)

    late = AppendFrom(where(spec.target), where(spec.source), spec.extra)
    return Statement(text, "DDL", "ALTER TABLE APPEND", duck_sql="COMMIT", late=late,
                     refs=refs(spec.target, "INSERT") + refs(spec.source, "SELECT", "DELETE"))


_REDSHIFT = Redshift()


def _unqualify_types(tokens: list[Token]) -> list[Token]:
    """Drop ``pg_catalog.`` before a type name in ``x::pg_catalog.int4`` and CAST(x AS ...).

    Drivers qualify type names (asyncpg: ``$1::"pg_catalog"."int2"``); sqlglot's grammar
    takes only bare type names there, and every built-in type lives in pg_catalog anyway.
    """
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if (
            out
            and out[-1].token_type in (TokenType.DCOLON, TokenType.ALIAS)
            and tok.text.lower() == "pg_catalog"
            and i + 1 < len(tokens)
            and tokens[i + 1].token_type == TokenType.DOT
        ):
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


# Functions sqlglot parses into the node of another function (GETDATE is CURRENT_TIMESTAMP,
# ADD_MONTHS is DATEADD(month)) whose Redshift answers differ: kept as calls by name.
_KEEP_AS_CALLS = frozenset({"getdate", "add_months"})
# TO_DATE's third argument (is_strict), which sqlglot's StrToDate drops: a call of three
# arguments is kept by name too (datetime_formats reads it).
_TO_DATE = "to_date"
# sqlglot's documented marker: a known function followed by it is parsed as exp.Anonymous.
_ANONYMOUS = " sqlglot.anonymous "
_CREATE_TABLE_PREFIX = frozenset({TokenType.TEMPORARY, TokenType.VAR})
# Tokens after which ``[`` starts a DuckDB list literal rather than a subscript
# (``ARRAY[...]`` and ``c.a[0]`` follow a keyword, a name or a closing bracket). A list as a
# function's first argument (``unnest([1, 2])``) is still let through: tests use it.
_BEFORE_LIST_LITERAL = frozenset({
    TokenType.COMMA, TokenType.SELECT, TokenType.IN, TokenType.EQ,
    TokenType.NEQ, TokenType.LT, TokenType.GT, TokenType.LTE, TokenType.GTE, TokenType.PLUS,
    TokenType.DASH, TokenType.THEN, TokenType.ELSE, TokenType.WHEN, TokenType.AND,
    TokenType.OR, TokenType.WHERE, TokenType.DPIPE,
})


def _top_level_commas(tokens: list[Token], open_at: int, close: int) -> int:
    """The commas between the parenthesis at ``open_at`` and its ``close`` at its own depth."""
    depth = 0
    commas = 0
    for tok in tokens[open_at + 1:close]:
        if tok.token_type in (TokenType.L_PAREN, TokenType.L_BRACKET):
            depth += 1
        elif tok.token_type in (TokenType.R_PAREN, TokenType.R_BRACKET):
            depth -= 1
        elif tok.token_type == TokenType.COMMA and depth == 0:
            commas += 1
    return commas


def _closing_paren(tokens: list[Token], open_at: int) -> int | None:
    depth = 0
    for i in range(open_at, len(tokens)):
        if tokens[i].token_type == TokenType.L_PAREN:
            depth += 1
        elif tokens[i].token_type == TokenType.R_PAREN:
            depth -= 1
            if depth == 0:
                return i
    return None


def _is_create_table(tokens: list[Token]) -> bool:
    """CREATE [LOCAL] [TEMP|TEMPORARY] TABLE."""
    if not tokens or tokens[0].token_type != TokenType.CREATE:
        return False
    for tok in tokens[1:4]:
        if tok.token_type == TokenType.TABLE:
            return True
        if tok.token_type not in _CREATE_TABLE_PREFIX:
            return False
    return False


def _table_attributes(tokens: list[Token]) -> tuple[list[Token], dict[str, object]]:
    """Drop the Redshift table attributes sqlglot cannot parse from a CREATE TABLE.

    Column-level ``DISTKEY`` and ``SORTKEY`` (after a column's type), ``SORTKEY AUTO``,
    ``ENCODE AUTO`` and the ``INTERLEAVED`` of ``INTERLEAVED SORTKEY (...)`` at table level;
    the rest (``DISTSTYLE``, ``DISTKEY (c)``, ``[COMPOUND] SORTKEY (...)``, ``BACKUP``) parses.
    What was dropped is returned (``distkey``: a column, ``sortkey``: columns,
    ``sortkey_type``: AUTO or INTERLEAVED) for the ddl_attributes transform, which keeps the
    attributes as table metadata.
    """
    out: list[Token] = []
    dropped: dict[str, object] = {}
    depth = 0
    column: exp.Identifier | None = None  # the name of the column definition being read
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        word = tok.text.lower() if tok.token_type == TokenType.VAR else ""
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        nxt_word = nxt.text.lower() if nxt is not None else ""
        if depth == 1 and out and out[-1].token_type in (TokenType.L_PAREN, TokenType.COMMA):
            column = exp.to_identifier(tok.text, quoted=tok.token_type == TokenType.IDENTIFIER)
        if tok.token_type == TokenType.L_PAREN:
            depth += 1
        elif tok.token_type == TokenType.R_PAREN:
            depth -= 1
        elif (
            depth == 1
            and word in ("distkey", "sortkey")
            and out
            and out[-1].token_type not in (TokenType.L_PAREN, TokenType.COMMA)
            and (nxt is None or nxt.token_type != TokenType.L_PAREN)
        ):
            if column is not None:
                if word == "distkey":
                    dropped["distkey"] = column
                else:
                    sortkey = dropped.setdefault("sortkey", [])
                    assert isinstance(sortkey, list)
                    sortkey.append(column)
            i += 1
            continue
        elif depth == 0 and word in ("sortkey", "encode") and nxt_word == "auto":
            if word == "sortkey":
                dropped["sortkey_type"] = "AUTO"  # ENCODE AUTO is what DuckDB does anyway
            i += 2
            continue
        elif depth == 0 and word == "interleaved" and nxt_word == "sortkey":
            dropped["sortkey_type"] = "INTERLEAVED"
            i += 1
            continue
        out.append(tok)
        i += 1
    return out, dropped


_LATE_BINDING = ("with", "no", "schema", "binding")


def _late_binding(tokens: list[Token]) -> list[Token]:
    """Drop the ``WITH NO SCHEMA BINDING`` that ends a late-binding CREATE VIEW.

    DuckDB binds a view's names when it is queried, which is what late binding means.
    """
    if (
        len(tokens) > len(_LATE_BINDING)
        and tokens[0].token_type == TokenType.CREATE
        and tuple(t.text.lower() for t in tokens[-len(_LATE_BINDING):]) == _LATE_BINDING
    ):
        return tokens[:-len(_LATE_BINDING)]
    return tokens


def _intervals_before_casts(tokens: list[Token]) -> list[Token]:
    """Parenthesize ``INTERVAL 'v' [unit]`` when ``+`` or ``-`` and a cast literal follow.

    sqlglot reads ``INTERVAL '1 month' + '2020-01-31'::date`` as a sum of two intervals cast
    to DATE (it takes a string after ``INTERVAL ... +`` as a second interval, then applies the
    cast to the sum). In PostgreSQL and Redshift the cast binds to its literal first.
    """
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        end = i + 2  # past INTERVAL 'v'
        if end < len(tokens) and tokens[end].token_type == TokenType.VAR:
            end += 1  # a unit: INTERVAL '1' MONTH
        if (
            tok.token_type == TokenType.INTERVAL
            and i + 1 < len(tokens) and tokens[i + 1].token_type == TokenType.STRING
            and end + 2 < len(tokens)
            and tokens[end].token_type in (TokenType.PLUS, TokenType.DASH)
            and tokens[end + 1].token_type == TokenType.STRING
            and tokens[end + 2].token_type == TokenType.DCOLON
        ):
            out.append(_like(tok, TokenType.L_PAREN, "("))
            out.extend(tokens[i:end])
            out.append(_like(tokens[end - 1], TokenType.R_PAREN, ")"))
            i = end
            continue
        out.append(tok)
        i += 1
    return out


def _like(token: Token, token_type: TokenType, text: str) -> Token:
    return Token(token_type, text, token.line, token.col, token.start, token.end)


_REMOVE_DUPLICATES = ("remove", "duplicates")
# What REMOVE DUPLICATES stands in for until ``statements`` rewrites the MERGE: an action of
# each kind it takes (the references ask for SELECT, INSERT and DELETE, as Redshift does).
_MERGE_ACTIONS = "WHEN MATCHED THEN DELETE WHEN NOT MATCHED THEN INSERT (x) VALUES (NULL)"


def _remove_duplicates(tokens: list[Token]) -> list[Token]:
    """``MERGE ... REMOVE DUPLICATES`` with the clause replaced by ``_MERGE_ACTIONS``."""
    if (
        len(tokens) > 2
        and tokens[0].token_type == TokenType.MERGE
        and tuple(t.text.lower() for t in tokens[-2:]) == _REMOVE_DUPLICATES
    ):
        at = tokens[-2]
        actions = [_like(at, t.token_type, t.text) for t in _REDSHIFT.tokenize(_MERGE_ACTIONS)]
        return tokens[:-2] + actions
    return tokens


def _redshift_tokens(tokens: list[Token]) -> tuple[list[Token], dict[str, object]]:
    """Token-level repairs for Redshift syntax that sqlglot's parser cannot keep apart.

    GETDATE() and ADD_MONTHS(...) stay calls by name (marked for sqlglot to parse them as
    anonymous functions) so the getdate transform can give their own answers, and so does
    TO_DATE of three arguments (``datetime_formats`` reads the third); a ``#`` on its
    own is the XOR operator; CREATE TABLE
    loses the attributes sqlglot cannot parse (returned, see ``_table_attributes``); CREATE
    SCHEMA loses QUOTA UNLIMITED; CREATE VIEW loses WITH NO SCHEMA BINDING; a
    statement starting with FROM (DuckDB's FROM-first SELECT) or holding a ``[1, 2]`` list
    literal is a syntax error, as in Redshift.
    """
    if tokens and tokens[0].token_type == TokenType.FROM:
        raise SyntaxError_('syntax error at or near "from"', position=tokens[0].start + 1)
    if any(t.token_type == TokenType.INTERVAL for t in tokens):
        tokens = _intervals_before_casts(tokens)
    for i, tok in enumerate(tokens[:-1]):
        if (
            tokens[i + 1].token_type == TokenType.L_BRACKET
            and tok.token_type in _BEFORE_LIST_LITERAL
        ):
            raise SyntaxError_('syntax error at or near "["', position=tokens[i + 1].start + 1)
        if tok.token_type == TokenType.VAR and tok.text == "#":
            # Redshift's tokenizer keeps # for #temp names; alone it is bitwise XOR.
            tok.token_type = TokenType.HASH
        if (
            tok.token_type == TokenType.VAR
            and tok.text.lower() in _KEEP_AS_CALLS | {_TO_DATE}
            and tokens[i + 1].token_type == TokenType.L_PAREN
        ):
            close = _closing_paren(tokens, i + 1)
            if close is not None and (tok.text.lower() != _TO_DATE
                                      or _top_level_commas(tokens, i + 1, close) == 2):
                tokens[close].comments.append(_ANONYMOUS)
    dropped: dict[str, object] = {}
    tokens = refused_statements.without_unlimited_quota(tokens)
    if _is_create_table(tokens):
        tokens, dropped = _table_attributes(tokens)
    return _late_binding(tokens), dropped


def parse(text: str) -> exp.Expr:
    """Parse one statement as Redshift SQL; syntax errors carry PostgreSQL's position."""
    try:
        tokens = _REDSHIFT.tokenize(text)
        if any(t.text.lower() == "pg_catalog" for t in tokens):
            tokens = _unqualify_types(tokens)
        tokens = abs_operator.repair(catalog_syntax.repair(tokens))
        stray_comma(tokens)
        repaired, dropped = _redshift_tokens(tokens)
        late_binding = _late_binding(tokens) is not tokens
        merged = _remove_duplicates(repaired)
        remove_duplicates = merged is not repaired
        repaired = merged
        encode = recognize_encode(tokens, text)
        trees = [encode] if encode is not None else _REDSHIFT.parser().parse(repaired, text)
    except TokenError:
        raise token_error(text) from None
    except ParseError as exc:
        err = exc.errors[0] if exc.errors else {}
        near = err.get("highlight") or ""
        pos = _position(text, err.get("line"), err.get("col"), len(near))
        before = text[: pos - 1] if pos else ""
        raise parse_error(err.get("description") or "", before, near, pos) from None
    except (SyntaxError_, RecursionError):
        raise  # RecursionError: the connection answers 54001, as PostgreSQL's stack limit
    except Exception:
        # sqlglot's expression builders can fail on malformed input with other exceptions
        # (TypeError for "a ?"): for the client it is still a syntax error.
        raise SyntaxError_("syntax error") from None
    if len(trees) != 1 or trees[0] is None:
        raise SyntaxError_("syntax error at end of input")
    if late_binding:
        trees[0].meta["late_binding"] = True  # the access checks read it
    if remove_duplicates:
        trees[0].meta[REMOVE_DUPLICATES] = True
    if dropped:
        trees[0].meta[DROPPED_ATTRIBUTES] = dropped
    return trees[0]


def _position(text: str, line: int | None, col: int | None, width: int) -> int | None:
    # sqlglot reports the column where the offending token ends; PostgreSQL's P field is the
    # 1-based character position where it starts.
    if not line or not col:
        return None
    lines = text.split("\n")
    return sum(len(x) + 1 for x in lines[: line - 1]) + max(col - width, 0) + 1


def compile_tree(text: str, tree: exp.Expr, ctx: Context) -> Statement:
    """Classify a parsed statement and generate its DuckDB SQL."""
    # Names as Redshift folds them, before anything reads them (references, column names).
    tree = fold_identifiers(tree, ctx)
    # Before the transforms: a division made exact no longer shows its operands.
    divided = divided_params(tree) if "$" in text else ()
    operands = operand_params(tree) if "$" in text else ()
    stype, tag, returns, counts = classify(tree, text)
    refs, understood = references(tree)
    compute = on_compute(tree, stype, refs)
    # Result columns are named by what the user wrote, before any rewrite replaces it.
    tree = output_names(tree, text)
    if keeps_sql(tree):
        ctx = replace(ctx, stored=True)
    # Stored SQL (a view, a function's body) outlives any fact about the data.
    notes = BlankNotes()
    products = ProductNotes()
    ctx = replace(ctx, blank_notes=notes, product_notes=products,
                  clean_columns={} if ctx.stored else ctx.clean_columns)
    tree, bodies = run_transforms(tree, ctx)
    nparams = max(
        (int(p.this.name) for p in tree.find_all(exp.Parameter) if p.this.is_int), default=0
    )
    if any(True for _ in tree.find_all(exp.Placeholder)):
        raise SyntaxError_('syntax error at or near "?"')
    # ``tree`` is ``text``'s parse wherever clean columns are in the context (``columns``
    # narrows a tree of its own without them), so the exact translation parses it again.
    exact = compile_tree(text, parse(text), replace(ctx, clean_columns={})) if notes.used else None
    return Statement(
        text, stype, tag, returns, counts,
        duck_sql=spliced(companions.joined(tree, tree.sql("duckdb")), bodies),
        nparams=nparams, param_probes=_spliced_probes(tree, bodies) if nparams else (), refs=refs,
        understood=understood, cacheable=companions.cacheable(tree),
        late=companions.late(tree), exact=exact, blank_forgotten=ctx.blank_forgotten,
        blank_wanted=tuple(sorted(notes.wanted)), param_types=ctx.param_types,
        divided_params=divided, operand_params=operands, narrow_products=products.narrow,
        product_bounds=None if products.bounds is None else tuple(products.bounds),
        wide_products=ctx.wide_products,
        divided_beside=tuple(sorted(products.divided_beside.items())), compute=compute,
    )


# The statements Redshift may run on its compute nodes; DDL and utility statements run on the
# leader node alone (STL_QUERY, whose ids PG_LAST_QUERY_ID returns, lists none of them).
_COMPUTE_TYPES = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "CTAS"})
# System tables and views, which Redshift reads on the compute nodes (its PG_ catalog tables
# are the leader node's).
_SYSTEM_PREFIXES = ("stl_", "stv_", "svl_", "svv_", "svcs_", "sys_")


def on_compute(tree: exp.Expr, statement_type: str, refs: tuple[Ref, ...]) -> bool:
    """Whether Redshift runs a statement on its compute nodes: a query or write that reads or
    writes a table or a system table or view. One that reads only the PG_ catalog tables, or
    no table at all (``SELECT 1``, ``SELECT pg_last_query_id()``), runs on the leader node
    alone, as Redshift documents for its leader node-only functions."""
    if statement_type not in _COMPUTE_TYPES:
        return False
    return any(ref.kind == "relation" for ref in refs) or any(
        table.name.lower().startswith(_SYSTEM_PREFIXES) for table in tree.find_all(exp.Table))


def wide_context(stmt: Statement, ctx: Context) -> Context | None:
    """The context of a statement's wide form: ``stmt`` translated in it computes every DECIMAL
    product that may pass 18 digits in HUGEINT (``Context.wide_products``), to run where
    DuckDB's statistics do not show that its own (narrow) products fit 18 digits
    (``Connection._sized_form``), or again where DuckDB's BIGINT product failed all the same
    (a commit of another session between the two, outside a transaction block only: there
    DuckDB rolled the failed statement back whole, so a write that failed left no row behind
    to be written twice); None where its translation left no such product
    (``Statement.narrow_products``) or it is neither a query nor a write of rows (INSERT,
    UPDATE, DELETE, MERGE, CREATE TABLE AS).

    Not up front: the wide form's HUGEINT sums cost TPC-H Q1 2.9x its time, and a product
    past 18 digits is rare."""
    if (not stmt.narrow_products or stmt.statement_type not in _COMPUTE_TYPES
            or stmt.command is not None or stmt.late is not None):
        return None
    return replace(ctx, wide_products=True, param_types=stmt.param_types)


# Statement classes whose classification does not depend on their arguments:
# (statement type, command tag, returns rows, tag counts rows).
_CLASSES: tuple[tuple[type[exp.Expr], tuple[str, str, bool, bool]], ...] = (
    (exp.Query, ("SELECT", "SELECT", True, True)),
    (exp.Insert, ("INSERT", "INSERT 0", False, True)),
    (exp.Update, ("UPDATE", "UPDATE", False, True)),
    (exp.Delete, ("DELETE", "DELETE", False, True)),
    (exp.Merge, ("MERGE", "MERGE", False, True)),
    (exp.TruncateTable, ("DDL", "TRUNCATE TABLE", False, False)),
    (exp.Analyze, ("UTILITY", "ANALYZE", False, False)),
    (exp.Comment, ("DDL", "COMMENT", False, False)),
    (exp.Use, ("UTILITY", "USE", False, False)),
)


def classify(tree: exp.Expr, text: str = "") -> tuple[str, str, bool, bool]:
    """(statement type, command tag, returns rows, tag counts rows) of a parsed statement."""
    if isinstance(tree, exp.Select) and tree.args.get("into") is not None:
        return "CTAS", "SELECT", False, True  # SELECT INTO creates its table, as CTAS does
    for cls, facts in _CLASSES:
        if isinstance(tree, cls):
            return facts
    if isinstance(tree, exp.Create):
        kind = (tree.args.get("kind") or "TABLE").upper()
        if kind == "TABLE" and tree.args.get("expression") is not None:
            return "CTAS", "SELECT", False, True
        props = tree.args.get("properties")
        if kind == "VIEW" and isinstance(props, exp.Properties) and any(
                isinstance(p, exp.MaterializedProperty) for p in props.expressions):
            kind = "MATERIALIZED VIEW"  # Redshift's tag, as REFRESH/ALTER/DROP's name it
        return "DDL", f"CREATE {kind}", False, False
    if isinstance(tree, exp.Drop | exp.Alter):
        verb = "DROP" if isinstance(tree, exp.Drop) else "ALTER"
        kind = (tree.args.get("kind") or "TABLE").upper()
        if isinstance(tree, exp.Drop) and kind == "VIEW" and tree.args.get("materialized"):
            kind = "MATERIALIZED VIEW"
        return "DDL", f"{verb} {kind}", False, False
    if isinstance(tree, exp.Command):
        word = str(tree.this).upper()
        raise FeatureNotSupported(f"feature not supported on Duckshift: {word}")
    # Name the statement by its first word: sqlglot reads some DuckDB-only statements as
    # something else entirely (INSTALL x parses as a column aliased x).
    word = text.split(None, 1)[0].upper() if text.strip() else type(tree).__name__.upper()
    raise FeatureNotSupported(f"feature not supported on Duckshift: {word}")


class StatementCache:
    """LRU of translated query strings keyed by (text, context key).

    A whole query string maps to its list of statements, so a repeated string costs one
    dictionary lookup: no tokenizing, no parsing. Translation errors are not cached. Bounded by
    entries and by the characters of the cached texts (a translation is a few times its text),
    so long statements cannot make it hold gigabytes.
    """

    def __init__(self, size: int = 4096, max_chars: int = 16 << 20) -> None:
        self.size = size
        self.max_chars = max_chars
        self._chars = 0
        self._items: OrderedDict[tuple[str, tuple[object, ...]], list[Statement]] = (
            OrderedDict()
        )
        self.hits = 0
        self.misses = 0

    def get(self, sql: str, ctx: Context) -> list[Statement]:
        """The statements of ``sql``, from cache when the same text and context repeat."""
        stmts = self.lookup(sql, ctx)
        if stmts is None:
            stmts = translate_all(sql, ctx)
            self.store(sql, ctx, stmts)
        return stmts

    def lookup(self, sql: str, ctx: Context) -> list[Statement] | None:
        """The cached statements of ``sql`` under ``ctx``, or None (then ``store`` them)."""
        key = (sql, ctx.key)
        stmts = self._items.get(key)
        if stmts is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return stmts

    def store(self, sql: str, ctx: Context, stmts: list[Statement]) -> None:
        """Keep the translation of ``sql`` under ``ctx`` (made by ``translate_all``)."""
        key = (sql, ctx.key)
        if len(sql) > self.max_chars // 4 or not all(s.cacheable for s in stmts) or (
                key in self._items):
            # Too big to be worth the memory, or naming objects created once: translated
            # again if it repeats. (Already there: another session translated it meanwhile.)
            return
        self._items[key] = stmts
        self._chars += len(sql)
        while len(self._items) > self.size or self._chars > self.max_chars:
            (old, _), _ = self._items.popitem(last=False)
            self._chars -= len(old)


def translate_all(sql: str, ctx: Context) -> list[Statement]:
    """Every statement of a query string, translated (no caching; see ``StatementCache``).

    Reads nothing but its arguments, so it may run on any thread while ``ctx`` does not
    change."""
    return [translate(piece, ctx) for piece in split(sql)]
