"""Prometheus metrics of one server process."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

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


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.decisions = Counter(
            "linkgate_decisions",
            "Decisions made, by treatment and kind (share or open).",
            ["treatment", "kind"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "linkgate_decision_seconds",
            "Time to decide one link (in-process, excluding HTTP).",
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
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
        # The counter's child per (treatment, kind): looking it up by labels takes a lock.
        self._decided: dict[tuple[str, str], Any] = {}

    def decided(self, treatment: str, kind: str, seconds: float) -> None:
        """Count one decision of ``kind`` with ``treatment`` that took ``seconds``."""
        self.latency.observe(seconds)
        child = self._decided.get((treatment, kind))
        if child is None:
            child = self._decided[(treatment, kind)] = self.decisions.labels(treatment, kind)
        child.inc()

    def set_revision(self, revision: str) -> None:
        if revision != self._revision:
            if self._revision is not None:
                self.revision.remove(self._revision)
            self.revision.labels(revision).set(1)
            self._revision = revision

    def render(self) -> bytes:
        return generate_latest(self.registry)
