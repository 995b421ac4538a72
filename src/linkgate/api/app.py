"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from linkgate import __version__
from linkgate.api import direct, problems
from linkgate.api.routes import (
    accounts,
    analytics,
    appeals,
    audit,
    decisions,
    enforcement,
    groups,
    health,
    jsapi,
    link_reports,
    platforms,
    policies,
    previews,
    reports,
    rollout,
    shim,
)
from linkgate.runtime import Runtime
from linkgate.settings import Settings
from linkgate.web import console, portal


class BodyLimit:
    """Refuse request bodies over the configured size with 413 (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope["headers"]:
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                response = problems.problem_response(
                    413,
                    f"the body is {int(value)} bytes; the limit is {self.limit}",
                    type_="body-too-large",
                    instance=scope.get("path"),
                )
                await response(scope, receive, send)
                return
        seen = 0
        limit = self.limit

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise problems.Problem(
                        413, f"the body exceeds {limit} bytes", type_="body-too-large"
                    )
            return message

        await self.app(scope, counted, send)


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """An app over ``runtime`` (or one opened from ``settings``/the environment)."""
    settings = settings or (runtime.settings if runtime else Settings.from_env())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = runtime or Runtime(settings)
        app.state.runtime = rt
        rt.start()
        try:
            yield
        finally:
            rt.close()

    app = FastAPI(
        title="linkgate",
        version=__version__,
        summary="How may this link open, here, for this person, now?",
        lifespan=lifespan,
        # linkgate reports on itself through /metrics and its own logs. The framework's
        # OpenTelemetry instrumentation, on by default, would send each request's path (a
        # shim link's path is its signed token) to any tracer, meter or logger provider
        # configured in the process, and looks those providers up on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    if runtime is not None:
        app.state.runtime = runtime
    problems.install(app)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    for module in (
        health,
        shim,
        link_reports,
        groups,
        platforms,
        policies,
        jsapi,
        reports,
        appeals,
        enforcement,
        rollout,
        audit,
        accounts,
        previews,
        analytics,
    ):
        app.include_router(module.router)
    direct.install(app, decisions.routes)
    console.install(app)
    portal.install(app)
    static = resources.files("linkgate.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    return app


def app_from_env() -> FastAPI:
    """The uvicorn factory: settings from the environment (``linkgate serve`` sets them)."""
    return create_app(Settings.from_env())
