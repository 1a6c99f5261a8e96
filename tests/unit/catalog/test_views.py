"""The virtual catalog on an in-memory DuckDB: per-session rows, no leaks, stable OIDs, PG types.

Two namespaces share one DuckDB, as on the server: namespace ``a`` has databases dev and other,
namespace ``b`` has its own dev. A session of ``a`` in dev must see only dev's objects (and
both of its database names in pg_database), never ``b``'s table, users or roles, nor any
internal alias. The system database holds both namespaces' users: alice (a's first
superuser, who owns what has no recorded owner) and bob in ``a``, secret_of_b_admin in ``b``.
"""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from catalog.datashares import Datashares
from catalog.errors import FeatureNotSupported, InsufficientPrivilege
from catalog.monitoring import LIVE_FUNCTION, MonitoringStore
from catalog.passwords import make_verifiers
from catalog.procedures import Procedures
from catalog.scaling_log import ScalingLog
from catalog.security import Grant, Grantee, ObjectKey, Security
from catalog.store import SYSTEM_ALIAS, SYSTEM_SCHEMA, Catalog
from catalog.views import VIEWS, View, find
from catalog.views.base import lit, user_oid, user_oid_expr
from catalog.views.pg_type import DUCKDB_TYPES, pretty_names
from engine import macros, table_metadata
from proxy.codecs.types import pg_type, pg_type_from_duckdb
from proxy.sql.context import Context
from proxy.sql.pipeline import translate
from proxy.sql.split import split

A_DEV = "__ds_a__dev"
ALIASES = (A_DEV, "__ds_a__other", "__ds_b__dev")
CTX = Context("a", "dev", "alice", {"dev": A_DEV, "other": "__ds_a__other"}, superuser=True)


def _identities(con: duckdb.DuckDBPyConnection) -> None:
    """Users, roles and grants of both namespaces in the system database."""
    con.execute(f"ATTACH ':memory:' AS {SYSTEM_ALIAS}")
    catalog = Catalog(con.cursor(), SYSTEM_SCHEMA)
    security = Security(con.cursor(), SYSTEM_SCHEMA)
    Datashares(con.cursor(), SYSTEM_SCHEMA)
    Procedures(con.cursor(), SYSTEM_SCHEMA)  # pg_proc's stored procedures
    ScalingLog(con.cursor(), SYSTEM_SCHEMA)  # sys_serverless_scaling's table
    # The workload-management views read these tables and the server's function of rows
    # still in memory (none here).
    MonitoringStore(con.cursor(), SYSTEM_SCHEMA)
    con.create_function(LIVE_FUNCTION, lambda kind: "[]", ["VARCHAR"], "VARCHAR",  # type: ignore[arg-type]
                        side_effects=True)
    verifiers = make_verifiers("x", "Secret123")
    catalog.create_user("a", "alice", verifiers, superuser=True, createdb=True)
    catalog.create_user("a", "bob", verifiers, connection_limit=3)
    catalog.create_user("b", "secret_of_b_admin", verifiers, superuser=True)
    security.create_role("a", "analysts", "alice", None)
    security.create_role("b", "secret_of_b_role", "secret_of_b_admin", None)
    security.grant_role("a", Grantee("user", "bob"), "analysts", admin_option=False)
    security.grant_role("b", Grantee("user", "secret_of_b_admin"), "secret_of_b_role", True)
    security.set_owner("a", ObjectKey("table", "dev", "stage", "raw"), "bob")
    security.add_grants("a", [
        Grant(ObjectKey("table", "dev", "public", "sales"), "SELECT", Grantee("user", "bob"),
              grantor="alice"),
        Grant(ObjectKey("table", "dev", "public", "sales"), "UPDATE",
              Grantee("role", "analysts"), column="price", grantor="alice"),
        Grant(ObjectKey("schema", "dev", "public"), "USAGE", Grantee("public"),
              grantor="alice"),
    ])
    security.add_grants("b", [
        Grant(ObjectKey("table", "dev", "public", "sales"), "SELECT",
              Grantee("role", "secret_of_b_role"), grantor="secret_of_b_admin"),
    ])


def _engine() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    macros.install(con)  # translations call the engine's macros (an integer cast, say)
    _identities(con)
    for alias in ALIASES:
        con.execute(f"ATTACH ':memory:' AS {alias}")
        con.execute(f"CREATE SCHEMA {alias}.public")
        table_metadata.ensure(con, alias)
    con.execute(f"USE {A_DEV}.public")
    con.execute(f"SET search_path = '{A_DEV}.public'")
    con.execute(
        "CREATE TABLE sales (id INTEGER PRIMARY KEY, name VARCHAR(20) NOT NULL DEFAULT 'x', "
        "price DECIMAL(8,2), qty SMALLINT, tags INTEGER[], sold TIMESTAMP, "
        "parent INTEGER REFERENCES sales(id), UNIQUE (name, qty))"
    )
    con.execute(f"CREATE VIEW v_sales AS SELECT id FROM {A_DEV}.public.sales")
    con.execute("COMMENT ON TABLE sales IS 'all the sales'")
    con.execute(f"CREATE SCHEMA {A_DEV}.stage")
    con.execute(f"CREATE TABLE {A_DEV}.stage.raw (x BIGINT)")
    con.execute("CREATE TABLE __ds_a__other.public.elsewhere (y INTEGER)")
    con.execute("CREATE TABLE __ds_b__dev.public.secret_of_b (z INTEGER)")
    return con


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = _engine()
    yield c
    c.close()


def query(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    """Translate ``sql`` as the session CTX would and run it."""
    stmt = translate(split(sql)[0], CTX)
    assert stmt.duck_sql is not None
    return con.execute(stmt.duck_sql).fetchall()


# Redshift's cross-database views: they list every database of the namespace.
NAMESPACE_WIDE = frozenset({
    "svv_all_schemas", "svv_all_tables", "svv_all_columns", "svv_redshift_schemas",
    "svv_redshift_tables", "svv_redshift_columns",
})


@pytest.mark.parametrize("view", VIEWS, ids=lambda v: f"{v.schema}.{v.name}")
def test_every_view_runs_and_leaks_nothing(con: duckdb.DuckDBPyConnection, view: View) -> None:
    rows = con.execute(view.sql(CTX)).fetchall()
    text = repr(rows)
    assert "__ds_" not in text
    foreign = ["secret_of_b", "'main'"]
    if view.name not in NAMESPACE_WIDE:
        foreign.append("elsewhere")
    for name in foreign:
        assert name not in text


def test_relations_of_the_current_database_only(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(con, "select relname, relkind from pg_class where relnamespace <> 11 order by 1")
    assert rows == [
        ("raw", "r"), ("sales", "r"), ("sales_id_pkey", "i"), ("sales_name_qty_key", "i"),
        ("v_sales", "v"),
    ]
    assert query(con, "select datname from pg_database order by 1") == [("dev",), ("other",)]
    schemas = query(con, "select nspname, oid from pg_namespace order by oid")
    assert schemas[:3] == [("pg_catalog", 11), ("public", 2200), ("information_schema", 13000)]
    assert [s for s, _ in schemas] == ["pg_catalog", "public", "information_schema", "stage"]


def test_oids_are_consistent_across_views(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(
        con,
        "select count(*) from pg_attribute a join pg_class c on c.oid = a.attrelid "
        "join pg_namespace n on n.oid = c.relnamespace where c.relname = 'sales'",
    )
    assert rows == [(7,)]
    (oid,) = query(con, "select 'sales'::regclass::oid")[0]
    assert oid >= 16384
    assert query(con, "select oid from pg_class where relname = 'sales'") == [(oid,)]
    assert query(con, "select attrelid from pg_attribute where attname = 'price'") == [(oid,)]
    assert query(con, "select objoid, classoid from pg_description") == [(oid, 1259)]
    assert query(con, "select 'pg_class'::regclass::oid, 'public.sales'::regclass::oid") == [
        (1259, oid)
    ]
    # a regclass value prints as the relation's name
    assert query(con, "select 'public.sales'::regclass, oid::regclass from pg_class "
                      "where relname = 'sales'") == [("sales", "sales")]


def test_oids_are_stable_across_restarts(con: duckdb.DuckDBPyConnection) -> None:
    other = _engine()
    sql = "select relname, oid from pg_class order by 1"
    assert query(con, sql) == [tuple(r) for r in other.execute(translate(
        split(sql)[0], CTX).duck_sql or "").fetchall()]
    other.close()


def test_attribute_types_are_postgresql_encoded(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(
        con,
        "select a.attname, a.atttypid, a.atttypmod, a.attlen, a.attnotnull, "
        "format_type(a.atttypid, a.atttypmod) from pg_attribute a "
        "where a.attrelid = 'sales'::regclass order by a.attnum",
    )
    assert rows == [
        ("id", 23, -1, 4, True, "integer"),
        ("name", 1043, -1, -1, True, "character varying"),
        ("price", 1700, (8 << 16 | 2) + 4, -1, False, "numeric(8,2)"),
        ("qty", 21, -1, 2, False, "smallint"),
        ("tags", 1007, -1, -1, False, "integer[]"),
        ("sold", 1114, -1, 8, False, "timestamp without time zone"),
        ("parent", 23, -1, 4, False, "integer"),
    ]


def test_information_schema_columns_use_postgresql_names(
    con: duckdb.DuckDBPyConnection,
) -> None:
    rows = query(
        con,
        "select column_name, data_type, udt_name, numeric_precision, numeric_scale, "
        "is_nullable, column_default from information_schema.columns "
        "where table_name = 'sales' order by ordinal_position",
    )
    assert rows[:4] == [
        ("id", "integer", "int4", 32, 0, "NO", None),
        ("name", "character varying", "varchar", None, None, "NO", "'x'"),
        ("price", "numeric", "numeric", 8, 2, "YES", None),
        ("qty", "smallint", "int2", 16, 0, "YES", None),
    ]
    assert rows[4][1:3] == ("ARRAY", "_int4")
    tables = query(con, "select table_catalog, table_schema, table_name, table_type "
                        "from information_schema.tables order by 3")
    assert tables == [
        ("dev", "stage", "raw", "BASE TABLE"), ("dev", "public", "sales", "BASE TABLE"),
        ("dev", "public", "v_sales", "VIEW"),
    ]


def test_views_show_their_query_with_redshift_database_names(
    con: duckdb.DuckDBPyConnection,
) -> None:
    (definition,) = query(con, "select definition from pg_views where viewname = 'v_sales'")[0]
    assert "dev.public.sales" in definition
    assert query(con, "select pg_get_viewdef('v_sales'::regclass, true)") == [(definition,)]


def test_constraints_and_indexes(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(
        con,
        "select conname, contype, conkey, confkey, pg_get_constraintdef(oid, true) "
        "from pg_constraint order by conname",
    )
    assert rows == [
        ("sales_id_pkey", "p", [1], None, "PRIMARY KEY (id)"),
        ("sales_name_qty_key", "u", [2, 4], None, "UNIQUE (name, qty)"),
        ("sales_parent_id_fkey", "f", [7], [1], "FOREIGN KEY (parent) REFERENCES public.sales(id)"),
    ]
    rows = query(
        con,
        "select c2.relname, i.indisprimary, i.indkey from pg_index i "
        "join pg_class c2 on c2.oid = i.indexrelid where i.indrelid = 'sales'::regclass "
        "order by 1",
    )
    assert rows == [("sales_id_pkey", True, [1]), ("sales_name_qty_key", False, [2, 4])]


def test_visibility_and_search_path_functions(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(
        con,
        "select c.relname from pg_catalog.pg_class c where pg_catalog.pg_table_is_visible(c.oid) "
        "and c.relkind = 'r' and c.relnamespace <> 11 order by 1",
    )
    assert rows == [("sales",)]  # stage is not on the search path
    assert query(con, "select current_schemas(true), current_schemas(false), current_schema()") == [
        (["pg_catalog", "public"], ["public"], "public")
    ]
    assert query(con, "select pg_get_userbyid(relowner) from pg_class where relname = 'sales'") == [
        ("alice",)
    ]
    assert query(con, "select usename from pg_user u join pg_class c on c.relowner = u.usesysid "
                      "where c.relname = 'sales'") == [("alice",)]


def test_description_functions(con: duckdb.DuckDBPyConnection) -> None:
    assert query(
        con, "select obj_description(c.oid, 'pg_class'), col_description(c.oid, 1) "
             "from pg_class c where relname = 'sales'"
    ) == [("all the sales", None)]


def test_regtype(con: duckdb.DuckDBPyConnection) -> None:
    assert query(
        con,
        "select 'int4'::regtype::oid, 'pg_catalog.varchar'::regtype::oid, 23::regtype::text, "
        "0::regtype::text, to_regtype('numeric'), 'int4'::regtype",
    ) == [(23, 1043, "integer", "-", 1700, "integer")]
    assert query(con, "select typname, typinput from pg_type where oid = 1007 "
                      "and typinput = 'pg_catalog.array_in'::regproc") == [("_int4", "array_in")]


def test_redshift_views(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(con, 'select tablename, "column", type, "notnull" from pg_table_def '
                      "where tablename = 'sales'")
    assert rows[2] == ("sales", "price", "numeric(8,2)", False)
    assert {r[0] for r in query(con, "select tablename from pg_table_def")} == {"sales"}
    assert query(con, "select count(*) from svv_external_schemas") == [(0,)]
    assert query(con, "select table_name from svv_tables order by 1") == [
        ("raw",), ("sales",), ("v_sales",)
    ]
    assert query(con, "select data_type from svv_columns where column_name = 'price'") == [
        ("numeric",)
    ]


def test_other_database_by_three_part_name(con: duckdb.DuckDBPyConnection) -> None:
    sql = "select relname from other.pg_catalog.pg_class where relnamespace = 2200"
    assert query(con, sql) == [("elsewhere",)]


def test_what_is_not_a_catalog_relation_is_left_alone() -> None:
    cte = translate(split("with pg_class as (select 1 as x) select x from pg_class")[0], CTX)
    assert "duckdb_tables" not in (cte.duck_sql or "")
    tables = translate(split("select * from tables")[0], CTX)
    assert "duckdb_" not in (tables.duck_sql or "")


def test_user_sql_still_may_not_call_engine_functions() -> None:
    with pytest.raises(InsufficientPrivilege):
        translate(split("select * from duckdb_tables()")[0], CTX)


def test_type_mapping_agrees_with_the_codecs() -> None:
    # pg_attribute must say what RowDescription says for the same column.
    for duck, oid in DUCKDB_TYPES.items():
        assert pg_type_from_duckdb(duck).oid == oid, duck
    for oid, name in pretty_names().items():
        if oid in (16, 20, 21, 23, 25, 700, 701, 1043, 1082, 1114, 1700, 1007, 1015):
            assert pg_type(oid).name == name


def test_find() -> None:
    assert find(None, "svv_tables") is not None
    assert find("information_schema", "columns") is not None
    assert find(None, "columns") is None


def test_schema_qualified_column_references(con: duckdb.DuckDBPyConnection) -> None:
    # SQLAlchemy's reflection spells columns pg_catalog.pg_class.relname.
    rows = query(
        con,
        "select pg_catalog.pg_class.relname from pg_catalog.pg_class join pg_catalog.pg_namespace "
        "on pg_catalog.pg_namespace.oid = pg_catalog.pg_class.relnamespace "
        "where pg_catalog.pg_namespace.nspname = 'public' and pg_catalog.pg_class.relkind = 'v'",
    )
    assert rows == [("v_sales",)]


def test_information_schema_constraints(con: duckdb.DuckDBPyConnection) -> None:
    assert query(con, "select constraint_name, constraint_type, table_name "
                      "from information_schema.table_constraints order by 1") == [
        ("sales_id_pkey", "PRIMARY KEY", "sales"),
        ("sales_name_qty_key", "UNIQUE", "sales"),
        ("sales_parent_id_fkey", "FOREIGN KEY", "sales"),
    ]
    assert query(con, "select constraint_name, column_name, ordinal_position, "
                      "position_in_unique_constraint from information_schema.key_column_usage "
                      "order by 1, 3") == [
        ("sales_id_pkey", "id", 1, None),
        ("sales_name_qty_key", "name", 1, None),
        ("sales_name_qty_key", "qty", 2, None),
        ("sales_parent_id_fkey", "parent", 1, 1),
    ]
    assert query(con, "select constraint_name, unique_constraint_name, delete_rule "
                      "from information_schema.referential_constraints") == [
        ("sales_parent_id_fkey", "sales_id_pkey", "NO ACTION")
    ]
    assert query(con, "select table_name, column_name from "
                      "information_schema.constraint_column_usage "
                      "where constraint_name = 'sales_parent_id_fkey'") == [("sales", "id")]
    assert query(con, "select count(*) from information_schema.check_constraints") == [(0,)]


def test_routines_parameters_and_procedures_are_empty(con: duckdb.DuckDBPyConnection) -> None:
    # No SQL UDF or stored procedure exists in these databases.
    for sql in ("select routine_name, routine_type, specific_name from information_schema.routines",
                "select parameter_name, data_type from information_schema.parameters",
                "select prooid, prokind, proname from pg_proc_info"):
        assert query(con, sql) == []


def test_privileges_of_the_owner_and_the_grants(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(con, "select grantor, grantee, privilege_type, is_grantable "
                      "from information_schema.table_privileges where table_name = 'sales' "
                      "and privilege_type in ('SELECT', 'INSERT') order by 2, 3")
    assert rows == [("alice", "alice", "INSERT", "YES"), ("alice", "alice", "SELECT", "YES"),
                    ("alice", "bob", "SELECT", "NO")]
    # The owner's four column privileges on each of the 7 columns, bob's table-level SELECT
    # on each, and the role's UPDATE on one column.
    assert query(con, "select count(*) from information_schema.column_privileges "
                      "where table_name = 'sales'") == [(7 * 4 + 7 + 1,)]
    assert query(con, "select grantee, privilege_type from information_schema.column_privileges "
                      "where column_name = 'price' and grantee <> 'alice' order by 1") == [
        ("analysts", "UPDATE"), ("bob", "SELECT")]


def test_catalog_table_functions(con: duckdb.DuckDBPyConnection) -> None:
    assert query(con, "select current_database as table_cat from current_database()") == [
        ("dev",)
    ]
    assert query(con, "select * from pg_get_late_binding_view_cols() "
                      "cols(view_schema name, view_name name, col_name name, "
                      "col_type varchar, col_num int)") == []
    assert query(con, "select lbv.columnname from pg_get_late_binding_view_cols() lbv") == []
    rows = query(con, "select word, catcode from pg_catalog.pg_get_keywords() "
                      "where word in ('select', 'abort') order by 1")
    assert rows == [("abort", "U"), ("select", "R")]
    assert query(con, "select count(*) from pg_catalog.generate_series(1, 3) pos(n)") == [(3,)]


def test_array_helpers(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(
        con,
        "select (information_schema._pg_expandarray(con.conkey)).n as key_seq, "
        "information_schema._pg_expandarray(con.conkey) as keys "
        "from pg_catalog.pg_constraint con where con.contype = 'u'",
    )
    assert rows == [(1, {"x": 2, "n": 1}), (2, {"x": 4, "n": 2})]
    assert query(con, "select array_upper(current_schemas(false), 1), "
                      "array_lower(current_schemas(false), 1), array_upper(conkey, 2) "
                      "from pg_constraint where contype = 'p'") == [(1, 1, None)]


def test_settings_functions(con: duckdb.DuckDBPyConnection) -> None:
    assert query(con, "select set_config('jit', 'off', false)") == [("off",)]
    with pytest.raises(FeatureNotSupported):
        translate(split("select set_config('search_path', 'x', false)")[0], CTX)


def test_svv_table_info_and_tablespaces(con: duckdb.DuckDBPyConnection) -> None:
    rows = query(con, 'select "schema", "table", diststyle, sortkey1, tbl_rows, database '
                      "from svv_table_info order by 2")
    assert rows == [("stage", "raw", "AUTO(EVEN)", None, 0, "dev"),
                    ("public", "sales", "AUTO(EVEN)", None, 0, "dev")]
    assert query(con, "select table_id from svv_table_info where \"table\" = 'sales'") == query(
        con, "select oid from pg_class where relname = 'sales'")
    assert query(con, "select oid, spcname from pg_tablespace order by 1") == [
        (1663, "pg_default"), (1664, "pg_global")
    ]
    assert query(con, "select database_name from svv_redshift_databases order by 1") == [
        ("dev",), ("other",)
    ]
    assert query(con, "select database_name, table_name, table_type from svv_all_tables "
                      "order by 2") == [
        ("other", "elsewhere", "TABLE"), ("dev", "raw", "TABLE"), ("dev", "sales", "TABLE"),
        ("dev", "v_sales", "VIEW"),
    ]


def test_declared_attributes_reach_svv_table_info_and_pg_table_def() -> None:
    con = _engine()
    attrs = table_metadata.qualified(A_DEV, table_metadata.TABLE_ATTRIBUTES)
    cols = table_metadata.qualified(A_DEV, table_metadata.COLUMN_ATTRIBUTES)
    con.execute(f"INSERT INTO {attrs} VALUES ('public', 'sales', 'KEY', 'id', 'COMPOUND', "
                "['qty', 'id'], NULL), ('stage', 'raw', 'ALL', NULL, 'INTERLEAVED', ['x'], NULL)")
    con.execute(f"INSERT INTO {cols} VALUES ('public', 'sales', 'qty', 'az64', NULL, NULL, NULL, "
                "NULL), ('public', 'sales', 'name', 'raw', NULL, NULL, NULL, NULL)")
    assert query(con, 'select "table", diststyle, sortkey1, sortkey1_enc, sortkey_num, encoded '
                      "from svv_table_info order by 1") == [
        ("raw", "ALL", "INTERLEAVED", "none", 1, "N"),
        ("sales", "KEY(id)", "qty", "az64", 2, "Y"),
    ]
    assert query(con, 'select "column", encoding, distkey, sortkey from pg_table_def '
                      "where tablename = 'sales' and \"column\" in ('id', 'name', 'qty') "
                      "order by 1") == [
        ("id", "none", True, 2), ("name", "raw", False, 0), ("qty", "az64", False, 1),
    ]
    con.close()


@pytest.mark.parametrize("name", ["admin", "u1", "sys:dba", "Ünïcode"])
def test_user_oid_in_python_is_the_sql_one(name: str) -> None:
    # SHOW GRANTS numbers users in Python as pg_user and the SVV views do in SQL.
    sql = f"SELECT {user_oid_expr(lit(name))}"
    assert duckdb.connect().execute(sql).fetchone() == (user_oid(name),)


def test_super_columns_are_shown_as_super() -> None:
    # DuckDB's JSON is Redshift's SUPER: format_type names it as Redshift does, while the OID
    # stays json's, which RowDescription sends.
    assert DUCKDB_TYPES["JSON"] == 114
    assert pretty_names()[114] == "super"
