"""DDL made from the catalog when it runs: CREATE TABLE ... LIKE, ALTER COLUMN TYPE, ADD
COLUMN of a constrained column, APPEND FROM, TRUNCATE.

``prepare`` is called for a statement carrying a ``late`` description (``proxy/sql/late.py``)
after its access check and before it runs, and returns the DuckDB SQL to run instead:

* ``CREATE TABLE t (LIKE s [INCLUDING DEFAULTS])`` copies ``s`` as it is now: column names,
  types (with the checks that enforce VARCHAR/CHAR lengths) and NOT NULL; defaults only with
  INCLUDING DEFAULTS, an identity column then getting a sequence of its own with the same seed
  and step; not primary, unique or foreign keys. Distribution style, sort keys, BACKUP and
  column encodings are inherited, as Redshift documents.
* ``ALTER TABLE t ALTER COLUMN c TYPE VARCHAR(n)``: DuckDB cannot change a column that has a
  CHECK (the length check), so the table is rebuilt in one transaction with the new length
  (its rows, keys, defaults, other checks and comments kept; grants and metadata follow its
  name). Redshift's rules: not in a transaction block, VARCHAR columns only, no default, no
  key, no BYTEDICT/RUNLENGTH/TEXT255/TEXT32K encoding, and never shorter than the longest
  value stored.
* ``ALTER TABLE t ADD COLUMN c`` of a CHAR, VARCHAR or VARBYTE column (whose length is a
  CHECK) or a NOT NULL one: DuckDB adds no column with a constraint, so the table is rebuilt
  the same way with the column after the others (its default filling the rows), in the
  session's transaction block or, outside one, in a transaction of its own.
* ``ALTER TABLE t APPEND FROM s [IGNOREEXTRA | FILLTARGET]`` moves the rows of ``s`` into the
  columns of ``t`` with the same names (their types and length checks must be the same), in one
  transaction that commits at once: an extra source column needs IGNOREEXTRA (its values are
  left behind), an extra target column FILLTARGET (its default fills it); an IDENTITY column on
  both sides is refused; not in a transaction block, as Redshift rules.
* CREATE [OR REPLACE] FUNCTION and DROP FUNCTION: a function is a DuckDB macro of its
  database's schema, one overload per signature (kept in the database's FUNCTIONS metadata
  table); the statement's overload is merged into (or taken out of) those the macro has now,
  and the macro created again with them: untyped parameters for the only overload of a number
  of arguments, typed ones where several share it. DuckDB then picks by exact type, then by
  its cheapest implicit cast, which agrees with Redshift's (PostgreSQL's) choice when the
  overloads differ at some position in the kind of type (number, string, date, boolean ...),
  so overloads told apart only within one kind (INTEGER and BIGINT) are refused (0A000), as
  are overloads of one arity with a SUPER argument (DuckDB's JSON takes nearly anything). A
  name that is a built-in function (which the macro would shadow, in user SQL and in the
  server's own translations) is refused.
* TRUNCATE commits the open transaction first, as Redshift does, then runs on its own; through
  a consumer database of a datashare it stays in the transaction (Redshift's rule for shared
  tables).
* RENAME TO, RENAME COLUMN and DROP TABLE/VIEW take the regular views over what they change
  along (``proxy/bound_views.py``), a materialized view with its hidden parts.
* CREATE MATERIALIZED VIEW stores the query's rows; REFRESH MATERIALIZED VIEW computes them
  again in a transaction of its own (in the session's for one made in its open transaction
  block), once its owner's right to read what it reads (through a datashare too) is checked;
  ALTER MATERIALIZED VIEW ... AUTO REFRESH records the choice, refused for a query calling a
  mutable function (``proxy/materialized_views.py``). DROP MATERIALIZED VIEW of a plain view
  is 42809.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import sqlglot
from sqlglot import exp

from catalog import errors as err
from engine import table_metadata as meta
from engine.storage import INTERNAL_PREFIX, quote_ident, quote_literal
from proxy import bound_views, materialized_views
from proxy.session import TxStatus
from proxy.sql.late import (
    AddColumn,
    AlterAutoRefresh,
    AlterVarchar,
    AppendFrom,
    CommitFirst,
    CreateAsChar,
    CreateFunction,
    CreateLike,
    CreateView,
    DropFunction,
    DropRelations,
    MergeAllColumns,
    Place,
    RefreshView,
    RenameColumn,
    RenameRelation,
)
from proxy.sql.references import Ref
from proxy.sql.transforms.char_columns import table_with_char_columns
from proxy.sql.transforms.ddl_attributes import Attributes, missing, records, sequence_ddl
from proxy.sql.transforms.statements import auto_refresh_refused

if TYPE_CHECKING:
    from proxy.connection import Connection
    from proxy.session import Session
    from proxy.sql.pipeline import Statement

# Encodings whose columns Redshift cannot alter.
_FIXED_ENCODINGS = frozenset({"bytedict", "runlength", "text255", "text32k"})
_LENGTH_MESSAGE = "value too long for type character varying("
# The column of a REMOVE DUPLICATES MERGE's source rows naming the target row each updates.
_KEEP = f"{INTERNAL_PREFIX}keep"


@dataclass(frozen=True, slots=True)
class _Found:
    """A table as DuckDB has it: database alias ("temp" for a temporary table), schema, name."""

    alias: str
    schema: str
    name: str
    temporary: bool

    @property
    def sql(self) -> str:
        """Its qualified name, as DuckDB SQL."""
        return ".".join(quote_ident(p) for p in (self.alias, self.schema, self.name))


async def prepare(conn: Connection, session: Session, stmt: Statement,
                  sql: str) -> tuple[str, Statement]:
    """The DuckDB SQL to run for ``stmt`` (whose ``late`` is set) now, and the statement as
    its effects are recorded: a CASCADE's dropped views are among what it drops (their grants
    and owners are forgotten with them)."""
    late = stmt.late
    if isinstance(late, RenameRelation | RenameColumn | DropRelations):
        made, dropped = await conn._engine_call(_with_views, session.cursor, late, sql)
        if not dropped:
            return made, stmt
        names = {alias: name for name, alias in session.aliases.items()}
        refs = tuple(Ref("relation", names.get(r.alias), r.schema, r.name, "DROP")
                     for r in dropped)
        return made, dataclasses.replace(stmt, refs=stmt.refs + refs)
    return await _sql(conn, session, stmt, sql), stmt


async def _sql(conn: Connection, session: Session, stmt: Statement, sql: str) -> str:
    """The DuckDB SQL of a late statement that changes no views."""
    late = stmt.late
    if isinstance(late, CommitFirst):
        shared = conn.server.authorizer.shared
        if session.tx == TxStatus.IN_BLOCK and not any(
            shared.consumer_database(session, ref) is not None for ref in stmt.refs
        ):
            await conn._commit(session)
        return sql
    if isinstance(late, CreateLike):
        result: str = await conn._engine_call(create_like_sql, session.cursor, late)
        return result
    if isinstance(late, MergeAllColumns):
        merge: str = await conn._engine_call(merge_all_columns_sql, session.cursor, late, sql)
        return merge
    if isinstance(late, RefreshView | AlterAutoRefresh):
        view, mv = await conn._engine_call(materialized_view, session.cursor, late.place)
        refresher = conn.server.materialized
        if isinstance(late, AlterAutoRefresh):
            function = await conn._engine_call(materialized_views.mutable, session.cursor,
                                               view) if late.auto else None
            if function is not None:
                raise auto_refresh_refused(function, "altered")
            refresher.forget(view.alias)
            update = materialized_views.auto_refresh_sql(view, late.auto)
            if session.tx != TxStatus.IDLE:
                return update
            # Not beside a refresh, which updates the same metadata row (a write conflict).
            async with refresher.lock:
                await conn._engine_call(session.cursor.execute, update)
            return "SELECT 1 WHERE false"
        if mv is not None and refresher.uncommitted(session, mv):
            # Made in this transaction block: no transaction of its own sees it, so it is
            # refreshed in the session's (which commits or rolls back both).
            await conn._engine_call(materialized_views.refresh, session.cursor, mv,
                                    late.cascade, refresher.run(session, False), False)
        elif mv is not None:  # else one made before they kept rows: always fresh
            # Its owner must still read what it reads (through a datashare, as the share
            # allows now), as for each it refreshes first with CASCADE.
            for each in await conn._engine_call(materialized_views.refresh_order,
                                                session.cursor, mv, late.cascade):
                sql = await conn._engine_call(materialized_views.query_sql, session.cursor, each)
                conn.server.authorizer.check_materialized(session, each.alias, each.schema,
                                                          each.name, sql)
            # Writes committed before it are followed first (their marks would be late).
            await refresher.idle()
            async with refresher.lock:
                await conn._engine_call(refresher.refresh, session, mv, late.cascade)
        return "SELECT 1 WHERE false"  # done: a statement that changes nothing
    if isinstance(late, CreateView):
        key = conn.server.materialized.made(session, late.place.alias) if (
            late.materialized) else None
        created: str = await conn._engine_call(materialized_views.create_sql,
                                               session.cursor, late, sql, key)
        return created
    if isinstance(late, CreateFunction | DropFunction):
        made: str = await conn._engine_call(function_sql, session.cursor, late)
        return made
    if isinstance(late, CreateAsChar):
        created: str = await conn._engine_call(create_as_char_sql, session.cursor, late, sql)
        return created
    if isinstance(late, AddColumn):
        added: str = await conn._engine_call(add_column_sql, session.cursor, late, sql,
                                             session.tx != TxStatus.IDLE)
        return added
    if isinstance(late, AlterVarchar | AppendFrom):
        session.outside_transaction(
            "ALTER TABLE ALTER COLUMN" if isinstance(late, AlterVarchar) else "ALTER TABLE APPEND")
        if isinstance(late, AlterVarchar):
            await conn._engine_call(rebuild_with_varchar, session.cursor, late)
        else:
            await conn._engine_call(append_rows, session.cursor, late)
        # The transaction is still open: ending it is the statement that runs.
        return "COMMIT"
    return sql


def _identity_columns(cur: duckdb.DuckDBPyConnection, t: _Found) -> set[str]:
    """The table's IDENTITY columns (not GENERATED BY DEFAULT AS IDENTITY), lower case."""
    columns = _attributes(cur, t).columns
    return {
        column.lower() for column, (_, seed, _, by_default, _) in columns.items()
        if seed is not None and not by_default
    }


def _column_checks(cur: duckdb.DuckDBPyConnection, t: _Found) -> dict[str, set[str]]:
    """The texts of the CHECKs on one column each, by column name (lower case)."""
    out: dict[str, set[str]] = {}
    for _, text, cols in _constraints(cur, t, ("CHECK",)):
        if len(cols) == 1:
            out.setdefault(cols[0].lower(), set()).add(text)
    return out


def append_rows(cur: duckdb.DuckDBPyConnection, late: AppendFrom) -> None:
    """Move the source's rows into the target's columns of the same names (Redshift's rules:
    same types, extra columns only with IGNOREEXTRA (source) or FILLTARGET (target), no
    IDENTITY column on both sides, a permanent target), in a transaction left open for the
    caller's COMMIT (rolled back here if any step fails)."""
    target, source = find_table(cur, late.target), find_table(cur, late.source)
    if (target.alias, target.schema, target.name) == (source.alias, source.schema, source.name):
        raise err.InvalidParameterValue("ALTER TABLE APPEND: the source and the target are the "
                                        "same table")
    if target.temporary:
        raise err.FeatureNotSupported("ALTER TABLE APPEND: the target must be a permanent table")
    into = {c[0].lower(): c for c in _columns(cur, target)}
    out = {c[0].lower(): c for c in _columns(cur, source)}
    for name in (n for n in out if n not in into):  # the first in column order
        if late.extra != "IGNOREEXTRA":
            raise err.UndefinedColumn(
                f'column "{out[name][0]}" of source table "{source.name}" does not exist in '
                f'target table "{target.name}"', hint="Add IGNOREEXTRA to leave it behind.")
    for name in (n for n in into if n not in out):
        if late.extra != "FILLTARGET":
            raise err.UndefinedColumn(
                f'column "{into[name][0]}" of target table "{target.name}" does not exist in '
                f'source table "{source.name}"', hint="Add FILLTARGET to fill it with its default.")
    common = [name for name in into if name in out]
    checks, source_checks = _column_checks(cur, target), _column_checks(cur, source)
    for name in common:
        # The type, and the CHECK that holds a CHAR/VARCHAR/VARBYTE length, must be the same.
        if into[name][1] != out[name][1] or checks.get(name) != source_checks.get(name):
            raise err.DatatypeMismatch(
                f'column "{into[name][0]}" has different attributes in source table '
                f'"{source.name}" and target table "{target.name}"')
    if _identity_columns(cur, target) & _identity_columns(cur, source) & set(common):
        raise err.FeatureNotSupported("ALTER TABLE APPEND cannot append an IDENTITY column")
    columns = ", ".join(quote_ident(into[name][0]) for name in common)
    values = ", ".join(quote_ident(out[name][0]) for name in common)
    cur.execute("BEGIN TRANSACTION")
    try:
        cur.execute(f"INSERT INTO {target.sql} ({columns}) SELECT {values} FROM {source.sql}")
        cur.execute(f"DELETE FROM {source.sql}")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def find_view(cur: duckdb.DuckDBPyConnection, place: Place) -> bound_views.Relation | None:
    """The view ``place`` names (in its schema, or the current one when it names none)."""
    row = cur.execute(
        "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = ? "
        "AND NOT internal AND lower(schema_name) = lower(coalesce(?, current_schema())) "
        "AND lower(view_name) = lower(?)",
        [place.alias, place.schema, place.name],
    ).fetchone()
    return bound_views.Relation(place.alias, row[0], row[1]) if row else None


def merge_all_columns_sql(cur: duckdb.DuckDBPyConnection, late: MergeAllColumns,
                          sql: str) -> str:
    """A REMOVE DUPLICATES MERGE (``sql``) inserting every column of its source, which must
    have as many as its target (42601 otherwise); a target row several source rows match is
    21000, as in Redshift.

    Redshift documents what it does: a target row a source row matches is updated to the
    source row's values, its other matches (duplicates) removed, and a source row nothing
    matches inserted. So of a source row's matches one (the first stored) is updated and the
    others deleted, and the statement counts each row it updates, deletes or inserts once, as
    PostgreSQL counts a MERGE's rows (deleting them all and inserting every source row would
    count a matched source row twice)."""
    *before, merge = sqlglot.parse(sql, read="duckdb")  # before: companions
    assert isinstance(merge, exp.Merge)
    using, on, target = merge.args["using"], merge.args["on"], merge.this
    # ``statements`` made ON (the written condition) AND NOT <flag>.
    assert isinstance(on, exp.And) and isinstance(on.this, exp.Paren)
    rowid = exp.column("rowid", table=exp.to_identifier(target.alias_or_name, quoted=True))
    # The first target row each source row matches (NULL: none), read before the MERGE runs.
    first = exp.select(exp.Min(this=rowid.copy())).from_(target.copy()).where(
        on.this.this.copy())
    for branch in (using.this.left, using.this.right):  # the source's rows, twice
        branch.select(exp.alias_(exp.Subquery(this=first.copy()), _KEEP), copy=False)
    source = [d[0] for d in cur.execute(
        f"SELECT * FROM ({using.this.sql('duckdb')}) LIMIT 0").description
        if d[0] not in (late.flag, _KEEP)]
    target_columns = [d[0] for d in cur.execute(
        f"SELECT * FROM {target.sql('duckdb')} LIMIT 0").description]
    if len(source) != len(target_columns):
        raise err.SyntaxError_(
            "MERGE ... REMOVE DUPLICATES needs a source with as many columns as its target "
            f"({len(source)} and {len(target_columns)})")
    # Redshift refuses a target row that several source rows match (DuckDB would update it
    # once and insert the others).
    twice = cur.execute(
        f"SELECT 1 FROM {target.sql('duckdb')} JOIN {using.sql('duckdb')} "
        f"ON {on.sql('duckdb')} "
        f"GROUP BY {quote_ident(target.alias_or_name)}.rowid HAVING count(*) > 1 LIMIT 1"
    ).fetchone()
    if twice is not None:
        raise err.CardinalityViolation("Found multiple matches to update the same tuple.")
    values = [exp.column(exp.to_identifier(c, quoted=True), table=using.alias) for c in source]
    keep = exp.column(_KEEP, table=using.alias)
    whens = merge.args["whens"].expressions
    update = exp.When(matched=True, source=False, condition=exp.EQ(this=rowid, expression=keep),
                      then=exp.Update(expressions=[
                          exp.EQ(this=exp.column(exp.to_identifier(c, quoted=True)),
                                 expression=v.copy())
                          for c, v in zip(target_columns, values, strict=True)]))
    whens.insert(0, update)
    insert = merge.find(exp.Insert)
    assert insert is not None and isinstance(insert.parent, exp.When)
    insert.parent.set("condition", exp.and_(
        insert.parent.args["condition"], exp.Is(this=keep.copy(), expression=exp.Null())))
    insert.set("this", None)
    insert.set("expression", exp.Tuple(expressions=values))
    return "; ".join(s.sql("duckdb") for s in [*before, merge] if s is not None)


def materialized_view(cur: duckdb.DuckDBPyConnection, place: Place,
                      ) -> tuple[bound_views.Relation, materialized_views.Materialized | None]:
    """The materialized view ``place`` names (None beside it for one made before materialized
    views kept rows), else 42809 for a view or table, 42P01 for nothing."""
    view = find_view(cur, place)
    shown = place.name
    if view is None:
        find_table(cur, place)  # 42P01 when there is no table either
        raise err.WrongObjectType(f'"{shown}" is not a materialized view')
    if not materialized_views.listed(cur, view):
        raise err.WrongObjectType(f'"{shown}" is not a materialized view')
    return view, materialized_views.lookup(cur, view)


def _relation(cur: duckdb.DuckDBPyConnection, place: Place,
              view: bool) -> bound_views.Relation | None:
    """The persistent table (or view) ``place`` names; None for a temporary or missing one."""
    if view:
        return find_view(cur, place)
    try:
        found = find_table(cur, place)
    except err.UndefinedTable:
        return None  # DuckDB reports it (or IF EXISTS lets it be)
    return None if found.temporary else bound_views.Relation(found.alias, found.schema,
                                                             found.name)


def _with_views(cur: duckdb.DuckDBPyConnection,
                late: RenameRelation | RenameColumn | DropRelations,
                sql: str) -> tuple[str, list[bound_views.Relation]]:
    """The statement with what it does to the regular views over the relations it changes,
    and the views it drops."""
    if isinstance(late, DropRelations):
        targets = [r for p in late.places
                   if (r := _relation(cur, p, late.kind == "VIEW")) is not None]
        for target in targets if late.materialized else ():
            if not materialized_views.listed(cur, target):
                # Redshift: even with IF EXISTS.
                raise err.WrongObjectType(f'"{target.name}" is not a materialized view',
                                          hint="Use DROP VIEW to remove a view.")
        drops, dropped = bound_views.drop_sql(cur, targets, late.kind, late.cascade)
        return "; ".join([*drops, sql]), dropped
    if isinstance(late, RenameColumn):
        target = _relation(cur, late.place, False)
        after = [] if target is None else bound_views.rename_column_sql(
            cur, target, late.old, late.new)
        return "; ".join([sql, *after]), []
    view = find_view(cur, late.place)
    target = view or _relation(cur, late.place, False)
    after = [] if target is None else bound_views.rename_sql(cur, target, late.new_name)
    if view is not None:
        sql = sql.replace("ALTER TABLE ", "ALTER VIEW ", 1)
        for kind in (meta.LATE_BINDING_VIEWS, meta.MATERIALIZED_VIEWS):
            after.append(f"UPDATE {meta.qualified(view.alias, kind)} "
                         f"SET view_name = {quote_literal(late.new_name)} "
                         f"WHERE lower(schema_name) = lower({quote_literal(view.schema)}) "
                         f"AND lower(view_name) = lower({quote_literal(view.name)})")
    return "; ".join([sql, *after]), []


def find_table(cur: duckdb.DuckDBPyConnection, place: Place) -> _Found:
    """The table ``place`` names, resolved as DuckDB resolves it (temporary tables first,
    then the search path), or 42P01."""
    rows = cur.execute(
        "SELECT database_name, schema_name, table_name, temporary FROM duckdb_tables() "
        "WHERE lower(table_name) = lower(?)", [place.name],
    ).fetchall()
    path = [tuple(p.split(".", 1)) for p in str(cur.execute(
        "SELECT current_setting('search_path')").fetchone()[0]).split(",")]  # type: ignore[index]

    def rank(row: tuple[str, str, str, bool]) -> int:
        alias, schema, _, temporary = row
        if place.schema is not None:
            return 0 if schema.lower() == place.schema.lower() and (
                temporary or alias == place.alias) else -1
        if temporary:
            return 0
        where = (alias, schema)
        return path.index(where) + 1 if where in path else -1

    ranked = sorted((rank(r), r) for r in rows if rank(r) >= 0)
    if not ranked:
        shown = f"{place.schema}.{place.name}" if place.schema else place.name
        raise err.UndefinedTable(f'relation "{shown}" does not exist')
    alias, schema, name, temporary = ranked[0][1]
    return _Found(alias, schema, name, bool(temporary))


def _columns(cur: duckdb.DuckDBPyConnection, t: _Found) -> list[tuple[str, str, bool, str | None]]:
    """(name, type, nullable, default) of each column, in order."""
    return [
        (r[0], r[1], bool(r[2]), r[3]) for r in cur.execute(
            "SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name = ? AND table_name = ? "
            "ORDER BY column_index", [t.alias, t.schema, t.name],
        ).fetchall()
    ]


def _constraints(cur: duckdb.DuckDBPyConnection, t: _Found,
                 kinds: tuple[str, ...]) -> list[tuple[str, str, list[str]]]:
    """(type, text, column names) of the table's constraints of the given types."""
    return [
        (r[0], r[1], list(r[2] or [])) for r in cur.execute(
            "SELECT constraint_type, constraint_text, constraint_column_names "
            "FROM duckdb_constraints() WHERE database_name = ? AND schema_name = ? "
            "AND table_name = ? ORDER BY constraint_index",
            [t.alias, t.schema, t.name],
        ).fetchall() if r[0] in kinds
    ]


def _kept_keys(cur: duckdb.DuckDBPyConnection, t: _Found) -> list[list[str]]:
    """The columns of each key the table keeps as metadata (``meta.TABLE_KEYS``; none for
    temporary tables). DuckDB enforces only the keys of tables made before."""
    if t.temporary:
        return []
    return [list(r[0]) for r in cur.execute(
        f"SELECT column_names FROM {meta.qualified(t.alias, meta.TABLE_KEYS)} "
        "WHERE lower(schema_name) = lower(?) AND lower(table_name) = lower(?)",
        [t.schema, t.name]).fetchall()]


def _attributes(cur: duckdb.DuckDBPyConnection, t: _Found) -> Attributes:
    """The metadata kept for a table (none for temporary tables)."""
    attrs = Attributes()
    if t.temporary:
        return attrs
    where = "lower(schema_name) = lower(?) AND lower(table_name) = lower(?)"
    row = cur.execute(
        "SELECT diststyle, distkey, sortkey_type, sortkey, backup FROM "
        f"{meta.qualified(t.alias, meta.TABLE_ATTRIBUTES)} WHERE {where}", [t.schema, t.name],
    ).fetchone()
    if row is not None:
        attrs.diststyle, attrs.distkey, attrs.sortkey_type = row[0], row[1], row[2]
        attrs.sortkey, attrs.backup = list(row[3] or []), row[4]
    for column, *facts in cur.execute(
        "SELECT column_name, encoding, identity_seed, identity_step, identity_by_default, "
        f"identity_sequence FROM {meta.qualified(t.alias, meta.COLUMN_ATTRIBUTES)} "
        f"WHERE {where}", [t.schema, t.name],
    ).fetchall():
        attrs.columns[column] = tuple(facts)  # type: ignore[assignment]
    return attrs


def create_as_char_sql(cur: duckdb.DuckDBPyConnection, late: CreateAsChar, sql: str) -> str:
    """The statements of a CTAS that makes CHAR columns: its query's types read now (bound,
    not run), the table created with them and the rows inserted (the CTAS is the last of
    its statements, after its companions)."""
    *before, create = sqlglot.parse(sql, read="duckdb")
    assert isinstance(create, exp.Create) and create.expression is not None
    if create.args.get("exists") and _relation_exists(cur, create):
        return sql  # IF NOT EXISTS over what exists: the CTAS does nothing, as DuckDB's
    described = [(str(row[0]), str(row[1])) for row in cur.execute(
        f"DESCRIBE {create.expression.sql('duckdb')}").fetchall()]
    target = create.this
    if isinstance(target, exp.Schema) and len(target.expressions) > len(described):
        return sql  # DuckDB refuses more names than columns
    made = table_with_char_columns(create, described, dict(late.columns))
    return "; ".join(s.sql("duckdb") for s in [*before, *made] if s is not None)


def _relation_exists(cur: duckdb.DuckDBPyConnection, create: exp.Create) -> bool:
    """Whether the table or view a CREATE TABLE names exists where it would be created (the
    current database and schema unless it names them; temporary tables in ``temp``)."""
    target = create.this
    table = target.this if isinstance(target, exp.Schema) else target
    assert isinstance(table, exp.Table)
    properties = create.args.get("properties")
    temporary = properties is not None and properties.find(exp.TemporaryProperty) is not None
    # DuckDB keeps a connection's temporary tables in its catalog temp, schema main.
    catalog, schema = ("temp", "main") if temporary else (table.catalog or None,
                                                          table.db or None)
    row = cur.execute(
        "SELECT count(*) FROM (SELECT database_name, schema_name, table_name AS name "
        "FROM duckdb_tables() UNION ALL SELECT database_name, schema_name, view_name "
        "FROM duckdb_views()) WHERE database_name = coalesce(?, current_database()) "
        "AND lower(schema_name) = lower(coalesce(?, current_schema())) "
        "AND lower(name) = lower(?)", [catalog, schema, table.name],
    ).fetchone()
    return row is not None and row[0] > 0


def create_like_sql(cur: duckdb.DuckDBPyConnection, late: CreateLike) -> str:
    """The statements creating ``late.target`` like its source is now."""
    source = find_table(cur, late.source)
    parent = _attributes(cur, source)
    target_alias = "temp" if late.temporary else late.target.alias
    attrs = Attributes(parent.diststyle, parent.distkey, parent.sortkey_type,
                       list(parent.sortkey), parent.backup)
    before: list[str] = []
    definitions = []
    for name, dtype, nullable, default in _columns(cur, source):
        encoding, seed, step, by_default, sequence = parent.columns.get(
            name, (None, None, None, None, None))
        parts = [quote_ident(name), dtype]
        if late.including_defaults and default is not None:
            if sequence is not None and seed is not None and step is not None:
                new, qualified, ddl = sequence_ddl(target_alias, seed, step, bool(by_default))
                before.append(ddl)
                default = f"nextval({quote_literal(qualified)})"
                attrs.columns[name] = (encoding, seed, step, by_default, new)
            parts.append(f"DEFAULT {default}")
        if not nullable:
            parts.append("NOT NULL")
        if encoding is not None and name not in attrs.columns:
            attrs.columns[name] = (encoding, None, None, None, None)
        definitions.append(" ".join(parts))
    definitions += [text for _, text, _ in _constraints(cur, source, ("CHECK",))]
    create = (
        f"CREATE {'TEMPORARY ' if late.temporary else ''}TABLE "
        f"{'IF NOT EXISTS ' if late.if_not_exists else ''}{late.target_sql} "
        f"({', '.join(definitions)})"
    )
    if late.temporary or not (attrs.table_declared() or attrs.columns):
        return "; ".join([*before, create])
    alias = late.target.alias
    schema = quote_literal(late.target.schema) if late.target.schema else "current_schema()"
    name = late.target.name
    return "; ".join([
        *before, *meta.forget_dropped(alias), create,
        *records(alias, schema, name, attrs,
                 lambda table: missing(alias, schema, name, meta.qualified(alias, table))),
    ])


def rebuild_with_varchar(cur: duckdb.DuckDBPyConnection, late: AlterVarchar) -> None:
    """Rebuild the table with the column's new VARCHAR length, in a transaction left open for
    the caller's COMMIT (rolled back here if any step fails)."""
    table = find_table(cur, late.table)
    columns = _columns(cur, table)
    column = next((c for c in columns if c[0].lower() == late.column.lower()), None)
    if column is None:
        raise err.UndefinedColumn(
            f'column "{late.column}" of relation "{table.name}" does not exist')
    name, dtype, _, default = column
    keys = _constraints(cur, table, ("PRIMARY KEY", "UNIQUE", "FOREIGN KEY"))
    keyed = [cols for _, _, cols in keys] + _kept_keys(cur, table)
    encoding = _attributes(cur, table).columns.get(name, (None,))[0]
    if dtype != "VARCHAR" or any(
        c[0] == "CHECK" and "character(" in c[1] and name in c[2]
        for c in _constraints(cur, table, ("CHECK",))
    ):
        raise err.FeatureNotSupported(
            "ALTER TABLE ALTER COLUMN TYPE is supported only for VARCHAR columns")
    if default is not None or any(name in cols for cols in keyed) or (
        encoding in _FIXED_ENCODINGS
    ):
        raise err.FeatureNotSupported(
            f'ALTER TABLE ALTER COLUMN TYPE is not supported for column "{name}": it has a '
            "default, a key or a BYTEDICT/RUNLENGTH/TEXT255/TEXT32K encoding")
    longest = cur.execute(
        f"SELECT max(strlen({quote_ident(name)})) FROM {table.sql}").fetchone()
    if longest is not None and longest[0] is not None and longest[0] > late.length:
        raise err.StringDataRightTruncation(
            "target column size should be greater or equal to current maximum column size")
    checks = [
        text for _, text, cols in _constraints(cur, table, ("CHECK",))
        if not (cols == [name] and _LENGTH_MESSAGE in text)
    ]
    new_check = (
        f"CHECK (CASE WHEN strlen({quote_ident(name)}) > {late.length} THEN "
        f"error({quote_literal(f'{_LENGTH_MESSAGE}{late.length})')}) ELSE true END)"
    )
    definitions = [_definition(c) for c in columns] + [text for _, text, _ in keys]
    _in_transaction(cur, _rebuild(cur, table, [*definitions, *checks, new_check],
                                  [c[0] for c in columns]))


def _definition(column: tuple[str, str, bool, str | None]) -> str:
    """A column's definition as DuckDB SQL, from what ``_columns`` reads."""
    name, dtype, nullable, default = column
    parts = [quote_ident(name), dtype]
    if default is not None:
        parts.append(f"DEFAULT {default}")
    if not nullable:
        parts.append("NOT NULL")
    return " ".join(parts)


def _rebuild(cur: duckdb.DuckDBPyConnection, t: _Found, definitions: list[str],
             kept: list[str]) -> list[str]:
    """The statements making ``t`` again with ``definitions`` (its columns, keys and checks
    as DuckDB SQL) and the rows of its columns ``kept``, under its name and with its comments
    (its grants and metadata are keyed by name)."""
    rebuilt = quote_ident(f"{INTERNAL_PREFIX}rebuild_{uuid.uuid4().hex[:16]}")
    schema = ".".join(quote_ident(p) for p in (t.alias, t.schema))
    comments = cur.execute(
        "SELECT comment FROM duckdb_tables() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ?", [t.alias, t.schema, t.name]).fetchone()
    column_comments = cur.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = ? AND table_name = ? AND comment IS NOT NULL",
        [t.alias, t.schema, t.name]).fetchall()
    columns = ", ".join(quote_ident(c) for c in kept)
    statements = [
        # DuckDB makes a table of its temp catalog only as a TEMPORARY one.
        f"CREATE {'TEMPORARY ' if t.temporary else ''}TABLE {schema}.{rebuilt} "
        f"({', '.join(definitions)})",
        f"INSERT INTO {schema}.{rebuilt} ({columns}) SELECT {columns} FROM {t.sql}",
        f"DROP TABLE {t.sql}",
        f"ALTER TABLE {schema}.{rebuilt} RENAME TO {quote_ident(t.name)}",
    ]
    if comments is not None and comments[0]:
        statements.append(f"COMMENT ON TABLE {t.sql} IS {quote_literal(comments[0])}")
    statements += [
        f"COMMENT ON COLUMN {t.sql}.{quote_ident(c)} IS {quote_literal(text)}"
        for c, text in column_comments
    ]
    return statements


def _in_transaction(cur: duckdb.DuckDBPyConnection, statements: list[str]) -> None:
    """Run ``statements`` in a transaction left open for the caller's COMMIT (rolled back
    here if any of them fails)."""
    cur.execute("BEGIN TRANSACTION")
    try:
        for statement in statements:
            cur.execute(statement)
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def add_column_sql(cur: duckdb.DuckDBPyConnection, late: AddColumn, sql: str,
                   in_block: bool) -> str:
    """The statements of ``ALTER TABLE t ADD COLUMN c`` (``sql``, with the CHECKs of its
    length) as a rebuild of ``t`` with the column: run here in a transaction left open, and
    "COMMIT" returned, outside a transaction block; returned to run in the session's
    transaction inside one."""
    *before, alter = sqlglot.parse(sql, read="duckdb")
    assert isinstance(alter, exp.Alter) and not before
    added = alter.args["actions"][0]
    assert isinstance(added, exp.ColumnDef)
    table = find_table(cur, late.table)
    columns = _columns(cur, table)
    if any(c[0].lower() == late.column.lower() for c in columns):
        if late.if_not_exists:
            return "SELECT 1 WHERE false"  # a statement that changes nothing
        raise err.DuplicateColumn(
            f'column "{late.column}" of relation "{table.name}" already exists')
    referenced = cur.execute(
        "SELECT count(*) FROM duckdb_constraints() WHERE constraint_type = 'FOREIGN KEY' "
        "AND database_name = ? AND schema_name = ? AND lower(referenced_table) = lower(?)",
        [table.alias, table.schema, table.name]).fetchone()
    if referenced is not None and referenced[0]:
        # DuckDB cannot drop a table a foreign key names, which the rebuild must.
        raise err.FeatureNotSupported(
            "feature not supported on Duckshift: ALTER TABLE ADD COLUMN of a CHAR, VARCHAR, "
            "VARBYTE or NOT NULL column to a table that a foreign key references")
    definitions = [_definition(c) for c in columns] + [
        text for _, text, _ in _constraints(cur, table,
                                            ("PRIMARY KEY", "UNIQUE", "FOREIGN KEY", "CHECK"))]
    added.set("exists", None)
    # The new column after the others, its CHECKs among the table's.
    statements = _rebuild(cur, table, [*definitions[:len(columns)], added.sql("duckdb"),
                                       *definitions[len(columns):]], [c[0] for c in columns])
    if in_block:
        return "; ".join(statements)
    _in_transaction(cur, statements)
    return "COMMIT"


def _canonical(cur: duckdb.DuckDBPyConnection, types: tuple[str, ...]) -> tuple[str, ...]:
    """DuckDB's own spelling of each type (INT is INTEGER), as duckdb_functions() lists it."""
    return tuple(
        str(cur.execute(f"SELECT typeof(CAST(NULL AS {t}))").fetchone()[0])  # type: ignore[index]
        for t in types
    )


# Type categories in PostgreSQL's sense (Redshift resolves overloads as PostgreSQL 8 does): an
# argument converts implicitly within its category, where PostgreSQL prefers the category's
# preferred type and DuckDB the cheapest cast, so overloads of one arity must be told apart
# by a position whose types are of different categories.
_CATEGORIES = {
    **dict.fromkeys(("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE"),
                    "numeric"),
    **dict.fromkeys(("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE"), "datetime"),
    **dict.fromkeys(("TIME", "TIME WITH TIME ZONE"), "time"),
}


def _category(duck_type: str) -> str:
    return "numeric" if duck_type.startswith("DECIMAL") else _CATEGORIES.get(duck_type, duck_type)


def _overloads(cur: duckdb.DuckDBPyConnection, alias: str, schema: str, name: str,
               signatures: list[tuple[str, ...]]) -> dict[tuple[str, ...], str]:
    """Argument types -> DuckDB SQL body of each overload of a function's macro. A typed
    overload names its types; an untyped one is the only overload of its number of arguments
    among ``signatures`` (the catalog's)."""
    rows = cur.execute(
        "SELECT parameter_types, macro_definition FROM duckdb_functions() "
        "WHERE database_name = ? AND schema_name = ? AND function_name = ? "
        "AND function_type = 'macro'", [alias, schema, name],
    ).fetchall()
    found: dict[tuple[str, ...], str] = {}
    for types, body in rows:
        if types and all(t is not None for t in types):
            found[tuple(types)] = body
            continue
        same_arity = [s for s in signatures if len(s) == len(types)]
        if len(same_arity) == 1:
            found[same_arity[0]] = body
    return found


def _macro_sql(qualified: str, overloads: dict[tuple[str, ...], str]) -> str:
    """CREATE OR REPLACE MACRO with the overloads: untyped parameters where one overload has
    its number of arguments (the body casts them, so any argument that casts is taken, as
    Redshift takes a single candidate), typed ones where several do, for DuckDB to choose
    among when it binds the call."""
    arities: dict[int, int] = {}
    for types in overloads:
        arities[len(types)] = arities.get(len(types), 0) + 1
    parts = []
    for types, body in overloads.items():
        typed = arities[len(types)] > 1
        params = ", ".join(f'"${i}"' + (f" {t}" if typed else "")
                           for i, t in enumerate(types, start=1))
        parts.append(f"({params}) AS {body}")
    return f"CREATE OR REPLACE MACRO {qualified}" + ", ".join(parts)


def _refuse_unresolvable(name: str, types: tuple[str, ...],
                         others: list[tuple[str, ...]]) -> None:
    """Refuse an overload that only types of one category tell apart from another: a call's
    argument of that category could then pick a different overload than in Redshift. A SUPER
    parameter among overloads of one arity is refused too: DuckDB casts nearly every type to
    JSON implicitly (a DATE too, which Redshift refuses to make SUPER), and finds an INTEGER
    argument ambiguous between INTEGER and JSON."""
    for other in others:
        if len(other) != len(types) or other == types:
            continue
        if "JSON" in types or "JSON" in other:
            raise err.FeatureNotSupported(
                "feature not supported on Duckshift: overloading a function by argument types "
                f"with a SUPER argument ({_shown(name, types)} beside {_shown(name, other)})")
        if all(_category(a) == _category(b) for a, b in zip(types, other, strict=True)):
            raise err.FeatureNotSupported(
                "feature not supported on Duckshift: overloading a function by argument types "
                f"of the same category ({_shown(name, types)} beside {_shown(name, other)}); "
                "overloads must differ in number of arguments or in a type of another kind "
                "(number, character string, date and time stamp, boolean, VARBYTE, SUPER)")


def _shown(name: str, types: tuple[str, ...]) -> str:
    return f"{name}({', '.join(t.lower() for t in types)})"


def function_sql(cur: duckdb.DuckDBPyConnection, late: CreateFunction | DropFunction) -> str:
    """The DuckDB statements giving the function's macro its overloads after ``late``, and
    keeping the catalog's row of the overload."""
    place = late.place
    types = _canonical(cur, late.arg_types)
    if isinstance(late, CreateFunction):
        builtin = cur.execute(
            "SELECT 1 FROM duckdb_functions() WHERE database_name = 'system' "
            "AND lower(function_name) = lower(?) LIMIT 1", [place.name]).fetchone()
        if builtin is not None:
            raise err.DuplicateFunction(
                f'function "{place.name}" already exists as a built-in function: name SQL '
                "UDFs with the f_ prefix")
        schema = place.schema or str(
            cur.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
    else:
        schema = place.schema or _function_schema(cur, place)
    functions = meta.qualified(place.alias, meta.FUNCTIONS)
    where = (f"lower(schema_name) = lower({quote_literal(schema)}) "
             f"AND lower(function_name) = lower({quote_literal(place.name)})")
    signatures = [tuple(row[0]) for row in cur.execute(
        f"SELECT arg_types FROM {functions} WHERE {where}").fetchall()]
    overloads = _overloads(cur, place.alias, schema, place.name, signatures)
    qualified = ".".join(quote_ident(p) for p in (place.alias, schema, place.name))
    types_list = f"[{', '.join(quote_literal(t) for t in types)}]::VARCHAR[]"
    forget = f"DELETE FROM {functions} WHERE {where} AND arg_types = {types_list}"
    if isinstance(late, CreateFunction):
        if types in signatures and not late.replace:
            raise err.DuplicateFunction(
                f'function "{place.name}" already exists with same argument types')
        _refuse_unresolvable(place.name, types, signatures)
        overloads[types] = f"CAST(({late.body}) AS {late.returns})"
        record = (
            f"INSERT INTO {functions} VALUES ({quote_literal(schema)}, "
            f"{quote_literal(place.name)}, {types_list}, "
            f"{quote_literal(_canonical(cur, (late.returns,))[0])}, "
            f"{quote_literal(late.volatility)}, "
            f"{quote_literal(late.source)})"
        )
        return "; ".join([_macro_sql(qualified, overloads), forget, record])
    if types not in signatures:
        if late.if_exists:
            # Nothing to drop: a statement that changes nothing.
            return "SELECT 1 WHERE false"
        raise err.UndefinedFunction(f"function {_shown(place.name, types)} does not exist")
    overloads.pop(types, None)
    if not overloads:
        return f"DROP MACRO {qualified}; {forget}"
    return f"{_macro_sql(qualified, overloads)}; {forget}"


def _function_schema(cur: duckdb.DuckDBPyConnection, place: Place) -> str:
    """The first schema of the search path with a function of this name (else the current)."""
    path = [tuple(p.split(".", 1)) for p in str(cur.execute(
        "SELECT current_setting('search_path')").fetchone()[0]).split(",")]  # type: ignore[index]
    found = {row[0] for row in cur.execute(
        "SELECT schema_name FROM duckdb_functions() WHERE database_name = ? "
        "AND function_name = ? AND function_type = 'macro'", [place.alias, place.name],
    ).fetchall()}
    for alias, schema in path:
        if alias == place.alias and schema in found:
            return schema
    return str(cur.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
