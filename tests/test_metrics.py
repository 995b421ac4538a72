"""The decision path's metrics: counted as plain numbers, read out as Prometheus families."""

from __future__ import annotations

import threading

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from linkgate.metrics import LATENCY_BUCKETS, Metrics


def _samples(text: bytes, prefix: str) -> list[str]:
    return [
        line
        for line in text.decode().splitlines()
        if line.startswith(prefix) and "_created" not in line
    ]


def test_decisions_read_out_as_the_client_library_counts_them() -> None:
    # The same decisions through the Prometheus client's own counter and histogram: the
    # scraped samples are the same, bucket bounds (inclusive) and all.
    seconds = [0.0, 0.00005, 0.0000501, 0.0001, 0.0003, 0.1, 0.1000001, 7.0, 0.002]
    kinds = [("rich_page", "share"), ("blocked", "open"), ("rich_page", "share")]
    metrics = Metrics()
    registry = CollectorRegistry()
    counter = Counter("linkgate_decisions", "x", ["treatment", "kind"], registry=registry)
    histogram = Histogram(
        "linkgate_decision_seconds", "x", buckets=LATENCY_BUCKETS, registry=registry
    )
    for i, s in enumerate(seconds):
        treatment, kind = kinds[i % len(kinds)]
        metrics.decided(treatment, kind, s)
        counter.labels(treatment, kind).inc()
        histogram.observe(s)
    ours, theirs = metrics.render(), generate_latest(registry)
    for prefix in ("linkgate_decisions_total", "linkgate_decision_seconds"):
        assert sorted(_samples(ours, prefix)) == sorted(_samples(theirs, prefix)), prefix
    assert 'linkgate_decision_seconds_bucket{le="5e-05"} 2.0' in ours.decode()
    assert metrics.decisions.count("rich_page", "share") == 6
    assert metrics.decisions.count("rich_page", "open") == 0


def test_decisions_counted_from_many_threads_are_all_counted() -> None:
    metrics = Metrics()

    def work() -> None:
        for _ in range(20_000):
            metrics.decided("rich_page", "share", 0.0002)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    text = metrics.render().decode()
    assert 'linkgate_decisions_total{kind="share",treatment="rich_page"} 80000.0' in text
    assert "linkgate_decision_seconds_count 80000.0" in text
