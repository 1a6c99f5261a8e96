"""Tests for Server.update_workgroup: capacity changes at run time without dropping queries."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest

from catalog.capacity import CapacitySettings
from catalog.errors import InvalidParameterValue
from proxy.config import parse
from proxy.server import Server

CONFIG = {
    "namespace": [{"name": "sales", "admin_password": "Sales-pw-1"}],
    "workgroup": [
        {"name": "fixed", "namespace": "sales", "port": 5439, "base_capacity": 16,
         "max_capacity": 64},
        {"name": "auto", "namespace": "sales", "port": 5440, "price_performance_target": 50,
         "max_capacity": 256},
    ],
}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    srv = Server.open(parse(CONFIG), tmp_path / "data")
    yield srv
    srv.engine.close()


def test_settings_from_the_configuration(server: Server) -> None:
    fixed, auto = server.workgroups["fixed"], server.workgroups["auto"]
    assert fixed.capacity == CapacitySettings(16, 64)
    assert (fixed.pool.slots, fixed.pool.short_slots) == (2, 0)
    assert auto.capacity == CapacitySettings(128, 256, 50)
    assert (auto.pool.capacity, auto.pool.short_slots) == (128, 3)


async def test_growing_admits_queued_and_shrinking_drops_nothing(server: Server) -> None:
    pool = server.workgroups["fixed"].pool
    held = [await pool.acquire(), await pool.acquire()]
    queued = [asyncio.create_task(pool.acquire()) for _ in range(2)]
    await asyncio.sleep(0)
    assert pool.snapshot().queued == 2
    server.update_workgroup("fixed", base_capacity=32)
    await asyncio.sleep(0)
    assert all(t.done() for t in queued) and pool.running == 4
    server.update_workgroup("fixed", base_capacity=8)
    assert (pool.slots, pool.running) == (1, 4)  # running statements keep their slots
    for ticket in [*held, *(t.result() for t in queued)]:
        pool.release(ticket)
    assert pool.running == 0


def test_redshift_rules_leave_the_settings_unchanged(server: Server) -> None:
    with pytest.raises(InvalidParameterValue,
                       match="Base capacity cannot be updated when PerformanceTarget is Enabled"):
        server.update_workgroup("auto", base_capacity=64)
    with pytest.raises(InvalidParameterValue, match="max capacity 8 is below base capacity 16"):
        server.update_workgroup("fixed", max_capacity=8)
    assert server.workgroups["auto"].capacity == CapacitySettings(128, 256, 50)
    assert server.workgroups["fixed"].capacity == CapacitySettings(16, 64)


def test_switching_between_target_and_base(server: Server) -> None:
    auto = server.workgroups["auto"]
    server.update_workgroup("auto", max_capacity=64)
    assert auto.pool.capacity == 64  # held under the new ceiling
    with pytest.raises(InvalidParameterValue, match="max capacity 64 is below base capacity"):
        server.update_workgroup("auto", target_enabled=False)  # its start, 128, is too high
    server.update_workgroup("auto", target_enabled=False, base_capacity=32)
    assert (auto.capacity.target_enabled, auto.pool.capacity, auto.pool.short_slots) == (
        False, 32, 0)
    server.update_workgroup("fixed", price_performance_target=1)
    assert server.workgroups["fixed"].capacity.target_level == 1
    assert server.workgroups["fixed"].pool.short_slots == 1
