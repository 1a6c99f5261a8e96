"""The demo the README's first command starts: sample data, shared live across namespaces.

The producer (namespace ``default``) gets the TICKIT sample data in ``dev``; when the
configuration also has a namespace ``consumer`` (the embedded demo adds one, with its own
workgroup), the producer shares ``dev.public``'s TICKIT tables as ``tickit_share`` and the
consumer mounts it as the database ``tickit_db``: the same catalog rows the SQL statements
(CREATE DATASHARE, ALTER DATASHARE ADD, GRANT USAGE ... TO NAMESPACE, CREATE DATABASE ... FROM
DATASHARE) would make. Each step is skipped when already done, so restarts keep the data.
"""

from __future__ import annotations

import sys

from catalog.datashares import SharedObject
from catalog.security import ObjectKey
from engine.sample_data import load_tickit
from proxy import config as cfg
from proxy.server import Server

TICKIT = ("users", "venue", "category", "date", "event", "listing", "sales")
CONSUMER_NAMESPACE = "consumer"
SHARE = "tickit_share"
CONSUMER_DATABASE = "tickit_db"


def load(server: Server) -> bool:
    """Load TICKIT into the default namespace's dev database; False if it cannot."""
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
    } & set(TICKIT)
    if len(present) == len(TICKIT):
        return True
    if present:
        print("Demo data not loaded: dev already has tables named "
              + ", ".join(sorted(present)) + " (drop them or use a fresh data dir)",
              file=sys.stderr, flush=True)
        return False
    counts = load_tickit(cur, alias, "public")
    server.authorizer.directory.invalidate()
    print("Loaded the TICKIT sample data: "
          + ", ".join(f"{t} {n:,}" for t, n in counts.items()), flush=True)
    return True


def share(server: Server) -> bool:
    """Share TICKIT with the consumer namespace and mount it there; False without one."""
    producer = server.catalog.namespace(cfg.DEFAULT_NAMESPACE)
    consumer = server.catalog.namespace(CONSUMER_NAMESPACE)
    if producer is None or consumer is None:
        return False
    shares = server.authorizer.shares
    owner = server.authorizer.default_owner(producer.guid)
    ds = shares.share(producer.guid, SHARE) or shares.create(
        producer.guid, SHARE, cfg.DEFAULT_DATABASE, owner, False)
    shares.add_object(ds, SharedObject("schema", "public"))
    for table in TICKIT:
        if not ds.relation_shared("public", table):
            shares.add_object(ds, SharedObject("table", "public", table))
    shares.grant_usage(ds, "namespace", consumer.guid)
    if shares.consumer_database(consumer.guid, CONSUMER_DATABASE) is None:
        cdb = shares.create_consumer_database(consumer.guid, CONSUMER_DATABASE, ds, False)
        server.security.set_owner(consumer.guid, ObjectKey("database", CONSUMER_DATABASE),
                                  server.authorizer.default_owner(consumer.guid))
        server.mount(cdb)
    return True


def instructions(server: Server, password_hint: str) -> str:
    """The two psql lines that show the share working."""
    by_ns = {wg.namespace.name: wg for wg in server.workgroups.values()}
    prod, cons = by_ns[cfg.DEFAULT_NAMESPACE], by_ns[CONSUMER_NAMESPACE]
    return (
        f"Datashare demo: namespace {CONSUMER_NAMESPACE} reads {cfg.DEFAULT_NAMESPACE}'s live "
        f"TICKIT tables through database {CONSUMER_DATABASE} (datashare {SHARE}).\n"
        f"  consumer: {password_hint}psql -h {cons.host} -p {cons.port} -U admin dev -c "
        f"\"select count(*), sum(pricepaid) from {CONSUMER_DATABASE}.public.sales\"\n"
        f"  producer: {password_hint}psql -h {prod.host} -p {prod.port} -U admin dev -c "
        "\"insert into sales select salesid + 10000000, listid, sellerid, buyerid, eventid, "
        "dateid, qtysold, pricepaid, commission, saletime from sales where salesid = 1\"\n"
        "  then run the consumer line again: the new sale is there at once, with no copy."
    )
