"""The app's routes, enumerated from the app itself, and the roles each one declares."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute


@dataclass(frozen=True)
class Route:
    path: str
    method: str
    dependant: Any
    in_schema: bool

    @property
    def roles(self) -> frozenset[str] | None:
        """The roles its ``require(...)`` dependency admits; ``None`` when it has none."""
        return _roles(self.dependant)

    @property
    def query(self) -> set[str]:
        return {p.name for p in _all_params(self.dependant, "query_params")}


def _roles(dependant: Any) -> frozenset[str] | None:
    for sub in dependant.dependencies:
        roles = getattr(sub.call, "roles", None)
        if roles is not None:
            return frozenset(roles)
        found = _roles(sub)
        if found is not None:
            return found
    return None


def _all_params(dependant: Any, kind: str) -> Iterator[Any]:
    yield from getattr(dependant, kind)
    for sub in dependant.dependencies:
        yield from _all_params(sub, kind)


def _contexts(app: FastAPI) -> Iterator[Any]:
    for route in app.routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "effective_route_contexts"):
            yield from route.effective_route_contexts()


def routes(app: FastAPI) -> list[Route]:
    """Every HTTP route the app serves (API, shim, console, portal), one per method."""
    out = []
    for context in _contexts(app):
        for method in sorted(context.methods or ()):
            if method != "HEAD":
                out.append(
                    Route(context.path, method, context.dependant, context.include_in_schema)
                )
    assert out, "no routes found: the enumeration no longer matches the framework"
    return out
