"""PRIMARY KEY, UNIQUE and FOREIGN KEY constraints as Redshift has them: information only.

Redshift keeps a table's keys for its planner and its catalog and does not enforce them: an
INSERT or COPY of a duplicate key, or of a foreign key without its referenced row, succeeds
(only NOT NULL is enforced, and a primary key's columns are NOT NULL). DuckDB enforces all
three (and checks them eagerly inside a transaction), so:

* CREATE TABLE's keys, of columns and of the table, leave the DDL DuckDB runs and are kept as
  rows of the database's ``TABLE_KEYS`` (``engine/table_metadata.py``), which pg_constraint,
  pg_index, information_schema and the SHOW commands read. A primary key's columns become
  NOT NULL. A temporary table keeps none (as with its other attributes).
* ``ALTER TABLE t ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE | FOREIGN KEY ...`` adds a row
  (a primary key only over NOT NULL columns, as Redshift requires) and ``ALTER TABLE t DROP
  CONSTRAINT name [CASCADE]`` removes one (42704 if the table has none of that name; 2BP01
  while a foreign key references it, unless CASCADE drops that too).
* DROP TABLE of a table a foreign key references is refused without CASCADE
  (``proxy/bound_views.drop_sql``); RENAME TO and RENAME COLUMN carry the keys along
  (``ddl_attributes``).
* CHECK constraints are not in Redshift's grammar: ``refusals`` refuses them as written (the
  CHECKs translation adds to enforce types come later).

A key is named as PostgreSQL names it when the statement does not: ``<table>_pkey``,
``<table>_<columns>_key``, ``<table>_<columns>_fkey``. Keys of tables made before this (kept
by DuckDB) stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlglot import exp

from catalog.errors import FeatureNotSupported, InvalidTableDefinition
from engine import table_metadata as meta
from engine.storage import quote_literal
from proxy.sql.context import Context
from proxy.sql.transforms import companions
from proxy.sql.transforms.alter_attributes import Target
from proxy.sql.transforms.ddl_attributes import (
    column_name,
    missing,
    sql_value,
    target_of,
    temporary_table,
)

PRIMARY, UNIQUE, FOREIGN = "PRIMARY KEY", "UNIQUE", "FOREIGN KEY"
_SUFFIX = {PRIMARY: "pkey", UNIQUE: "key", FOREIGN: "fkey"}


@dataclass
class Key:
    """One key as declared."""

    kind: str
    columns: list[str]
    name: str | None = None
    referenced: exp.Table | None = None
    referenced_columns: tuple[str, ...] = ()


def _names(nodes: list[exp.Expr]) -> list[str]:
    return [n.name for n in nodes]


def _reference(ref: exp.Reference) -> tuple[exp.Table, tuple[str, ...]]:
    target = ref.this
    if isinstance(target, exp.Schema):
        table = target.this
        assert isinstance(table, exp.Table)
        return table, tuple(_names(target.expressions))
    assert isinstance(target, exp.Table)
    return target, ()


def _table_key(node: exp.Expr, name: str | None) -> Key | None:
    """The key a table constraint declares, or None for another kind of node."""
    if isinstance(node, exp.PrimaryKey):
        return Key(PRIMARY, _names(node.expressions), name)
    if isinstance(node, exp.UniqueColumnConstraint) and isinstance(node.this, exp.Schema):
        return Key(UNIQUE, _names(node.this.expressions), name)
    if isinstance(node, exp.ForeignKey):
        table, columns = _reference(node.args["reference"])
        return Key(FOREIGN, _names(node.expressions), name, table, columns)
    return None


def _column_keys(col: exp.ColumnDef) -> list[Key]:
    keys = []
    for constraint in list(col.constraints):
        kind = constraint.args.get("kind")
        named = constraint.this.name if isinstance(constraint.this, exp.Identifier) else None
        if isinstance(kind, exp.PrimaryKeyColumnConstraint):
            keys.append(Key(PRIMARY, [col.name], named))
        elif isinstance(kind, exp.UniqueColumnConstraint):
            keys.append(Key(UNIQUE, [col.name], named))
        elif isinstance(kind, exp.Reference):
            table, columns = _reference(kind)
            keys.append(Key(FOREIGN, [col.name], named, table, columns))
        else:
            continue
        constraint.pop()
    return keys


def _not_null(col: exp.ColumnDef) -> None:
    if not any(isinstance(c.args.get("kind"), exp.NotNullColumnConstraint)
               and not c.args["kind"].args.get("allow_null") for c in col.constraints):
        col.append("constraints", exp.ColumnConstraint(kind=exp.NotNullColumnConstraint()))


def _named(keys: list[Key], table: str) -> list[Key]:
    taken: set[str] = set()
    for key in keys:
        if key.name is None:
            middle = "" if key.kind == PRIMARY else "_" + "_".join(key.columns)
            base = f"{table}{middle}_{_SUFFIX[key.kind]}"
            name, n = base, 0
            while name.lower() in taken:
                n += 1
                name = f"{base}{n}"
            key.name = name
        taken.add(key.name.lower())
    return keys


def _reference_sql(key: Key, schema: str) -> str:
    """SQL of a key's referenced schema, table and columns (``schema``: SQL of the table's
    schema, where an unqualified referenced table is)."""
    ref = key.referenced
    if ref is None:
        return "NULL, NULL, NULL"
    db = ref.args.get("db")
    ref_schema = quote_literal(db.name) if db is not None else schema
    return f"{ref_schema}, {quote_literal(ref.name)}, {sql_value(list(key.referenced_columns))}"


def _rows(keys: list[Key], schema: str, table: str) -> str:
    """SQL VALUES rows of ``keys`` (``schema`` is SQL: the table's schema name)."""
    return ", ".join(
        f"({schema}, {quote_literal(table)}, {quote_literal(key.name or '')}, "
        f"{quote_literal(key.kind)}, {sql_value(key.columns)}, {_reference_sql(key, schema)})"
        for key in keys)


def _create(tree: exp.Create, ctx: Context) -> None:
    schema_node = tree.this
    if not isinstance(schema_node, exp.Schema):
        return
    table = schema_node.this
    assert isinstance(table, exp.Table)
    keys: list[Key] = []
    for item in list(schema_node.expressions):
        if isinstance(item, exp.ColumnDef):
            keys += _column_keys(item)
            continue
        named = None
        parts = [item]
        if isinstance(item, exp.Constraint):
            named = item.name
            parts = list(item.expressions)
        found = [k for k in (_table_key(p, named) for p in parts) if k is not None]
        if found:
            keys += found
            item.pop()
    if not keys:
        return
    if sum(k.kind == PRIMARY for k in keys) > 1:
        raise InvalidTableDefinition(
            f'multiple primary keys for table "{table.name}" are not allowed')
    for key in keys:
        key.columns = [column_name(exp.to_identifier(c), tree) for c in key.columns]
        if key.kind == PRIMARY:
            for col in schema_node.expressions:
                if isinstance(col, exp.ColumnDef) and col.name in key.columns:
                    _not_null(col)
    alias, schema = target_of(table, ctx)
    if temporary_table(tree) or not alias:
        return
    rows = _rows(_named(keys, table.name), schema, table.name)
    keys_table = meta.qualified(alias, meta.TABLE_KEYS)
    # After the CREATE, only for a table whose keys are not kept yet (IF NOT EXISTS over an
    # existing table records nothing new).
    companions.before(tree, *meta.forget_dropped(alias))
    companions.after(tree, f"INSERT INTO {keys_table} SELECT * FROM (VALUES {rows}) WHERE "
                           f"{missing(alias, schema, table.name, keys_table)}")


def _add(action: exp.AddConstraint, target: Target) -> list[str]:
    keys = []
    for item in action.expressions:
        named = item.name if isinstance(item, exp.Constraint) else None
        parts = list(item.expressions) if isinstance(item, exp.Constraint) else [item]
        for part in parts:
            key = _table_key(part, named)
            if key is None:
                raise FeatureNotSupported(
                    f"feature not supported on Duckshift: ALTER TABLE ADD {part.sql('redshift')}")
            keys.append(key)
    keys_table = meta.qualified(target.alias, meta.TABLE_KEYS)
    out = []
    for key in _named(keys, target.shown):
        columns = [exp.to_identifier(c) for c in key.columns]
        out += target.checks(columns)
        if key.kind == PRIMARY:
            multiple = f'multiple primary keys for table "{target.shown}" are not allowed'
            primary = " AND m.constraint_type = 'PRIMARY KEY'"
            out.append(f"SELECT error({quote_literal(multiple)}) WHERE EXISTS (SELECT 1 "
                       f"FROM {keys_table} m WHERE EXISTS (SELECT 1 {target.ours(primary)}))")
            for c in columns:
                message = (f'column "{c.name}" of relation "{target.shown}" must be NOT NULL '
                           "to be part of a primary key")
                out.append(f"SELECT error({quote_literal(message)}) FROM {target.info} WHERE "
                           f'lower(name) = lower({quote_literal(c.name)}) AND NOT "notnull"')
        spelled = "[" + ", ".join(target.column(c) for c in columns) + "]::VARCHAR[]"
        name = key.name or ""
        duplicate = f'constraint "{name}" for relation "{target.shown}" already exists'
        out += target.insert_key(
            f"{quote_literal(name)}, {quote_literal(key.kind)}, {spelled}, "
            f"{_reference_sql(key, 't.schema_name')}", name, duplicate)
    return out


def _drop(action: exp.Drop, target: Target) -> list[str]:
    """DROP CONSTRAINT: the key, and with CASCADE the foreign keys that reference it (of
    its columns, or of the table's primary key by default); without, 2BP01 if any does."""
    names = action.args.get("tables") or [action.this]
    name = names[0].name
    missing = f'constraint "{name}" of relation "{target.shown}" does not exist'
    keys = meta.qualified(target.alias, meta.TABLE_KEYS)
    lowered = "list_transform({}, x -> lower(x))"
    dropped = target.ours(f" AND lower(m.constraint_name) = lower({quote_literal(name)})")
    referencing = (
        f"SELECT 1 FROM {keys} m WHERE EXISTS (SELECT 1 {dropped}) "
        "AND f.constraint_type = 'FOREIGN KEY' "
        "AND lower(f.referenced_schema) = lower(m.schema_name) "
        "AND lower(f.referenced_table) = lower(m.table_name) "
        f"AND ({lowered.format('f.referenced_column_names')} = "
        f"{lowered.format('m.column_names')} OR (len(f.referenced_column_names) = 0 "
        "AND m.constraint_type = 'PRIMARY KEY'))"
    )
    if action.args.get("cascade"):
        dependents = [f"DELETE FROM {keys} f WHERE EXISTS ({referencing})"]
    else:
        depends = (f"cannot drop constraint {name} on table {target.shown} because other "
                   "objects depend on it")
        dependents = [f"SELECT error({quote_literal(depends)}) WHERE EXISTS (SELECT 1 FROM "
                      f"{keys} f WHERE EXISTS ({referencing}))"]
    return target.checks([]) + dependents + target.delete_key(name, missing)


def informational_keys(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Keep keys as metadata instead of DuckDB constraints (module docstring)."""
    if isinstance(tree, exp.Create) and (tree.args.get("kind") or "").upper() == "TABLE":
        _create(tree, ctx)
        return tree
    if not isinstance(tree, exp.Alter) or not isinstance(tree.this, exp.Table):
        return tree
    actions = list(tree.args.get("actions") or ())
    ours = [a for a in actions if isinstance(a, exp.AddConstraint) or (
        isinstance(a, exp.Drop) and (a.args.get("kind") or "").upper() == "CONSTRAINT")]
    if not ours:
        return tree
    if len(ours) != len(actions):
        raise FeatureNotSupported(
            "feature not supported on Duckshift: ADD or DROP CONSTRAINT with other actions")
    target = Target(tree.this, ctx)
    statements: list[str] = []
    for action in ours:
        statements += (_add(action, target) if isinstance(action, exp.AddConstraint)
                       else _drop(action, target))
    done = exp.select(exp.Literal.number(1)).where(exp.false())
    companions.before(done, *statements)
    return done
