"""pg_catalog.pg_type: PostgreSQL's built-in types, with PostgreSQL's OIDs, and their mapping.

The rows are static, as in PostgreSQL 15's ``pg_type.dat`` for the types Duckshift reports and
the ones drivers look up (regclass, oidvector, int2vector, record...); every array type is
derived from its element. ``DUCKDB_TYPES`` says which PostgreSQL type a DuckDB column type is
shown as (the same choices as ``proxy.codecs.types.pg_type_from_duckdb``, which a unit test
checks), and ``type_name_sql`` renders ``format_type(oid, typmod)`` as PostgreSQL does.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.views.base import BOOTSTRAP_SUPERUSER_OID, PG_CATALOG_OID, Session, View, values


@dataclass(frozen=True, slots=True)
class BuiltinType:
    """One scalar row of pg_type (its array row is derived from it)."""

    oid: int
    typname: str
    typlen: int
    typbyval: bool
    typcategory: str
    typinput: str  # the output, receive and send functions are named after it
    typalign: str
    typstorage: str
    array_oid: int  # 0: no array type
    pretty: str  # what format_type() prints
    typtype: str = "b"
    typelem: int = 0
    typispreferred: bool = False
    typcollation: int = 0


_T = BuiltinType
BUILTIN_TYPES: tuple[BuiltinType, ...] = (
    _T(16, "bool", 1, True, "B", "boolin", "c", "p", 1000, "boolean", typispreferred=True),
    _T(17, "bytea", -1, False, "U", "byteain", "i", "x", 1001, "bytea"),
    _T(18, "char", 1, True, "Z", "charin", "c", "p", 1002, '"char"'),
    _T(19, "name", 64, False, "S", "namein", "c", "p", 1003, "name", typelem=18,
       typcollation=950),
    _T(20, "int8", 8, True, "N", "int8in", "d", "p", 1016, "bigint"),
    _T(21, "int2", 2, True, "N", "int2in", "s", "p", 1005, "smallint"),
    _T(22, "int2vector", -1, False, "A", "int2vectorin", "i", "p", 1006, "int2vector",
       typelem=21),
    _T(23, "int4", 4, True, "N", "int4in", "i", "p", 1007, "integer"),
    _T(24, "regproc", 4, True, "N", "regprocin", "i", "p", 1008, "regproc"),
    _T(25, "text", -1, False, "S", "textin", "i", "x", 1009, "text", typispreferred=True,
       typcollation=100),
    _T(26, "oid", 4, True, "N", "oidin", "i", "p", 1028, "oid", typispreferred=True),
    _T(27, "tid", 6, False, "U", "tidin", "s", "p", 1010, "tid"),
    _T(28, "xid", 4, True, "U", "xidin", "i", "p", 1011, "xid"),
    _T(29, "cid", 4, True, "U", "cidin", "i", "p", 1012, "cid"),
    _T(30, "oidvector", -1, False, "A", "oidvectorin", "i", "p", 1013, "oidvector", typelem=26),
    # DuckDB's JSON is Redshift's SUPER (Redshift has no json type): its values go to
    # clients as json (OID 114; docs/compatibility.md says why not SUPER's 4000), but its
    # columns are shown as super, as Redshift shows them.
    _T(114, "json", -1, False, "U", "json_in", "i", "x", 199, "super"),
    _T(700, "float4", 4, True, "N", "float4in", "i", "p", 1021, "real"),
    _T(701, "float8", 8, True, "N", "float8in", "d", "p", 1022, "double precision",
       typispreferred=True),
    _T(705, "unknown", -2, False, "X", "unknownin", "c", "p", 0, "unknown", typtype="p"),
    _T(1042, "bpchar", -1, False, "S", "bpcharin", "i", "x", 1014, "character",
       typcollation=100),
    _T(1043, "varchar", -1, False, "S", "varcharin", "i", "x", 1015, "character varying",
       typcollation=100),
    _T(1082, "date", 4, True, "D", "date_in", "i", "p", 1182, "date"),
    _T(1083, "time", 8, True, "D", "time_in", "d", "p", 1183, "time without time zone"),
    _T(1114, "timestamp", 8, True, "D", "timestamp_in", "d", "p", 1115,
       "timestamp without time zone"),
    _T(1184, "timestamptz", 8, True, "D", "timestamptz_in", "d", "p", 1185,
       "timestamp with time zone", typispreferred=True),
    _T(1186, "interval", 16, False, "T", "interval_in", "d", "p", 1187, "interval",
       typispreferred=True),
    _T(1266, "timetz", 12, False, "D", "timetz_in", "d", "p", 1270, "time with time zone"),
    _T(1560, "bit", -1, False, "V", "bit_in", "i", "x", 1561, "bit"),
    _T(1562, "varbit", -1, False, "V", "varbit_in", "i", "x", 1563, "bit varying",
       typispreferred=True),
    _T(1700, "numeric", -1, False, "N", "numeric_in", "i", "m", 1231, "numeric"),
    # The type of a stored procedure's cursor arguments (a cursor's name).
    _T(1790, "refcursor", -1, False, "U", "textin", "i", "x", 2201, "refcursor"),
    _T(2205, "regclass", 4, True, "N", "regclassin", "i", "p", 2210, "regclass"),
    _T(2206, "regtype", 4, True, "N", "regtypein", "i", "p", 2211, "regtype"),
    _T(2249, "record", -1, False, "P", "record_in", "d", "x", 2287, "record", typtype="p"),
    _T(2275, "cstring", -2, False, "P", "cstring_in", "c", "p", 1263, "cstring", typtype="p"),
    _T(2277, "anyarray", -1, False, "P", "anyarray_in", "d", "x", 0, "anyarray", typtype="p"),
    _T(2278, "void", 4, True, "P", "void_in", "i", "p", 0, "void", typtype="p"),
    _T(2283, "anyelement", 4, True, "P", "anyelement_in", "i", "p", 0, "anyelement",
       typtype="p"),
    _T(2950, "uuid", 16, False, "U", "uuid_in", "c", "p", 2951, "uuid"),
    _T(3802, "jsonb", -1, False, "U", "jsonb_in", "i", "x", 3807, "jsonb"),
    # Redshift's own binary string type (it has no array type).
    _T(6551, "varbyte", -1, False, "U", "varbytein", "i", "x", 0, "binary varying"),
)

# DuckDB column type (as duckdb_columns() prints it, without parameters) -> PostgreSQL type.
DUCKDB_TYPES: dict[str, int] = {
    "BOOLEAN": 16, "TINYINT": 21, "SMALLINT": 21, "UTINYINT": 21, "INTEGER": 23,
    "USMALLINT": 23, "BIGINT": 20, "UINTEGER": 26, "UBIGINT": 1700, "HUGEINT": 1700,
    "UHUGEINT": 1700, "BIGNUM": 1700, "VARINT": 1700, "FLOAT": 700, "DOUBLE": 701,
    "DECIMAL": 1700, "VARCHAR": 1043, "BLOB": 6551, "BIT": 1562, "DATE": 1082, "TIME": 1083,
    "TIME_NS": 1083, "TIME WITH TIME ZONE": 1266, "TIMESTAMP": 1114, "TIMESTAMP_NS": 1114,
    "TIMESTAMP_MS": 1114, "TIMESTAMP_S": 1114, "TIMESTAMP WITH TIME ZONE": 1184,
    "INTERVAL": 1186, "UUID": 2950, "JSON": 114,
}
# STRUCT, MAP and UNION columns are shown as json, ENUM as varchar, anything else as text.
NESTED_AS_JSON = ("STRUCT(", "MAP(", "UNION(")
JSON_OID = 114
JSON_ARRAY_OID = 199
NUMERIC_OID = 1700
TEXT_OID = 25
VARCHAR_OID = 1043
HUGEINT_TYPMOD = ((38 << 16) | 0) + 4  # numeric(38,0)

# OID columns are UINTEGER, which RowDescription shows as oid (as PostgreSQL's columns are).
COLUMNS: list[tuple[str, str]] = [
    ("oid", "UINTEGER"), ("typname", "VARCHAR"), ("typnamespace", "UINTEGER"),
    ("typowner", "UINTEGER"), ("typlen", "SMALLINT"), ("typbyval", "BOOLEAN"),
    ("typtype", "VARCHAR"), ("typcategory", "VARCHAR"), ("typispreferred", "BOOLEAN"),
    ("typisdefined", "BOOLEAN"), ("typdelim", "VARCHAR"), ("typrelid", "UINTEGER"),
    ("typsubscript", "VARCHAR"), ("typelem", "UINTEGER"), ("typarray", "UINTEGER"),
    ("typinput", "VARCHAR"), ("typoutput", "VARCHAR"), ("typreceive", "VARCHAR"),
    ("typsend", "VARCHAR"), ("typmodin", "VARCHAR"), ("typmodout", "VARCHAR"),
    ("typanalyze", "VARCHAR"), ("typalign", "VARCHAR"), ("typstorage", "VARCHAR"),
    ("typnotnull", "BOOLEAN"), ("typbasetype", "UINTEGER"), ("typtypmod", "INTEGER"),
    ("typndims", "INTEGER"), ("typcollation", "UINTEGER"), ("typdefaultbin", "VARCHAR"),
    ("typdefault", "VARCHAR"), ("typacl", "VARCHAR[]"),
]


def _io_functions(typinput: str) -> tuple[str, str, str, str]:
    """PostgreSQL names a type's I/O functions alike: int4in/int4out, date_in/date_out."""
    stem = typinput.removesuffix("in")
    return typinput, stem + "out", stem + "recv", stem + "send"


def _row(t: BuiltinType) -> tuple[object, ...]:
    modin, modout = {
        1042: ("bpchartypmodin", "bpchartypmodout"),
        1043: ("varchartypmodin", "varchartypmodout"),
        6551: ("varbytetypmodin", "varbytetypmodout"),
        1700: ("numerictypmodin", "numerictypmodout"),
    }.get(t.oid, ("-", "-"))
    return (
        t.oid, t.typname, PG_CATALOG_OID, BOOTSTRAP_SUPERUSER_OID, t.typlen, t.typbyval,
        t.typtype, t.typcategory, t.typispreferred, True, ",", 0,
        "raw_array_subscript_handler" if t.typelem else "-", t.typelem, t.array_oid,
        *_io_functions(t.typinput), modin, modout, "-", t.typalign, t.typstorage, False, 0,
        -1, 0, t.typcollation, None, None, None,
    )


def _array_row(t: BuiltinType) -> tuple[object, ...]:
    return (
        t.array_oid, "_" + t.typname, PG_CATALOG_OID, BOOTSTRAP_SUPERUSER_OID, -1, False, "b",
        "A", False, True, ",", 0, "array_subscript_handler", t.oid, 0, "array_in",
        "array_out", "array_recv", "array_send", "-", "-", "array_typanalyze",
        "d" if t.typalign == "d" else "i", "x", False, 0, -1, 0, t.typcollation, None, None,
        None,
    )


def rows() -> list[tuple[object, ...]]:
    """Every pg_type row: the scalars, then their array types."""
    return [_row(t) for t in BUILTIN_TYPES] + [
        _array_row(t) for t in BUILTIN_TYPES if t.array_oid
    ]


def pg_type(session: Session) -> str:
    """pg_catalog.pg_type: static rows (tables have no row types yet)."""
    return values(rows(), COLUMNS)


def pretty_names() -> dict[int, str]:
    """format_type(oid, NULL) of every built-in type, arrays included."""
    names = {t.oid: t.pretty for t in BUILTIN_TYPES}
    names.update({t.array_oid: t.pretty + "[]" for t in BUILTIN_TYPES if t.array_oid})
    return names


def name_oids() -> dict[str, int]:
    """Type names a regtype literal may use (typname and format_type name) -> OID."""
    names = {t.typname: t.oid for t in BUILTIN_TYPES}
    names.update({"_" + t.typname: t.array_oid for t in BUILTIN_TYPES if t.array_oid})
    names.update({name: oid for oid, name in pretty_names().items()})
    names.update({"int": 23, "char": 1042, "character": 1042, "decimal": 1700,
                  "bool": 16, "float": 701, "timestamptz": 1184, "timetz": 1266})
    return names


def type_name_sql(oid: str, typmod: str) -> str:
    """SQL for PostgreSQL's ``format_type(oid, typmod)`` over SQL expressions oid and typmod.

    Length and precision modifiers are shown for character, varbyte and numeric types; an
    unknown OID is ``???`` as in PostgreSQL.
    """
    entries = ", ".join(f"{k}: '{v}'" for k, v in sorted(pretty_names().items()))
    length = f"CASE WHEN {typmod} >= 5 THEN '(' || ({typmod} - 4) || ')' ELSE '' END"
    precision = (
        f"CASE WHEN {typmod} >= 4 THEN '(' || (({typmod} - 4) >> 16) || ',' || "
        f"(({typmod} - 4) & 65535) || ')' ELSE '' END"
    )
    return (
        f"CASE WHEN {oid} IS NULL THEN NULL "
        f"WHEN {oid} = 1043 THEN 'character varying' || {length} "
        f"WHEN {oid} = 1042 THEN 'character' || {length} "
        f"WHEN {oid} = 6551 THEN 'binary varying' || {length} "
        f"WHEN {oid} = 1700 THEN 'numeric' || {precision} "
        f"ELSE coalesce(MAP {{{entries}}}[{oid}], '???') END"
    )


def column_type_sql(data_type: str, type_id: str, precision: str, scale: str) -> tuple[str, str]:
    """SQL for (atttypid, atttypmod) of a duckdb_columns() row, from its type columns."""
    entries = ", ".join(f"'{k}': {v}" for k, v in DUCKDB_TYPES.items())
    # Strings make text[], as RowDescription shows them (proxy.codecs.types.array_of).
    array_oids = {t.oid: t.array_oid for t in BUILTIN_TYPES if t.array_oid} | {VARCHAR_OID: 1009}
    arrays = ", ".join(f"{k}: {v}" for k, v in array_oids.items())
    element = f"split_part({data_type}, '[', 1)"
    scalar = (
        f"CASE WHEN starts_with({element}, 'DECIMAL') THEN {NUMERIC_OID} "
        f"WHEN starts_with({element}, 'ENUM(') THEN {VARCHAR_OID} "
        + " ".join(f"WHEN starts_with({element}, '{p}') THEN {JSON_OID}" for p in NESTED_AS_JSON)
        + f" ELSE coalesce(MAP {{{entries}}}[{element}], {TEXT_OID}) END"
    )
    # LIST (101) and ARRAY (108): PostgreSQL arrays are flat, so INTEGER[][] is int4[] too.
    is_array = f"{type_id} IN (101, 108)"
    typid = (
        f"CASE WHEN {is_array} THEN coalesce(MAP {{{arrays}}}[{scalar}], {JSON_ARRAY_OID}) "
        f"ELSE {scalar} END"
    )
    typmod = (
        f"CASE WHEN {is_array} THEN -1 "
        f"WHEN {data_type} IN ('HUGEINT', 'UHUGEINT') THEN {HUGEINT_TYPMOD} "
        f"WHEN starts_with({data_type}, 'DECIMAL') "
        f"THEN ((({precision}) << 16) | ({scale})) + 4 ELSE -1 END"
    )
    return typid, typmod


VIEWS = (View("pg_catalog", "pg_type", pg_type),)
