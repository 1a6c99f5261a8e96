"""The finder that answers "not installed" for pandas without searching sys.path."""

from __future__ import annotations

import importlib
import sys

import duckdb
import pyarrow as pa
import pytest

from engine.instance import _AbsentModule


class _Counting:
    """A finder that only counts the look-ups that reach it."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, fullname: str, path: object = None, target: object = None) -> None:
        self.names.append(fullname)


def test_refused_before_any_other_finder(monkeypatch: pytest.MonkeyPatch) -> None:
    counting = _Counting()
    monkeypatch.setattr(sys, "meta_path", [_AbsentModule("absent_mod"), counting,
                                           *sys.meta_path])
    with pytest.raises(ModuleNotFoundError) as info:
        importlib.import_module("absent_mod.sub")
    assert info.value.name in ("absent_mod", "absent_mod.sub")
    assert "absent_mod" not in counting.names
    # Other modules are left to the next finders.
    importlib.import_module("json")
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("absent_mod_not")
    assert "absent_mod_not" in counting.names


def test_duckdb_parameters_and_pyarrow_work_with_pandas_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if "pandas" in sys.modules:
        pytest.skip("pandas is installed here")
    counting = _Counting()
    monkeypatch.setattr(sys, "meta_path", [_AbsentModule("pandas"), counting, *sys.meta_path])
    con = duckdb.connect()
    assert con.execute("SELECT $1::INTEGER + 1", [41]).fetchone() == (42,)
    assert pa.table({"a": [1, 2]}).num_rows == 2
    assert "pandas" not in counting.names
