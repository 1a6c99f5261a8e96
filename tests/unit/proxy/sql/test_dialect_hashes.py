"""Hash functions: FUNC_SHA1 and SHA2(256) translate, FNV_HASH and CRC32 are the engine's own;
other digests are refused."""

from __future__ import annotations

import pytest

from catalog.errors import FeatureNotSupported, UndefinedFunction
from engine import hash_functions
from engine.hash_functions import crc32c, fnv1a
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
    "expr", ["sha2(x, 512)", "sha2(x, 224)", "sha2(x, y)"]
)
def test_refused(expr: str) -> None:
    with pytest.raises(FeatureNotSupported):
        duck(f"select {expr} from t")


def test_fnv_hash_and_crc32_reproduce_redshift_examples() -> None:
    assert fnv1a(b"Amazon Redshift") == 7783490368944507294
    assert fnv1a((1).to_bytes(4, "little")) == -5968735742475085980
    assert fnv1a(b"cd", fnv1a(b"ab")) == fnv1a(b"abcd") == -281581062704388899
    assert f"{crc32c(b'Amazon Redshift'):08x}" == "f2726906"


def test_fnv_hash_calls_the_engine_macro() -> None:
    assert f"memory.main.{hash_functions.FNV_HASH}(x, 7)" in duck("select fnv_hash(x, 7) from t")
    with pytest.raises(UndefinedFunction):
        duck("select crc32(x, 1) from t")
