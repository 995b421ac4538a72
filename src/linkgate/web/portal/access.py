"""Who may open a portal page: a signed-in platform account, CSRF on every POST.

The portal uses the console's users, sessions and lockouts through its own
:class:`~linkgate.web.console.security.Door` (cookie ``linkgate_portal``,
``Path=/portal``), so a console cookie is no portal session and the other
way round. Every page reads the platform from the session, never from the
request: a platform account cannot name another platform.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from fastapi import FastAPI, Request
from fastapi.responses import Response

from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.console.security import (
    Door,
    current_session,
    form_csrf_ok,
    sign_in_first,
    stale_form,
)
from linkgate.web.portal.render import render

PORTAL: Final = Door(
    session_cookie="linkgate_portal",
    login_cookie="linkgate_portal_login",
    path="/portal",
    session_purpose=b"linkgate.portal-session.v1",
    login_purpose=b"linkgate.portal-login.v1",
)


class PortalDenied(Exception):
    """A portal request that may not go on; ``status`` 401, 403 or 404."""

    def __init__(self, status: int, message: str, session: ConsoleSession | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.session = session


def portal_session(request: Request) -> ConsoleSession | None:
    """The request's portal session, when it belongs to a platform account."""
    session = current_session(request, PORTAL)
    if session is None or session.role != "platform" or not session.platform_id:
        return None
    return session


def member(request: Request) -> ConsoleSession:
    """A dependency admitting signed-in platform accounts."""
    session = portal_session(request)
    if session is None:
        raise PortalDenied(401, "sign in to continue")
    return session


def acting() -> Callable[[Request], Awaitable[ConsoleSession]]:
    """Like :func:`member`, and the form must carry the session's CSRF token."""

    async def dependency(request: Request) -> ConsoleSession:
        session = member(request)
        if not await form_csrf_ok(request, session):
            raise PortalDenied(403, stale_form("portal"), session)
        return session

    return dependency


def install(app: FastAPI) -> None:
    @app.exception_handler(PortalDenied)
    async def _denied(request: Request, exc: PortalDenied) -> Response:
        if exc.status == 401 and request.method == "GET":
            return sign_in_first(request, "/portal/login")
        return render(
            request, "denied.html", session=exc.session, status=exc.status, message=exc.message
        )
