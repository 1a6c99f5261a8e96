"""Macros behind Redshift functions DuckDB does not have, which translations call by name.

They live beside ``engine/macros.py``'s, in the engine's in-memory catalog, under the internal
prefix that user SQL cannot name (proxy/sql/transforms/comparison_functions.py calls them).

* ``CMP[name](a, b, z)`` is Redshift's comparison function ``name`` (DATE_CMP,
  TIMESTAMP_CMP_TIMESTAMPTZ, INTERVAL_CMP, BPCHARCMP ...): -1, 0 or 1 as ``a`` is less than,
  equal to or greater than ``b``, NULL where either is NULL. Each argument is converted as
  PostgreSQL's implicit casts convert it into the function's parameter type (a DATE into a
  TIMESTAMP, a DATE or TIMESTAMP into a TIMESTAMPTZ, read in the session's zone ``z``; a
  string literal comes cast to the parameter's type, and other strings only reach BPCHARCMP);
  any other type is PostgreSQL's 42883 ``function name(types) does not exist``. Picked
  by typeof (folded when the statement binds), not typed overloads, so that an aggregate's
  value is taken too. Strings compare by their bytes without trailing blanks, as Redshift
  compares CHAR and VARCHAR values.
* ``ARRAY_CONTAINS(a, v, m)``, ``ARRAY_POSITION`` and ``ARRAY_POSITIONS`` are whether SUPER
  array ``a`` holds ``v`` (made a SUPER value as a cast to SUPER makes it), the 0-based
  position of its first occurrence (-1 for none) and a SUPER array of all of them, elements
  compared as SUPER values are (by value and type: 1 = 1.0, 1 <> '1'); NULL where ``a`` is not
  an array (lax mode). With ``m`` (null_match, Redshift's default) a NULL is an element like
  any other; without it a NULL ``v``, or an array without ``v`` that holds a NULL, answers
  NULL.
* ``ARRAYS_OVERLAP(a, b)`` is whether two SUPER arrays share an element and
  ``ARRAY_DISTINCT(a)`` is an array of the first occurrence of each of its elements, elements
  compared as SUPER values are and a NULL equal to a NULL (Redshift's "NULL-safe"); NULL where
  an argument is not an array.
* ``ARRAY_INTERSECTION(a, b, d)`` and ``ARRAY_EXCEPT(a, b, d)`` are the elements of ``a``
  that are (are not) in ``b``, in ``a``'s order, compared as ARRAYS_OVERLAP compares them:
  without ``d`` (Redshift's default) as multisets (an element of ``a`` occurring k times in
  ``a`` before it is kept if ``b`` holds more (at most) than k equal elements), with it as
  sets (each element once).
* ``ARRAY_UNION(a, b)`` is ARRAY_DISTINCT of ``a``'s elements followed by ``b``'s (the
  order of Redshift's documented examples); NULL where an argument is not an array.
* ``ARRAY_SORT(a, s, n)`` is SUPER array ``a`` sorted ascending (``s``) or descending, its
  NULLs first (``n``) or last, NULL where it is not an array or ``s`` or ``n`` is NULL.
  Booleans come before numbers, numbers before strings, strings before arrays and arrays
  before objects (Redshift's documented precedence, reversed when descending); within a
  kind false before true, numbers by value (integers exactly, others as DOUBLE), strings by
  their bytes, and equal values in the JSON text's order. Redshift does not document how
  two arrays or two objects order, so an array holding two of either is refused (0A000).
* ``OCTETINDEX(sub, s)`` is the position of ``sub`` in ``s`` in bytes (DuckDB's ``strlen``
  counts bytes): 0 where it is not there, 1 for an empty ``sub``.
"""

from __future__ import annotations

import duckdb

from engine.macros import (
    BARE,
    CATALOG,
    SCHEMA,
    SUPER,
    SUPER_CONCAT,
    SUPER_EQ,
    ZONE_INSTANT,
)
from engine.storage import INTERNAL_PREFIX

_TSTZ = "TIMESTAMP WITH TIME ZONE"
_NULL = '"NULL"'
# PostgreSQL's name of a value's type, by DuckDB's typeof, for error messages.
PG_TYPE = f"{INTERNAL_PREFIX}pg_type"
_PG_NAMES = {
    _NULL: "unknown", "VARCHAR": "character varying", "SMALLINT": "smallint",
    "INTEGER": "integer", "BIGINT": "bigint", "BOOLEAN": "boolean",
    "DOUBLE": "double precision", "FLOAT": "real", "DATE": "date",
    "TIMESTAMP": "timestamp without time zone", _TSTZ: "timestamp with time zone",
    "TIME": "time without time zone", "TIME WITH TIME ZONE": "time with time zone",
    "INTERVAL": "interval", "BLOB": "varbyte", "JSON": "super",
}

# What each parameter type takes (PostgreSQL's implicit casts) and how a value of those types
# becomes the comparison's type ({v}: the value, z: the zone). A string literal reaches the
# macro cast to the parameter's type already (proxy/sql/transforms/redshift_functions.py), so
# a VARCHAR here is a column or an expression, which no implicit cast makes a date, time or
# interval (Redshift: 42883).
_TAKES = {
    "DATE": ("DATE", _NULL),
    "TIMESTAMP": ("DATE", "TIMESTAMP", _NULL),
    "TIMESTAMPTZ": ("DATE", "TIMESTAMP", _TSTZ, _NULL),
    "INTERVAL": ("INTERVAL", _NULL),
    "BPCHAR": ("VARCHAR", _NULL),
}
_INSTANT = f"{CATALOG}.{SCHEMA}.{ZONE_INSTANT}"
_CONVERT = {
    "DATE": "CAST({v} AS DATE)",
    "TIMESTAMP": "CAST({v} AS TIMESTAMP)",
    "TIMESTAMPTZ": (
        f"CASE WHEN typeof({{v}}) = '{_TSTZ}' THEN CAST({{v}} AS TIMESTAMPTZ) "
        f"ELSE {_INSTANT}(z, CAST({{v}} AS TIMESTAMP)) END"
    ),
    "INTERVAL": "CAST({v} AS INTERVAL)",
    # Trailing blanks do not count.
    "BPCHAR": f"{CATALOG}.{SCHEMA}.{BARE}(CAST({{v}} AS VARCHAR))",
}
# The order in which DATE, TIMESTAMP and TIMESTAMPTZ convert into one another.
_RANK = {"DATE": 0, "TIMESTAMP": 1, "TIMESTAMPTZ": 2}

# Redshift's comparison functions: name -> the types of their two parameters.
COMPARISONS = {
    "date_cmp": ("DATE", "DATE"),
    "date_cmp_timestamp": ("DATE", "TIMESTAMP"),
    "date_cmp_timestamptz": ("DATE", "TIMESTAMPTZ"),
    "timestamp_cmp": ("TIMESTAMP", "TIMESTAMP"),
    "timestamp_cmp_date": ("TIMESTAMP", "DATE"),
    "timestamp_cmp_timestamptz": ("TIMESTAMP", "TIMESTAMPTZ"),
    "timestamptz_cmp": ("TIMESTAMPTZ", "TIMESTAMPTZ"),
    "timestamptz_cmp_date": ("TIMESTAMPTZ", "DATE"),
    "timestamptz_cmp_timestamp": ("TIMESTAMPTZ", "TIMESTAMP"),
    "interval_cmp": ("INTERVAL", "INTERVAL"),
    "bpcharcmp": ("BPCHAR", "BPCHAR"),
    "bttext_pattern_cmp": ("BPCHAR", "BPCHAR"),
}
# Each function's macro.
CMP = {name: f"{INTERNAL_PREFIX}{name}" for name in COMPARISONS}
OCTETINDEX = f"{INTERNAL_PREFIX}octetindex"
ARRAY_CONTAINS = f"{INTERNAL_PREFIX}array_contains"
ARRAY_POSITION = f"{INTERNAL_PREFIX}array_position"
ARRAY_POSITIONS = f"{INTERNAL_PREFIX}array_positions"
# The 0-based positions of the elements of SUPER array a matching v (with null_match m), NULL
# where the answer is NULL.
_ARRAY_MATCHES = f"{INTERNAL_PREFIX}array_matches"
_MATCHES = f"{CATALOG}.{SCHEMA}.{_ARRAY_MATCHES}"
ARRAYS_OVERLAP = f"{INTERNAL_PREFIX}arrays_overlap"
ARRAY_DISTINCT = f"{INTERNAL_PREFIX}array_distinct"
# Whether SUPER elements x and y are the same: equal SUPER values, or both NULL.
_SAME = ("(({x} IS NULL AND {y} IS NULL) OR "
         f"coalesce({CATALOG}.{SCHEMA}.{SUPER_EQ}({{x}}, {{y}}), false))")
ARRAY_UNION = f"{INTERNAL_PREFIX}array_union"
ARRAY_SORT = f"{INTERNAL_PREFIX}array_sort"
# The sort key of a non-NULL SUPER element x: its kind's rank, then its value within the kind.
_SORT_KEY = (
    "struct_pack(k := CASE json_type(x) WHEN 'BOOLEAN' THEN 0 WHEN 'VARCHAR' THEN 2 "
    "WHEN 'ARRAY' THEN 3 WHEN 'OBJECT' THEN 4 ELSE 1 END, "
    "n := TRY_CAST(x AS DOUBLE), i := CASE WHEN json_type(x) IN ('BIGINT', 'UBIGINT') "
    "THEN CAST(x AS HUGEINT) END, "
    "s := CASE json_type(x) WHEN 'VARCHAR' THEN json_extract_string(x, '$') END, "
    "x := x)"
)
_NESTED = "len(list_filter(e, lambda x: json_type(x) = '{kind}')) > 1"
ARRAY_INTERSECTION = f"{INTERNAL_PREFIX}array_intersection"
ARRAY_EXCEPT = f"{INTERNAL_PREFIX}array_except"
# Over struct r of SUPER arrays' elements r.p and r.q, at index i of r.p: how many elements
# equal to r.p[i + 1] come before it in r.p, and how many r.q holds.
_BEFORE = "len(list_filter(range(i), lambda j: {same}))"
_IN_Q = "len(list_filter(r.q, lambda y: {same}))"
# Whether the elements r.e (a list of JSON values) hold a NULL.
_HOLDS_NULL = "list_contains(list_transform(r.e, lambda x: x IS NULL), true)"


def _no_function(name: str) -> str:
    """PostgreSQL's error for a call of ``name`` with arguments of types it does not take."""
    pg_type = f"{CATALOG}.{SCHEMA}.{PG_TYPE}"
    return (f"error('function {name}(' || {pg_type}(a) || ', ' || {pg_type}(b) "
            "|| ') does not exist')")


def _comparison(name: str, left: str, right: str) -> str:
    """The body of comparison function ``name`` of parameter types ``left`` and ``right``."""
    common = max(left, right, key=lambda t: _RANK.get(t, 0))
    x, y = (_CONVERT[common].format(v=v) for v in ("a", "b"))
    takes = " AND ".join(f"typeof({v}) IN ({', '.join(repr(t) for t in _TAKES[kind])})"
                         for v, kind in (("a", left), ("b", right)))
    return (f"(a, b, z) AS CASE WHEN {takes} "
            f"THEN CAST({x} > {y} AS INTEGER) - CAST({x} < {y} AS INTEGER) "
            f"ELSE {_no_function(name)} END")


def _multiset(keep: str) -> str:
    """The elements of SUPER array a (in its order) that ``keep`` keeps, as a SUPER array:
    ``keep`` reads ``{before}`` and ``{in_q}`` (``_BEFORE``, ``_IN_Q``) and the macro's d."""
    test = keep.format(
        before=_BEFORE.format(same=_SAME.format(x="r.p[j + 1]", y="r.p[i + 1]")),
        in_q=_IN_Q.format(same=_SAME.format(x="r.p[i + 1]", y="y")))
    return (
        "CASE WHEN json_type(CAST(a AS JSON)) = 'ARRAY' "
        "AND json_type(CAST(b AS JSON)) = 'ARRAY' THEN list_transform([struct_pack("
        "p := CAST(CAST(a AS JSON) AS JSON[]), q := CAST(CAST(b AS JSON) AS JSON[]))], "
        f"lambda r: to_json(list_transform(list_filter(range(len(r.p)), lambda i: {test}), "
        "lambda i: r.p[i + 1])))[1] END"
    )


_DEFINITIONS = {
    PG_TYPE: (
        "(x) AS CASE WHEN typeof(x) LIKE 'DECIMAL%' THEN 'numeric' ELSE coalesce(MAP {"
        + ", ".join(f"'{k}': '{v}'" for k, v in _PG_NAMES.items())
        + "}[typeof(x)], lower(typeof(x))) END"
    ),
    **{CMP[name]: _comparison(name, *types) for name, types in COMPARISONS.items()},
    # The array and the value are named once, inside a lambda (see engine/macros.py).
    _ARRAY_MATCHES: (
        "(a, v, m) AS CASE WHEN json_type(CAST(a AS JSON)) = 'ARRAY' THEN list_transform(["
        "struct_pack(e := CAST(CAST(a AS JSON) AS JSON[]), "
        f"v := {CATALOG}.{SCHEMA}.{SUPER}(v))], lambda r: CASE "
        "WHEN (r.v IS NULL OR json_type(r.v) = 'NULL') AND NOT m THEN NULL "
        "WHEN r.v IS NULL OR json_type(r.v) = 'NULL' "
        "THEN list_filter(range(len(r.e)), lambda i: r.e[i + 1] IS NULL) "
        "ELSE list_transform([list_filter(range(len(r.e)), lambda i: "
        f"coalesce({CATALOG}.{SCHEMA}.{SUPER_EQ}(r.e[i + 1], r.v), false))], "
        f"lambda p: CASE WHEN len(p) = 0 AND NOT m AND {_HOLDS_NULL} THEN NULL "
        "ELSE p END)[1] END)[1] END"
    ),
    ARRAY_CONTAINS: f"(a, v, m) AS len({_MATCHES}(a, v, m)) > 0",
    ARRAY_POSITION: (
        f"(a, v, m) AS list_transform([{_MATCHES}(a, v, m)], "
        "lambda p: CAST(CASE WHEN p IS NOT NULL THEN coalesce(p[1], -1) END AS INTEGER))[1]"
    ),
    ARRAY_POSITIONS: f"(a, v, m) AS to_json({_MATCHES}(a, v, m))",
    ARRAYS_OVERLAP: (
        "(a, b) AS CASE WHEN json_type(CAST(a AS JSON)) = 'ARRAY' "
        "AND json_type(CAST(b AS JSON)) = 'ARRAY' THEN list_transform([struct_pack("
        "p := CAST(CAST(a AS JSON) AS JSON[]), q := CAST(CAST(b AS JSON) AS JSON[]))], "
        "lambda r: coalesce(list_bool_or(list_transform(r.p, lambda x: coalesce("
        f"list_bool_or(list_transform(r.q, lambda y: {_SAME.format(x='x', y='y')})), "
        "false))), false))[1] END"
    ),
    ARRAY_DISTINCT: (
        "(a) AS CASE WHEN json_type(CAST(a AS JSON)) = 'ARRAY' THEN list_transform("
        "[CAST(CAST(a AS JSON) AS JSON[])], lambda e: to_json(list_transform(list_filter("
        "range(len(e)), lambda i: NOT coalesce(list_bool_or(list_transform(range(i), "
        f"lambda j: {_SAME.format(x='e[j + 1]', y='e[i + 1]')})), false)), "
        "lambda i: e[i + 1])))[1] END"
    ),
    ARRAY_INTERSECTION: "(a, b, d) AS {body}".format(body=_multiset(
        "CASE WHEN d THEN {before} = 0 AND {in_q} > 0 ELSE {before} < {in_q} END")),
    ARRAY_EXCEPT: "(a, b, d) AS {body}".format(body=_multiset(
        "CASE WHEN d THEN {before} = 0 AND {in_q} = 0 ELSE {before} >= {in_q} END")),
    ARRAY_UNION: (
        f"(a, b) AS {CATALOG}.{SCHEMA}.{ARRAY_DISTINCT}({CATALOG}.{SCHEMA}.{SUPER_CONCAT}(a, b))"
    ),
    # Sorted ascending, then reversed for descending; the NULLs set apart and put back.
    ARRAY_SORT: (
        "(a, s, n) AS CASE WHEN json_type(CAST(a AS JSON)) = 'ARRAY' AND s IS NOT NULL "
        "AND n IS NOT NULL THEN list_transform([CAST(CAST(a AS JSON) AS JSON[])], lambda e: "
        f"CASE WHEN {_NESTED.format(kind='ARRAY')} OR {_NESTED.format(kind='OBJECT')} "
        "THEN CAST(error('feature not supported on Duckshift: ARRAY_SORT of an array holding "
        "two arrays or two objects') AS JSON) ELSE list_transform([list_transform(list_sort("
        f"list_transform(list_filter(e, lambda x: x IS NOT NULL), lambda x: {_SORT_KEY})), "
        "lambda t: t.x)], lambda p: to_json(list_transform([CASE WHEN s THEN p "
        "ELSE list_reverse(p) END], lambda q: CASE WHEN n THEN list_concat(list_filter(e, "
        "lambda x: x IS NULL), q) ELSE list_concat(q, list_filter(e, lambda x: x IS NULL)) "
        "END)[1]))[1] END)[1] END"
    ),
    OCTETINDEX: (
        "(a, b) AS CASE WHEN typeof(a) IN ('VARCHAR', '\"NULL\"') "
        "AND typeof(b) IN ('VARCHAR', '\"NULL\"') THEN CAST(CASE "
        "WHEN strpos(CAST(b AS VARCHAR), CAST(a AS VARCHAR)) = 0 THEN 0 "
        "ELSE strlen(left(CAST(b AS VARCHAR), "
        "strpos(CAST(b AS VARCHAR), CAST(a AS VARCHAR)) - 1)) + 1 END AS INTEGER) "
        f"ELSE {_no_function('octetindex')} END"
    ),
}


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) every macro of this module in the engine's in-memory catalog."""
    for name, body in _DEFINITIONS.items():
        con.execute(f"CREATE OR REPLACE MACRO {CATALOG}.{SCHEMA}.{name}{body}")
