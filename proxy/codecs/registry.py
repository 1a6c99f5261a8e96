"""The table from (type OID, wire format) to a column encoder.

An encoder takes one Arrow column (as DuckDB produced it) and returns a ``binary`` array of
each value's wire bytes, null where the value is NULL. Each codec family module fills the
table through its ``register(registry)`` function; ``default_registry()`` holds them all.
Types without an entry fall back to Python's ``str`` of each value, so an unexpected type
degrades to readable text instead of failing the query.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

import pyarrow as pa

from proxy.codecs import buffers

Encoder = Callable[[pa.Array], pa.Array]
TEXT, BINARY = 0, 1


def _str_fallback(arr: pa.Array) -> pa.Array:
    return buffers.from_strings(None if v is None else str(v) for v in arr.to_pylist())


class Registry:
    """Encoders keyed by (OID, format code)."""

    def __init__(self) -> None:
        self._encoders: dict[tuple[int, int], Encoder] = {}

    def register(self, oid: int, fmt: int, encoder: Encoder) -> None:
        """Install ``encoder`` for values of type ``oid`` sent in format ``fmt``."""
        self._encoders[oid, fmt] = encoder

    def encoder(self, oid: int, fmt: int) -> Encoder:
        """The encoder for (oid, fmt); binary falls back to text, text to ``str``."""
        found = self._encoders.get((oid, fmt))
        if found is None and fmt == BINARY:
            found = self._encoders.get((oid, TEXT))
        return found or _str_fallback


@functools.cache
def default_registry() -> Registry:
    """The registry with every codec family installed (built once)."""
    # imported here because array and composite codecs look element encoders up in the registry
    from proxy.codecs import arrays, datetimes, numeric, strings

    registry = Registry()
    for family in (numeric, strings, datetimes, arrays):
        family.register(registry)
    return registry
