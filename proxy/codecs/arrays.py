"""Codecs for DuckDB LIST and ARRAY columns as PostgreSQL one-or-more-dimensional arrays.

The elements of a whole column are encoded at once with the element type's encoder; only the
assembly of each array is per row. Text is ``array_out``'s format (``{1,2,NULL}``, elements
double-quoted when empty, equal to NULL, or containing ``{}",\\`` or white space). Binary is
``array_send``'s: ndim, has-null flag, element OID, (length, lower bound 1) per dimension, then
each element as int32 length (-1 for NULL) and bytes. Nested lists become multi-dimensional
arrays, which PostgreSQL requires to be rectangular; ragged ones are refused in binary.
"""

from __future__ import annotations

import functools
import re
import struct

import numpy as np
import pyarrow as pa

from catalog.errors import FeatureNotSupported
from proxy.codecs import buffers, oids
from proxy.codecs.registry import BINARY, TEXT, Registry
from proxy.codecs.types import pg_type_from_arrow

_NEEDS_QUOTES = re.compile(r'[{}",\\\s]|^$|^[nN][uU][lL][lL]$')
_ESCAPE = re.compile(r'(["\\])')


def is_list(t: pa.DataType) -> bool:
    """Whether ``t`` is any of Arrow's list layouts."""
    return (
        pa.types.is_list(t)
        or pa.types.is_large_list(t)
        or pa.types.is_fixed_size_list(t)
        or pa.types.is_list_view(t)
        or pa.types.is_large_list_view(t)
    )


def _as_list(arr: pa.Array) -> pa.Array:
    if pa.types.is_list(arr.type) or pa.types.is_large_list(arr.type):
        return arr
    return arr.cast(pa.large_list(arr.type.value_field))


def _bounds(arr: pa.Array) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """(child values, start offsets, end offsets) of each row of a list column."""
    arr = _as_list(arr)
    offsets = arr.offsets.to_numpy()
    return arr.values, offsets[:-1], offsets[1:]


def quote_element(text: str) -> str:
    """An array element as ``array_out`` writes it.

    >>> quote_element("a b"), quote_element("null"), quote_element("x")
    ('"a b"', '"null"', 'x')
    """
    if _NEEDS_QUOTES.search(text):
        return '"' + _ESCAPE.sub(r"\\\1", text) + '"'
    return text


def _element_texts(registry: Registry, child: pa.Array) -> list[str | None]:
    if is_list(child.type):
        return _array_strings(registry, child)
    encoded = registry.encoder(pg_type_from_arrow(child.type).oid, TEXT)(buffers.plain(child))
    return [None if v is None else quote_element(v.decode()) for v in encoded.to_pylist()]


def _array_strings(registry: Registry, arr: pa.Array) -> list[str | None]:
    child, starts, ends = _bounds(arr)
    items = [("NULL" if e is None else e) for e in _element_texts(registry, child)]
    valid = buffers.numpy_values(arr.is_valid(), False)
    return [
        "{" + ",".join(items[s:e]) + "}" if ok else None
        for s, e, ok in zip(starts.tolist(), ends.tolist(), valid.tolist(), strict=True)
    ]


def _array_text(registry: Registry, arr: pa.Array) -> pa.Array:
    return buffers.from_strings(_array_strings(registry, arr))


def _array_binary(registry: Registry, arr: pa.Array) -> pa.Array:
    levels: list[tuple[np.ndarray, np.ndarray]] = []
    leaf = arr
    while is_list(leaf.type):
        leaf, starts, ends = _bounds(leaf)
        levels.append((starts, ends))
    # The element OID of the array type described (text for an array of varchar).
    element_oid = oids.ELEMENT_OF[pg_type_from_arrow(arr.type).oid]
    encoded = registry.encoder(element_oid, BINARY)(buffers.plain(leaf)).to_pylist()
    fields = [b"\xff\xff\xff\xff" if v is None else struct.pack(">i", len(v)) + v for v in encoded]
    valid = buffers.numpy_values(arr.is_valid(), False)
    out: list[bytes | None] = []
    for row in range(len(arr)):
        if not valid[row]:
            out.append(None)
            continue
        dims, first, last = _row_shape(levels, row)
        elements = fields[first:last]
        if 0 in dims:
            dims = []
        has_null = any(len(e) == 4 and e == b"\xff\xff\xff\xff" for e in elements)
        header = struct.pack(">iii", len(dims), int(has_null), element_oid)
        header += b"".join(struct.pack(">ii", d, 1) for d in dims)
        out.append(header + b"".join(elements) if dims else header)
    return buffers.from_bytes(out)


def _row_shape(levels: list[tuple[np.ndarray, np.ndarray]], row: int) -> tuple[list[int], int, int]:
    """Dimensions and leaf range of one row; nested lists must be rectangular."""
    dims: list[int] = []
    lo, hi = row, row + 1
    for starts, ends in levels:
        lengths = ends[lo:hi] - starts[lo:hi]
        if len(lengths) and np.any(lengths != lengths[0]):
            raise FeatureNotSupported(
                "multidimensional arrays must have sub-arrays with matching dimensions"
            )
        dims.append(int(lengths[0]) if len(lengths) else 0)
        lo, hi = (int(starts[lo]), int(ends[hi - 1])) if hi > lo else (0, 0)
    return dims, lo, hi


def register(registry: Registry) -> None:
    """Install the array encoders for every array OID."""
    for array_oid in oids.ELEMENT_OF:
        registry.register(array_oid, TEXT, functools.partial(_array_text, registry))
        registry.register(array_oid, BINARY, functools.partial(_array_binary, registry))
