"""The Prometheus endpoint: per-workgroup queries, queues, slots, capacity, RPU-seconds, rules.

Counters and histograms are updated as statements finish and rules fire; the pool gauges are
read from the pools when Prometheus scrapes (a collector), so running statements cost nothing.
``serve`` starts prometheus-client's HTTP server on its own thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from catalog.model import QueryRecord
from engine.admission import PoolState

_PREFIX = "duckshift"


class _Pools(Collector):
    """Queue length, running statements, slots and capacity of every pool, at scrape time."""

    def __init__(self, pools: Callable[[], Iterable[PoolState]]) -> None:
        self._pools = pools

    def collect(self) -> Iterator[GaugeMetricFamily]:
        gauges = {
            "queued": GaugeMetricFamily(f"{_PREFIX}_queue_length",
                                        "Statements waiting for a slot", labels=["workgroup"]),
            "running": GaugeMetricFamily(f"{_PREFIX}_running_queries",
                                         "Statements holding a slot", labels=["workgroup"]),
            "slots": GaugeMetricFamily(f"{_PREFIX}_slots", "Concurrency slots",
                                       labels=["workgroup"]),
            "capacity": GaugeMetricFamily(f"{_PREFIX}_capacity_rpus", "Capacity in RPUs",
                                          labels=["workgroup"]),
        }
        for state in self._pools():
            for name, gauge in gauges.items():
                gauge.add_metric([state.workgroup], float(getattr(state, name)))
        yield from gauges.values()


class Metrics:
    """The server's Prometheus registry."""

    def __init__(self, pools: Callable[[], Iterable[PoolState]]) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self._queries = Counter(f"{_PREFIX}_queries", "Statements by final status",
                                ["workgroup", "status"], registry=r)
        self._latency = Histogram(
            f"{_PREFIX}_query_duration_seconds", "Statement time, queue included",
            ["workgroup"], registry=r,
            buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300, 3600))
        self._compute = Counter(f"{_PREFIX}_compute_rpu_seconds",
                                "RPU-seconds consumed", ["workgroup"], registry=r)
        self._charged = Counter(f"{_PREFIX}_charged_rpu_seconds",
                                "RPU-seconds billed (60 s minimum included)", ["workgroup"],
                                registry=r)
        self._rules = Counter(f"{_PREFIX}_wlm_rule_actions", "Query monitoring rule actions",
                              ["workgroup", "rule", "action"], registry=r)
        self._breaches = Counter(f"{_PREFIX}_usage_limit_breaches", "Usage limits reached",
                                 ["workgroup", "limit_id", "breach_action"], registry=r)
        r.register(_Pools(pools))
        self._http: Any = None

    def query_done(self, workgroup: str, record: QueryRecord) -> None:
        """A statement finished."""
        self._queries.labels(workgroup, record.status).inc()
        self._latency.labels(workgroup).observe((record.queue_us + record.execution_us) / 1e6)

    def rpu_seconds(self, workgroup: str, compute: float, charged: float) -> None:
        """RPU-seconds metered since the last call."""
        self._compute.labels(workgroup).inc(compute)
        self._charged.labels(workgroup).inc(charged)

    def rule_action(self, workgroup: str, rule: str, action: str) -> None:
        """A query monitoring rule fired."""
        self._rules.labels(workgroup, rule, action).inc()

    def breach(self, workgroup: str, limit_id: str, action: str) -> None:
        """A usage limit was reached."""
        self._breaches.labels(workgroup, limit_id, action).inc()

    def serve(self, host: str, port: int) -> int:
        """Serve /metrics on host:port (0: a free port); returns the port."""
        server, _ = start_http_server(port, host, registry=self.registry)
        self._http = server
        return int(server.server_address[1])

    def close(self) -> None:
        """Stop serving."""
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
