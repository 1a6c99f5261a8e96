"""The grammar of Redshift's COPY from files and UNLOAD (proxy/sql/commands.py)."""

from __future__ import annotations

import pytest

from catalog.errors import FeatureNotSupported, SQLError, SyntaxError_
from proxy.sql.commands import Copy, recognize
from proxy.sql.split import split


def rec(sql: str) -> Copy:
    cmd = recognize(split(sql)[0])
    assert isinstance(cmd, Copy)
    return cmd


def test_copy_from_a_file_with_redshift_options() -> None:
    cmd = rec(
        "COPY sales (id, name) FROM '/data/sales_' IAM_ROLE 'arn:aws:iam::1:role/r' "
        "REGION 'us-east-1' FORMAT AS CSV QUOTE AS '\"' DELIMITER AS ';' IGNOREHEADER 1 "
        "NULL AS 'NIL' GZIP"
    )
    assert (cmd.direction, cmd.table, cmd.columns, cmd.path, cmd.unload) == (
        "in", "sales", ("id", "name"), "/data/sales_", False
    )
    assert cmd.options == {"format": "csv", "quote": '"', "delimiter": ";",
                           "ignoreheader": "1", "null": "NIL", "compression": "gzip"}


@pytest.mark.parametrize(
    ("sql", "options"),
    [
        ("COPY t FROM 'file:///d/x'", {}),
        ("COPY t FROM '/d/x' CSV", {"format": "csv"}),
        ("COPY t FROM '/d/x' PARQUET", {"format": "parquet"}),
        ("COPY t FROM '/d/x' FORMAT PARQUET IAM_ROLE DEFAULT", {"format": "parquet"}),
        ("COPY t FROM '/d/x' JSON 'auto'", {"format": "json", "json": "auto"}),
        ("COPY t FROM '/d/x' FORMAT AS JSON 'auto ignorecase' ZSTD",
         {"format": "json", "json": "auto ignorecase", "compression": "zstd"}),
        ("COPY t FROM '/d/x' WITH CREDENTIALS AS 'aws_iam_role=x' DELIMITER '|'",
         {"delimiter": "|"}),
    ],
)
def test_copy_from_options(sql: str, options: dict[str, object]) -> None:
    assert rec(sql).options == options


def test_copy_to_a_file_keeps_postgresql_options() -> None:
    cmd = rec("COPY (SELECT 1) TO '/tmp/x.csv' (FORMAT csv, HEADER)")
    assert (cmd.direction, cmd.query, cmd.path) == ("out", "SELECT 1", "/tmp/x.csv")
    assert cmd.options == {"format": "csv", "header": True}


def test_unload() -> None:
    cmd = rec(
        "UNLOAD ('select * from t where name = ''x''') TO '/out/t_' IAM_ROLE 'arn' "
        "FORMAT AS CSV HEADER DELIMITER AS ',' NULL AS 'n' ALLOWOVERWRITE PARALLEL OFF "
        "EXTENSION 'csv' GZIP"
    )
    assert (cmd.direction, cmd.query, cmd.path, cmd.unload) == (
        "out", "select * from t where name = 'x'", "/out/t_", True
    )
    assert cmd.options == {"format": "csv", "header": True, "delimiter": ",", "null": "n",
                           "allowoverwrite": True, "parallel": False, "extension": "csv",
                           "compression": "gzip"}
    assert rec("UNLOAD ('select 1') TO '/o/' PARQUET PARALLEL").options == {
        "format": "parquet", "parallel": True
    }


@pytest.mark.parametrize(
    ("sql", "cls", "message"),
    [
        ("COPY t FROM '/x' FORMAT AS ORC", FeatureNotSupported,
         'feature not supported on Duckshift: COPY format "ORC"'),
        ("COPY t FROM '/x' JSON 's3://b/jsonpaths.json'", FeatureNotSupported,
         "feature not supported on Duckshift: COPY JSON 's3://b/jsonpaths.json' "
         "(only 'auto' and 'auto ignorecase')"),
        ("COPY t FROM '/x' MAXERROR 5", FeatureNotSupported,
         'feature not supported on Duckshift: COPY option "MAXERROR"'),
        ("COPY t FROM '/x' HEADER", FeatureNotSupported,
         'feature not supported on Duckshift: COPY option "HEADER"'),
        ("COPY t FROM '/x' IGNOREHEADER x", SyntaxError_, 'syntax error at or near "x"'),
        ("COPY t FROM '/x' DELIMITER 1", SyntaxError_, 'syntax error at or near "1"'),
        ("COPY t FROM '/x' NULL AS", SyntaxError_, "syntax error at end of input"),
        ("COPY (SELECT 1) FROM '/x'", SyntaxError_, "syntax error at or near \"'/x'\""),
        ("UNLOAD ('select 1') TO '/x' IGNOREHEADER 1", FeatureNotSupported,
         'feature not supported on Duckshift: UNLOAD option "IGNOREHEADER"'),
        ("UNLOAD ('select 1') TO '/x' MANIFEST", FeatureNotSupported,
         'feature not supported on Duckshift: UNLOAD option "MANIFEST"'),
        ("UNLOAD ('select 1') TO '/x' PARTITION BY (a)", FeatureNotSupported,
         'feature not supported on Duckshift: UNLOAD option "PARTITION BY"'),
        ("UNLOAD (select 1) TO '/x'", SyntaxError_, 'syntax error at or near "select"'),
        ("UNLOAD ('select 1') '/x'", SyntaxError_, "syntax error at or near \"'/x'\""),
        ("UNLOAD ('select 1') TO", SyntaxError_, "syntax error at end of input"),
        ("UNLOAD 'select 1' TO '/x'", SyntaxError_, "syntax error at or near \"'select 1'\""),
    ],
)
def test_refused(sql: str, cls: type[SQLError], message: str) -> None:
    with pytest.raises(cls) as info:
        recognize(split(sql)[0])
    assert type(info.value) is cls
    assert info.value.message == message
