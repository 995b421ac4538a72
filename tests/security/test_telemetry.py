"""No request's path reaches an OpenTelemetry provider configured in the process.

A shim link's path is its signed token, which carries the link and (sealed) the group it was
shared in. linkgate reports on itself through ``/metrics`` and its own logs; the web
framework's own OpenTelemetry instrumentation would otherwise export a span for every
request (its path included) to whatever tracer provider the process has, for example
one installed by an auto-instrumenting launcher. A real SDK tracer provider with an
in-memory exporter stands in for that provider: an app of the same framework with
defaults exports spans to it (so this test can fail), linkgate's app none.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from tests.api.conftest import Api

TAOBAO = "https://item.taobao.com/item.htm?id=6543210987"


@pytest.fixture
def exported(monkeypatch: pytest.MonkeyPatch) -> Iterator[InMemorySpanExporter]:
    """A process-wide tracer provider (as a launcher installs one) that keeps every span."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    yield exporter
    provider.shutdown()


def test_the_frameworks_default_app_exports_request_spans(
    exported: InMemorySpanExporter,
) -> None:
    app = FastAPI()

    @app.get("/l/{token}")
    def shim(token: str) -> dict[str, str]:
        return {"token": token}

    with TestClient(app) as client:
        assert client.get("/l/secret-token").status_code == 200
    spans = exported.get_finished_spans()
    assert spans
    assert any("/l/" in str(dict(span.attributes or {})) for span in spans)


def test_linkgate_exports_no_spans(api: Api, exported: InMemorySpanExporter) -> None:
    decided = api.client.post(
        "/v1/decisions",
        json={"url": TAOBAO, "channel": "group_chat", "group": "group-7731"},
        headers=api.headers("integrator"),
    )
    assert decided.status_code == 200
    shim_url = decided.json()["shim_url"]
    assert shim_url
    opened = api.client.get(shim_url.removeprefix("http://testserver"), follow_redirects=False)
    assert opened.status_code in (200, 302)
    assert api.client.get("/healthz").status_code == 200
    assert exported.get_finished_spans() == ()
