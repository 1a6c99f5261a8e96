"""Session parameters: the ones Redshift and PostgreSQL clients set, show and depend on.

DuckDB's own SET and SHOW mean something else (and its configuration is locked), so every
parameter a client may touch is declared here with its default, its validation and whether a
change is reported to the client with ParameterStatus. Unknown parameters are refused with
PostgreSQL's error, not silently accepted.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from catalog.errors import FeatureNotSupported, InvalidParameterValue, UndefinedObject
from proxy import session_zone


@dataclass(frozen=True, slots=True)
class Param:
    """A session parameter: default value, validator, and whether clients are told."""

    default: str
    report: bool = False
    read_only: bool = False
    check: Callable[[str], str] | None = None
    # How a checked value combines with the previous one (DateStyle keeps what it omits).
    combine: Callable[[str, str], str] | None = None


def _encoding(v: str) -> str:
    if v.upper().replace("-", "") not in ("UTF8", "UNICODE"):
        raise FeatureNotSupported(f'conversion between {v} and UTF8 is not supported')
    return "UTF8"


# DateStyle's words for the order of day, month and year in input (PostgreSQL's).
_DATE_ORDERS = {"MDY": "MDY", "US": "MDY", "NONEURO": "MDY", "NONEUROPEAN": "MDY",
                "DMY": "DMY", "EURO": "DMY", "EUROPEAN": "DMY", "YMD": "YMD"}


def _datestyle(v: str) -> str:
    # Output is always ISO (SQL, Postgres and German print otherwise, so they are refused);
    # the input order is what the date_literals transform reads string literals by.
    parts = [p.strip().upper() for p in v.split(",") if p.strip()]
    orders = {_DATE_ORDERS[p] for p in parts if p in _DATE_ORDERS}
    if not parts or len(orders) > 1 or not set(parts) <= {"ISO", *_DATE_ORDERS}:
        raise FeatureNotSupported(f'feature not supported on Duckshift: DateStyle "{v}"')
    return f"ISO, {orders.pop()}" if orders else "ISO"


def _keep_date_order(value: str, previous: str) -> str:
    # A DateStyle that names no order keeps the previous one, as in PostgreSQL.
    return value if "," in value else f"ISO, {date_order(previous)}"


def date_order(datestyle: str) -> str:
    """The input order (MDY, DMY or YMD) of a DateStyle value as ``_datestyle`` stores it."""
    return datestyle.rpartition(",")[2].strip() if "," in datestyle else "MDY"


def _timezone(v: str) -> str:
    return session_zone.resolve(v)[0]


def _bool(v: str) -> str:
    low = v.lower()
    if low in ("on", "true", "1", "yes", "t"):
        return "on"
    if low in ("off", "false", "0", "no", "f"):
        return "off"
    raise InvalidParameterValue(f'invalid value for parameter: "{v}"')


def _int(v: str) -> str:
    try:
        return str(int(v))
    except ValueError:
        raise InvalidParameterValue(f'invalid value for parameter: "{v}"') from None


def _only(name: str, default: str) -> Param:
    """A boolean parameter of which Duckshift does only Redshift's default: setting the other
    value is refused (0A000) rather than accepted and ignored."""

    def check(v: str) -> str:
        value = _bool(v)
        if value != default:
            raise FeatureNotSupported(f"feature not supported on Duckshift: {name} {value}")
        return value

    return Param(default, check=check)


def _isolation(v: str) -> str:
    return v.lower()


PARAMS: dict[str, Param] = {
    "application_name": Param("", report=True),
    "client_encoding": Param("UTF8", report=True, check=_encoding),
    "datestyle": Param("ISO, MDY", report=True, check=_datestyle, combine=_keep_date_order),
    "timezone": Param("UTC", report=True, check=_timezone),
    "intervalstyle": Param("postgres", report=True),
    "extra_float_digits": Param("1", check=_int),
    "search_path": Param("$user, public"),
    "statement_timeout": Param("0", check=_int),
    "query_group": Param("default"),
    "enable_result_cache_for_session": Param("on", check=_bool),
    "enable_case_sensitive_identifier": Param("off", check=_bool),
    "transaction_isolation": Param("serializable", check=_isolation),
    "default_transaction_isolation": Param("serializable", check=_isolation),
    "transaction_read_only": Param("off", check=_bool),
    "wlm_query_slot_count": Param("1", check=_int),
    "analyze_threshold_percent": Param("10"),
    "readonly": Param("0"),
    "describe_field_name_in_uppercase": Param("off", check=_bool),
    # Redshift's SUPER modes: lax navigation and casts, strict parsing, case-blind attributes.
    "navigate_super_null_on_error": _only("navigate_super_null_on_error", "on"),
    "cast_super_null_on_error": _only("cast_super_null_on_error", "on"),
    "parse_super_null_on_error": _only("parse_super_null_on_error", "off"),
    "enable_case_sensitive_super_attribute": _only("enable_case_sensitive_super_attribute",
                                                   "off"),
    "json_parse_truncate_strings": _only("json_parse_truncate_strings", "off"),
    "json_parse_dedupe_attributes": _only("json_parse_dedupe_attributes", "off"),
    # Whether ARRAY_CONTAINS, ARRAY_POSITION and ARRAY_POSITIONS match NULLs when their
    # null_match argument is left out (Context.array_search_nulls).
    "default_array_search_null_handling": Param("on", check=_bool),
    "error_on_nondeterministic_update": _only("error_on_nondeterministic_update", "off"),
    # Casts of NUMERIC values round (Redshift's default); identifiers fold unless
    # enable_case_sensitive_identifier says otherwise (which replaces this older switch).
    "enable_numeric_rounding": _only("enable_numeric_rounding", "on"),
    "downcase_delimited_identifier": _only("downcase_delimited_identifier", "on"),
    # Redshift's tuning knobs, which change no answer here.
    "enable_vacuum_boost": Param("off", check=_bool),
    "mv_enable_aqmv_for_session": Param("on", check=_bool),
    "standard_conforming_strings": Param("on", report=True, read_only=True),
    "integer_datetimes": Param("on", report=True, read_only=True),
    "server_version": Param("8.0.2", report=True, read_only=True),
    "server_encoding": Param("UTF8", report=True, read_only=True),
    "max_identifier_length": Param("127", read_only=True),
    "padb_revision": Param("1", report=True, read_only=True),
    "padb_version": Param("1.0.1", read_only=True),
}

# Alternative spellings clients use.
ALIASES = {"time zone": "timezone", "time_zone": "timezone", "names": "client_encoding"}


def normalize(name: str) -> str:
    """The canonical name of a parameter (lower case, aliases resolved)."""
    low = name.lower()
    return ALIASES.get(low, low)


def lookup(name: str) -> Param:
    """The declaration of a parameter, or PostgreSQL's 42704 error."""
    param = PARAMS.get(normalize(name))
    if param is None:
        raise UndefinedObject(f'unrecognized configuration parameter "{name}"')
    return param


def validate(name: str, value: str, previous: str = "") -> str:
    """The value to store for ``SET name = value`` (``previous`` is the value it replaces), or
    the error PostgreSQL would give."""
    param = lookup(name)
    if param.read_only:
        raise FeatureNotSupported(f'parameter "{name}" cannot be changed')
    checked = param.check(value) if param.check else value
    return param.combine(checked, previous) if param.combine else checked


# The names as reported in ParameterStatus (clients compare them case-sensitively).
REPORTED_NAMES = {
    "application_name": "application_name",
    "client_encoding": "client_encoding",
    "datestyle": "DateStyle",
    "timezone": "TimeZone",
    "intervalstyle": "IntervalStyle",
    "standard_conforming_strings": "standard_conforming_strings",
    "integer_datetimes": "integer_datetimes",
    "server_version": "server_version",
    "server_encoding": "server_encoding",
    "padb_revision": "padb_revision",
}
