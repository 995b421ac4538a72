"""Routes documented like any FastAPI route but served straight by their handler.

The decision endpoints are the hot path of the service, and FastAPI's
per-request machinery (solving the endpoint's dependencies, two exit stacks,
routing through an included router) costs more than the decision itself.
A :class:`DirectRoute` is declared with an endpoint whose signature documents
it in the OpenAPI schema exactly as an ordinary route's would, but a request
goes straight to its ``handler``: an ``async`` function of the request that
authenticates, reads the body with :func:`read_json_bytes`, validates it with
:func:`validate_body`, and answers as that endpoint would.

Nothing about errors changes: what the handler raises (a
:class:`~linkgate.api.problems.Problem`, a
:class:`~fastapi.exceptions.RequestValidationError` from either, a
store error) reaches the app's exception handlers, which answer with the same
problem documents as for any other route. Direct routes are put first in the
app's routing table (:func:`install`), so finding them costs one match.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.requests import ClientDisconnect
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
M = TypeVar("M", bound=BaseModel)


class DirectRoute(APIRoute):
    """An API route whose requests are served by ``handler`` alone (see the module)."""

    def __init__(
        self, path: str, endpoint: Callable[..., Any], *, handler: Handler, **kwargs: Any
    ) -> None:
        self.handler = handler
        super().__init__(path, endpoint, **kwargs)

        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            response = await handler(Request(scope, receive, send))
            await response(scope, receive, send)

        self.app = app

    def get_route_handler(self) -> Handler:
        return self.handler


def install(app: FastAPI, routes: Sequence[DirectRoute]) -> None:
    """Put ``routes`` first in ``app``'s routing table, in the order given."""
    app.router.routes[0:0] = list(routes)


def _is_json(content_type: str | None) -> bool:
    mime = (content_type or "").partition(";")[0].strip().lower()
    kind, _, subtype = mime.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


async def read_json_bytes(request: Request) -> bytes:
    """The request's body, checked as the framework checks a route's one body parameter
    before validating it: an empty body is a missing field ``body``, and a body not
    declared as JSON (``Content-Type: application/json`` or ``…+json``) is refused."""
    raw = await body_bytes(request.receive)
    if not raw:
        raise RequestValidationError(
            [{"type": "missing", "loc": ("body",), "msg": "Field required"}]
        )
    if not _is_json(request.headers.get("content-type")):
        raise RequestValidationError(
            [
                {
                    "type": "content_type",
                    "loc": ("body",),
                    "msg": "expected a JSON body (Content-Type: application/json)",
                }
            ]
        )
    return raw


async def body_bytes(receive: Receive) -> bytes:
    """The body's bytes from the server's messages, as ``Request.body()`` reads them but
    without the asynchronous generator it reads them through, in a sixth of its time
    (usually one message: a body that came whole)."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk: bytes = message.get("body", b"")
            if not message.get("more_body", False):
                return b"".join((*chunks, chunk)) if chunks else chunk
            chunks.append(chunk)
        elif kind == "http.disconnect":
            raise ClientDisconnect()


def validate_body(raw: bytes, model: type[M]) -> M:
    """``raw`` (a JSON body) validated as ``model``, or the framework's validation error,
    each error located under ``body`` as for an ordinary route."""
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        errors = [
            {**e, "loc": ("body", *e["loc"])}
            for e in exc.errors(include_url=False, include_input=False)
        ]
        raise RequestValidationError(errors, body=raw) from None
