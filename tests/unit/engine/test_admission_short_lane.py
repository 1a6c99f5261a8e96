"""Tests for engine/admission.py's capacity mapping and short-query acceleration lane."""

from __future__ import annotations

import asyncio

import pytest

from engine.admission import PoolShape, WorkgroupPool, shape_for_capacity


async def settle() -> None:
    """Let every ready task run until it blocks again."""
    for _ in range(5):
        await asyncio.sleep(0)


@pytest.mark.parametrize(
    ("rpus", "shape"),
    [(4, PoolShape(1, 1)), (8, PoolShape(1, 1)), (56, PoolShape(7, 1)), (64, PoolShape(8, 2)),
     (128, PoolShape(16, 3)), (512, PoolShape(64, 9)), (1024, PoolShape(128, 17))],
)
def test_shape_with_short_lane(rpus: int, shape: PoolShape) -> None:
    assert shape_for_capacity(rpus, short_lane=True) == shape


def test_without_lane_there_are_no_short_slots() -> None:
    assert shape_for_capacity(256) == PoolShape(32, 0)
    pool = WorkgroupPool("wg", 256)
    assert (pool.slots, pool.short_slots) == (32, 0)


async def test_short_statement_skips_a_queue_of_long_ones() -> None:
    pool = WorkgroupPool("wg", 8, short_lane=True)  # 1 main slot, 1 lane slot
    long_one = await pool.acquire()
    queued_long = asyncio.create_task(pool.acquire())
    await settle()
    short = await asyncio.wait_for(pool.acquire(short=True), 1)
    assert (short.lane, short.queued_s) == ("short", 0.0)
    assert not queued_long.done()
    snap = pool.snapshot()
    assert (snap.running, snap.queued, snap.short_running, snap.short_admitted) == (1, 1, 1, 1)
    for t in (short, long_one):
        pool.release(t)
    pool.release(await queued_long)
    assert (pool.running, pool.short_running) == (0, 0)


async def test_without_a_lane_short_means_nothing() -> None:
    pool = WorkgroupPool("wg", 8)
    holder = await pool.acquire()
    waiter = asyncio.create_task(pool.acquire(short=True))
    await settle()
    assert not waiter.done() and pool.snapshot().queued == 1
    pool.release(holder)
    ticket = await waiter
    assert ticket.lane == "main"
    pool.release(ticket)


async def test_short_statements_use_idle_main_slots_when_the_lane_is_full() -> None:
    pool = WorkgroupPool("wg", 16, short_lane=True)  # 2 main, 1 lane
    a = await pool.acquire(short=True)
    b = await pool.acquire(short=True)
    assert (a.lane, b.lane) == ("short", "main")


async def test_queued_short_statements_take_whichever_slot_frees_first() -> None:
    pool = WorkgroupPool("wg", 8, short_lane=True)
    main = await pool.acquire()
    lane = await pool.acquire(short=True)
    first = asyncio.create_task(pool.acquire(short=True))
    second = asyncio.create_task(pool.acquire(short=True))
    await settle()
    assert pool.snapshot().short_queued == 2
    pool.release(main)  # no long statement waits: the main slot serves the short queue
    await settle()
    assert first.done() and first.result().lane == "main" and not second.done()
    pool.release(lane)
    await settle()
    assert second.result().lane == "short"
    for t in (first.result(), second.result()):
        pool.release(t)
    assert (pool.running, pool.short_running) == (0, 0)


async def test_long_queue_keeps_main_slots_from_short_statements() -> None:
    pool = WorkgroupPool("wg", 8, short_lane=True)
    main = await pool.acquire()
    lane = await pool.acquire(short=True)
    long_waiter = asyncio.create_task(pool.acquire())
    short_waiter = asyncio.create_task(pool.acquire(short=True))
    await settle()
    pool.release(main)
    await settle()
    assert long_waiter.done() and not short_waiter.done()
    pool.release(lane)
    await settle()
    assert short_waiter.result().lane == "short"


async def test_cancelled_short_waiter_leaves_and_granted_one_hands_on() -> None:
    pool = WorkgroupPool("wg", 8, short_lane=True)
    main = await pool.acquire()
    lane = await pool.acquire(short=True)
    gone = asyncio.create_task(pool.acquire(short=True))
    stays = asyncio.create_task(pool.acquire(short=True))
    await settle()
    gone.cancel()
    await settle()
    assert pool.snapshot().short_queued == 1
    pool.release(lane)
    stays.cancel()  # granted and cancelled in the same step: the slot is given back
    await settle()
    assert (pool.short_running, pool.snapshot().short_queued) == (0, 0)
    pool.release(main)
    assert pool.running == 0


async def test_resize_grows_the_lane() -> None:
    pool = WorkgroupPool("wg", 56, short_lane=True)  # 7 main, 1 lane
    held = [await pool.acquire(short=True) for _ in range(8)]
    waiter = asyncio.create_task(pool.acquire(short=True))
    await settle()
    assert not waiter.done()
    pool.resize(64)  # 8 main, 2 lane
    await settle()
    assert waiter.done()
    for t in [*held, waiter.result()]:
        pool.release(t)
    assert (pool.running, pool.short_running) == (0, 0)
