"""Macros that translations call where Redshift's answer needs more than one DuckDB function.

They live in the engine's own in-memory catalog (``memory.main``), which every connection of
the instance shares, so they are created once at start-up and cost nothing per session. User
SQL cannot call them: their names carry the internal prefix, which the sandbox refuses, and a
qualified call outside pg_catalog is refused too. The SQL front end calls them qualified,
since a session's search path names only its own database.

* ``AVG`` of an integer argument is a BIGINT truncated toward zero, as Redshift documents (DuckDB
  answers a DOUBLE); the macros pick by the argument's type, the untyped overload being the
  fallback DuckDB takes when the typed one does not match. AVG of a DECIMAL(p, s) is a
  DECIMAL(38, s), as Redshift documents (DuckDB answers a DOUBLE), truncated toward zero like
  the integer average: ``QUOTIENT`` divides the DECIMAL(38, s) sum exactly on its digits and
  casts the text of the quotient to the sum's own type (``list_resize`` casts its fill value
  to the list's element type: the one cast in DuckDB whose target is another expression's
  type, which a macro cannot name). Floating point keeps the engine's answer.
  ``AVG_DISTINCT`` is the same over distinct values; ``AVG_WINDOW`` takes ``sum(x) OVER w``,
  ``count(x) OVER w`` and ``x`` itself (a window's argument is valid where the window is),
  since a macro cannot carry a window; ``AVG_RATIO`` is for a window over an aggregate, where
  DuckDB cannot pick by the argument's type: it divides with ``integer_division`` on, so an
  integer average still truncates.
* ``DIVIDE(n, d, q, f)`` is a division with a DECIMAL operand, exact, as Redshift computes it
  (DuckDB divides DECIMALs in DOUBLE PRECISION): ``n`` and ``d`` are the operands' digits as
  BIGINTs (the translation scales the dividend's to the quotient's scale), ``q`` is n // d,
  which the exact remainder rounds half away from zero, as PostgreSQL's NUMERIC division
  rounds; times ``f`` (one unit of the quotient's scale, a DECIMAL(38, s)) it is the
  quotient, which the translation casts to its DECIMAL(p, s). Past BIGINT's digits,
  HUGEINT's integer division costs about 2 us a row, so there ``DIVIDE_SHARED(n, d, q, x,
  y, f)`` takes the operands' digits ``x`` and ``y`` (BIGINT where they fit), ``n`` =
  ``SHARED_DIVIDEND(x, m)`` = |x| times 10^shift and ``d`` = ``SHARED_DIVISOR(y)`` = |y|
  (1 for a zero) in HUGEINT, and ``q`` within one of n / d: ``SHARED_ESTIMATE(x, y, m)``,
  |x| * m / |y| in DOUBLE PRECISION (right to 15 digits), corrected by ``ESTIMATE(n, d, q,
  y)`` (q plus its exact remainder divided in DOUBLE PRECISION) once up to 30 digits, twice
  up to 38 (each gains about 15 digits); the remainder then rounds q half up, the signs of
  x and y give the sign, and a zero y raises 22012 last. DuckDB computes each mention of
  an expression once in a projection and in an aggregate's arguments (its common
  subexpressions), but not inside a CASE's branch or a later AND/OR operand, nor in a
  filter's or join's condition, and not at all where an error() or CASE is in it: so none
  of the shared parts holds one (about 0.7 us a row in SUM's argument, against 2 us for
  HUGEINT's division and 35 ns for DuckDB's DOUBLE PRECISION one). ``DIVIDE_ONCE(n, d, f)``
  is the same quotient by HUGEINT integer division and remainder (about 2 us a row, 4 ms
  to plan, where the estimates' SQL takes 30 ms to 0.4 s), for a division computed once
  per group of a result. Each of these names its operands
  several times, and DuckDB binds a macro's argument once per mention: a division whose
  operand is another division's translation grows fivefold a level (two levels took 40 s to
  plan). ``DIVIDE_NESTED(n, d, f)`` is ``DIVIDE_ONCE`` naming each operand once, inside a
  lambda, with the zero divisor's 22012 there too, for a division of such operands, and
  for one in a CASE's branch or a later AND/OR operand of a result column (about 9 us a
  row: the HUGEINT division and remainder).
* ``CBRT`` is DuckDB's cube root, made exact for perfect cubes (DuckDB's ``cbrt(27.0)`` is
  3.0000000000000004; PostgreSQL's and Redshift's is 3).
* ``EXP`` and ``POWER`` are DuckDB's, failing where PostgreSQL's floating point functions do
  (DuckDB answers infinity, zero or NaN): a finite argument whose result is infinite
  (22003 ``value out of range: overflow``) or zero (``underflow``), zero raised to a negative
  power and a negative number raised to a non-integer power (2201F). ``DEGREES`` and
  ``RADIANS`` are DuckDB's with PostgreSQL's checks (degrees of a finite value that is
  infinite, 22003 ``value out of range: overflow``; radians of a non-zero value that is zero,
  ``underflow``). ``FLOAT_ADD``,
  ``FLOAT_SUB``, ``FLOAT_MUL`` and ``FLOAT_DIV`` are the arithmetic operators with
  PostgreSQL's float8 checks (an infinite result of finite operands, a zero product or
  quotient of non-zero ones), for an operand that is DOUBLE PRECISION (an explicit cast or a
  column of that type); ``REAL_ADD`` ... are the same in REAL, for two REAL operands. Each
  names its arguments once (inside a lambda), so nested calls do not multiply the expression
  DuckDB binds. ``FLOAT_TOTAL(s, t)`` is a SUM or AVG ``s`` of floating point values failing
  (22003 ``value out of range: overflow``) where it is not finite though its values were:
  ``t``, the SUM of the values times 2^-64, stays finite exactly when every value is.
* ``ROLLED_DATE(s, f, g)`` is TO_DATE's ``strptime(s, f)`` where a day past the month's end
  rolls over into the next month, as Redshift's TO_DATE does by default ('20010631' is
  2001-07-01): ``g`` is ``f`` with the day read as minutes (any number of up to two digits),
  tried only where ``f`` fails, and the day added to the first of the month; text that neither
  reads fails as ``strptime(s, f)`` does. ``STRICT_DATE`` is the same for TO_DATE's
  ``is_strict`` true: such a day fails with Redshift's 22008.
* ``SMALLINT``, ``INTEGER`` and ``BIGINT`` are casts to those types that read a string as
  PostgreSQL does: only an integer's digits (blanks around them and a sign allowed), where
  DuckDB's cast rounds '12.5' to 13 and reads '1e3', '0x1F' and '1_000'; text that is not
  fails with 22P02, digits the type cannot hold with 22003, in PostgreSQL's words. Typed for a
  string, picked when the statement binds: any other value is DuckDB's own cast.
  ``STORED_INTEGER(x, v)`` is a value ``v`` stored into column ``x``: a string stored into a
  SMALLINT, INTEGER or BIGINT column is read by the cast above (DuckDB's implicit cast would
  round '12.5' to 13), anything else (a SUPER value too) is ``v`` unchanged. Only the
  overload DuckDB picks by the two types is expanded, so ``x`` (a typed sample of the
  column) is never evaluated.
* ``TRUNC`` of one argument is the date of a timestamp (Redshift's ``TRUNC(timestamp)``)
  and DuckDB's ``trunc`` of a number.
* ``CUT`` truncates a string to a number of bytes without splitting a character: Redshift's
  lengths are in bytes, and an explicit cast to a shorter VARCHAR(n) or CHAR(n) truncates.
* ``CHAR`` is an explicit cast to CHAR(n) where its blanks do not show: cut as ``CUT`` does,
  without trailing blanks (which a CHAR value's comparisons, grouping and length disregard).
  ``PAD`` is the same cast where they show: padded with blanks to n bytes, as Redshift returns
  a CHAR value.
* ``BARE`` is a string without its trailing blanks, as Redshift compares VARCHAR values
  (``proxy/sql/transforms/varchar_blanks.py``): ``rtrim(x, ' ')`` only where ``x`` ends with a
  blank (measured on 5M rows: ``rtrim`` on every value costs 5-7 times a comparison, this
  about 1.3 times).
  ``BARE_DISTINCT(l)`` is a list of distinct strings as Redshift's DISTINCT sees them: of the
  values equal without their trailing blanks, the one with the fewest blanks (the smallest),
  in the order of their values without blanks (LISTAGG(DISTINCT),
  ``proxy/sql/transforms/varchar_groups.py``). The list is sorted once, by the value without
  blanks and then the value, so each set's first is the one kept.
* ``VARBYTE`` is Redshift's cast to VARBYTE, picked by the argument's type: the UTF-8 bytes of
  a string, the two, four or eight big-endian bytes of a SMALLINT, INTEGER or BIGINT (two's
  complement), a VARBYTE itself. DuckDB's own cast reads ``\\x`` escapes in a string and
  refuses integers.
* ``OCTETS`` is OCTET_LENGTH: the bytes of a VARBYTE, of a string's UTF-8 text, of anything
  else's text. ``LENGTH`` is LEN/LENGTH: a string's characters, a VARBYTE's bytes (DuckDB has
  no ``length`` of a BLOB).
* ``TEXT`` is what a cast to a character type reads, by the value's type: a VARBYTE's bytes as
  UTF-8 (DuckDB's cast prints ``\\x`` escapes for the bytes that are not ASCII); a SUPER
  string's text without its JSON quotes and a SUPER number's digits, where DuckDB's cast keeps
  the JSON text; NULL for a SUPER boolean, object, array or null, which have no cast to
  VARCHAR (Redshift's lax casts of SUPER give NULL for what would be an error); a DOUBLE
  PRECISION's text as ``DOUBLE_TEXT`` makes it, a REAL's as ``REAL_TEXT``; anything else's
  own text.
* ``DOUBLE_TEXT(t, w)`` is the text PostgreSQL and Redshift give a DOUBLE PRECISION, from
  DuckDB's text ``t`` of it, with ``w`` 16: both are its shortest round-trip digits, but DuckDB
  writes an integral value with ``.0`` (``2.0``, PostgreSQL ``2``), keeps fixed notation up to
  1e16 (PostgreSQL's exponent form starts at 1e15, an integer part of ``w`` digits:
  ``1e+15``) and spells ``nan``/``inf`` (``NaN``/``Infinity``). Only the fixed form from there
  on is rebuilt, from its digits.
* ``REAL_TEXT(x)`` is a REAL's text: its shortest digits that read back as the same REAL
  (DuckDB's own text of a REAL is not always the shortest: ``425640.375``, PostgreSQL
  ``425640.38``), in ``DOUBLE_TEXT``'s form with the exponent from 1e6 on (``w`` 7).
* ``SUBSTR`` is SUBSTRING/SUBSTR of a VARBYTE, in bytes, with Redshift's positions (a start
  below 1 counts the positions before the value; a negative length fails, 22011).
* ``SUBSTRING`` is SUBSTRING/SUBSTR whose positions are already DuckDB's (a first byte or
  character of at least 1, a length of at least 0): typed for a VARBYTE (a slice, in bytes)
  and for a string, whose body is DuckDB's substring itself, so a string's SUBSTRING costs
  what DuckDB's does (the overload is picked when the statement binds; for an aggregate's
  value, whose type DuckDB does not know then, both match and the call fails rather than pick
  one).
* ``LITERAL_BYTES(x, h, t)`` is a string literal ``t`` written beside ``x`` (``x || 'abc'``):
  its UTF-8 bytes (``h``, their hex) where ``x`` is a VARBYTE, as Redshift reads it, the
  literal itself otherwise. ``LITERAL_OPERAND`` is the same for a bitwise operator, whose
  literal is cast to ``x``'s own type otherwise (``i & '5'`` is an integer's). Both are typed
  for a VARBYTE, picked when the statement binds.
* ``DATESTYLE(x, iso, t)`` is a string literal ``t`` read beside ``x`` (compared with it,
  stored into it): ``iso``, its date read in the session's DateStyle order, where ``x`` is a
  DATE, TIMESTAMP or TIMESTAMPTZ, the literal as written otherwise (a string compared with a
  string). Typed overloads picked when the statement binds; VARCHAR is typed too, since
  DuckDB would rather cast a string to a typed DATE than take an untyped parameter.
* ``BITS_NOT``, ``BITS_AND``, ``BITS_OR`` and ``BITS_XOR`` are the bitwise operators where the
  statement does not show whether the operands are VARBYTE values or integers, by typeof: of
  VARBYTE values through DuckDB's BIT strings (which refuse an empty value: it stays empty;
  Redshift does not document operands of different lengths, so they are refused, 0A000), of
  integers as DuckDB's, in their own type; PostgreSQL's 42883 ``operator does not exist`` for
  other types.
* ``SUPER`` is an explicit cast to SUPER: a string becomes a SUPER string (DuckDB's cast to
  JSON would parse it; Redshift parses only in JSON_PARSE), a date or time is refused as
  Redshift refuses it (42846), a DECIMAL keeps its scale (``1.50``), a REAL or DOUBLE
  PRECISION is written with an exponent (``2.22e+0``, as Redshift prints a SUPER float), so
  that the text says which it was; anything else is DuckDB's JSON of it.
* ``SUPER_DECIMAL(x)`` is the text of a SUPER number that is a DECIMAL (written without an
  exponent; integers included), NULL for anything else; ``SUPER_FLOAT(x)`` whether x is a
  SUPER float (a number written with an exponent). IS_DECIMAL, IS_FLOAT, DECIMAL_PRECISION
  and DECIMAL_SCALE read them.
* ``SUPER_CONCAT``, ``SUPER_FLATTEN`` and ``SUBARRAY`` are ARRAY_CONCAT, ARRAY_FLATTEN and
  SUBARRAY of SUPER arrays (DuckDB JSON), through DuckDB lists of JSON values; NULL for a value
  that is not an array (Redshift's lax mode). SUBARRAY's start counts from 0, a negative one
  from the end.
* ``SUPER_EQ``, ``SUPER_NE``, ``SUPER_LT``, ``SUPER_LE``, ``SUPER_GT`` and ``SUPER_GE`` compare
  two SUPER values (an operand that is not one is made one by ``SUPER`` first) with
  Redshift's dynamic typing (DuckDB compares JSON as its text, so 10 < 9): numbers compare by value
  (integers exactly, others as DOUBLE), strings as strings, booleans as booleans, two arrays
  or objects are equal when their text is; values of different types are never equal (the
  comparison is false, ``<>`` true), and a null (SQL or JSON) gives NULL. ``SUPER_ADD``,
  ``SUPER_SUB``, ``SUPER_MUL``, ``SUPER_DIV``, ``SUPER_MOD`` and ``SUPER_NEG`` are the
  arithmetic operators: numbers give a SUPER number (integers stay integers, a division of two
  of them truncates; a float makes the result a float; a zero divisor is 22012), ``+`` of two
  strings concatenates them, anything else is NULL. ``SUPER_KEY`` orders SUPER values that
  way (nulls, then numbers by value, strings, booleans, then arrays and objects by their
  text), for ORDER BY, MIN and MAX. ``SUPER_SUM`` and ``SUPER_AVG`` are SUM and AVG of SUPER
  values, a SUPER number: integers sum as integers (AVG truncates, as Redshift's AVG of
  integers does), a float makes the result a float, nulls are skipped; a value that is not a
  number is refused (0A000), as Redshift does not document what it does with one.
  ``SUPER_FLOOR``, ``SUPER_CEIL``, ``SUPER_ROUND``, ``SUPER_TRUNC`` and ``SUPER_ABS`` are
  FLOOR, CEIL, ROUND, TRUNC and ABS of a SUPER value: NULL unless it is a number (Redshift's
  documented behaviour); the first four make an integer of it (Redshift's documented example
  drops the scale of a decimal), ABS keeps its kind.
* ``GETBIT(v, i)`` is bit i of a VARBYTE, counted from its rightmost (least significant) bit;
  DuckDB's ``get_bit`` counts from the leftmost. A bit outside the value is PostgreSQL's
  2202E ``index i out of valid range, 0..n``.
* ``LOCAL(x, zone)`` is a TIMESTAMPTZ shifted so that its UTC fields are its wall clock in
  ``zone`` (the engine runs in UTC, a session may not): date parts, truncation, formatting
  and casts to TIMESTAMP, DATE or TIME then see the session's fields. ``UNLOCAL`` shifts a
  result back. Any other type passes unchanged. ``ZONED(x, zone)`` is a cast to TIMESTAMPTZ
  that reads a TIMESTAMP, a DATE or a string without an offset as a time in ``zone``.
  ``OPERAND(x, v, zone)`` is ``v`` as an implicit conversion to ``x``'s type reads it: through
  ``ZONED`` where ``x`` is a TIMESTAMPTZ, unchanged otherwise (a comparison's other side, a
  value stored into a column). ``STORED(x, v, zone)`` is a value (not a literal) stored into
  column ``x``: also a TIMESTAMPTZ stored into a TIMESTAMP or DATE column is its wall clock in
  ``zone`` (``LOCAL``). ``COMPARED[op](a, b, zone)`` is ``a op b`` where neither type is
  known to translation (two columns): a TIMESTAMP or a DATE beside a TIMESTAMPTZ is read in
  ``zone``, any other pair compares as written. ``CONCAT(a, b, zone)`` is ``a || b`` with a
  TIMESTAMPTZ operand shown in ``zone`` as results are (``2024-03-10 01:30:00-05``).
  ``BRANCHES(n, zoned, local)`` is a CASE, COALESCE, GREATEST or LEAST ``n`` whose branches
  meet in a TIMESTAMPTZ: ``zoned`` (the same with each branch through ``ZONED``) where one of
  them is a TIMESTAMP, a DATE or a string (``local``, a condition on their types), ``n``
  otherwise.
"""

from __future__ import annotations

import duckdb

from engine.storage import INTERNAL_PREFIX
from engine.time_zones import TZ_OFFSET

CATALOG = "memory"
SCHEMA = "main"

AVG = f"{INTERNAL_PREFIX}avg"
AVG_DISTINCT = f"{INTERNAL_PREFIX}avg_distinct"
AVG_WINDOW = f"{INTERNAL_PREFIX}avg_window"
AVG_RATIO = f"{INTERNAL_PREFIX}avg_ratio"
QUOTIENT = f"{INTERNAL_PREFIX}quotient"
DIVIDE = f"{INTERNAL_PREFIX}divide"
DIVIDE_ONCE = f"{INTERNAL_PREFIX}divide_once"
DIVIDE_NESTED = f"{INTERNAL_PREFIX}divide_nested"
ESTIMATE = f"{INTERNAL_PREFIX}estimate"
DIVIDE_SHARED = f"{INTERNAL_PREFIX}divide_shared"
SHARED_DIVIDEND = f"{INTERNAL_PREFIX}shared_dividend"
SHARED_DIVISOR = f"{INTERNAL_PREFIX}shared_divisor"
SHARED_ESTIMATE = f"{INTERNAL_PREFIX}shared_estimate"
_ROUNDED = f"{INTERNAL_PREFIX}rounded"
# A divisor's digits y as DOUBLE PRECISION, made positive (1 for a zero), as SHARED_DIVISOR.
_POSITIVE_DOUBLE = "CAST(abs(y) + CAST(y = 0 AS TINYINT) AS DOUBLE)"
_DECIMAL_TEXT = f"{INTERNAL_PREFIX}decimal_text"
CBRT = f"{INTERNAL_PREFIX}cbrt"
EXP = f"{INTERNAL_PREFIX}exp"
POWER = f"{INTERNAL_PREFIX}power"
DEGREES = f"{INTERNAL_PREFIX}degrees"
RADIANS = f"{INTERNAL_PREFIX}radians"
FLOAT_ADD = f"{INTERNAL_PREFIX}float_add"
FLOAT_SUB = f"{INTERNAL_PREFIX}float_sub"
FLOAT_MUL = f"{INTERNAL_PREFIX}float_mul"
FLOAT_DIV = f"{INTERNAL_PREFIX}float_div"
FLOAT_TOTAL = f"{INTERNAL_PREFIX}float_total"
REAL_ADD = f"{INTERNAL_PREFIX}real_add"
REAL_SUB = f"{INTERNAL_PREFIX}real_sub"
REAL_MUL = f"{INTERNAL_PREFIX}real_mul"
REAL_DIV = f"{INTERNAL_PREFIX}real_div"
CUT = f"{INTERNAL_PREFIX}cut"
TRUNC = f"{INTERNAL_PREFIX}trunc"
# DuckDB's name of an integer type -> the macro casting to it (and PostgreSQL's name of it).
INTEGER_CASTS = {
    "SMALLINT": (f"{INTERNAL_PREFIX}smallint", "smallint"),
    "INTEGER": (f"{INTERNAL_PREFIX}integer", "integer"),
    "BIGINT": (f"{INTERNAL_PREFIX}bigint", "bigint"),
}
STORED_INTEGER = f"{INTERNAL_PREFIX}stored_integer"
ROLLED_DATE = f"{INTERNAL_PREFIX}rolled_date"
STRICT_DATE = f"{INTERNAL_PREFIX}strict_date"
CHAR = f"{INTERNAL_PREFIX}char"
PAD = f"{INTERNAL_PREFIX}pad"
VARBYTE = f"{INTERNAL_PREFIX}varbyte"
OCTETS = f"{INTERNAL_PREFIX}octets"
BARE = f"{INTERNAL_PREFIX}bare"
BARE_DISTINCT = f"{INTERNAL_PREFIX}bare_distinct"
LENGTH = f"{INTERNAL_PREFIX}length"
TEXT = f"{INTERNAL_PREFIX}text"
DOUBLE_TEXT = f"{INTERNAL_PREFIX}double_text"
REAL_TEXT = f"{INTERNAL_PREFIX}real_text"
SUBSTR = f"{INTERNAL_PREFIX}substr"
SUBSTRING = f"{INTERNAL_PREFIX}substring"
LITERAL_BYTES = f"{INTERNAL_PREFIX}literal_bytes"
LITERAL_OPERAND = f"{INTERNAL_PREFIX}literal_operand"
DATESTYLE = f"{INTERNAL_PREFIX}datestyle"
BITS_NOT = f"{INTERNAL_PREFIX}bits_not"
BITS_AND = f"{INTERNAL_PREFIX}bits_and"
BITS_OR = f"{INTERNAL_PREFIX}bits_or"
BITS_XOR = f"{INTERNAL_PREFIX}bits_xor"
GETBIT = f"{INTERNAL_PREFIX}getbit"
SUPER = f"{INTERNAL_PREFIX}super"
SUPER_CONCAT = f"{INTERNAL_PREFIX}super_concat"
SUPER_FLATTEN = f"{INTERNAL_PREFIX}super_flatten"
SUBARRAY = f"{INTERNAL_PREFIX}subarray"
SUPER_EQ = f"{INTERNAL_PREFIX}super_eq"
SUPER_NE = f"{INTERNAL_PREFIX}super_ne"
SUPER_LT = f"{INTERNAL_PREFIX}super_lt"
SUPER_LE = f"{INTERNAL_PREFIX}super_le"
SUPER_GT = f"{INTERNAL_PREFIX}super_gt"
SUPER_GE = f"{INTERNAL_PREFIX}super_ge"
SUPER_ADD = f"{INTERNAL_PREFIX}super_add"
SUPER_SUB = f"{INTERNAL_PREFIX}super_sub"
SUPER_MUL = f"{INTERNAL_PREFIX}super_mul"
SUPER_DIV = f"{INTERNAL_PREFIX}super_div"
SUPER_MOD = f"{INTERNAL_PREFIX}super_mod"
SUPER_NEG = f"{INTERNAL_PREFIX}super_neg"
SUPER_KEY = f"{INTERNAL_PREFIX}super_key"
SUPER_SUM = f"{INTERNAL_PREFIX}super_sum"
SUPER_AVG = f"{INTERNAL_PREFIX}super_avg"
SUPER_FLOOR = f"{INTERNAL_PREFIX}super_floor"
SUPER_CEIL = f"{INTERNAL_PREFIX}super_ceil"
SUPER_ROUND = f"{INTERNAL_PREFIX}super_round"
SUPER_TRUNC = f"{INTERNAL_PREFIX}super_trunc"
SUPER_ABS = f"{INTERNAL_PREFIX}super_abs"
SUPER_DECIMAL = f"{INTERNAL_PREFIX}super_decimal"
SUPER_FLOAT = f"{INTERNAL_PREFIX}super_float"
_SUPER_ORDER = f"{INTERNAL_PREFIX}super_order"
_SUPER_ARITH = f"{INTERNAL_PREFIX}super_arith"
ZONE_INSTANT = f"{INTERNAL_PREFIX}zone_instant"
ZONE_WALL_CLOCK = f"{INTERNAL_PREFIX}zone_wall_clock"
LOCAL = f"{INTERNAL_PREFIX}local"
UNLOCAL = f"{INTERNAL_PREFIX}unlocal"
ZONED = f"{INTERNAL_PREFIX}zoned"
OPERAND = f"{INTERNAL_PREFIX}operand"
OPERAND_OF_AGGREGATE = f"{INTERNAL_PREFIX}operand_of_aggregate"
CONCAT = f"{INTERNAL_PREFIX}concat"
BRANCHES = f"{INTERNAL_PREFIX}branches"
_SHOWN = f"{INTERNAL_PREFIX}shown"
# A comparison of two operands whose types translation cannot see, by its operator.
COMPARED = {
    op: f"{INTERNAL_PREFIX}compared_{name}" for op, name in (
        ("=", "eq"), ("<>", "ne"), ("<", "lt"), ("<=", "le"), (">", "gt"), (">=", "ge"),
        ("IS NOT DISTINCT FROM", "same"), ("IS DISTINCT FROM", "distinct"))
}
# The same comparisons by typed overloads, for an operand holding a subquery (which the typeof
# branches would plan once each) and for an outer join's or MERGE's ON condition (whose join
# algorithm DuckDB picks before it folds typeof branches).
COMPARED_TYPED = {op: f"{name}_typed" for op, name in COMPARED.items()}
STORED = f"{INTERNAL_PREFIX}stored"
# A UNION (INTERSECT, EXCEPT) branch's value beside the other branches' values.
BESIDE_BRANCHES = f"{INTERNAL_PREFIX}beside_branches"
# A TIME or TIMESTAMP (or a time string without a zone) cast to TIMETZ in a session's zone.
ZONED_TIMETZ = f"{INTERNAL_PREFIX}zoned_timetz"
# EXTRACT of TIMEZONE, TIMEZONE_HOUR or TIMEZONE_MINUTE: a TIMESTAMPTZ's offset in a zone.
ZONE_FIELD = f"{INTERNAL_PREFIX}zone_field"
# The outer operand of IN, ANY or ALL over a subquery, as the subquery's type reads it.
BESIDE_SUBQUERY = f"{INTERNAL_PREFIX}beside_subquery"

# Text that ends in a written zone after a time of day (an offset, Z, a name): DuckDB's cast to
# TIMESTAMP would drop it, so such a string is read as a TIMESTAMPTZ whatever the session's zone.
WRITTEN_ZONE = r"\d:\d{2}(:\d{2}(\.\d*)?)?\s*(z|[+-]\d{1,2}(:?\d{2}){0,2}|[a-z][a-z0-9_/+-]*)\s*$"
_IS_TSTZ = "typeof({v}) = 'TIMESTAMP WITH TIME ZONE'"
_INSTANT = f"{CATALOG}.{SCHEMA}.{ZONE_INSTANT}"
# Whether zone z is the engine's: stored SQL (a view) names the running session's zone through a
# variable, which DuckDB folds when it plans, so a UTC reader's conversions fold away.
_UTC = "z IN ('UTC', 'Etc/UTC')"
_WALL = f"{CATALOG}.{SCHEMA}.{ZONE_WALL_CLOCK}"
# A fixed offset that is not whole hours (proxy/session_zone.py), '+05:30', in seconds east.
_OFFSET = ("(CASE WHEN z[1] = '-' THEN -1 ELSE 1 END) "
           "* (CAST(z[2:3] AS INTEGER) * 3600 + CAST(z[5:6] AS INTEGER) * 60)")
# A value as a TIMESTAMPTZ through its text: binds for an argument of any type, so the branch
# that only a TIMESTAMPTZ takes binds too where the argument is a TIME or an INTERVAL.
_AS_TSTZ = "CAST(CAST({v} AS VARCHAR) AS TIMESTAMPTZ)"

# A prefix of at most n bytes ends on a character boundary at one of n, n-1, n-2, n-3 bytes
# (UTF-8 characters are 1 to 4 bytes): the longest one that the next byte does not continue.
# Found by the bytes rather than by trying to decode each prefix: DuckDB refuses TRY over a
# scalar subquery, which a cast of a catalog function's value is.
_CONTINUES = "(encode(s)[{p}:{p}] >= '\\x80'::BLOB AND encode(s)[{p}:{p}] < '\\xC0'::BLOB)"
_CUT_CALL = f"{CATALOG}.{SCHEMA}.{CUT}(s, n)"
_BACK = " ".join(
    f"WHEN NOT {_CONTINUES.format(p=f'n + {1 - k}')} THEN {k}" for k in range(3)
)

# The digits of q (an integer), at least k + 1 of them (lpad also cuts a longer string).
_DIGITS = (
    "lpad(CAST(abs(q) AS VARCHAR), "
    "CAST(greatest(k + 1, length(CAST(abs(q) AS VARCHAR))) AS INTEGER), '0')"
)
# The scaled integer of a DECIMAL s (2.50 is 250) and its scale, read from its type.
_SCALED = "CAST(replace(CAST(s AS VARCHAR), '.', '') AS HUGEINT)"
_SCALE = "CAST(regexp_extract(typeof(s), ',(\\d+)\\)', 1) AS INTEGER)"

# The first byte or character SUBSTRING keeps, and the end of a slice of n from s: an end
# below 1 is an empty slice (a slice's negative bounds count from the end).
_FIRST = "greatest(s, 1)"
_SLICE_END = "greatest(s + n - 1, 0)"
# A SUPER string's text, without its quotes.
_STRING = "json_extract_string({v}, '$')"
# A SUPER scalar's text: a string without its quotes, a number as written.
_SUPER_TEXT = (
    "CASE json_type(CAST(x AS JSON)) "
    f"WHEN 'VARCHAR' THEN {_STRING.format(v='CAST(x AS JSON)')} "
    "WHEN 'BIGINT' THEN CAST(x AS VARCHAR) WHEN 'UBIGINT' THEN CAST(x AS VARCHAR) "
    "WHEN 'DOUBLE' THEN CAST(x AS VARCHAR) END"
)
# Whether the SUPER value {v} is an array, and its elements as a DuckDB list of JSON values.
_IS_ARRAY = "json_type(CAST({v} AS JSON)) = 'ARRAY'"
_ELEMENTS = "CAST(CAST({v} AS JSON) AS JSON[])"
_DIFFERENT_LENGTHS = (
    "feature not supported on Duckshift: bitwise operators on VARBYTE values of different "
    "lengths"
)
_INTEGERS = "('TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT')"


def _no_operator(symbol: str, *operands: str) -> str:
    """PostgreSQL's error for an operator of types it does not take (by DuckDB's type names)."""
    types = f" || ' {symbol} ' || ".join(f"lower(typeof({o}))" for o in operands)
    prefix = f"'operator does not exist: {'' if len(operands) > 1 else symbol + ' '}'"
    return f"error({prefix} || {types})"


# The class of a SUPER value {v} (JSON): n number, s string, b boolean, c array or object;
# NULL for a null.
_SUPER_CLASS = (
    "CASE json_type({v}) WHEN 'BIGINT' THEN 'n' WHEN 'UBIGINT' THEN 'n' WHEN 'DOUBLE' THEN 'n' "
    "WHEN 'VARCHAR' THEN 's' WHEN 'BOOLEAN' THEN 'b' WHEN 'NULL' THEN NULL ELSE 'c' END"
)
_SUPER_INTEGERS = "json_type(r.a) <> 'DOUBLE' AND json_type(r.b) <> 'DOUBLE'"
# ``op`` of two SUPER numbers in DOUBLE PRECISION.
_SUPER_DOUBLE_ARITH = (
    "CASE op WHEN '+' THEN CAST(r.a AS DOUBLE) + CAST(r.b AS DOUBLE) "
    "WHEN '-' THEN CAST(r.a AS DOUBLE) - CAST(r.b AS DOUBLE) "
    "WHEN '*' THEN CAST(r.a AS DOUBLE) * CAST(r.b AS DOUBLE) "
    "WHEN '/' THEN CAST(r.a AS DOUBLE) / CAST(r.b AS DOUBLE) "
    "ELSE fmod(CAST(r.a AS DOUBLE), CAST(r.b AS DOUBLE)) END"
)
_THREE_WAY = "CASE WHEN {x} < {y} THEN -1 WHEN {x} > {y} THEN 1 ELSE 0 END"


# A DOUBLE ``{d}`` as a SUPER float: its shortest digits with an exponent, as ``SUPER`` writes
# one (a value that is not finite as DuckDB's JSON of it). No macro call and no lambda: the
# aggregates' bodies are written out over a window, each column in them their argument.
_FLOAT_TEXT = (
    "CASE WHEN isfinite({d}) THEN CAST(CAST({d} AS VARCHAR) || CASE WHEN "
    "contains(CAST({d} AS VARCHAR), 'e') THEN '' ELSE 'e+0' END AS JSON) ELSE to_json({d}) END"
)
# Whether a SUPER value ``{v}`` is a float (a number written with an exponent, ``SUPER_FLOAT``).
_IS_FLOAT = "(json_type({v}) = 'DOUBLE' AND regexp_matches(CAST({v} AS VARCHAR), '[eE]'))"


# SUM or AVG of SUPER values: one of their numbers' aggregate (integers, or DOUBLE where one is
# a float), refused where a value is a string, a boolean, an array or an object.
_SUPER_AGGREGATE = (
    "CASE WHEN count(CASE WHEN json_type(CAST(x AS JSON)) NOT IN ('BIGINT', 'UBIGINT', "
    "'DOUBLE', 'NULL') THEN 1 END) > 0 THEN CAST(error('feature not supported on Duckshift: "
    "{name} of a SUPER value that is not a number') AS JSON) "
    "WHEN bool_or(" + _IS_FLOAT.format(v="CAST(x AS JSON)") + ") THEN {float_text} "
    "WHEN bool_or(json_type(CAST(x AS JSON)) = 'DOUBLE') "
    "THEN to_json({floats}) ELSE to_json({integers}) END"
)
_SUPER_NUMBER = "TRY_CAST(CAST(x AS JSON) AS {kind})"
_SUPER_COUNT = (
    "count(CASE WHEN json_type(CAST(x AS JSON)) IN ('BIGINT', 'UBIGINT', 'DOUBLE') THEN 1 END)"
)

# The bodies of SUPER_SUM and SUPER_AVG, of their argument ``x``: as window functions they
# are written out with each aggregate over the window (a macro cannot take OVER).
_SUPER_FLOATS = {
    "SUM": f"sum({_SUPER_NUMBER.format(kind='DOUBLE')})",
    # favg: a window's body goes through translation after this, whose rewrite of AVG
    # (Redshift's AVG of integers) is not for these DOUBLEs.
    "AVG": f"favg({_SUPER_NUMBER.format(kind='DOUBLE')})",
}
# A float among the values makes the result a float; decimals alone give a decimal (computed
# in DOUBLE PRECISION, written without an exponent).
SUPER_AGGREGATES = {
    SUPER_SUM: _SUPER_AGGREGATE.format(
        name="SUM", floats=_SUPER_FLOATS["SUM"],
        float_text=_FLOAT_TEXT.format(d=_SUPER_FLOATS["SUM"]),
        integers=f"sum({_SUPER_NUMBER.format(kind='HUGEINT')})"),
    SUPER_AVG: _SUPER_AGGREGATE.format(
        name="AVG", floats=_SUPER_FLOATS["AVG"],
        float_text=_FLOAT_TEXT.format(d=_SUPER_FLOATS["AVG"]),
        integers=f"sum({_SUPER_NUMBER.format(kind='HUGEINT')}) // nullif({_SUPER_COUNT}, 0)"),
}


def _super_rounded(function: str) -> str:
    """FLOOR, CEIL, ROUND or TRUNC of a SUPER value: an integer, NULL for what is not a
    number."""
    return (
        "(x) AS list_transform([CAST(x AS JSON)], lambda v: CASE json_type(v) "
        "WHEN 'BIGINT' THEN v WHEN 'UBIGINT' THEN v "
        f"WHEN 'DOUBLE' THEN to_json(CAST({function}(CAST(v AS DOUBLE)) AS HUGEINT)) END)[1]"
    )


def _super_compare(test: str) -> str:
    """A comparison of two SUPER values: ``test`` on their order."""
    return f"(a, b) AS {CATALOG}.{SCHEMA}.{_SUPER_ORDER}(a, b) {test}"


def _super_operator(op: str) -> str:
    """An arithmetic operator of two SUPER values."""
    return f"(a, b) AS {CATALOG}.{SCHEMA}.{_SUPER_ARITH}(a, b, '{op}')"


def _bitwise(operation: str, symbol: str) -> str:
    """A binary bitwise macro of VARBYTE values or integers, by typeof; ``operation`` combines
    x and y. Each branch is cast to the operands' common type by list_resize, since a CASE
    cannot answer a BLOB in one branch and an integer in another."""
    a, b = "CAST(a AS BLOB)", "CAST(b AS BLOB)"
    bits = operation.format(x=f"CAST({a} AS BIT)", y=f"CAST({b} AS BIT)")
    blobs = (
        f"CASE WHEN octet_length({a}) <> octet_length({b}) "
        f"THEN error('{_DIFFERENT_LENGTHS}') "
        f"WHEN octet_length({a}) = 0 THEN {a} ELSE CAST({bits} AS BLOB) END"
    )
    integers = operation.format(x="CAST(a AS HUGEINT)", y="CAST(b AS HUGEINT)")
    return (
        "(a, b) AS CASE WHEN typeof(a) = 'BLOB' AND typeof(b) = 'BLOB' "
        f"THEN list_resize([a, b], 3, {blobs})[3] "
        f"WHEN typeof(a) IN {_INTEGERS} AND typeof(b) IN {_INTEGERS} "
        f"THEN list_resize([a, b], 3, {integers})[3] "
        f"ELSE {_no_operator(symbol, 'a', 'b')} END"
    )


def _compared(op: str) -> str:
    """The macro of comparison ``op`` where DuckDB, not translation, sees the types. By typeof
    (folded to a constant, so that a comparison of other types is the plain one and joins and
    filters keep their plans), not typed overloads: DuckDB cannot pick an overload by the type
    of a NULL, an aggregate or a correlated column. Every branch is a BOOLEAN, and the casts
    of the branches not taken bind for any type."""
    temporal = "typeof({v}) IN ('TIMESTAMP', 'DATE')"
    return (
        f"(a, b, z) AS CASE WHEN {_IS_TSTZ.format(v='a')} AND {temporal.format(v='b')} "
        f"THEN CAST(a AS TIMESTAMPTZ) {op} {_INSTANT}(z, CAST(b AS TIMESTAMP)) "
        f"WHEN {_IS_TSTZ.format(v='b')} AND {temporal.format(v='a')} "
        f"THEN {_INSTANT}(z, CAST(a AS TIMESTAMP)) {op} CAST(b AS TIMESTAMPTZ) "
        f"ELSE a {op} b END"
    )


_OVERFLOW = "error('value out of range: overflow')"
_UNDERFLOW = "error('value out of range: underflow')"
_FINITE = "NOT isinf({v})"
# PostgreSQL's RADIANS_PER_DEGREE (float.c), as a DOUBLE.
_RADIANS_PER_DEGREE = "CAST('0.017453292519943295' AS DOUBLE)"


def _float_operator(op: str, underflow: str, kind: str = "DOUBLE") -> str:
    """A float8 (or, ``kind`` FLOAT, float4) operator that fails where PostgreSQL's does (see
    the module docstring)."""
    result = f"v[1] {op} v[2]"
    checks = (f"WHEN isinf({result}) AND {_FINITE.format(v='v[1]')} "
              f"AND {_FINITE.format(v='v[2]')} THEN {_OVERFLOW} ")
    if underflow:
        checks += f"WHEN {result} = 0 AND {underflow} THEN {_UNDERFLOW} "
    return (f"(a {kind}, b {kind}) AS list_transform([[a, b]], lambda v: CASE {checks}"
            f"ELSE {result} END)[1]")


# The types that convert into one another. Every pair of them has its own overload: DuckDB
# prefers an implicit cast to an untyped parameter, so a TIMESTAMP beside a TIMESTAMP would
# otherwise take a (TIMESTAMP, TIMESTAMPTZ) overload by casting in UTC.
_DATETIME_TYPES = ("TIMESTAMPTZ", "TIMESTAMP", "DATE", "VARCHAR")


def _integer_cast(duck_type: str, pg_name: str) -> str:
    """A cast to an integer type reading a string as PostgreSQL does (module docstring)."""
    return (
        f"(s VARCHAR) AS CASE WHEN regexp_full_match(s, '\\s*[-+]?[0-9]+\\s*') "
        f"THEN coalesce(TRY_CAST(s AS {duck_type}), "
        f"error('value \"' || s || '\" is out of range for type {pg_name}')) "
        f"WHEN s IS NOT NULL "
        f"THEN error('invalid input syntax for type {pg_name}: \"' || s || '\"') END, "
        f"(s) AS CAST(s AS {duck_type})"
    )


def _compared_typed(op: str) -> str:
    """The macro of comparison ``op`` by typed overloads, which DuckDB picks when it binds and
    whose bodies name each operand once: a TIMESTAMP or DATE beside a TIMESTAMPTZ is read in
    ``z``, any other pair compares as written (a plain comparison, so a join keeps its hash
    join). Unlike ``_compared`` it cannot take a NULL, an aggregate or a correlated operand,
    whose overload DuckDB cannot pick."""
    overloads = []
    for a in _DATETIME_TYPES:
        for b in _DATETIME_TYPES:
            left, right = "a", "b"
            if (a == "VARCHAR") != (b == "VARCHAR"):
                # A string that is not a literal beside a date or a time stamp, as in
                # PostgreSQL (whose text has no such operator).
                overloads.append(f"(a {a}, b {b}, z) AS {_no_operator(op, 'a', 'b')}")
                continue
            if a == "TIMESTAMPTZ" and b in ("TIMESTAMP", "DATE"):
                right = f"{_INSTANT}(z, CAST(b AS TIMESTAMP))"
            elif b == "TIMESTAMPTZ" and a in ("TIMESTAMP", "DATE"):
                left = f"{_INSTANT}(z, CAST(a AS TIMESTAMP))"
            overloads.append(f"(a {a}, b {b}, z) AS {left} {op} {right}")
    return ", ".join([*overloads, f"(a, b, z) AS a {op} b"])


def _beside(refused: str | None) -> str:
    """``(q, v, z)``: ``v`` beside the values of subquery ``q``, by typed overloads on ``q``'s
    type, which DuckDB binds without running ``q``: a TIMESTAMP or DATE ``v`` beside
    TIMESTAMPTZ values is read in ``z``; a TIMESTAMPTZ ``v`` beside TIMESTAMP or DATE values
    is ``refused`` where that is given (each of those would need reading in ``z`` instead)."""
    overloads = []
    for q in _DATETIME_TYPES:
        for v in _DATETIME_TYPES:
            body = "v"
            if q == "TIMESTAMPTZ" and v in ("TIMESTAMP", "DATE"):
                body = f"{_INSTANT}(z, CAST(v AS TIMESTAMP))"
            elif refused and v == "TIMESTAMPTZ" and q in ("TIMESTAMP", "DATE"):
                body = f"list_resize([v], 2, {refused})[2]"
            overloads.append(f"(q {q}, v {v}, z) AS {body}")
    return ", ".join([*overloads, "(q, v, z) AS v"])


_DEFINITIONS = {
    # timezone(z, x) for a session's zone z, which may also be a fixed offset of other than
    # whole hours ('+05:30', east of UTC), which no zone name DuckDB knows means: the instant a
    # wall clock (TIMESTAMP) names, and the wall clock of an instant (TIMESTAMPTZ). Where z is
    # a name (a constant), DuckDB folds the CASE to timezone(z, x) when it binds. Untyped, as
    # an aggregate's value picks no typed overload.
    ZONE_INSTANT: (
        f"(z, x) AS CASE WHEN {_UTC} THEN CAST(CAST(x AS TIMESTAMP) AS TIMESTAMPTZ) "
        f"WHEN z[1] IN ('+', '-') THEN CAST(CAST(x AS TIMESTAMP) AS TIMESTAMPTZ) "
        f"- to_seconds({_OFFSET}) ELSE timezone(z, CAST(x AS TIMESTAMP)) END"
    ),
    ZONE_WALL_CLOCK: (
        f"(z, x) AS CASE WHEN {_UTC} THEN CAST(CAST(x AS TIMESTAMPTZ) AS TIMESTAMP) "
        f"WHEN z[1] IN ('+', '-') THEN CAST(CAST(x AS TIMESTAMPTZ) "
        f"+ to_seconds({_OFFSET}) AS TIMESTAMP) ELSE timezone(z, CAST(x AS TIMESTAMPTZ)) END"
    ),
    _DECIMAL_TEXT: (
        f"(q, k) AS (CASE WHEN q < 0 THEN '-' ELSE '' END) "
        f"|| {_DIGITS}[1:length({_DIGITS}) - k] || '.' || right({_DIGITS}, k)"
    ),
    QUOTIENT: (
        f"(s, n, other) AS list_resize([s], 2, CASE WHEN typeof(s) LIKE 'DECIMAL(%' "
        f"THEN {CATALOG}.{SCHEMA}.{_DECIMAL_TEXT}({_SCALED} // n, {_SCALE}) "
        f"ELSE CAST(other AS VARCHAR) END)[2]"
    ),
    AVG: (
        "(x BIGINT) AS CAST(sum(x) // count(x) AS BIGINT), "
        f"(x) AS {CATALOG}.{SCHEMA}.{QUOTIENT}(sum(x), count(x), avg(x))"
    ),
    AVG_DISTINCT: (
        "(x BIGINT) AS CAST(sum(DISTINCT x) // count(DISTINCT x) AS BIGINT), "
        f"(x) AS {CATALOG}.{SCHEMA}.{QUOTIENT}("
        "sum(DISTINCT x), count(DISTINCT x), avg(DISTINCT x))"
    ),
    AVG_WINDOW: (
        "(s, n, x BIGINT) AS CAST(s // n AS BIGINT), "
        f"(s, n, x) AS {CATALOG}.{SCHEMA}.{QUOTIENT}(s, n, s / n)"
    ),
    AVG_RATIO: f"(s, n) AS {CATALOG}.{SCHEMA}.{QUOTIENT}(s, n, s / n)",
    # n / d rounded half away from zero, from q within one of it: the remainder r of q moves
    # it one toward r's side where r is more than half of d, or half of d on the side away
    # from zero (compared without doubling r, which could overflow).
    _ROUNDED: (
        "(n, d, q) AS q + CASE WHEN abs(n - q * d) > abs(d) - abs(n - q * d) "
        "THEN sign(n - q * d) * sign(d) WHEN abs(n - q * d) = abs(d) - abs(n - q * d) "
        "AND sign(n - q * d) = sign(n) THEN sign(n - q * d) * sign(d) ELSE 0 END"
    ),
    ESTIMATE: (
        f"(n, d, q, y) AS q + CAST(CAST(n - q * d AS DOUBLE) / {_POSITIVE_DOUBLE} AS HUGEINT)"
    ),
    DIVIDE: f"(n, d, q, f) AS CAST({CATALOG}.{SCHEMA}.{_ROUNDED}(n, d, q) AS DECIMAL(38, 0)) * f",
    # The shared form (``DIVIDE_SHARED``): |x| * m and |y| (1 for a zero, which the guard
    # below reports), in HUGEINT; no CASE and no error() inside, which would keep DuckDB from
    # computing their mentions once.
    SHARED_DIVIDEND: "(x, m) AS CAST(abs(x) AS HUGEINT) * m",
    SHARED_DIVISOR: "(y) AS CAST(abs(y) + CAST(y = 0 AS TINYINT) AS HUGEINT)",
    SHARED_ESTIMATE: (
        f"(x, y, m) AS CAST(CAST(abs(x) AS DOUBLE) * m / {_POSITIVE_DOUBLE} AS HUGEINT)"
    ),
    # n / d (both positive) rounded half up from q within one of it, by comparisons of its
    # remainder r (|2r| < 2d fits: d has at most 38 digits and r about half of d), given
    # x's and y's signs; the zero divisor's 22012 is added last, outside the shared parts.
    DIVIDE_SHARED: (
        "(n, d, q, x, y, f) AS CAST((q + CAST((n - q * d) * 2 >= d AS HUGEINT) "
        "- CAST((n - q * d) * 2 < -d AS HUGEINT)) * (sign(x) * sign(y)) "
        "+ CASE WHEN y = 0 THEN error('division by zero') ELSE 0 END AS DECIMAL(38, 0)) * f"
    ),
    DIVIDE_NESTED: (
        "(n, d, f) AS list_transform([[n, d]], lambda v: CASE WHEN v[2] = 0 "
        f"THEN error('division by zero') ELSE {CATALOG}.{SCHEMA}.{DIVIDE_ONCE}(v[1], v[2], f) "
        "END)[1]"
    ),
    # DuckDB's // truncates toward zero and % has the dividend's sign: one more unit away
    # from zero where the remainder is at least half of d (compared without doubling it).
    DIVIDE_ONCE: (
        "(n, d, f) AS CAST(n // d + CASE WHEN abs(n % d) >= abs(d) - abs(n % d) "
        "THEN sign(n) * sign(d) ELSE 0 END AS DECIMAL(38, 0)) * f"
    ),
    CBRT: (
        "(x DOUBLE) AS CASE WHEN round(cbrt(x)) * round(cbrt(x)) * round(cbrt(x)) = x "
        "THEN round(cbrt(x)) ELSE cbrt(x) END"
    ),
    EXP: (
        f"(x DOUBLE) AS list_transform([x], lambda x: CASE WHEN {_FINITE.format(v='x')} "
        f"AND isinf(exp(x)) THEN {_OVERFLOW} WHEN {_FINITE.format(v='x')} AND exp(x) = 0 "
        f"THEN {_UNDERFLOW} ELSE exp(x) END)[1]"
    ),
    POWER: (
        "(x DOUBLE, y DOUBLE) AS list_transform([[x, y]], lambda v: CASE "
        "WHEN v[1] = 0 AND v[2] < 0 "
        "THEN error('zero raised to a negative power is undefined') "
        "WHEN v[1] < 0 AND v[2] <> floor(v[2]) THEN error('a negative number raised to a "
        "non-integer power yields a complex result') "
        f"WHEN {_FINITE.format(v='v[1]')} AND {_FINITE.format(v='v[2]')} "
        f"AND isinf(pow(v[1], v[2])) THEN {_OVERFLOW} "
        f"WHEN {_FINITE.format(v='v[1]')} AND {_FINITE.format(v='v[2]')} AND v[1] <> 0 "
        f"AND pow(v[1], v[2]) = 0 THEN {_UNDERFLOW} ELSE pow(v[1], v[2]) END)[1]"
    ),
    # PostgreSQL's degrees divides by the radians in a degree (DuckDB multiplies by the
    # degrees in a radian, one unit in the last place off for some values), radians
    # multiplies by them, each with its float8 operator's checks: only degrees can overflow,
    # only radians underflow.
    DEGREES: (
        f"(x DOUBLE) AS list_transform([x], lambda x: CASE WHEN {_FINITE.format(v='x')} "
        f"AND isinf(x / {_RADIANS_PER_DEGREE}) THEN {_OVERFLOW} "
        f"ELSE x / {_RADIANS_PER_DEGREE} END)[1]"
    ),
    RADIANS: (
        f"(x DOUBLE) AS list_transform([x], lambda x: CASE WHEN x <> 0 "
        f"AND x * {_RADIANS_PER_DEGREE} = 0 THEN {_UNDERFLOW} "
        f"ELSE x * {_RADIANS_PER_DEGREE} END)[1]"
    ),
    FLOAT_ADD: _float_operator("+", underflow=""),
    FLOAT_TOTAL: (f"(s, t) AS CASE WHEN s IS NULL OR isfinite(s) OR NOT isfinite(t) THEN s "
                  f"ELSE {_OVERFLOW} END"),
    FLOAT_SUB: _float_operator("-", underflow=""),
    FLOAT_MUL: _float_operator("*", underflow="v[1] <> 0 AND v[2] <> 0"),
    # The divisor is never zero here (guard_arithmetic raises 22012 first).
    FLOAT_DIV: _float_operator("/", underflow="v[1] <> 0 AND NOT isinf(v[2])"),
    REAL_ADD: _float_operator("+", underflow="", kind="FLOAT"),
    REAL_SUB: _float_operator("-", underflow="", kind="FLOAT"),
    REAL_MUL: _float_operator("*", underflow="v[1] <> 0 AND v[2] <> 0", kind="FLOAT"),
    REAL_DIV: _float_operator("/", underflow="v[1] <> 0 AND NOT isinf(v[2])", kind="FLOAT"),
    # The lenient reading runs only for the rows the strict one fails (COALESCE and CASE
    # evaluate their later branches for the remaining rows alone).
    ROLLED_DATE: (
        "(s, f, g) AS coalesce(try_strptime(s, f), CASE WHEN s IS NOT NULL THEN coalesce("
        "date_trunc('month', try_strptime(s, g)) + to_days(minute(try_strptime(s, g)) - 1), "
        "strptime(s, f)) END)"
    ),
    STRICT_DATE: (
        "(s, f, g) AS coalesce(try_strptime(s, f), CASE WHEN try_strptime(s, g) IS NOT NULL "
        "THEN error('date/time field date value out of range: ' || year(try_strptime(s, g)) "
        "|| '-' || month(try_strptime(s, g)) || '-' || minute(try_strptime(s, g))) "
        "ELSE strptime(s, f) END)"
    ),
    TRUNC: (
        "(x TIMESTAMP) AS CAST(x AS DATE), (x TIMESTAMPTZ) AS CAST(x AS DATE), "
        "(x DATE) AS x, (x) AS trunc(x)"
    ),
    # The value is named as few times as possible (the cut itself inside a lambda, run only
    # for a value too long): a macro's parameter is a copy of its argument, and CHAR, PAD and
    # CUT nest, so each name multiplies the expression DuckDB binds (PAD of CHAR of a column
    # took 40 ms to bind with the cut written out).
    CUT: (
        "(s VARCHAR, n BIGINT) AS CASE WHEN strlen(s) <= n THEN s ELSE "
        f"list_transform([s], lambda s: decode(encode(s)[1:n - (CASE {_BACK} ELSE 3 END)]))[1] "
        "END"
    ),
    CHAR: f"(s VARCHAR, n BIGINT) AS rtrim({CATALOG}.{SCHEMA}.{CUT}(s, n), ' ')",
    BARE: "(x) AS CASE WHEN ends_with(x, ' ') THEN rtrim(x, ' ') ELSE x END",
    # The sorted list is named once (the one-element list binds it to ``s``), as CUT does.
    BARE_DISTINCT: (
        "(l) AS list_transform([list_sort(list_transform(l, lambda x: "
        f"{{'b': {CATALOG}.{SCHEMA}.{BARE}(x), 'v': x}}))], lambda s: list_transform("
        "list_filter(s, lambda e, i: i = 1 OR e.b <> s[i - 1].b), lambda e: e.v))[1]"
    ),
    PAD: (
        "(s VARCHAR, n BIGINT) AS CAST(CASE WHEN strlen(s) <= n "
        "THEN s || repeat(' ', n - strlen(s)) ELSE list_transform([s], lambda s: "
        f"{_CUT_CALL} || repeat(' ', n - strlen({_CUT_CALL})))[1] END AS VARCHAR)"
    ),
    # By typeof (folded to a constant), not typed overloads: DuckDB cannot choose among typed
    # overloads for an aggregate's result (max(name)::varbyte). Every branch binds for every
    # argument type it takes; a BLOB passes through hex and back.
    VARBYTE: (
        "(x) AS CASE typeof(x) WHEN 'VARCHAR' THEN encode(CAST(x AS VARCHAR)) "
        "WHEN 'SMALLINT' THEN unhex(lpad(to_hex(CAST(x AS INTEGER) & 65535), 4, '0')) "
        "WHEN 'INTEGER' THEN unhex(lpad(to_hex(CAST(x AS BIGINT) & 4294967295), 8, '0')) "
        "WHEN 'BIGINT' THEN unhex(lpad(to_hex(CAST(x AS BIGINT)), 16, '0')) "
        "ELSE unhex(hex(x)) END"
    ),
    # By typeof: typed overloads take an aggregate's text for a BLOB (len(max(name))).
    OCTETS: "(x) AS CASE typeof(x) WHEN 'BLOB' THEN octet_length(CAST(x AS BLOB)) "
            "ELSE strlen(CAST(x AS VARCHAR)) END",
    LENGTH: "(x) AS CASE typeof(x) WHEN 'BLOB' THEN octet_length(CAST(x AS BLOB)) "
            "ELSE length(CAST(x AS VARCHAR)) END",
    # No lambda names the integer part: ``t`` may hold a subquery (TEXT of a scalar subquery),
    # which DuckDB refuses inside a lambda.
    DOUBLE_TEXT: (
        "(t, w) AS CASE WHEN t IN ('nan', '-nan') THEN 'NaN' WHEN t = 'inf' THEN 'Infinity' "
        "WHEN t = '-inf' THEN '-Infinity' WHEN contains(t, 'e') THEN t "
        "WHEN strlen(split_part(ltrim(t, '-'), '.', 1)) < w THEN regexp_replace(t, '\\.0$', '') "
        "ELSE CASE WHEN starts_with(t, '-') THEN '-' ELSE '' END "
        "|| left(split_part(ltrim(t, '-'), '.', 1), 1) "
        "|| CASE WHEN rtrim(substr(split_part(ltrim(t, '-'), '.', 1), 2) "
        "|| split_part(t, '.', 2), '0') = '' THEN '' ELSE '.' "
        "|| rtrim(substr(split_part(ltrim(t, '-'), '.', 1), 2) || split_part(t, '.', 2), '0') END "
        "|| 'e+' || lpad(CAST(strlen(split_part(ltrim(t, '-'), '.', 1)) - 1 AS VARCHAR), 2, '0') "
        "END"
    ),
    # The shortest of the 1- to 9-digit forms that reads back as ``x`` (NaN and the
    # infinities read back as themselves), as a DOUBLE's text, which keeps those digits.
    # ``x`` is a one-element list's: it may hold a subquery, which no lambda may hold.
    REAL_TEXT: (
        f"(x) AS {CATALOG}.{SCHEMA}.{DOUBLE_TEXT}(CAST(CAST(list_transform([x], v -> "
        "list_filter([printf('%.*e', p, v) for p in range(0, 9)], "
        "s -> CAST(s AS REAL) = v)[1])[1] AS DOUBLE) AS VARCHAR), 7)"
    ),
    # By typeof, as VARBYTE; every branch is text.
    TEXT: (
        "(x) AS CASE typeof(x) WHEN 'BLOB' THEN decode(CAST(x AS BLOB)) "
        f"WHEN 'JSON' THEN {_SUPER_TEXT} "
        f"WHEN 'DOUBLE' THEN {CATALOG}.{SCHEMA}.{DOUBLE_TEXT}(CAST(x AS VARCHAR), 16) "
        f"WHEN 'FLOAT' THEN {CATALOG}.{SCHEMA}.{REAL_TEXT}(x) "
        "ELSE CAST(x AS VARCHAR) END"
    ),
    # A slice: DuckDB's substring takes no BLOB.
    SUBSTR: (
        f"(x, s) AS CASE WHEN s IS NOT NULL THEN x[{_FIRST}:] END, "
        f"(x, s, n) AS CASE WHEN n < 0 THEN error('negative substring length not allowed') "
        f"WHEN s + n IS NOT NULL THEN x[{_FIRST}:{_SLICE_END}] END"
    ),
    # A NULL position is a NULL slice (a slice of NULL bounds is the whole value).
    SUBSTRING: (
        "(x BLOB, s) AS CASE WHEN s IS NOT NULL THEN x[s:] END, "
        "(x BLOB, s, n) AS CASE WHEN s + n IS NOT NULL THEN x[s:s + n - 1] END, "
        "(x VARCHAR, s) AS substring(x, s), (x VARCHAR, s, n) AS substring(x, s, n), "
        "(x, s) AS substring(x, s), (x, s, n) AS substring(x, s, n)"
    ),
    LITERAL_BYTES: "(x BLOB, h, t) AS unhex(h), (x, h, t) AS t",
    LITERAL_OPERAND: "(x BLOB, h, t) AS unhex(h), (x, h, t) AS list_resize([x], 2, t)[2]",
    DATESTYLE: ", ".join([
        *(f"(x {t}, iso, t) AS iso" for t in ("DATE", "TIMESTAMP", "TIMESTAMPTZ")),
        "(x VARCHAR, iso, t) AS t", "(x, iso, t) AS t",
    ]),
    BITS_NOT: (
        "(a) AS CASE WHEN typeof(a) = 'BLOB' THEN list_resize([a], 2, "
        "CASE WHEN octet_length(CAST(a AS BLOB)) = 0 THEN CAST(a AS BLOB) "
        "ELSE CAST(~CAST(CAST(a AS BLOB) AS BIT) AS BLOB) END)[2] "
        f"WHEN typeof(a) IN {_INTEGERS} THEN list_resize([a], 2, ~CAST(a AS HUGEINT))[2] "
        f"ELSE {_no_operator('~', 'a')} END"
    ),
    BITS_AND: _bitwise("{x} & {y}", "&"),
    BITS_OR: _bitwise("{x} | {y}", "|"),
    BITS_XOR: _bitwise("xor({x}, {y})", "#"),
    SUPER: (
        "(x) AS CASE WHEN typeof(x) = 'VARCHAR' THEN to_json(CAST(x AS VARCHAR)) "
        "WHEN typeof(x) IN ('DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', "
        "'TIME WITH TIME ZONE') THEN error('cannot cast type ' || lower(typeof(x)) || ' to super') "
        "WHEN typeof(x) LIKE 'DECIMAL%' THEN CAST(CAST(x AS VARCHAR) AS JSON) "
        # A finite float's shortest digits with an exponent (DuckDB writes one only past
        # 1e15 or below 1e-4). The lambda names only its own argument: one that captures x
        # fails inside DuckDB when x holds window functions.
        "WHEN typeof(x) IN ('FLOAT', 'DOUBLE') AND isfinite(TRY_CAST(x AS DOUBLE)) "
        "THEN CAST(list_transform([CAST(x AS VARCHAR)], lambda t: CASE WHEN "
        "contains(t, 'e') THEN t ELSE t || 'e+0' END)[1] AS JSON) "
        "ELSE CAST(x AS JSON) END"
    ),
    SUPER_DECIMAL: (
        "(x) AS list_transform([CAST(x AS JSON)], lambda v: CASE WHEN json_type(v) IN "
        "('BIGINT', 'UBIGINT') OR (json_type(v) = 'DOUBLE' AND NOT regexp_matches("
        "CAST(v AS VARCHAR), '[eE]')) THEN CAST(v AS VARCHAR) END)[1]"
    ),
    SUPER_FLOAT: (
        "(x) AS list_transform([CAST(x AS JSON)], lambda v: coalesce(json_type(v) = 'DOUBLE' "
        "AND regexp_matches(CAST(v AS VARCHAR), '[eE]'), false))[1]"
    ),
    # Each argument is named once, inside a lambda: a macro's parameters are copies of the
    # argument, so naming them in every branch would bind nested operators' expressions
    # over and over (exponentially in the nesting).
    _SUPER_ORDER: (
        "(a, b) AS list_transform([struct_pack(a := CAST(a AS JSON), b := CAST(b AS JSON))], "
        "lambda r: CASE WHEN r.a IS NULL OR r.b IS NULL OR json_type(r.a) = 'NULL' "
        "OR json_type(r.b) = 'NULL' THEN NULL "
        f"WHEN {_SUPER_CLASS.format(v='r.a')} <> {_SUPER_CLASS.format(v='r.b')} THEN 2 "
        f"WHEN {_SUPER_CLASS.format(v='r.a')} = 'n' THEN CASE WHEN {_SUPER_INTEGERS} THEN "
        f"{_THREE_WAY.format(x='CAST(r.a AS HUGEINT)', y='CAST(r.b AS HUGEINT)')} ELSE "
        f"{_THREE_WAY.format(x='CAST(r.a AS DOUBLE)', y='CAST(r.b AS DOUBLE)')} END "
        f"WHEN {_SUPER_CLASS.format(v='r.a')} = 's' THEN "
        f"{_THREE_WAY.format(x=_STRING.format(v='r.a'), y=_STRING.format(v='r.b'))} "
        f"WHEN {_SUPER_CLASS.format(v='r.a')} = 'b' THEN "
        f"{_THREE_WAY.format(x='CAST(r.a AS BOOLEAN)', y='CAST(r.b AS BOOLEAN)')} "
        "WHEN CAST(r.a AS VARCHAR) = CAST(r.b AS VARCHAR) THEN 0 ELSE 2 END)[1]"
    ),
    SUPER_EQ: _super_compare("= 0"),
    SUPER_NE: _super_compare("<> 0"),
    SUPER_LT: _super_compare("= -1"),
    SUPER_LE: _super_compare("IN (-1, 0)"),
    SUPER_GT: _super_compare("= 1"),
    SUPER_GE: _super_compare("IN (0, 1)"),
    # op is a constant, so each call keeps one operator's branches once DuckDB folds it.
    _SUPER_ARITH: (
        "(a, b, op) AS list_transform([struct_pack(a := CAST(a AS JSON), "
        "b := CAST(b AS JSON))], "
        f"lambda r: CASE WHEN {_SUPER_CLASS.format(v='r.a')} = 'n' "
        f"AND {_SUPER_CLASS.format(v='r.b')} = 'n' THEN CASE "
        "WHEN op IN ('/', '%') AND CAST(r.b AS DOUBLE) = 0 "
        "THEN CAST(error('division by zero') AS JSON) "
        f"WHEN {_SUPER_INTEGERS} THEN to_json(CASE op "
        "WHEN '+' THEN CAST(r.a AS BIGINT) + CAST(r.b AS BIGINT) "
        "WHEN '-' THEN CAST(r.a AS BIGINT) - CAST(r.b AS BIGINT) "
        "WHEN '*' THEN CAST(r.a AS BIGINT) * CAST(r.b AS BIGINT) "
        "WHEN '/' THEN CAST(r.a AS BIGINT) // CAST(r.b AS BIGINT) "
        "ELSE CAST(r.a AS BIGINT) % CAST(r.b AS BIGINT) END) "
        # A float operand makes a float (written with an exponent), decimals a decimal.
        f"WHEN {_IS_FLOAT.format(v='r.a')} OR {_IS_FLOAT.format(v='r.b')} THEN "
        f"{_FLOAT_TEXT.format(d=_SUPER_DOUBLE_ARITH)} "
        f"ELSE to_json({_SUPER_DOUBLE_ARITH}) END "
        f"WHEN op = '+' AND {_SUPER_CLASS.format(v='r.a')} = 's' "
        f"AND {_SUPER_CLASS.format(v='r.b')} = 's' THEN to_json("
        f"{_STRING.format(v='r.a')} || {_STRING.format(v='r.b')}) END)[1]"
    ),
    SUPER_ADD: _super_operator("+"),
    SUPER_SUB: _super_operator("-"),
    SUPER_MUL: _super_operator("*"),
    SUPER_DIV: _super_operator("/"),
    SUPER_MOD: _super_operator("%"),
    SUPER_NEG: f"(a) AS {CATALOG}.{SCHEMA}.{_SUPER_ARITH}(CAST(0 AS JSON), a, '-')",
    SUPER_KEY: (
        "(x) AS list_transform([CAST(x AS JSON)], lambda v: CASE WHEN v IS NOT NULL "
        f"THEN struct_pack(k := CASE {_SUPER_CLASS.format(v='v')} "
        "WHEN 'n' THEN 1 WHEN 's' THEN 2 WHEN 'b' THEN 3 WHEN 'c' THEN 4 ELSE 0 END, "
        f"n := CASE WHEN {_SUPER_CLASS.format(v='v')} IN ('n', 'b') "
        "THEN CAST(CAST(v AS VARCHAR) AS DOUBLE) END, "
        f"s := CASE WHEN {_SUPER_CLASS.format(v='v')} = 's' THEN {_STRING.format(v='v')} "
        "ELSE CAST(v AS VARCHAR) END) END)[1]"
    ),
    **{name: f"(x) AS {body}" for name, body in SUPER_AGGREGATES.items()},
    SUPER_FLOOR: _super_rounded("floor"),
    SUPER_CEIL: _super_rounded("ceil"),
    SUPER_ROUND: _super_rounded("round"),
    SUPER_TRUNC: _super_rounded("trunc"),
    SUPER_ABS: (
        "(x) AS list_transform([CAST(x AS JSON)], lambda v: CASE json_type(v) "
        "WHEN 'BIGINT' THEN to_json(abs(CAST(v AS HUGEINT))) WHEN 'UBIGINT' THEN v "
        "WHEN 'DOUBLE' THEN to_json(abs(CAST(v AS DOUBLE))) END)[1]"
    ),
    SUPER_CONCAT: (
        f"(a, b) AS CASE WHEN {_IS_ARRAY.format(v='a')} AND {_IS_ARRAY.format(v='b')} "
        f"THEN to_json(list_concat({_ELEMENTS.format(v='a')}, {_ELEMENTS.format(v='b')})) END"
    ),
    SUPER_FLATTEN: (
        f"(a) AS CASE WHEN {_IS_ARRAY.format(v='a')} "
        "THEN to_json(flatten(CAST(CAST(a AS JSON) AS JSON[][]))) END"
    ),
    # p: the 0-based start, counted from the end when negative; a slice is 1-based.
    SUBARRAY: (
        f"(a, s, n) AS CASE WHEN {_IS_ARRAY.format(v='a')} THEN to_json("
        f"{_ELEMENTS.format(v='a')}[greatest(CASE WHEN s < 0 THEN "
        "json_array_length(CAST(a AS JSON)) + s ELSE s END, 0) + 1:"
        "CASE WHEN s < 0 THEN json_array_length(CAST(a AS JSON)) + s ELSE s END + n]) END"
    ),
    # PostgreSQL's error for a bit outside the value (Redshift documents none).
    GETBIT: (
        "(v, i) AS CASE WHEN i < 0 OR i >= 8 * octet_length(CAST(v AS BLOB)) "
        "THEN error('index ' || i || ' out of valid range, 0..' "
        "|| (8 * octet_length(CAST(v AS BLOB)) - 1)) "
        "ELSE get_bit(CAST(CAST(v AS BLOB) AS BIT), "
        "CAST(8 * octet_length(CAST(v AS BLOB)) - 1 - i AS INTEGER)) END"
    ),
    # By typeof (folded to a constant) for the reason VARBYTE gives; the branches meet in
    # VARCHAR and list_resize casts the result back to the argument's own type.
    LOCAL: (
        f"(x, z) AS CASE WHEN {_UTC} THEN x ELSE list_resize([x], 2, CASE WHEN "
        f"{_IS_TSTZ.format(v='x')} THEN CAST("
        f"timezone('UTC', {_WALL}(z, {_AS_TSTZ.format(v='x')})) AS VARCHAR) "
        "ELSE CAST(x AS VARCHAR) END)[2] END"
    ),
    UNLOCAL: (
        f"(x, z) AS CASE WHEN {_UTC} THEN x ELSE list_resize([x], 2, CASE WHEN "
        f"{_IS_TSTZ.format(v='x')} THEN CAST("
        f"{_INSTANT}(z, CAST({_AS_TSTZ.format(v='x')} AS TIMESTAMP)) AS VARCHAR) "
        "ELSE CAST(x AS VARCHAR) END)[2] END"
    ),
    ZONED: (
        f"(x, z) AS CASE WHEN {_IS_TSTZ.format(v='x')} THEN CAST(x AS TIMESTAMPTZ) "
        "WHEN typeof(x) = 'VARCHAR' AND "
        f"regexp_matches(CAST(x AS VARCHAR), '{WRITTEN_ZONE}', 'i') "
        f"THEN CAST(x AS TIMESTAMPTZ) ELSE {_INSTANT}(z, CAST(x AS TIMESTAMP)) END"
    ),
    # Typed overloads are picked when the statement is bound, so a constant stays a constant
    # (filters still prune); an untyped parameter is the argument itself, so a string literal
    # keeps the implicit cast DuckDB gives a literal. DuckDB cannot pick among them for an
    # aggregate's or a window's result, which OPERAND_OF_AGGREGATE takes by typeof.
    # Typed on both sides for the four types that convert into one another: DuckDB prefers an
    # implicit cast to an untyped parameter, and a cast of a TIMESTAMP or a string literal to
    # TIMESTAMPTZ would read UTC. Other types take the untyped overload, whose parameter is
    # the argument itself (a string literal keeps the implicit cast DuckDB gives a literal).
    OPERAND: ", ".join([
        "(x TIMESTAMPTZ, v TIMESTAMPTZ, z) AS v",
        f"(x TIMESTAMPTZ, v TIMESTAMP, z) AS {_INSTANT}(z, v)",
        f"(x TIMESTAMPTZ, v DATE, z) AS {_INSTANT}(z, CAST(v AS TIMESTAMP))",
        f"(x TIMESTAMPTZ, v VARCHAR, z) AS {CATALOG}.{SCHEMA}.{ZONED}(v, z)",
        "(x TIMESTAMP, v TIMESTAMPTZ, z) AS v", "(x TIMESTAMP, v TIMESTAMP, z) AS v",
        "(x TIMESTAMP, v DATE, z) AS v", "(x TIMESTAMP, v VARCHAR, z) AS CAST(v AS TIMESTAMP)",
        "(x DATE, v TIMESTAMPTZ, z) AS v", "(x DATE, v TIMESTAMP, z) AS v",
        "(x DATE, v DATE, z) AS v", "(x DATE, v VARCHAR, z) AS CAST(v AS DATE)",
        "(x VARCHAR, v TIMESTAMPTZ, z) AS v", "(x VARCHAR, v TIMESTAMP, z) AS v",
        "(x VARCHAR, v DATE, z) AS v", "(x VARCHAR, v VARCHAR, z) AS v",
        # A NULL-typed x matches every overload and takes the one of its cheapest cast, to
        # BIGINT: v unread (a comparison with NULL is NULL whatever v is), where the DATE
        # overload would read a string DuckDB's DATE does not (20240301) and fail.
        "(x BIGINT, v VARCHAR, z) AS v",
        "(x, v, z) AS v",
    ]),
    STORED: ", ".join([
        f"(x TIMESTAMPTZ, v, z) AS {CATALOG}.{SCHEMA}.{ZONED}(v, z)",
        *(f"(x {t}, v TIMESTAMPTZ, z) AS {CATALOG}.{SCHEMA}.{LOCAL}(v, z)"
          for t in ("TIMESTAMP", "DATE")),
        *(f"(x {t}, v {u}, z) AS v" for t in ("TIMESTAMP", "DATE")
          for u in ("TIMESTAMP", "DATE", "VARCHAR")),
        "(x VARCHAR, v, z) AS v", "(x, v, z) AS v",
    ]),
    **{name: _compared(op) for op, name in COMPARED.items()},
    **{name: _compared_typed(op) for op, name in COMPARED_TYPED.items()},
    # IN, ANY or ALL: a TIMESTAMPTZ beside TIMESTAMP values would need each of them read in
    # the zone inside the subquery, where the outer operand's type (a correlated column)
    # picks no overload.
    BESIDE_SUBQUERY: _beside(
        "error('feature not supported on Duckshift: a TIMESTAMPTZ compared with a subquery of "
        "TIMESTAMP or DATE values (IN, ANY, ALL) in a session time zone other than UTC')"),
    # A set operation's branch value, q a subquery of the other branches' values: their
    # TIMESTAMPTZ type is the one the branches meet in, as in PostgreSQL.
    BESIDE_BRANCHES: _beside(None),
    # A TIMETZ is kept in UTC (as in Redshift): a time read in zone z takes the offset z has
    # at that time of the session's current date (PostgreSQL's rule for a time without a
    # date), a TIMESTAMP the offset at its own instant. Typed, so that a TIMESTAMPTZ or a
    # TIMETZ keeps DuckDB's cast.
    ZONED_TIMETZ: ", ".join([
        f"(x TIME, z) AS CAST(CAST(timezone('UTC', {_INSTANT}(z, CAST({_WALL}(z, "
        "CURRENT_TIMESTAMP) AS DATE) + x)) AS TIME) AS TIMETZ)",
        f"(x TIMESTAMP, z) AS CAST(CAST(timezone('UTC', {_INSTANT}(z, x)) AS TIME) AS TIMETZ)",
        "(x TIMESTAMPTZ, z) AS timezone('UTC', CAST(x AS TIMETZ))",
        "(x TIMETZ, z) AS timezone('UTC', x)",
        "(x, z) AS timezone('UTC', CAST(x AS TIMETZ))",
    ]),
    # The offset is the wall clock's distance from UTC in seconds; its hours and minutes are
    # truncated toward zero, as PostgreSQL's are (-03:30 is -3 hours and -30 minutes). Typed,
    # so that a TIMESTAMP or a DATE keeps DuckDB's own answer rather than casting in UTC.
    ZONE_FIELD: ", ".join([
        "(x TIMESTAMPTZ, u, z) AS CASE u "
        f"WHEN 'timezone_hour' THEN (epoch_us({_WALL}(z, x)) - epoch_us(x)) // 3600000000 "
        f"WHEN 'timezone_minute' THEN (epoch_us({_WALL}(z, x)) - epoch_us(x)) // 60000000 % 60 "
        f"ELSE (epoch_us({_WALL}(z, x)) - epoch_us(x)) // 1000000 END",
        *(f"(x {t}, u, z) AS date_part(u, x)" for t in ("TIMESTAMP", "DATE")),
        "(x, u, z) AS date_part(u, x)",
    ]),
    # A TIMESTAMPTZ's text as results show it: its wall clock and the zone's offset then.
    _SHOWN: (
        f"(x, z) AS CASE WHEN {_IS_TSTZ.format(v='x')} THEN CAST(CAST("
        f"{CATALOG}.{SCHEMA}.{LOCAL}(x, z) AS TIMESTAMP) AS VARCHAR) "
        f"|| {TZ_OFFSET}(epoch_ms(CAST(x AS TIMESTAMPTZ)), z) ELSE CAST(x AS VARCHAR) END"
    ),
    # By typeof, as COMPARED. Where an operand is a TIMESTAMPTZ, || is text and list_resize
    # gives the branch the type || has otherwise (a BLOB's, a list's), which a CASE needs.
    CONCAT: (
        f"(a, b, z) AS CASE WHEN ({_IS_TSTZ.format(v='a')} OR {_IS_TSTZ.format(v='b')}) "
        f"AND NOT {_UTC} THEN list_resize([a || b], 2, {CATALOG}.{SCHEMA}.{_SHOWN}(a, z) "
        f"|| {CATALOG}.{SCHEMA}.{_SHOWN}(b, z))[2] ELSE a || b END"
    ),
    # By typeof, as COMPARED; list_resize gives ``zoned`` the type of ``n`` (a TIMESTAMPTZ
    # where it is taken, any other where it is not and must still bind) without evaluating n.
    BRANCHES: (
        f"(n, zoned, local) AS CASE WHEN {_IS_TSTZ.format(v='n')} AND local "
        "THEN list_resize([CASE WHEN false THEN n END], 2, zoned)[2] ELSE n END"
    ),
    OPERAND_OF_AGGREGATE: (
        f"(x, v, z) AS list_resize([x], 2, CASE WHEN {_IS_TSTZ.format(v='x')} "
        f"THEN CAST({CATALOG}.{SCHEMA}.{ZONED}(v, z) AS VARCHAR) ELSE CAST(v AS VARCHAR) END)[2]"
    ),
}


_DEFINITIONS.update({name: _integer_cast(duck_type, pg_name)
                     for duck_type, (name, pg_name) in INTEGER_CASTS.items()})
_DEFINITIONS[STORED_INTEGER] = ", ".join([
    *(f"(x {duck_type}, v VARCHAR) AS {CATALOG}.{SCHEMA}.{name}(v)"
      for duck_type, (name, _) in INTEGER_CASTS.items()),
    # A SUPER value (JSON, which DuckDB would also pass as a VARCHAR) keeps its own cast.
    *(f"(x {duck_type}, v JSON) AS v" for duck_type in INTEGER_CASTS),
    "(x, v) AS v",
])


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Create (or replace) every macro in the engine's in-memory catalog."""
    for name, body in _DEFINITIONS.items():
        con.execute(f"CREATE OR REPLACE MACRO {CATALOG}.{SCHEMA}.{name}{body}")
