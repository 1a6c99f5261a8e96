"""Codecs for date, time, timetz, timestamp, timestamptz and interval columns.

Text is PostgreSQL's ISO DateStyle with IntervalStyle postgres: trailing zeros of fractional
seconds trimmed, years before 1 shown as ``YYYY-MM-DD BC``, DuckDB's infinities as
``infinity``/``-infinity``, and ``+00`` on timestamptz since the server runs in UTC; a session
in another time zone gets its TIMESTAMPTZ columns tagged with that zone (proxy/result_sender.py)
and sees each value's wall clock and offset there. Binary is
microseconds (or days) since 2000-01-01 as in ``timestamp_send``/``date_send``, with the
infinities mapped to PostgreSQL's INT64/INT32 extremes. Dates and timestamps in years 1-9999
are vectorized; other years, times with zone and intervals are formatted per value. The
per-value encoders for small batches use the same ``format_*`` and ``pg_*`` functions.
"""

from __future__ import annotations

import datetime
import struct
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from catalog.errors import DatetimeFieldOverflow
from engine import time_zones
from proxy.codecs import buffers, oids
from proxy.codecs.registry import BINARY, TEXT, Registry, per_value, values_of

PG_EPOCH_DAYS = 10957  # 2000-01-01 minus 1970-01-01
_US_PER_DAY = 86_400_000_000
PG_EPOCH_US = PG_EPOCH_DAYS * _US_PER_DAY
INT32_MAX, INT64_MAX = 2**31 - 1, 2**63 - 1
# DuckDB marks infinity with the largest value and -infinity with its negation
_DATE_FIRST, _DATE_LAST = -719162, 2932896  # 0001-01-01 and 9999-12-31
_TS_FIRST, _TS_LAST = _DATE_FIRST * _US_PER_DAY, (_DATE_LAST + 1) * _US_PER_DAY - 1
_US_PER_UNIT = {"s": 1_000_000, "ms": 1_000, "us": 1}
_TRIM_FRACTION = r"\.?0+$"


def civil_date(days: int) -> tuple[int, int, int]:
    """(year, month, day) of a day count since 1970-01-01, proleptic Gregorian, year 0 = 1 BC."""
    # Howard Hinnant's civil_from_days
    z = days + 719468
    era = z // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


def format_date(days: int) -> str:
    """PostgreSQL text of a DuckDB date (days since 1970-01-01).

    >>> format_date(0), format_date(-719163), format_date(2**31 - 1)
    ('1970-01-01', '0001-12-31 BC', 'infinity')
    """
    if days == INT32_MAX:
        return "infinity"
    if days == -INT32_MAX:
        return "-infinity"
    year, month, day = civil_date(days)
    if year <= 0:
        return f"{1 - year:04d}-{month:02d}-{day:02d} BC"
    return f"{year:04d}-{month:02d}-{day:02d}"


def format_time(micros: int) -> str:
    """'HH:MM:SS[.ffffff]' with trailing fraction zeros trimmed.

    >>> format_time(3_723_500_000)
    '01:02:03.5'
    """
    seconds, fraction = divmod(micros, 1_000_000)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    text = f"{hour:02d}:{minute:02d}:{second:02d}"
    return text + f".{fraction:06d}".rstrip("0") if fraction else text


def format_timestamp(micros: int, suffix: str = "") -> str:
    """PostgreSQL text of microseconds since 1970-01-01, ``suffix`` placed before any BC."""
    if micros == INT64_MAX:
        return "infinity"
    if micros == -INT64_MAX:
        return "-infinity"
    days, time = divmod(micros, _US_PER_DAY)
    date = format_date(days)
    era = ""
    if date.endswith(" BC"):
        date, era = date[:-3], " BC"
    return f"{date} {format_time(time)}{suffix}{era}"


def format_offset(seconds_east: int) -> str:
    """Zone offset as PostgreSQL prints it: '+05', '-05:30', '+01:02:03'."""
    sign = "-" if seconds_east < 0 else "+"
    minutes, second = divmod(abs(seconds_east), 60)
    hour, minute = divmod(minutes, 60)
    text = f"{sign}{hour:02d}"
    if minute or second:
        text += f":{minute:02d}"
    return text + f":{second:02d}" if second else text


def format_interval(months: int, days: int, micros: int) -> str:
    """PostgreSQL IntervalStyle 'postgres' text.

    >>> format_interval(14, 3, 14_706_500_000), format_interval(0, -1, 0)
    ('1 year 2 mons 3 days 04:05:06.5', '-1 days')
    """
    years, mons = int(months / 12), months - 12 * int(months / 12)  # C truncation
    parts: list[str] = []
    before = False  # the previous part was negative, so a positive one gets an explicit '+'
    for value, unit in ((years, "year"), (mons, "mon"), (days, "day")):
        if value:
            plus = "+" if before and value > 0 else ""
            parts.append(f"{plus}{value} {unit}{'' if value == 1 else 's'}")
            before = value < 0
    if not parts or micros:
        sign = "-" if micros < 0 else ("+" if before else "")
        seconds, fraction = divmod(abs(micros), 1_000_000)
        minutes, second = divmod(seconds, 60)
        hour, minute = divmod(minutes, 60)
        time = f"{sign}{hour:02d}:{minute:02d}:{second:02d}"
        parts.append(time + f".{fraction:06d}".rstrip("0") if fraction else time)
    return " ".join(parts)


def pg_days(days: int) -> int:
    """``date_send`` value of a DuckDB date: days since 2000-01-01, infinities as INT32 extremes."""
    if days == INT32_MAX:
        return INT32_MAX
    return -INT32_MAX - 1 if days == -INT32_MAX else days - PG_EPOCH_DAYS


def pg_micros(micros: int) -> int:
    """``timestamp_send`` value: microseconds since 2000-01-01, infinities as INT64 extremes."""
    if micros == INT64_MAX:
        return INT64_MAX
    return -INT64_MAX - 1 if micros == -INT64_MAX else micros - PG_EPOCH_US


def _python_days(arr: pa.Array) -> list[int | None]:
    if pa.types.is_date64(arr.type):
        arr = arr.cast(pa.date32())
    return arr.view(pa.int32()).to_pylist()


def _integers(arr: pa.Array) -> pa.Array:
    """A time or timestamp column's raw values as integers (Arrow casts no time32 to int64)."""
    return arr.view(pa.int64() if arr.type.bit_width == 64 else pa.int32())


def _python_micros(arr: pa.Array) -> list[int | None]:
    """Each value of a time or timestamp column in microseconds, DuckDB's infinities kept."""
    raw = _integers(arr).to_pylist()
    if arr.type.unit == "ns":
        return [v if v is None or abs(v) == INT64_MAX else v // 1000 for v in raw]
    scale = _US_PER_UNIT[arr.type.unit]
    if scale == 1:
        return raw
    return [v if v is None or abs(v) == INT64_MAX else v * scale for v in raw]


def _valid(arr: pa.Array) -> np.ndarray:
    return buffers.numpy_values(arr.is_valid(), False)


def _per_value(arr: pa.Array, values: np.ndarray, fmt: Callable[[int], str]) -> pa.Array:
    valid = _valid(arr)
    return buffers.from_strings(
        fmt(int(v)) if ok else None for v, ok in zip(values, valid, strict=True)
    )


def _date_days(arr: pa.Array) -> np.ndarray:
    if pa.types.is_date64(arr.type):
        arr = arr.cast(pa.date32())
    return buffers.numpy_values(arr.cast(pa.int32()))


def _date_text(arr: pa.Array) -> pa.Array:
    days = _date_days(arr)
    if np.all((days >= _DATE_FIRST) & (days <= _DATE_LAST)):
        return arr.cast(pa.date32()).cast(pa.string()).cast(buffers.BINARY)
    return _per_value(arr, days, format_date)


def _date_binary(arr: pa.Array) -> pa.Array:
    days = _date_days(arr).astype(np.int64)
    pg = np.where(days == INT32_MAX, INT32_MAX, days - PG_EPOCH_DAYS)
    pg = np.where(days == -INT32_MAX, -INT32_MAX - 1, pg)
    return buffers.fixed_width(pg.astype(">i4"), arr)


def _timestamp_micros(arr: pa.Array) -> np.ndarray:
    raw = buffers.numpy_values(arr.cast(pa.int64()))
    unit = arr.type.unit
    infinite = np.abs(raw) == INT64_MAX
    scaled = np.where(infinite, 1, raw) * _US_PER_UNIT.get(unit, 1)
    micros = raw // 1000 if unit == "ns" else scaled
    return np.where(infinite, raw, micros)


# Zones DuckDB's own TIMESTAMPTZ columns carry: the engine runs in UTC.
_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "+00:00"})
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_INSTANT_FIRST, _INSTANT_LAST = _TS_FIRST + _US_PER_DAY, _TS_LAST - _US_PER_DAY
# Arrow's zone database stops at 2037 where zoneinfo (and PostgreSQL) follow the zone's rule
# on, so later instants are formatted per value.
_ARROW_ZONES_END = 2114380800 * 1_000_000  # 2037-01-01


def format_zoned(micros: int, zone: datetime.tzinfo) -> str:
    """PostgreSQL text of an instant (microseconds since 1970 UTC) in a session's time zone.

    >>> from zoneinfo import ZoneInfo
    >>> format_zoned(1710054000000000, ZoneInfo("America/New_York"))
    '2024-03-10 03:00:00-04'
    """
    if abs(micros) == INT64_MAX:
        return format_timestamp(micros)
    # Offsets of years beyond Python's datetime are those at its ends (fixed by then).
    at = _EPOCH + datetime.timedelta(
        microseconds=min(max(micros, _INSTANT_FIRST), _INSTANT_LAST))
    delta = at.astimezone(zone).utcoffset()
    seconds = int(delta.total_seconds()) if delta is not None else 0
    return format_timestamp(micros + seconds * 1_000_000, format_offset(seconds))


def _session_zone(arr: pa.Array) -> datetime.tzinfo | None:
    """The session's zone a TIMESTAMPTZ column was tagged with (result_sender), if not UTC."""
    tz = arr.type.tz
    return None if tz is None or tz in _UTC_ZONES else time_zones.tzinfo(tz)


def _timestamp_suffix(arr: pa.Array) -> str:
    return "+00" if arr.type.tz is not None else ""


def _timestamp_text_values(arr: pa.Array) -> list[bytes | None]:
    zone = _session_zone(arr)
    if zone is not None:
        return [None if v is None else format_zoned(v, zone).encode()
                for v in _python_micros(arr)]
    suffix = _timestamp_suffix(arr)
    return [
        None if v is None else format_timestamp(v, suffix).encode() for v in _python_micros(arr)
    ]


def _plain_text(arr: pa.Array, micros: np.ndarray, tz: str | None = None) -> pa.Array:
    """ISO text of microseconds in years 1-9999 (Arrow's, fraction trimmed), as binary."""
    plain = pa.Array.from_buffers(
        pa.timestamp("us", tz=tz), len(arr), [buffers.validity(arr), pa.py_buffer(micros)]
    )
    if tz is not None:  # the wall clock there, then the offset it has from UTC
        plain = pc.local_timestamp(plain)
    text = pc.replace_substring_regex(plain.cast(pa.string()), _TRIM_FRACTION, "")
    return text.cast(buffers.BINARY)


def _zoned_text(arr: pa.Array, micros: np.ndarray, tz: str) -> pa.Array:
    local = buffers.numpy_values(
        pc.local_timestamp(pa.Array.from_buffers(
            pa.timestamp("us", tz=tz), len(arr), [None, pa.py_buffer(micros)])).cast(pa.int64()))
    offsets = (local - micros) // 1_000_000
    distinct, which = np.unique(offsets, return_inverse=True)
    suffixes = pa.array([format_offset(int(o)).encode() for o in distinct], buffers.BINARY)
    return buffers.concat(_plain_text(arr, micros, tz), suffixes.take(pa.array(which)))


def _timestamp_text(arr: pa.Array) -> pa.Array:
    micros = _timestamp_micros(arr)
    zone = _session_zone(arr)
    if zone is not None:
        if not np.all((micros >= _INSTANT_FIRST) & (micros < _ARROW_ZONES_END)):
            return _per_value(arr, micros, lambda v: format_zoned(v, zone))
        return _zoned_text(arr, micros, arr.type.tz)
    suffix = _timestamp_suffix(arr)
    if not np.all((micros >= _TS_FIRST) & (micros <= _TS_LAST)):
        return _per_value(arr, micros, lambda v: format_timestamp(v, suffix))
    return buffers.concat(_plain_text(arr, micros), suffix.encode())


def _timestamp_binary(arr: pa.Array) -> pa.Array:
    micros = _timestamp_micros(arr)
    pg = np.where(np.abs(micros) == INT64_MAX, micros, micros - PG_EPOCH_US)
    pg = np.where(micros == -INT64_MAX, -INT64_MAX - 1, pg)
    return buffers.fixed_width(pg.astype(">i8"), arr)


def _time_micros(arr: pa.Array) -> np.ndarray:
    raw = buffers.numpy_values(_integers(arr)).astype(np.int64)
    unit = arr.type.unit
    return raw // 1000 if unit == "ns" else raw * _US_PER_UNIT[unit]


def _time_text(arr: pa.Array) -> pa.Array:
    micros = _time_micros(arr)
    if np.any(micros >= _US_PER_DAY):
        return _per_value(arr, micros, format_time)  # 24:00:00, which Arrow cannot print
    plain = pa.Array.from_buffers(
        pa.time64("us"), len(arr), [buffers.validity(arr), pa.py_buffer(micros)]
    )
    text = pc.replace_substring_regex(plain.cast(pa.string()), _TRIM_FRACTION, "")
    return text.cast(buffers.BINARY)


def _time_binary(arr: pa.Array) -> pa.Array:
    return buffers.fixed_width(_time_micros(arr).astype(">i8"), arr)


def _timetz_parts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(microseconds, zone offset in seconds east) of DuckDB's packed TIME WITH TIME ZONE."""
    storage = arr.storage
    bits = np.frombuffer(storage.buffers()[1], dtype="<u8")
    bits = bits[storage.offset : storage.offset + len(storage)]
    # upper 40 bits: microseconds; lower 24 bits: 57599 (16 hours) minus the offset east
    return (bits >> np.uint64(24)).astype(np.int64), 57599 - (bits & np.uint64(0xFFFFFF)).astype(
        np.int64
    )


def _timetz_text(arr: pa.Array) -> pa.Array:
    if not isinstance(arr, pa.ExtensionArray):
        return _time_text(arr)
    micros, offsets = _timetz_parts(arr)
    packed = micros * 100_000 + (offsets + 57599)
    return _per_value(
        arr, packed, lambda v: format_time(v // 100_000) + format_offset(v % 100_000 - 57599)
    )


def _timetz_binary(arr: pa.Array) -> pa.Array:
    if isinstance(arr, pa.ExtensionArray):
        micros, offsets = _timetz_parts(arr)
    else:
        micros, offsets = _time_micros(arr), np.zeros(len(arr), dtype=np.int64)
    out = np.empty(len(arr), dtype=[("time", ">i8"), ("zone", ">i4")])
    out["time"], out["zone"] = micros, -offsets  # PostgreSQL stores seconds west
    return buffers.fixed_width(out, arr)


def _interval_parts(arr: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(months, days, microseconds) of an interval or duration column, nulls as zero."""
    if pa.types.is_duration(arr.type):
        micros = _timestamp_micros(arr.cast(pa.int64()).cast(pa.timestamp(arr.type.unit)))
        zeros = np.zeros(len(arr), dtype=np.int64)
        return zeros, zeros, micros
    raw = np.frombuffer(
        arr.buffers()[1], dtype=[("months", "<i4"), ("days", "<i4"), ("nanos", "<i8")]
    )[arr.offset : arr.offset + len(arr)]
    valid = _valid(arr)
    return (
        np.where(valid, raw["months"], 0),
        np.where(valid, raw["days"], 0),
        np.where(valid, raw["nanos"] // 1000, 0),
    )


def _python_intervals(arr: pa.Array) -> list[tuple[int, int, int] | None]:
    """(months, days, microseconds) of each value of an interval or duration column."""
    if pa.types.is_duration(arr.type):
        parts = zip(*(p.tolist() for p in _interval_parts(arr)), _valid(arr).tolist(), strict=True)
        return [(m, d, u) if ok else None for m, d, u, ok in parts]
    return [
        None if v is None else (v.months, v.days, v.nanoseconds // 1000) for v in arr.to_pylist()
    ]


def _interval_binary(arr: pa.Array) -> pa.Array:
    months, days, micros = _interval_parts(arr)
    out = np.empty(len(arr), dtype=[("time", ">i8"), ("days", ">i4"), ("months", ">i4")])
    out["time"], out["days"], out["months"] = micros, days, months
    return buffers.fixed_width(out, arr)


_INT32, _INT64 = struct.Struct(">i"), struct.Struct(">q")
_INTERVAL = struct.Struct(">qii")
# Redshift's binary interval is PostgreSQL 8.0's: microseconds (days counted in them) and
# months, 12 bytes. Its drivers read that (redshift_connector unpacks ``>qhh``), and read
# PostgreSQL's 16 bytes as nonsense ('1 day' as one month).
_REDSHIFT_INTERVAL = struct.Struct(">qi")
# Days whose microseconds still fit an int64.
_MAX_INTERVAL_DAYS = (2**63 - 1) // _US_PER_DAY


def _redshift_time(months: int, days: int, micros: int) -> bytes:
    if abs(days) > _MAX_INTERVAL_DAYS:
        raise DatetimeFieldOverflow("interval out of range")
    return _REDSHIFT_INTERVAL.pack(days * _US_PER_DAY + micros, months)


def _redshift_interval_binary(arr: pa.Array) -> pa.Array:
    months, days, micros = _interval_parts(arr)
    if len(days) and int(np.abs(days).max()) > _MAX_INTERVAL_DAYS:
        raise DatetimeFieldOverflow("interval out of range")
    out = np.empty(len(arr), dtype=[("time", ">i8"), ("months", ">i4")])
    out["time"], out["months"] = days.astype(np.int64) * _US_PER_DAY + micros, months
    return buffers.fixed_width(out, arr)


def register_redshift(registry: Registry) -> None:
    """Install Redshift's binary interval (for its drivers) over PostgreSQL's."""
    registry.register(
        oids.INTERVAL, BINARY, _redshift_interval_binary,
        values_of(lambda v: _redshift_time(*v), _python_intervals),
    )


def register(registry: Registry) -> None:
    """Install the date, time, timestamp and interval encoders."""
    registry.register(
        oids.DATE, TEXT, _date_text, values_of(lambda v: format_date(v).encode(), _python_days)
    )
    registry.register(
        oids.DATE, BINARY, _date_binary, values_of(lambda v: _INT32.pack(pg_days(v)), _python_days)
    )
    registry.register(
        oids.TIME, TEXT, _time_text, values_of(lambda v: format_time(v).encode(), _python_micros)
    )
    registry.register(oids.TIME, BINARY, _time_binary, values_of(_INT64.pack, _python_micros))
    # rare enough that small batches use the column encoders
    registry.register(oids.TIMETZ, TEXT, _timetz_text)
    registry.register(oids.TIMETZ, BINARY, _timetz_binary)
    micros_binary = values_of(lambda v: _INT64.pack(pg_micros(v)), _python_micros)
    for oid in (oids.TIMESTAMP, oids.TIMESTAMPTZ):
        registry.register(oid, TEXT, _timestamp_text, _timestamp_text_values)
        registry.register(oid, BINARY, _timestamp_binary, micros_binary)
    registry.register(
        oids.INTERVAL, TEXT, *per_value(lambda v: format_interval(*v).encode(), _python_intervals)
    )
    registry.register(
        oids.INTERVAL,
        BINARY,
        _interval_binary,
        values_of(lambda v: _INTERVAL.pack(v[2], v[1], v[0]), _python_intervals),
    )
