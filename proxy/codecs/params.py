"""Decoding Bind parameter values into Python values that DuckDB binds with the right type.

Text input follows PostgreSQL's ``*in`` functions (surrounding white space allowed for numbers
and booleans, boolean prefixes such as ``tr``/``of``, ISO dates and timestamps, ``{...}``
arrays) and binary input its ``*recv`` functions. Errors carry PostgreSQL's wording. Values
Python types cannot hold (infinite or BC dates and timestamps, intervals with months in text
form, TIME WITH TIME ZONE text, bit strings) are returned as text for the caller's CAST to
``duckdb_type_for_oid``; timestamptz values become aware datetimes in UTC.
"""

from __future__ import annotations

import datetime
import math
import re
import struct
import uuid
from collections.abc import Callable
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal, InvalidOperation, localcontext

from catalog.errors import (
    CharacterNotInRepertoire,
    DatatypeMismatch,
    DatetimeFieldOverflow,
    InvalidBinaryRepresentation,
    InvalidTextRepresentation,
    NumericValueOutOfRange,
    ProgramLimitExceeded,
)
from proxy.codecs import oids
from proxy.codecs.datetimes import PG_EPOCH_DAYS, PG_EPOCH_US, format_date, format_timestamp
from proxy.codecs.numeric import NUMERIC_NAN, NUMERIC_NEG, NUMERIC_NINF, NUMERIC_PINF
from proxy.codecs.types import pg_type

PG_EPOCH = datetime.datetime(2000, 1, 1)
PG_EPOCH_DATE = datetime.date(2000, 1, 1)
INT32_MAX, INT64_MAX = 2**31 - 1, 2**63 - 1
_INT_RANGE = {oids.INT2: 2**15, oids.INT4: 2**31, oids.INT8: 2**63, oids.OID: 2**32}
_INT_TEXT = re.compile(r"\s*([-+]?\d+)\s*", re.ASCII)
_FLOAT_SPECIAL = {"nan": math.nan, "infinity": math.inf, "inf": math.inf}
_BOOL_WORDS = (("true", True), ("false", False), ("yes", True), ("no", False))
_SPACE = " \t\n\r\v\f"
USECS_PER_DAY = 86_400_000_000
# PostgreSQL's limits: array dimensions (MAXDIM), elements (MaxArraySize) and the largest time
# zone offset of a timetz (TZDISP_LIMIT, 15:59 in seconds).
MAX_ARRAY_DIMS = 6
MAX_ARRAY_ITEMS = 134_217_727
TZDISP_LIMIT = (15 * 60 + 59) * 60


def _syntax(oid: int, text: str) -> InvalidTextRepresentation:
    return InvalidTextRepresentation(f'invalid input syntax for type {pg_type(oid).name}: "{text}"')


def _parse_int(oid: int, text: str) -> int:
    match = _INT_TEXT.fullmatch(text)
    if match is None:
        raise _syntax(oid, text)
    out_of_range = NumericValueOutOfRange(
        f'value "{text}" is out of range for type {pg_type(oid).name}'
    )
    # int() refuses more than 4300 digits; past 20 significant ones no integer type fits.
    if len(match[1].lstrip("+-").lstrip("0")) > 20:
        raise out_of_range
    value = int(match[1])
    limit = _INT_RANGE[oid]
    low = 0 if oid == oids.OID else -limit
    if not low <= value < limit:
        raise out_of_range
    return value


def _parse_float(oid: int, text: str) -> float:
    stripped = text.strip(_SPACE)
    sign = -1.0 if stripped[:1] == "-" else 1.0
    special = _FLOAT_SPECIAL.get(stripped.lstrip("+-").lower())
    if special is not None and (stripped[:1] not in "+-" or special != math.nan):
        return sign * special if not math.isnan(special) else special
    if "_" in stripped or not stripped:
        raise _syntax(oid, text)
    try:
        value = float(stripped)
    except ValueError:
        raise _syntax(oid, text) from None
    limit = 3.4028234663852886e38 if oid == oids.FLOAT4 else math.inf
    if math.isinf(value) or abs(value) > limit:
        raise NumericValueOutOfRange(f'"{stripped}" is out of range for type {pg_type(oid).name}')
    return value


def _parse_numeric(text: str) -> Decimal:
    stripped = text.strip(_SPACE)
    lowered = stripped.lower()
    if lowered == "nan":
        return Decimal("NaN")
    if lowered.lstrip("+-") in ("infinity", "inf"):
        return Decimal("-Infinity" if lowered[0] == "-" else "Infinity")
    if "_" in stripped or lowered.lstrip("+-").startswith(("n", "s", "i")):
        raise _syntax(oids.NUMERIC, text)
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        raise _syntax(oids.NUMERIC, text) from None
    if value.is_finite() and int(value.as_tuple().exponent) > 0:
        # DuckDB binds Decimal('1E+5') as 1: give it the digits (PostgreSQL reads 100000).
        with localcontext(_NUMERIC_CONTEXT):
            return value.quantize(Decimal(1))
    return value


def _parse_bool(text: str) -> bool:
    word = text.strip(_SPACE).lower()
    if word in ("1", "0"):
        return word == "1"
    if word == "on" or (len(word) >= 2 and "off".startswith(word)):
        return word == "on"
    # PostgreSQL's boolin accepts any prefix of true/false/yes/no ("o" alone is ambiguous)
    for full, value in _BOOL_WORDS:
        if word and full.startswith(word):
            return value
    raise _syntax(oids.BOOL, text)


def _parse_varbyte(text: str) -> bytes:
    """VARBYTE's text form is bare hex, as Redshift prints it."""
    try:
        return bytes.fromhex(text)
    except ValueError:
        raise InvalidTextRepresentation("invalid hexadecimal data") from None


def _parse_bytea(text: str) -> bytes:
    if text.startswith("\\x"):
        try:
            return bytes.fromhex(text[2:])
        except ValueError:
            raise InvalidTextRepresentation("invalid hexadecimal data") from None
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out += ch.encode()
            i += 1
        elif text[i + 1 : i + 2] == "\\":
            out.append(0x5C)
            i += 2
        elif re.fullmatch(r"[0-3][0-7][0-7]", text[i + 1 : i + 4]):
            out.append(int(text[i + 1 : i + 4], 8))
            i += 4
        else:
            raise InvalidTextRepresentation("invalid input syntax for type bytea")
    return bytes(out)


def in_zone(value: datetime.datetime, zone: datetime.tzinfo) -> datetime.datetime:
    """A wall-clock time read in ``zone``, as PostgreSQL reads one: a time skipped when
    daylight saving time starts takes the offset before the change, a repeated one the
    offset after it (standard time either way in the northern hemisphere).

    >>> from zoneinfo import ZoneInfo
    >>> in_zone(datetime.datetime(2024, 11, 3, 1, 30), ZoneInfo("America/New_York")).isoformat()
    '2024-11-03T01:30:00-05:00'
    """
    first = value.replace(tzinfo=zone, fold=0)
    back = first.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None)
    return first if back != value else value.replace(tzinfo=zone, fold=1)


def _parse_datetime(oid: int, text: str, zone: datetime.tzinfo = datetime.UTC) -> object:
    stripped = text.strip(_SPACE)
    lowered = stripped.lower()
    if lowered in ("infinity", "-infinity", "+infinity") or lowered.endswith(" bc"):
        return stripped  # outside Python's range; DuckDB parses these when casting
    try:
        if oid == oids.DATE:
            return datetime.date.fromisoformat(stripped)
        if oid == oids.TIME:
            return datetime.time.fromisoformat(stripped).replace(tzinfo=None)
        if oid == oids.TIMETZ:
            return stripped
        value = datetime.datetime.fromisoformat(stripped)
    except ValueError:
        raise InvalidTextRepresentation(
            f'invalid input syntax for type {pg_type(oid).name}: "{text}"'
        ) from None
    if oid == oids.TIMESTAMP:
        return value.replace(tzinfo=None)
    if value.tzinfo is None:
        value = in_zone(value, zone)  # no offset written: a time in the session's zone
    return value.astimezone(datetime.UTC)


def _parse_uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text.strip(_SPACE))
    except ValueError:
        raise _syntax(oids.UUID, text) from None


def _parse_array(element_oid: int, text: str) -> list[object]:
    stripped = text.strip(_SPACE)
    if not stripped.startswith("{"):
        raise InvalidTextRepresentation(f'malformed array literal: "{text}"')
    value, end = _array_items(element_oid, stripped, 1, text, 1)
    if stripped[end:].strip(_SPACE):
        raise InvalidTextRepresentation(f'malformed array literal: "{text}"')
    return value


def _array_items(
    element_oid: int, s: str, i: int, original: str, depth: int
) -> tuple[list[object], int]:
    """Parse items after an opening brace at ``s[i-1]`` (``depth`` braces deep); return them
    and the index past '}'."""
    if depth > MAX_ARRAY_DIMS:
        raise _too_many_dims(depth)
    items: list[object] = []
    malformed = InvalidTextRepresentation(f'malformed array literal: "{original}"')
    while i < len(s):
        while i < len(s) and s[i] in _SPACE:
            i += 1
        if s[i : i + 1] == "}" and not items:
            return items, i + 1
        if s[i : i + 1] == "{":
            nested, i = _array_items(element_oid, s, i + 1, original, depth + 1)
            items.append(nested)
        else:
            item, quoted, i = _array_scalar(s, i, malformed)
            is_null = not quoted and item.lower() == "null"
            items.append(None if is_null else decode_parameter(element_oid, 0, item.encode()))
        while i < len(s) and s[i] in _SPACE:
            i += 1
        if s[i : i + 1] == "}":
            return items, i + 1
        if s[i : i + 1] != ",":
            raise malformed
        i += 1
    raise malformed


def _too_many_dims(ndim: int) -> ProgramLimitExceeded:
    return ProgramLimitExceeded(
        f"number of array dimensions ({ndim}) exceeds the maximum allowed ({MAX_ARRAY_DIMS})"
    )


def _array_scalar(s: str, i: int, malformed: Exception) -> tuple[str, bool, int]:
    out: list[str] = []
    quoted = s[i : i + 1] == '"'
    i += quoted
    while i < len(s):
        ch = s[i]
        if ch == "\\":
            out.append(s[i + 1 : i + 2])
            i += 2
        elif quoted and ch == '"':
            return "".join(out), True, i + 1
        elif not quoted and (ch in ",}" or ch in '{"'):
            if ch in '{"':
                raise malformed
            return "".join(out).rstrip(_SPACE), False, i
        else:
            out.append(ch)
            i += 1
    raise malformed


def _decode_text(oid: int, text: str, zone: datetime.tzinfo) -> object:
    if oid == oids.TIMESTAMPTZ:
        return _parse_datetime(oid, text, zone)
    if oid in _INT_RANGE:
        return _parse_int(oid, text)
    if oid in (oids.FLOAT4, oids.FLOAT8):
        return _parse_float(oid, text)
    element = oids.ELEMENT_OF.get(oid)
    if element is not None:
        return _parse_array(element, text)
    parser = _TEXT_PARSERS.get(oid)
    return text if parser is None else parser(text)


_TEXT_PARSERS: dict[int, Callable[[str], object]] = {
    oids.NUMERIC: _parse_numeric,
    oids.BOOL: _parse_bool,
    oids.BYTEA: _parse_bytea,
    oids.VARBYTE: _parse_varbyte,
    oids.UUID: _parse_uuid,
    oids.DATE: lambda t: _parse_datetime(oids.DATE, t),
    oids.TIME: lambda t: _parse_datetime(oids.TIME, t),
    oids.TIMETZ: lambda t: _parse_datetime(oids.TIMETZ, t),
    oids.TIMESTAMP: lambda t: _parse_datetime(oids.TIMESTAMP, t),
}


def _utf8(data: bytes) -> str:
    try:
        return data.decode()
    except UnicodeDecodeError as exc:
        bad = " ".join(f"0x{b:02x}" for b in data[exc.start : exc.start + 2])
        raise CharacterNotInRepertoire(
            f'invalid byte sequence for encoding "UTF8": {bad}'
        ) from None


def _insufficient() -> InvalidBinaryRepresentation:
    return InvalidBinaryRepresentation("insufficient data left in message")


def _unpack(fmt: str, data: bytes, oid: int) -> tuple[int | float, ...]:
    if len(data) != struct.calcsize(fmt):
        raise InvalidBinaryRepresentation(
            f"incorrect binary data format for type {pg_type(oid).name}"
        )
    return struct.unpack(fmt, data)


_NUMERIC_CONTEXT = Context(prec=200_000, Emax=MAX_EMAX, Emin=MIN_EMIN)


def decode_numeric(data: bytes) -> Decimal:
    """Parse PostgreSQL ``numeric_send`` bytes.

    >>> decode_numeric(bytes.fromhex("000200000000000200011388"))
    Decimal('1.50')
    """
    if len(data) < 8:
        raise _insufficient()
    ndigits, weight, sign, dscale = struct.unpack(">HhHH", data[:8])
    if sign not in (0, NUMERIC_NEG, NUMERIC_NAN, NUMERIC_PINF, NUMERIC_NINF):
        raise InvalidBinaryRepresentation('invalid sign in external "numeric" value')
    if dscale & 0x3FFF != dscale:  # NUMERIC_DSCALE_MASK
        raise InvalidBinaryRepresentation('invalid scale in external "numeric" value')
    if len(data) < 8 + 2 * ndigits:
        raise _insufficient()
    if len(data) > 8 + 2 * ndigits:
        raise InvalidBinaryRepresentation("incorrect binary data format for type numeric")
    if sign == NUMERIC_NAN:
        return Decimal("NaN")
    if sign in (NUMERIC_PINF, NUMERIC_NINF):
        return Decimal("Infinity" if sign == NUMERIC_PINF else "-Infinity")
    digits = struct.unpack(f">{ndigits}h", data[8:])
    if any(not 0 <= digit < 10000 for digit in digits):
        raise InvalidBinaryRepresentation('invalid digit in external "numeric" value')
    unscaled = 0
    for digit in digits:
        unscaled = unscaled * 10000 + digit
    exponent = 4 * (weight - ndigits + 1)
    # numeric holds up to 131072 digits; the default 28-digit context would round or raise.
    with localcontext(_NUMERIC_CONTEXT):
        value = Decimal(-unscaled if sign == NUMERIC_NEG else unscaled).scaleb(exponent)
        return value.quantize(Decimal(1).scaleb(-dscale)) if value or dscale else Decimal(0)


def _decode_interval(data: bytes) -> object:
    if len(data) == 12:
        # Redshift's own form (PostgreSQL 8.0's), which its drivers send: microseconds with
        # the days in them, then months (redshift_connector packs them as ``>qhh``).
        micros, months = _unpack(">qi", data, oids.INTERVAL)
        days = 0
    else:
        micros, days, months = _unpack(">qii", data, oids.INTERVAL)
    text = f"{months} months {days} days {micros} microseconds"
    if months:
        return text
    try:
        return datetime.timedelta(days=days, microseconds=micros)
    except OverflowError:  # beyond timedelta's 999999999 days: DuckDB casts the text form
        return text


def _decode_timestamp(oid: int, data: bytes) -> object:
    (micros,) = _unpack(">q", data, oid)
    if micros in (INT64_MAX, -INT64_MAX - 1):
        return "infinity" if micros > 0 else "-infinity"
    try:
        value = PG_EPOCH + datetime.timedelta(microseconds=micros)
    except OverflowError:  # outside years 1-9999: DuckDB casts PostgreSQL's text form
        return format_timestamp(micros + PG_EPOCH_US, "+00" if oid == oids.TIMESTAMPTZ else "")
    return value.replace(tzinfo=datetime.UTC) if oid == oids.TIMESTAMPTZ else value


def _decode_date(data: bytes) -> object:
    (days,) = _unpack(">i", data, oids.DATE)
    if days in (INT32_MAX, -INT32_MAX - 1):
        return "infinity" if days > 0 else "-infinity"
    try:
        return PG_EPOCH_DATE + datetime.timedelta(days=days)
    except OverflowError:  # outside years 1-9999: DuckDB casts PostgreSQL's text form
        return format_date(days + PG_EPOCH_DAYS)


def _time_of_day(micros: int) -> datetime.time | str:
    """time_recv's range, 00:00:00 to 24:00:00; Python's time stops short of the last."""
    if not 0 <= micros <= USECS_PER_DAY:
        raise DatetimeFieldOverflow("time out of range")
    if micros == USECS_PER_DAY:
        return "24:00:00"
    return (datetime.datetime.min + datetime.timedelta(microseconds=micros)).time()


def _decode_time(data: bytes) -> datetime.time | str:
    (micros,) = _unpack(">q", data, oids.TIME)
    return _time_of_day(int(micros))


def _decode_timetz(data: bytes) -> datetime.time | str:
    """timetz_recv's value in UTC, as Redshift reads every TIMETZ.

    The zone is in seconds west of UTC. Only UTC times go to DuckDB: its Python binding refuses
    a ``tzinfo`` west of UTC (a negative ``timedelta`` has ``days == -1``).

    >>> _decode_timetz((37_815_000_000).to_bytes(8, "big") + (18_000).to_bytes(4, "big"))
    datetime.time(15, 30, 15, tzinfo=datetime.timezone.utc)
    """
    micros, west = _unpack(">qi", data, oids.TIMETZ)
    _time_of_day(int(micros))
    if not -TZDISP_LIMIT < west < TZDISP_LIMIT:
        raise InvalidBinaryRepresentation("time zone displacement out of range")
    if west:
        # 24:00:00 is the end of the day only in UTC; elsewhere it wraps like any time.
        micros = (micros + west * 1_000_000) % USECS_PER_DAY
    time = _time_of_day(int(micros))
    if isinstance(time, str):
        return time + "+00"
    return time.replace(tzinfo=datetime.UTC)


def _type_name(oid: int) -> str:
    try:
        return pg_type(oid).name
    except KeyError:
        return "???"  # as PostgreSQL's format_type names an unknown OID


def _decode_array(oid: int, data: bytes) -> list[object]:
    """Parse ``array_send`` bytes with array_recv's checks (dimensions, flags, element type)."""
    if len(data) < 12:
        raise _insufficient()
    ndim, flags, element_oid = struct.unpack(">iiI", data[:12])
    if ndim < 0:
        raise InvalidBinaryRepresentation(f"invalid number of dimensions: {ndim}")
    if ndim > MAX_ARRAY_DIMS:
        raise _too_many_dims(ndim)
    if flags not in (0, 1):
        raise InvalidBinaryRepresentation("invalid array flags")
    expected = oids.ELEMENT_OF[oid]
    if element_oid != expected:
        raise DatatypeMismatch(
            f"binary data has array element type {element_oid} ({_type_name(element_oid)}) "
            f"instead of expected {expected} ({_type_name(expected)})"
        )
    pos = 12 + 8 * ndim
    if len(data) < pos:
        raise _insufficient()
    dims = [struct.unpack_from(">i", data, 12 + 8 * k)[0] for k in range(ndim)]
    items = math.prod(dims) if dims else 0
    if any(size < 0 for size in dims) or items > MAX_ARRAY_ITEMS:
        raise ProgramLimitExceeded(
            f"array size exceeds the maximum allowed ({MAX_ARRAY_ITEMS})"
        )
    flat: list[object] = []
    for _ in range(items):
        if pos + 4 > len(data):
            raise _insufficient()
        (length,) = struct.unpack_from(">i", data, pos)
        pos += 4
        if length < -1 or length > len(data) - pos:
            raise _insufficient()
        flat.append(
            None if length == -1 else decode_parameter(expected, 1, data[pos : pos + length])
        )
        pos += max(length, 0)
    if pos != len(data):
        raise InvalidBinaryRepresentation(
            f"incorrect binary data format for type {pg_type(oid).name}"
        )
    if not items:
        return []  # any dimension of length 0 makes an empty array, as in PostgreSQL
    for size in reversed(dims[1:]):
        flat = [flat[k : k + size] for k in range(0, len(flat), size)]
    return flat


_BINARY_DECODERS: dict[int, Callable[[bytes], object]] = {
    oids.BOOL: lambda d: bool(_unpack(">B", d, oids.BOOL)[0]),
    oids.INT2: lambda d: _unpack(">h", d, oids.INT2)[0],
    oids.INT4: lambda d: _unpack(">i", d, oids.INT4)[0],
    oids.INT8: lambda d: _unpack(">q", d, oids.INT8)[0],
    oids.OID: lambda d: _unpack(">I", d, oids.OID)[0],
    oids.FLOAT4: lambda d: _unpack(">f", d, oids.FLOAT4)[0],
    oids.FLOAT8: lambda d: _unpack(">d", d, oids.FLOAT8)[0],
    oids.NUMERIC: decode_numeric,
    oids.BYTEA: bytes,
    oids.VARBYTE: bytes,
    oids.UUID: lambda d: uuid.UUID(bytes=d) if len(d) == 16 else _unpack(">16s", d, oids.UUID),
    oids.DATE: _decode_date,
    oids.TIME: _decode_time,
    oids.TIMETZ: _decode_timetz,
    oids.TIMESTAMP: lambda d: _decode_timestamp(oids.TIMESTAMP, d),
    oids.TIMESTAMPTZ: lambda d: _decode_timestamp(oids.TIMESTAMPTZ, d),
    oids.INTERVAL: _decode_interval,
}


def decode_parameter(oid: int, fmt: int, data: bytes | None,
                     zone: datetime.tzinfo = datetime.UTC) -> object:
    """Turn one Bind parameter value into a Python value DuckDB binds with the right type.

    Args:
        oid: the parameter's type OID (0 or 705 when the client left it untyped).
        fmt: 0 for text, 1 for binary.
        data: the raw value, None for NULL.
        zone: the session's time zone, in which a TIMESTAMPTZ written without an offset is
            read.
    Returns:
        int, float, Decimal, str, bytes, bool, date/time/datetime, timedelta, UUID or list.
    Raises:
        InvalidTextRepresentation, InvalidBinaryRepresentation, NumericValueOutOfRange or
        CharacterNotInRepertoire with PostgreSQL's messages.

    >>> decode_parameter(23, 0, b" 42 "), decode_parameter(16, 0, b"on")
    (42, True)
    """
    if data is None:
        return None
    if fmt == 0:
        return _decode_text(oid, _utf8(bytes(data)), zone)
    if oid == oids.JSONB:
        if data[:1] != b"\x01":
            raise InvalidBinaryRepresentation("unsupported jsonb version number")
        return _utf8(bytes(data[1:]))
    if oid in oids.ELEMENT_OF:
        return _decode_array(oid, bytes(data))
    decoder = _BINARY_DECODERS.get(oid)
    if decoder is not None:
        return decoder(bytes(data))
    if oid in (oids.UNKNOWN, 0, oids.VARBIT):
        return bytes(data) if oid == oids.VARBIT else _utf8(bytes(data))
    return _utf8(bytes(data))
