"""Datashares across accounts: granted to an account; writes need the producer's
authorization and the consumer's association, both with writes allowed."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.e2e.server import RunningServer, free_port, start

pytestmark = pytest.mark.e2e

CONFIG = """
[[namespace]]
name = "producer"
admin_user = "padmin"
admin_password = "Producer-pw-1"
account = "111111111111"

[[namespace]]
name = "consumer"
admin_user = "cadmin"
admin_password = "Consumer-pw-1"
account = "222222222222"

[[workgroup]]
name = "producer-wg"
namespace = "producer"
port = {p1}

[[workgroup]]
name = "consumer-wg"
namespace = "consumer"
port = {p2}
"""


@pytest.fixture(scope="module")
def ports(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, int]]:
    p1, p2 = free_port(), free_port()
    srv: RunningServer = start(tmp_path_factory.mktemp("acct") / "data",
                               config=CONFIG.format(p1=p1, p2=p2),
                               ports={"producer-wg": p1, "consumer-wg": p2})
    yield p1, p2
    srv.stop()


def _con(port: int, user: str, password: str) -> psycopg.Connection:
    return psycopg.connect(host="127.0.0.1", port=port, user=user, password=password,
                           dbname="dev", sslmode="disable", autocommit=True)


def test_cross_account_writes_need_both_switches(ports: tuple[int, int]) -> None:
    prod = _con(ports[0], "padmin", "Producer-pw-1")
    cons = _con(ports[1], "cadmin", "Consumer-pw-1")
    prod_ns = prod.execute("SELECT current_namespace").fetchone()[0]  # type: ignore[index]
    prod.execute("CREATE TABLE public.orders (id int)")
    prod.execute("CREATE DATASHARE acctshare")
    prod.execute("ALTER DATASHARE acctshare ADD SCHEMA public")
    prod.execute("GRANT SELECT, INSERT ON public.orders TO DATASHARE acctshare")
    prod.execute("GRANT USAGE ON DATASHARE acctshare TO ACCOUNT '222222222222'")
    with pytest.raises(psycopg.errors.UndefinedObject):
        cons.execute("CREATE DATABASE acct_db FROM DATASHARE acctshare "
                     f"OF ACCOUNT '999999999999' NAMESPACE '{prod_ns}'")
    cons.execute("CREATE DATABASE acct_db FROM DATASHARE acctshare "
                 f"OF ACCOUNT '111111111111' NAMESPACE '{prod_ns}'")
    assert cons.execute("SELECT count(*) FROM acct_db.public.orders").fetchone() == (0,)
    message = "Datashare writes are not authorized by producer or associated by consumer."
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
        cons.execute("INSERT INTO acct_db.public.orders VALUES (1)")
    prod.execute("AUTHORIZE DATASHARE acctshare FOR ACCOUNT '222222222222' ALLOW WRITES")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
        cons.execute("INSERT INTO acct_db.public.orders VALUES (1)")
    cons.execute(f"ASSOCIATE DATASHARE acctshare OF ACCOUNT '111111111111' NAMESPACE '{prod_ns}' "
                 "ALLOW WRITES")
    cons.execute("INSERT INTO acct_db.public.orders VALUES (1)")
    assert prod.execute("SELECT count(*) FROM public.orders").fetchone() == (1,)
    # Re-associating without ALLOW WRITES takes writes back.
    cons.execute(f"ASSOCIATE DATASHARE acctshare OF ACCOUNT '111111111111' NAMESPACE '{prod_ns}'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match=message):
        cons.execute("INSERT INTO acct_db.public.orders VALUES (2)")
    assert cons.execute("SELECT count(*) FROM acct_db.public.orders").fetchone() == (1,)


def test_shares_grants_and_consumer_databases_survive_a_restart(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    data = tmp_path_factory.mktemp("restart") / "data"
    p1, p2 = free_port(), free_port()
    config = CONFIG.format(p1=p1, p2=p2)
    ports = {"producer-wg": p1, "consumer-wg": p2}
    srv = start(data, config=config, ports=ports)
    try:
        prod = _con(p1, "padmin", "Producer-pw-1")
        cons = _con(p2, "cadmin", "Consumer-pw-1")
        prod_ns = prod.execute("SELECT current_namespace").fetchone()[0]  # type: ignore[index]
        prod.execute("CREATE TABLE public.kept (a int)")
        prod.execute("INSERT INTO public.kept VALUES (1)")
        prod.execute("CREATE USER keeper PASSWORD 'Keeper-pw-1'")
        prod.execute("GRANT SELECT ON public.kept TO keeper")
        prod.execute("CREATE DATASHARE keptshare")
        prod.execute("ALTER DATASHARE keptshare ADD SCHEMA public")
        prod.execute("ALTER DATASHARE keptshare ADD TABLE public.kept")
        prod.execute("GRANT USAGE ON DATASHARE keptshare TO ACCOUNT '222222222222'")
        cons.execute("CREATE DATABASE kept_db FROM DATASHARE keptshare "
                     f"OF ACCOUNT '111111111111' NAMESPACE '{prod_ns}'")
        prod.close()
        cons.close()
    finally:
        srv.stop()
    srv = start(data, config=config, ports=ports)
    try:
        cons = _con(p2, "cadmin", "Consumer-pw-1")
        assert cons.execute("SELECT * FROM kept_db.public.kept").fetchall() == [(1,)]
        keeper = _con(p1, "keeper", "Keeper-pw-1")
        assert keeper.execute("SELECT * FROM public.kept").fetchall() == [(1,)]
        cons.close()
        keeper.close()
    finally:
        srv.stop()
