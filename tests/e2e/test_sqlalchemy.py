"""SQLAlchemy 2 against Duckshift: reflection through the Inspector, ORM create_all and a round
trip, with the postgresql dialect over psycopg and with sqlalchemy-redshift over
redshift_connector.

The psycopg dialect looks up hstore when it connects, inside a SAVEPOINT, which Redshift and
Duckshift refuse: ``use_native_hstore=False`` skips it (Redshift has no hstore anyway).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import psycopg
import pytest
import sqlalchemy as sa
from sqlalchemy import orm

from tests.e2e.server import RunningServer, start

pytestmark = pytest.mark.slow_file(100)

DIALECTS = ("postgresql+psycopg", "redshift+redshift_connector")


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start(tmp_path_factory.mktemp("sqlalchemy") / "data")
    with psycopg.connect(server.dsn, autocommit=True) as conn:
        for sql in (
            "CREATE TABLE sa_parent (id integer PRIMARY KEY, "
            "name varchar(40) NOT NULL DEFAULT 'x', amount numeric(12,2))",
            "COMMENT ON TABLE sa_parent IS 'parents'",
            "CREATE TABLE sa_child (cid bigint PRIMARY KEY, "
            "parent_id integer REFERENCES sa_parent (id), note varchar(100))",
            "CREATE VIEW sa_v AS SELECT id, name FROM sa_parent",
        ):
            conn.execute(sql)
    yield server
    server.stop()


@pytest.fixture(params=DIALECTS)
def engine(request: pytest.FixtureRequest, srv: RunningServer) -> Iterator[sa.Engine]:
    url = f"{request.param}://{srv.user}:{srv.password}@{srv.host}:{srv.port}/{srv.database}"
    if request.param.startswith("redshift"):
        eng = sa.create_engine(url, connect_args={"ssl": False})
    else:
        eng = sa.create_engine(url + "?sslmode=disable", use_native_hstore=False)
    yield eng
    eng.dispose()


def test_inspector(engine: sa.Engine) -> None:
    insp = sa.inspect(engine)
    assert "public" in insp.get_schema_names()
    assert {"sa_parent", "sa_child"} <= set(insp.get_table_names())
    assert "sa_v" in insp.get_view_names()
    assert "sa_v" not in insp.get_table_names()
    columns = {c["name"]: c for c in insp.get_columns("sa_parent")}
    assert list(columns) == ["id", "name", "amount"]
    assert isinstance(columns["id"]["type"], sa.Integer) and not columns["id"]["nullable"]
    name_type = columns["name"]["type"]
    assert isinstance(name_type, sa.String) and name_type.length == 40
    assert columns["name"]["default"] == "'x'"
    amount_type = columns["amount"]["type"]
    assert isinstance(amount_type, sa.Numeric)
    assert (amount_type.precision, amount_type.scale) == (12, 2)
    assert columns["amount"]["nullable"]
    assert insp.get_pk_constraint("sa_parent")["constrained_columns"] == ["id"]
    (fk,) = insp.get_foreign_keys("sa_child")
    assert (fk["constrained_columns"], fk["referred_table"], fk["referred_columns"]) == (
        ["parent_id"], "sa_parent", ["id"])
    assert fk["referred_schema"] in ("public", None)
    definition = insp.get_view_definition("sa_v")
    assert "SELECT" in definition.upper() and "sa_parent" in definition
    assert insp.has_table("sa_parent") and not insp.has_table("nope")
    assert insp.get_table_comment("sa_parent")["text"] == "parents"


def test_table_reflection(engine: sa.Engine) -> None:
    table = sa.Table("sa_child", sa.MetaData(), autoload_with=engine)
    assert [c.name for c in table.columns] == ["cid", "parent_id", "note"]
    assert [c.name for c in table.primary_key] == ["cid"]
    assert {fk.target_fullname.split(".", 1)[-1] for fk in table.foreign_keys} == {
        "sa_parent.id"}


class Base(orm.DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "sa_items"
    id: orm.Mapped[int] = orm.mapped_column(primary_key=True, autoincrement=False)
    name: orm.Mapped[str] = orm.mapped_column(sa.String(50))
    price: orm.Mapped[Decimal | None] = orm.mapped_column(sa.Numeric(10, 2))


def test_orm_create_all_and_round_trip(engine: sa.Engine) -> None:
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    try:
        assert sa.inspect(engine).has_table("sa_items")
        with orm.Session(engine) as session:
            session.add_all([Item(id=1, name="a", price=Decimal("1.50")),
                             Item(id=2, name="b", price=None)])
            session.commit()
            rows = session.scalars(sa.select(Item).order_by(Item.id)).all()
            assert [(i.id, i.name, i.price) for i in rows] == [
                (1, "a", Decimal("1.50")), (2, "b", None)]
            item = session.get(Item, 2)
            assert item is not None
            item.name = "bb"
            session.commit()
            session.delete(session.get(Item, 1))
            session.commit()
            assert [(i.id, i.name) for i in session.scalars(sa.select(Item))] == [(2, "bb")]
            counted = session.scalar(
                sa.select(sa.func.count()).select_from(Item).where(Item.name.like("b%")))
            assert counted == 1
    finally:
        Base.metadata.drop_all(engine)
