"""The policies the forecast-driven scaler is measured against, with the same interface
(``decide(observation, demand) -> Decision``) so the simulator runs any of them.

- ``StaticPolicy``: one capacity all day (Redshift Serverless without scaling, or a
  provisioned cluster): at the base, or sized for the peak.
- ``ReactivePolicy``: classic queue-driven step scaling (Redshift Serverless' traditional
  behaviour, as a cloud autoscaler implements it): once a minute, double the capacity if
  statements queue; halve it after five minutes without a queue while at most half the slots
  are busy, never below the base.
- ``MultiClusterPolicy``: Snowflake's multi-cluster warehouse. Clusters of a fixed size start
  and stop. STANDARD starts a cluster as soon as a statement queues (at most one per 20 s) and
  stops one after 2 consecutive one-minute checks find the load would fit on one cluster
  fewer; ECONOMY starts one only when the queued work would keep it busy for 6 minutes and
  stops one after 6 such checks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from policies.scaler import Candidate, Decision, Demand, Observation


@dataclass
class StaticPolicy:
    """Always ``capacity`` RPUs."""

    capacity: int
    uses_forecast: bool = field(default=False, init=False)

    def decide(self, obs: Observation, demand: Demand) -> Decision:
        """Keep the capacity."""
        del obs, demand  # a static policy looks at nothing
        return Decision(self.capacity, "static")


@dataclass
class ReactivePolicy:
    """Step scaling on queue length between ``base`` and the largest candidate, evaluated
    once a period as a cloud autoscaler's alarm is (CloudWatch metrics are per minute).

    Args:
        base: the floor (the workgroup's base capacity).
        candidates: allowed capacities, ascending.
        period_s: seconds between evaluations.
        cooldown_s: seconds without a queued statement (and since the last change) before
            scaling in.
    """

    base: int
    candidates: list[Candidate]
    period_s: float = 60.0
    cooldown_s: float = 300.0
    uses_forecast: bool = field(default=False, init=False)
    _last_eval: float = field(default=-math.inf, init=False)
    _last_queue: float = field(default=-math.inf, init=False)
    _last_change: float = field(default=-math.inf, init=False)

    def decide(self, obs: Observation, demand: Demand) -> Decision:
        """Double on a queue, halve after a quiet cool-down."""
        del demand  # reacts to the queue only
        if obs.queued:
            self._last_queue = obs.now_s
        if obs.now_s - self._last_eval < self.period_s:
            return Decision(obs.capacity, "hold: between evaluations")
        self._last_eval = obs.now_s
        if obs.queued:
            target = self._step(obs.capacity * 2)
            if target > obs.capacity:
                self._last_change = obs.now_s
                return Decision(target, f"scale up: {obs.queued} queued")
            return Decision(obs.capacity, "hold: at the ceiling")
        quiet = obs.now_s - max(self._last_queue, self._last_change)
        slots = next((c.slots for c in self.candidates if c.rpus == obs.capacity), 1)
        if quiet >= self.cooldown_s and obs.running <= slots // 2:
            target = max(self.base, self._step(obs.capacity // 2))
            if target < obs.capacity:
                self._last_change = obs.now_s
                return Decision(target, f"scale down: {obs.running} running")
        return Decision(obs.capacity, "hold")

    def _step(self, rpus: int) -> int:
        """The largest candidate not above ``rpus`` (at least the smallest)."""
        fitting = [c.rpus for c in self.candidates if c.rpus <= rpus]
        return fitting[-1] if fitting else self.candidates[0].rpus


@dataclass
class MultiClusterPolicy:
    """Clusters of ``cluster_rpus`` each, 1 to ``max_clusters`` of them.

    Args:
        cluster_rpus: one cluster's capacity.
        cluster_slots: the slots one cluster has.
        max_clusters: the most clusters that may run.
        economy: Snowflake's ECONOMY scaling policy instead of STANDARD.
    """

    cluster_rpus: int
    cluster_slots: int
    max_clusters: int
    economy: bool = False
    uses_forecast: bool = field(default=False, init=False)
    _clusters: int = field(default=1, init=False)
    _last_start: float = field(default=-math.inf, init=False)
    _last_check: float = field(default=-math.inf, init=False)
    _quiet_checks: int = field(default=0, init=False)

    def decide(self, obs: Observation, demand: Demand) -> Decision:
        """Start or stop at most one cluster."""
        del demand  # reacts to the queue only
        if obs.queued and self._clusters < self.max_clusters and (
                obs.now_s - self._last_start >= 20.0):
            busy_for = obs.queued_work_s / max(self.cluster_slots, 1)
            if not self.economy or busy_for >= 360.0:
                self._clusters += 1
                self._last_start = obs.now_s
                self._quiet_checks = 0
                return self._decision(f"start cluster {self._clusters}: {obs.queued} queued")
        if obs.now_s - self._last_check >= 60.0:
            self._last_check = obs.now_s
            fits = obs.running + obs.queued <= (self._clusters - 1) * self.cluster_slots
            self._quiet_checks = self._quiet_checks + 1 if fits else 0
            if self._clusters > 1 and self._quiet_checks >= (6 if self.economy else 2):
                self._clusters -= 1
                self._quiet_checks = 0
                return self._decision(f"stop a cluster: {obs.running} running")
        return self._decision("hold")

    def _decision(self, why: str) -> Decision:
        return Decision(self._clusters * self.cluster_rpus, why)
