"""Datashares end to end: a producer and a consumer namespace, each with its own workgroup.

The producer shares a schema and tables; the consumer mounts the share as a database and reads
the producer's live data through three-part names and USE; writes need the producer's grants
to the share; revoking or dropping the share cuts the consumer off at its next statement.
"""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest

from tests.e2e.server import RunningServer, free_port, start

pytestmark = pytest.mark.e2e

CONFIG = """
[server]
host = "127.0.0.1"

[[namespace]]
name = "producer"
admin_user = "padmin"
admin_password = "Producer-pw-1"

[[namespace]]
name = "consumer"
admin_user = "cadmin"
admin_password = "Consumer-pw-1"

[[workgroup]]
name = "producer-wg"
namespace = "producer"
port = {p1}

[[workgroup]]
name = "consumer-wg"
namespace = "consumer"
port = {p2}
"""


class Pair:
    """The running server and connection helpers for both sides."""

    def __init__(self, srv: RunningServer, p1: int, p2: int) -> None:
        self.srv, self.p1, self.p2 = srv, p1, p2

    def producer(self, user: str = "padmin", password: str = "Producer-pw-1",
                 autocommit: bool = True) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.p1, user=user, password=password,
                               dbname="dev", sslmode="disable", autocommit=autocommit)

    def consumer(self, user: str = "cadmin", password: str = "Consumer-pw-1",
                 autocommit: bool = True) -> psycopg.Connection:
        return psycopg.connect(host="127.0.0.1", port=self.p2, user=user, password=password,
                               dbname="dev", sslmode="disable", autocommit=autocommit)


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    p1, p2 = free_port(), free_port()
    srv = start(tmp_path_factory.mktemp("shares") / "data", config=CONFIG.format(p1=p1, p2=p2),
                ports={"producer-wg": p1, "consumer-wg": p2})
    yield Pair(srv, p1, p2)
    srv.stop()


def guid(con: psycopg.Connection) -> str:
    row = con.execute("SELECT current_namespace").fetchone()
    assert row is not None
    return str(row[0])


def test_share_lifecycle_live_reads_and_revocation(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE SCHEMA sales")
    prod.execute("CREATE TABLE sales.orders (id int, amount int)")
    prod.execute("CREATE TABLE sales.secret (id int)")
    prod.execute("INSERT INTO sales.orders VALUES (1, 10), (2, 20)")
    prod.execute("CREATE DATASHARE salesshare")
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
        prod.execute("ALTER DATASHARE salesshare ADD TABLE sales.orders")
    prod.execute("ALTER DATASHARE salesshare ADD SCHEMA sales")
    prod.execute("ALTER DATASHARE salesshare ADD TABLE sales.orders")
    # Not granted yet: the consumer cannot mount it.
    with pytest.raises(psycopg.errors.UndefinedObject):
        cons.execute(f"CREATE DATABASE sales_db FROM DATASHARE salesshare OF NAMESPACE '{prod_ns}'")
    prod.execute(f"GRANT USAGE ON DATASHARE salesshare TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE sales_db FROM DATASHARE salesshare OF NAMESPACE '{prod_ns}'")
    assert cons.execute("SELECT id, amount FROM sales_db.sales.orders ORDER BY id").fetchall() == [
        (1, 10), (2, 20)]
    # Unshared objects do not exist for the consumer.
    with pytest.raises(psycopg.errors.UndefinedTable):
        cons.execute("SELECT * FROM sales_db.sales.secret")
    # Live: a producer commit is visible to the consumer's next statement.
    prod.execute("INSERT INTO sales.orders VALUES (3, 30)")
    assert cons.execute("SELECT count(*) FROM sales_db.sales.orders").fetchone() == (3,)
    # Joins between local and shared tables.
    cons.execute("CREATE TABLE public.targets (id int, goal int)")
    cons.execute("INSERT INTO public.targets VALUES (1, 5), (3, 50)")
    assert cons.execute(
        "SELECT o.id, o.amount - t.goal FROM sales_db.sales.orders o "
        "JOIN targets t ON o.id = t.id ORDER BY o.id").fetchall() == [(1, 5), (3, -20)]
    # CTAS into a local table from shared data.
    cons.execute("CREATE TABLE public.copy AS SELECT * FROM sales_db.sales.orders")
    assert cons.execute("SELECT count(*) FROM copy").fetchone() == (3,)
    # USE the consumer database: unqualified names resolve there.
    cons.execute("USE sales_db")
    cons.execute("SET search_path TO sales")
    assert cons.execute("SELECT count(*) FROM orders").fetchone() == (3,)
    assert cons.execute("SHOW USE").fetchone() == ("sales_db",)
    cons.execute("RESET USE")
    cons.execute("RESET search_path")
    # Read-only until the producer grants writes.
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        cons.execute("INSERT INTO sales_db.sales.orders VALUES (9, 90)")
    # Regular views over shared objects are refused; late-binding ones are fine.
    with pytest.raises(psycopg.errors.FeatureNotSupported):
        cons.execute("CREATE VIEW v_orders AS SELECT * FROM sales_db.sales.orders")
    cons.execute("CREATE VIEW lb_orders AS SELECT id FROM sales_db.sales.orders "
                 "WITH NO SCHEMA BINDING")
    assert cons.execute("SELECT count(*) FROM lb_orders").fetchone() == (3,)
    # An open consumer transaction keeps its snapshot.
    tx = pair.consumer(autocommit=False)
    assert tx.execute("SELECT count(*) FROM sales_db.sales.orders").fetchone() == (3,)
    prod.execute("INSERT INTO sales.orders VALUES (4, 40)")
    assert tx.execute("SELECT count(*) FROM sales_db.sales.orders").fetchone() == (3,)
    tx.commit()
    assert tx.execute("SELECT count(*) FROM sales_db.sales.orders").fetchone() == (4,)
    tx.close()
    # Revoking USAGE cuts an open consumer session at its next statement.
    prod.execute(f"REVOKE USAGE ON DATASHARE salesshare FROM NAMESPACE '{cons_ns}'")
    with pytest.raises(psycopg.errors.UndefinedTable):
        cons.execute("SELECT count(*) FROM sales_db.sales.orders")
    prod.execute(f"GRANT USAGE ON DATASHARE salesshare TO NAMESPACE '{cons_ns}'")
    assert cons.execute("SELECT count(*) FROM sales_db.sales.orders").fetchone() == (4,)
    # Dropping the share empties the consumer database (which stays).
    prod.execute("DROP DATASHARE salesshare")
    with pytest.raises(psycopg.errors.UndefinedTable):
        cons.execute("SELECT count(*) FROM sales_db.sales.orders")
    cons.execute("DROP DATABASE sales_db")
    # The producer's data is untouched by the consumer's DROP DATABASE.
    assert prod.execute("SELECT count(*) FROM sales.orders").fetchone() == (4,)


def test_multi_warehouse_writes(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE SCHEMA ledger")
    prod.execute("CREATE TABLE ledger.entries (id int, amount int)")
    prod.execute("CREATE DATASHARE ledgershare")
    prod.execute("GRANT USAGE ON SCHEMA ledger TO DATASHARE ledgershare")
    prod.execute("GRANT SELECT, INSERT, UPDATE, DELETE ON ledger.entries TO DATASHARE ledgershare")
    prod.execute(f"GRANT USAGE ON DATASHARE ledgershare TO NAMESPACE '{cons_ns}'")
    cons.execute("CREATE DATABASE ledger_db WITH PERMISSIONS FROM DATASHARE ledgershare "
                 f"OF NAMESPACE '{prod_ns}'")
    cons.execute("INSERT INTO ledger_db.ledger.entries VALUES (1, 100)")
    cons.execute("UPDATE ledger_db.ledger.entries SET amount = 150 WHERE id = 1")
    assert prod.execute("SELECT * FROM ledger.entries").fetchall() == [(1, 150)]
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        cons.execute("TRUNCATE ledger_db.ledger.entries")
    # Multi-statement writes need an explicit transaction block.
    with pytest.raises(psycopg.errors.FeatureNotSupported):
        cons.execute("INSERT INTO ledger_db.ledger.entries VALUES (2, 1); "
                     "INSERT INTO ledger_db.ledger.entries VALUES (3, 1)")
    # One transaction writes one database only.
    cons.execute("CREATE TABLE public.local_log (id int)")
    cons.execute("BEGIN")
    cons.execute("INSERT INTO ledger_db.ledger.entries VALUES (2, 1)")
    with pytest.raises(psycopg.errors.InvalidTransactionState, match="single database"):
        cons.execute("INSERT INTO local_log VALUES (2)")
    cons.execute("ROLLBACK")
    # A consumer user needs grants in a WITH PERMISSIONS database.
    cons.execute("CREATE USER clerk PASSWORD 'Clerk-pw-1'")
    clerk = pair.consumer("clerk", "Clerk-pw-1")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        clerk.execute("SELECT * FROM ledger_db.ledger.entries")
    cons.execute("GRANT USAGE ON DATABASE ledger_db TO clerk")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        clerk.execute("SELECT * FROM ledger_db.ledger.entries")
    cons.execute("GRANT SELECT ON ledger_db.ledger.entries TO clerk")
    assert clerk.execute("SELECT count(*) FROM ledger_db.ledger.entries").fetchone() == (1,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        clerk.execute("INSERT INTO ledger_db.ledger.entries VALUES (5, 5)")


def test_producer_side_rules(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod.execute("CREATE TABLE public.p1 (a int)")
    prod.execute("CREATE DATASHARE s3")
    with pytest.raises(psycopg.errors.DuplicateObject):
        prod.execute("CREATE DATASHARE s3")
    prod.execute("CREATE USER pu PASSWORD 'Pu-pw-123'")
    pu = pair.producer("pu", "Pu-pw-123")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        pu.execute("CREATE DATASHARE nope")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        pu.execute("ALTER DATASHARE s3 ADD SCHEMA public")
    prod.execute("GRANT ALTER ON DATASHARE s3 TO pu")
    pu.execute("ALTER DATASHARE s3 ADD SCHEMA public")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        pu.execute("ALTER DATASHARE s3 ADD TABLE public.p1")
    with pytest.raises(psycopg.errors.InvalidGrantOperation):
        prod.execute("GRANT USAGE ON DATASHARE s3 TO pu")
    with pytest.raises(psycopg.errors.InvalidParameterValue):
        prod.execute("GRANT USAGE ON DATASHARE s3 TO NAMESPACE 'not-a-guid'")
    rows = prod.execute("SHOW DATASHARES LIKE 's%'").fetchall()
    assert ("s3", "OUTBOUND") in {(r[0], r[4]) for r in rows}
    prod.execute("ALTER DATASHARE s3 SET INCLUDENEW = TRUE FOR SCHEMA public")
    prod.execute("CREATE TABLE public.later (a int)")
    desc = prod.execute("DESC DATASHARE s3").fetchall()
    assert ("table", "public.later") in {(r[4], r[5]) for r in desc}
    # The consumer cannot create views or re-share shared objects.
    cons_ns, prod_ns = guid(cons), guid(prod)
    prod.execute(f"GRANT USAGE ON DATASHARE s3 TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE s3_db FROM DATASHARE s3 OF NAMESPACE '{prod_ns}'")
    assert cons.execute("SELECT count(*) FROM s3_db.public.later").fetchone() == (0,)
    cons.execute("CREATE DATASHARE mine")
    cons.execute("ALTER DATASHARE mine ADD SCHEMA public")
    with pytest.raises(psycopg.errors.FeatureNotSupported):
        cons.execute("ALTER DATASHARE mine ADD TABLE s3_db.public.later")
    inbound = cons.execute("SHOW DATASHARES").fetchall()
    assert ("s3", "INBOUND", "s3_db") in {(r[0], r[4], r[3]) for r in inbound}


def test_shared_views_see_the_consumers_namespace(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE SCHEMA tenant")
    prod.execute("CREATE TABLE tenant.rows_all (owner_ns varchar(64), v int)")
    prod.execute(f"INSERT INTO tenant.rows_all VALUES ('{cons_ns}', 1), ('{prod_ns}', 2), "
                 "('someone-else', 3)")
    prod.execute("CREATE VIEW tenant.mine AS SELECT v FROM tenant.rows_all "
                 "WHERE owner_ns = current_namespace")
    prod.execute("CREATE DATASHARE tenantshare")
    prod.execute("ALTER DATASHARE tenantshare ADD SCHEMA tenant")
    prod.execute("ALTER DATASHARE tenantshare ADD TABLE tenant.mine")
    prod.execute(f"GRANT USAGE ON DATASHARE tenantshare TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE tenant_db FROM DATASHARE tenantshare OF NAMESPACE '{prod_ns}'")
    assert prod.execute("SELECT v FROM tenant.mine").fetchall() == [(2,)]
    assert cons.execute("SELECT v FROM tenant_db.tenant.mine").fetchall() == [(1,)]
    # The base table is not shared: only the view is.
    with pytest.raises(psycopg.errors.UndefinedTable):
        cons.execute("SELECT * FROM tenant_db.tenant.rows_all")


def test_consumer_writes_every_supported_statement(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE SCHEMA wr")
    prod.execute("CREATE TABLE wr.t (id int, v varchar(10))")
    prod.execute("INSERT INTO wr.t VALUES (1, 'a')")
    prod.execute("CREATE DATASHARE wrshare")
    prod.execute("GRANT USAGE, CREATE ON SCHEMA wr TO DATASHARE wrshare")
    prod.execute("GRANT ALL ON wr.t TO DATASHARE wrshare")
    prod.execute("GRANT CREATE ON DATABASE dev TO DATASHARE wrshare")
    prod.execute(f"GRANT USAGE ON DATASHARE wrshare TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE wr_db FROM DATASHARE wrshare OF NAMESPACE '{prod_ns}'")
    cons.execute("MERGE INTO wr_db.wr.t USING (SELECT 1 AS id, 'm' AS v) s ON wr_db.wr.t.id = s.id "
                 "WHEN MATCHED THEN UPDATE SET v = s.v")
    assert prod.execute("SELECT v FROM wr.t WHERE id = 1").fetchone() == ("m",)
    with cons.cursor().copy("COPY wr_db.wr.t FROM STDIN") as copy:
        copy.write_row((2, "c"))
    assert prod.execute("SELECT count(*) FROM wr.t").fetchone() == (2,)
    cons.execute("ALTER TABLE wr_db.wr.t ADD COLUMN extra int")
    cons.execute("ALTER TABLE wr_db.wr.t RENAME COLUMN extra TO extra2")
    cons.execute("ALTER TABLE wr_db.wr.t DROP COLUMN extra2")
    # CREATE TABLE (and CTAS) in the shared schema: the table joins the share.
    cons.execute("CREATE TABLE wr_db.wr.made (a int)")
    cons.execute("INSERT INTO wr_db.wr.made VALUES (7)")
    cons.execute("CREATE TABLE wr_db.wr.copied AS SELECT id FROM wr_db.wr.t")
    assert cons.execute("SELECT * FROM wr_db.wr.made").fetchall() == [(7,)]
    assert prod.execute("SELECT count(*) FROM wr.copied").fetchone() == (2,)
    cons.execute("DROP TABLE wr_db.wr.made")
    with pytest.raises(psycopg.errors.UndefinedTable):
        prod.execute("SELECT * FROM wr.made")
    # CREATE SCHEMA in the shared database, with the producer's CREATE on the database.
    cons.execute("CREATE SCHEMA wr_db.fresh")
    cons.execute("CREATE TABLE wr_db.fresh.x (a int)")
    assert prod.execute("SELECT count(*) FROM fresh.x").fetchone() == (0,)
    # TRUNCATE of a shared table is transactional.
    cons.execute("BEGIN")
    cons.execute("TRUNCATE wr_db.wr.t")
    cons.execute("ROLLBACK")
    assert prod.execute("SELECT count(*) FROM wr.t").fetchone() == (2,)
    # Writes through USE as well as three-part names.
    cons.execute("USE wr_db")
    cons.execute("INSERT INTO wr.t VALUES (3, 'u')")
    cons.execute("RESET USE")
    assert prod.execute("SELECT count(*) FROM wr.t").fetchone() == (3,)


def test_writes_need_a_snapshot_isolation_producer_database(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE DATABASE strict ISOLATION LEVEL SERIALIZABLE")
    strict = psycopg.connect(host="127.0.0.1", port=pair.p1, user="padmin",
                             password="Producer-pw-1", dbname="strict", sslmode="disable",
                             autocommit=True)
    strict.execute("CREATE TABLE public.t (a int)")
    strict.execute("CREATE DATASHARE strictshare")
    strict.execute("ALTER DATASHARE strictshare ADD SCHEMA public")
    strict.execute("GRANT SELECT, INSERT ON public.t TO DATASHARE strictshare")
    strict.execute(f"GRANT USAGE ON DATASHARE strictshare TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE strict_db FROM DATASHARE strictshare OF NAMESPACE '{prod_ns}'")
    assert cons.execute("SELECT count(*) FROM strict_db.public.t").fetchone() == (0,)
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="SNAPSHOT"):
        cons.execute("INSERT INTO strict_db.public.t VALUES (1)")
    strict.close()


def test_external_schema_over_a_shared_database(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE SCHEMA ext_src")
    prod.execute("CREATE TABLE ext_src.items (a int)")
    prod.execute("INSERT INTO ext_src.items VALUES (1), (2)")
    prod.execute("CREATE DATASHARE extshare")
    prod.execute("ALTER DATASHARE extshare ADD SCHEMA ext_src")
    prod.execute("ALTER DATASHARE extshare ADD ALL TABLES IN SCHEMA ext_src")
    prod.execute(f"GRANT USAGE ON DATASHARE extshare TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE ext_db FROM DATASHARE extshare OF NAMESPACE '{prod_ns}'")
    cons.execute("CREATE EXTERNAL SCHEMA items_schema FROM REDSHIFT DATABASE 'ext_db' "
                 "SCHEMA 'ext_src'")
    assert cons.execute("SELECT count(*) FROM items_schema.items").fetchone() == (2,)
    # Schema-level control: USAGE on the external schema, not on the database.
    cons.execute("CREATE USER reader PASSWORD 'Reader-pw-1'")
    reader = pair.consumer("reader", "Reader-pw-1")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        reader.execute("SELECT count(*) FROM items_schema.items")
    cons.execute("GRANT USAGE ON SCHEMA items_schema TO reader")
    assert reader.execute("SELECT count(*) FROM items_schema.items").fetchone() == (2,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        reader.execute("SELECT count(*) FROM ext_db.ext_src.items")
    cons.execute("DROP SCHEMA items_schema")
    with pytest.raises(psycopg.Error):
        cons.execute("SELECT count(*) FROM items_schema.items")
    # The shared data is untouched.
    assert cons.execute("SELECT count(*) FROM ext_db.ext_src.items").fetchone() == (2,)


def test_catalog_through_a_consumer_database(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE SCHEMA cat")
    prod.execute("CREATE TABLE cat.shown (a int)")
    prod.execute("CREATE TABLE cat.hidden (a int)")
    prod.execute("CREATE DATASHARE catshare")
    prod.execute("ALTER DATASHARE catshare ADD SCHEMA cat")
    prod.execute("ALTER DATASHARE catshare ADD TABLE cat.shown")
    prod.execute(f"GRANT USAGE ON DATASHARE catshare TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE cat_db FROM DATASHARE catshare OF NAMESPACE '{prod_ns}'")
    rows = cons.execute("SELECT table_name FROM cat_db.information_schema.tables "
                        "WHERE table_schema = 'cat'").fetchall()
    assert rows == [("shown",)]
    cur = cons.execute("SELECT current_namespace")
    assert cur.description is not None and cur.description[0].name == "current_namespace"


def test_external_schemas_are_listed(pair: Pair) -> None:
    cons = pair.consumer()
    cons.execute("CREATE EXTERNAL SCHEMA listed_ext FROM REDSHIFT DATABASE 'dev' SCHEMA 'public'")
    rows = cons.execute("SELECT eskind, schemaname, databasename FROM svv_external_schemas "
                        "WHERE schemaname = 'listed_ext'").fetchall()
    assert rows == [(4, "listed_ext", "dev")]
    cons.execute("DROP SCHEMA listed_ext")
    assert cons.execute("SELECT count(*) FROM svv_external_schemas "
                        "WHERE schemaname = 'listed_ext'").fetchone() == (0,)


def test_superusers_see_only_shared_objects_through_an_external_schema(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE SCHEMA ext2")
    prod.execute("CREATE TABLE ext2.open (a int)")
    prod.execute("CREATE TABLE ext2.closed (a int)")
    prod.execute("CREATE DATASHARE ext2share")
    prod.execute("ALTER DATASHARE ext2share ADD SCHEMA ext2")
    prod.execute("ALTER DATASHARE ext2share ADD TABLE ext2.open")
    prod.execute(f"GRANT USAGE ON DATASHARE ext2share TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE ext2_db FROM DATASHARE ext2share OF NAMESPACE '{prod_ns}'")
    cons.execute("CREATE EXTERNAL SCHEMA e2 FROM REDSHIFT DATABASE 'ext2_db' SCHEMA 'ext2'")
    assert cons.execute("SELECT count(*) FROM e2.open").fetchone() == (0,)
    with pytest.raises(psycopg.errors.UndefinedTable):
        cons.execute("SELECT count(*) FROM e2.closed")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        cons.execute("INSERT INTO e2.open VALUES (1)")


def test_late_binding_views_over_shares_follow_the_share(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE SCHEMA lbv")
    prod.execute("CREATE TABLE lbv.open (a int)")
    prod.execute("CREATE TABLE lbv.closed (a int)")
    prod.execute("INSERT INTO lbv.closed VALUES (42)")
    prod.execute("CREATE DATASHARE lbvshare")
    prod.execute("ALTER DATASHARE lbvshare ADD SCHEMA lbv")
    prod.execute("ALTER DATASHARE lbvshare ADD TABLE lbv.open")
    prod.execute(f"GRANT USAGE ON DATASHARE lbvshare TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE lbv_db FROM DATASHARE lbvshare OF NAMESPACE '{prod_ns}'")
    # A late-binding view over an unshared table binds but never reads it.
    cons.execute("CREATE VIEW peek AS SELECT a FROM lbv_db.lbv.closed WITH NO SCHEMA BINDING")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        cons.execute("SELECT * FROM peek")
    cons.execute("CREATE VIEW fine AS SELECT a FROM lbv_db.lbv.open WITH NO SCHEMA BINDING")
    cons.execute("CREATE VIEW fine2 AS SELECT a FROM fine WITH NO SCHEMA BINDING")
    assert cons.execute("SELECT count(*) FROM fine2").fetchone() == (0,)
    prod.execute(f"REVOKE USAGE ON DATASHARE lbvshare FROM NAMESPACE '{cons_ns}'")
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        cons.execute("SELECT count(*) FROM fine2")


def test_shared_sql_functions(pair: Pair) -> None:
    prod, cons = pair.producer(), pair.consumer()
    prod_ns, cons_ns = guid(prod), guid(cons)
    prod.execute("CREATE SCHEMA fn")
    prod.execute("CREATE FUNCTION fn.double_it(int) RETURNS int IMMUTABLE AS $$ SELECT $1 * 2 $$ "
                 "LANGUAGE sql")
    prod.execute("CREATE FUNCTION fn.secret_fn(int) RETURNS int IMMUTABLE AS $$ SELECT $1 $$ "
                 "LANGUAGE sql")
    prod.execute("CREATE DATASHARE fnshare")
    with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState):
        prod.execute("ALTER DATASHARE fnshare ADD FUNCTION fn.double_it(int)")
    prod.execute("ALTER DATASHARE fnshare ADD SCHEMA fn")
    prod.execute("ALTER DATASHARE fnshare ADD FUNCTION fn.double_it(int)")
    prod.execute(f"GRANT USAGE ON DATASHARE fnshare TO NAMESPACE '{cons_ns}'")
    cons.execute(f"CREATE DATABASE fn_db FROM DATASHARE fnshare OF NAMESPACE '{prod_ns}'")
    assert cons.execute("SELECT fn_db.fn.double_it(21)").fetchone() == (42,)
    with pytest.raises(psycopg.errors.UndefinedFunction):
        cons.execute("SELECT fn_db.fn.secret_fn(1)")
    # the consumer's catalog lists the shared function only
    shown = "SELECT function_name FROM svv_redshift_functions WHERE database_name = 'fn_db'"
    assert cons.execute(shown).fetchall() == [("double_it",)]
    desc = prod.execute("DESC DATASHARE fnshare").fetchall()
    assert ("function", "fn.double_it") in {(r[4], r[5]) for r in desc}
    prod.execute("ALTER DATASHARE fnshare REMOVE FUNCTION fn.double_it(int)")
    with pytest.raises(psycopg.errors.UndefinedFunction):
        cons.execute("SELECT fn_db.fn.double_it(21)")
    assert cons.execute(shown).fetchall() == []
