"""Redshift's FNV_HASH and CRC32, which DuckDB does not compute, as engine functions.

* ``FNV_HASH(value [, seed])`` is the 64-bit FNV-1a hash of the value's binary form: a string's
  UTF-8 bytes (trailing blanks included), a SMALLINT's 2, an INTEGER's 4 and a BIGINT's 8
  little-endian bytes. The seed is the hash state to start from (default: FNV's offset basis),
  so ``fnv_hash('cd', fnv_hash('ab')) = fnv_hash('abcd')``. The answer is a signed BIGINT.
  Every example of Redshift's documentation is reproduced by the unit tests. Other types hash a
  binary form Redshift does not document, so the SQL front end refuses them.
* ``CRC32(string)`` is the CRC-32C (Castagnoli) checksum of the UTF-8 bytes, as eight
  lower-case hex digits.

The engine macro ``FNV_HASH`` picks the byte form by the argument's type, which only the engine
knows for a column; the Python functions below do the arithmetic.
"""

from __future__ import annotations

import duckdb

from engine import macros
from engine.storage import INTERNAL_PREFIX, quote_literal

FNV_HASH = f"{INTERNAL_PREFIX}fnv_hash"
UNSUPPORTED = (
    "feature not supported on Duckshift: FNV_HASH of a type other than SMALLINT, INTEGER, "
    "BIGINT, CHAR or VARCHAR"
)
FNV_BYTES = f"{INTERNAL_PREFIX}fnv_bytes"
FNV_INT = f"{INTERNAL_PREFIX}fnv_int"
CRC32 = f"{INTERNAL_PREFIX}crc32"

_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK = (1 << 64) - 1


def fnv1a(data: bytes, seed: int | None = None) -> int:
    """The 64-bit FNV-1a hash of ``data`` from the state ``seed``, as a signed 64-bit value."""
    h = _FNV_OFFSET if seed is None else seed & _MASK
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & _MASK
    return h - (1 << 64) if h >= 1 << 63 else h


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table.append(crc)
    return table


_CRC32C = _crc32c_table()


def crc32c(data: bytes) -> int:
    """The CRC-32C checksum of ``data``."""
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _CRC32C[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _fnv_bytes(data: bytes | None, seed: int | None) -> int | None:
    return None if data is None else fnv1a(data, seed)


def _fnv_int(value: int | None, width: int, seed: int | None) -> int | None:
    return None if value is None else fnv1a(value.to_bytes(width, "little", signed=True), seed)


def _crc32(text: str | None) -> str | None:
    return None if text is None else f"{crc32c(text.encode()):08x}"


def install(con: duckdb.DuckDBPyConnection) -> None:
    """Register the Python functions on ``con`` and the typed FNV_HASH macro."""
    for name, fn, params, returns in (
        (FNV_BYTES, _fnv_bytes, ["BLOB", "BIGINT"], "BIGINT"),
        (FNV_INT, _fnv_int, ["BIGINT", "INTEGER", "BIGINT"], "BIGINT"),
        (CRC32, _crc32, ["VARCHAR"], "VARCHAR"),
    ):
        con.create_function(name, fn, params, returns,  # type: ignore[arg-type]
                            null_handling="special")
    # By typeof (folded to a constant), not typed overloads: DuckDB cannot pick a typed
    # overload for an aggregate's result (fnv_hash(max(x))).
    def body(seed: str) -> str:
        return (
            f"CASE typeof(x) "
            f"WHEN 'SMALLINT' THEN {FNV_INT}(CAST(x AS BIGINT), 2, {seed}) "
            f"WHEN 'INTEGER' THEN {FNV_INT}(CAST(x AS BIGINT), 4, {seed}) "
            f"WHEN 'BIGINT' THEN {FNV_INT}(CAST(x AS BIGINT), 8, {seed}) "
            f"WHEN 'VARCHAR' THEN {FNV_BYTES}(encode(CAST(x AS VARCHAR)), {seed}) "
            f"WHEN '\"NULL\"' THEN NULL::BIGINT "
            f"ELSE error({quote_literal(UNSUPPORTED)}) END"
        )

    con.execute(
        f"CREATE OR REPLACE MACRO {macros.CATALOG}.{macros.SCHEMA}.{FNV_HASH}"
        f"(x) AS {body('NULL::BIGINT')}, (x, seed) AS {body('CAST(seed AS BIGINT)')}"
    )
