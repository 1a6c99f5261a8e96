"""The engine's text of DOUBLE PRECISION and REAL values (``engine/macros.py``'s ``TEXT``) is
the text the wire protocol sends for such a column (``proxy/codecs/numeric.format_float``):
PostgreSQL's shortest round-trip digits, with its exponent form."""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from engine import macros
from proxy.codecs.numeric import format_float

TEXT = f"{macros.CATALOG}.{macros.SCHEMA}.{macros.TEXT}"


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    macros.install(con)
    return con


def _values(kind: type[np.floating]) -> list[float]:
    rng = np.random.default_rng(7)
    exponents = rng.integers(-40 if kind is np.float32 else -300, 38, 400)
    values = rng.uniform(-10, 10, 400) * np.power(10.0, exponents)
    special = [0.0, 1.0, 2.0, -7.0, 0.1, 1e6, 999999.0, 1234567.0, 1e15, 1e-4, 1.5e-5,
               425640.38]
    with np.errstate(over="ignore"):
        return [float(kind(v)) for v in [*special, *values] if np.isfinite(kind(v))]


@pytest.mark.parametrize(("kind", "duck"), [(np.float32, "REAL"), (np.float64, "DOUBLE")])
def test_text_is_the_wire_text(con: duckdb.DuckDBPyConnection, kind: type[np.floating],
                               duck: str) -> None:
    values = _values(kind)
    rows = con.execute(f"SELECT {TEXT}(CAST(v AS {duck})) FROM unnest(?::DOUBLE[]) AS t(v)",
                       [values]).fetchall()
    single = kind is np.float32
    assert [r[0] for r in rows] == [format_float(v, single=single) for v in values]


@pytest.mark.parametrize("duck", ["REAL", "DOUBLE"])
@pytest.mark.parametrize(("literal", "text"), [
    ("nan", "NaN"), ("inf", "Infinity"), ("-inf", "-Infinity"), ("-0", "-0")])
def test_special_values(con: duckdb.DuckDBPyConnection, duck: str, literal: str,
                        text: str) -> None:
    assert con.execute(f"SELECT {TEXT}(CAST('{literal}' AS {duck}))").fetchone() == (text,)
