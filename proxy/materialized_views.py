"""Materialized views that hold the rows of their last refresh, as in Redshift.

A materialized view is three DuckDB objects of its database, tied by a storage key recorded in
``meta.MATERIALIZED_VIEWS``: the view of its query (``MV_QUERY_PREFIX`` + key, in the view's
own schema, so that its names resolve as the statement wrote them, and a regular view bound to
what it reads: DROP TABLE of a base is refused, 2BP01, unless CASCADE drops the materialized
view too, and RENAME follows, ``proxy/bound_views.py``), the table of its rows
(``MV_ROWS_PREFIX`` + key, in the hidden ``main`` schema) and the view users name, which reads
that table. Clients never see the hidden two: the catalog views and the directory leave out
internal names, and user SQL cannot name them. The catalog shows the materialized view's query
as its definition.

* CREATE MATERIALIZED VIEW runs as translated (the view of its query), then that view is
  renamed to its hidden name, its rows stored and the view made again over them (``create_sql``,
  in the statement's transaction).
* REFRESH MATERIALIZED VIEW computes the rows again in a transaction of its own, on a cursor of
  its own: it sees committed base rows, not the session's uncommitted writes, and leaves the
  session's transaction as it was (Redshift: "runs as a transaction of its own"). One made in
  the session's open transaction block is invisible there: it is refreshed in the session's
  transaction, seeing what that transaction sees (Redshift's full refresh: "all base table rows
  visible to the refresh transaction"). CASCADE first refreshes the materialized views it
  reads, nested ones first, all in the one transaction (Redshift's nested materialized views);
  the materialized views over a refreshed one are stale then.
* Each refresh leaves a row in ``meta.MV_REFRESHES`` (in the refresh's transaction): who ran it
  (none for an auto refresh), its session and transaction ids, when, its status and type
  (Manual or Auto), which SVL_MV_REFRESH_STATUS and SYS_MV_REFRESH_HISTORY show.
* Committed writes to a base table (``Refresher``, told by the connection which tables each
  statement writes and when its transaction ends) mark the materialized views over it stale,
  or refresh those with AUTO REFRESH YES: after the commit, in the background, on the engine's
  lower-priority threads, never on the writer's path (Redshift's auto refresh is best effort
  too; here it is eager). Those with AUTO REFRESH YES over one refreshed so follow it (a
  materialized view over another is stale only once the one it reads changes). Refreshes run
  one at a time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import duckdb
import sqlglot

from catalog import errors as err
from engine import macros
from engine import table_metadata as meta
from engine.storage import quote_ident, quote_literal
from proxy import bound_views
from proxy.sql.char_views import view_char_columns
from proxy.sql.late import CreateView

if TYPE_CHECKING:
    from engine.instance import Engine
    from proxy.session import Session

log = logging.getLogger(__name__)

Key = tuple[str, str, str]  # (alias, schema, table) written


@dataclass(frozen=True, slots=True)
class Materialized:
    """A materialized view: where users find it and its storage key."""

    alias: str
    schema: str
    name: str
    key: str

    @property
    def rows(self) -> str:
        """The table of its rows, as DuckDB SQL."""
        return (f"{quote_ident(self.alias)}.{meta.SCHEMA}."
                f"{quote_ident(meta.MV_ROWS_PREFIX + self.key)}")

    @property
    def query(self) -> str:
        """The view of its query, as DuckDB SQL."""
        return (f"{quote_ident(self.alias)}.{quote_ident(self.schema)}."
                f"{quote_ident(meta.MV_QUERY_PREFIX + self.key)}")


def create_sql(cur: duckdb.DuckDBPyConnection, late: CreateView, sql: str,
               key: str | None = None) -> str:
    """The statements of CREATE MATERIALIZED VIEW: ``sql`` (the view of its query, with its
    metadata row), then that view hidden, its rows stored and the view made over them; before
    them, those dropping the hidden parts of a materialized view ``sql`` replaces. A CREATE OR
    REPLACE VIEW is ``sql`` after the latter."""
    place = late.place
    schema = place.schema or str(
        cur.execute("SELECT current_schema()").fetchone()[0])  # type: ignore[index]
    replaced = meta.materialized_key(cur, place.alias, schema, place.name)
    before = [] if replaced is None else meta.materialized_parts_sql(place.alias, schema,
                                                                     replaced)
    if not late.materialized:
        return "; ".join([*before, sql])
    mv = Materialized(place.alias, schema, place.name, key or new_key())
    view = ".".join(quote_ident(p) for p in (place.alias, schema, place.name))
    return "; ".join([
        *before,
        sql,
        f"ALTER VIEW {view} RENAME TO {quote_ident(meta.MV_QUERY_PREFIX + mv.key)}",
        f"CREATE TABLE {mv.rows} AS SELECT * FROM {mv.query}",
        f"CREATE VIEW {view} AS SELECT {_columns(sql)} FROM {mv.rows}",
        f"UPDATE {meta.qualified(place.alias, meta.MATERIALIZED_VIEWS)} "
        f"SET storage = {quote_literal(mv.key)}, stale = false "
        f"WHERE lower(schema_name) = lower({quote_literal(schema)}) "
        f"AND lower(view_name) = lower({quote_literal(place.name)})",
    ])


def _columns(sql: str) -> str:
    """The select list of the view over a materialized view's rows: the columns of its query
    (``sql``, the CREATE VIEW first) that are CHAR(n) stay CHAR(n) columns of the view (the
    CHAR macro keeps its values as they are, ``proxy/sql/char_views.py``)."""
    if macros.CHAR not in sql:
        return "*"
    create = sqlglot.parse(sql, read="duckdb")[0]
    assert create is not None
    chars = view_char_columns(create.sql("duckdb"))
    if not chars:
        return "*"
    char = f"{macros.CATALOG}.{macros.SCHEMA}.{macros.CHAR}"
    return "* REPLACE ({})".format(", ".join(
        f"{char}({quote_ident(c)}, {n}) AS {quote_ident(c)}" for c, n in chars.items()))


def new_key() -> str:
    """A new storage key."""
    return uuid.uuid4().hex[:16]


def lookup(cur: duckdb.DuckDBPyConnection, view: bound_views.Relation) -> Materialized | None:
    """The materialized view ``view`` is (None: a plain view, or a materialized view made
    before they kept rows, which is always fresh)."""
    key = meta.materialized_key(cur, view.alias, view.schema, view.name)
    return None if key is None else Materialized(view.alias, view.schema, view.name, key)


def listed(cur: duckdb.DuckDBPyConnection, view: bound_views.Relation) -> bool:
    """Whether ``view`` is recorded as a materialized view (with rows or not)."""
    return cur.execute(
        f"SELECT 1 FROM {meta.qualified(view.alias, meta.MATERIALIZED_VIEWS)} "
        "WHERE lower(schema_name) = lower(?) AND lower(view_name) = lower(?)",
        [view.schema, view.name]).fetchone() is not None


def mutable(cur: duckdb.DuckDBPyConnection, view: bound_views.Relation) -> str | None:
    """The first mutable function the query of the materialized view ``view`` calls (None:
    none), as recorded when it was made."""
    row = cur.execute(
        f"SELECT mutable FROM {meta.qualified(view.alias, meta.MATERIALIZED_VIEWS)} "
        "WHERE lower(schema_name) = lower(?) AND lower(view_name) = lower(?)",
        [view.schema, view.name]).fetchone()
    return None if row is None else row[0]


def auto_refresh_sql(view: bound_views.Relation, auto: bool) -> str:
    """ALTER MATERIALIZED VIEW ... AUTO REFRESH YES | NO, as DuckDB SQL."""
    return (f"UPDATE {meta.qualified(view.alias, meta.MATERIALIZED_VIEWS)} "
            f"SET autorefresh = {str(auto).lower()} "
            f"WHERE lower(schema_name) = lower({quote_literal(view.schema)}) "
            f"AND lower(view_name) = lower({quote_literal(view.name)})")


def _all(cur: duckdb.DuckDBPyConnection, alias: str) -> dict[str, tuple[Materialized, bool]]:
    """The materialized views of ``alias`` that keep rows, by storage key, with AUTO REFRESH."""
    return {
        key: (Materialized(alias, schema, name, key), bool(auto))
        for schema, name, key, auto in cur.execute(
            "SELECT schema_name, view_name, storage, autorefresh FROM "
            f"{meta.qualified(alias, meta.MATERIALIZED_VIEWS)} WHERE storage IS NOT NULL"
        ).fetchall()
    }


def _readers_elsewhere(cur: duckdb.DuckDBPyConnection,
                       alias: str) -> dict[str, tuple[Materialized, bool]]:
    """The materialized views of other databases whose query names ``alias`` (a consumer's
    over a producer's shared tables), by storage key, with AUTO REFRESH."""
    rows = cur.execute(
        "SELECT DISTINCT database_name FROM duckdb_views() WHERE database_name <> ? "
        "AND starts_with(view_name, ?) AND contains(sql, ?)",
        [alias, meta.MV_QUERY_PREFIX, alias]).fetchall()
    found: dict[str, tuple[Materialized, bool]] = {}
    for (other,) in rows:
        found.update(_all(cur, other))
    return found


def _query(mv: Materialized) -> bound_views.Relation:
    """The hidden view of ``mv``'s query."""
    return bound_views.Relation(mv.alias, mv.schema, meta.MV_QUERY_PREFIX + mv.key)


def _over(cur: duckdb.DuckDBPyConnection, target: bound_views.Relation,
          known: dict[str, tuple[Materialized, bool]]) -> list[tuple[Materialized, bool]]:
    """The materialized views (of ``known``) whose query reads ``target`` (of their own
    database, or of another by its alias)."""
    return [
        (mv, auto) for mv, auto in known.values()
        if any(r.same(target) for r in (
            bound_views.reads(cur, _query(mv)) if mv.alias == target.alias
            else bound_views.reads_elsewhere(cur, _query(mv))))
    ]


# SVL_MV_REFRESH_STATUS's status of a refresh that computed every row (all of them here).
RECOMPUTED = "Refresh successfully recomputed MV from scratch"
# How long the refresh history is kept (Redshift keeps its SVL views' rows about a week).
_HISTORY_DAYS = 7


@dataclass(frozen=True, slots=True)
class Run:
    """Who refreshes, for the refresh history: the user (None: Redshift's own auto refresh),
    the session's pid, the transaction id and the refresh type ("Manual" or "Auto")."""

    user: str | None = None
    pid: int | None = None
    xid: int = 0
    kind: str = "Manual"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _recompute(cur: duckdb.DuckDBPyConnection, mv: Materialized, run: Run) -> None:
    """Compute ``mv``'s rows again in the transaction open on ``cur`` and record it; the
    materialized views over it are then stale."""
    table = meta.qualified(mv.alias, meta.MATERIALIZED_VIEWS)
    start = _now()
    cur.execute(f"DELETE FROM {mv.rows}")
    cur.execute(f"INSERT INTO {mv.rows} SELECT * FROM {mv.query}")
    cur.execute(f"UPDATE {table} SET stale = false WHERE storage = ?", [mv.key])
    over = [m.key for m, _ in _over(cur, bound_views.Relation(mv.alias, mv.schema, mv.name),
                                    _all(cur, mv.alias))]
    if over:
        cur.execute(f"UPDATE {table} SET stale = true WHERE list_contains(?, storage)", [over])
    cur.execute(f"INSERT INTO {meta.qualified(mv.alias, meta.MV_REFRESHES)} VALUES "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [mv.schema, mv.name, run.user, run.pid, run.xid, start, _now(), RECOMPUTED,
                 run.kind])


def _below(cur: duckdb.DuckDBPyConnection, mv: Materialized) -> list[Materialized]:
    """The materialized views ``mv`` reads, nested ones first (each once)."""
    found: list[Materialized] = []

    def visit(current: Materialized, path: tuple[str, ...]) -> None:
        for read in bound_views.reads(cur, _query(current)):
            under = lookup(cur, read)
            if under is None or under.key in path or any(m.key == under.key for m in found):
                continue
            visit(under, (*path, under.key))
            found.append(under)

    visit(mv, (mv.key,))
    return found


def refresh_order(cur: duckdb.DuckDBPyConnection, mv: Materialized,
                  cascade: bool) -> list[Materialized]:
    """What REFRESH MATERIALIZED VIEW ``mv`` [CASCADE] refreshes, in order."""
    return [*_below(cur, mv), mv] if cascade else [mv]


def query_sql(cur: duckdb.DuckDBPyConnection, mv: Materialized) -> str:
    """The DuckDB CREATE VIEW of ``mv``'s query (its hidden view)."""
    row = cur.execute(
        "SELECT sql FROM duckdb_views() WHERE database_name = ? AND schema_name = ? "
        "AND view_name = ?", [mv.alias, mv.schema, meta.MV_QUERY_PREFIX + mv.key]).fetchone()
    return "" if row is None else str(row[0])


def refresh(cur: duckdb.DuckDBPyConnection, mv: Materialized, cascade: bool,
            run: Run | None = None, own_transaction: bool = True) -> None:
    """REFRESH MATERIALIZED VIEW ``mv`` (with ``cascade``, the materialized views it reads
    first, nested ones first) on ``cur``: in a transaction of its own (a cursor of its own), or
    in the transaction open on ``cur`` (the session's, which made ``mv``)."""
    run = run or Run()
    order = refresh_order(cur, mv, cascade)
    if not own_transaction:
        for current in order:
            _recompute(cur, current, run)
        return
    cur.execute("BEGIN TRANSACTION")
    try:
        for current in order:
            _recompute(cur, current, run)
        # Old history goes here, under the refresher's lock (never beside another refresh).
        cur.execute(f"DELETE FROM {meta.qualified(mv.alias, meta.MV_REFRESHES)} "
                    "WHERE start_time < ?", [_now() - timedelta(days=_HISTORY_DAYS)])
        cur.execute("COMMIT")
    except BaseException:
        cur.execute("ROLLBACK")
        raise


def after_writes(cur: duckdb.DuckDBPyConnection, alias: str,
                 tables: Iterable[tuple[str, str]] | None, fresh: frozenset[str] = frozenset(),
                 started: Callable[[str], None] | None = None,
                 next_xid: Callable[[], int] | None = None,
                 allowed: Callable[[Materialized, str], bool] | None = None) -> bool:
    """Committed writes to ``tables`` ((schema, name) of ``alias``; None: any) happened: the
    materialized views over them with AUTO REFRESH YES are refreshed (then those with AUTO
    REFRESH YES over these), the others marked stale, except those (storage keys) ``fresh``:
    made or refreshed after the writes committed. ``started`` is told of each refresh as it
    starts; ``next_xid`` numbers their transactions; ``allowed`` tells whether the owner of one
    reading another database may still read what it reads (its query's SQL given; else it is
    not refreshed). Returns whether ``alias`` has
    materialized views that keep rows, or other databases have some over it, at all."""
    known = {**_all(cur, alias), **_readers_elsewhere(cur, alias)}
    if not known:
        return False
    if tables is None:
        hit = list(known.values())
    else:
        found: dict[str, tuple[Materialized, bool]] = {}
        for schema, name in tables:
            for mv, auto in _over(cur, bound_views.Relation(alias, schema, name), known):
                found[mv.key] = (mv, auto)
        hit = list(found.values())
    hit = [(mv, auto) for mv, auto in hit if mv.key not in fresh]
    stale: dict[str, list[str]] = {}
    for mv, auto in hit:
        if not auto:
            stale.setdefault(mv.alias, []).append(mv.key)
    for where, keys in stale.items():
        cur.execute(f"UPDATE {meta.qualified(where, meta.MATERIALIZED_VIEWS)} SET stale = true "
                    "WHERE list_contains(?, storage)", [keys])
    pending = [mv for mv, auto in hit if auto]
    done: set[str] = set()
    while pending:
        mv = pending.pop(0)
        if mv.key in done:
            continue
        done.add(mv.key)
        if started is not None:
            started(mv.key)
        if (allowed is not None and bound_views.reads_elsewhere(cur, _query(mv))
                and not allowed(mv, query_sql(cur, mv))):
            # Its owner may no longer read what it reads (a datashare revoked): it stays stale.
            cur.execute(f"UPDATE {meta.qualified(mv.alias, meta.MATERIALIZED_VIEWS)} "
                        "SET stale = true WHERE storage = ?", [mv.key])
            continue
        try:
            refresh(cur, mv, False, Run(xid=next_xid() if next_xid else 0, kind="Auto"))
        except Exception:  # best effort, as Redshift's: it stays stale
            log.warning("auto refresh of %s.%s failed", mv.schema, mv.name, exc_info=True)
            with contextlib.suppress(duckdb.Error):
                cur.execute(f"UPDATE {meta.qualified(mv.alias, meta.MATERIALIZED_VIEWS)} "
                            "SET stale = true WHERE storage = ?", [mv.key])
            continue
        # Those over it are stale now; the ones with AUTO REFRESH YES follow.
        pending += [m for m, auto in _over(
            cur, bound_views.Relation(mv.alias, mv.schema, mv.name), _all(cur, mv.alias))
            if auto]
    return True


class Refresher:
    """Follows the tables each session's transaction writes and, when it commits, has the
    materialized views over them marked stale or refreshed (``after_writes``) in the
    background. Databases found to have no materialized views are skipped until one is made
    there (``forget``), so writes elsewhere cost a set lookup."""

    def __init__(self, engine: Engine, next_xid: Callable[[], int] | None = None) -> None:
        self._engine = engine
        self._next_xid = next_xid or (lambda: 0)  # transaction ids (the query log's)
        # Whether a materialized view's owner may still read what it reads, given its query's
        # SQL (set by the server: the authorizer's check, which an auto refresh of one over
        # another database must pass too). Called on the event loop.
        self.allowed: Callable[[Materialized, str], bool] | None = None
        self._writes: dict[int, dict[str, set[tuple[str, str]] | None]] = {}
        self._without: set[str] = set()  # aliases known to have no materialized views
        self._generation = 0  # counts ``forget``: a look that raced one proves nothing
        self._made: dict[int, set[str]] = {}  # aliases each open transaction made one in
        self._made_keys: dict[int, set[str]] = {}  # storage keys of those it made
        # Tables written by committed transactions whose look has not started, by alias, and
        # the number of the last of those commits.
        self._queued: dict[str, tuple[set[tuple[str, str]] | None, int]] = {}
        # Commits are numbered; each materialized view (by storage key) was made or last
        # refreshed after the commits up to this number (here since the server started).
        self._commits = 0
        self._fresh_after: dict[str, int] = {}
        self._lock = asyncio.Lock()  # one refresh at a time: they would conflict
        self._tasks: set[asyncio.Task[None]] = set()

    def written(self, session: Session, keys: list[Key] | None) -> None:
        """``session`` is about to write ``keys`` (None: tables it cannot name, in its current
        database)."""
        if keys is None:
            try:
                alias = session.alias()
            except err.SQLError:
                return
            self._writes.setdefault(session.pid, {})[alias] = None
            return
        for alias, schema, name in keys:
            if alias in self._without or alias == "temp":
                continue
            mine = self._writes.setdefault(session.pid, {})
            if alias in mine and mine[alias] is None:
                continue
            mine.setdefault(alias, set()).add((schema, name))  # type: ignore[union-attr]

    def settled(self, session: Session, committed: bool) -> None:
        """``session``'s transaction ended: after a commit, act on what it wrote."""
        writes = self._writes.pop(session.pid, None)
        made = self._made.pop(session.pid, ())
        self._made_keys.pop(session.pid, None)
        for alias in made if committed else ():
            self.forget(alias)  # its materialized views are there for all to see now
        if not committed or not writes:
            return
        self._commits += 1
        for alias, tables in writes.items():
            if alias in self._without:
                continue
            if alias in self._queued:  # a look not started yet takes these tables too
                queued, _ = self._queued[alias]
                if tables is None or queued is None:
                    self._queued[alias] = (None, self._commits)
                else:
                    self._queued[alias] = (queued | tables, self._commits)
                continue
            self._queued[alias] = (None if tables is None else set(tables), self._commits)
            task = asyncio.get_running_loop().create_task(self._after(alias))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def forget(self, alias: str) -> None:
        """A materialized view was made (or changed) in ``alias``."""
        self._without.discard(alias)
        self._generation += 1

    def made(self, session: Session, alias: str) -> str:
        """``session`` makes a materialized view in ``alias`` (seen by others once it
        commits): the storage key to give it."""
        self._made.setdefault(session.pid, set()).add(alias)
        self.forget(alias)
        # It may read other databases (a consumer's over shared tables): writes to any are
        # looked at again.
        self._without.clear()
        key = new_key()
        self._made_keys.setdefault(session.pid, set()).add(key)
        self._started(key)
        return key

    def uncommitted(self, session: Session, mv: Materialized) -> bool:
        """Whether ``session``'s open transaction made ``mv`` (no other transaction sees it)."""
        return mv.key in self._made_keys.get(session.pid, ())

    def _started(self, key: str) -> None:
        """The rows of the materialized view ``key`` are being computed: they reflect every
        commit so far (a write's commit is numbered after DuckDB's)."""
        self._fresh_after[key] = self._commits

    async def _after(self, alias: str) -> None:
        generation = self._generation
        loop = asyncio.get_running_loop()
        check = self.allowed

        def allowed(mv: Materialized, sql: str) -> bool:
            """``check`` on the event loop (the authorizer lives there), from a worker."""
            if check is None:
                return True

            async def ask() -> bool:
                return check(mv, sql)

            return asyncio.run_coroutine_threadsafe(ask(), loop).result()

        async with self._lock:
            # Writes committed while this waited joined it: one look for a burst of them.
            tables, last = self._queued.pop(alias, (set(), 0))
            fresh = frozenset(k for k, n in self._fresh_after.items() if n >= last)
            try:
                has = await asyncio.get_running_loop().run_in_executor(
                    self._engine.long_executor, self._on_own_cursor, after_writes, alias,
                    tables, fresh, self._started, self._next_xid, allowed)
            except Exception:
                log.warning("materialized views of %s not followed", alias, exc_info=True)
                return
            if not has and self._generation == generation:
                self._without.add(alias)

    @property
    def lock(self) -> asyncio.Lock:
        """Held by each refresh while it runs (REFRESH MATERIALIZED VIEW takes it too)."""
        return self._lock

    def refresh(self, session: Session, mv: Materialized, cascade: bool) -> None:
        """REFRESH MATERIALIZED VIEW by ``session`` on a cursor of its own (on a worker thread,
        under ``lock``)."""
        self._without.discard(mv.alias)
        self._started(mv.key)
        self._on_own_cursor(refresh, mv, cascade, self.run(session, own_transaction=True))

    def run(self, session: Session, own_transaction: bool) -> Run:
        """The history facts of a REFRESH by ``session``: in a transaction of its own (a new
        transaction id) or in the session's."""
        xid = self._next_xid() if own_transaction else session.transaction_id
        return Run(session.user.name, session.pid, xid, "Manual")

    async def idle(self) -> None:
        """Wait for the refreshes started so far (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def _on_own_cursor(self, fn, *args):  # type: ignore[no-untyped-def]
        cur = self._engine.cursor()
        try:
            return fn(cur, *args)
        finally:
            cur.close()
