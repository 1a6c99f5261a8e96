"""Tests for proxy/config.py: the TOML shape, every validation error, and the default config."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from catalog.errors import ConfigError
from proxy.config import (
    DEFAULT_ADMIN,
    DEFAULT_BASE_CAPACITY,
    DEFAULT_DATABASE,
    DEFAULT_MAX_CAPACITY,
    DEFAULT_PORT,
    Limits,
    NamespaceConfig,
    ServerConfig,
    WorkgroupConfig,
    check_password,
    embedded_default,
    load,
    parse,
    valid_capacity,
)

FULL_TOML = """
[server]
host = "0.0.0.0"
tls_cert = "/etc/ds/cert.pem"
tls_key = "/etc/ds/key.pem"

[server.limits]
max_message_bytes = 2048
auth_backoff_seconds = 0.5

[[namespace]]
name = "sales-ns"
admin_user = "root_1"
admin_password = "Secret123"
databases = ["dev", "analytics"]

[[namespace]]
name = "ops"

[[workgroup]]
name = "sales-wg"
namespace = "sales-ns"
port = 5440
base_capacity = 8
max_capacity = 64

[[workgroup]]
name = "ops-wg"
namespace = "ops"
host = "10.0.0.1"
port = 5440
"""


def minimal() -> dict[str, Any]:
    """The smallest valid raw configuration (a fresh copy each call)."""
    return {
        "namespace": [{"name": "main"}],
        "workgroup": [{"name": "main", "namespace": "main"}],
    }


def with_changes(**sections: Any) -> dict[str, Any]:
    """``minimal()`` with whole sections or first-table keys replaced.

    ``ns`` and ``wg`` update the first namespace / workgroup table; other keys replace
    top-level entries.
    """
    raw = minimal()
    for key, value in sections.items():
        if key == "ns":
            raw["namespace"][0].update(value)
        elif key == "wg":
            raw["workgroup"][0].update(value)
        else:
            raw[key] = value
    return raw


def error_of(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse(copy.deepcopy(raw))
    return str(info.value)


# -- the valid shape ---------------------------------------------------------------------


def test_full_file_loads_every_field(tmp_path: Path) -> None:
    path = tmp_path / "duckshift.toml"
    path.write_text(FULL_TOML)
    cfg = load(path)
    assert cfg == ServerConfig(
        host="0.0.0.0",
        tls_cert=Path("/etc/ds/cert.pem"),
        tls_key=Path("/etc/ds/key.pem"),
        namespaces=(
            NamespaceConfig("sales-ns", "root_1", "Secret123", ("dev", "analytics")),
            NamespaceConfig("ops", DEFAULT_ADMIN, None, (DEFAULT_DATABASE,)),
        ),
        workgroups=(
            WorkgroupConfig("sales-wg", "sales-ns", 5440, None, 8, 64),
            # Same port on another host is not a clash.
            WorkgroupConfig("ops-wg", "ops", 5440, "10.0.0.1", DEFAULT_BASE_CAPACITY,
                            DEFAULT_MAX_CAPACITY),
        ),
        limits=Limits(max_message_bytes=2048, auth_backoff_seconds=0.5),
    )


def test_minimal_gets_defaults() -> None:
    cfg = parse(minimal())
    assert cfg.host == "127.0.0.1"
    assert cfg.tls_cert is None and cfg.tls_key is None
    assert cfg.limits == Limits()
    assert cfg.limits.max_message_bytes == 64 * 1024 * 1024
    assert cfg.namespaces == (NamespaceConfig("main"),)
    (wg,) = cfg.workgroups
    assert (wg.port, wg.host, wg.base_capacity, wg.max_capacity) == (
        DEFAULT_PORT, None, DEFAULT_BASE_CAPACITY, DEFAULT_MAX_CAPACITY
    )


@pytest.mark.parametrize(
    ("base", "expected_max"),
    [(4, 512), (128, 512), (512, 512), (544, 544), (1024, 1024)],
)
def test_default_max_capacity_is_at_least_base(base: int, expected_max: int) -> None:
    cfg = parse(with_changes(wg={"base_capacity": base}))
    assert cfg.workgroups[0].max_capacity == expected_max


def test_embedded_default() -> None:
    cfg = embedded_default()
    assert cfg.host == "127.0.0.1"
    assert cfg.namespaces == (NamespaceConfig("default", "admin", None, ("dev",)),)
    assert cfg.workgroups == (WorkgroupConfig("default", "default", 5439, None, 128, 512),)
    assert cfg.tls_cert is None and cfg.tls_key is None


def test_embedded_default_port_and_host() -> None:
    cfg = embedded_default(port=6000, host="0.0.0.0")
    assert cfg.host == "0.0.0.0"
    assert cfg.workgroups[0].port == 6000


def test_embedded_default_passes_its_own_validation() -> None:
    cfg = embedded_default()
    raw = {
        "namespace": [{"name": n.name, "databases": list(n.databases)} for n in cfg.namespaces],
        "workgroup": [
            {"name": w.name, "namespace": w.namespace, "port": w.port,
             "base_capacity": w.base_capacity, "max_capacity": w.max_capacity}
            for w in cfg.workgroups
        ],
    }
    assert parse(raw).workgroups == cfg.workgroups


# -- capacity ----------------------------------------------------------------------------

_VALID = {4, *range(8, 513, 8), *range(544, 1025, 32)}


@pytest.mark.parametrize(
    ("rpus", "ok"),
    [
        (0, False), (-8, False), (1, False), (3, False), (4, True), (5, False), (7, False),
        (8, True), (12, False), (16, True), (120, True), (124, False), (504, True),
        (512, True), (520, False), (528, False), (536, False), (544, True), (576, True),
        (1000, False), (1024, True), (1040, False), (1056, False), (2048, False),
    ],
)
def test_valid_capacity_table(rpus: int, ok: bool) -> None:
    assert valid_capacity(rpus) is ok


def test_valid_capacity_exhaustive_to_2048() -> None:
    assert {x for x in range(-16, 2049) if valid_capacity(x)} == _VALID


# -- errors, each naming the key at fault ------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        # Unknown keys at every level.
        (with_changes(bogus=1), "unknown key bogus"),
        (with_changes(server={"port": 1}), "unknown key server.port"),
        (with_changes(ns={"owner": "x"}), "unknown key namespace[0].owner"),
        (with_changes(wg={"capacity": 8}), "unknown key workgroup[0].capacity"),
        # Wrong shapes.
        (with_changes(server=[1]), "server: must be a table"),
        (with_changes(namespace={"name": "main"}),
         "namespace: must be an array of tables ([[namespace]])"),
        (with_changes(workgroup="main"),
         "workgroup: must be an array of tables ([[workgroup]])"),
        (with_changes(namespace=[5]), "namespace[0]: must be a table"),
        (with_changes(workgroup=[[]]), "workgroup[0]: must be a table"),
        # Server section.
        (with_changes(server={"host": 5}), "server.host: must be a string"),
        (with_changes(server={"tls_cert": "c.pem"}),
         "server.tls_cert and server.tls_key must be given together"),
        (with_changes(server={"tls_key": "k.pem"}),
         "server.tls_cert and server.tls_key must be given together"),
        (with_changes(server={"max_message_bytes": 1024}),
         "unknown key server.max_message_bytes"),
        (with_changes(server={"limits": 5}), "server.limits: must be a table"),
        # Missing sections.
        ({"workgroup": [{"name": "main", "namespace": "main"}]},
         "at least one [[namespace]] is required"),
        (with_changes(namespace=[]), "at least one [[namespace]] is required"),
        ({"namespace": [{"name": "main"}]}, "at least one [[workgroup]] is required"),
        # Namespace tables.
        (with_changes(namespace=[{}]), "namespace[0].name: missing"),
        (with_changes(ns={"name": 7}), "namespace[0].name: must be a string"),
        (with_changes(ns={"name": "ab"}),
         "namespace[0].name: 'ab' must be 3-64 lower-case letters, digits or hyphens"),
        (with_changes(ns={"name": "Main"}),
         "namespace[0].name: 'Main' must be 3-64 lower-case letters, digits or hyphens"),
        (with_changes(ns={"name": "1abc"}),
         "namespace[0].name: '1abc' must be 3-64 lower-case letters, digits or hyphens"),
        (with_changes(ns={"name": "a_bc"}),
         "namespace[0].name: 'a_bc' must be 3-64 lower-case letters, digits or hyphens"),
        (with_changes(ns={"name": "a" * 65}),
         f"namespace[0].name: {'a' * 65!r} must be 3-64 lower-case letters, digits or hyphens"),
        (with_changes(ns={"admin_user": "Bob"}),
         "namespace[0].admin_user: 'Bob' is not a valid user name"),
        (with_changes(ns={"admin_user": "1bob"}),
         "namespace[0].admin_user: '1bob' is not a valid user name"),
        (with_changes(ns={"admin_user": 3}), "namespace[0].admin_user: must be a string"),
        (with_changes(ns={"admin_password": 12345678}),
         "namespace[0].admin_password: must be a string"),
        (with_changes(ns={"databases": []}),
         "namespace[0].databases: must be a non-empty list of names"),
        (with_changes(ns={"databases": "dev"}),
         "namespace[0].databases: must be a non-empty list of names"),
        (with_changes(ns={"databases": ["dev", 1]}),
         "namespace[0].databases: must be a non-empty list of names"),
        (with_changes(ns={"databases": ["Dev"]}),
         "namespace[0].databases: 'Dev' is not a valid database name"),
        (with_changes(ns={"databases": ["my-db"]}),
         "namespace[0].databases: 'my-db' is not a valid database name"),
        (with_changes(ns={"databases": ["dev", "x", "dev"]}),
         "duplicate namespace[0].databases entry: 'dev'"),
        # Workgroup tables.
        (with_changes(workgroup=[{"namespace": "main"}]), "workgroup[0].name: missing"),
        (with_changes(workgroup=[{"name": "main"}]), "workgroup[0].namespace: missing"),
        (with_changes(wg={"name": "x"}),
         "workgroup[0].name: 'x' must be 3-64 lower-case letters, digits or hyphens"),
        (with_changes(wg={"namespace": 1}), "workgroup[0].namespace: must be a string"),
        (with_changes(wg={"namespace": "other"}),
         "workgroup[0].namespace: no namespace named 'other'"),
        (with_changes(wg={"port": 0}), "workgroup[0].port: 0 is not a TCP port"),
        (with_changes(wg={"port": 65536}), "workgroup[0].port: 65536 is not a TCP port"),
        (with_changes(wg={"port": "5439"}), "workgroup[0].port: must be an integer"),
        (with_changes(wg={"port": 5439.0}), "workgroup[0].port: must be an integer"),
        (with_changes(wg={"host": 1}), "workgroup[0].host: must be a string"),
        (with_changes(wg={"base_capacity": 12}),
         "workgroup[0].base_capacity: 12 RPUs is not allowed "
         "(4, or 8 to 512 in steps of 8, or 512 to 1024 in steps of 32)"),
        (with_changes(wg={"base_capacity": 520}),
         "workgroup[0].base_capacity: 520 RPUs is not allowed "
         "(4, or 8 to 512 in steps of 8, or 512 to 1024 in steps of 32)"),
        (with_changes(wg={"base_capacity": False}),
         "workgroup[0].base_capacity: must be an integer"),
        (with_changes(wg={"max_capacity": 1040}),
         "workgroup[0].max_capacity: 1040 RPUs is not an allowed capacity"),
        (with_changes(wg={"max_capacity": 10}),
         "workgroup[0].max_capacity: 10 RPUs is not an allowed capacity"),
        (with_changes(wg={"base_capacity": 64, "max_capacity": 32}),
         "workgroup[0].max_capacity: 32 is below base_capacity 64"),
        (with_changes(wg={"base_capacity": 544, "max_capacity": 512}),
         "workgroup[0].max_capacity: 512 is below base_capacity 544"),
    ],
)
def test_validation_errors(raw: dict[str, Any], message: str) -> None:
    assert error_of(raw) == message


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"namespace": [{"name": "main"}, {"name": "main"}],
          "workgroup": [{"name": "main", "namespace": "main"}]},
         "duplicate namespace name: 'main'"),
        ({"namespace": [{"name": "main"}],
          "workgroup": [{"name": "main", "namespace": "main", "port": 1000},
                        {"name": "main", "namespace": "main", "port": 1001}]},
         "duplicate workgroup name: 'main'"),
        ({"namespace": [{"name": "main"}],
          "workgroup": [{"name": "one", "namespace": "main", "port": 1000},
                        {"name": "two", "namespace": "main", "port": 1000}]},
         "duplicate workgroup host and port: ('127.0.0.1', 1000)"),
        # The server host stands in for a workgroup without one.
        ({"server": {"host": "0.0.0.0"}, "namespace": [{"name": "main"}],
          "workgroup": [{"name": "one", "namespace": "main", "port": 1000},
                        {"name": "two", "namespace": "main", "port": 1000,
                         "host": "0.0.0.0"}]},
         "duplicate workgroup host and port: ('0.0.0.0', 1000)"),
        # Defaults clash too: two workgroups on the default port.
        ({"namespace": [{"name": "main"}],
          "workgroup": [{"name": "one", "namespace": "main"},
                        {"name": "two", "namespace": "main"}]},
         "duplicate workgroup host and port: ('127.0.0.1', 5439)"),
        # The index in the message is the failing table's.
        ({"namespace": [{"name": "main"}, {"name": "second", "bad": 1}],
          "workgroup": [{"name": "main", "namespace": "main"}]},
         "unknown key namespace[1].bad"),
        ({"namespace": [{"name": "main"}],
          "workgroup": [{"name": "main", "namespace": "main"},
                        {"name": "two", "namespace": "nope", "port": 1}]},
         "workgroup[1].namespace: no namespace named 'nope'"),
    ],
)
def test_cross_table_errors(raw: dict[str, Any], message: str) -> None:
    assert error_of(raw) == message


@pytest.mark.parametrize("port", [1, 5439, 65535])
def test_port_bounds_accepted(port: int) -> None:
    assert parse(with_changes(wg={"port": port})).workgroups[0].port == port


@pytest.mark.parametrize("name", ["abc", "a-b", "a1b", "x" * 64, "dev-2024"])
def test_names_accepted(name: str) -> None:
    raw = {"namespace": [{"name": name}], "workgroup": [{"name": name, "namespace": name}]}
    cfg = parse(raw)
    assert cfg.namespaces[0].name == cfg.workgroups[0].name == name


@pytest.mark.parametrize("db", ["dev", "_x", "a$b", "x" * 127, "t1_2"])
def test_database_names_accepted(db: str) -> None:
    assert parse(with_changes(ns={"databases": [db]})).namespaces[0].databases == (db,)


@pytest.mark.parametrize("db", ["x" * 128, "", "a b", "$x"])
def test_database_names_refused(db: str) -> None:
    assert error_of(with_changes(ns={"databases": [db]})) == (
        f"namespace[0].databases: {db!r} is not a valid database name"
    )


# -- passwords ---------------------------------------------------------------------------

_LENGTH = "must be 8 to 64 characters long"
_CLASSES = "must contain an upper-case letter, a lower-case letter and a digit"


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("Abcdef1", _LENGTH),
        ("", _LENGTH),
        ("Ab1" + "x" * 62, _LENGTH),
        ("abcdefg1", _CLASSES),
        ("ABCDEFG1", _CLASSES),
        ("Abcdefgh", _CLASSES),
        ("12345678", _CLASSES),
    ],
)
def test_password_rules(password: str, problem: str) -> None:
    with pytest.raises(ConfigError) as info:
        check_password(password, "where")
    assert str(info.value) == f"where: {problem}"
    assert error_of(with_changes(ns={"admin_password": password})) == (
        f"namespace[0].admin_password: {problem}"
    )


@pytest.mark.parametrize("password", ["Abcdef12", "Ab1" + "x" * 61, "Aa1!#%&*"])
def test_passwords_accepted(password: str) -> None:
    check_password(password, "where")
    assert parse(with_changes(ns={"admin_password": password})).namespaces[0].admin_password == (
        password
    )


@pytest.mark.parametrize("bad", ["'", '"', "\\", "/", "@", " "])
def test_password_refuses_characters_redshift_refuses(bad: str) -> None:
    # Redshift: printable ASCII 33-126 except ' " \ / @.
    with pytest.raises(ConfigError):
        check_password(f"Abcdef1{bad}", "where")


# -- load() ------------------------------------------------------------------------------


def test_load_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value) == f"{path}: no such file"


def test_load_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[server\n")
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value).startswith(f"{path}: invalid TOML: ")


def test_load_directory_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path)
    assert str(info.value).startswith(f"{tmp_path}: ")


def test_load_prefixes_validation_errors_with_the_path(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[[namespace]]\nname = "main"\nfoo = 1\n')
    with pytest.raises(ConfigError) as info:
        load(path)
    assert str(info.value) == f"{path}: unknown key namespace[0].foo"
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("server", [{"tls_cert": 5, "tls_key": "k"}, {"tls_cert": "c",
                                                                       "tls_key": ["k"]}])
def test_tls_paths_must_be_strings(server: dict[str, Any]) -> None:
    assert error_of(with_changes(server=server)).startswith("server.tls_")
