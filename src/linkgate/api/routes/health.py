"""Liveness, readiness and metrics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from starlette.responses import JSONResponse, PlainTextResponse

from linkgate import records
from linkgate.domains import psl
from linkgate.enforcement import counters
from linkgate.runtime import Runtime
from linkgate.urls import canonical, parse

router = APIRouter(tags=["operations"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get(
    "/readyz",
    summary="Ready to decide: snapshot loaded, store reachable",
    responses={503: {"description": "Still starting", "content": {"application/json": {}}}},
)
async def readyz(request: Request) -> JSONResponse:
    runtime: Runtime = request.app.state.runtime
    if not runtime.warmed.is_set():
        return JSONResponse({"status": "starting", "degraded": []}, status_code=503)
    degraded: list[str] = []
    store = runtime.ping_store()
    if not store:
        degraded.append("store")
    if not runtime.redis_ok or not runtime.counting.shared_ok:
        degraded.append("redis")
    snapshot = runtime.gateway.snapshot
    body: dict[str, Any] = {
        "status": "ready" if not degraded else "degraded",
        "snapshot": {"revision": snapshot.revision, "policy": snapshot.policy.name},
        "store": "ok" if store else "unreachable",
        "redis": "not configured"
        if runtime.settings.redis_url is None
        else ("ok" if runtime.redis_ok and runtime.counting.shared_ok else "unreachable"),
        "counters": "in-process"
        if runtime.counting.shared is None or not runtime.counting.shared_ok
        else "redis",
        # How this process counts when it counts in-process: compiled windows, or Python's
        # where no C compiler was at hand at install (the same counts, slower).
        "counter_windows": "compiled" if counters.COMPILED else "python",
        # Past LINKGATE_COUNTER_MAX_EVENTS live events the in-process counters drop their
        # oldest: how many so far, and how far back each count so shortened still reached.
        "counter_events_shed": runtime.counting.local.shed_events,
        "counter_reach_seconds": {
            f"{measure} {int(window.total_seconds())} s": round(seconds)
            for (measure, window), seconds in runtime.counting.local.reach.items()
        },
        # Likewise the link core's compiled parts: cutting parsed links into components,
        # Safe Browsing lookup expressions with their hashes, and registrable domains.
        "url_parse": "compiled" if parse.COMPILED else "python",
        "lookup_hashes": "compiled" if canonical.COMPILED_LOOKUP else "python",
        "public_suffix": "compiled" if psl.COMPILED else "python",
        # Whether the link core's cached records are kept out of the collector's passes.
        "cache_records": "untracked" if records.UNTRACKED else "tracked",
        # And whether the records built per link and per decision are built in one call.
        "record_builders": "compiled" if records.COMPILED_BUILDERS else "python",
        "degraded": degraded,
        "events": {
            "pending": runtime.events.pending,
            "dropped": runtime.events.dropped,
            "failed": runtime.events.failed,
            "writer": "thread" if runtime.event_process is None else "process",
            "writer_starts": (
                runtime.event_process.starts if runtime.event_process is not None else None
            ),
            "writer_fallbacks": (
                runtime.event_process.fallbacks if runtime.event_process is not None else None
            ),
        },
        "shadow": {
            "revision": runtime.shadow.revision if runtime.shadow is not None else None,
            "logged": runtime.shadow_log.logged,
            "pending": runtime.shadow_log.pending,
            "dropped": runtime.shadow_log.dropped,
            "failed": runtime.shadow_log.failed,
        },
    }
    # Decisions go on from the loaded snapshot when a dependency is down: still 200.
    return JSONResponse(body, status_code=200)


@router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
async def metrics(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    m = runtime.metrics
    m.dropped.set(runtime.events.dropped)
    m.failed.set(runtime.events.failed)
    m.pending.set(runtime.events.pending)
    shadow = runtime.shadow_log
    for state, value in (
        ("logged", shadow.logged),
        ("pending", shadow.pending),
        ("dropped", shadow.dropped),
        ("failed", shadow.failed),
    ):
        m.shadow.labels(state).set(value)
    m.reloads.set(runtime.reloads)
    m.counter_fallbacks.set(runtime.counting.fallbacks)
    m.counter_shed.set(runtime.counting.local.shed_events)
    return Response(m.render(), media_type="text/plain; version=0.0.4")
