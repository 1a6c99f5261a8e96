"""ALTER TABLE's distribution, sort key and encoding forms, kept as table metadata.

Redshift's ``ALTER DISTKEY c``, ``ALTER DISTSTYLE ALL | EVEN | AUTO | KEY DISTKEY c``,
``ALTER [COMPOUND] SORTKEY (c, ...)``, ``ALTER SORTKEY AUTO | NONE``, ``ALTER ENCODE AUTO`` and
``ALTER COLUMN c ENCODE e [, ALTER COLUMN d ENCODE f ...]`` change how a table is stored,
which DuckDB does not have: each becomes statements that check the table and its columns
(42P01, 42703 ``column "c" of relation "t" does not exist``) and update the rows CREATE TABLE
keeps in the table's database (``engine/table_metadata.py``). A temporary table is checked and
keeps nothing, as at CREATE. ``ALTER ENCODE AUTO`` keeps each column's encoding, as Redshift
documents (it chooses encodings from then on), so only the check is left.

sqlglot parses the distribution and sort key forms; the ENCODE forms it leaves opaque are
read by ``recognize_encode`` from the tokens.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.tokens import Token, TokenType

from catalog.errors import FeatureNotSupported
from engine import table_metadata as meta
from engine.storage import quote_literal
from proxy.sql.context import Context
from proxy.sql.transforms import companions

# The tree's meta key: the columns and encodings of ALTER COLUMN c ENCODE e (empty for
# ALTER ENCODE AUTO).
ENCODINGS = "alter_encodings"
_ENCODE_AUTO = ("alter", "encode", "auto")


def recognize_encode(tokens: list[Token], text: str) -> exp.Alter | None:
    """``ALTER TABLE t ALTER ENCODE AUTO`` or ``ALTER TABLE t ALTER COLUMN c ENCODE e, ...``
    as an ALTER TABLE tree carrying the encodings in its meta, or None."""
    if len(tokens) < 5 or tokens[0].token_type != TokenType.ALTER or (
        tokens[1].token_type != TokenType.TABLE
    ):
        return None
    at = next((i for i in range(2, len(tokens)) if tokens[i].token_type == TokenType.ALTER),
              None)
    if at is None or at == 2:
        return None
    rest = tokens[at:]
    encodings: list[tuple[exp.Identifier, str]] = []
    if tuple(t.text.lower() for t in rest) != _ENCODE_AUTO:
        while len(rest) >= 5 and rest[0].token_type == TokenType.ALTER and (
            rest[1].token_type == TokenType.COLUMN and rest[3].text.lower() == "encode"
        ):
            column = exp.to_identifier(
                rest[2].text, quoted=rest[2].token_type == TokenType.IDENTIFIER)
            encodings.append((column, rest[4].text.lower()))
            rest = rest[6:] if len(rest) > 5 and rest[5].token_type == TokenType.COMMA else (
                rest[5:])
        if rest or not encodings:
            return None
    table = exp.to_table(text[tokens[2].start:tokens[at - 1].end + 1], dialect="redshift")
    tree = exp.Alter(this=table, kind="TABLE", actions=[])
    tree.meta[ENCODINGS] = encodings
    return tree


def _resolved(table: exp.Table, ctx: Context) -> str:
    """SQL of the (database_name, schema_name, table_name) DuckDB resolves ``table`` to:
    temporary tables first, then the search path."""
    catalog, db = table.args.get("catalog"), table.args.get("db")
    path = ("list_position(string_split(current_setting('search_path'), ','), "
            "database_name || '.' || schema_name)")
    if db is not None:
        alias = catalog.name if catalog is not None else ctx.databases.get(ctx.database, "")
        where = (f"lower(schema_name) = lower({quote_literal(db.name)}) "
                 f"AND (temporary OR database_name = {quote_literal(alias)})")
    else:
        where = f"(temporary OR {path} IS NOT NULL)"
    return (
        "SELECT database_name, schema_name, table_name FROM duckdb_tables() "
        f"WHERE lower(table_name) = lower({quote_literal(table.name)}) AND {where} "
        f"ORDER BY CASE WHEN temporary THEN 0 ELSE coalesce({path}, 0) END LIMIT 1"
    )


class Target:
    """The altered table: SQL to check its columns and to update its metadata rows."""

    def __init__(self, table: exp.Table, ctx: Context) -> None:
        catalog = table.args.get("catalog")
        self.alias = catalog.name if catalog is not None else ctx.databases.get(ctx.database, "")
        self.shown = table.name
        self.info = (
            "pragma_table_info(" + quote_literal(exp.Table(
                this=table.this.copy(), db=table.args.get("db"), catalog=catalog,
            ).sql("duckdb")) + ")"
        )
        self.resolved = _resolved(table, ctx)

    def column(self, name: exp.Identifier) -> str:
        """SQL of the column's name as DuckDB stores it."""
        return (f"(SELECT name FROM {self.info} "
                f"WHERE lower(name) = lower({quote_literal(name.name)}))")

    def checks(self, columns: list[exp.Identifier]) -> list[str]:
        """Statements failing for a missing table (42P01) or column (42703)."""
        out = [f"SELECT count(*) FROM {self.info}"]
        for name in columns:
            message = f'column "{name.name}" of relation "{self.shown}" does not exist'
            out.append(
                f"SELECT error({quote_literal(message)}) WHERE NOT EXISTS (SELECT 1 FROM "
                f"{self.info} WHERE lower(name) = lower({quote_literal(name.name)}))"
            )
        return out

    def ours(self, extra: str = "") -> str:
        """FROM/WHERE matching the metadata rows ``m`` of the table (in its database)."""
        return (
            f"FROM ({self.resolved}) t WHERE t.database_name = {quote_literal(self.alias)} "
            "AND lower(m.schema_name) = lower(t.schema_name) "
            f"AND lower(m.table_name) = lower(t.table_name){extra}"
        )

    def update_table(self, assignments: str) -> list[str]:
        """Statements setting the table's attributes row (created if missing)."""
        attrs = meta.qualified(self.alias, meta.TABLE_ATTRIBUTES)
        return [
            f"INSERT INTO {attrs} SELECT t.schema_name, t.table_name, NULL, NULL, NULL, "
            f"[]::VARCHAR[], NULL FROM ({self.resolved}) t "
            f"WHERE t.database_name = {quote_literal(self.alias)} AND NOT EXISTS (SELECT 1 "
            f"FROM {attrs} m WHERE lower(m.schema_name) = lower(t.schema_name) "
            "AND lower(m.table_name) = lower(t.table_name))",
            f"UPDATE {attrs} m SET {assignments} {self.ours()}",
        ]

    def insert_key(self, values: str, name: str, duplicate: str) -> list[str]:
        """Statements adding a key row (``values``: SQL of its columns after the table's
        names, which may read the table's row ``t``), or raising ``duplicate`` where the
        table has a key of that name."""
        keys = meta.qualified(self.alias, meta.TABLE_KEYS)
        named = f" AND lower(m.constraint_name) = lower({quote_literal(name)})"
        return [
            f"SELECT error({quote_literal(duplicate)}) WHERE EXISTS (SELECT 1 FROM {keys} m "
            f"WHERE EXISTS (SELECT 1 {self.ours(named)}))",
            f"INSERT INTO {keys} SELECT t.schema_name, t.table_name, {values} "
            f"FROM ({self.resolved}) t WHERE t.database_name = {quote_literal(self.alias)}",
        ]

    def delete_key(self, name: str, missing: str) -> list[str]:
        """Statements deleting the table's key ``name``, or raising ``missing`` where it has
        none of that name."""
        keys = meta.qualified(self.alias, meta.TABLE_KEYS)
        named = f" AND lower(m.constraint_name) = lower({quote_literal(name)})"
        return [
            f"SELECT error({quote_literal(missing)}) WHERE NOT EXISTS (SELECT 1 FROM {keys} m "
            f"WHERE EXISTS (SELECT 1 {self.ours(named)}))",
            f"DELETE FROM {keys} m WHERE EXISTS (SELECT 1 {self.ours(named)})",
        ]

    def update_encoding(self, column: exp.Identifier, encoding: str) -> list[str]:
        """Statements setting one column's encoding (its row created if missing)."""
        attrs = meta.qualified(self.alias, meta.COLUMN_ATTRIBUTES)
        name = self.column(column)
        return [
            f"INSERT INTO {attrs} SELECT t.schema_name, t.table_name, {name}, NULL, NULL, "
            f"NULL, NULL, NULL FROM ({self.resolved}) t "
            f"WHERE t.database_name = {quote_literal(self.alias)} AND NOT EXISTS (SELECT 1 "
            f"FROM {attrs} m WHERE lower(m.schema_name) = lower(t.schema_name) "
            "AND lower(m.table_name) = lower(t.table_name) "
            f"AND lower(m.column_name) = lower({name}))",
            f"UPDATE {attrs} m SET encoding = {quote_literal(encoding)} "
            f"{self.ours(f' AND lower(m.column_name) = lower({name})')}",
        ]


def _dist(action: exp.AlterDistStyle, target: Target) -> tuple[list[exp.Identifier], str]:
    """(columns to check, assignments) of ALTER DISTKEY / DISTSTYLE."""
    style = action.this
    if isinstance(style, exp.Column):
        key = style.this
        assert isinstance(key, exp.Identifier)
        return [key], f"diststyle = 'KEY', distkey = {target.column(key)}"
    return [], f"diststyle = {quote_literal(style.name.upper())}, distkey = NULL"


def _sort(action: exp.AlterSortKey, target: Target) -> tuple[list[exp.Identifier], str]:
    """(columns to check, assignments) of ALTER [COMPOUND] SORTKEY."""
    keys = [k if isinstance(k, exp.Identifier) else k.this for k in action.expressions]
    if keys:
        listed = ", ".join(target.column(k) for k in keys)
        return keys, f"sortkey_type = 'COMPOUND', sortkey = [{listed}]::VARCHAR[]"
    kind = action.this.name.upper() if action.this is not None else "NONE"
    sort_type = "NULL" if kind == "NONE" else quote_literal(kind)
    return [], f"sortkey_type = {sort_type}, sortkey = []::VARCHAR[]"


def alter_attributes(tree: exp.Expr, ctx: Context) -> exp.Expr:
    """Turn ALTER TABLE's DISTKEY/DISTSTYLE/SORTKEY/ENCODE forms into checks and metadata
    updates (the statement then runs no DDL of its own)."""
    if not isinstance(tree, exp.Alter) or not isinstance(tree.this, exp.Table):
        return tree
    actions = list(tree.args.get("actions") or ())
    encodings: list[tuple[exp.Identifier, str]] | None = tree.meta.get(ENCODINGS)
    ours = [a for a in actions if isinstance(a, exp.AlterDistStyle | exp.AlterSortKey)]
    if encodings is None and not ours:
        return tree
    if len(ours) != len(actions):
        raise FeatureNotSupported(
            "feature not supported on Duckshift: ALTER DISTKEY, DISTSTYLE or SORTKEY with "
            "other actions")
    target = Target(tree.this, ctx)
    columns: list[exp.Identifier] = []
    updates: list[str] = []
    for action in ours:
        checked, assignments = (_dist(action, target) if isinstance(action, exp.AlterDistStyle)
                                else _sort(action, target))
        columns += checked
        updates += target.update_table(assignments)
    for column, encoding in encodings or ():
        columns.append(column)
        updates += target.update_encoding(column, encoding)
    done = exp.select(exp.Literal.number(1)).where(exp.false())
    companions.before(done, *target.checks(columns), *updates)
    return done
