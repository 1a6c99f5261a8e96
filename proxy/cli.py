"""The ``duckshift`` command line: ``duckshift serve`` runs a server.

Configuration problems are reported as one line on stderr with exit code 2, before anything is
written to the data dir. The event loop is uvloop's.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from pathlib import Path

import duckdb
import uvloop

from catalog.errors import ConfigError
from engine.duckdb_errors import clean_message
from engine.sample_data import load_tickit
from proxy import config as cfg
from proxy.server import Server


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="duckshift", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="run the server")
    s.add_argument("--data-dir", type=Path, default=Path("duckshift-data"),
                   help="where databases and the system catalog live (default ./duckshift-data)")
    s.add_argument("--config", type=Path, help="TOML file declaring namespaces and workgroups")
    s.add_argument("--host", help="listen address of the embedded default (127.0.0.1)")
    s.add_argument("--port", type=int, help="port of the embedded default workgroup (5439)")
    s.add_argument("--demo", action="store_true",
                   help="load the TICKIT sample data into the default namespace's dev database")
    s.add_argument("--threads", type=int, help="DuckDB worker threads (default: all cores)")
    s.add_argument("--memory-limit", help="DuckDB memory limit, e.g. 4GB")
    s.add_argument("--auth", choices=["scram-sha-256", "md5", "password"],
                   default="scram-sha-256",
                   help="password method offered to PostgreSQL clients (Redshift drivers use "
                        "Redshift's SHA-256 digest with scram-sha-256)")
    s.add_argument("--log-level", default="INFO")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``duckshift`` script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        if args.config:
            if args.host or args.port:
                raise ConfigError("--host and --port apply only without --config")
            config = cfg.load(args.config)
        else:
            config = cfg.embedded_default(
                port=args.port or cfg.DEFAULT_PORT, host=args.host or "127.0.0.1"
            )
        env_password = os.environ.get("DUCKSHIFT_ADMIN_PASSWORD") or None
        if env_password is not None:
            cfg.check_password(env_password, "DUCKSHIFT_ADMIN_PASSWORD")
        if args.demo and cfg.DEFAULT_NAMESPACE not in {n.name for n in config.namespaces}:
            raise ConfigError("--demo needs a namespace named 'default'")
    except ConfigError as exc:
        print(f"duckshift: {exc}", file=sys.stderr)
        return 2
    return uvloop.run(_serve(config, args, env_password))


async def _serve(config: cfg.ServerConfig, args: argparse.Namespace, password: str | None) -> int:
    try:
        server = Server.open(config, args.data_dir, admin_password=password,
                             threads=args.threads, memory_limit=args.memory_limit)
    except duckdb.IOException as exc:
        # Typically another process holds the data dir's files (DuckDB's file lock).
        print(f"duckshift: cannot open data dir {args.data_dir}: "
              f"{clean_message(str(exc))}", file=sys.stderr)
        return 1
    server.auth_method = args.auth
    for ns_name, generated in server.generated_passwords.items():
        path = _password_file(args.data_dir, ns_name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(generated + "\n")
        print(f"Generated password for the admin of namespace {ns_name}: {generated}")
        print(f"  (saved in {path}, mode 0600; shown only this once)")
    if args.demo:
        _load_demo(server)
    await server.start()
    for wg in server.workgroups.values():
        admin = next(n.admin_user for n in config.namespaces if n.name == wg.namespace.name)
        print(
            f"Duckshift ready: workgroup {wg.name} on {wg.host}:{wg.port} "
            f"(namespace {wg.namespace.name}, {wg.namespace.guid})\n"
            f"  psql -h {wg.host} -p {wg.port} -U {admin} dev",
            flush=True,
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()
    return 0


def _password_file(data_dir: Path, namespace: str) -> Path:
    if namespace == cfg.DEFAULT_NAMESPACE:
        return data_dir / "admin-password"
    return data_dir / f"admin-password-{namespace}"


_TICKIT = ("users", "venue", "category", "date", "event", "listing", "sales")


def _load_demo(server: Server) -> None:
    ns = server.catalog.namespace(cfg.DEFAULT_NAMESPACE)
    assert ns is not None
    alias = server.aliases[ns.guid][cfg.DEFAULT_DATABASE]
    cur = server.engine.cursor()
    present = {
        row[0]
        for row in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name = 'public'", [alias]
        ).fetchall()
    } & set(_TICKIT)
    if len(present) == len(_TICKIT):
        return
    if present:
        print("Demo data not loaded: dev already has tables named "
              + ", ".join(sorted(present)) + " (drop them or use a fresh data dir)",
              file=sys.stderr, flush=True)
        return
    counts = load_tickit(cur, alias, "public")
    print("Loaded the TICKIT sample data: "
          + ", ".join(f"{t} {n:,}" for t, n in counts.items()), flush=True)


if __name__ == "__main__":
    sys.exit(main())
