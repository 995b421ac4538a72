"""RFC 9457 problem responses: every API error, mapped in one place.

Each problem has ``type`` (a stable URI under ``/problems/``), ``title``,
``status``, ``detail``, and, where a request field is at fault, ``errors``:
a list of ``{field, message}`` (``field`` is a JSON-pointer-like dotted path),
or, for policy and registry files, located ``{file, line, column, path,
message, expected}``.

When the store cannot be reached (``store-unavailable``, 503) or its disk is
full (``store-full``, 507), the answer carries ``Retry-After``: nothing was
written, and the same request may be sent again (reports are idempotent per
reporter and link).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from linkgate.casework import CaseError, RateLimited
from linkgate.datafile import DataFileError
from linkgate.errors import RequestError
from linkgate.storage.engine import STORE_ERRORS

PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Request too large",
    414: "URI too long",
    415: "Unsupported media type",
    422: "Invalid request",
    429: "Too many requests",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
    507: "Insufficient storage",
}


class Problem(Exception):
    """Raise to answer with a problem document."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        type_: str | None = None,
        errors: Sequence[dict[str, Any]] = (),
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = type_ or _slug(TITLES.get(status, "error"))
        self.errors = list(errors)
        self.headers = headers or {}


def _slug(title: str) -> str:
    return title.lower().replace(" ", "-")


def problem_response(
    status: int,
    detail: str,
    *,
    type_: str | None = None,
    errors: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{type_ or _slug(TITLES.get(status, 'error'))}",
        "title": TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors:
        body["errors"] = list(errors)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


#: Seconds a client should wait before retrying a write the store could not take.
STORE_RETRY_AFTER = 5


def is_disk_full(exc: BaseException) -> bool:
    """Whether a store error says the disk (or the database file's quota) is full."""
    text = str(getattr(exc, "orig", exc)).lower()
    return "disk is full" in text or "no space left" in text or "disk full" in text


def store_problem(exc: BaseException, instance: str | None = None) -> JSONResponse:
    """The answer to a request the store could not serve: 507 when its disk is full,
    else 503; both with ``Retry-After``."""
    headers = {"Retry-After": str(STORE_RETRY_AFTER)}
    if is_disk_full(exc):
        return problem_response(
            507,
            "the store's disk is full; the request was not carried out, retry later",
            type_="store-full",
            headers=headers,
            instance=instance,
        )
    return problem_response(
        503,
        "the store is unreachable; the request was not carried out, retry later",
        type_="store-unavailable",
        headers=headers,
        instance=instance,
    )


PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem document.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}},
    },
}
_PROBLEM_RESPONSE: dict[str, Any] = {
    "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
}


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Describe the problem responses in an OpenAPI document, as the app sends them.

    Every operation may answer any error status with a problem document
    (``default``; for pages, an HTML page or a problem document); the
    framework's ``422`` (a JSON validation-error list) is replaced by the
    problem document the app actually sends.
    """
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM_SCHEMA
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            responses = operation.setdefault("responses", {})
            if "422" in responses:
                responses["422"] = {"description": "Invalid request", **_PROBLEM_RESPONSE}
            default: dict[str, Any] = {"description": "A problem", **_PROBLEM_RESPONSE}
            if any("text/html" in r.get("content", {}) for r in responses.values()):
                # A page: its own refusals are pages too; the framework's are problems.
                default = {
                    "description": "A page, or a problem",
                    "content": {"text/html": {}, **_PROBLEM_RESPONSE["content"]},
                }
            responses["default"] = default
    for unused in ("HTTPValidationError", "ValidationError"):
        components.pop(unused, None)
    return schema


def _field(loc: Sequence[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI) -> None:
    """Map every error linkgate raises, and the framework's own, to problem responses."""
    framework_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(framework_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.exception_handler(Problem)
    async def _problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(
            exc.status,
            exc.detail,
            type_=exc.type,
            errors=exc.errors,
            headers=exc.headers,
            instance=request.url.path,
        )

    @app.exception_handler(RequestError)
    async def _request_error(request: Request, exc: RequestError) -> JSONResponse:
        return problem_response(
            422,
            str(exc),
            type_="invalid-field",
            errors=[{"field": exc.field, "message": exc.message}],
            instance=request.url.path,
        )

    @app.exception_handler(CaseError)
    async def _case_error(request: Request, exc: CaseError) -> JSONResponse:
        errors = [{"field": exc.field, "message": str(exc)}] if exc.field else []
        return problem_response(exc.status, str(exc), errors=errors, instance=request.url.path)

    @app.exception_handler(RateLimited)
    async def _rate_limited(request: Request, exc: RateLimited) -> JSONResponse:
        return problem_response(
            429,
            f"{exc}; retry in {exc.retry_after} s",
            type_="rate-limited",
            headers={"Retry-After": str(exc.retry_after)},
            instance=request.url.path,
        )

    @app.exception_handler(DataFileError)
    async def _datafile(request: Request, exc: DataFileError) -> JSONResponse:
        errors = [
            {
                "file": p.file,
                "line": p.line,
                "column": p.column,
                "path": p.path,
                "message": p.message,
                "expected": p.expected,
            }
            for p in exc.problems
        ]
        return problem_response(
            422,
            f"{len(errors)} problem(s) in the document",
            type_="invalid-document",
            errors=errors,
            instance=request.url.path,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field(e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid"}
        return problem_response(
            422,
            f"{first['field']}: {first['message']}",
            type_="invalid-field",
            errors=errors,
            instance=request.url.path,
        )

    async def _store(request: Request, exc: Exception) -> JSONResponse:
        runtime = getattr(request.app.state, "runtime", None)
        if runtime is not None:
            runtime.store_ok = False
        return store_problem(exc, instance=request.url.path)

    for error in STORE_ERRORS:
        app.add_exception_handler(error, _store)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(
            exc.status_code,
            str(exc.detail),
            headers=dict(exc.headers or {}),
            instance=request.url.path,
        )
