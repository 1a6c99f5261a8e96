"""The scaler: at each tick, the capacity that minimizes expected cost plus a latency penalty
whose weight is the workgroup's price-performance level.

For every allowed capacity (Redshift's RPU steps up to ``max_capacity``, each with the slots
``engine.admission.shape_for_capacity`` gives it, handed in as ``Candidate``\\ s) and every
minute of the horizon the scaler estimates:

- **cost**: RPUs x 60 s (RPU-seconds; Redshift Serverless bills capacity per second while
  queries run, and a workgroup with a steady stream of statements is always running);
- **waiting**: the queueing delay every arriving statement can expect, in seconds summed over
  the minute's arrivals. Two parts: a fluid backlog (what is queued now, from the query
  forecaster's predictions, plus forecast work beyond what the slots drain; each arrival waits
  for the backlog ahead of it) and the stochastic wait of an M/G/c queue at the forecast load
  (Erlang C with the Allen-Cunneen correction for the spread of service times).

The objective is ``cost + weight(level) x waiting``; ``weight`` grows geometrically from
``LOW_COST`` (1) to ``HIGH_PERFORMANCE`` (100): how many RPU-seconds the workgroup will pay to
save one second of query waiting.

Hysteresis: the scaler scales up at once to the best capacity of this minute or the next (so
capacity is there before a forecast burst, not after the queue has grown); it scales down only
after the lower capacity has been best, for the whole down-horizon, for ``down_after_s``
seconds in a row, and never within ``hold_s`` of a scale-up. It never goes above the largest
candidate, which the caller takes from ``max_capacity``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from catalog.capacity import level_name


@dataclass(frozen=True, slots=True)
class Candidate:
    """An allowed capacity and the main concurrency slots it buys."""

    rpus: int
    slots: int


@dataclass(frozen=True, slots=True)
class Observation:
    """The pool as the scaler sees it at one tick."""

    now_s: float
    capacity: int
    running: int
    queued: int
    oldest_wait_s: float = 0.0
    queued_work_s: float = 0.0  # predicted slot-seconds of the queued statements
    running_work_s: float = 0.0  # predicted slot-seconds the running statements still need


@dataclass(frozen=True, slots=True)
class Demand:
    """Forecast main-lane demand, one value per minute from the current one on."""

    arrivals: np.ndarray  # statements per minute
    work: np.ndarray  # slot-seconds per minute
    scv: float = 1.0  # squared coefficient of variation of execution times


@dataclass(frozen=True, slots=True)
class Decision:
    """What a policy chose at one tick, and why."""

    capacity: int
    reason: str
    forecast_work: float = 0.0  # forecast slot-seconds per second over the next minute
    forecast_arrivals: float = 0.0  # forecast statements per minute, next minute


# weight(level) = LOW_WEIGHT x (HIGH_WEIGHT / LOW_WEIGHT) ** ((level - 1) / 99)
LOW_WEIGHT = 2.0
HIGH_WEIGHT = 2000.0
# The longest wait the model will estimate for one statement (beyond it, any more capacity
# helps and the exact number does not matter).
MAX_WAIT_S = 3600.0
# Above this utilization the M/G/c formula is replaced by the fluid backlog growth.
MAX_RHO = 0.97


def latency_weight(level: int) -> float:
    """RPU-seconds worth paying to save one second of waiting, at a price-performance level.

    >>> round(latency_weight(1)), round(latency_weight(50)), round(latency_weight(100))
    (2, 61, 2000)
    """
    return LOW_WEIGHT * (HIGH_WEIGHT / LOW_WEIGHT) ** ((level - 1) / 99.0)


def erlang_c(slots: np.ndarray, load: np.ndarray) -> np.ndarray:
    """Probability that an arrival waits in an M/M/c queue: ``slots`` servers (column
    vector or scalar) at offered ``load`` in Erlangs (broadcast); 1 where ``load >= slots``.

    >>> round(float(erlang_c(np.array(2), np.array(1.0))), 4)
    0.3333
    """
    slots = np.asarray(slots)
    load = np.asarray(load, dtype=float)
    top = int(np.max(slots))
    shape = np.broadcast(slots, load).shape
    b = np.ones(np.broadcast(load).shape)
    out = np.ones(shape)
    for n in range(1, top + 1):
        b = load * b / (n + load * b)  # Erlang B by its stable recursion
        with np.errstate(divide="ignore", invalid="ignore"):
            c = b / (1.0 - (load / n) * (1.0 - b))
        c = np.where(load < n, c, 1.0)
        out = np.where(slots == n, c, out)
    return np.clip(out, 0.0, 1.0)


def expected_waiting(
    slots: np.ndarray, obs: Observation, demand: Demand
) -> np.ndarray:
    """Seconds of waiting summed over the statements of each minute, for each slot count.

    Returns an array (len(slots), len(demand.work)).
    """
    s = np.asarray(slots, dtype=float)[:, None]
    arrivals = np.maximum(demand.arrivals, 0.0)[None, :]
    work = np.maximum(demand.work, 0.0)[None, :]
    load = work / 60.0  # Erlangs: slot-seconds per second
    mean_service = np.where(arrivals > 0, work / np.maximum(arrivals, 1e-9), 0.0)
    rho = np.minimum(load / s, MAX_RHO)
    c = erlang_c(s.astype(int), rho * s)
    stochastic = c * mean_service / (s * (1.0 - rho)) * (1.0 + demand.scv) / 2.0
    # The fluid backlog: what waits now, then whatever each minute brings beyond what the
    # slots drain; running statements hold their slots until their predicted work is done.
    held = np.full(s.shape[0], obs.running_work_s, dtype=float)
    holders = np.minimum(float(obs.running), s[:, 0]) * 60.0
    level = np.full(s.shape[0], obs.queued_work_s, dtype=float)
    backlog = np.empty_like(stochastic)
    for k in range(work.shape[1]):
        busy = np.minimum(held, holders)
        held -= busy
        after = np.maximum(0.0, level + work[0, k] - (s[:, 0] * 60.0 - busy))
        backlog[:, k] = (level + after) / 2.0
        level = after
    wait_each = np.minimum(stochastic + backlog / s, MAX_WAIT_S)
    total = arrivals * wait_each
    # The statements already queued wait for about half the backlog ahead of them.
    total[:, 0] += obs.queued * np.minimum(obs.queued_work_s / (2.0 * s[:, 0]), MAX_WAIT_S)
    return total


@dataclass
class Scaler:
    """The forecast-driven policy of one workgroup.

    Args:
        level: the price-performance level (1..100).
        candidates: allowed capacities, ascending; the last is the ceiling.
        down_after_s: how long a lower capacity must stay best before scaling down.
        hold_s: no scaling down this long after scaling up.
        down_horizon: minutes of forecast a lower capacity must suffice for.
    """

    level: int
    candidates: list[Candidate]
    down_after_s: float = 120.0
    hold_s: float = 300.0
    down_horizon: int = 10
    uses_forecast: bool = field(default=True, init=False)
    _lower_since: float | None = field(default=None, init=False)
    _last_up: float = field(default=-math.inf, init=False)

    def decide(self, obs: Observation, demand: Demand) -> Decision:
        """The capacity for the next tick."""
        slots = np.array([c.slots for c in self.candidates])
        rpus = np.array([c.rpus for c in self.candidates], dtype=float)
        waiting = expected_waiting(slots, obs, demand)
        objective = rpus[:, None] * 60.0 + latency_weight(self.level) * waiting
        best = rpus[np.argmin(objective, axis=0)]  # per minute of the horizon
        up = int(best[: 2].max())
        down = int(best[: self.down_horizon].max())
        rate = float(demand.work[0]) / 60.0 if len(demand.work) else 0.0
        arrivals = float(demand.arrivals[0]) if len(demand.arrivals) else 0.0

        def decision(capacity: int, why: str) -> Decision:
            return Decision(capacity, f"{why}; {level_name(self.level)}", rate, arrivals)

        if up > obs.capacity:
            self._lower_since = None
            self._last_up = obs.now_s
            cause = (f"{obs.queued} queued ({obs.queued_work_s:.0f} slot-s)"
                     if best[0] >= best[1] and obs.queued else
                     f"forecast {rate:.1f} slot-s/s")
            return decision(up, f"scale up: {cause}")
        if down >= obs.capacity:
            self._lower_since = None
            return decision(obs.capacity, "hold")
        if self._lower_since is None:
            self._lower_since = obs.now_s
        waited = obs.now_s - self._lower_since
        if waited < self.down_after_s or obs.now_s - self._last_up < self.hold_s:
            return decision(obs.capacity, f"hold: {down} RPUs would do")
        self._lower_since = None
        return decision(down, f"scale down: forecast {rate:.1f} slot-s/s for "
                              f"{self.down_horizon} min")
