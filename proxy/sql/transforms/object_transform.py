"""Redshift's ``OBJECT_TRANSFORM(input KEEP path, ... SET path, value, ...)`` as DuckDB JSON.

The paths are constant strings of double-quoted components joined by periods
(``'"name"."first"'``), so the transformation is unrolled here, one level of the object at a
time, over its entries as a ``MAP(VARCHAR, JSON)`` (which keeps their order):

* KEEP keeps, in the input's order, the entries the paths name (a path's last component keeps
  the whole value; an inner one keeps its object's entries named further on).
* SET then replaces the value at each path in place, or appends it (with the objects that
  lead to it) where the path is not there, as Redshift's documented example shows.
* A path that goes on through a value that is not an object (Redshift does not say what
  happens then) is refused at run time (0A000).
* An input that is not an object is returned as it is, and so is every input when there is
  neither KEEP nor SET (as documented). SET without KEEP is refused (0A000): Redshift does
  not document whether the input's other entries are then kept.

The input and the values are named once, as fields of a struct a lambda reads.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

from catalog.errors import FeatureNotSupported
from engine import macros

# The struct the body reads: r.o is the input, r.v<i> the i-th SET value.
_INPUT = "__ot_input"
_VALUE = "__ot_value{i}"
_OBJECT = "json_type({v}) = 'OBJECT'"
_ENTRIES = "map_entries(CAST({v} AS MAP(VARCHAR, JSON)))"
_Trie = dict[str, "_Trie | None"]
# Redshift does not document a path that goes on through a value that is not an object.
_THROUGH = ("CAST(error('feature not supported on Duckshift: an OBJECT_TRANSFORM path through a "
            "value that is not an object') AS JSON)")


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _path(node: exp.Expr) -> list[str]:
    """The components of a path argument, or 0A000 where it is not a constant path."""
    text = node.name if isinstance(node, exp.Literal) and node.is_string else ""
    parts = text[1:-1].split('"."')
    if len(text) < 2 or text[0] != '"' or text[-1] != '"' or any('"' in p for p in parts):
        raise FeatureNotSupported(
            "feature not supported on Duckshift: an OBJECT_TRANSFORM path that is not a "
            "constant string of double-quoted components joined by periods")
    return parts


def _keep(source: str, trie: _Trie, depth: int) -> str:
    """The object ``source`` (a JSON object) with only the entries ``trie`` names."""
    e = f"e{depth}"
    cases = "".join(
        f" WHEN {_quote(key)} THEN CASE WHEN {_OBJECT.format(v=f'{e}.value')} THEN "
        f"{_keep(f'{e}.value', sub, depth + 1)} ELSE {_THROUGH} END"
        for key, sub in trie.items() if sub is not None)
    value = f"CASE {e}.key{cases} ELSE {e}.value END" if cases else f"{e}.value"
    keys = ", ".join(_quote(key) for key in trie)
    return (f"to_json(map_from_entries(list_transform(list_filter({_ENTRIES.format(v=source)}, "
            f"lambda {e}: {e}.key IN ({keys})), lambda {e}: struct_pack(key := {e}.key, "
            f"value := {value}))))")


def _nest(path: list[str], value: str) -> str:
    """``value`` inside the objects that ``path`` names, outermost first."""
    for key in reversed(path):
        value = f"json_object({_quote(key)}, {value})"
    return value


def _set(source: str, path: list[str], value: str, depth: int) -> str:
    """The object ``source`` with ``value`` at ``path``: in place, or appended."""
    # The object is named once (as o<depth>): it is read three times.
    o, e, key = f"o{depth}", f"e{depth}", _quote(path[0])
    new = value
    if len(path) > 1:
        new = (f"CASE WHEN {_OBJECT.format(v=f'{e}.value')} THEN "
               f"{_set(f'{e}.value', path[1:], value, depth + 1)} "
               f"ELSE {_THROUGH} END")
    entries = _ENTRIES.format(v=o)
    return (f"list_extract(list_transform([{source}], lambda {o}: CASE WHEN list_contains(map_keys("
            f"CAST({o} AS MAP(VARCHAR, JSON))), {key}) THEN to_json(map_from_entries("
            f"list_transform({entries}, lambda {e}: struct_pack(key := {e}.key, "
            f"value := CASE WHEN {e}.key = {key} THEN {new} ELSE {e}.value END)))) "
            f"ELSE to_json(map_from_entries(list_concat({entries}, [struct_pack(key := {key}, "
            f"value := CAST({_nest(path[1:], value)} AS JSON))]))) END), 1)")


def object_transform(node: exp.ObjectTransform) -> exp.Expr:
    """The DuckDB expression of one OBJECT_TRANSFORM call (see the module docstring)."""
    keep = node.args.get("keep") or []
    pairs = node.args.get("set_") or []
    if not keep and not pairs:
        return node.this.copy()
    if len(pairs) % 2:
        raise FeatureNotSupported(
            "feature not supported on Duckshift: OBJECT_TRANSFORM with a SET path without "
            "its value")
    if not keep:
        raise FeatureNotSupported(
            "feature not supported on Duckshift: OBJECT_TRANSFORM with SET and without KEEP")
    trie: _Trie = {}
    for path_node in keep:
        path, level = _path(path_node), trie
        for i, key in enumerate(path):
            last = i == len(path) - 1
            # A shorter path keeps the whole value: a longer one under it changes nothing.
            if key in level and level[key] is None:
                break
            if last:
                level[key] = None
            else:
                level = level.setdefault(key, {})  # type: ignore[assignment]
    body = _keep("r.o", trie, 0)
    for i in range(0, len(pairs) - 1, 2):
        body = _set(body, _path(pairs[i]), f"r.{_VALUE.format(i=i // 2)}", 0)
    super_ = f"{macros.CATALOG}.{macros.SCHEMA}.{macros.SUPER}"
    fields = [f"o := CAST({_INPUT} AS JSON)", *(
        f"{_VALUE.format(i=i // 2)} := {super_}({_VALUE.format(i=i // 2)})"
        for i in range(0, len(pairs) - 1, 2))]
    tree = sqlglot.parse_one(
        f"list_extract(list_transform([struct_pack({', '.join(fields)})], lambda r: CASE WHEN "
        f"{_OBJECT.format(v='r.o')} THEN {body} ELSE r.o END), 1)", read="duckdb")
    arguments = {_INPUT: node.this, **{_VALUE.format(i=i // 2): pairs[i + 1]
                                       for i in range(0, len(pairs) - 1, 2)}}
    # Lists, not SUPER arrays: later transforms read an unbracketed ARRAY as Redshift's.
    for array in tree.find_all(exp.Array):
        array.set("bracket_notation", True)
    for column in list(tree.find_all(exp.Column)):
        if column.name in arguments and not column.table:
            column.replace(arguments[column.name].copy())
    return tree
