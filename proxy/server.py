"""The composition root: one process, one engine, one catalog, a listener per workgroup.

``Server.open`` builds everything from a configuration and a data dir: the DuckDB engine with
every namespace database attached, the system catalog, the admin users, TLS, the workgroup
pools; ``serve`` starts a listener per workgroup and runs until stopped. This is the only place
that wires catalog, engine and proxy together.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import secrets
import socket
import ssl
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from catalog.blank_facts import BlankFacts
from catalog.capacity import CapacitySettings, update_problem
from catalog.datashares import ConsumerDatabase, Datashares
from catalog.directory import Directory
from catalog.errors import InvalidCatalogName, InvalidParameterValue, ObjectInUse, SQLError
from catalog.model import Namespace, Workgroup
from catalog.monitoring import LIVE_FUNCTION, MonitoringStore
from catalog.passwords import make_verifiers
from catalog.procedures import Procedures
from catalog.query_log import QueryLog
from catalog.scaling_log import ScalingLog
from catalog.security import PUBLIC, Grant, ObjectKey, Security
from catalog.store import SYSTEM_ALIAS, Catalog
from engine import table_metadata
from engine.admission import WorkgroupPool
from engine.instance import Engine
from engine.storage import LocalStorage, quote_ident
from proxy import client_stream
from proxy.access import Authorizer
from proxy.catalog_privileges import catalog_inquiry
from proxy.config import ServerConfig
from proxy.connection import Connection
from proxy.materialized_views import Materialized as MaterializedView
from proxy.materialized_views import Refresher
from proxy.metrics import Metrics
from proxy.procedure_commands import Change, settle_hook
from proxy.scaling_loop import ScalingLoop
from proxy.sql.char_views import view_char_columns
from proxy.sql.pipeline import StatementCache
from proxy.sql.transforms.session_functions import LAST_FUNCTION, PRIVILEGE_FUNCTION
from proxy.sql.transforms.wlm_functions import SIGNAL_FUNCTION
from proxy.tls import ensure_self_signed, server_context
from proxy.translation import Translator
from proxy.wire.auth import AuthThrottle
from proxy.wlm import Wlm

log = logging.getLogger("duckshift.server")

# How often buffered query records are written to the system database.
QUERY_LOG_FLUSH_S = 1.0
# How often history older than its retention is deleted (and once at start).
PURGE_EVERY_S = 3600.0


@dataclass
class WorkgroupRuntime:
    """A workgroup while the server runs: its namespace, endpoint, admission pool and capacity
    settings (a base capacity, or a price-performance target the scaler steers by)."""

    name: str
    namespace: Namespace
    host: str
    port: int
    pool: WorkgroupPool
    server: asyncio.Server | None = None
    capacity: CapacitySettings = field(default_factory=CapacitySettings)


class Server:
    """Everything one Duckshift process runs."""

    def __init__(
        self,
        config: ServerConfig,
        data_dir: Path,
        engine: Engine,
        catalog: Catalog,
        query_log: QueryLog,
        tls_context: ssl.SSLContext | None,
        authorizer: Authorizer,
    ) -> None:
        self.config = config
        self.data_dir = data_dir
        self.engine = engine
        self.catalog = catalog
        self.query_log = query_log
        self.tls_context = tls_context
        self.authorizer = authorizer
        self.security = authorizer.security
        self.cache = StatementCache()
        # Which VARCHAR columns hold no value ending with a blank (proxy/blank_writes.py).
        self.blank_facts = BlankFacts()
        # Materialized views follow committed writes to their base tables.
        self.materialized = Refresher(engine, query_log.next_id)
        self.materialized.allowed = self._materialized_allowed
        authorizer.settle_hooks.append(self.materialized.settled)
        # Stored procedures, and the CREATE/DROP PROCEDUREs of open transactions by session.
        self.procedures = Procedures(engine.system_cursor(),
                                     quote_ident(SYSTEM_ALIAS) + ".main")
        self.procedure_changes: dict[int, list[Change]] = {}
        authorizer.settle_hooks.append(settle_hook(self))
        self.translator = Translator(self.cache)
        self.sessions: dict[int, Connection] = {}
        self.aliases: dict[str, dict[str, str]] = {}
        self.generation: dict[str, int] = {}
        self.workgroups: dict[str, WorkgroupRuntime] = {}
        self.auth_method = "scram-sha-256"
        limits = config.limits
        self.auth_throttle = AuthThrottle(
            limits.auth_failures_before_backoff,
            limits.auth_failure_window_seconds,
            limits.auth_backoff_seconds,
            limits.auth_backoff_max_seconds,
        )
        self.mock_secret = secrets.token_bytes(32)
        self._pids = itertools.count(os.getpid() * 1000 % 1_000_000 + 1)
        self._flusher: asyncio.Task[None] | None = None
        # AI-driven scaling of the workgroups with a price-performance target (set by open).
        self.scaling: ScalingLoop | None = None
        self._scaling_task: asyncio.Task[None] | None = None
        self.generated_passwords: dict[str, str] = {}
        # Workload management: rules, metering, usage limits, their records and metrics.
        self.monitoring = MonitoringStore(engine.system_cursor(), query_log.schema)
        self.metrics = Metrics(lambda: [w.pool.snapshot() for w in self.workgroups.values()])
        self.wlm = Wlm(config.wlm, self.monitoring, query_log, self.metrics)
        self.metrics_port: int | None = None
        self._purged = 0.0

    # -- construction --------------------------------------------------------------------------
    @classmethod
    def open(
        cls,
        config: ServerConfig,
        data_dir: Path,
        *,
        admin_password: str | None = None,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> Server:
        """Open (or initialise) a data dir for a configuration."""
        data_dir.mkdir(parents=True, exist_ok=True)
        engine = Engine(data_dir, LocalStorage(data_dir), threads=threads,
                        memory_limit=memory_limit)
        syscur = engine.system_cursor()
        schema = quote_ident(SYSTEM_ALIAS) + ".main"
        catalog = Catalog(syscur, schema)
        query_log = QueryLog(engine.system_cursor(), schema)
        if config.tls_cert and config.tls_key:
            tls = server_context(config.tls_cert, config.tls_key)
        else:
            tls = server_context(*ensure_self_signed(data_dir))
        authorizer = Authorizer(
            catalog,
            Security(engine.system_cursor(), schema),
            Directory(engine.system_cursor(), view_char_columns,
                      identity_mark=table_metadata.ALWAYS_SEQUENCE_MARK),
            Datashares(engine.system_cursor(), schema),
        )
        server = cls(config, data_dir, engine, catalog, query_log, tls, authorizer)
        engine.register_function(
            PRIVILEGE_FUNCTION, catalog_inquiry(authorizer.inquire),
            ["VARCHAR"] * 7, "BOOLEAN")
        for nsc in config.namespaces:
            ns, _ = catalog.ensure_namespace(nsc.name)
            server.aliases[ns.guid] = {}
            server.generation[ns.guid] = 0
            for db in nsc.databases:
                if catalog.database(ns.guid, db) is None:
                    catalog.add_database(ns.guid, db)
            for db in catalog.databases(ns.guid):
                server._attached(ns, db.name, engine.attach(nsc.name, db.name))
            password = nsc.admin_password or admin_password
            server._ensure_admin(ns, nsc.admin_user, password)
            for db in catalog.databases(ns.guid):
                server._seed_database(ns, db.name, nsc.admin_user)
            authorizer.shared.accounts[ns.guid] = nsc.account
        for cdb in authorizer.shares.all_consumer_databases():
            server.mount(cdb)
        for wgc in config.workgroups:
            ns = catalog.namespace(wgc.namespace)
            assert ns is not None
            host = wgc.host or config.host
            catalog.put_workgroup(Workgroup(wgc.name, ns.guid, host, wgc.port,
                                            wgc.base_capacity, wgc.max_capacity))
            settings = CapacitySettings(wgc.base_capacity, wgc.max_capacity,
                                        wgc.price_performance_target,
                                        wgc.short_query_max_seconds)
            pool = WorkgroupPool(wgc.name, wgc.base_capacity,
                                 short_lane=settings.target_enabled)
            server.workgroups[wgc.name] = WorkgroupRuntime(
                wgc.name, ns, host, wgc.port, pool, capacity=settings)
            server.wlm.add_workgroup(wgc.name, ns.guid, pool, wgc.config_parameters)
        server.wlm.load(config.usage_limits, datetime.now(UTC).replace(tzinfo=None))
        engine.register_function(LIVE_FUNCTION, server.wlm.live, ["VARCHAR"], "VARCHAR")
        engine.register_function(SIGNAL_FUNCTION, server._signal_function,
                                 ["BIGINT", "BIGINT", "VARCHAR"], "INTEGER")
        engine.register_function(LAST_FUNCTION, server._last_function, ["BIGINT", "VARCHAR"],
                                 "BIGINT")
        server.scaling = ScalingLoop(
            engine.system_cursor(), schema, ScalingLog(engine.system_cursor(), schema),
            server.workgroups, engine.run)
        engine.lock_down(config.copy_directories)
        return server

    def _materialized_allowed(self, mv: MaterializedView, query_sql: str) -> bool:
        """Whether an auto refresh of ``mv`` (over another database) may read what it reads:
        its owner's rights to it now, through a datashare as the share allows."""
        try:
            self.authorizer.check_materialized(None, mv.alias, mv.schema, mv.name, query_sql)
        except (SQLError, KeyError):  # KeyError: its database is gone
            return False
        return True

    def _signal_function(self, caller: int, pid: int, what: str) -> int:
        """pg_cancel_backend / pg_terminate_backend (``SIGNAL_FUNCTION``): ``caller`` is the
        calling session's pid. Runs on a DuckDB worker; the signal is sent from the loop."""
        conn = self.sessions.get(caller)
        if conn is None:
            return 0
        try:
            return int(self.wlm.signal_threadsafe(conn, pid, what == "terminate"))
        except SQLError as exc:
            raise ValueError(f"{exc.sqlstate} {exc.message}") from None

    def _last_function(self, pid: int, what: str) -> int:
        """PG_LAST_QUERY_ID and its siblings (``LAST_FUNCTION``): a fact of the last statements
        of the session ``pid`` (the caller's). Runs on a DuckDB worker."""
        conn = self.sessions.get(pid)
        if conn is None or conn.session is None:
            return 0 if what.endswith("count") else -1
        return conn.session.last.value(what)

    def _ensure_admin(self, ns: Namespace, name: str, password: str | None) -> None:
        user = self.catalog.user(ns.guid, name)
        if user is None:
            if password is None:
                password = generate_password()
                self.generated_passwords[ns.name] = password
            self.catalog.create_user(
                ns.guid, name, make_verifiers(name, password), superuser=True, createdb=True
            )
        elif password is not None:
            self.catalog.set_password(ns.guid, name, make_verifiers(name, password))

    def _attached(self, ns: Namespace, name: str, alias: str) -> None:
        self.aliases[ns.guid][name] = alias
        self.authorizer.places[alias] = (ns.guid, name)

    def mount(self, cdb: ConsumerDatabase) -> None:
        """Give a consumer database its place: the producer database's alias, so its names
        resolve onto the producer's live file (while the producer's namespace is served)."""
        alias = self.aliases.get(cdb.producer, {}).get(cdb.producer_database)
        if alias is None or cdb.namespace not in self.aliases:
            return
        self.aliases[cdb.namespace][cdb.name] = alias
        self.generation[cdb.namespace] += 1
        self._refresh_sessions(cdb.namespace)

    def names_changed(self, namespace: str) -> None:
        """What names mean in a namespace changed (external schemas): translations redo."""
        self.generation[namespace] += 1
        self._refresh_sessions(namespace)

    def unmount(self, namespace: str, name: str) -> None:
        """Forget a consumer database's place (DROP DATABASE of it)."""
        self.aliases[namespace].pop(name, None)
        self.generation[namespace] += 1
        self._refresh_sessions(namespace)

    def _seed_database(self, ns: Namespace, name: str, owner: str) -> None:
        """A new database's defaults, as Redshift has them: its creator owns it, and PUBLIC
        may create temporary tables in it and use and create in its public schema."""
        key = ObjectKey("database", name)
        if self.security.owner(ns.guid, key) is not None:
            return
        self.security.set_owner(ns.guid, key, owner)
        public = ObjectKey("schema", name, "public")
        self.security.add_grants(ns.guid, [
            Grant(key, "TEMP", PUBLIC, grantor=owner),
            Grant(public, "USAGE", PUBLIC, grantor=owner),
            Grant(public, "CREATE", PUBLIC, grantor=owner),
        ])

    def set_admin_passwords(self, password: str) -> None:
        """Give every namespace's configured admin this password (the demo's shared one)."""
        for nsc in self.config.namespaces:
            ns = self.catalog.namespace(nsc.name)
            if ns is not None:
                self._ensure_admin(ns, nsc.admin_user, password)
                self.generated_passwords.pop(nsc.name, None)

    # -- runtime operations -------------------------------------------------------------------
    def update_workgroup(
        self,
        name: str,
        *,
        base_capacity: int | None = None,
        max_capacity: int | None = None,
        price_performance_target: int | None = None,
        target_enabled: bool | None = None,
    ) -> CapacitySettings:
        """UpdateWorkgroup's capacity settings, applied at once without dropping a query:
        running statements keep their slots, queued ones are admitted as room appears.

        With a base capacity the pool takes it; with a target enabled the pool keeps its
        current capacity, held under the new ceiling, and the scaler moves it from there.

        Raises:
            InvalidParameterValue: Redshift's rules broken (the settings are unchanged).
        """
        wg = self.workgroups[name]
        new, problem = update_problem(
            wg.capacity, base_capacity=base_capacity, max_capacity=max_capacity,
            target_level=price_performance_target, target_enabled=target_enabled)
        if problem is not None:
            raise InvalidParameterValue(problem)
        wg.capacity = new
        wg.pool.short_lane = new.target_enabled
        if new.target_enabled:
            wg.pool.resize(min(wg.pool.capacity, new.max_capacity))
        else:
            wg.pool.resize(new.base_capacity)
        self.catalog.put_workgroup(Workgroup(name, wg.namespace.guid, wg.host, wg.port,
                                             new.base_capacity, new.max_capacity))
        return new

    def next_pid(self) -> int:
        """A process id for a new session (unique in this server)."""
        return next(self._pids)

    def cancel(self, pid: int, secret: int) -> None:
        """A CancelRequest: interrupt the matching session's running statement, if any."""
        conn = self.sessions.get(pid)
        if conn is not None and conn.session is not None and secrets.compare_digest(
            conn.session.secret.to_bytes(4, "big"), (secret & 0xFFFFFFFF).to_bytes(4, "big")
        ):
            conn.cancel()

    async def create_database(self, ns: Namespace, name: str, owner: str,
                              isolation: str = "SNAPSHOT") -> None:
        """CREATE DATABASE: a new file attached to the engine, owned by its creator."""
        self.catalog.add_database(ns.guid, name, isolation)
        try:
            alias = await self.engine.run(self.engine.attach, ns.name, name)
        except BaseException:
            self.catalog.remove_database(ns.guid, name)
            raise
        self.security.forget_object(ns.guid, ObjectKey("database", name))
        self.procedures.forget_database(ns.guid, name)
        self._attached(ns, name, alias)
        self._seed_database(ns, name, owner)
        self.blank_facts.written_anywhere(None)
        self.authorizer.directory.invalidate()
        self.generation[ns.guid] += 1
        self._refresh_sessions(ns.guid)

    async def drop_database(self, ns: Namespace, name: str) -> None:
        """DROP DATABASE: refused while a session uses it, then detached and deleted."""
        if name not in self.aliases[ns.guid]:
            raise InvalidCatalogName(f'database "{name}" does not exist')
        users = [c for c in self.sessions.values()
                 if c.session and c.session.namespace.guid == ns.guid
                 and c.session.database == name]
        if users:
            raise ObjectInUse(
                f'database "{name}" is being accessed by other users',
                detail=f"There {'is' if len(users) == 1 else 'are'} {len(users)} other "
                f"session{'' if len(users) == 1 else 's'} using the database.",
            )
        self.catalog.remove_database(ns.guid, name)
        alias = self.aliases[ns.guid].pop(name)
        self.authorizer.places.pop(alias, None)
        self.security.forget_object(ns.guid, ObjectKey("database", name))
        self.procedures.forget_database(ns.guid, name)
        self.blank_facts.written_anywhere(None)
        self.authorizer.directory.invalidate()
        self.generation[ns.guid] += 1
        await self.engine.run(self.engine.drop, ns.name, name)
        self._refresh_sessions(ns.guid)

    def _refresh_sessions(self, guid: str) -> None:
        for conn in self.sessions.values():
            if conn.session and conn.session.namespace.guid == guid:
                conn.session.generation = self.generation[guid]
                conn._reverse_aliases = {a: n for n, a in self.aliases[guid].items()}

    # -- serving ------------------------------------------------------------------------
    async def start(self) -> None:
        """Start one listener per workgroup and the background record writer."""
        for wg in self.workgroups.values():
            wg.server = await client_stream.start_server(
                lambda r, w, wg=wg: self._accept(wg, r, w),
                host=wg.host,
                port=wg.port,
                reuse_address=True,
                limit=1024 * 1024,
            )
        self._flusher = asyncio.create_task(self._flush_records())
        if self.scaling is not None:
            self._scaling_task = asyncio.create_task(self.scaling.run_forever())
        self.wlm.start()
        wlm_settings = self.config.wlm
        if wlm_settings.metrics_port is not None:
            self.metrics_port = self.metrics.serve(wlm_settings.metrics_host,
                                                   wlm_settings.metrics_port)

    async def _accept(
        self, wg: WorkgroupRuntime, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        assert isinstance(reader, client_stream.ClientReader)
        sock = writer.get_extra_info("socket")
        if sock is not None:
            # Small request/response exchanges must not wait on Nagle's algorithm.
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        writer.transport.set_write_buffer_limits(high=4 * 1024 * 1024)
        await Connection(self, wg, reader, writer).run()

    async def _flush_records(self) -> None:
        while True:
            await asyncio.sleep(QUERY_LOG_FLUSH_S)
            try:
                await self.engine.run(self.query_log.flush)
                await self.engine.run(self.monitoring.flush)
                if time.monotonic() - self._purged > PURGE_EVERY_S:
                    self._purged = time.monotonic()
                    await self.engine.run(
                        self.monitoring.purge, datetime.now(UTC).replace(tzinfo=None),
                        self.config.wlm.history_retention_days)
            except Exception:
                log.exception("writing query records failed")

    async def stop(self) -> None:
        """Stop listening, end sessions, write pending records and close the engine."""
        for wg in self.workgroups.values():
            if wg.server is not None:
                wg.server.close()
        for conn in list(self.sessions.values()):
            conn.cancel()
            with contextlib.suppress(Exception):
                conn.writer.close()
        if self._flusher is not None:
            self._flusher.cancel()
        if self._scaling_task is not None:
            self._scaling_task.cancel()
        await self.wlm.stop()
        self.metrics.close()
        self.translator.close()
        await asyncio.sleep(0)
        self.query_log.flush()
        self.monitoring.flush()
        self.engine.close()


def generate_password() -> str:
    # Redshift's rules: 8-64 characters with upper case, lower case and a digit.
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"
    while True:
        pw = "".join(secrets.choice(alphabet) for _ in range(20))
        if any(c.isupper() for c in pw) and any(c.islower() for c in pw) and any(
            c.isdigit() for c in pw
        ):
            return pw
