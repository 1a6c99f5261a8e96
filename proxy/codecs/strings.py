"""Codecs for character, byte, UUID, bit-string and JSON columns.

Character and JSON types are UTF-8 in both formats (jsonb binary adds the version byte 1).
bytea text is ``\\x`` plus lower-case hex; uuid text is the dashed lower-case form. DuckDB's
STRUCT, MAP and UNION have no PostgreSQL counterpart and are sent as json text built from the
Python value (dates and decimals as strings), which is a Duckshift choice, not PG behaviour.
Each type also has a per-value encoder for small batches; types encoded per value in any case
share that one loop (``per_value``).
"""

from __future__ import annotations

import datetime
import json
import uuid
from decimal import Decimal
from typing import Any

import numpy as np
import pyarrow as pa

from catalog.errors import FeatureNotSupported
from proxy.codecs import buffers, oids
from proxy.codecs.registry import BINARY, TEXT, Registry, per_value, values_of

# positions of the 32 hex digits inside the 36-character dashed UUID text
_UUID_SLOTS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)])


def _storage(arr: pa.Array) -> pa.Array:
    return arr.storage if isinstance(arr, pa.ExtensionArray) else arr


def _is_composite(t: pa.DataType) -> bool:
    return pa.types.is_struct(t) or pa.types.is_map(t) or pa.types.is_union(t)


def _utf8(arr: pa.Array) -> pa.Array:
    arr = _storage(arr)
    if _is_composite(arr.type):
        return buffers.from_bytes(_utf8_values(arr))
    return buffers.as_binary(arr)


def _bpchar(arr: pa.Array) -> pa.Array:
    return _utf8(_member(arr))


def _bpchar_values(arr: pa.Array) -> list[bytes | None]:
    return _utf8_values(_member(arr))


def _member(arr: pa.Array) -> pa.Array:
    """The text of a CHAR(n) column: the one member of the UNION the dialect gives it."""
    return arr.field(0) if pa.types.is_union(arr.type) else arr


def _utf8_values(arr: pa.Array) -> list[bytes | None]:
    arr = _storage(arr)
    if _is_composite(arr.type):
        return [
            None if v is None else json.dumps(v, default=_json_default, ensure_ascii=False).encode()
            for v in _python_values(arr)
        ]
    return [None if v is None else v.encode() for v in arr.to_pylist()]


def _python_values(arr: pa.Array) -> list[object]:
    repeated = _repeated_field_name(arr.type)
    if repeated is not None:
        # A JSON object cannot hold both (and Arrow refuses to build the dictionary).
        raise FeatureNotSupported(
            "feature not supported on Duckshift: a result structure with duplicate field "
            f'names ("{repeated}")',
            hint="Give every field of the structure its own name.",
        )
    if pa.types.is_map(arr.type):
        # maps come back as lists of (key, value) pairs; JSON objects need string keys
        return [None if v is None else {str(k): x for k, x in v} for v in arr.to_pylist()]
    return arr.to_pylist()


def _repeated_field_name(t: pa.DataType) -> str | None:
    """A field name that occurs twice in one structure within ``t`` (ROW(1, 2) has two
    unnamed fields), or None.

    >>> _repeated_field_name(pa.list_(pa.struct([("a", pa.int8()), ("a", pa.int8())])))
    'a'
    """
    if pa.types.is_struct(t):
        names = [t.field(i).name for i in range(t.num_fields)]
        repeated = next((n for i, n in enumerate(names) if n in names[:i]), None)
        if repeated is not None:
            return repeated
    for i in range(t.num_fields):
        repeated = _repeated_field_name(t.field(i).type)
        if repeated is not None:
            return repeated
    return None


def _json_default(value: object) -> object:
    if isinstance(value, Decimal | uuid.UUID | datetime.date | datetime.time):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return str(value)
    if isinstance(value, bytes):
        return "\\x" + value.hex()
    if isinstance(value, list | tuple):
        return list(value)
    return str(value)


def _jsonb_binary(arr: pa.Array) -> pa.Array:
    return buffers.concat(b"\x01", _utf8(arr))


def _bytea_text(arr: pa.Array) -> pa.Array:
    return buffers.concat(b"\\x", buffers.hex_text(_storage(arr)))


def _varbyte_text(arr: pa.Array) -> pa.Array:
    return buffers.hex_text(_storage(arr))


def _bytea_binary(arr: pa.Array) -> pa.Array:
    return buffers.as_binary(_storage(arr))


def _storage_values(arr: pa.Array) -> list[Any]:
    return _storage(arr).to_pylist()


def _uuid_text(arr: pa.Array) -> pa.Array:
    storage = _storage(arr)
    if not pa.types.is_fixed_size_binary(storage.type):
        return buffers.as_binary(storage)  # DuckDB without lossless export sends UUID as text
    raw = np.frombuffer(storage.buffers()[1], dtype=np.uint8)
    raw = raw[16 * storage.offset : 16 * (storage.offset + len(storage))].reshape(-1, 16)
    text = np.full((len(storage), 36), ord("-"), dtype=np.uint8)
    text[:, _UUID_SLOTS] = buffers.HEX_PAIRS[raw].reshape(len(storage), 32)
    return buffers.fixed_width(text, storage)


def _uuid_text_value(value: bytes | str) -> bytes:
    if isinstance(value, str):
        return value.encode()
    h = value.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}".encode()


def _uuid_binary(arr: pa.Array) -> pa.Array:
    storage = _storage(arr)
    if pa.types.is_fixed_size_binary(storage.type):
        return buffers.as_binary(storage)
    return buffers.from_bytes(_uuid_binary_values(storage))


def _uuid_binary_value(value: bytes | str) -> bytes:
    return uuid.UUID(value).bytes if isinstance(value, str) else value


_uuid_binary_values = values_of(_uuid_binary_value, _storage_values)


def bit_string(data: bytes) -> str:
    """DuckDB BIT storage (first byte = count of padding bits in the next byte) as '0'/'1' text.

    >>> bit_string(bytes([5, 0xFD]))
    '101'
    """
    return "".join(f"{b:08b}" for b in data[1:])[data[0] :]


def _varbit_bytes(data: bytes) -> bytes:
    """``varbit_send`` of DuckDB BIT storage: int32 bit count, then the bits left-aligned."""
    bits = bit_string(data)
    packed = int(bits.ljust(-(-len(bits) // 8) * 8, "0") or "0", 2)
    return len(bits).to_bytes(4, "big") + packed.to_bytes(-(-len(bits) // 8), "big")


def register(registry: Registry) -> None:
    """Install the character, bytea, varbyte, uuid, bit and json encoders."""
    for oid in (oids.TEXT, oids.VARCHAR, oids.NAME, oids.CHAR, oids.JSON):
        registry.register(oid, TEXT, _utf8, _utf8_values)
        registry.register(oid, BINARY, _utf8, _utf8_values)
    registry.register(oids.BPCHAR, TEXT, _bpchar, _bpchar_values)
    registry.register(oids.BPCHAR, BINARY, _bpchar, _bpchar_values)
    registry.register(oids.JSONB, TEXT, _utf8, _utf8_values)
    registry.register(oids.JSONB, BINARY, _jsonb_binary)
    registry.register(
        oids.BYTEA,
        TEXT,
        _bytea_text,
        values_of(lambda v: b"\\x" + v.hex().encode(), _storage_values),
    )
    registry.register(oids.BYTEA, BINARY, _bytea_binary, _storage_values)
    # Redshift prints VARBYTE as bare hex (psql shows 'abc'::varbyte as 616263).
    registry.register(oids.VARBYTE, TEXT, _varbyte_text,
                      values_of(lambda v: v.hex().encode(), _storage_values))
    registry.register(oids.VARBYTE, BINARY, _bytea_binary, _storage_values)
    registry.register(oids.UUID, TEXT, _uuid_text, values_of(_uuid_text_value, _storage_values))
    registry.register(oids.UUID, BINARY, _uuid_binary, _uuid_binary_values)
    registry.register(
        oids.VARBIT, TEXT, *per_value(lambda v: bit_string(v).encode(), _storage_values)
    )
    registry.register(oids.VARBIT, BINARY, *per_value(_varbit_bytes, _storage_values))
