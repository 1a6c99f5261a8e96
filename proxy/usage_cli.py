"""``duckshift usage`` (chargeback report) and ``duckshift usage-limit`` / ``workgroup``.

These talk to a running server as a superuser over the wire (the server holds the data dir's
files), with the usual libpq settings: ``--host``, ``--port``, ``--user``, ``--dbname`` or
PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE. The report sums SYS_CHARGEBACK (RPU-seconds
charged, the 60 s minimum included) over a period by any of workgroup, namespace, user,
query_group, consumer and producer namespace, with the cost at a price per RPU-hour (``--price``,
or ``[server.wlm] price_per_rpu_hour`` of ``--config``), as a table or CSV.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg

from catalog.errors import ConfigError
from proxy import config as cfg
from proxy.wlm_config import WlmSettings

COMMANDS = ("usage", "usage-limit", "workgroup")
DIMENSIONS = ("workgroup", "namespace", "user_name", "query_group", "consumer_namespace",
              "producer_namespace")
_BY_ALIASES = {"user": "user_name", "consumer": "consumer_namespace",
               "producer": "producer_namespace", "day": "day"}


def add_commands(sub: Any) -> None:
    """Add the subcommands to ``duckshift``'s parser."""
    u = sub.add_parser("usage", help="RPU usage and cost by workgroup, user, ... (chargeback)")
    _connection_args(u)
    u.add_argument("--by", default="workgroup",
                   help="comma-separated: day, workgroup, namespace, user, query_group, "
                        "consumer, producer (default: workgroup)")
    u.add_argument("--since", type=date.fromisoformat,
                   help="first day (UTC, YYYY-MM-DD; default: 30 days ago)")
    u.add_argument("--until", type=date.fromisoformat,
                   help="day after the last (default: tomorrow)")
    u.add_argument("--price", type=float, help="price per RPU-hour (default: the config's)")
    u.add_argument("--config", type=Path, help="server TOML, for [server.wlm] price_per_rpu_hour")
    u.add_argument("--format", choices=["table", "csv"], default="table")

    limit = sub.add_parser("usage-limit", help="create, update, delete or list usage limits")
    lsub = limit.add_subparsers(dest="action", required=True)
    create = lsub.add_parser("create")
    _connection_args(create)
    create.add_argument("--workgroup", required=True)
    create.add_argument("--amount", type=int, required=True, help="RPU-hours")
    create.add_argument("--period", default="monthly", choices=["daily", "weekly", "monthly"])
    create.add_argument("--breach-action", default="log",
                        choices=["log", "emit-metric", "deactivate"])
    update = lsub.add_parser("update")
    _connection_args(update)
    update.add_argument("limit_id")
    update.add_argument("--amount", type=int)
    update.add_argument("--breach-action", choices=["log", "emit-metric", "deactivate"])
    delete = lsub.add_parser("delete")
    _connection_args(delete)
    delete.add_argument("limit_id")
    listing = lsub.add_parser("list")
    _connection_args(listing)

    wg = sub.add_parser("workgroup", help="change a workgroup's config parameters at run time")
    wsub = wg.add_subparsers(dest="action", required=True)
    params = wsub.add_parser("set-parameters")
    _connection_args(params)
    params.add_argument("workgroup")
    params.add_argument("parameters", help='a JSON object, e.g. {"max_query_execution_time": 60}')


def _connection_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5439")))
    p.add_argument("--user", default=os.environ.get("PGUSER", "admin"))
    p.add_argument("--dbname", default=os.environ.get("PGDATABASE", "dev"))


def run(args: argparse.Namespace) -> int:
    """Carry out one of ``COMMANDS``; returns the exit code."""
    try:
        with psycopg.connect(host=args.host, port=args.port, user=args.user,
                             dbname=args.dbname, autocommit=True,
                             password=os.environ.get("PGPASSWORD")) as conn:
            if args.command == "usage":
                print(report(conn, args), end="")
            elif args.command == "workgroup":
                conn.execute(f"ALTER WORKGROUP {_quote(args.workgroup)} SET CONFIG_PARAMETERS "
                             f"{_quote(args.parameters)}")
            else:
                _limits(conn, args)
    except (psycopg.Error, ConfigError, ValueError) as exc:
        print(f"duckshift: {exc}".rstrip(), file=sys.stderr)
        return 1
    return 0


def _limits(conn: psycopg.Connection[Any], args: argparse.Namespace) -> None:
    if args.action == "create":
        row = conn.execute(
            f"CREATE USAGE LIMIT FOR WORKGROUP {_quote(args.workgroup)} AMOUNT {args.amount} "
            f"PERIOD {args.period} BREACH_ACTION {_quote(args.breach_action)}").fetchone()
        print(row[0] if row else "")
    elif args.action == "update":
        parts = []
        if args.amount is not None:
            parts.append(f"AMOUNT {args.amount}")
        if args.breach_action is not None:
            parts.append(f"BREACH_ACTION {_quote(args.breach_action)}")
        if not parts:
            raise ValueError("give --amount or --breach-action")
        conn.execute(f"ALTER USAGE LIMIT {_quote(args.limit_id)} {' '.join(parts)}")
    elif args.action == "delete":
        conn.execute(f"DROP USAGE LIMIT {_quote(args.limit_id)}")
    else:
        cur = conn.execute("SELECT limit_id, workgroup, amount, period, breach_action, "
                           "round(used_rpu_hours, 3), breached FROM sys_usage_limits "
                           "ORDER BY workgroup, limit_id")
        print(_table([d.name for d in cur.description or ()], cur.fetchall()), end="")


def report(conn: psycopg.Connection[Any], args: argparse.Namespace) -> str:
    """The chargeback report as text (table or CSV)."""
    by = [_BY_ALIASES.get(b.strip(), b.strip()) for b in args.by.split(",") if b.strip()]
    for b in by:
        if b not in (*DIMENSIONS, "day"):
            raise ValueError(f"--by: unknown dimension {b!r}")
    price = args.price
    if price is None:
        price = cfg.load(args.config).wlm.price_per_rpu_hour if args.config else (
            WlmSettings().price_per_rpu_hour)
    since = args.since or (datetime.now(UTC).date() - timedelta(days=30))
    until = args.until or (datetime.now(UTC).date() + timedelta(days=1))
    cols = [("CAST(date_trunc('day', minute) AS DATE)" if b == "day" else b) + f" AS {b}"
            for b in by]
    select = ", ".join(cols)
    group = ", ".join(str(i + 1) for i in range(len(by)))
    sql = (
        f"SELECT {select}{', ' if select else ''}"
        "round(sum(compute_seconds), 1) AS compute_rpu_seconds, "
        "round(sum(charged_seconds), 1) AS charged_rpu_seconds, "
        "round(sum(charged_seconds) / 3600.0, 4) AS rpu_hours, "
        f"round(sum(charged_seconds) / 3600.0 * {float(price)}, 4) AS cost "
        f"FROM sys_chargeback WHERE minute >= '{since.isoformat()}' "
        f"AND minute < '{until.isoformat()}'"
        + (f" GROUP BY {group} ORDER BY {group}" if group else "")
    )
    cur = conn.execute(sql)
    names = [d.name for d in cur.description or ()]
    rows = cur.fetchall()
    if args.format == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
        return out.getvalue()
    return _table(names, rows)


def _table(names: list[str], rows: list[tuple[Any, ...]]) -> str:
    text = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(n), *(len(r[i]) for r in text)]) for i, n in enumerate(names)]
    lines = [" | ".join(n.ljust(w) for n, w in zip(names, widths, strict=True)),
             "-+-".join("-" * w for w in widths)]
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in text]
    return "\n".join(lines) + f"\n({len(rows)} row{'' if len(rows) == 1 else 's'})\n"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
