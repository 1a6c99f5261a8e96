"""``[server] copy_directories``: where superusers' COPY FROM and UNLOAD may read and write."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from catalog.errors import ConfigError
from proxy.config import embedded_default, parse


def _config(copy_directories: Any) -> dict[str, Any]:
    return {
        "server": {"copy_directories": copy_directories},
        "namespace": [{"name": "sales"}],
        "workgroup": [{"name": "sales-wg", "namespace": "sales"}],
    }


def test_default_is_no_directory() -> None:
    assert embedded_default().copy_directories == ()
    raw = _config([])
    del raw["server"]
    assert parse(raw).copy_directories == ()


def test_directories_are_resolved(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    config = parse(_config([str(tmp_path / "link"), f"{tmp_path}/real/../real"]))
    assert config.copy_directories == (real.resolve(), real.resolve())


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("/tmp", "server.copy_directories: must be a list of directory paths"),
        ([1], "server.copy_directories: must be a list of directory paths"),
        (["relative/dir"], "server.copy_directories: 'relative/dir' is not an absolute path"),
        (["{tmp}/missing"], "server.copy_directories: '{tmp}/missing' is not an existing "
         "directory"),
        (["{tmp}/file"], "server.copy_directories: '{tmp}/file' is not an existing directory"),
    ],
)
def test_invalid(tmp_path: Path, value: Any, message: str) -> None:
    (tmp_path / "file").write_text("")
    if isinstance(value, list):
        value = [v.replace("{tmp}", str(tmp_path)) if isinstance(v, str) else v for v in value]
    with pytest.raises(ConfigError) as info:
        parse(_config(value))
    assert str(info.value) == message.replace("{tmp}", str(tmp_path))
