"""Tests for engine/admission.py: FIFO slots, resizing, cancellation and counters."""

from __future__ import annotations

import asyncio

import pytest

from engine.admission import PoolState, Ticket, WorkgroupPool, slots_for_capacity


async def settle() -> None:
    """Let every ready task run until it blocks again."""
    for _ in range(5):
        await asyncio.sleep(0)


async def queue(pool: WorkgroupPool, n: int) -> list[asyncio.Task[Ticket]]:
    """Start ``n`` acquirers in order and wait until they are all queued."""
    tasks = []
    for _ in range(n):
        tasks.append(asyncio.create_task(pool.acquire()))
        await settle()
    return tasks


@pytest.mark.parametrize(
    ("rpus", "slots"),
    [(0, 1), (4, 1), (8, 1), (15, 1), (16, 2), (24, 3), (128, 16), (512, 64), (544, 68),
     (1024, 128)],
)
def test_slots_for_capacity(rpus: int, slots: int) -> None:
    assert slots_for_capacity(rpus) == slots


async def test_free_slots_are_taken_immediately() -> None:
    pool = WorkgroupPool("wg", 16)
    a, b = await pool.acquire(), await pool.acquire()
    assert a.queued_s == b.queued_s == 0.0
    assert (pool.running, pool.slots) == (2, 2)
    assert pool.snapshot().queued == 0


async def test_fifo_order() -> None:
    pool = WorkgroupPool("wg", 8)
    holder = await pool.acquire()
    order: list[int] = []

    async def worker(i: int) -> None:
        ticket = await pool.acquire()
        order.append(i)
        await asyncio.sleep(0)
        pool.release(ticket)

    tasks = []
    for i in range(5):
        tasks.append(asyncio.create_task(worker(i)))
        await settle()
    assert pool.snapshot().queued == 5
    pool.release(holder)
    await asyncio.gather(*tasks)
    assert order == [0, 1, 2, 3, 4]
    assert (pool.running, pool.snapshot().queued) == (0, 0)


async def test_newcomer_does_not_overtake_the_queue() -> None:
    pool = WorkgroupPool("wg", 8)
    holder = await pool.acquire()
    (first,) = await queue(pool, 1)
    pool.release(holder)  # the slot goes to the queued waiter, not to whoever asks next
    late = asyncio.create_task(pool.acquire())
    await settle()
    assert first.done() and not late.done()
    pool.release(first.result())
    await settle()
    assert late.done()
    pool.release(late.result())
    assert pool.running == 0


async def test_release_is_idempotent() -> None:
    pool = WorkgroupPool("wg", 16)
    ticket = await pool.acquire()
    pool.release(ticket)
    pool.release(ticket)
    assert ticket.released
    assert pool.running == 0


async def test_resize_up_admits_queued_waiters() -> None:
    pool = WorkgroupPool("wg", 8)
    holder = await pool.acquire()
    waiters = await queue(pool, 3)
    pool.resize(24)  # 3 slots
    await settle()
    assert [t.done() for t in waiters] == [True, True, False]
    snap = pool.snapshot()
    assert (snap.capacity, snap.slots, snap.running, snap.queued) == (24, 3, 3, 1)
    pool.release(holder)
    await settle()
    assert waiters[2].done()
    for t in waiters:
        pool.release(t.result())
    assert pool.running == 0


async def test_resize_down_lets_running_finish_and_admits_none_until_below() -> None:
    pool = WorkgroupPool("wg", 24)  # 3 slots
    held = [await pool.acquire() for _ in range(3)]
    pool.resize(8)  # 1 slot
    assert (pool.slots, pool.running) == (1, 3)
    (waiter,) = await queue(pool, 1)
    pool.release(held[0])
    await settle()
    assert not waiter.done() and pool.running == 2
    pool.release(held[1])
    await settle()
    assert not waiter.done() and pool.running == 1
    pool.release(held[2])
    await settle()
    assert waiter.done() and pool.running == 1
    pool.release(waiter.result())
    assert pool.running == 0


async def test_cancelled_waiter_leaves_the_queue() -> None:
    pool = WorkgroupPool("wg", 8)
    holder = await pool.acquire()
    gone, stays = await queue(pool, 2)
    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    assert pool.snapshot().queued == 1
    pool.release(holder)
    await settle()
    assert stays.done()
    assert pool.running == 1
    pool.release(stays.result())
    assert (pool.running, pool.snapshot().queued) == (0, 0)


async def test_cancel_as_slot_is_granted_hands_the_slot_on() -> None:
    pool = WorkgroupPool("wg", 8)
    holder = await pool.acquire()
    unlucky, next_in_line = await queue(pool, 2)
    pool.release(holder)  # grants the slot to `unlucky`'s future ...
    assert (pool.running, pool.snapshot().queued) == (1, 1)
    assert not unlucky.done()
    unlucky.cancel()  # ... which is cancelled before it could run
    with pytest.raises(asyncio.CancelledError):
        await unlucky
    await settle()
    assert next_in_line.done()
    assert pool.running == 1
    pool.release(next_in_line.result())
    assert (pool.running, pool.snapshot().queued) == (0, 0)


async def test_cancel_as_slot_is_granted_with_nobody_waiting() -> None:
    pool = WorkgroupPool("wg", 8)
    holder = await pool.acquire()
    (unlucky,) = await queue(pool, 1)
    pool.release(holder)
    assert (pool.running, pool.snapshot().queued) == (1, 0)  # granted, not yet run
    unlucky.cancel()
    with pytest.raises(asyncio.CancelledError):
        await unlucky
    assert pool.running == 0
    # The slot really is free: the next acquirer gets it at once.
    ticket = await asyncio.wait_for(pool.acquire(), 1)
    assert ticket.queued_s == 0.0
    pool.release(ticket)


async def test_many_cancellations_never_leak_slots() -> None:
    pool = WorkgroupPool("wg", 16)  # 2 slots
    held = [await pool.acquire(), await pool.acquire()]
    finished: list[int] = []

    async def worker(i: int) -> None:
        ticket = await pool.acquire()
        try:
            assert pool.running <= pool.slots
            await asyncio.sleep(0)
            finished.append(i)
        finally:
            pool.release(ticket)

    tasks = []
    for i in range(12):
        tasks.append(asyncio.create_task(worker(i)))
        await settle()
    for t in tasks[::3]:
        t.cancel()  # queued: leaves the queue
    for ticket in held:
        pool.release(ticket)  # grants the next two slots ...
    tasks[1].cancel()  # ... one of them to a task cancelled before it runs
    tasks[2].cancel()
    results = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5)
    cancelled = {i for i, r in enumerate(results) if isinstance(r, asyncio.CancelledError)}
    assert cancelled == {0, 1, 2, 3, 6, 9}
    assert sorted(finished) == [4, 5, 7, 8, 10, 11]
    assert finished == sorted(finished)  # FIFO among the survivors
    assert (pool.running, pool.snapshot().queued) == (0, 0)


async def test_snapshot_counters() -> None:
    pool = WorkgroupPool("etl", 8)
    empty = pool.snapshot()
    assert empty == PoolState("etl", 8, 1, 0, 0, 0.0, 0.0, 0)
    holder = await pool.acquire()
    (waiter,) = await queue(pool, 1)
    await asyncio.sleep(0.03)
    snap = pool.snapshot()
    assert (snap.running, snap.queued, snap.admitted) == (1, 1, 1)
    assert snap.max_wait_ms >= 25.0
    assert snap.total_wait_ms == 0.0
    pool.release(holder)
    ticket = await waiter
    assert ticket.queued_s >= 0.025
    after = pool.snapshot()
    assert (after.running, after.queued, after.admitted) == (1, 0, 2)
    assert after.max_wait_ms == 0.0
    assert after.total_wait_ms == pytest.approx(ticket.queued_s * 1000.0)
    pool.release(ticket)
    assert pool.snapshot().running == 0
