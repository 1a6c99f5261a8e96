"""The second wall: DuckDB itself, opened and locked down as the server does, refuses to reach
files, extensions and settings even when SQL gets past the front end; and the engine attaches
only plainly named databases, never two under one alias."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from catalog.errors import DuplicateDatabase, InvalidCatalogName
from engine.instance import Engine, setting_names
from engine.storage import LocalStorage


@pytest.fixture
def locked(tmp_path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, Path, Path]]:
    """A session cursor of a locked-down engine; a canary dir outside it; its copy dir."""
    canary, copy_dir = tmp_path / "canary", tmp_path / "copy"
    canary.mkdir()
    copy_dir.mkdir()
    (canary / "secret.csv").write_text("a,b\n1,CANARY\n")
    (copy_dir / "ok.csv").write_text("a,b\n1,fine\n")
    data = tmp_path / "data"
    data.mkdir()
    engine = Engine(data, LocalStorage(data), threads=2)
    alias = engine.attach("ns", "dev")
    engine.lock_down([copy_dir])
    cur = engine.cursor()
    cur.execute(f'USE "{alias}".public')
    yield cur, canary, copy_dir
    cur.close()
    engine.close()


def _refused(cur: duckdb.DuckDBPyConnection, sql: str) -> duckdb.Error:
    with pytest.raises(duckdb.Error) as info:
        cur.execute(sql).fetchall()
    return info.value


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_csv('{canary}/secret.csv')",
        "SELECT * FROM read_text('{canary}/secret.csv')",
        "SELECT * FROM read_blob('{canary}/secret.csv')",
        "SELECT * FROM '{canary}/secret.csv'",
        "SELECT * FROM glob('{canary}/*')",
        "SELECT * FROM read_text('/etc/passwd')",
        "COPY (SELECT 1) TO '{canary}/out.csv'",
        "ATTACH '{canary}/new.duckdb' AS esc",
        "EXPORT DATABASE '{canary}/export'",
    ],
)
def test_files_outside_the_allowed_directories_are_refused(
    locked: tuple[duckdb.DuckDBPyConnection, Path, Path], sql: str
) -> None:
    cur, canary, _ = locked
    error = _refused(cur, sql.replace("{canary}", str(canary)))
    assert isinstance(error, duckdb.PermissionException)
    assert "CANARY" not in str(error)
    assert sorted(p.name for p in canary.iterdir()) == ["secret.csv"]


def test_allowed_directories_are_exactly_storage_spill_and_copy(
    locked: tuple[duckdb.DuckDBPyConnection, Path, Path]
) -> None:
    cur, canary, copy_dir = locked
    data = canary.parent / "data"
    allowed = cur.execute("SELECT current_setting('allowed_directories')").fetchone()
    assert allowed is not None
    assert sorted(allowed[0]) == sorted(
        f"{d}/" for d in (data / "namespaces", data / "spill", copy_dir)
    )


def test_the_configured_copy_directory_is_open(
    locked: tuple[duckdb.DuckDBPyConnection, Path, Path]
) -> None:
    cur, _, copy_dir = locked
    assert cur.execute(f"SELECT b FROM read_csv('{copy_dir}/ok.csv')").fetchall() == [("fine",)]
    cur.execute(f"COPY (SELECT 42 AS x) TO '{copy_dir}/out.csv'")
    assert (copy_dir / "out.csv").read_text().splitlines() == ["x", "42"]


@pytest.mark.parametrize(
    "sql",
    [
        "SET enable_external_access = true",
        "SET GLOBAL enable_external_access = true",
        "SET lock_configuration = false",
        "SET allowed_directories = ['/']",
        "SET allowed_paths = ['/etc/passwd']",
        "SET threads = 1",
        "SET GLOBAL memory_limit = '1GB'",
        "SET temp_directory = '/tmp'",
        "SET extension_directory = '/tmp'",
        "SET python_enable_replacements = true",
        "RESET enable_external_access",
        "RESET lock_configuration",
    ],
)
def test_the_configuration_is_locked(
    locked: tuple[duckdb.DuckDBPyConnection, Path, Path], sql: str
) -> None:
    cur, _, _ = locked
    error = _refused(cur, sql)
    assert "configuration has been locked" in str(error)


@pytest.mark.parametrize(
    "sql",
    [
        "INSTALL httpfs",
        "FORCE INSTALL httpfs",
        "LOAD httpfs",
        "LOAD '/tmp/evil.duckdb_extension'",
        "INSTALL 'https://127.0.0.1:1/evil.duckdb_extension'",
    ],
)
def test_extensions_cannot_be_installed_or_loaded(
    locked: tuple[duckdb.DuckDBPyConnection, Path, Path], sql: str
) -> None:
    cur, _, _ = locked
    _refused(cur, sql)


def test_no_persistent_secrets(locked: tuple[duckdb.DuckDBPyConnection, Path, Path]) -> None:
    cur, _, _ = locked
    _refused(cur, "CREATE PERSISTENT SECRET esc (TYPE s3, KEY_ID 'k', SECRET 's')")


def test_python_variables_are_not_scanned(
    locked: tuple[duckdb.DuckDBPyConnection, Path, Path]
) -> None:
    cur, _, _ = locked
    leak = pa.table({"secret": ["CANARY"]})
    assert leak.num_rows == 1
    error = _refused(cur, "SELECT * FROM leak")
    assert isinstance(error, duckdb.CatalogException)


@pytest.mark.parametrize(
    "sql",
    [
        # Look-alike letters are other names, not DuckDB's: it folds ASCII letters only.
        "SELECT * FROM \uff52\uff45\uff41\uff44_csv('/etc/passwd')",
        "SELECT * FROM r\u0435ad_csv('/etc/passwd')",
        "SELECT * FROM read\u200d_csv('/etc/passwd')",
        "SELECT \uff47\uff45\uff54\uff45\uff4e\uff56('HOME')",
        "SELECT * FROM \"DUCKDB_\u0422ABLES\"",
        # getenv is the shell's, not the Python client's.
        "SELECT getenv('HOME')",
    ],
)
def test_look_alike_names_do_not_resolve(
    locked: tuple[duckdb.DuckDBPyConnection, Path, Path], sql: str
) -> None:
    cur, _, _ = locked
    assert isinstance(_refused(cur, sql), duckdb.CatalogException)


def test_case_folding_is_ascii_only(locked: tuple[duckdb.DuckDBPyConnection, Path, Path]) -> None:
    cur, _, _ = locked
    cur.execute('CREATE TABLE "äx" (a INT)')
    assert cur.execute('SELECT count(*) FROM "äX"').fetchall() == [(0,)]
    _refused(cur, 'SELECT * FROM "ÄX"')


def test_setting_names_include_the_dangerous_ones() -> None:
    names = setting_names()
    for name in ("threads", "memory_limit", "enable_external_access", "allowed_directories",
                 "lock_configuration", "home_directory", "extension_directory",
                 "temp_directory", "timezone", "search_path"):
        assert name in names


def test_database_names_are_plain(tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = Engine(data, LocalStorage(data), threads=1)
    try:
        for name in ("../../escape", "a/b", "x.y", "Upper", "__ds_system", ""):
            with pytest.raises(InvalidCatalogName):
                engine.attach("ns", name)
        with pytest.raises(InvalidCatalogName):
            engine.attach("../ns", "dev")
        assert not (tmp_path / "escape").exists()
        assert sorted(p.name for p in (data / "namespaces").glob("**/*")) == []
    finally:
        engine.close()


def test_databases_whose_aliases_collide_are_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = Engine(data, LocalStorage(data), threads=1)
    try:
        alias = engine.attach("abc-", "dev")
        assert engine.attach("abc-", "dev") == alias
        # Namespace abc's database _dev would be attached under the same alias.
        with pytest.raises(DuplicateDatabase):
            engine.attach("abc", "_dev")
        engine.drop("abc-", "dev")
        assert engine.attach("abc", "_dev") == alias
    finally:
        engine.close()
