"""Workgroup admission pools: concurrency slots, a FIFO queue behind them, and counters.

Each workgroup owns one pool. A statement takes a slot before it runs on DuckDB and gives it back
when its result is fully sent (or it fails). The core is synchronous and takes no clock of its
own beyond what it is handed; ``acquire()`` is the thin async wrapper, and it removes its waiter
from the queue if the waiting task is cancelled (a client that disconnects while queued), so a
slot is never handed to a task that is gone. ``resize()`` changes the number of slots at run
time without touching running statements: growing wakes queued ones, shrinking lets running
ones finish and admits no more until the count is below the new size.

A pool may have a short-query acceleration lane (Redshift's SQA): a few extra slots that only
statements predicted to be short may take, so they never wait behind long ones. Short
statements take a lane slot first, a main slot when the lane is full and nobody queues for the
main slots, and otherwise wait in their own FIFO for whichever frees first.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

# One concurrency slot per 8 RPUs (Redshift Serverless' smallest step), at least one slot.
RPUS_PER_SLOT = 8
# The short-query lane: one slot, plus one per this many main slots.
MAIN_SLOTS_PER_SHORT_SLOT = 8


@dataclass(frozen=True, slots=True)
class PoolShape:
    """What a capacity buys: main concurrency slots and short-query lane slots."""

    slots: int
    short_slots: int


def shape_for_capacity(rpus: int, *, short_lane: bool = False) -> PoolShape:
    """The one mapping from a capacity in RPUs to what a workgroup's pool may run at once.

    Every 8 RPUs (Redshift Serverless' step) buy one concurrency slot, at least one. With a
    short-query lane, ``1 + slots // 8`` more slots run only statements predicted to be short;
    they are few because short statements hold a slot briefly, and they grow with capacity so
    a larger workgroup's stream of short statements still finds room.

    Capacity buys no per-statement memory budget: DuckDB's ``memory_limit`` is one budget for
    the whole instance (there is no per-connection or per-query limit), and it is locked with
    the rest of the configuration after start-up, so every slot shares the instance's memory.

    >>> shape_for_capacity(128), shape_for_capacity(128, short_lane=True)
    (PoolShape(slots=16, short_slots=0), PoolShape(slots=16, short_slots=3))
    """
    slots = max(1, rpus // RPUS_PER_SLOT)
    short = 1 + slots // MAIN_SLOTS_PER_SHORT_SLOT if short_lane else 0
    return PoolShape(slots, short)


def slots_for_capacity(rpus: int) -> int:
    """The number of main concurrency slots a capacity in RPUs buys (``shape_for_capacity``).

    >>> slots_for_capacity(4), slots_for_capacity(8), slots_for_capacity(128)
    (1, 1, 16)
    """
    return shape_for_capacity(rpus).slots


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
    short_slots: int = 0
    short_running: int = 0
    short_queued: int = 0
    short_admitted: int = 0


@dataclass(slots=True)
class Ticket:
    """A held slot; ``queued_s`` is how long the statement waited for it, ``lane`` is
    ``"short"`` when it holds a short-query lane slot (the statement was accelerated)."""

    queued_s: float
    released: bool = False
    lane: str = "main"


# A queued statement: the future that grants its slot (with the lane it got) and when it came.
_Waiter = tuple["asyncio.Future[str]", float]


class WorkgroupPool:
    """Slots and queues of one workgroup."""

    def __init__(self, workgroup: str, capacity: int, *, short_lane: bool = False) -> None:
        self.workgroup = workgroup
        self.short_lane = short_lane
        self.capacity = capacity
        shape = shape_for_capacity(capacity, short_lane=short_lane)
        self.slots = shape.slots
        self.short_slots = shape.short_slots
        self.running = 0
        self.short_running = 0
        self._waiters: deque[_Waiter] = deque()
        self._short_waiters: deque[_Waiter] = deque()
        self._admitted = 0
        self._short_admitted = 0
        self._total_wait_s = 0.0

    def resize(self, capacity: int) -> None:
        """Change capacity (and so slots) now; queued statements are admitted if room appears."""
        self.capacity = capacity
        shape = shape_for_capacity(capacity, short_lane=self.short_lane)
        self.slots = shape.slots
        self.short_slots = shape.short_slots
        self._wake()

    async def acquire(self, *, short: bool = False) -> Ticket:
        """Wait for a slot in FIFO order; ``short``: the statement is predicted to be short
        and may use the short-query lane (if the pool has one)."""
        start = time.monotonic()
        short = short and self.short_slots > 0
        lane = self._free_lane(short)
        if lane is not None:
            self._take(lane)
            return Ticket(0.0, lane=lane)
        fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        entry = (fut, start)
        queue = self._short_waiters if short else self._waiters
        queue.append(entry)
        try:
            lane = await fut
        except BaseException:
            if fut.done() and not fut.cancelled():
                # The slot was granted just as we were cancelled: hand it on.
                self._give_back(fut.result())
                self._wake()
            elif entry in queue:
                queue.remove(entry)
            raise
        waited = time.monotonic() - start
        self._total_wait_s += waited
        return Ticket(waited, lane=lane)

    def release(self, ticket: Ticket) -> None:
        """Give a slot back (idempotent per ticket)."""
        if ticket.released:
            return
        ticket.released = True
        self._give_back(ticket.lane)
        self._wake()

    def _free_lane(self, short: bool) -> str | None:
        """The lane a newcomer may take at once, if any (queued statements go first)."""
        if short and not self._short_waiters:
            if self.short_running < self.short_slots:
                return "short"
            if self.running < self.slots and not self._waiters:
                return "main"
        elif not short and self.running < self.slots and not self._waiters:
            return "main"
        return None

    def _take(self, lane: str) -> None:
        if lane == "short":
            self.short_running += 1
            self._short_admitted += 1
        else:
            self.running += 1
            self._admitted += 1

    def _give_back(self, lane: str) -> None:
        if lane == "short":
            self.short_running -= 1
        else:
            self.running -= 1

    def _wake(self) -> None:
        self._grant(self._waiters, "main", lambda: self.running < self.slots)
        self._grant(self._short_waiters, "short",
                    lambda: self.short_running < self.short_slots)
        # Main slots nobody queues for serve short statements too.
        self._grant(self._short_waiters, "main",
                    lambda: not self._waiters and self.running < self.slots)

    def _grant(self, waiters: deque[_Waiter], lane: str, room: Callable[[], bool]) -> None:
        while waiters and room():
            fut, _ = waiters.popleft()
            if fut.done():
                continue
            self._take(lane)
            fut.set_result(lane)

    def snapshot(self) -> PoolState:
        """The pool's counters at this moment."""
        now = time.monotonic()
        starts = [q[0][1] for q in (self._waiters, self._short_waiters) if q]
        oldest = now - min(starts) if starts else 0.0
        return PoolState(
            workgroup=self.workgroup,
            capacity=self.capacity,
            slots=self.slots,
            running=self.running,
            queued=len(self._waiters),
            max_wait_ms=oldest * 1000.0,
            total_wait_ms=self._total_wait_s * 1000.0,
            admitted=self._admitted,
            short_slots=self.short_slots,
            short_running=self.short_running,
            short_queued=len(self._short_waiters),
            short_admitted=self._short_admitted,
        )
