"""The grammar of Redshift's catalog SHOW commands (proxy/sql/show.py)."""

from __future__ import annotations

import pytest

from catalog.errors import InvalidParameterValue, SQLError, SyntaxError_
from proxy.show_commands import table_ddl
from proxy.sql import show
from proxy.sql.split import split


def _recognize(sql: str) -> show.Command | None:
    (piece,) = split(sql)
    return show.recognize(piece)


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SHOW DATABASES", show.ShowCatalog("databases")),
        ("show databases like 'd%' limit 5", show.ShowCatalog("databases", (), "d%", 5)),
        ("SHOW SCHEMAS FROM DATABASE dev", show.ShowCatalog("schemas", ("dev",))),
        ('SHOW SCHEMAS FROM DATABASE "dev" LIKE \'public\'',
         show.ShowCatalog("schemas", ("dev",), "public")),
        ("SHOW TABLES FROM SCHEMA dev.public", show.ShowCatalog("tables", ("dev", "public"))),
        ('SHOW TABLES FROM SCHEMA "dev"."Mixed"', show.ShowCatalog("tables", ("dev", "Mixed"))),
        ("SHOW TABLES FROM SCHEMA public LIMIT 0", show.ShowCatalog("tables", ("public",),
                                                                    None, 0)),
        ("SHOW COLUMNS FROM TABLE dev.Public.T LIKE 'a_%'",
         show.ShowCatalog("columns", ("dev", "public", "t"), "a_%")),
        ("SHOW COLUMNS FROM TABLE public.t", show.ShowCatalog("columns", ("public", "t"))),
        ("SHOW CONSTRAINTS PRIMARY KEYS FROM TABLE dev.public.customers",
         show.ShowCatalog("primary_keys", ("dev", "public", "customers"))),
        ("SHOW CONSTRAINTS FOREIGN KEYS FROM TABLE dev.sales.orders",
         show.ShowCatalog("foreign_keys", ("dev", "sales", "orders"))),
        ("SHOW CONSTRAINTS FOREIGN KEYS EXPORTED FROM TABLE dev.public.customers",
         show.ShowCatalog("exported_keys", ("dev", "public", "customers"))),
        ("SHOW PROCEDURES FROM SCHEMA dev.public", show.ShowCatalog("procedures",
                                                                    ("dev", "public"))),
        ("SHOW FUNCTIONS FROM SCHEMA dev.public LIKE 'f%'",
         show.ShowCatalog("functions", ("dev", "public"), "f%")),
        ("SHOW PARAMETERS OF FUNCTION dev.public.add_one(integer)",
         show.ShowParameters("function", "dev.public.add_one")),
        ("SHOW VIEW v", show.ShowView(None, "v")),
        ('SHOW VIEW public."V"', show.ShowView("public", "V")),
        ("SHOW TABLE t", show.ShowTable(None, "t")),
        ("SHOW TABLE Sales.T", show.ShowTable("sales", "t")),
    ],
)
def test_recognized(sql: str, expected: show.Command) -> None:
    assert _recognize(sql) == expected


@pytest.mark.parametrize("sql", ["SHOW search_path", "SHOW ALL", "SHOW GRANTS ON TABLE t",
                                 "SELECT 1", "SHOW TRANSACTION ISOLATION LEVEL"])
def test_other_statements_are_left_alone(sql: str) -> None:
    assert _recognize(sql) is None


@pytest.mark.parametrize(
    ("sql", "error", "message"),
    [
        ("SHOW DATABASES LIMIT 10001", InvalidParameterValue,
         "LIMIT 10001 is out of range: a SHOW returns 0 to 10000 rows"),
        ("SHOW DATABASES LIMIT -1", SyntaxError_, 'syntax error at or near "-"'),
        ("SHOW DATABASES LIKE x", SyntaxError_, 'syntax error at or near "x"'),
        ("SHOW TABLES", SyntaxError_, "syntax error at end of input"),
        ("SHOW TABLES FROM DATABASE dev", SyntaxError_, 'syntax error at or near "DATABASE"'),
        ("SHOW TABLES FROM SCHEMA a.b.c", SyntaxError_,
         "improper qualified name (too many dotted names): a.b.c"),
        ("SHOW COLUMNS FROM TABLE t", SyntaxError_, "syntax error at end of input"),
        ("SHOW DATABASES extra", SyntaxError_, 'syntax error at or near "extra"'),
        ("SHOW VIEW a.b.c", SyntaxError_,
         "improper qualified name (too many dotted names): a.b.c"),
        ("SHOW VIEW 'v'", SyntaxError_, 'syntax error at or near "v"'),
    ],
)
def test_refused(sql: str, error: type[SQLError], message: str) -> None:
    with pytest.raises(error) as info:
        _recognize(sql)
    assert info.value.message == message


def test_table_ddl_in_redshifts_layout() -> None:
    def column(name: str, type_: str, **facts: object) -> dict[str, object]:
        row: dict[str, object] = {
            "nspname": "public", "relname": "sales", "attname": name, "type": type_,
            "notnull": False, "default_sql": None, "encoding": None, "identity_seed": None,
            "identity_step": None, "diststyle": "KEY", "distkey": "listid",
            "sortkey_type": "COMPOUND", "sortkey": ["dateid"], "primary_key": None}
        return {**row, **facts}

    assert table_ddl([
        column("salesid", "integer", notnull=True, encoding="az64"),
        column("listid", "integer", notnull=True, encoding="az64"),
        column("dateid", "smallint", notnull=True),
    ]) == ("CREATE TABLE public.sales (\nsalesid integer NOT NULL ENCODE az64,\n"
           "listid integer NOT NULL ENCODE az64 distkey,\ndateid smallint NOT NULL\n)\n"
           "DISTSTYLE KEY SORTKEY ( dateid );")
