"""Types of parameters and result columns, kept consistent between Describe and Execute.

A client decodes rows by the types it was told at Describe, often once for many executions
(asyncpg, pgjdbc after its prepare threshold). So parameters of a known type are cast to it
before DuckDB binds them, results are described from how DuckDB prepares the statement, and
rows whose types still differ are cast to what was described.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

import pyarrow as pa
import sqlglot
from sqlglot import exp

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
    tree = sqlglot.parse_one(sql, read="duckdb")
    for p in list(tree.find_all(exp.Placeholder, exp.Parameter)):
        number = str(p.name)
        if not number.isdigit() or int(number) > len(param_oids):
            continue
        oid = param_oids[int(number) - 1]
        dtype = duckdb_type_for_oid(oid) if oid not in (0, UNKNOWN) else None
        if dtype:
            p.replace(exp.cast(p.copy(), dtype, dialect="duckdb"))
    return tree.sql("duckdb")


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
    tree = sqlglot.parse_one(sql, read="duckdb")
    # sqlglot's DuckDB dialect reads $n as Placeholder(this=n).
    for p in list(tree.find_all(exp.Placeholder, exp.Parameter)):
        number = str(p.name)
        if not number.isdigit():
            continue
        i = int(number) - 1
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
        null = exp.cast(exp.Null(), dtype or "VARCHAR", dialect="duckdb")
        p.replace(exp.Subquery(this=exp.select(null)))
    return tree.sql("duckdb")
