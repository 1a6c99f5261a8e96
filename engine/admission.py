"""Workgroup admission pools: concurrency slots, a FIFO queue behind them, and counters.

Each workgroup owns one pool. A statement takes a slot before it runs on DuckDB and gives it back
when its result is fully sent (or it fails). The core is synchronous and takes no clock of its
own beyond what it is handed; ``acquire()`` is the thin async wrapper, and it removes its waiter
from the queue if the waiting task is cancelled (a client that disconnects while queued), so a
slot is never handed to a task that is gone. ``resize()`` changes the number of slots at run
time without touching running statements: growing wakes queued ones, shrinking lets running
ones finish and admits no more until the count is below the new size.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

# One concurrency slot per 8 RPUs (Redshift Serverless' smallest step), at least one slot.
RPUS_PER_SLOT = 8


def slots_for_capacity(rpus: int) -> int:
    """The number of concurrency slots a capacity in RPUs buys.

    >>> slots_for_capacity(4), slots_for_capacity(8), slots_for_capacity(128)
    (1, 1, 16)
    """
    return max(1, rpus // RPUS_PER_SLOT)


@dataclass(frozen=True, slots=True)
class PoolState:
    """An immutable snapshot of a pool, for system views and metrics."""

    workgroup: str
    capacity: int
    slots: int
    running: int
    queued: int
    max_wait_ms: float
    total_wait_ms: float
    admitted: int


@dataclass(slots=True)
class Ticket:
    """A held slot; ``queued_s`` is how long the statement waited for it."""

    queued_s: float
    released: bool = False


class WorkgroupPool:
    """Slots and queue of one workgroup."""

    def __init__(self, workgroup: str, capacity: int) -> None:
        self.workgroup = workgroup
        self.capacity = capacity
        self.slots = slots_for_capacity(capacity)
        self.running = 0
        self._waiters: deque[tuple[asyncio.Future[None], float]] = deque()
        self._admitted = 0
        self._total_wait_s = 0.0

    def resize(self, capacity: int) -> None:
        """Change capacity (and so slots) now; queued statements are admitted if room appears."""
        self.capacity = capacity
        self.slots = slots_for_capacity(capacity)
        self._wake()

    async def acquire(self) -> Ticket:
        """Wait for a slot in FIFO order."""
        start = time.monotonic()
        if self.running < self.slots and not self._waiters:
            self.running += 1
            self._admitted += 1
            return Ticket(0.0)
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (fut, start)
        self._waiters.append(entry)
        try:
            await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                # The slot was granted just as we were cancelled: hand it on.
                self.running -= 1
                self._wake()
            elif entry in self._waiters:
                self._waiters.remove(entry)
            raise
        waited = time.monotonic() - start
        self._total_wait_s += waited
        return Ticket(waited)

    def release(self, ticket: Ticket) -> None:
        """Give a slot back (idempotent per ticket)."""
        if ticket.released:
            return
        ticket.released = True
        self.running -= 1
        self._wake()

    def _wake(self) -> None:
        while self._waiters and self.running < self.slots:
            fut, _ = self._waiters.popleft()
            if fut.done():
                continue
            self.running += 1
            self._admitted += 1
            fut.set_result(None)

    def snapshot(self) -> PoolState:
        """The pool's counters at this moment."""
        now = time.monotonic()
        oldest = now - self._waiters[0][1] if self._waiters else 0.0
        return PoolState(
            workgroup=self.workgroup,
            capacity=self.capacity,
            slots=self.slots,
            running=self.running,
            queued=len(self._waiters),
            max_wait_ms=oldest * 1000.0,
            total_wait_ms=self._total_wait_s * 1000.0,
            admitted=self._admitted,
        )
