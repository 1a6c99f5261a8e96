"""CHAR(n)/VARCHAR(n) lengths become byte-length CHECKs; ALTER COLUMN TYPE rebuilds the table
when it runs (proxy/late_ddl.py)."""

from __future__ import annotations

import duckdb
import pytest

from catalog.errors import FeatureNotSupported
from proxy.sql.context import Context
from proxy.sql.late import AlterVarchar, Place
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def duck(sql: str) -> str:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


def test_each_character_column_gets_its_length() -> None:
    out = duck("create table t (a varchar(5), b char(2), c varchar(max), d text, e int)")
    assert "STRLEN(a) > 5" in out and "character varying(5)" in out
    assert "STRLEN(RTRIM(b, ' ')) > 2" in out and "character(2)" in out
    assert "STRLEN(c) > 65535" in out
    assert "STRLEN(d) > 256" in out
    assert "STRLEN(e)" not in out


def test_checks_run_on_duckdb() -> None:
    con = duckdb.connect()
    con.execute(duck("create table t (a varchar(3), b char(1))"))
    con.execute("insert into t values ('abc', 'x'), ('é', null), (null, null)")
    with pytest.raises(duckdb.ConstraintException, match=r"character varying\(3\)"):
        con.execute("insert into t values ('éé', 'x')")
    with pytest.raises(duckdb.ConstraintException, match=r"character\(1\)"):
        con.execute("update t set b = 'xy'")


def test_alter_column_type_rebuilds_when_it_runs() -> None:
    late = StatementCache().get("alter table t alter column a type varchar(50)", CTX)[0].late
    assert late == AlterVarchar(Place("__ds_ns__dev", None, "t"), "a", 50)
    with pytest.raises(FeatureNotSupported):
        duck("alter table t alter column a type int")
