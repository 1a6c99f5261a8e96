"""The table from (type OID, wire format) to a column codec.

A codec encodes one Arrow column (as DuckDB produced it) in two interchangeable ways that must
give identical bytes: ``column`` returns a ``binary`` array of each value's wire bytes (null
where the value is NULL) using vectorized Arrow/numpy code, which wins on big batches, and
``values`` returns a Python list of ``bytes``/None built value by value, which wins on batches
of a few rows where every Arrow or numpy call's fixed cost would dominate. Each codec family
module fills the table through its ``register(registry)`` function; ``default_registry()``
holds them all. Types without an entry fall back to Python's ``str`` of each value, so an
unexpected type degrades to readable text instead of failing the query.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

import pyarrow as pa

from proxy.codecs import buffers

Encoder = Callable[[pa.Array], pa.Array]
ValuesEncoder = Callable[[pa.Array], list[bytes | None]]
TEXT, BINARY = 0, 1


class Codec(NamedTuple):
    """The two encoders of one (OID, format): whole-column and value-by-value."""

    column: Encoder
    values: ValuesEncoder


def column_values(encoder: Encoder) -> ValuesEncoder:
    """A values encoder that runs the column encoder, for types without a per-value one."""
    return lambda arr: encoder(arr).to_pylist()


def values_of(
    encode: Callable[[Any], bytes], python: Callable[[pa.Array], list[Any]] = pa.Array.to_pylist
) -> ValuesEncoder:
    """A values encoder applying ``encode`` to each non-null value ``python`` extracts."""
    return lambda arr: [None if v is None else encode(v) for v in python(arr)]


def per_value(
    encode: Callable[[Any], bytes], python: Callable[[pa.Array], list[Any]] = pa.Array.to_pylist
) -> Codec:
    """A codec whose column encoder is ``values_of(encode, python)`` collected into an array.

    For types the column encoder would loop over in Python anyway, so both share the loop.
    """
    values = values_of(encode, python)
    return Codec(lambda arr: buffers.from_bytes(values(arr)), values)


_STR_FALLBACK = per_value(lambda v: str(v).encode())


class Registry:
    """Codecs keyed by (OID, format code)."""

    def __init__(self) -> None:
        self._codecs: dict[tuple[int, int], Codec] = {}

    def register(
        self, oid: int, fmt: int, encoder: Encoder, values: ValuesEncoder | None = None
    ) -> None:
        """Install ``encoder`` for values of type ``oid`` sent in format ``fmt``.

        ``values`` is the per-value equivalent for small batches; without one, small batches
        run ``encoder`` too. A ``per_value`` codec installs as ``register(oid, fmt, *codec)``.
        """
        self._codecs[oid, fmt] = Codec(encoder, values or column_values(encoder))

    def codec(self, oid: int, fmt: int) -> Codec:
        """The codec for (oid, fmt); binary falls back to text, text to ``str``."""
        found = self._codecs.get((oid, fmt))
        if found is None and fmt == BINARY:
            found = self._codecs.get((oid, TEXT))
        return found or _STR_FALLBACK

    def copy(self) -> Registry:
        """A registry with the same codecs, to override some of."""
        copied = Registry()
        copied._codecs.update(self._codecs)
        return copied

    def encoder(self, oid: int, fmt: int) -> Encoder:
        """The column encoder for (oid, fmt), with the fallbacks of ``codec``."""
        return self.codec(oid, fmt).column


@functools.cache
def default_registry() -> Registry:
    """The registry with every codec family installed (built once)."""
    # imported here because array and composite codecs look element encoders up in the registry
    from proxy.codecs import arrays, datetimes, numeric, strings

    registry = Registry()
    for family in (numeric, strings, datetimes, arrays):
        family.register(registry)
    return registry


@functools.cache
def redshift_registry() -> Registry:
    """The registry for Redshift's own drivers: the default one with Redshift's binary
    interval (PostgreSQL 8.0's 12 bytes instead of 8.1's 16, which those drivers misread)."""
    from proxy.codecs import datetimes

    registry = default_registry().copy()
    datetimes.register_redshift(registry)
    return registry
