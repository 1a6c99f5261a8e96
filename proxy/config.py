"""The server configuration: the TOML file, the embedded default, and their validation.

A configuration declares namespaces (storage: databases and an admin user) and workgroups
(compute: one endpoint and one admission pool, bound to exactly one namespace). Every problem is
reported as one ``ConfigError`` line naming the key at fault; the CLI prints it and exits 2
before anything is written to the data dir.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from catalog.capacity import (
    DEFAULT_BASE_CAPACITY,
    DEFAULT_MAX_CAPACITY,
    CapacitySettings,
    parse_level,
    settings_problem,
    valid_capacity,
)
from catalog.errors import ConfigError
from catalog.passwords import password_problem
from proxy.wlm_config import (
    UsageLimitConfig,
    WlmSettings,
    parse_parameters,
    parse_settings,
    parse_usage_limits,
)

DEFAULT_PORT = 5439
DEFAULT_DATABASE = "dev"
DEFAULT_NAMESPACE = "default"
DEFAULT_WORKGROUP = "default"
DEFAULT_ADMIN = "admin"
# Every namespace of one server is in this account unless configured otherwise.
DEFAULT_ACCOUNT = "000000000000"

# Redshift Serverless names: lower-case letters, digits and hyphens, 3-64 characters.
_NAME_RE = re.compile(r"^[a-z][a-z0-9-]{2,63}$")
# Database and user names are SQL identifiers (Redshift folds them to lower case).
_IDENT_RE = re.compile(r"^[a-z_][a-z0-9_$]{0,126}$")


@dataclass(frozen=True)
class NamespaceConfig:
    """A namespace as declared: its databases and its first superuser."""

    name: str
    admin_user: str = DEFAULT_ADMIN
    admin_password: str | None = None
    databases: tuple[str, ...] = (DEFAULT_DATABASE,)
    # The AWS account the namespace belongs to (datashares may be granted to accounts).
    account: str = DEFAULT_ACCOUNT


@dataclass(frozen=True)
class WorkgroupConfig:
    """A workgroup as declared: the namespace it serves, its endpoint and its capacity."""

    name: str
    namespace: str
    port: int = DEFAULT_PORT
    host: str | None = None
    base_capacity: int = DEFAULT_BASE_CAPACITY
    max_capacity: int = DEFAULT_MAX_CAPACITY
    # Price-performance level 1..100 (AI-driven scaling); then base_capacity is only where
    # the pool starts.
    price_performance_target: int | None = None
    # The short-query lane's limit, seconds (with a target only; None: the default).
    short_query_max_seconds: float | None = None
    # [workgroup.config_parameters]: query limits or wlm_json_configuration (policies/wlm.py).
    config_parameters: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Limits:
    """Fixed limits that protect the server from oversized or hostile clients ([server.limits]).

    Sizes bound what one message or session may make the server hold; the authentication
    keys bound password guessing per client address (``auth_failures_before_backoff`` 0 turns
    that off); ``auth_timeout_seconds`` is how long a client may take to authenticate.
    """

    max_message_bytes: int = 64 * 1024 * 1024
    max_statement_length: int = 1024 * 1024
    max_bind_parameters: int = 65535
    max_prepared_statements: int = 1000
    max_portals: int = 1000
    auth_failures_before_backoff: int = 5
    auth_failure_window_seconds: float = 60.0
    auth_backoff_seconds: float = 10.0
    auth_backoff_max_seconds: float = 300.0
    auth_timeout_seconds: float = 60.0


@dataclass(frozen=True)
class ServerConfig:
    """The whole configuration of one server process."""

    host: str = "127.0.0.1"
    tls_cert: Path | None = None
    tls_key: Path | None = None
    namespaces: tuple[NamespaceConfig, ...] = ()
    workgroups: tuple[WorkgroupConfig, ...] = ()
    limits: Limits = Limits()
    # Where superusers' COPY FROM and UNLOAD may read and write files (resolved; none: nowhere).
    copy_directories: tuple[Path, ...] = ()
    wlm: WlmSettings = field(default_factory=WlmSettings)  # [server.wlm]
    usage_limits: tuple[UsageLimitConfig, ...] = ()  # [[usage_limit]]


def embedded_default(port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> ServerConfig:
    """The configuration used without ``--config``: namespace and workgroup ``default``."""
    return ServerConfig(
        host=host,
        namespaces=(NamespaceConfig(DEFAULT_NAMESPACE),),
        workgroups=(WorkgroupConfig(DEFAULT_WORKGROUP, DEFAULT_NAMESPACE, port=port),),
    )


def with_consumer(config: ServerConfig, namespace: str, port: int) -> ServerConfig:
    """``config`` plus a namespace and a workgroup of the same name on ``port`` (the demo's
    datashare consumer)."""
    return replace(
        config,
        namespaces=(*config.namespaces, NamespaceConfig(namespace)),
        workgroups=(*config.workgroups, WorkgroupConfig(namespace, namespace, port=port)),
    )


def load(path: Path) -> ServerConfig:
    """Read and validate a TOML configuration file.

    Raises:
        ConfigError: with a one-line message naming the file and the key at fault.
    """
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    try:
        return parse(raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from None


_TOP_KEYS = {"server", "namespace", "workgroup", "usage_limit"}
_SERVER_KEYS = {"host", "tls_cert", "tls_key", "limits", "copy_directories", "wlm"}
_NAMESPACE_KEYS = {"name", "admin_user", "admin_password", "databases", "account"}
_WORKGROUP_KEYS = {"name", "namespace", "port", "host", "base_capacity", "max_capacity",
                   "price_performance_target", "short_query_max_seconds",
                   "config_parameters"}


def parse(raw: dict[str, Any]) -> ServerConfig:
    """Validate a configuration already decoded from TOML."""
    _no_unknown(raw, _TOP_KEYS, "")
    server = _table(raw.get("server", {}), "server")
    _no_unknown(server, _SERVER_KEYS, "server.")
    host = _str(server, "host", "server.", "127.0.0.1")
    cert, key = server.get("tls_cert"), server.get("tls_key")
    for k, v in (("tls_cert", cert), ("tls_key", key)):
        if v is not None and not isinstance(v, str):
            raise ConfigError(f"server.{k}: must be a string (a file path)")
    if (cert is None) != (key is None):
        raise ConfigError("server.tls_cert and server.tls_key must be given together")
    limits = _limits(_table(server.get("limits", {}), "server.limits"))
    copy_dirs = _copy_directories(server.get("copy_directories", []))

    namespaces = tuple(
        _namespace(_table(t, f"namespace[{i}]"), i)
        for i, t in enumerate(_array(raw.get("namespace", []), "namespace"))
    )
    if not namespaces:
        raise ConfigError("at least one [[namespace]] is required")
    _unique([n.name for n in namespaces], "namespace name")
    workgroups = tuple(
        _workgroup(_table(t, f"workgroup[{i}]"), i, host)
        for i, t in enumerate(_array(raw.get("workgroup", []), "workgroup"))
    )
    if not workgroups:
        raise ConfigError("at least one [[workgroup]] is required")
    _unique([w.name for w in workgroups], "workgroup name")
    _unique([(w.host or host, w.port) for w in workgroups], "workgroup host and port")
    known = {n.name for n in namespaces}
    for i, w in enumerate(workgroups):
        if w.namespace not in known:
            raise ConfigError(f"workgroup[{i}].namespace: no namespace named {w.namespace!r}")
    workgroups = tuple(
        replace(w, config_parameters=parse_parameters(
            t["config_parameters"], f"workgroup[{i}].config_parameters"))
        if "config_parameters" in t else w
        for i, (w, t) in enumerate(zip(workgroups, raw["workgroup"], strict=True))
    )
    wlm = parse_settings(_table(server.get("wlm", {}), "server.wlm"))
    usage_limits = parse_usage_limits(raw.get("usage_limit", []), {w.name for w in workgroups})
    return ServerConfig(
        host=host,
        tls_cert=Path(cert) if cert else None,
        tls_key=Path(key) if key else None,
        namespaces=namespaces,
        workgroups=workgroups,
        limits=limits,
        copy_directories=copy_dirs,
        wlm=wlm,
        usage_limits=usage_limits,
    )


def _copy_directories(v: Any) -> tuple[Path, ...]:
    """``copy_directories``: existing directories given by absolute path, symlinks resolved
    (COPY and UNLOAD compare resolved paths against them)."""
    where = "server.copy_directories"
    if not isinstance(v, list) or not all(isinstance(d, str) for d in v):
        raise ConfigError(f"{where}: must be a list of directory paths")
    dirs: list[Path] = []
    for d in v:
        if not Path(d).is_absolute():
            raise ConfigError(f"{where}: {d!r} is not an absolute path")
        if not Path(d).is_dir():
            raise ConfigError(f"{where}: {d!r} is not an existing directory")
        dirs.append(Path(d).resolve())
    return tuple(dirs)


# The integer [server.limits] keys: lowest and highest allowed value (None: no maximum).
_LIMIT_COUNTS: dict[str, tuple[int, int | None]] = {
    "max_message_bytes": (1024, 2**31 - 1),  # a message's length is an int32
    "max_statement_length": (1, None),
    "max_bind_parameters": (1, 65535),  # Bind counts parameters in an unsigned int16
    "max_prepared_statements": (1, None),
    "max_portals": (1, None),
    "auth_failures_before_backoff": (0, None),
}
# The [server.limits] durations, in seconds (fractions allowed, e.g. a 0.5 s back-off).
_LIMIT_SECONDS = (
    "auth_failure_window_seconds",
    "auth_backoff_seconds",
    "auth_backoff_max_seconds",
    "auth_timeout_seconds",
)


def _limits(t: dict[str, Any]) -> Limits:
    where = "server.limits."
    _no_unknown(t, {*_LIMIT_COUNTS, *_LIMIT_SECONDS}, where)
    defaults = Limits()
    values: dict[str, Any] = {}
    for key, (low, high) in _LIMIT_COUNTS.items():
        count = _int(t, key, where, getattr(defaults, key))
        if count < low or (high is not None and count > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            raise ConfigError(f"{where}{key}: must be {bounds}, not {count}")
        values[key] = count
    for key in _LIMIT_SECONDS:
        seconds = _number(t, key, where, getattr(defaults, key))
        if not 0 < seconds < math.inf:
            raise ConfigError(f"{where}{key}: must be a positive number of seconds")
        values[key] = seconds
    if values["auth_backoff_max_seconds"] < values["auth_backoff_seconds"]:
        raise ConfigError(
            f"{where}auth_backoff_max_seconds: must not be below auth_backoff_seconds"
        )
    return Limits(**values)


def _namespace(t: dict[str, Any], i: int) -> NamespaceConfig:
    where = f"namespace[{i}]."
    _no_unknown(t, _NAMESPACE_KEYS, where)
    name = _resource_name(t, where)
    admin = _str(t, "admin_user", where, DEFAULT_ADMIN)
    if not _IDENT_RE.match(admin):
        raise ConfigError(f"{where}admin_user: {admin!r} is not a valid user name")
    password = t.get("admin_password")
    if password is not None:
        password = _str(t, "admin_password", where, "")
        check_password(password, f"{where}admin_password")
    dbs = t.get("databases", [DEFAULT_DATABASE])
    if not isinstance(dbs, list) or not dbs or not all(isinstance(d, str) for d in dbs):
        raise ConfigError(f"{where}databases: must be a non-empty list of names")
    for d in dbs:
        if not _IDENT_RE.match(d):
            raise ConfigError(f"{where}databases: {d!r} is not a valid database name")
    _unique(dbs, f"{where}databases entry")
    account = _str(t, "account", where, DEFAULT_ACCOUNT)
    if not re.fullmatch(r"[0-9]{12}", account):
        raise ConfigError(f"{where}account: {account!r} must be a 12-digit account id")
    return NamespaceConfig(name, admin, password, tuple(dbs), account)


def _workgroup(t: dict[str, Any], i: int, default_host: str) -> WorkgroupConfig:
    where = f"workgroup[{i}]."
    _no_unknown(t, _WORKGROUP_KEYS, where)
    name = _resource_name(t, where)
    namespace = _required_str(t, "namespace", where)
    port = _int(t, "port", where, DEFAULT_PORT)
    if not 1 <= port <= 65535:
        raise ConfigError(f"{where}port: {port} is not a TCP port")
    if "price_performance_target" in t:
        return _target_workgroup(t, where, name, namespace, port, default_host)
    if "short_query_max_seconds" in t:
        raise ConfigError(f"{where}short_query_max_seconds: needs price_performance_target "
                          "(the short-query lane comes with AI-driven scaling)")
    base = _int(t, "base_capacity", where, DEFAULT_BASE_CAPACITY)
    if not valid_capacity(base):
        raise ConfigError(
            f"{where}base_capacity: {base} RPUs is not allowed "
            "(4, or 8 to 512 in steps of 8, or 512 to 1024 in steps of 32)"
        )
    top = _int(t, "max_capacity", where, max(base, DEFAULT_MAX_CAPACITY))
    if not valid_capacity(top):
        raise ConfigError(f"{where}max_capacity: {top} RPUs is not an allowed capacity")
    if top < base:
        raise ConfigError(f"{where}max_capacity: {top} is below base_capacity {base}")
    return WorkgroupConfig(name, namespace, port, _host(t, where, default_host), base, top)


def _target_workgroup(
    t: dict[str, Any], where: str, name: str, namespace: str, port: int, default_host: str
) -> WorkgroupConfig:
    """A workgroup with a price-performance target: no base capacity (Redshift takes one or
    the other), a level 1..100 or its name, and max_capacity as the scaler's ceiling."""
    if "base_capacity" in t:
        raise ConfigError(
            f"{where}base_capacity: a workgroup has either base_capacity or "
            "price_performance_target, not both"
        )
    try:
        level = parse_level(t["price_performance_target"])
    except ValueError as exc:
        raise ConfigError(f"{where}price_performance_target: {exc}") from None
    top = _int(t, "max_capacity", where, DEFAULT_MAX_CAPACITY)
    if not valid_capacity(top):
        raise ConfigError(f"{where}max_capacity: {top} RPUs is not an allowed capacity")
    limit = None
    if "short_query_max_seconds" in t:
        limit = _number(t, "short_query_max_seconds", where, 0.0)
        problem = settings_problem(CapacitySettings(short_query_max_seconds=limit))
        if problem:
            raise ConfigError(f"{where}short_query_max_seconds: {problem}")
    return WorkgroupConfig(name, namespace, port, _host(t, where, default_host),
                           min(DEFAULT_BASE_CAPACITY, top), top, level, limit)


def _host(t: dict[str, Any], where: str, default_host: str) -> str | None:
    host = t.get("host")
    return None if host is None else _str(t, "host", where, default_host)


def _resource_name(t: dict[str, Any], where: str) -> str:
    """A namespace's or workgroup's ``name``, checked against Redshift Serverless' rule."""
    name = _required_str(t, "name", where)
    if not _NAME_RE.match(name):
        raise ConfigError(
            f"{where}name: {name!r} must be 3-64 lower-case letters, digits or hyphens"
        )
    return name


def check_password(password: str, where: str) -> None:
    """Redshift's password rules (``catalog.passwords.password_problem``) for a config key."""
    problem = password_problem(password)
    if problem is not None:
        raise ConfigError(f"{where}: {problem}")


def _no_unknown(t: dict[str, Any], allowed: set[str], where: str) -> None:
    for key in t:
        if key not in allowed:
            raise ConfigError(f"unknown key {where}{key}")


def _table(v: Any, where: str) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise ConfigError(f"{where}: must be a table")
    return v


def _array(v: Any, where: str) -> list[Any]:
    if not isinstance(v, list):
        raise ConfigError(f"{where}: must be an array of tables ([[{where}]])")
    return v


def _str(t: dict[str, Any], key: str, where: str, default: str) -> str:
    v = t.get(key, default)
    if not isinstance(v, str):
        raise ConfigError(f"{where}{key}: must be a string")
    return v


def _required_str(t: dict[str, Any], key: str, where: str) -> str:
    if key not in t:
        raise ConfigError(f"{where}{key}: missing")
    return _str(t, key, where, "")


def _int(t: dict[str, Any], key: str, where: str, default: int) -> int:
    v = t.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int):
        raise ConfigError(f"{where}{key}: must be an integer")
    return v


def _number(t: dict[str, Any], key: str, where: str, default: float) -> float:
    v = t.get(key, default)
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise ConfigError(f"{where}{key}: must be a number")
    return float(v)


def _unique(items: list[Any], what: str) -> None:
    seen: set[Any] = set()
    for item in items:
        if item in seen:
            raise ConfigError(f"duplicate {what}: {item!r}")
        seen.add(item)
