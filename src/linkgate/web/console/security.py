"""Console sessions and CSRF: signed cookies, per-session form tokens, response headers.

- The session cookie holds a random session id inside a token signed with
  the server's key ring (purpose ``linkgate.console-session.v1``): a forged
  or altered cookie is refused before any lookup. It is ``HttpOnly``,
  ``SameSite=Strict``, limited to ``/console`` and ``Secure`` when the public
  URL is ``https``.
- Every form carries ``csrf_token``. Signed-in forms use the session's token;
  the sign-in form uses a signed token bound to a short-lived cookie
  (double submit). A POST whose token is missing or wrong is refused (403)
  and changes nothing.
- A :class:`Door` names the cookies of one signed-in area; the functions
  here default to the console's (the platform portal has its own).
"""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Final
from urllib.parse import quote

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from linkgate.opening.keys import ShimKeys, ShimTokenError, sign_payload, str_field, verify_payload
from linkgate.runtime import Runtime
from linkgate.storage.console_sessions import ConsoleSession

SESSION_COOKIE: Final = "linkgate_console"
LOGIN_COOKIE: Final = "linkgate_console_login"
COOKIE_PATH: Final = "/console"
CSRF_FIELD: Final = "csrf_token"
LOGIN_TOKEN_SECONDS: Final = 3600
_SESSION_PURPOSE: Final = b"linkgate.console-session.v1"
_LOGIN_PURPOSE: Final = b"linkgate.console-login.v1"


@dataclass(frozen=True, slots=True)
class Door:
    """A signed-in area: its cookies, the path they are limited to, what their tokens sign.

    The console and the platform portal share users, sessions and lockouts,
    but a cookie made for one is never accepted by the other.
    """

    session_cookie: str
    login_cookie: str
    path: str
    session_purpose: bytes
    login_purpose: bytes


CONSOLE: Final = Door(SESSION_COOKIE, LOGIN_COOKIE, COOKIE_PATH, _SESSION_PURPOSE, _LOGIN_PURPOSE)

HEADERS: Final = {
    "Cache-Control": "no-store",
    "X-Robots-Tag": "noindex, nofollow",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": (
        "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


def client_address(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


def secure_cookies(runtime: Runtime) -> bool:
    return runtime.settings.public_url.lower().startswith("https://")


def _set_cookie(
    response: Response, runtime: Runtime, name: str, value: str, max_age: int, door: Door
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=door.path,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(runtime),
    )


def start_session(
    response: Response, runtime: Runtime, username: str, client: str, door: Door = CONSOLE
) -> None:
    """Create a session for ``username`` and put its signed id in the cookie."""
    lifetime = runtime.settings.console_session_seconds
    session_id, _ = runtime.stores.sessions.create(username, client, timedelta(seconds=lifetime))
    cookie = sign_payload(door.session_purpose, {"s": session_id}, runtime.keys)
    _set_cookie(response, runtime, door.session_cookie, cookie, lifetime, door)
    response.delete_cookie(door.login_cookie, path=door.path)


def _session_id(request: Request, keys: ShimKeys, door: Door) -> str | None:
    cookie = request.cookies.get(door.session_cookie)
    if not cookie:
        return None
    try:
        return str_field(verify_payload(door.session_purpose, cookie, keys), "s")
    except ShimTokenError:
        return None


def current_session(request: Request, door: Door = CONSOLE) -> ConsoleSession | None:
    """The signed-in session of this request, or None."""
    runtime: Runtime = request.app.state.runtime
    session_id = _session_id(request, runtime.keys, door)
    if session_id is None:
        return None
    idle = timedelta(seconds=runtime.settings.console_idle_seconds)
    return runtime.stores.sessions.lookup(session_id, idle)


def end_session(request: Request, response: Response, door: Door = CONSOLE) -> None:
    runtime: Runtime = request.app.state.runtime
    session_id = _session_id(request, runtime.keys, door)
    if session_id is not None:
        runtime.stores.sessions.delete(session_id)
    response.delete_cookie(door.session_cookie, path=door.path)


def login_token(request: Request, door: Door = CONSOLE) -> tuple[str, str | None]:
    """The sign-in form's CSRF token, and a new cookie nonce to set when there was none.

    The token is signed over the nonce in the ``linkgate_console_login``
    cookie; pass a new nonce to :func:`set_login_cookie`.
    """
    runtime: Runtime = request.app.state.runtime
    nonce = request.cookies.get(door.login_cookie) or ""
    fresh = None
    if len(nonce) != 43:
        nonce = fresh = secrets.token_urlsafe(32)
    token = sign_payload(door.login_purpose, {"n": nonce, "t": int(time.time())}, runtime.keys)
    return token, fresh


def set_login_cookie(
    response: Response, runtime: Runtime, nonce: str, door: Door = CONSOLE
) -> None:
    _set_cookie(response, runtime, door.login_cookie, nonce, LOGIN_TOKEN_SECONDS, door)


def login_token_ok(request: Request, token: str, door: Door = CONSOLE) -> bool:
    runtime: Runtime = request.app.state.runtime
    nonce = request.cookies.get(door.login_cookie) or ""
    try:
        payload = verify_payload(door.login_purpose, token, runtime.keys)
        bound = str_field(payload, "n")
        issued = payload.get("t")
    except ShimTokenError:
        return False
    if not isinstance(issued, int) or not 0 <= time.time() - issued <= LOGIN_TOKEN_SECONDS:
        return False
    return bool(nonce) and hmac.compare_digest(bound, nonce)


def csrf_ok(session: ConsoleSession, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf_token, token or "")


async def form_csrf_ok(request: Request, session: ConsoleSession) -> bool:
    """Whether the posted form carries ``session``'s CSRF token."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    return csrf_ok(session, token if isinstance(token, str) else None)


def stale_form(place: str) -> str:
    """What a refused form is told when its CSRF token is missing or wrong."""
    return (
        f"this form has expired or did not come from the {place}; "
        "nothing was changed — reload the page and try again"
    )


def sign_in_first(request: Request, login_path: str) -> RedirectResponse:
    """To the sign-in page, coming back to the page asked for afterwards."""
    target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    return RedirectResponse(f"{login_path}?next={target}", status_code=303, headers=dict(HEADERS))
