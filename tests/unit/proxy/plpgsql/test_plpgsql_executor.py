"""The PL/pgSQL interpreter over a fake host that runs SQL on an in-process DuckDB: control
flow, variables bound as parameters, RAISE, handlers and transactions as the host sees them."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import duckdb
import pytest

from catalog import errors as err
from proxy.plpgsql import executor
from proxy.plpgsql.parser import parse


class FakeHost:
    def __init__(self) -> None:
        self.con = duckdb.connect()
        self.notices: list[tuple[str, str]] = []
        self.sql: list[tuple[str, list[object]]] = []
        self.transactions: list[str] = []
        self.open = True

    async def run(self, text: str, params: Sequence[object]) -> executor.Ran:
        self.sql.append((text, list(params)))
        try:
            rel = self.con.execute(text, list(params))
        except duckdb.Error as exc:
            raise err.DataException(str(exc)) from None
        if rel.description is None:
            return executor.Ran([], None, 0)
        columns = [d[0] for d in rel.description]
        rows = rel.fetchall()
        if columns == ["Count"]:
            return executor.Ran([], None, rows[0][0] if rows else 0)
        return executor.Ran(columns, rows, len(rows))

    def notice(self, level: str, message: str) -> None:
        self.notices.append((level, message))

    async def end_transaction(self, commit: bool, begin_next: bool) -> None:
        self.transactions.append(("COMMIT" if commit else "ROLLBACK")
                                 + (" BEGIN" if begin_next else ""))
        self.open = begin_next

    def in_transaction(self) -> bool:
        return self.open

    def check_interrupt(self) -> None:
        pass

    async def call(self, schema: str | None, name: str, args: list[str],
                   params: Sequence[object], depth: int) -> list[tuple[int, object]]:
        raise AssertionError("no nested calls here")


def run(body: str, args: list[executor.Argument] | None = None, nonatomic: bool = False,
        host: FakeHost | None = None) -> tuple[FakeHost, list[object]]:
    host = host or FakeHost()
    finals = asyncio.run(executor.Executor(host, nonatomic).run(parse(body), args or []))
    return host, finals


def test_loops_and_raise() -> None:
    host, _ = run("""
DECLARE s int := 0; msg varchar := '';
BEGIN
  FOR i IN 1..5 LOOP CONTINUE WHEN i = 2; s := s + i; END LOOP;
  FOR i IN REVERSE 3..1 LOOP msg := msg || i::varchar; END LOOP;
  WHILE s < 20 LOOP s := s + 1; END LOOP;
  RAISE NOTICE 's=% msg=% null=% pct=%%', s, msg, NULL;
  RAISE LOG 'hidden';
END""")
    assert host.notices == [("NOTICE", "s=20 msg=321 null=<NULL> pct=%")]


def test_variables_are_parameters() -> None:
    host, _ = run("DECLARE v varchar := 'a''b'; BEGIN PERFORM v; END")
    text, params = host.sql[-1]
    assert text == "SELECT CAST($1 AS VARCHAR)"
    assert params == ["a'b"]


def test_inout_arguments_come_back() -> None:
    _, finals = run("BEGIN a := a * 2; b := 'x'; END",
                    [executor.Argument("a", "INOUT", "int", 21),
                     executor.Argument("b", "OUT", "varchar", None)])
    assert finals == [42, "x"]


def test_records_and_select_into() -> None:
    host = FakeHost()
    host.con.execute("CREATE TABLE t (a INT, b VARCHAR)")
    host.con.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')")
    run("""
DECLARE r RECORD; n int;
BEGIN
  FOR r IN SELECT a, b FROM t ORDER BY a LOOP RAISE INFO '% %', r.a, r.b; END LOOP;
  SELECT count(*) INTO n FROM t;
  SELECT INTO r a, b FROM t WHERE a = n;
  RAISE INFO 'n % r % found %', n, r.b, FOUND;
  SELECT INTO r a FROM t WHERE a = 99;
  RAISE INFO 'found %', FOUND;
END""", host=host)
    assert host.notices == [("INFO", "1 one"), ("INFO", "2 two"), ("INFO", "n 2 r two found t"),
                            ("INFO", "found f")]


def test_strict_and_exceptions() -> None:
    with pytest.raises(err.SQLError) as info:
        run("DECLARE v int; BEGIN SELECT INTO STRICT v 1 WHERE false; END")
    assert info.value.sqlstate == "P0002"
    with pytest.raises(err.SQLError) as info:
        run("BEGIN RAISE EXCEPTION 'bad %', 7; END")
    assert (info.value.sqlstate, info.value.message) == ("P0001", "bad 7")


def test_atomic_handler_rolls_back_commits_and_rethrows() -> None:
    host = FakeHost()
    with pytest.raises(err.SQLError) as info:
        run("BEGIN RAISE EXCEPTION 'boom'; EXCEPTION WHEN OTHERS THEN "
            "RAISE INFO '% %', SQLSTATE, SQLERRM; END", host=host)
    assert info.value.message == "boom"
    assert host.notices == [("INFO", "P0001 boom")]
    assert host.transactions == ["ROLLBACK BEGIN", "COMMIT"]


def test_nonatomic_handler_swallows() -> None:
    host = FakeHost()
    host.open = False
    run("BEGIN RAISE EXCEPTION 'boom'; EXCEPTION WHEN OTHERS THEN RAISE INFO 'h'; END",
        nonatomic=True, host=host)
    assert host.notices == [("INFO", "h")]
    assert host.transactions == []


def test_exit_labels_and_return() -> None:
    host, _ = run("""
DECLARE n int := 0;
BEGIN
  <<outer>> LOOP LOOP n := n + 1; EXIT outer WHEN n >= 3; END LOOP; END LOOP outer;
  <<blk>> BEGIN EXIT blk; RAISE INFO 'skipped'; END;
  RAISE INFO 'n %', n;
  RETURN;
  RAISE INFO 'never';
END""")
    assert host.notices == [("INFO", "n 3")]


def test_case_without_match() -> None:
    with pytest.raises(err.SQLError) as info:
        run("BEGIN CASE 3 WHEN 1 THEN NULL; END CASE; END")
    assert info.value.sqlstate == "20000"


def test_update_set_targets_are_columns() -> None:
    host = FakeHost()
    host.con.execute("CREATE TABLE t (b INT)")
    host.con.execute("INSERT INTO t VALUES (1)")
    run("DECLARE b int := 5; BEGIN UPDATE t SET b = b + 1; END", host=host)
    text, params = host.sql[-1]
    assert text == "UPDATE t SET b = CAST($1 AS INTEGER) + 1"
    assert params == [5]
