"""Every error Duckshift can send to a client, each carrying its SQLSTATE.

This is the bottom layer, importable by every package. A subclass registers its code when the
class is created (as psycopg's ``errors.py`` does) and a second class claiming the same code
fails at import (as asyncpg's ``PostgresMessageMeta`` does). ``lookup()`` maps a code back to
its class, falling back to the class of the code's first two characters.

Only ``proxy/wire/backend.py`` turns an error into ErrorResponse fields; only
``engine/duckdb_errors.py`` translates DuckDB exceptions into these classes.
"""

from __future__ import annotations

from typing import ClassVar


class SQLError(Exception):
    """Base of every error sent to a client: severity, SQLSTATE, message and optional fields."""

    sqlstate: ClassVar[str] = "XX000"
    severity: ClassVar[str] = "ERROR"
    _registry: ClassVar[dict[str, type[SQLError]]] = {}

    def __init_subclass__(cls, code: str | None = None, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        if code is None:
            return
        if code in SQLError._registry:
            raise TypeError(f"SQLSTATE {code} already registered by {SQLError._registry[code]}")
        cls.sqlstate = code
        SQLError._registry[code] = cls

    def __init__(
        self,
        message: str,
        *,
        detail: str | None = None,
        hint: str | None = None,
        position: int | None = None,
        where: str | None = None,
        sqlstate: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.hint = hint
        self.position = position
        self.where = where
        if sqlstate is not None:
            self.sqlstate = sqlstate  # type: ignore[misc]

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.sqlstate}: {self.message!r})"


def lookup(code: str) -> type[SQLError]:
    """Return the class registered for ``code``, else the class of its two-character class."""
    cls = SQLError._registry.get(code)
    if cls is None:
        cls = SQLError._registry.get(code[:2] + "000", SQLError)
    return cls


def make(code: str, message: str, **fields: object) -> SQLError:
    """Build an error for an arbitrary SQLSTATE, keeping the exact code."""
    return lookup(code)(message, sqlstate=code, **fields)  # type: ignore[arg-type]


class FatalError(SQLError):
    """Errors after which the connection is closed (severity FATAL)."""

    severity: ClassVar[str] = "FATAL"


# -- Class 08: connection exceptions ------------------------------------------------------
class ConnectionException(SQLError, code="08000"):
    pass


class ProtocolViolation(FatalError, code="08P01"):
    pass


# -- Class 0A: feature not supported ------------------------------------------------------
class FeatureNotSupported(SQLError, code="0A000"):
    pass


# -- Class 21: cardinality violation ----------------------------------------------------
class CardinalityViolation(SQLError, code="21000"):
    pass


# -- Class 22: data exceptions ------------------------------------------------------------
class DataException(SQLError, code="22000"):
    pass


class StringDataRightTruncation(SQLError, code="22001"):
    pass


class InvalidArgumentForNtile(SQLError, code="22014"):
    pass


class InvalidArgumentForNthValue(SQLError, code="22016"):
    pass


class InvalidRowCountInLimitClause(SQLError, code="2201W"):
    pass


class InvalidRowCountInResultOffsetClause(SQLError, code="2201X"):
    pass


class NumericValueOutOfRange(SQLError, code="22003"):
    pass


class InvalidArgumentForLogarithm(SQLError, code="2201E"):
    pass


class InvalidArgumentForPowerFunction(SQLError, code="2201F"):
    pass


class InvalidDatetimeFormat(SQLError, code="22007"):
    pass


class DatetimeFieldOverflow(SQLError, code="22008"):
    pass


class SubstringError(SQLError, code="22011"):
    pass


class DivisionByZero(SQLError, code="22012"):
    pass


class ArraySubscriptError(SQLError, code="2202E"):
    pass


class InvalidParameterValue(SQLError, code="22023"):
    pass


class BadCopyFileFormat(SQLError, code="22P04"):
    pass


class InvalidTextRepresentation(SQLError, code="22P02"):
    pass


class InvalidBinaryRepresentation(SQLError, code="22P03"):
    pass


class CharacterNotInRepertoire(SQLError, code="22021"):
    pass


# -- Class 23: integrity constraint violations --------------------------------------------
class IntegrityConstraintViolation(SQLError, code="23000"):
    pass


class NotNullViolation(SQLError, code="23502"):
    pass


class UniqueViolation(SQLError, code="23505"):
    pass


class CheckViolation(SQLError, code="23514"):
    pass


# -- Class 24: invalid cursor state -------------------------------------------------------
class InvalidCursorState(SQLError, code="24000"):
    pass


# -- Class 25/26: transaction state, prepared statements ----------------------------------
class DependentObjectsStillExist(SQLError, code="2BP01"):
    """dependent_objects_still_exist."""


class InvalidGrantOperation(SQLError, code="0LP01"):
    """invalid_grant_operation."""


class ReservedName(SQLError, code="42939"):
    """reserved_name."""


class InvalidTransactionState(SQLError, code="25000"):
    pass


class ActiveSqlTransaction(SQLError, code="25001"):
    pass


class NoActiveSqlTransaction(SQLError, code="25P01"):
    pass


class InFailedSqlTransaction(SQLError, code="25P02"):
    pass


def in_failed_transaction() -> InFailedSqlTransaction:
    """The error for any statement but ROLLBACK/COMMIT in a failed transaction block."""
    return InFailedSqlTransaction(
        "current transaction is aborted, commands ignored until end of transaction block"
    )


class InvalidSqlStatementName(SQLError, code="26000"):
    pass


class InvalidCursorName(SQLError, code="34000"):
    pass


# -- Class 28: authorization -------------------------------------------------------------
class InvalidAuthorizationSpecification(FatalError, code="28000"):
    pass


class InvalidPassword(FatalError, code="28P01"):
    pass


# -- Class 3D/3F: catalog names -----------------------------------------------------------
class InvalidCatalogName(SQLError, code="3D000"):
    pass


class InvalidSchemaName(SQLError, code="3F000"):
    pass


# -- Class 40: transaction rollback -------------------------------------------------------
class TransactionRollback(SQLError, code="40000"):
    pass


class SerializationFailure(SQLError, code="40001"):
    pass


# -- Class 42: syntax error or access rule violation --------------------------------------
class SyntaxErrorOrAccessRuleViolation(SQLError, code="42000"):
    pass


class SyntaxError_(SQLError, code="42601"):
    pass


class InsufficientPrivilege(SQLError, code="42501"):
    pass


class UndefinedColumn(SQLError, code="42703"):
    pass


class UndefinedFunction(SQLError, code="42883"):
    pass


class UndefinedTable(SQLError, code="42P01"):
    pass


class UndefinedObject(SQLError, code="42704"):
    pass


class UndefinedParameter(SQLError, code="42P02"):
    pass


class DuplicateTable(SQLError, code="42P07"):
    pass


class DuplicateObject(SQLError, code="42710"):
    pass


class DuplicateColumn(SQLError, code="42701"):
    pass


class DuplicateAlias(SQLError, code="42712"):
    pass


class AmbiguousFunction(SQLError, code="42725"):
    pass


class InvalidEscapeSequence(SQLError, code="22025"):
    pass


class InvalidRegularExpression(SQLError, code="2201B"):
    pass


class DuplicateFunction(SQLError, code="42723"):
    pass


class DuplicateSchema(SQLError, code="42P06"):
    pass


class DuplicateDatabase(SQLError, code="42P04"):
    pass


class DuplicatePreparedStatement(SQLError, code="42P05"):
    pass


class DuplicateCursor(SQLError, code="42P03"):
    pass


class DatatypeMismatch(SQLError, code="42804"):
    pass


class CannotCoerce(SQLError, code="42846"):
    pass


class AmbiguousColumn(SQLError, code="42702"):
    pass


class GroupingError(SQLError, code="42803"):
    pass


class WrongObjectType(SQLError, code="42809"):
    pass


class InvalidColumnReference(SQLError, code="42P10"):
    pass


class WindowingError(SQLError, code="42P20"):
    pass


class InvalidTableDefinition(SQLError, code="42P16"):
    pass


# -- Class 53/54: resources and limits ----------------------------------------------------
class InsufficientResources(SQLError, code="53000"):
    pass


class OutOfMemory(SQLError, code="53200"):
    pass


class TooManyConnections(FatalError, code="53300"):
    pass


class ConfigurationLimitExceeded(SQLError, code="53400"):
    pass


class ProgramLimitExceeded(SQLError, code="54000"):
    pass


class StatementTooComplex(SQLError, code="54001"):
    pass


# -- Class 55/57: object state, operator intervention -------------------------------------
class ObjectNotInPrerequisiteState(SQLError, code="55000"):
    pass


class ObjectInUse(SQLError, code="55006"):
    pass


class LockNotAvailable(SQLError, code="55P03"):
    pass


class OperatorIntervention(SQLError, code="57000"):
    pass


class QueryCanceled(SQLError, code="57014"):
    pass


class IdleSessionTimeout(FatalError, code="57P05"):
    """idle_session_timeout: the user's SESSION TIMEOUT passed with nothing from the client."""


class AdminShutdown(FatalError, code="57P01"):
    pass


# -- Class 58/XX: system and internal errors ----------------------------------------------
class SystemError_(SQLError, code="58000"):
    pass


class IOError_(SQLError, code="58030"):
    pass


class InternalError(SQLError, code="XX000"):
    pass


# -- Configuration (not sent on the wire; the CLI prints them and exits 2) -----------------
class ConfigError(ValueError):
    """A configuration file or command line that cannot be used; the message is one line."""
