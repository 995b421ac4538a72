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
"""

from __future__ import annotations

import hmac
import secrets
import time
from datetime import timedelta
from typing import Final

from fastapi import Request
from starlette.responses import Response

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


def _set_cookie(response: Response, runtime: Runtime, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(runtime),
    )


def start_session(response: Response, runtime: Runtime, username: str, client: str) -> None:
    """Create a session for ``username`` and put its signed id in the cookie."""
    lifetime = runtime.settings.console_session_seconds
    session_id, _ = runtime.stores.sessions.create(username, client, timedelta(seconds=lifetime))
    cookie = sign_payload(_SESSION_PURPOSE, {"s": session_id}, runtime.keys)
    _set_cookie(response, runtime, SESSION_COOKIE, cookie, lifetime)
    response.delete_cookie(LOGIN_COOKIE, path=COOKIE_PATH)


def _session_id(request: Request, keys: ShimKeys) -> str | None:
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        return None
    try:
        return str_field(verify_payload(_SESSION_PURPOSE, cookie, keys), "s")
    except ShimTokenError:
        return None


def current_session(request: Request) -> ConsoleSession | None:
    """The signed-in session of this request, or None."""
    runtime: Runtime = request.app.state.runtime
    session_id = _session_id(request, runtime.keys)
    if session_id is None:
        return None
    idle = timedelta(seconds=runtime.settings.console_idle_seconds)
    return runtime.stores.sessions.lookup(session_id, idle)


def end_session(request: Request, response: Response) -> None:
    runtime: Runtime = request.app.state.runtime
    session_id = _session_id(request, runtime.keys)
    if session_id is not None:
        runtime.stores.sessions.delete(session_id)
    response.delete_cookie(SESSION_COOKIE, path=COOKIE_PATH)


def login_token(request: Request) -> tuple[str, str | None]:
    """The sign-in form's CSRF token, and a new cookie nonce to set when there was none.

    The token is signed over the nonce in the ``linkgate_console_login``
    cookie; pass a new nonce to :func:`set_login_cookie`.
    """
    runtime: Runtime = request.app.state.runtime
    nonce = request.cookies.get(LOGIN_COOKIE) or ""
    fresh = None
    if len(nonce) != 43:
        nonce = fresh = secrets.token_urlsafe(32)
    token = sign_payload(_LOGIN_PURPOSE, {"n": nonce, "t": int(time.time())}, runtime.keys)
    return token, fresh


def set_login_cookie(response: Response, runtime: Runtime, nonce: str) -> None:
    _set_cookie(response, runtime, LOGIN_COOKIE, nonce, LOGIN_TOKEN_SECONDS)


def login_token_ok(request: Request, token: str) -> bool:
    runtime: Runtime = request.app.state.runtime
    nonce = request.cookies.get(LOGIN_COOKIE) or ""
    try:
        payload = verify_payload(_LOGIN_PURPOSE, token, runtime.keys)
        bound = str_field(payload, "n")
        issued = payload.get("t")
    except ShimTokenError:
        return False
    if not isinstance(issued, int) or not 0 <= time.time() - issued <= LOGIN_TOKEN_SECONDS:
        return False
    return bool(nonce) and hmac.compare_digest(bound, nonce)


def csrf_ok(session: ConsoleSession, token: str | None) -> bool:
    return bool(token) and hmac.compare_digest(session.csrf_token, token or "")
