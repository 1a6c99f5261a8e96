"""Tests for the [server.limits] table of proxy/config.py: defaults, bounds and every error."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from catalog.errors import ConfigError
from proxy.config import Limits, load, parse


def with_limits(**limits: Any) -> dict[str, Any]:
    """The smallest valid raw configuration with ``limits`` as its [server.limits] table."""
    return {
        "server": {"limits": limits},
        "namespace": [{"name": "main"}],
        "workgroup": [{"name": "main", "namespace": "main"}],
    }


def error_of(raw: dict[str, Any]) -> str:
    with pytest.raises(ConfigError) as info:
        parse(copy.deepcopy(raw))
    return str(info.value)


def test_defaults() -> None:
    assert parse(with_limits()).limits == Limits(
        max_message_bytes=64 * 1024 * 1024,
        max_statement_length=1024 * 1024,
        max_bind_parameters=65535,
        max_prepared_statements=1000,
        max_portals=1000,
        auth_failures_before_backoff=5,
        auth_failure_window_seconds=60.0,
        auth_backoff_seconds=10.0,
        auth_backoff_max_seconds=300.0,
        auth_timeout_seconds=60.0,
    )


def test_every_key_is_read() -> None:
    limits = parse(with_limits(
        max_message_bytes=1024,
        max_statement_length=1,
        max_bind_parameters=1,
        max_prepared_statements=2,
        max_portals=3,
        auth_failures_before_backoff=0,
        auth_failure_window_seconds=1,
        auth_backoff_seconds=0.25,
        auth_backoff_max_seconds=0.25,
        auth_timeout_seconds=2.5,
    )).limits
    assert limits == Limits(1024, 1, 1, 2, 3, 0, 1.0, 0.25, 0.25, 2.5)
    assert isinstance(limits.auth_failure_window_seconds, float)


def test_upper_bounds_are_allowed() -> None:
    limits = parse(with_limits(max_message_bytes=2**31 - 1, max_bind_parameters=65535)).limits
    assert (limits.max_message_bytes, limits.max_bind_parameters) == (2**31 - 1, 65535)


@pytest.mark.parametrize(
    ("limits", "message"),
    [
        ({"max_messages": 5}, "unknown key server.limits.max_messages"),
        ({"max_message_bytes": 1023},
         "server.limits.max_message_bytes: must be between 1024 and 2147483647, not 1023"),
        ({"max_message_bytes": 2**31},
         "server.limits.max_message_bytes: must be between 1024 and 2147483647, not 2147483648"),
        ({"max_message_bytes": "64MiB"}, "server.limits.max_message_bytes: must be an integer"),
        ({"max_message_bytes": True}, "server.limits.max_message_bytes: must be an integer"),
        ({"max_message_bytes": 2048.0}, "server.limits.max_message_bytes: must be an integer"),
        ({"max_statement_length": 0},
         "server.limits.max_statement_length: must be at least 1, not 0"),
        ({"max_bind_parameters": 0},
         "server.limits.max_bind_parameters: must be between 1 and 65535, not 0"),
        ({"max_bind_parameters": 65536},
         "server.limits.max_bind_parameters: must be between 1 and 65535, not 65536"),
        ({"max_prepared_statements": -1},
         "server.limits.max_prepared_statements: must be at least 1, not -1"),
        ({"max_portals": 0}, "server.limits.max_portals: must be at least 1, not 0"),
        ({"auth_failures_before_backoff": -1},
         "server.limits.auth_failures_before_backoff: must be at least 0, not -1"),
        ({"auth_backoff_seconds": 0},
         "server.limits.auth_backoff_seconds: must be a positive number of seconds"),
        ({"auth_backoff_seconds": -1.5},
         "server.limits.auth_backoff_seconds: must be a positive number of seconds"),
        ({"auth_backoff_seconds": float("inf")},
         "server.limits.auth_backoff_seconds: must be a positive number of seconds"),
        ({"auth_failure_window_seconds": float("nan")},
         "server.limits.auth_failure_window_seconds: must be a positive number of seconds"),
        ({"auth_timeout_seconds": "1m"},
         "server.limits.auth_timeout_seconds: must be a number"),
        ({"auth_backoff_max_seconds": False},
         "server.limits.auth_backoff_max_seconds: must be a number"),
        ({"auth_backoff_seconds": 20, "auth_backoff_max_seconds": 10},
         "server.limits.auth_backoff_max_seconds: must not be below auth_backoff_seconds"),
    ],
)
def test_errors_name_the_key(limits: dict[str, Any], message: str) -> None:
    assert error_of(with_limits(**limits)) == message


def test_toml_table(tmp_path: Path) -> None:
    path = tmp_path / "duckshift.toml"
    path.write_text(
        "[server.limits]\nmax_portals = 7\nauth_backoff_seconds = 1\n\n"
        '[[namespace]]\nname = "main"\n\n[[workgroup]]\nname = "main"\nnamespace = "main"\n'
    )
    limits = load(path).limits
    assert (limits.max_portals, limits.auth_backoff_seconds) == (7, 1.0)
