"""Who may open a console page: signed in, with a role the page admits, CSRF on every POST.

Page handlers take ``session: ConsoleSession = Depends(viewer(PAGE))`` for
reads and ``Depends(actor(PAGE))`` for form posts. Not signed in → redirect
to the sign-in page (for a GET) or 401; a role the page does not admit →
403; a POST without the session's CSRF token → 403. :func:`install` maps
these to HTML responses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from fastapi import FastAPI, Request
from fastapi.responses import Response

from linkgate.api.auth import Role
from linkgate.storage.console_sessions import ConsoleSession
from linkgate.web.console.registry import Page
from linkgate.web.console.render import render
from linkgate.web.console.security import current_session, form_csrf_ok, sign_in_first, stale_form


class ConsoleDenied(Exception):
    """A console request that may not go on; ``status`` 401 or 403."""

    def __init__(self, status: int, message: str, session: ConsoleSession | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.session = session


def viewer(page: Page) -> Callable[[Request], ConsoleSession]:
    """A dependency admitting signed-in users whose role may open ``page``."""

    def dependency(request: Request) -> ConsoleSession:
        session = current_session(request)
        if session is None:
            raise ConsoleDenied(401, "sign in to continue")
        if not page.allows(session.role):
            raise ConsoleDenied(403, f"the {session.role} role may not open {page.title}", session)
        return session

    return dependency


def may(session: ConsoleSession, roles: Sequence[Role]) -> bool:
    """Whether ``session`` may do what is for ``roles`` (and ``admin``); no roles: anyone
    who may open the page. Pages use it to show only the forms the user may post."""
    return not roles or session.role == "admin" or session.role in roles


def actor(page: Page, *roles: Role) -> Callable[[Request], Awaitable[ConsoleSession]]:
    """Like :func:`viewer`, and the form must carry the session's CSRF token.

    ``roles``, when given, narrow who may act to those roles (and ``admin``),
    as the API narrows an action to fewer roles than may read the page.
    """
    check = viewer(page)

    async def dependency(request: Request) -> ConsoleSession:
        session = check(request)
        if not may(session, roles):
            raise ConsoleDenied(
                403,
                f"the {session.role} role may not do this; it is for: {', '.join(roles)}",
                session,
            )
        if not await form_csrf_ok(request, session):
            raise ConsoleDenied(403, stale_form("console"), session)
        return session

    return dependency


def install(app: FastAPI) -> None:
    @app.exception_handler(ConsoleDenied)
    async def _denied(request: Request, exc: ConsoleDenied) -> Response:
        if exc.status == 401 and request.method == "GET":
            return sign_in_first(request, "/console/login")
        return render(
            request,
            "denied.html",
            session=exc.session,
            status=exc.status,
            code=exc.status,
            message=exc.message,
        )
