"""API keys and roles. Every endpoint declares the roles that may call it.

Keys travel as ``Authorization: Bearer <key>``. No key → 401; a key whose
role is not allowed, or a platform key asking about another platform → 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Final, Literal

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from linkgate.api.problems import Problem

Role = Literal["integrator", "operator", "reviewer", "platform", "admin"]
ROLES: Final[tuple[Role, ...]] = ("integrator", "operator", "reviewer", "platform", "admin")


@dataclass(frozen=True, slots=True)
class Caller:
    key_id: str
    role: str
    platform_id: str | None

    def may_see_platform(self, platform_id: str) -> bool:
        return self.role != "platform" or self.platform_id == platform_id

    def check_platform(self, platform_id: str) -> None:
        """403 unless this caller may see ``platform_id``'s data."""
        if not self.may_see_platform(platform_id):
            raise Problem(403, "a platform key sees only its own platform", type_="other-platform")

    def platform_filter(self, asked: str | None) -> str | None:
        """The platform a listing is narrowed to: a platform key's own, whatever it asked."""
        if self.role != "platform":
            return asked
        if asked is not None:
            self.check_platform(asked)
        return self.platform_id


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require(*roles: Role, admin: bool = True) -> Callable[[Request], Awaitable[Caller]]:
    """A dependency admitting callers whose key has one of ``roles``.

    Admin keys may call everything except endpoints that act *as* a platform
    (``admin=False``), which need that platform's own key.
    """
    allowed = frozenset((*roles, "admin") if admin else roles)

    async def dependency(request: Request) -> Caller:
        # A key read recently is checked on the event loop; only a cache miss reads the
        # store, in a worker thread, so the common request never hops threads.
        token = _bearer(request)
        if token is None:
            raise Problem(
                401,
                "an API key is required: Authorization: Bearer <key>",
                headers={"WWW-Authenticate": 'Bearer realm="linkgate"'},
            )
        runtime = request.app.state.runtime
        found, record = runtime.key_cache.get(token)
        if not found:
            record = await run_in_threadpool(runtime.authenticate, token)
        if record is None:
            raise Problem(
                401,
                "unknown or revoked API key",
                headers={"WWW-Authenticate": 'Bearer realm="linkgate", error="invalid_token"'},
            )
        if record.role not in allowed:
            raise Problem(
                403, f"role {record.role!r} may not call this endpoint", type_="role-forbidden"
            )
        return Caller(record.key_id, record.role, record.platform_id)

    dependency.roles = allowed  # type: ignore[attr-defined]
    return dependency
