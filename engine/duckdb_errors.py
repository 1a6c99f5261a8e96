"""The one place where DuckDB exceptions become PostgreSQL errors.

A single table maps DuckDB's exception classes, refined by message patterns, to SQLSTATEs and
to PostgreSQL's wording, so drivers can classify errors the way they do against PostgreSQL and
Redshift. DuckDB's LINE/caret context is dropped (it points into the translated SQL, not the
client's text), and internal database aliases are replaced by the names the client knows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import duckdb

from catalog import errors as e
from engine.storage import INTERNAL_PREFIX

_PREFIX = re.compile(r"^[A-Za-z ]+ Error: ")
_UDF_ERROR = re.compile(
    r"Python exception occurred while executing the UDF: \w+: ([0-9A-Z]{5}) ([^\n]*)")
# A rule's formatter returns the message, or the whole error where the match picks the class.
_Format = Callable[[re.Match[str]], "str | e.SQLError"]
_Rule = tuple[re.Pattern[str], type[e.SQLError], _Format | None]


class ProductOverflow(e.NumericValueOutOfRange):
    """A product of two DECIMALs of up to 18 digits each that passed 18 digits: DuckDB
    multiplies them in BIGINT, where Redshift widens the product (the statement's wide form,
    ``proxy.sql.pipeline.wide_context``, answers it)."""


def _r(pattern: str, cls: type[e.SQLError], fmt: _Format | None = None) -> _Rule:
    return (re.compile(pattern, re.S), cls, fmt)


def _function_named(name: str) -> str:
    """A function as a message names it: the engine's own macros (which translations call
    for the client's SUBSTRING, say) are not the client's to know by name."""
    return "a function" if name.startswith(INTERNAL_PREFIX) else f"{name}, a function"


# Message refinements, tried in order within each DuckDB exception family.
# Functions that exist only as window functions: DuckDB looks for a scalar one when OVER is
# missing.
_WINDOW_ONLY = ("row_number|rank|dense_rank|percent_rank|cume_dist|ntile|lag|lead|first_value|"
                "last_value|nth_value")
_CATALOG: list[_Rule] = [
    _r(rf'Scalar Function with name "?((?i:{_WINDOW_ONLY}))"? does not exist', e.WrongObjectType,
       lambda m: f"window function {m[1].lower()} requires an OVER clause"),
    _r(r'View with name "?([^"!]+?)"? does not exist', e.UndefinedTable,
       lambda m: f'view "{m[1].lower()}" does not exist'),
    # DROP VIEW of a table, DROP TABLE of a view.
    _r(r'Existing object "?([^"\s]+?)"? is of type \w+, trying to drop type (\w+)',
       e.WrongObjectType, lambda m: f'"{m[1]}" is not a {m[2].lower()}'),
    # ALTER TABLE ... RENAME TO the name of another relation.
    _r(r'Could not rename "[^"]+" to "([^"]+)": another entry with this name already exists',
       e.DuplicateTable, lambda m: f'relation "{m[1]}" already exists'),
    _r(r'Table with name "?([^"!]+?)"? does not exist', e.UndefinedTable,
       lambda m: f'relation "{m[1].lower()}" does not exist'),
    _r(r'(?:Scalar|Aggregate|Table) Function with name "?([^"!]+?)"? does not exist',
       e.UndefinedFunction, lambda m: f"function {m[1].lower()} does not exist"),
    _r(r'Schema with name "?([^"!]+?)"? does not exist', e.InvalidSchemaName,
       lambda m: f'schema "{m[1]}" does not exist'),
    _r(r'Catalog "?([^"!]+?)"? does not exist', e.InvalidCatalogName,
       lambda m: f'database "{m[1]}" does not exist'),
    _r(r'Type with name "?([^"!]+?)"? does not exist', e.UndefinedObject,
       lambda m: f'type "{m[1].lower()}" does not exist'),
    _r(r'Table with name "?([^"!]+?)"? already exists', e.DuplicateTable,
       lambda m: f'relation "{m[1]}" already exists'),
    _r(r'View with name "?([^"!]+?)"? already exists', e.DuplicateTable,
       lambda m: f'relation "{m[1]}" already exists'),
    _r(r'Schema with name "?([^"!]+?)"? already exists', e.DuplicateSchema,
       lambda m: f'schema "{m[1]}" already exists'),
    _r(r"Column with name (\S+) already exists", e.DuplicateColumn,
       lambda m: f'column "{m[1]}" already exists'),
    _r(r"already exists", e.DuplicateObject),
    _r(r"does not exist", e.UndefinedObject),
]
_BINDER: list[_Rule] = [
    # "... not found in FROM clause", or "... was not found because the FROM clause is missing".
    _r(r'Referenced column "?([^"!]+?)"? (?:was )?not found', e.UndefinedColumn,
       lambda m: f'column "{m[1]}" does not exist'),
    # SELECT * EXCLUDE of a name no relation of the FROM clause has.
    _r(r'Column "([^"]+)" in EXCLUDE list not found', e.UndefinedColumn,
       lambda m: f'column "{m[1]}" does not exist'),
    # A qualified reference (t.x) names the column as written; a statement's target column
    # (INSERT's list, UPDATE's SET) names its relation.
    _r(r'Table "?([^"!]+?)"? does not have a column named "([^"]+)"', e.UndefinedColumn,
       lambda m: f"column {m[1]}.{m[2]} does not exist"),
    _r(r'Table "?([^"!]+?)"? does not have a column with name "([^"]+)"',
       e.UndefinedColumn, lambda m: f'column "{m[2]}" of relation "{m[1]}" does not exist'),
    _r(r'Referenced table "?([^"!]+?)"? not found', e.UndefinedTable,
       lambda m: f'missing FROM-clause entry for table "{m[1]}"'),
    _r(r"No function matches the given name and argument types '([^(']+)\(([^']*)\)'",
       e.UndefinedFunction, lambda m: _no_such_function(m[1], m[2])),
    # A SQL UDF (a macro) called with arguments it has no overload for.
    _r(r"Macro (\S+?)\(\) does not support the supplied arguments", e.UndefinedFunction,
       lambda m: f"function {m[1]} does not exist for these argument types"),
    # A SQL UDF overloaded by argument types, called with an aggregate's or a window's value,
    # whose type DuckDB does not know when it picks the overload.
    _r(r"Macro (\S+?)\(\) has multiple overloads that match", e.FeatureNotSupported,
       lambda m: "feature not supported on Duckshift: the value of an aggregate or window "
       f"function as an argument of {_function_named(m[1])} overloaded by argument types"),
    _r(r'Ambiguous reference to column name "([^"]+)"', e.AmbiguousColumn,
       lambda m: f'column reference "{m[1]}" is ambiguous'),
    _r(r"Ambiguous reference to column name", e.AmbiguousColumn),
    _r(r'Ambiguous reference to table "(?:[^"]*\.)?([^".]+)" \(duplicate alias', e.DuplicateAlias,
       lambda m: f'table name "{m[1]}" specified more than once'),
    # A string literal where several overloads would take it (abs('x'), date + 'x').
    _r(r'Could not choose a best candidate function for the function call "([^(]+)\(([^)]*)\)"',
       e.AmbiguousFunction, lambda m: _not_unique(m[1], m[2])),
    # DuckDB's advice (SET max_expression_depth) is a setting clients cannot change.
    _r(r"Max expression depth limit of (\d+) exceeded", e.ProgramLimitExceeded,
       lambda m: f"statement too complex: expressions nested more than {m[1]} deep"),
    # PostgreSQL qualifies the column with its relation, which DuckDB's message does not name.
    _r(r'column "?([^"\s]+?)"? must appear in the GROUP BY clause', e.GroupingError,
       lambda m: f'column "{m[1]}" must appear in the GROUP BY clause or be used in an '
       "aggregate function"),
    _r(r"must appear in the GROUP BY clause", e.GroupingError),
    _r(r"^aggregate function calls cannot (?:be nested|contain window function calls)$",
       e.GroupingError),
    # DuckDB names a JOIN's ON condition WHERE.
    _r(r"^(\w+(?: BY)?) clause cannot contain aggregates!", e.GroupingError,
       lambda m: f"aggregate functions are not allowed in {m[1]}"),
    _r(r"^(\w+(?: BY)?) clause cannot contain window functions!", e.WindowingError,
       lambda m: f"window functions are not allowed in {m[1]}"),
    # Positions the front end could not check (a * in the select list): DuckDB does not name
    # the position (ORDER BY's is read from the caret, _CARET_RULES).
    _r(r"^(GROUP BY|ORDER) term out of range - should be between 1 and \d+$",
       e.InvalidColumnReference,
       lambda m: f"{m[1].replace('ORDER', 'ORDER BY')} position is not in select list"),
    # The front end names the operation where it can see both column lists.
    _r(r"^Set operations can only apply to expressions with the same number of result columns",
       e.SyntaxError_, lambda m: "each set operation query must have the same number of columns"),
    _r(r"has \d+ columns available but \d+ columns specified", e.InvalidColumnReference),
    _r(r"^Subquery returns \d+ columns - expected 1", e.SyntaxError_,
       lambda m: "subquery must return only one column"),
    # INSERT without a column list: PostgreSQL and Redshift fill the missing trailing columns
    # with their defaults, which DuckDB refuses.
    _r(r"^table \S+ has (\d+) columns but (\d+) values were supplied", e.SyntaxError_,
       lambda m: _insert_count(int(m[1]), int(m[2]), listed=False)),
    _r(r"^Column name/value mismatch for insert on \S+: expected (\d+) columns but (\d+) "
       r"values were supplied", e.SyntaxError_,
       lambda m: _insert_count(int(m[1]), int(m[2]), listed=True)),
    _r(r"^Referenced update column \"?([^\"\s!]+)\"? not found in table", e.UndefinedColumn,
       lambda m: f'column "{m[1]}" does not exist'),
    _r(r'^Column "([^"]+)" does not exist on (left|right) side of join', e.UndefinedColumn,
       lambda m: f'column "{m[1]}" specified in USING clause does not exist in {m[2]} table'),
    _r(r"^Cannot mix values of type (\w+) and (\w+) in (COALESCE|CASE)", e.DatatypeMismatch,
       lambda m: f"{m[3]} types {_pg_type(m[1])} and {_pg_type(m[2])} cannot be matched"),
    _r(r"Cannot compare values|Cannot mix values|cannot be cast|No operator matches",
       e.DatatypeMismatch),
]
# PostgreSQL's wording for an integer or numeric value that does not fit its type (DuckDB
# names the type: INT32, DECIMAL(18), ...).
_OVERFLOW: list[_Rule] = [
    _r(r"(?:Overflow in \w+ of|destination type) (INT8|INT16|INT32|INT64)\b",
       e.NumericValueOutOfRange, lambda m: f"{_pg_type(m[1])} out of range"),
    # The most negative integer divided by -1 or made positive: DuckDB names the value, which
    # names the type.
    _r(r"Overflow (?:in division of |on abs\()(-32768|-2147483648|-9223372036854775808)\b",
       e.NumericValueOutOfRange, lambda m: f"{_MIN_INTEGERS[m[1]]} out of range"),
    _r(r"Failed to cast decimal value \S+ to type (INT8|INT16|INT32|INT64)\b",
       e.NumericValueOutOfRange, lambda m: f"{_pg_type(m[1])} out of range"),
    # SIN, COS, TAN, COT ... of an infinite value: PostgreSQL's words.
    _r(r"^input value -?inf is out of range for numeric function", e.NumericValueOutOfRange,
       lambda m: "input is out of range"),
    # A DOUBLE PRECISION value too large for REAL (literals are checked in translation).
    _r(r"Type DOUBLE with value \S+ can't be cast because the value is out of range for the "
       r"destination type FLOAT\b", e.NumericValueOutOfRange,
       lambda m: "value out of range: overflow"),
    # A time or timestamp whose fields do not fit (25:00, minute 60, February 30): 22008. DuckDB
    # says the same of text that is no time at all, which PostgreSQL calls bad syntax (22007):
    # the two are told apart by whether the text is made of a time's characters.
    _r(r'^(?:time|timestamp) field value out of range: "([-+\d :./T]*\d)"',
       e.DatetimeFieldOverflow, lambda m: f'date/time field value out of range: "{m[1]}"'),
    _r(r'^(time|timestamp) field value out of range: "([^"]*)"', e.InvalidDatetimeFormat,
       lambda m: f'invalid input syntax for type {m[1]}: "{m[2]}"'),
    # A date built from fields (MAKE_DATE, TO_DATE) or moved by arithmetic past the calendar's
    # range.
    _r(r"^Date out of range: (\S+)", e.DatetimeFieldOverflow,
       lambda m: f"date field value out of range: {m[1]}"),
    _r(r"^Date out of range$", e.DatetimeFieldOverflow, lambda m: "date out of range"),
    _r(r"^Epoch seconds out of range for TIMESTAMP", e.DatetimeFieldOverflow,
       lambda m: "timestamp out of range"),
    _r(r"^Overflow in multiplication of INTERVAL", e.DatetimeFieldOverflow,
       lambda m: "interval out of range"),
    # PostgreSQL's own codes for these (its words are DuckDB's).
    _r(r"cannot take logarithm of (?:zero|a negative number)", e.InvalidArgumentForLogarithm),
    _r(r"cannot take square root of a negative number", e.InvalidArgumentForPowerFunction),
    # A string of digits that an integer type cannot hold (PostgreSQL's words; a string that
    # is not a number stays 22P02).
    _r(r"Could not convert string (?:'\s*([-+]?\d+)\s*'|\"\s*([-+]?\d+)\s*\") "
       r"to (INT8|INT16|INT32|INT64)\b",
       e.NumericValueOutOfRange,
       lambda m: f'value "{m[1] or m[2]}" is out of range for type {_pg_type(m[3])}'),
    _r(r"Overflow in multiplication of DECIMAL\(18\)", ProductOverflow,
       lambda m: "numeric field overflow"),
    # A number too wide for DECIMAL(p, s), from arithmetic, a cast or a string (INT128: the
    # digits of an exact DECIMAL division and their DOUBLE PRECISION estimates,
    # engine/macros.py's DIVIDE and DIVIDE_SHARED; Redshift has no such integer type for user
    # SQL to overflow).
    _r(r"Overflow in \w+ of (?:DECIMAL|INT128)|Could not cast value \S+ to DECIMAL|"
       r"destination type (?:DECIMAL|INT128)|"
       r"to type DECIMAL\(\d+,\d+\) failed: value is out of range|"
       r"Could not convert string \"\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?\s*\" "
       r"to DECIMAL",
       e.NumericValueOutOfRange, lambda m: "numeric field overflow"),
]
_CONVERSION: list[_Rule] = [
    *_OVERFLOW,
    # A date part DATE_TRUNC, DATE_PART, EXTRACT, DATEADD or DATEDIFF does not know: sqlglot
    # writes their date parts in capitals. DuckDB says the same of an unknown unit in an
    # interval's text, written as the client wrote it, which PostgreSQL calls 22007.
    _r(r'^extract specifier "([^"a-z]*)" not recognized', e.InvalidParameterValue,
       lambda m: f'unit "{m[1].lower()}" not recognized'),
    _r(r'^extract specifier "([^"]*)" not recognized', e.InvalidDatetimeFormat,
       lambda m: f'invalid input syntax for type interval: unknown unit "{m[1]}"'),
    _r(r"out of range|Overflow|overflow|Could not cast value .* to (?:DECIMAL|INT|BIGINT)",
       e.NumericValueOutOfRange),
    _r(r"(?:Could not convert string|invalid date field format|date field value out of range)"
       r"[: ]*'?([^']*)'? to DATE|date field format: \"([^\"]*)\"",
       e.InvalidDatetimeFormat,
       lambda m: f'invalid input syntax for type date: "{m[1] or m[2]}"'),
    # A well-formed timestamp whose minute or second is past 59: PostgreSQL's 22008, as for
    # an hour past 24 (DuckDB calls these malformed).
    _r(r'invalid timestamp field format: "(\d{4}-\d\d-\d\d[ T]\d\d?:(?:[6-9]\d:\d\d|\d\d:[6-9]\d)'
       r'(?:\.\d+)?)"', e.DatetimeFieldOverflow,
       lambda m: f'date/time field value out of range: "{m[1]}"'),
    _r(r'invalid timestamp field format: "([^"]*)"', e.InvalidDatetimeFormat,
       lambda m: f'invalid input syntax for type timestamp: "{m[1]}"'),
    _r(r"Could not convert string '([^']*)' to INTERVAL", e.InvalidDatetimeFormat,
       lambda m: f'invalid input syntax for type interval: "{m[1]}"'),
    # A VARBYTE read as UTF-8 text (a cast to a character type, FROM_VARBYTE(v, 'utf8')).
    _r(r"Failure in decode: could not convert blob to UTF8", e.CharacterNotInRepertoire,
       lambda m: 'invalid byte sequence for encoding "UTF8"'),
    # The text may hold the quote DuckDB puts around it (it's): up to the last "' to TYPE".
    _r(r"Could not convert string (?:'(.*)'|\"(.*)\") to (\w+)",
       e.InvalidTextRepresentation,
       lambda m: f'invalid input syntax for type {_pg_type(m[3])}: "{m[1] or m[2] or ""}"'),
]
_CONSTRAINT: list[_Rule] = [
    _r(r'NOT NULL constraint failed: (\S+)', e.NotNullViolation,
       lambda m: f'null value in column "{m[1].split(".")[-1]}" violates not-null constraint'),
    _r(r"Duplicate key|PRIMARY KEY or UNIQUE constraint", e.UniqueViolation),
    # The dialect's length CHECKs raise Redshift's text through DuckDB's error().
    _r(r"\(Error: (value too long for type (?:character(?: varying)?|binary varying)\(\d+\))\)$",
       e.StringDataRightTruncation, lambda m: m[1]),
    _r(r"\(Error: (Multibyte character not supported for CHAR.*)\)$",
       e.CharacterNotInRepertoire, lambda m: m[1]),
    # The dialect's CHECKs that refuse what Duckshift cannot store faithfully (TIMETZ offsets).
    _r(r"\(Error: (feature not supported on Duckshift: .*)\)$", e.FeatureNotSupported,
       lambda m: m[1]),
    _r(r"CHECK constraint", e.CheckViolation),
]
_TRANSACTION: list[_Rule] = [
    _r(r"Conflict on|conflict", e.SerializationFailure,
       lambda m: "could not serialize access due to concurrent update"),
    _r(r'write to database "([^"]+)" in a transaction that has already modified database '
       r'"([^"]+)"', e.InvalidTransactionState,
       lambda m: f'writes inside one transaction may target a single database only: it has '
       f'written to database "{m[2]}" and cannot write to "{m[1]}"'),
    _r(r"Current transaction is aborted", e.InFailedSqlTransaction,
       lambda m: "current transaction is aborted, commands ignored until end of transaction block"),
    _r(r"", e.InvalidTransactionState),
]

# What DuckDB's parser checks beyond the grammar (its words are PostgreSQL's).
_PARSER: list[_Rule] = [
    _r(r'^window "[^"]*" does not exist$', e.UndefinedObject),
    _r(r"^frame (?:start|end|starting from)", e.WindowingError),
    _r(r'^Duplicate CTE name "([^"]*)"', e.DuplicateAlias,
       lambda m: f'WITH query name "{m[1]}" specified more than once'),
]
_SYNTAX: list[_Rule] = [
    _r(r"Invalid escape string", e.InvalidEscapeSequence, lambda m: "invalid escape string"),
]
_INVALID_INPUT: list[_Rule] = [
    # The dialect's guards (division, SUBSTRING's length, ...) raise these through DuckDB's
    # error().
    _r(r"^division by zero$", e.DivisionByZero),
    # RE2's complaints about a pattern (REGEXP_*, SIMILAR TO, ~).
    _r(r"^(missing \)|missing \]|unexpected \)|invalid escape sequence|bad repetition operator|"
       r"invalid character class|invalid character class range|trailing \\|"
       r"no argument for repetition operator|invalid named capture group|"
       r"invalid repetition size|invalid perl operator|invalid UTF-8)",
       e.InvalidRegularExpression, lambda m: f"invalid regular expression: {m.string}"),
    # TO_DATE/TO_TIMESTAMP of a string that does not match its format.
    _r(r'^Could not parse string "([^"]*)" according to format specifier', e.InvalidDatetimeFormat,
       lambda m: f'invalid value "{m[1]}" for the format'),
    _r(r"^negative substring length not allowed$", e.SubstringError),
    # An argument a function casts itself (ROUND's digits).
    _r(r"^Failed to cast value: Could not convert string '([^']*)' to (INT8|INT16|INT32|INT64)\b",
       e.InvalidTextRepresentation,
       lambda m: f'invalid input syntax for type {_pg_type(m[2])}: "{m[1]}"'),
    _r(r"^Argument for ntile must be greater than zero", e.InvalidArgumentForNtile,
       lambda m: "argument of ntile must be greater than zero"),
    # A string cast to an integer type (engine/macros.py INTEGER_CASTS).
    _r(r"^invalid input syntax for type (?:smallint|integer|bigint): ",
       e.InvalidTextRepresentation),
    _r(r'^value ".*" is out of range for type (?:smallint|integer|bigint)$',
       e.NumericValueOutOfRange),
    # The floating point guards (engine/macros.py, proxy/sql/transforms/arithmetic.py).
    _r(r"^value out of range: (?:overflow|underflow)$", e.NumericValueOutOfRange),
    _r(r"^(?:zero raised to a negative power is undefined|a negative number raised to a "
       r"non-integer power yields a complex result)$", e.InvalidArgumentForPowerFunction),
    _r(r"^(?:ACOS|ASIN) is undefined outside", e.NumericValueOutOfRange,
       lambda m: "input is out of range"),
    # CHR of a number that is no character (0 is refused by the dialect's guard, as in
    # PostgreSQL).
    _r(r"^Invalid UTF8 Codepoint -\d+$", e.InvalidParameterValue,
       lambda m: "character number must be positive"),
    _r(r"^Invalid UTF8 Codepoint (\d+)$", e.ProgramLimitExceeded,
       lambda m: f"requested character {_codepoint_problem(int(m[1]))} for encoding: {m[1]}"),
    _r(r"^null character not permitted$", e.ProgramLimitExceeded),
    _r(r"^field position must be greater than zero$", e.InvalidParameterValue),
    # A date literal read in the session's DateStyle order (proxy/sql/transforms/date_literals.py);
    # TO_DATE's day past the month's end with is_strict (engine/macros.py STRICT_DATE).
    _r(r"^date/time field (?:date )?value out of range: ", e.DatetimeFieldOverflow),
    _r(r"^index -?\d+ out of valid range, 0\.\.-?\d+$", e.ArraySubscriptError),  # GETBIT
    _r(r"^operator does not exist: ", e.UndefinedFunction),  # the bitwise macros
    # Arguments a Redshift function's macro does not take (engine/function_macros.py).
    _r(r"^function [a-z_]+\(.*\) does not exist$", e.UndefinedFunction),
    _r(r"^cannot cast type [a-z ]+ to super$", e.CannotCoerce),  # the SUPER macro
    _r(r"^feature not supported on Duckshift: ", e.FeatureNotSupported),
    # FROM_HEX and TO_VARBYTE(s, 'hex') of a string that is not hex.
    _r(r"^Invalid input for hex digit: (.)", e.InvalidTextRepresentation,
       lambda m: f'invalid hexadecimal digit: "{m[1]}"'),
    # A column ALTER DISTKEY/SORTKEY/ENCODE names (proxy/sql/transforms/alter_attributes.py).
    _r(r'^column "[^"]*" of relation "[^"]*" does not exist$', e.UndefinedColumn),
    # ADD and DROP CONSTRAINT (proxy/sql/transforms/informational_keys.py).
    _r(r'^constraint "[^"]*" of relation "[^"]*" does not exist$', e.UndefinedObject),
    _r(r'^constraint "[^"]*" for relation "[^"]*" already exists$', e.DuplicateObject),
    _r(r"^cannot drop constraint \S+ on table \S+ because other objects depend on it$",
       e.DependentObjectsStillExist),
    _r(r"^(?:multiple primary keys for table \S+ are not allowed|column .* must be NOT NULL "
       r"to be part of a primary key)$", e.InvalidTableDefinition),
    # Explicit values for an IDENTITY column (proxy/sql/transforms/identity_writes.py).
    _r(r"^cannot set an identity column to a value$", e.FeatureNotSupported),
    _r(r"^More than one row returned by a subquery used as an expression", e.CardinalityViolation,
       lambda m: "more than one row returned by a subquery used as an expression"),
]

# Binder errors whose missing detail (a position, a keyword, a literal) is read from the text
# DuckDB's LINE context shows at its caret: the text before the caret and from it on. A rule
# that cannot tell returns None and the family's rules apply.
_CaretRule = tuple[re.Pattern[str], Callable[[re.Match[str], str, str], "e.SQLError | None"]]
_INTEGERS = ("INTEGER", "BIGINT", "SMALLINT", "TINYINT", "INTEGER_LITERAL")
_STRING_LITERAL = re.compile(r"'((?:[^']|'')*)'")


def _order_position(m: re.Match[str], before: str, after: str) -> e.SQLError | None:
    n = re.match(r"-?\d+", after)
    return (e.InvalidColumnReference(f"ORDER BY position {n[0]} is not in select list")
            if n else None)


def _negative_row_count(m: re.Match[str], before: str, after: str) -> e.SQLError:
    words = before.split()
    if words and words[-1].lower() == "offset":
        return e.InvalidRowCountInResultOffsetClause("OFFSET must not be negative")
    return e.InvalidRowCountInLimitClause("LIMIT must not be negative")


def _text_operand(m: re.Match[str], before: str, after: str) -> e.SQLError | None:
    """A string literal beside an integer in arithmetic: PostgreSQL reads the literal as that
    integer type, and fails on text that is not one (integer text is an integer already, see
    proxy/sql/transforms/arithmetic.py's integer_text_operands)."""
    left, right = m[2], m[3]
    if right == "STRING_LITERAL" and left in _INTEGERS:
        literal = re.match(r"[-+*/%]\s*" + _STRING_LITERAL.pattern, after)
        other = left
    elif left == "STRING_LITERAL" and right in _INTEGERS:
        literal = re.search(_STRING_LITERAL.pattern + r"\s*$", before)
        other = right
    else:
        return None
    if literal is None:
        return None
    value = literal[1].replace("''", "'")
    return e.InvalidTextRepresentation(
        f'invalid input syntax for type {_pg_type(other.removesuffix("_LITERAL"))}: "{value}"')


_CARET_RULES: list[_CaretRule] = [
    (re.compile(r"^ORDER term out of range"), _order_position),
    (re.compile(r"^LIMIT/OFFSET cannot be negative"), _negative_row_count),
    (re.compile(r'^Could not choose a best candidate function for the function call '
                r'"([-+*/%])\((\w+), (\w+)\)"'), _text_operand),
]


def _caret(raw: str) -> tuple[str, str]:
    """The line of DuckDB's LINE context split at its caret: (before, from the caret on)."""
    lines = raw.split("\n")
    for i, line in enumerate(lines[:-1]):
        if line.startswith("LINE ") and ": " in line:
            start = line.index(": ") + 2
            col = lines[i + 1].find("^") - start
            if col >= 0:
                return line[start:start + col], line[start + col:]
    return "", ""


_FAMILIES: list[tuple[type[BaseException], list[_Rule], type[e.SQLError]]] = [
    (duckdb.ParserException, [], e.SyntaxError_),
    (duckdb.CatalogException, _CATALOG, e.UndefinedObject),
    (duckdb.BinderException, _BINDER, e.SyntaxErrorOrAccessRuleViolation),
    (duckdb.ConversionException, _CONVERSION, e.InvalidTextRepresentation),
    (duckdb.OutOfRangeException, _OVERFLOW, e.NumericValueOutOfRange),
    (duckdb.ConstraintException, _CONSTRAINT, e.IntegrityConstraintViolation),
    (duckdb.TransactionException, _TRANSACTION, e.InvalidTransactionState),
    (duckdb.InterruptException, [], e.QueryCanceled),
    (duckdb.PermissionException, [], e.InsufficientPrivilege),
    (duckdb.NotImplementedException, [], e.FeatureNotSupported),
    (duckdb.OutOfMemoryException, [], e.OutOfMemory),
    (duckdb.IOException, [], e.IOError_),
    (duckdb.TypeMismatchException, [], e.DatatypeMismatch),
    (duckdb.SyntaxException, _SYNTAX, e.SyntaxError_),
    (duckdb.InvalidInputException, _INVALID_INPUT, e.InvalidParameterValue),
    (duckdb.DataError, [], e.DataException),
]

_DUCK_TO_PG_TYPE = {
    "INT8": "smallint", "INT16": "smallint", "INT32": "integer", "INT64": "bigint",
    "TINYINT": "smallint", "SMALLINT": "smallint", "INTEGER": "integer", "BIGINT": "bigint",
    "DOUBLE": "double precision", "FLOAT": "real", "BOOL": "boolean", "BOOLEAN": "boolean",
    "DATE": "date", "TIMESTAMP": "timestamp", "UUID": "uuid", "DECIMAL": "numeric",
    "VARCHAR": "character varying", "UNKNOWN": "unknown", "BLOB": "bytea",
}


_MIN_INTEGERS = {
    "-32768": "smallint", "-2147483648": "integer", "-9223372036854775808": "bigint",
}


def _codepoint_problem(code: int) -> str:
    # PostgreSQL's words: past Unicode's last character, or a UTF-16 surrogate.
    return "too large" if code > 0x10FFFF else "not valid"


def _pg_type(duck: str) -> str:
    return _DUCK_TO_PG_TYPE.get(duck.upper(), duck.lower())


def _pg_args(duck_args: str) -> str:
    """DuckDB's argument list (``INTEGER_LITERAL, VARCHAR``) in PostgreSQL's type names."""
    names = []
    for raw in duck_args.split(","):
        arg = raw.strip().upper()
        if arg.endswith("_LITERAL"):
            arg = {"INTEGER_LITERAL": "INTEGER", "STRING_LITERAL": "UNKNOWN"}.get(arg, arg[:-8])
        names.append(_pg_type(arg) if arg else "")
    return ", ".join(n for n in names if n)


def _no_such_function(name: str, duck_args: str) -> str:
    """PostgreSQL's words for a call or an operator no overload takes."""
    args = _pg_args(duck_args)
    if name[:1].isalpha() or name[:1] == "_":
        return f"function {name}({args}) does not exist"
    left, _, right = args.partition(", ")
    return (f"operator does not exist: {left} {name} {right}" if right
            else f"operator does not exist: {name} {left}")


def _insert_count(columns: int, values: int, *, listed: bool) -> e.SQLError:
    """An INSERT whose values do not match its columns, as PostgreSQL words it."""
    if values > columns:
        return e.SyntaxError_("INSERT has more expressions than target columns")
    if listed:
        return e.SyntaxError_("INSERT has more target columns than expressions")
    return e.FeatureNotSupported(
        "feature not supported on Duckshift: INSERT of fewer values than the table has "
        "columns without a column list; name the columns the values are for")


def _not_unique(name: str, duck_args: str) -> str:
    """PostgreSQL's words for a call or an operator several overloads would take."""
    args = [a.strip() for a in _pg_args(duck_args).split(",")]
    if not name[:1].isalpha() and len(args) == 2:
        return f"operator is not unique: {args[0]} {name} {args[1]}"
    if not name[:1].isalpha() and len(args) == 1:
        return f"operator is not unique: {name} {args[0]}"
    return f"function {name}({', '.join(args)}) is not unique"


def clean_message(raw: str, aliases: Mapping[str, str] | None = None) -> str:
    """DuckDB's message without its family prefix, caret context or internal aliases."""
    msg = _PREFIX.sub("", raw.strip())
    msg = msg.split("\n\nLINE ", 1)[0].split("\nLINE ", 1)[0].strip()
    for alias, name in (aliases or {}).items():
        msg = msg.replace(alias, name)
    return msg


# DuckDB's text for an interrupted statement.
_INTERRUPTED = "Interrupted!"


def translate(exc: BaseException, aliases: Mapping[str, str] | None = None) -> e.SQLError:
    """Map a DuckDB exception to the SQLError a PostgreSQL client expects."""
    if isinstance(exc, e.SQLError):
        return exc
    msg = clean_message(str(exc), aliases)
    udf = _UDF_ERROR.search(msg)
    if udf is not None:
        # Our own functions raise "<SQLSTATE> <message>" (see Engine.register_function).
        return e.make(udf[1], udf[2])
    if isinstance(exc, duckdb.ParserException):
        return _apply(_PARSER, msg) or e.SyntaxError_(_parser_message(msg))
    if msg == _INTERRUPTED:
        # An interrupt can surface through other paths than InterruptException (an Arrow
        # reader's error, for one); it is still the cancel the caller asked for.
        return e.QueryCanceled(msg)
    if isinstance(exc, duckdb.BinderException):
        for pattern, build in _CARET_RULES:
            m = pattern.search(msg)
            if m:
                found = build(m, *_caret(str(exc)))
                if found is not None:
                    return found
    for family, rules, default in _FAMILIES:
        if isinstance(exc, family):
            return _apply(rules, msg) or default(msg)
    return e.InternalError(msg)


def _apply(rules: list[_Rule], msg: str) -> e.SQLError | None:
    """The error of the first rule whose pattern ``msg`` matches, else None."""
    for pattern, cls, fmt in rules:
        m = pattern.search(msg)
        if m:
            out = fmt(m) if fmt else msg
            return out if isinstance(out, e.SQLError) else cls(out)
    return None


def _parser_message(msg: str) -> str:
    # DuckDB: 'syntax error at or near "selec"' already has PostgreSQL's wording.
    return msg if msg.startswith("syntax error") else f"syntax error: {msg}"
