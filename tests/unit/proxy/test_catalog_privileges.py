"""Privilege inquiries about the catalog's own objects, and about NULL (catalog_privileges)."""

from __future__ import annotations

import pytest

from proxy.catalog_privileges import catalog_inquiry

asked: list[tuple[object, ...]] = []


def _grants(*args: object) -> bool:
    """Stands for the server's inquiry: notes what it was asked, answers False."""
    asked.append(args)
    return False


ANSWER = catalog_inquiry(_grants)


@pytest.mark.parametrize(
    ("kind", "name", "privilege", "expected"),
    [
        ("schema", "pg_catalog", "USAGE", True),
        ("schema", "information_schema", "usage", True),
        ("schema", "PG_CATALOG", "USAGE", True),
        ("schema", "pg_catalog", "CREATE", False),
        ("table", "pg_class", "SELECT", True),
        ("table", "svv_table_info", "select", True),
        ("table", "pg_catalog.pg_namespace", "SELECT, INSERT", True),
        ('table', '"information_schema"."tables"', "SELECT", True),
        ("table", "information_schema.tables", "SELECT WITH GRANT OPTION", True),
        ("table", "pg_class", "INSERT", False),
    ],
)
def test_catalog_objects(kind: str, name: str, privilege: str, expected: bool) -> None:
    asked.clear()
    assert ANSWER("ns", "dev", kind, "ann", name, None, privilege) is expected
    assert asked == []


@pytest.mark.parametrize(
    ("kind", "name"),
    [("schema", "public"), ("table", "customers"), ("table", "public.pg_class"),
     ("table", "information_schema.pg_class"), ("table", "dev.public.t")],
)
def test_other_objects_are_the_servers_to_answer(kind: str, name: str) -> None:
    asked.clear()
    assert ANSWER("ns", "dev", kind, "ann", name, None, "SELECT") is False
    assert asked == [("ns", "dev", kind, "ann", name, None, "SELECT")]


def test_null_arguments_answer_null() -> None:
    asked.clear()
    assert ANSWER("ns", "dev", "schema", "ann", None, None, "USAGE") is None
    assert ANSWER("ns", "dev", "table", None, "t", None, "SELECT") is None
    assert ANSWER("ns", "dev", "table", "ann", "t", None, None) is None
    assert asked == []
