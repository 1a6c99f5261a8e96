"""pg_catalog relations that have no rows on Duckshift, with PostgreSQL's columns.

Triggers, inheritance, enums, range types, collations beyond the default, sequences,
extensions, rewrite rules, operator classes, materialized views, foreign servers and tables,
row-level security policies, extended statistics, publications, shared comments and two-phase
transactions do not exist here, and SQL-level prepared statements and cursors are not listed;
clients still join them (psql's ``\\d``, SQLAlchemy's reflection, asyncpg's type
introspection, DBeaver's and Metabase's browsing), so they must be there and empty rather than
DuckDB's own, which would show other databases' objects.
"""

from __future__ import annotations

from catalog.views.base import Session, View, values

_EMPTY: dict[str, list[tuple[str, str]]] = {
    "pg_trigger": [
        ("oid", "BIGINT"), ("tgrelid", "BIGINT"), ("tgparentid", "BIGINT"),
        ("tgname", "VARCHAR"), ("tgfoid", "BIGINT"), ("tgtype", "SMALLINT"),
        ("tgenabled", "VARCHAR"), ("tgisinternal", "BOOLEAN"), ("tgconstrrelid", "BIGINT"),
        ("tgconstrindid", "BIGINT"), ("tgconstraint", "BIGINT"), ("tgdeferrable", "BOOLEAN"),
        ("tginitdeferred", "BOOLEAN"), ("tgnargs", "SMALLINT"), ("tgattr", "SMALLINT[]"),
        ("tgargs", "BLOB"), ("tgqual", "VARCHAR"), ("tgoldtable", "VARCHAR"),
        ("tgnewtable", "VARCHAR"),
    ],
    "pg_inherits": [
        ("inhrelid", "BIGINT"), ("inhparent", "BIGINT"), ("inhseqno", "INTEGER"),
        ("inhdetachpending", "BOOLEAN"),
    ],
    "pg_enum": [
        ("oid", "BIGINT"), ("enumtypid", "BIGINT"), ("enumsortorder", "REAL"),
        ("enumlabel", "VARCHAR"),
    ],
    "pg_range": [
        ("rngtypid", "BIGINT"), ("rngsubtype", "BIGINT"), ("rngmultitypid", "BIGINT"),
        ("rngcollation", "BIGINT"), ("rngsubopc", "BIGINT"), ("rngcanonical", "VARCHAR"),
        ("rngsubdiff", "VARCHAR"),
    ],
    "pg_collation": [
        ("oid", "BIGINT"), ("collname", "VARCHAR"), ("collnamespace", "BIGINT"),
        ("collowner", "BIGINT"), ("collprovider", "VARCHAR"), ("collisdeterministic", "BOOLEAN"),
        ("collencoding", "INTEGER"), ("collcollate", "VARCHAR"), ("collctype", "VARCHAR"),
        ("colliculocale", "VARCHAR"), ("collversion", "VARCHAR"),
    ],
    "pg_sequence": [
        ("seqrelid", "BIGINT"), ("seqtypid", "BIGINT"), ("seqstart", "BIGINT"),
        ("seqincrement", "BIGINT"), ("seqmax", "BIGINT"), ("seqmin", "BIGINT"),
        ("seqcache", "BIGINT"), ("seqcycle", "BOOLEAN"),
    ],
    "pg_sequences": [
        ("schemaname", "VARCHAR"), ("sequencename", "VARCHAR"), ("sequenceowner", "VARCHAR"),
        ("data_type", "VARCHAR"), ("start_value", "BIGINT"), ("min_value", "BIGINT"),
        ("max_value", "BIGINT"), ("increment_by", "BIGINT"), ("cycle", "BOOLEAN"),
        ("cache_size", "BIGINT"), ("last_value", "BIGINT"),
    ],
    "pg_rewrite": [
        ("oid", "BIGINT"), ("rulename", "VARCHAR"), ("ev_class", "BIGINT"),
        ("ev_type", "VARCHAR"), ("ev_enabled", "VARCHAR"), ("is_instead", "BOOLEAN"),
        ("ev_qual", "VARCHAR"), ("ev_action", "VARCHAR"),
    ],
    "pg_prepared_statements": [
        ("name", "VARCHAR"), ("statement", "VARCHAR"),
        ("prepare_time", "TIMESTAMP WITH TIME ZONE"), ("parameter_types", "VARCHAR[]"),
        ("from_sql", "BOOLEAN"), ("generic_plans", "BIGINT"), ("custom_plans", "BIGINT"),
    ],
    "pg_extension": [
        ("oid", "BIGINT"), ("extname", "VARCHAR"), ("extowner", "BIGINT"),
        ("extnamespace", "BIGINT"), ("extrelocatable", "BOOLEAN"), ("extversion", "VARCHAR"),
        ("extconfig", "UINTEGER[]"), ("extcondition", "VARCHAR[]"),
    ],
    "pg_matviews": [
        ("schemaname", "VARCHAR"), ("matviewname", "VARCHAR"), ("matviewowner", "VARCHAR"),
        ("tablespace", "VARCHAR"), ("hasindexes", "BOOLEAN"), ("ispopulated", "BOOLEAN"),
        ("definition", "VARCHAR"),
    ],
    "pg_foreign_data_wrapper": [
        ("oid", "BIGINT"), ("fdwname", "VARCHAR"), ("fdwowner", "BIGINT"),
        ("fdwhandler", "BIGINT"), ("fdwvalidator", "BIGINT"), ("fdwacl", "VARCHAR[]"),
        ("fdwoptions", "VARCHAR[]"),
    ],
    "pg_foreign_server": [
        ("oid", "BIGINT"), ("srvname", "VARCHAR"), ("srvowner", "BIGINT"), ("srvfdw", "BIGINT"),
        ("srvtype", "VARCHAR"), ("srvversion", "VARCHAR"), ("srvacl", "VARCHAR[]"),
        ("srvoptions", "VARCHAR[]"),
    ],
    "pg_foreign_table": [
        ("ftrelid", "BIGINT"), ("ftserver", "BIGINT"), ("ftoptions", "VARCHAR[]"),
    ],
    "pg_policy": [
        ("oid", "BIGINT"), ("polname", "VARCHAR"), ("polrelid", "BIGINT"),
        ("polcmd", "VARCHAR"), ("polpermissive", "BOOLEAN"), ("polroles", "UINTEGER[]"),
        ("polqual", "VARCHAR"), ("polwithcheck", "VARCHAR"),
    ],
    "pg_statistic_ext": [
        ("oid", "BIGINT"), ("stxrelid", "BIGINT"), ("stxname", "VARCHAR"),
        ("stxnamespace", "BIGINT"), ("stxowner", "BIGINT"), ("stxstattarget", "INTEGER"),
        ("stxkeys", "SMALLINT[]"), ("stxkind", "VARCHAR[]"), ("stxexprs", "VARCHAR"),
    ],
    "pg_publication": [
        ("oid", "BIGINT"), ("pubname", "VARCHAR"), ("pubowner", "BIGINT"),
        ("puballtables", "BOOLEAN"), ("pubinsert", "BOOLEAN"), ("pubupdate", "BOOLEAN"),
        ("pubdelete", "BOOLEAN"), ("pubtruncate", "BOOLEAN"), ("pubviaroot", "BOOLEAN"),
    ],
    "pg_publication_rel": [
        ("oid", "BIGINT"), ("prpubid", "BIGINT"), ("prrelid", "BIGINT"), ("prqual", "VARCHAR"),
        ("prattrs", "SMALLINT[]"),
    ],
    "pg_publication_namespace": [
        ("oid", "BIGINT"), ("pnpubid", "BIGINT"), ("pnnspid", "BIGINT"),
    ],
    "pg_shdescription": [
        ("objoid", "BIGINT"), ("classoid", "BIGINT"), ("description", "VARCHAR"),
    ],
    "pg_prepared_xacts": [
        ("transaction", "BIGINT"), ("gid", "VARCHAR"),
        ("prepared", "TIMESTAMP WITH TIME ZONE"), ("owner", "VARCHAR"), ("database", "VARCHAR"),
    ],
    "pg_opclass": [
        ("oid", "BIGINT"), ("opcmethod", "BIGINT"), ("opcname", "VARCHAR"),
        ("opcnamespace", "BIGINT"), ("opcowner", "BIGINT"), ("opcfamily", "BIGINT"),
        ("opcintype", "BIGINT"), ("opcdefault", "BOOLEAN"), ("opckeytype", "BIGINT"),
    ],
}


def _view(name: str, columns: list[tuple[str, str]]) -> View:
    def sql(session: Session) -> str:
        return values([], columns)

    return View("pg_catalog", name, sql)


VIEWS = tuple(_view(name, columns) for name, columns in _EMPTY.items())
