"""Concurrent writers from the producer's and the consumer's workgroups never lose an update.

Eight clients (four per workgroup) move money between accounts of one shared table, each
transfer a transaction of two UPDATEs and a log INSERT. Conflicts surface as 40001 and the
transfer is retried; afterwards the balances still sum to the starting total and the log holds
exactly one row per committed transfer.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator

import asyncpg
import pytest

from tests.e2e.server import RunningServer, free_port, start
from tests.e2e.test_datashares import CONFIG

pytestmark = [pytest.mark.e2e, pytest.mark.slow_file(45)]

ACCOUNTS = 10
START_BALANCE = 1000
CLIENTS_PER_SIDE = 4
TRANSFERS_PER_CLIENT = 250


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    p1, p2 = free_port(), free_port()
    srv: RunningServer = start(tmp_path_factory.mktemp("conc") / "data",
                               config=CONFIG.format(p1=p1, p2=p2),
                               ports={"producer-wg": p1, "consumer-wg": p2})
    yield p1, p2
    srv.stop()


async def _connect(port: int, user: str, password: str) -> asyncpg.Connection:
    return await asyncpg.connect(host="127.0.0.1", port=port, user=user, password=password,
                                 database="dev", ssl=False)


async def _client(port: int, user: str, password: str, table: str, log: str, seed: int,
                  stats: dict[str, int]) -> None:
    con = await _connect(port, user, password)
    rng = random.Random(seed)
    try:
        for n in range(TRANSFERS_PER_CLIENT):
            a, b = rng.sample(range(ACCOUNTS), 2)
            amount = rng.randint(1, 50)
            while True:
                try:
                    async with con.transaction():
                        await con.execute(
                            f"UPDATE {table} SET balance = balance - $1 WHERE id = $2", amount, a)
                        await con.execute(
                            f"UPDATE {table} SET balance = balance + $1 WHERE id = $2", amount, b)
                        await con.execute(f"INSERT INTO {log} VALUES ($1, $2, $3)",
                                          seed, n, amount)
                    stats["committed"] += 1
                    break
                except asyncpg.SerializationError:
                    stats["retries"] += 1
    finally:
        await con.close()


async def _run(p1: int, p2: int) -> dict[str, int]:
    prod = await _connect(p1, "padmin", "Producer-pw-1")
    cons = await _connect(p2, "cadmin", "Consumer-pw-1")
    prod_ns = await prod.fetchval("SELECT current_namespace")
    cons_ns = await cons.fetchval("SELECT current_namespace")
    await prod.execute("CREATE SCHEMA bank")
    await prod.execute("CREATE TABLE bank.accounts (id int, balance int)")
    await prod.execute("CREATE TABLE bank.transfers (client int, n int, amount int)")
    await prod.execute(f"INSERT INTO bank.accounts SELECT i, {START_BALANCE} "
                       f"FROM generate_series(0, {ACCOUNTS - 1}) t(i)")
    await prod.execute("CREATE DATASHARE bankshare")
    await prod.execute("GRANT USAGE ON SCHEMA bank TO DATASHARE bankshare")
    await prod.execute("GRANT SELECT, UPDATE ON bank.accounts TO DATASHARE bankshare")
    await prod.execute("GRANT SELECT, INSERT ON bank.transfers TO DATASHARE bankshare")
    await prod.execute(f"GRANT USAGE ON DATASHARE bankshare TO NAMESPACE '{cons_ns}'")
    await cons.execute(
        f"CREATE DATABASE bank_db FROM DATASHARE bankshare OF NAMESPACE '{prod_ns}'")
    stats = {"committed": 0, "retries": 0}
    clients = [
        _client(p1, "padmin", "Producer-pw-1", "bank.accounts", "bank.transfers", i, stats)
        for i in range(CLIENTS_PER_SIDE)
    ] + [
        _client(p2, "cadmin", "Consumer-pw-1", "bank_db.bank.accounts",
                "bank_db.bank.transfers", CLIENTS_PER_SIDE + i, stats)
        for i in range(CLIENTS_PER_SIDE)
    ]
    await asyncio.wait_for(asyncio.gather(*clients), timeout=300)
    stats["total"] = await prod.fetchval("SELECT sum(balance) FROM bank.accounts")
    stats["logged"] = await cons.fetchval("SELECT count(*) FROM bank_db.bank.transfers")
    stats["distinct"] = await prod.fetchval(
        "SELECT count(*) FROM (SELECT DISTINCT client, n FROM bank.transfers) d")
    await prod.close()
    await cons.close()
    return stats


def test_concurrent_producer_and_consumer_writers(ports: tuple[int, int]) -> None:
    stats = asyncio.run(_run(*ports))
    expected = 2 * CLIENTS_PER_SIDE * TRANSFERS_PER_CLIENT
    assert stats["committed"] == expected
    assert stats["total"] == ACCOUNTS * START_BALANCE
    assert stats["logged"] == expected
    assert stats["distinct"] == expected
    # Ten hot rows and eight writers: conflicts must have happened and been retried.
    assert stats["retries"] > 0
    print(f"\n{expected} transfers committed, {stats['retries']} retried after 40001")
