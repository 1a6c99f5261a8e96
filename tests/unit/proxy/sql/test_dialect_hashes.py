"""Hash functions: FUNC_SHA1 and SHA2(256) translate; other digests are refused."""

from __future__ import annotations

import pytest

from catalog.errors import FeatureNotSupported
from proxy.sql.context import Context
from proxy.sql.pipeline import StatementCache

CTX = Context("ns", "dev", "alice", {"dev": "__ds_ns__dev"})


def duck(sql: str) -> str:
    stmt = StatementCache().get(sql, CTX)[0]
    assert stmt.duck_sql is not None
    return stmt.duck_sql


def test_func_sha1_and_sha2() -> None:
    assert "SHA1(x)" in duck("select func_sha1(x) from t")
    assert "SHA256(x)" in duck("select sha2(x, 0) from t")


@pytest.mark.parametrize(
    "expr", ["sha2(x, 512)", "sha2(x, 224)", "sha2(x, y)", "fnv_hash(x)", "crc32(x)"]
)
def test_refused(expr: str) -> None:
    with pytest.raises(FeatureNotSupported):
        duck(f"select {expr} from t")
