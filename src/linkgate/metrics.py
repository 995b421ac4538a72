"""Prometheus metrics of one server process."""

from __future__ import annotations

import threading
from bisect import bisect_left
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Gauge, generate_latest
from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.utils import floatToGoString

LATENCY_BUCKETS = (
    0.00005,
    0.0001,
    0.00025,
    0.0005,
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
)


#: The histogram's ``le`` labels, as the Prometheus client writes them, ``+Inf`` last.
_BOUND_LABELS: tuple[str, ...] = tuple(
    floatToGoString(bound)  # type: ignore[no-untyped-call]
    for bound in (*LATENCY_BUCKETS, float("inf"))
)


class Decisions:
    """Decisions made, by treatment and kind, and the time each took: the decision path's
    metrics, counted as plain numbers under one lock and read out as a counter
    (``linkgate_decisions_total``) and a histogram (``linkgate_decision_seconds``) when
    scraped. (A counter and a histogram of the Prometheus client take a lock for each of
    their three updates, in Python: four times the cost, on every decision.)"""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by: dict[tuple[str, str], int] = {}
        self._buckets = [0] * (len(LATENCY_BUCKETS) + 1)  # the last: over every bound
        self._sum = 0.0

    def add(self, treatment: str, kind: str, seconds: float) -> None:
        key = (treatment, kind)
        bucket = bisect_left(LATENCY_BUCKETS, seconds)  # the first bound >= seconds
        with self._lock:
            by = self._by
            by[key] = by.get(key, 0) + 1
            self._buckets[bucket] += 1
            self._sum += seconds

    def count(self, treatment: str, kind: str) -> int:
        """Decisions of ``kind`` with ``treatment`` so far."""
        return self._by.get((treatment, kind), 0)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            by, buckets, total = dict(self._by), list(self._buckets), self._sum
        decisions = CounterMetricFamily(
            "linkgate_decisions",
            "Decisions made, by treatment and kind (share or open).",
            labels=["treatment", "kind"],
        )
        for (treatment, kind), n in sorted(by.items()):
            decisions.add_metric([treatment, kind], n)
        yield decisions
        cumulative: list[tuple[str, float]] = []
        seen = 0
        for bound, n in zip(_BOUND_LABELS, buckets, strict=True):
            seen += n
            cumulative.append((bound, seen))
        yield HistogramMetricFamily(
            "linkgate_decision_seconds",
            "Time to decide one link (in-process, excluding HTTP).",
            buckets=cumulative,
            sum_value=total,
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.decisions = Decisions()
        self.registry.register(self.decisions)
        self.revision = Gauge(
            "linkgate_snapshot_revision",
            "The policy revision being served (value 1, revision as label).",
            ["revision"],
            registry=self.registry,
        )
        self.dropped = Gauge(
            "linkgate_events_dropped",
            "Decision events dropped because the write queue was full.",
            registry=self.registry,
        )
        self.failed = Gauge(
            "linkgate_events_failed",
            "Decision events that could not be written to the store.",
            registry=self.registry,
        )
        self.pending = Gauge(
            "linkgate_events_pending",
            "Decision events waiting to be written.",
            registry=self.registry,
        )
        self.shadow = Gauge(
            "linkgate_shadow_decisions",
            "Requests decided again by the policy in shadow, by state: logged, pending, "
            "dropped (queue full), failed (not stored).",
            ["state"],
            registry=self.registry,
        )
        self.reloads = Gauge(
            "linkgate_snapshot_reloads", "Snapshot reloads since start.", registry=self.registry
        )
        self.counter_shed = Gauge(
            "linkgate_counter_events_shed",
            "Share-count events dropped before their window ended, to keep the in-process "
            "counters within LINKGATE_COUNTER_MAX_EVENTS.",
            registry=self.registry,
        )
        self.counter_fallbacks = Gauge(
            "linkgate_counter_fallbacks",
            "Shares counted in-process because the shared counters (Redis) were unreachable.",
            registry=self.registry,
        )
        self._revision: str | None = None
        self.decided = self.decisions.add
        """``decided(treatment, kind, seconds)``: count one decision of ``kind`` with
        ``treatment`` that took ``seconds``."""

    def set_revision(self, revision: str) -> None:
        if revision != self._revision:
            if self._revision is not None:
                self.revision.remove(self._revision)
            self.revision.labels(revision).set(1)
            self._revision = revision

    def render(self) -> bytes:
        return generate_latest(self.registry)
