"""Mapping between DuckDB/Arrow types and the PostgreSQL types Duckshift reports to clients.

``pg_type_from_duckdb`` reads DuckDB type strings (as DESCRIBE prints them) and
``pg_type_from_arrow`` reads the Arrow types DuckDB produces for the same columns; the two
must agree so that a RowDescription built before execution matches the DataRows encoded
afterwards. Agreement is exact when the connection sets ``arrow_lossless_conversion=true``;
without it DuckDB exports UUID and JSON as plain strings, TIME WITH TIME ZONE as a bare time
and BIT as a blob, so those arrive as varchar, time and bytea. Choices: VARCHAR is
``character varying`` (1043) without typmod, but an array of strings is text[] (1009), as
PostgreSQL types string literals, ARRAY[...] of them and array_agg(x::text); BLOB is Redshift's
``varbyte`` (6551; Redshift has no bytea columns); TINYINT and UTINYINT are int2, USMALLINT is
int4, UINTEGER is oid (the catalog's OID columns are UINTEGER, as PostgreSQL's oid is an
unsigned 32-bit integer; Redshift SQL has no unsigned types, so only the catalog produces it),
UBIGINT is numeric, HUGEINT and UHUGEINT are numeric(38,0) (DuckDB exports them as
decimal128(38, 0)); STRUCT, MAP and UNION are json; an untyped NULL or UNKNOWN is text. A
one-member UNION whose member is named ``bpchar_<n>`` is ``character(n)`` (bpchar, typmod
n + 4): the dialect casts a CHAR(n) result column to it, the one DuckDB type that carries such
a mark through Arrow.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import pyarrow as pa

from proxy.codecs import oids


@dataclass(frozen=True, slots=True)
class PgType:
    """A column or parameter type as PostgreSQL describes it in RowDescription and pg_type."""

    oid: int
    typlen: int
    typmod: int
    name: str


_BASE: dict[int, tuple[int, str]] = {
    oids.BOOL: (1, "boolean"),
    oids.BYTEA: (-1, "bytea"),
    oids.CHAR: (1, '"char"'),
    oids.NAME: (64, "name"),
    oids.INT8: (8, "bigint"),
    oids.INT2: (2, "smallint"),
    oids.INT4: (4, "integer"),
    oids.TEXT: (-1, "text"),
    oids.OID: (4, "oid"),
    oids.JSON: (-1, "json"),
    oids.FLOAT4: (4, "real"),
    oids.FLOAT8: (8, "double precision"),
    oids.UNKNOWN: (-2, "unknown"),
    oids.BPCHAR: (-1, "character"),
    oids.VARCHAR: (-1, "character varying"),
    oids.DATE: (4, "date"),
    oids.TIME: (8, "time without time zone"),
    oids.TIMESTAMP: (8, "timestamp without time zone"),
    oids.TIMESTAMPTZ: (8, "timestamp with time zone"),
    oids.INTERVAL: (16, "interval"),
    oids.TIMETZ: (12, "time with time zone"),
    oids.VARBIT: (-1, "bit varying"),
    oids.NUMERIC: (-1, "numeric"),
    oids.UUID: (16, "uuid"),
    oids.JSONB: (-1, "jsonb"),
    oids.VARBYTE: (-1, "binary varying"),
}


def pg_type(oid: int, typmod: int = -1) -> PgType:
    """Return the PgType of a scalar or array OID, e.g. ``pg_type(oids.INT4).name == 'integer'``."""
    element = oids.ELEMENT_OF.get(oid)
    if element is not None:
        return PgType(oid, -1, typmod, _BASE[element][1] + "[]")
    typlen, name = _BASE[oid]
    return PgType(oid, typlen, typmod, name)


def numeric_typmod(precision: int, scale: int) -> int:
    """Encode numeric(p, s) the way PostgreSQL stores it in atttypmod."""
    return ((precision << 16) | scale) + 4


def array_of(element: PgType) -> PgType:
    """The one-dimensional array type of ``element``; json[] when it has no array type.

    Strings make text[]: DuckDB cannot tell text from varchar, and asyncpg decodes text[]
    (and oid[]) without asking the server, which its own type introspection query needs.
    """
    if element.oid == oids.VARCHAR:
        return pg_type(oids.TEXT_ARRAY)
    array_oid = oids.ARRAY_OF.get(element.oid, oids.JSON_ARRAY)
    typmod = element.typmod if array_oid != oids.JSON_ARRAY else -1
    return pg_type(array_oid, typmod)


_TEXT = pg_type(oids.TEXT)
_VARCHAR = pg_type(oids.VARCHAR)
_HUGE = pg_type(oids.NUMERIC, numeric_typmod(38, 0))

_DUCKDB_SCALARS: dict[str, PgType] = {
    "BOOLEAN": pg_type(oids.BOOL),
    "TINYINT": pg_type(oids.INT2),
    "SMALLINT": pg_type(oids.INT2),
    "UTINYINT": pg_type(oids.INT2),
    "INTEGER": pg_type(oids.INT4),
    "USMALLINT": pg_type(oids.INT4),
    "BIGINT": pg_type(oids.INT8),
    "UINTEGER": pg_type(oids.OID),
    "UBIGINT": pg_type(oids.NUMERIC),
    "HUGEINT": _HUGE,
    "UHUGEINT": _HUGE,
    "BIGNUM": pg_type(oids.NUMERIC),
    "VARINT": pg_type(oids.NUMERIC),
    "FLOAT": pg_type(oids.FLOAT4),
    "DOUBLE": pg_type(oids.FLOAT8),
    "DECIMAL": pg_type(oids.NUMERIC, numeric_typmod(18, 3)),
    "VARCHAR": _VARCHAR,
    "BLOB": pg_type(oids.VARBYTE),
    "BIT": pg_type(oids.VARBIT),
    "DATE": pg_type(oids.DATE),
    "TIME": pg_type(oids.TIME),
    "TIME_NS": pg_type(oids.TIME),
    "TIME WITH TIME ZONE": pg_type(oids.TIMETZ),
    "TIMESTAMP": pg_type(oids.TIMESTAMP),
    "TIMESTAMP_NS": pg_type(oids.TIMESTAMP),
    "TIMESTAMP_MS": pg_type(oids.TIMESTAMP),
    "TIMESTAMP_S": pg_type(oids.TIMESTAMP),
    "TIMESTAMP WITH TIME ZONE": pg_type(oids.TIMESTAMPTZ),
    "INTERVAL": pg_type(oids.INTERVAL),
    "UUID": pg_type(oids.UUID),
    "JSON": pg_type(oids.JSON),
    '"NULL"': _TEXT,
    "NULL": _TEXT,
    "UNKNOWN": _TEXT,
}
_DECIMAL = re.compile(r"(?:DECIMAL|NUMERIC)\((\d+),\s*(\d+)\)")
BPCHAR_MEMBER = "bpchar_"
_BPCHAR_UNION = re.compile(r"UNION\(BPCHAR_(\d+) VARCHAR\)")


def bpchar(length: int) -> PgType:
    """``character(length)``, as PostgreSQL describes a blank-padded column."""
    return pg_type(oids.BPCHAR, length + 4)
_ARRAY_SUFFIX = re.compile(r"\[\d*\]$")


def pg_type_from_duckdb(type_name: str) -> PgType:
    """Map a DuckDB type string to the PgType reported for it.

    Args:
        type_name: as printed by DESCRIBE or duckdb_prepared_statements().
    Returns:
        The PgType; unknown DuckDB types fall back to text.

    >>> pg_type_from_duckdb("DECIMAL(12,2)").typmod
    786438
    """
    name = type_name.strip()
    if _ARRAY_SUFFIX.search(name):
        element = pg_type_from_duckdb(_ARRAY_SUFFIX.sub("", name))
        # PostgreSQL arrays are flat: INTEGER[][] is still int4[] (with two dimensions)
        base = oids.ELEMENT_OF.get(element.oid)
        return element if base is not None else array_of(element)
    upper = name.upper()
    if match := _DECIMAL.fullmatch(upper):
        return pg_type(oids.NUMERIC, numeric_typmod(int(match[1]), int(match[2])))
    if match := _BPCHAR_UNION.fullmatch(upper):
        return bpchar(int(match[1]))
    if upper.startswith(("STRUCT(", "MAP(", "UNION(")):
        return pg_type(oids.JSON)
    if upper.startswith("ENUM("):
        return _VARCHAR
    return _DUCKDB_SCALARS.get(upper, _TEXT)


_OPAQUE: dict[str, PgType] = {
    "hugeint": _HUGE,
    "uhugeint": _HUGE,
    "bignum": pg_type(oids.NUMERIC),
    "varint": pg_type(oids.NUMERIC),
    "bit": pg_type(oids.VARBIT),
    "time_tz": pg_type(oids.TIMETZ),
}


# Memoized: every execution describes its result, and walking the predicates below costs
# about 5 us per column against 1.5 us for a cache hit (hashing an Arrow type is a C++ call).
@functools.lru_cache(maxsize=1024)
def pg_type_from_arrow(t: pa.DataType) -> PgType:
    """Map an Arrow type produced by DuckDB to the PgType reported for it.

    >>> pg_type_from_arrow(pa.int8()).name
    'smallint'
    """
    if isinstance(t, pa.BaseExtensionType):
        return _from_extension(t)
    if pa.types.is_dictionary(t):
        return pg_type_from_arrow(t.value_type)
    if pa.types.is_decimal(t):
        return pg_type(oids.NUMERIC, numeric_typmod(t.precision, t.scale))
    if pa.types.is_timestamp(t):
        return pg_type(oids.TIMESTAMPTZ if t.tz is not None else oids.TIMESTAMP)
    if (
        pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t)
        or (pa.types.is_list_view(t) or pa.types.is_large_list_view(t))
    ):
        element = pg_type_from_arrow(t.value_type)
        return element if element.oid in oids.ELEMENT_OF else array_of(element)
    if pa.types.is_union(t) and t.num_fields == 1 and t.field(0).name.startswith(BPCHAR_MEMBER):
        return bpchar(int(t.field(0).name.removeprefix(BPCHAR_MEMBER)))
    if pa.types.is_struct(t) or pa.types.is_map(t) or pa.types.is_union(t):
        return pg_type(oids.JSON)
    for predicate, oid in _ARROW_PREDICATES:
        if predicate(t):
            return pg_type(oid)
    return _TEXT


def _from_extension(t: pa.BaseExtensionType) -> PgType:
    if t.extension_name == "arrow.uuid":
        return pg_type(oids.UUID)
    if t.extension_name == "arrow.json":
        return pg_type(oids.JSON)
    if t.extension_name == "arrow.bool8":
        return pg_type(oids.BOOL)
    if isinstance(t, pa.OpaqueType) and t.type_name in _OPAQUE:
        return _OPAQUE[t.type_name]
    return pg_type_from_arrow(t.storage_type)


_ARROW_PREDICATES = (
    (pa.types.is_boolean, oids.BOOL),
    (lambda t: t in (pa.int8(), pa.int16(), pa.uint8()), oids.INT2),
    (lambda t: t in (pa.int32(), pa.uint16()), oids.INT4),
    (lambda t: t == pa.int64(), oids.INT8),
    (lambda t: t == pa.uint32(), oids.OID),
    (lambda t: t == pa.uint64(), oids.NUMERIC),
    (lambda t: t in (pa.float16(), pa.float32()), oids.FLOAT4),
    (pa.types.is_float64, oids.FLOAT8),
    (lambda t: pa.types.is_string(t) or pa.types.is_large_string(t), oids.VARCHAR),
    (pa.types.is_string_view, oids.VARCHAR),
    (lambda t: pa.types.is_binary(t) or pa.types.is_large_binary(t), oids.VARBYTE),
    (lambda t: pa.types.is_binary_view(t) or pa.types.is_fixed_size_binary(t), oids.VARBYTE),
    (pa.types.is_date, oids.DATE),
    (pa.types.is_time, oids.TIME),
    (lambda t: pa.types.is_interval(t) or pa.types.is_duration(t), oids.INTERVAL),
    (pa.types.is_null, oids.TEXT),
)

_DUCKDB_FOR_OID: dict[int, str] = {
    oids.BOOL: "BOOLEAN",
    oids.BYTEA: "BLOB",
    oids.CHAR: "VARCHAR",
    oids.NAME: "VARCHAR",
    oids.INT8: "BIGINT",
    oids.INT2: "SMALLINT",
    oids.INT4: "INTEGER",
    oids.TEXT: "VARCHAR",
    oids.OID: "UINTEGER",
    oids.JSON: "JSON",
    oids.JSONB: "JSON",
    oids.FLOAT4: "FLOAT",
    oids.FLOAT8: "DOUBLE",
    oids.BPCHAR: "VARCHAR",
    oids.VARCHAR: "VARCHAR",
    oids.DATE: "DATE",
    oids.TIME: "TIME",
    oids.TIMESTAMP: "TIMESTAMP",
    oids.TIMESTAMPTZ: "TIMESTAMP WITH TIME ZONE",
    oids.INTERVAL: "INTERVAL",
    oids.TIMETZ: "TIME WITH TIME ZONE",
    oids.VARBIT: "BIT",
    oids.UUID: "UUID",
    oids.VARBYTE: "BLOB",
}


def duckdb_type_for_oid(oid: int) -> str | None:
    """DuckDB type to CAST a client-typed parameter to, or None to bind it uncast.

    None is returned for 0 and unknown OIDs, and for numeric: the decoded ``Decimal`` binds
    with its own exact precision, which any fixed DECIMAL(p, s) could truncate.

    >>> duckdb_type_for_oid(1007)
    'INTEGER[]'
    """
    element = oids.ELEMENT_OF.get(oid)
    if element is not None:
        name = duckdb_type_for_oid(element)
        return None if name is None else name + "[]"
    return _DUCKDB_FOR_OID.get(oid)
