"""The workload-management parts of the TOML configuration.

``[server.wlm]`` tunes the monitor, metering, retention and the Prometheus endpoint; each
``[[workgroup]]`` may carry ``[workgroup.config_parameters]`` (Redshift Serverless's
configParameters, validated by ``policies.wlm.parse``); ``[[usage_limit]]`` mirrors
CreateUsageLimit. Problems are ``ConfigError`` lines naming the key, as for the rest of the file.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from catalog.errors import ConfigError
from policies import usage_limits, wlm

# Deterministic ids for limits declared in the file, so a restart keeps their history.
_LIMIT_NAMESPACE = uuid.UUID("7d0c3b1e-5f3e-4c55-9a51-2f6c1f0c7a11")


@dataclass(frozen=True)
class WlmSettings:
    """``[server.wlm]``: how often rules are checked, what is kept, what compute costs."""

    enabled: bool = True  # profile statements and evaluate rules (off: only metering)
    evaluation_interval_seconds: float = 10.0  # Redshift checks rules every 10 s
    history_retention_days: float = 30.0
    minimum_charge_seconds: float = 60.0  # Redshift's minimum charge per active period
    price_per_rpu_hour: float = 0.375  # for cost in `duckshift usage`
    metrics_host: str = "127.0.0.1"
    metrics_port: int | None = None  # Prometheus /metrics; None: not served


_KEYS = {f for f in WlmSettings.__dataclass_fields__}


def parse_settings(t: dict[str, Any]) -> WlmSettings:
    """Validate ``[server.wlm]``."""
    where = "server.wlm."
    for key in t:
        if key not in _KEYS:
            raise ConfigError(f"unknown key {where}{key}")
    d = WlmSettings()
    enabled = t.get("enabled", d.enabled)
    if not isinstance(enabled, bool):
        raise ConfigError(f"{where}enabled: must be true or false")
    numbers = {}
    for key, low in (("evaluation_interval_seconds", 0.01), ("history_retention_days", 0.001),
                     ("minimum_charge_seconds", 0.0), ("price_per_rpu_hour", 0.0)):
        v = t.get(key, getattr(d, key))
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise ConfigError(f"{where}{key}: must be a number")
        if v < low:
            raise ConfigError(f"{where}{key}: must be at least {low}")
        numbers[key] = float(v)
    if numbers["evaluation_interval_seconds"] > 10:
        raise ConfigError(f"{where}evaluation_interval_seconds: at most 10 (Redshift's period)")
    host = t.get("metrics_host", d.metrics_host)
    if not isinstance(host, str):
        raise ConfigError(f"{where}metrics_host: must be a string")
    port = t.get("metrics_port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int)
                             or not 0 <= port <= 65535):
        raise ConfigError(f"{where}metrics_port: must be a TCP port (0: any free port)")
    return WlmSettings(enabled, metrics_host=host, metrics_port=port, **numbers)


def parse_parameters(v: Any, where: str) -> tuple[tuple[str, str], ...]:
    """``[workgroup.config_parameters]``: checked by ``policies.wlm.parse``; kept as given."""
    if not isinstance(v, dict):
        raise ConfigError(f"{where}: must be a table")
    try:
        return wlm.parse(v).parameters
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


@dataclass(frozen=True)
class UsageLimitConfig:
    """A ``[[usage_limit]]`` (CreateUsageLimit's fields; amount in RPU-hours)."""

    limit_id: str
    workgroup: str
    amount: int
    period: str = "monthly"
    breach_action: str = "log"
    usage_type: str = "serverless-compute"


_LIMIT_KEYS = {"workgroup", "usage_type", "amount", "period", "breach_action"}


def parse_usage_limits(raw: Any, workgroups: set[str]) -> tuple[UsageLimitConfig, ...]:
    """Validate the ``[[usage_limit]]`` tables against the declared workgroups."""
    if not isinstance(raw, list):
        raise ConfigError("usage_limit: must be an array of tables ([[usage_limit]])")
    limits = []
    for i, t in enumerate(raw):
        where = f"usage_limit[{i}]"
        if not isinstance(t, dict):
            raise ConfigError(f"{where}: must be a table")
        for key in t:
            if key not in _LIMIT_KEYS:
                raise ConfigError(f"unknown key {where}.{key}")
        wg = t.get("workgroup", "")
        if wg not in workgroups:
            raise ConfigError(f"{where}.workgroup: no workgroup named {wg!r}")
        fields = dict(
            workgroup=wg, usage_type=t.get("usage_type", "serverless-compute"),
            amount=t.get("amount"), period=t.get("period", "monthly"),
            breach_action=t.get("breach_action", "log"),
        )
        try:
            usage_limits.check(**fields)  # type: ignore[arg-type]
        except ConfigError as exc:
            raise ConfigError(f"{where}.{exc}") from None
        limit_id = str(uuid.uuid5(_LIMIT_NAMESPACE, f"{wg}/{i}"))
        limits.append(UsageLimitConfig(limit_id, **fields))  # type: ignore[arg-type]
    return tuple(limits)
