"""RPU-seconds of one workgroup: what Redshift Serverless bills, and who used them.

A workgroup is billed its capacity (RPUs) for every second in which it has a running query or
an open transaction; an active period (from idle to idle) is billed at least 60 seconds. The
meter is told when queries start and finish and when transactions open and end, and
integrates between those events and at each ``advance`` (the server calls it every second, so
real-time figures are never more than a second old):

* ``compute`` RPU-seconds, per minute, as they are consumed (SYS_SERVERLESS_USAGE's
  compute_seconds, the minimum not included);
* ``charged`` RPU-seconds, settled when an active period ends or once it has passed the
  minimum (the minimum is reached by charging the rest of it at the capacity of the moment);
* a share of each second to every unit active in it (a running query, or a session idle in a
  transaction), so each query knows its RPU-seconds and every charge has an ``Attribution``
  (namespace, user, query group, consumer and producer namespace for shared data).

The capacity of an interval is the one the pool had at its start (``capacity`` is read at each
event), so a resize is billed from the first event after it.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

MINIMUM_CHARGE_S = 60.0


@dataclass(frozen=True, slots=True)
class Attribution:
    """Who a share of RPU-seconds is charged to."""

    namespace: str
    user: str
    query_group: str = ""
    consumer: str = ""  # namespace GUIDs, for statements that touch shared data
    producer: str = ""


@dataclass(slots=True)
class Minute:
    """The RPU-seconds of one minute (its start in epoch seconds)."""

    start: int
    compute: float = 0.0  # RPU-seconds consumed
    active_s: float = 0.0  # seconds with something running (compute / active_s = RPUs)
    charged: float = 0.0  # RPU-seconds billed (settled in this minute)


@dataclass(frozen=True, slots=True)
class Charge:
    """RPU-seconds settled for one attribution in one minute."""

    minute: int
    attribution: Attribution
    compute: float
    charged: float


@dataclass(slots=True)
class _Unit:
    attribution: Attribution
    share: float = 0.0


class Meter:
    """The RPU-second meter of one workgroup (thread-safe)."""

    def __init__(
        self,
        capacity: Callable[[], int],
        minimum_s: float = MINIMUM_CHARGE_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._capacity_of = capacity
        self.minimum_s = minimum_s
        self._clock = clock
        self._lock = threading.Lock()
        self._queries: dict[int, tuple[int, _Unit]] = {}  # query id -> (session pid, unit)
        self._tx: dict[int, _Unit] = {}  # session pid -> its open transaction
        self._busy: dict[int, int] = {}  # session pid -> queries running
        self._last = clock()
        self._capacity = capacity()
        self._period_s = 0.0  # length of the current active period so far
        self._pending: dict[Attribution, float] = {}  # compute not yet settled
        self._minutes: dict[int, Minute] = {}
        self._charges: dict[tuple[int, Attribution], list[float]] = {}
        self.total_compute = 0.0
        self.total_charged = 0.0

    # -- events ---------------------------------------------------------------------------
    def query_started(self, query_id: int, pid: int, who: Attribution) -> None:
        """A statement of session ``pid`` started running."""
        with self._lock:
            self._advance(self._clock())
            self._queries[query_id] = (pid, _Unit(who))
            self._pending.setdefault(who, 0.0)  # charged the minimum even if it took no time
            self._busy[pid] = self._busy.get(pid, 0) + 1

    def query_finished(self, query_id: int) -> float:
        """A statement ended; returns the RPU-seconds its share came to."""
        with self._lock:
            self._advance(self._clock())
            entry = self._queries.pop(query_id, None)
            if entry is None:
                return 0.0
            pid, unit = entry
            left = self._busy.get(pid, 1) - 1
            if left:
                self._busy[pid] = left
            else:
                self._busy.pop(pid, None)
            self._maybe_idle()
            return unit.share

    def tx_began(self, pid: int, who: Attribution) -> None:
        """Session ``pid`` opened a transaction (it is billed while the transaction is open)."""
        with self._lock:
            self._advance(self._clock())
            self._tx.setdefault(pid, _Unit(who))
            self._pending.setdefault(who, 0.0)

    def tx_ended(self, pid: int) -> None:
        """Session ``pid``'s transaction ended (commit, rollback, or the session went away)."""
        with self._lock:
            self._advance(self._clock())
            if self._tx.pop(pid, None) is not None:
                self._maybe_idle()

    def advance(self) -> None:
        """Bring the figures up to now (called every second)."""
        with self._lock:
            self._advance(self._clock())

    # -- reading ----------------------------------------------------------------------------
    @property
    def active(self) -> bool:
        """Whether the workgroup is being billed right now."""
        return bool(self._queries or self._tx)

    def pending(self) -> float:
        """Compute RPU-seconds consumed but not yet settled as a charge."""
        with self._lock:
            return sum(self._pending.values())

    def drain(self) -> tuple[list[Minute], list[Charge]]:
        """Take the per-minute figures and the charges accumulated since the last drain."""
        with self._lock:
            minutes = list(self._minutes.values())
            charges = [Charge(m, who, c, ch) for (m, who), (c, ch) in self._charges.items()]
            self._minutes = {}
            self._charges = {}
        return minutes, charges

    def peek(self) -> list[Minute]:
        """The per-minute figures not yet drained (copies)."""
        with self._lock:
            return [Minute(m.start, m.compute, m.active_s, m.charged)
                    for m in self._minutes.values()]

    def peek_charges(self) -> list[Charge]:
        """The charges not yet drained (copies)."""
        with self._lock:
            return [Charge(m, who, c, ch) for (m, who), (c, ch) in self._charges.items()]

    # -- integration ----------------------------------------------------------------------------
    def _units(self) -> list[_Unit]:
        # A session's open transaction counts only while none of its statements runs: the
        # statement is what the session is doing then.
        units = [unit for _, unit in self._queries.values()]
        units.extend(u for pid, u in self._tx.items() if pid not in self._busy)
        return units

    def _advance(self, now: float) -> None:
        dt = now - self._last
        capacity = self._capacity
        self._last = now
        self._capacity = self._capacity_of()
        units = self._units()
        if dt <= 0 or not units:
            return
        rpu_s = capacity * dt
        share = rpu_s / len(units)
        for unit in units:
            unit.share += share
            self._pending[unit.attribution] = self._pending.get(unit.attribution, 0.0) + share
        self.total_compute += rpu_s
        self._period_s += dt
        t = now - dt
        while t < now:  # spread over the minutes the interval covers
            start = int(t // 60 * 60)
            end = min(now, start + 60)
            minute = self._minute(start)
            minute.compute += capacity * (end - t)
            minute.active_s += end - t
            t = end
        if self._period_s >= self.minimum_s:
            self._settle(0.0)

    def _maybe_idle(self) -> None:
        if self._queries or self._tx:
            return
        short = max(0.0, self.minimum_s - self._period_s)
        self._settle(short * self._capacity)
        self._period_s = 0.0

    def _settle(self, topup: float) -> None:
        """Turn pending compute into charges; ``topup`` (the rest of the minimum) is spread
        over them in proportion to their compute."""
        total = sum(self._pending.values())
        if not self._pending or (total <= 0 and topup <= 0):
            self._pending.clear()
            return
        minute = int(math.floor(self._last / 60) * 60)
        for who, compute in self._pending.items():
            extra = topup * (compute / total) if total > 0 else topup / len(self._pending)
            acc = self._charges.setdefault((minute, who), [0.0, 0.0])
            acc[0] += compute
            acc[1] += compute + extra
            self._minute(minute).charged += compute + extra
            self.total_charged += compute + extra
        self._pending.clear()

    def _minute(self, start: int) -> Minute:
        minute = self._minutes.get(start)
        if minute is None:
            minute = self._minutes[start] = Minute(start)
        return minute
