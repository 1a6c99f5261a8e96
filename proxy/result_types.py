"""Types of parameters and result columns, kept consistent between Describe and Execute.

A client decodes rows by the types it was told at Describe, often once for many executions
(asyncpg, pgjdbc after its prepare threshold). So parameters of a known type are cast to it
before DuckDB binds them, results are described from how DuckDB prepares the statement, and
rows whose types still differ are cast to what was described.
"""

from __future__ import annotations

import dataclasses
import functools
import itertools
from collections.abc import Callable, Sequence

import pyarrow as pa
from sqlglot import exp
from sqlglot.dialects.dialect import Dialect
from sqlglot.tokens import TokenType

from catalog import errors as err
from proxy.codecs import duckdb_type_for_oid, oids, pg_type_from_arrow
from proxy.codecs.oids import UNKNOWN
from proxy.codecs.rows import SchemaKey
from proxy.wire import backend


def expand_formats(codes: Sequence[int], n: int, what: str) -> list[int]:
    """Bind's format codes: none = all text, one = applies to all, else one per column."""
    if not codes:
        return [0] * n
    if len(codes) == 1:
        return [codes[0]] * n
    if len(codes) != n:
        raise err.ProtocolViolation(
            f"bind message has {len(codes)} {what} formats but {n} {what}s"
        )
    return list(codes)


def fields_of(schema: pa.Schema) -> list[backend.FieldDescription]:
    """The RowDescription fields of an Arrow schema (memoized per schema).

    Every execution of a statement gets its result's schema anew; mapping it costs ~32 us for
    the 9 columns of TPC-H orders, the memo's lookup ~3 us.
    """
    return list(_fields(SchemaKey(schema, ())))


@functools.lru_cache(maxsize=256)
def _fields(key: SchemaKey) -> tuple[backend.FieldDescription, ...]:
    out = []
    for f in key.schema:
        t = pg_type_from_arrow(f.type)
        out.append(backend.FieldDescription(f.name, t.oid, t.typlen, t.typmod))
    return tuple(out)


def described(fields: Sequence[backend.FieldDescription], upper: bool,
              redshift_driver: bool = False) -> Sequence[backend.FieldDescription]:
    """The fields a RowDescription names: upper-cased under Redshift's
    ``describe_field_name_in_uppercase`` (``upper``), which changes nothing else.

    For Redshift's own drivers (``redshift_driver``) a SUPER column (DuckDB JSON, ``json`` to
    PostgreSQL's clients, which decode it) is ``super`` (OID 4000), as Redshift describes it:
    they read its JSON text as a string, as they do from Redshift. The bytes are the same."""
    if redshift_driver and any(f.type_oid == oids.JSON for f in fields):
        fields = [dataclasses.replace(f, type_oid=oids.SUPER) if f.type_oid == oids.JSON else f
                  for f in fields]
    if not upper:
        return fields
    return [dataclasses.replace(f, name=f.name.upper()) for f in fields]


def with_formats(
    fields: Sequence[backend.FieldDescription], formats: Sequence[int]
) -> list[backend.FieldDescription]:
    fmts = expand_formats(formats, len(fields), "result")
    return [
        backend.FieldDescription(f.name, f.type_oid, f.typlen, f.typmod, fmt)
        for f, fmt in zip(fields, fmts, strict=True)
    ]


_ARROW_FOR_OID = {
    oids.BOOL: pa.bool_(), oids.INT2: pa.int16(), oids.INT4: pa.int32(), oids.INT8: pa.int64(),
    oids.FLOAT4: pa.float32(), oids.FLOAT8: pa.float64(), oids.TEXT: pa.string(),
    oids.VARCHAR: pa.string(), oids.BPCHAR: pa.string(), oids.NAME: pa.string(),
    oids.DATE: pa.date32(), oids.TIMESTAMP: pa.timestamp("us"),
    oids.TIMESTAMPTZ: pa.timestamp("us", "UTC"), oids.BYTEA: pa.binary(),
    oids.VARBYTE: pa.binary(),
}


def coerce_schema(actual: pa.Schema, described: Sequence[backend.FieldDescription]) -> pa.Schema:
    """The schema whose encoding matches ``described`` (columns without a mapping stay)."""
    fields = []
    for f, d in zip(actual, described, strict=True):
        # A CHAR(n) column's UNION (see codecs.types) is encoded as it is.
        target = None if pa.types.is_union(f.type) else _ARROW_FOR_OID.get(d.type_oid)
        if d.type_oid == oids.NUMERIC and not pa.types.is_decimal(f.type):
            target = pa.decimal128(38, 10)
        fields.append(f.with_type(target) if target is not None else f)
    return pa.schema(fields)


_DUCKDB = Dialect.get_or_raise("duckdb")


@functools.lru_cache(maxsize=256)
def _type_sql(duck_type: str) -> str:
    """A DuckDB type name as DuckDB SQL spells it (memoized: a handful of types recur)."""
    return exp.DataType.build(duck_type, dialect="duckdb").sql("duckdb")


def typed_params(sql: str, param_oids: Sequence[int]) -> str:
    """The statement with each ``$n`` of a known type cast to it (memoized; see _typed_params)."""
    return _typed_params(sql, tuple(param_oids))


@functools.lru_cache(maxsize=4096)
def _typed_params(sql: str, param_oids: tuple[int, ...]) -> str:
    """The statement with each ``$n`` of a known type cast to it, as PostgreSQL binds it.

    Otherwise DuckDB would type a parameter by its Python value (42 -> INTEGER even when the
    client said int8, a JSON text -> VARCHAR), and the result would not match its Describe.
    """
    if not any(duckdb_type_for_oid(o) for o in param_oids if o not in (0, UNKNOWN)):
        return sql
    def cast(number: int) -> str | None:
        if number > len(param_oids) or number < 1:
            return None
        oid = param_oids[number - 1]
        dtype = duckdb_type_for_oid(oid) if oid not in (0, UNKNOWN) else None
        return f"CAST(${number} AS {_type_sql(dtype)})" if dtype else None

    return _replace_parameters(sql, cast)


def _replace_parameters(sql: str, new: Callable[[int], str | None]) -> str:
    """``sql`` with each ``$n`` replaced by the text ``new(n)`` (kept where that is None).

    Done on the token stream, where strings and dollar-quoted text are already told apart:
    replacing nodes of the parsed tree one at a time is quadratic in a list (ARRAY[$1, ...,
    $n]), and a Parse of thousands of parameters held the event loop, and every connection,
    for seconds (16,000: 16 s).
    """
    tokens = _DUCKDB.tokenize(sql)
    spans: list[tuple[int, int, str]] = []
    for tok, nxt in itertools.pairwise(tokens):
        if (tok.token_type is TokenType.PARAMETER and nxt.token_type is TokenType.NUMBER
                and nxt.start == tok.end + 1 and nxt.text.isdigit()):
            text = new(int(nxt.text))
            if text is not None:
                spans.append((tok.start, nxt.end + 1, text))
    out: list[str] = []
    pos = 0
    for start, stop, text in spans:
        out += [sql[pos:start], text]
        pos = stop
    out.append(sql[pos:])
    return "".join(out)


def typed_nulls(sql: str, param_oids: Sequence[int]) -> str:
    """The query with each ``$n`` replaced by a typed NULL (memoized; see _typed_nulls).

    Unnamed statements (psycopg, pgjdbc below its prepare threshold) are parsed again for
    every execution; the same text and types then cost a dictionary lookup, not a sqlglot parse.
    """
    return _typed_nulls(sql, tuple(param_oids))


@functools.lru_cache(maxsize=4096)
def _typed_nulls(sql: str, param_oids: tuple[int, ...]) -> str:
    """The query with each ``$n`` replaced by a NULL of its type, for binding only.

    >>> typed_nulls("SELECT $1 + 1", [23])
    'SELECT (SELECT CAST(NULL AS INT)) + 1'
    """
    def null(number: int) -> str | None:
        i = number - 1
        oid = param_oids[i] if i < len(param_oids) else 0
        # An untyped parameter is bound as its text (a Python str): VARCHAR, as PostgreSQL
        # resolves unknown to text.
        dtype = duckdb_type_for_oid(oid) if oid not in (0, UNKNOWN) else "VARCHAR"
        if oid == oids.NUMERIC:
            # Numeric parameters keep their own precision when bound (no cast); any
            # DECIMAL stands for them here, where only the result's type OID matters.
            dtype = "DECIMAL(38, 10)"
        # A scalar subquery, not a bare CAST(NULL AS t): DuckDB's binder folds the latter,
        # typing CAST(NULL AS DECIMAL(10,2)) + 1 as INTEGER.
        return f"(SELECT CAST(NULL AS {_type_sql(dtype or 'VARCHAR')}))"

    return _replace_parameters(sql, null)
