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
from proxy import config as cfg
from proxy import demo, replay, usage_cli
from proxy.server import Server, generate_password


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
                   help="load the TICKIT sample data into the default namespace's dev database "
                        "and, without --config, share it live with a second namespace "
                        "'consumer' served on --demo-port")
    s.add_argument("--demo-port", type=int,
                   help="port of the demo's consumer workgroup (default: --port + 1)")
    s.add_argument("--threads", type=int, help="DuckDB worker threads (default: all cores)")
    s.add_argument("--memory-limit", help="DuckDB memory limit, e.g. 4GB")
    s.add_argument("--auth", choices=["scram-sha-256", "md5", "password"],
                   default="scram-sha-256",
                   help="password method offered to PostgreSQL clients (Redshift drivers use "
                        "Redshift's SHA-256 digest with scram-sha-256)")
    s.add_argument("--log-level", default="INFO")
    usage_cli.add_commands(sub)
    replay.add_command(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``duckshift`` script."""
    args = _parser().parse_args(argv)
    if args.command in usage_cli.COMMANDS:
        return usage_cli.run(args)
    if args.command == replay.COMMAND:
        return replay.run(args)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(name)s %(message)s")
    try:
        if args.config:
            if args.host or args.port:
                raise ConfigError("--host and --port apply only without --config")
            config = cfg.load(args.config)
        else:
            port = args.port or cfg.DEFAULT_PORT
            config = cfg.embedded_default(port=port, host=args.host or "127.0.0.1")
            if args.demo:
                config = cfg.with_consumer(config, demo.CONSUMER_NAMESPACE,
                                           args.demo_port or port + 1)
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
    if args.demo and password is None and len(config.namespaces) > 1:
        # One admin password for both demo namespaces, kept like the generated one.
        password = _demo_password(args.data_dir)
        server.set_admin_passwords(password)
    for ns_name, generated in server.generated_passwords.items():
        path = _password_file(args.data_dir, ns_name)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(generated + "\n")
        print(f"Generated password for the admin of namespace {ns_name}: {generated}")
        print(f"  (saved in {path}, mode 0600; shown only this once)")
    shared = args.demo and demo.load(server) and demo.share(server)
    await server.start()
    for wg in server.workgroups.values():
        admin = next(n.admin_user for n in config.namespaces if n.name == wg.namespace.name)
        print(
            f"Duckshift ready: workgroup {wg.name} on {wg.host}:{wg.port} "
            f"(namespace {wg.namespace.name}, {wg.namespace.guid})\n"
            f"  psql -h {wg.host} -p {wg.port} -U {admin} dev",
            flush=True,
        )
    if shared:
        hint = "" if os.environ.get("DUCKSHIFT_ADMIN_PASSWORD") else (
            f'PGPASSWORD="$(cat {_password_file(args.data_dir, cfg.DEFAULT_NAMESPACE)})" ')
        print(demo.instructions(server, hint), flush=True)
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


def _demo_password(data_dir: Path) -> str:
    path = _password_file(data_dir, cfg.DEFAULT_NAMESPACE)
    if path.exists():
        return path.read_text().strip()
    password = generate_password()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(password + "\n")
    print(f"Generated password for the admin of both demo namespaces: {password}")
    print(f"  (saved in {path}, mode 0600; shown only this once)")
    return password
