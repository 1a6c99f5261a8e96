"""VARCHAR comparisons without trailing blanks (proxy/sql/transforms/varchar_blanks.py), run
on a DuckDB whose tables were made by the dialect's own CREATE TABLE."""

from __future__ import annotations

import itertools
import operator
from collections.abc import Callable, Iterator
from dataclasses import replace

import duckdb
import pytest

from catalog.directory import Directory, read_column_facts
from catalog.errors import FeatureNotSupported
from engine import macros, time_zones
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache
from tests.unit.session_database import translated

ALIAS = "__ds_ns__dev"
BASE = Context("ns", "dev", "alice", {"dev": ALIAS}, search_path=("main",))
# Values around 'ab': blanks, characters below the blank (tab, \x01), leading blanks.
VALUES = ["ab", "ab ", "ab  ", "a", "abc", "", "   ", "ab c", " ab", "ab\t", "ab \t", "ab\x01",
          "ab !", "ab!", "a\t", "b", "ab\x7f"]
LITERALS = ["ab", "ab ", "", "  ", "a", "ab\t", "ab c", "b", "a\x01", "ab!"]
OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "=": operator.eq, "<>": operator.ne, "<": operator.lt, "<=": operator.le,
    ">": operator.gt, ">=": operator.ge,
}


def _context(con: duckdb.DuckDBPyConnection) -> Context:
    varchars = read_column_facts(con, None, temporary=True)[3]
    return Context("ns", "dev", "alice", {"dev": ALIAS}, search_path=("main",),
                   varchar_columns=varchars, char_version=1)



@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    macros.install(c)
    time_zones.install(c)
    c.execute(f"ATTACH ':memory:' AS {ALIAS}")
    c.execute(f"USE {ALIAS}.main")
    for sql in ("create table t (id int, v varchar(10), d date, c char(3))",
                "create table u (w varchar(10), n int)"):
        c.execute(translated(sql, BASE))
    c.executemany("INSERT INTO t (id, v) VALUES (?, ?)", list(enumerate(VALUES)))
    c.execute("INSERT INTO t VALUES (100, NULL, DATE '2024-01-02', 'ab')")
    c.executemany("INSERT INTO u VALUES (?, ?)", [(v, i) for i, v in enumerate(VALUES)])
    yield c
    c.close()


def _ids(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> set[int]:
    return {row[0] for row in con.execute(translated(sql, _context(con)), list(params)).fetchall()}


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def test_the_catalog_knows_varchar_columns(con: duckdb.DuckDBPyConnection) -> None:
    varchars = read_column_facts(con, None)[3]
    # A CHAR column is a VARCHAR to DuckDB; char_columns makes its references CHAR casts first.
    assert varchars == {(ALIAS, "main", "t"): frozenset({"v", "c"}),
                        (ALIAS, "main", "u"): frozenset({"w"})}
    assert Directory(con).varchar_columns()[1] == varchars


@pytest.mark.parametrize(("op", "literal"), list(itertools.product(OPERATORS, LITERALS)))
def test_comparisons_with_literals_are_exact(con: duckdb.DuckDBPyConnection, op: str,
                                             literal: str) -> None:
    """Each operator, literal on either side, in a filter and in the select list, against
    Python's comparison of the values without trailing blanks (code points sort as bytes)."""
    expected = {i for i, v in enumerate(VALUES)
                if OPERATORS[op](v.rstrip(" "), literal.rstrip(" "))}
    assert _ids(con, f"select id from t where v {op} {_quoted(literal)}") == expected
    flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
    assert _ids(con, f"select id from t where {_quoted(literal)} {flipped} v") == expected
    assert _ids(con, f"select id from (select id, v {op} {_quoted(literal)} as hit from t) s "
                     "where hit") == expected


@pytest.mark.parametrize("literals", [["ab", "b"], ["ab ", "a"], ["ab\t", "ab"], ["", "ab!"],
                                      ["a\x01", "ab c"]])
def test_in_lists_are_exact(con: duckdb.DuckDBPyConnection, literals: list[str]) -> None:
    bare = {text.rstrip(" ") for text in literals}
    listed = ", ".join(map(_quoted, literals))
    assert _ids(con, f"select id from t where v in ({listed})") == {
        i for i, v in enumerate(VALUES) if v.rstrip(" ") in bare}
    assert _ids(con, f"select id from t where v not in ({listed})") == {
        i for i, v in enumerate(VALUES) if v.rstrip(" ") not in bare}


def test_joins_parameters_and_between(con: duckdb.DuckDBPyConnection) -> None:
    assert _ids(con, "select t.id from t join u on t.v = u.w where u.n = 0") == {0, 1, 2}
    assert _ids(con, "select id from t where v = $1", "ab  ") == {0, 1, 2}
    assert _ids(con, "select id from t where v between 'ab' and 'ab '") == {0, 1, 2}
    assert _ids(con, "select id from t where v is not distinct from 'ab'") == {0, 1, 2}
    assert _ids(con, "select id from t where v in (select w from u where n = 1)") == {0, 1, 2}


def test_forms(con: duckdb.DuckDBPyConnection) -> None:
    ctx = _context(con)
    # In a filter: the comparison as written, else of the value without its blanks; of =,
    # inside a range the scan's zone maps take.
    assert ("WHERE (v >= 'ab' AND v < 'ab!' AND (v = 'ab' OR (ENDS_WITH(v, ' ') "
            "AND RTRIM(v, ' ') = 'ab')))") in translated("select id from t where v = 'ab  '", ctx)
    assert "(v IN ('b', 'a') OR (ENDS_WITH(v, ' ') AND RTRIM(v, ' ') IN ('b', 'a')))" in translated(
        "select id from t where v in ('b', 'a')", ctx)
    # Elsewhere the exact test alone; < and >= stay as they are.
    assert "SELECT memory.main.__ds_bare(v) = 'ab'" in translated("select v = 'ab' from t", ctx)
    assert "WHERE v < 'ab' OR v >= 'b'" in translated(
        "select id from t where v < 'ab ' or v >= 'b'", ctx)


def test_what_is_not_a_string_is_left_alone(con: duckdb.DuckDBPyConnection) -> None:
    ctx = _context(con)
    for sql in ("select id from t where d = '2024-01-02'",
                "select id from t where id = '1'",
                "select id from t where x = 'ab'",  # not a column of t: unknown
                "select id from t where v = id",
                "select id from t where v in (select n from u)",
                "select id from t where v like 'ab'"):
        assert "__ds_bare" not in translated(sql, ctx), sql
    assert _ids(con, "select id from t where d = '2024-01-02'") == {100}


def test_char_comparisons_stay_blank_padded(con: duckdb.DuckDBPyConnection) -> None:
    assert _ids(con, "select id from t where c = 'ab '") == {100}
    assert _ids(con, "select id from t where v = c") == set()  # c is NULL but in row 100


def test_statements_without_string_comparisons_cost_nothing(
        con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    from proxy.sql.transforms import varchar_blanks

    def refuse(*_: object) -> None:
        raise AssertionError("scopes walked")

    monkeypatch.setattr(varchar_blanks, "_scopes", refuse)
    ctx = _context(con)
    for sql in ("select * from t where id = $1", "select 1", "insert into u values ('a', 1)",
                "select id from t where d < current_date"):
        translated(sql, ctx)


# Values of a clean column: none ends with a blank (catalog/blank_facts.py).
CLEAN_VALUES = [v for v in VALUES if not v.endswith(" ")]


@pytest.fixture
def clean(con: duckdb.DuckDBPyConnection) -> Context:
    """A context in which ``k.v`` is known to hold no blank-ended value (``k.w`` is not)."""
    con.execute(translated("create table k (id int, v varchar(10), w varchar(10))", BASE))
    con.executemany("INSERT INTO k VALUES (?, ?, ?)",
                    [(i, v, v) for i, v in enumerate(CLEAN_VALUES)])
    ctx = _context(con)
    return Context("ns", "dev", "alice", {"dev": ALIAS}, search_path=("main",),
                   varchar_columns=ctx.varchar_columns, char_version=1,
                   clean_columns={(ALIAS, "main", "k"): frozenset({"v"})}, blank_key=1,
                   blank_forgotten=1)


@pytest.mark.parametrize(("op", "literal"), list(itertools.product(OPERATORS, LITERALS)))
def test_clean_columns_compared_as_written_are_exact(
        con: duckdb.DuckDBPyConnection, clean: Context, op: str, literal: str) -> None:
    expected = {i for i, v in enumerate(CLEAN_VALUES)
                if OPERATORS[op](v, literal.rstrip(" "))}
    sql = translated(f"select id from k where v {op} {_quoted(literal)}", clean)
    assert "__ds_bare" not in sql and "ENDS_WITH" not in sql
    assert {row[0] for row in con.execute(sql).fetchall()} == expected


def test_clean_forms(con: duckdb.DuckDBPyConnection, clean: Context) -> None:
    stmt = StatementCache().get("select id from k where v = 'ab  '", clean)[0]
    assert stmt.duck_sql is not None and "WHERE v = 'ab'" in stmt.duck_sql
    assert stmt.blank_forgotten == 1 and stmt.exact is not None
    assert "ENDS_WITH" in (stmt.exact.duck_sql or "")
    assert "WHERE v IN ('b', 'ab')" in translated("select id from k where v in ('b', 'ab ')",
                                                  clean)
    # A join of a clean column with another keeps the clean one as written.
    assert "ON k.v = memory.main.__ds_bare(u.w)" in translated(
        "select k.id from k join u on k.v = u.w", clean)
    assert "ON k.v = k2.v" in translated("select k.id from k join k k2 on k.v = k2.v", clean)


def test_clean_columns_not_read_where_the_text_outlives_them(
        con: duckdb.DuckDBPyConnection, clean: Context) -> None:
    assert "ENDS_WITH" in translated("create view kv as select id from k where v = 'ab'", clean)


def test_a_parameter_beside_a_clean_column_loses_its_blanks(
        con: duckdb.DuckDBPyConnection, clean: Context) -> None:
    # The server types whichever translation runs, so a statement with parameters reads the
    # facts too (and keeps its exact translation for when they move).
    stmt = StatementCache().get("select id from k where v = $1 order by id", clean)[0]
    assert stmt.duck_sql is not None and stmt.exact is not None
    assert "WHERE v = memory.main.__ds_bare($1)" in stmt.duck_sql
    rows = con.execute(stmt.duck_sql, ["ab  "]).fetchall()
    assert rows and rows == con.execute(stmt.exact.duck_sql or "", ["ab  "]).fetchall()


def test_dirty_columns_are_noted_for_a_scan(con: duckdb.DuckDBPyConnection,
                                            clean: Context) -> None:
    stmt = StatementCache().get("select id from k where w = 'ab' and v = 'ab'", clean)[0]
    assert stmt.blank_wanted == (((ALIAS, "main", "k"), "w"),)
    assert StatementCache().get("select id from k where id = 1", clean)[0].blank_wanted == ()


def _as_written_exact_kept(sql: str, plain: str, ctx: Context) -> None:
    """``sql`` over clean columns translates as written (``plain`` in it, no BARE), and keeps
    an exact translation (with BARE) for when the facts no longer hold."""
    stmt = StatementCache().get(sql, ctx)[0]
    assert stmt.duck_sql is not None and plain in stmt.duck_sql, stmt.duck_sql
    assert "__ds_bare" not in stmt.duck_sql and stmt.exact is not None
    assert "__ds_bare" in (stmt.exact.duck_sql or ""), stmt.exact.duck_sql

def test_groups_of_clean_columns_stay_as_written(con: duckdb.DuckDBPyConnection,
                                                 clean: Context) -> None:
    """A clean column (also through a derived table) is grouped, made DISTINCT and counted
    DISTINCT as written; the other one groups without its blanks and is noted for a scan."""
    for sql, plain in (("select v, count(*) from k group by v order by v",
                        'SELECT v, COUNT(*) AS "count" FROM k GROUP BY v ORDER BY v'),
                       ("select distinct v from k", "SELECT DISTINCT v FROM k"),
                       ("select count(distinct v) from k", "COUNT(DISTINCT v)"),
                       ("select x, count(*) from (select v as x from k) d group by 1",
                        "GROUP BY 1")):
        _as_written_exact_kept(sql, plain, clean)
    stmt = StatementCache().get("select w, count(*) from k group by w", clean)[0]
    assert stmt.duck_sql is not None and (
        'SELECT MIN(w) AS "w", COUNT(*) AS "count" FROM k GROUP BY memory.main.__ds_bare(w)'
        in stmt.duck_sql)
    assert stmt.blank_wanted == (((ALIAS, "main", "k"), "w"),)


def test_distinct_aggregates_and_rows_of_clean_columns_stay_as_written(
        con: duckdb.DuckDBPyConnection, clean: Context) -> None:
    """LISTAGG(DISTINCT) and SELECT DISTINCT with GROUP BY or a window of a clean column are
    as written; of the other column, exact (and noted for a scan)."""
    for sql, plain in (("select listagg(distinct v, ',') within group (order by v) from k",
                        "LISTAGG(DISTINCT v, ',' ORDER BY v)"),
                       ("select distinct v, count(*) from k group by id, v",
                        "SELECT DISTINCT v, COUNT(*)"),
                       ("select distinct v, count(*) over () from k",
                        "SELECT DISTINCT v, COUNT(*) OVER ()")):
        _as_written_exact_kept(sql, plain, clean)
    stmt = StatementCache().get("select listagg(distinct w) from k", clean)[0]
    assert stmt.duck_sql is not None and "__ds_bare_distinct" in stmt.duck_sql
    assert stmt.blank_wanted == (((ALIAS, "main", "k"), "w"),)


def test_distinct_aggregates_and_rows_disregard_trailing_blanks(
        con: duckdb.DuckDBPyConnection) -> None:
    """LISTAGG(DISTINCT) concatenates one stored value of each set equal without blanks, the
    one with the fewest blanks (not an empty string); SELECT DISTINCT *, with GROUP BY or a
    window keeps one row."""
    con.execute(translated("create table s (v varchar(10))", BASE))
    con.executemany("INSERT INTO s VALUES (?)", [(v,) for v in VALUES + VALUES[::-1]])
    ctx = _context(con)
    shortest = _shortest()
    (listed,), = con.execute(translated(
        "select listagg(distinct v, '|') within group (order by v desc) from t",
        ctx)).fetchall()
    # LISTAGG ignores the empty string, the one kept of the values equal to it.
    assert listed == "|".join(sorted((v for v in shortest.values() if v), reverse=True))
    rows = con.execute(translated("select distinct * from s", ctx)).fetchall()
    assert sorted(v for v, in rows if v is not None) == sorted(shortest.values())
    rows = con.execute(translated("select distinct v, count(*) over () from t", ctx)).fetchall()
    assert sorted(v for v, _ in rows if v is not None) == sorted(shortest.values())
    rows = con.execute(translated("select distinct max(v) from t group by id", ctx)).fetchall()
    assert sorted(v for v, in rows if v is not None) == sorted(shortest.values())


def test_groups_of_other_values_stay_as_written(con: duckdb.DuckDBPyConnection) -> None:
    ctx = _context(con)
    for sql in ("select id, count(*) from t group by id", "select distinct d from t",
                "select 'a ' as x, count(*) from t group by 1", "select count(distinct id) from t",
                "select distinct id, d from t", "select count(*) from t"):
        assert "__ds_bare" not in translated(sql, ctx), sql


def test_groups_disregard_trailing_blanks(con: duckdb.DuckDBPyConnection) -> None:
    """Each group of values equal without their blanks is one, and shows a stored value."""
    ctx = _context(con)
    groups: dict[str, set[str]] = {}
    for v in VALUES:
        groups.setdefault(v.rstrip(" "), set()).add(v)
    rows = con.execute(translated("select v, count(*) from t where v is not null group by v",
                                  ctx)).fetchall()
    assert len(rows) == len(groups)
    for shown, count in rows:
        assert shown in groups[shown.rstrip(" ")] and count == len(groups[shown.rstrip(" ")])
    assert len(con.execute(translated("select distinct v from t where v is not null",
                                      ctx)).fetchall()) == len(groups)
    assert con.execute(translated("select count(distinct v) from t", ctx)).fetchall() == [
        (len(groups),)]


def test_joins_using_and_set_operations_of_clean_columns_stay_as_written(
        con: duckdb.DuckDBPyConnection, clean: Context) -> None:
    for sql, plain in (("select id from k join k k2 using (v)", "JOIN k AS k2 USING (v)"),
                       ("select v from k union select v from k", "SELECT v FROM k UNION SELECT v"),
                       ("select v from k intersect select v from k",
                        "SELECT v FROM k INTERSECT SELECT v"),
                       ("select count(*) over (partition by v) from k", "PARTITION BY v)"),
                       ("select v from k except all select v from k",
                        "SELECT v FROM k EXCEPT ALL SELECT v"),
                       ("select * from k full join k k2 using (v)",
                        "FULL JOIN k AS k2 USING (v)"),
                       ("select distinct * from (select id, v from k) d",
                        "SELECT DISTINCT * FROM (SELECT id, v FROM k) AS d"),
                       ("select id from k join k k2 using (v) join k k3 using (v)",
                        "JOIN k AS k2 USING (v) JOIN k AS k3 USING (v)")):
        _as_written_exact_kept(sql, plain, clean)
    assert "ON memory.main.__ds_bare(k.w) = memory.main.__ds_bare(u.w)" in translated(
        "select id from k join u using (w)", clean)


def test_joins_using_and_set_operations_disregard_trailing_blanks(
        con: duckdb.DuckDBPyConnection) -> None:
    ctx = _context(con)
    bare = {v.rstrip(" ") for v in VALUES}
    rows = con.execute(translated("select v from t union select w from u", ctx)).fetchall()
    assert sorted(v.rstrip(" ") for v, in rows if v is not None) == sorted(bare)
    # The merged column is the left table's.
    rows = con.execute(translated("select w, u.n, u2.n from u join u u2 using (w)",
                                  ctx)).fetchall()
    assert all(w == VALUES[n] for w, n, _ in rows)
    assert sorted((n, n2) for _, n, n2 in rows) == [
        (i, j) for i, v in enumerate(VALUES) for j, v2 in enumerate(VALUES)
        if v.rstrip(" ") == v2.rstrip(" ")]


def _shortest() -> dict[str, str]:
    """Of each set of VALUES equal without trailing blanks, the one with the fewest blanks."""
    shortest: dict[str, str] = {}
    for v in VALUES:
        shortest[v.rstrip(" ")] = min(shortest.get(v.rstrip(" "), v), v)
    return shortest


def _sizes() -> dict[str, int]:
    """How many VALUES each value without trailing blanks stands for."""
    sizes: dict[str, int] = {}
    for v in VALUES:
        sizes[v.rstrip(" ")] = sizes.get(v.rstrip(" "), 0) + 1
    return sizes


def test_distinct_stars_of_joins_and_derived_tables_disregard_trailing_blanks(
        con: duckdb.DuckDBPyConnection) -> None:
    ctx = _context(con)
    shortest = _shortest()
    rows = con.execute(translated(
        "select distinct * from (select v from t) a join (select w from u) b on a.v = b.w",
        ctx)).fetchall()
    assert sorted(rows) == sorted((v, v) for v in shortest.values())
    rows = con.execute(translated("select distinct a.*, b.w from (select v from t) a "
                                  "join u b on a.v = b.w", ctx)).fetchall()
    assert sorted(rows) == sorted((v, v) for v in shortest.values())


def test_a_name_two_joins_use_matches_without_trailing_blanks(
        con: duckdb.DuckDBPyConnection) -> None:
    ctx = _context(con)
    sizes = _sizes()
    sql = translated("select w, u.n, u3.n from u join u u2 using (w) join u u3 using (w)", ctx)
    assert "USING" not in sql
    rows = con.execute(sql).fetchall()
    assert len(rows) == sum(size ** 3 for size in sizes.values())
    assert all(w == VALUES[n] and w.rstrip(" ") == VALUES[n3].rstrip(" ") for w, n, n3 in rows)


def test_a_subquery_reads_the_group_s_value(con: duckdb.DuckDBPyConnection) -> None:
    ctx = _context(con)
    shortest = _shortest()
    sizes = _sizes()
    rows = con.execute(translated(
        "select v, (select count(*) from u where u.w = t.v), (select '[' || t.v || ']') "
        "from t where v is not null group by v", ctx)).fetchall()
    assert sorted(rows) == sorted((v, sizes[bare], f"[{v}]") for bare, v in shortest.items())


def _with_columns(con: duckdb.DuckDBPyConnection, ctx: Context) -> Context:
    """``ctx`` with every relation's columns in order (a NATURAL join's are read from them)."""
    return replace(ctx, relation_columns=read_column_facts(con, None, temporary=True)[4])


def test_natural_joins_match_without_trailing_blanks(con: duckdb.DuckDBPyConnection) -> None:
    """A NATURAL join is the join USING its common columns: a VARCHAR one matches without
    trailing blanks (an INTEGER one as written), the merged column is the left one's."""
    con.execute(translated("create table u2 (w varchar(10), m int, n int)", BASE))
    con.executemany("INSERT INTO u2 VALUES (?, ?, ?)",
                    [(v, i, i % 2) for i, v in enumerate(VALUES)])
    ctx = _with_columns(con, _context(con))
    sql = translated("select w, u.n, u2.m from u natural join u2", ctx)
    assert "NATURAL" not in sql and "USING" not in sql
    rows = con.execute(sql).fetchall()
    assert sorted((n, m) for _, n, m in rows) == sorted(
        (i, j) for i, v in enumerate(VALUES) for j, v2 in enumerate(VALUES)
        if v.rstrip(" ") == v2.rstrip(" ") and i == j % 2)
    assert all(w == VALUES[n] for w, n, _ in rows)
    # Without a string in common, as written (the join USING the common columns).
    assert "USING (n)" in translated("select m from u2 natural join (select n from u) x", ctx)


def test_natural_joins_of_clean_columns_stay_as_written(con: duckdb.DuckDBPyConnection,
                                                         clean: Context) -> None:
    ctx = _with_columns(con, clean)
    _as_written_exact_kept("select k.id from k natural join (select id, v from k) k2",
                           "JOIN (SELECT id, v FROM k) AS k2 USING (id, v)", ctx)


def test_natural_joins_of_unknown_columns_are_refused(con: duckdb.DuckDBPyConnection) -> None:
    ctx = _with_columns(con, _context(con))
    with pytest.raises(FeatureNotSupported, match="NATURAL join of a relation"):
        translated("select * from u natural join (select count(*) from t) x", ctx)
    # One side's columns known and none a string: its common columns are none.
    assert "NATURAL JOIN" in translated(
        "select * from (select id from t) a natural join (select count(*) from t) x", ctx)


def test_statements_without_natural_joins_do_not_read_columns(
        con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch) -> None:
    from proxy.sql.transforms import varchar_using

    def refuse(*_: object) -> None:
        raise AssertionError("columns read")

    monkeypatch.setattr(varchar_using, "_natural_joins", refuse)
    ctx = _with_columns(con, _context(con))
    for sql in ("select * from t join u on t.v = u.w", "select 1",
                "select id from t join t t2 using (id)"):
        translated(sql, ctx)
